/* Creating and ending threads: clone, clone3, exit. A unikernel runs one
 * process, so clone without CLONE_THREAD (fork, vfork, posix_spawn) is
 * ENOSYS. */
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/memlayout.h"
#include "core/process.h"
#include "futex/futex.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_VFORK 0x00004000
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_CHILD_SETTID 0x01000000

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define ALLOWED (THREAD_FLAGS | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
		 CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED)

struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static long do_clone(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
		     uint64_t tls)
{
	if ((flags & THREAD_FLAGS) != THREAD_FLAGS)
		return -ENOSYS; /* a new process: not in a unikernel */
	if (flags & ~(uint64_t)ALLOWED)
		return -EINVAL;
	struct thread *t = sched_new_thread();
	if (!t)
		return -EAGAIN;
	/* The child starts where the parent returns, with rax = 0. */
	struct regs *child = (struct regs *)(t->kstack + KSTACK_SIZE - sizeof(struct regs));
	*child = *syscall_regs();
	child->rax = 0;
	child->vector = 0;
	if (stack)
		child->rsp = stack;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : current->fs_base;
	t->sigmask = current->sigmask;
	fpu_save(t->xsave); /* the parent's live FPU state */
	if (flags & CLONE_CHILD_CLEARTID)
		t->futex.clear_child_tid = child_tid;
	int tid = t->tid;
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user((void *)parent_tid, &tid, 4) < 0) {
		thread_free(t);
		return -EFAULT;
	}
	if ((flags & CLONE_CHILD_SETTID) && copy_to_user((void *)child_tid, &tid, 4) < 0) {
		thread_free(t);
		return -EFAULT;
	}
	sched_start_thread(t);
	return tid;
}

SYSCALL_DEFINE5(clone, "d:xpppx",
		uint64_t, flags, uint64_t, stack, uint64_t, parent_tid, uint64_t, child_tid, uint64_t, tls)
{
	return do_clone(flags, stack, parent_tid, child_tid, tls);
}

SYSCALL_DEFINE2(clone3, "d:pu", const struct clone_args *, uargs, size_t, size)
{
	struct clone_args a;
	memset(&a, 0, sizeof(a));
	if (size < 64 || size > 4096)
		return -EINVAL;
	if (copy_from_user(&a, uargs, size < sizeof(a) ? size : sizeof(a)) < 0)
		return -EFAULT;
	if ((a.flags & THREAD_FLAGS) != THREAD_FLAGS)
		return -ENOSYS;
	if (a.exit_signal || a.set_tid || (a.flags & CLONE_PIDFD))
		return -EINVAL;
	uint64_t sp = a.stack ? a.stack + a.stack_size : 0;
	return do_clone(a.flags, sp, a.parent_tid, a.child_tid, a.tls);
}

SYSCALL_DEFINE0(fork, "d:")
{
	return -ENOSYS; /* a unikernel runs one process */
}

SYSCALL_DEFINE0(vfork, "d:")
{
	return -ENOSYS;
}

SYSCALL_DEFINE3(execve, "d:spp",
		const char *, path, const char *const *, argv, const char *const *, envp)
{
	return -ENOSYS;
}

SYSCALL_DEFINE1(exit, "n:d", int, status)
{
	if (sched_thread_count() == 1)
		process_exit(status);
	struct thread *t = current;
	futex_thread_exit(t);
	sched_exit_thread();
}
