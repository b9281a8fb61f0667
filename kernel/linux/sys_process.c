/* Syscalls about the process and its threads' identity and limits. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memlayout.h"
#include "core/process.h"
#include "fs/fdtable.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "mm/mmap.h"
#include "mm/uaccess.h"
#include "uapi/stat.h"
#include "sched/sched.h"

SYSCALL_DEFINE1(exit_group, "n:d", int, status)
{
	process_exit(status);
}

SYSCALL_DEFINE0(getpid, "d:")
{
	return proc.pid;
}

SYSCALL_DEFINE0(getppid, "d:")
{
	return 0; /* started by the kernel itself, as init is */
}

SYSCALL_DEFINE0(gettid, "d:")
{
	return current->tid;
}

SYSCALL_DEFINE0(getpgrp, "d:")
{
	return proc.pid;
}

SYSCALL_DEFINE1(getpgid, "d:d", int, pid)
{
	return pid == 0 || pid == proc.pid ? proc.pid : -ESRCH;
}

SYSCALL_DEFINE1(getsid, "d:d", int, pid)
{
	return pid == 0 || pid == proc.pid ? proc.pid : -ESRCH;
}

SYSCALL_DEFINE0(setsid, "d:")
{
	return -EPERM; /* the process already leads its group */
}

SYSCALL_DEFINE1(set_tid_address, "d:p", uint64_t, tidptr)
{
	current->futex.clear_child_tid = tidptr;
	return current->tid;
}

SYSCALL_DEFINE2(set_robust_list, "d:pu", uint64_t, head, uint64_t, len)
{
	if (len != 24)
		return -EINVAL;
	current->futex.robust_list = head;
	current->futex.robust_len = len;
	return 0;
}

SYSCALL_DEFINE3(get_robust_list, "d:dpp", int, tid, uint64_t *, head, uint64_t *, len)
{
	if (tid != 0 && tid != current->tid)
		return -ESRCH;
	if (copy_to_user(head, &current->futex.robust_list, 8) ||
	    copy_to_user(len, &current->futex.robust_len, 8))
		return -EFAULT;
	return 0;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

SYSCALL_DEFINE2(arch_prctl, "d:xp", int, code, uint64_t, addr)
{
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_TOP)
			return -EPERM;
		current->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user((void *)addr, &current->fs_base, 8) < 0 ? -EFAULT : 0;
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		wrmsr(MSR_GS_BASE, addr);
		return 0;
	case ARCH_GET_GS: {
		uint64_t gs = rdmsr(MSR_GS_BASE);
		return copy_to_user((void *)addr, &gs, 8) < 0 ? -EFAULT : 0;
	}
	case ARCH_GET_CPUID:
		return 1; /* cpuid is not trapped */
	case ARCH_SET_CPUID:
		return -ENODEV; /* no CPUID faulting */
	default:
		return -EINVAL;
	}
}

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_CAPBSET_READ 23
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

/* prctl state of the process; owned by this file. The thread's name is
 * its own (struct thread). */
static int pdeathsig, dumpable = 1, no_new_privs;

SYSCALL_DEFINE5(prctl, "d:dxxxx",
		int, option, uint64_t, a2, uint64_t, a3, uint64_t, a4, uint64_t, a5)
{
	switch (option) {
	case PR_SET_NAME: {
		char name[16];
		long n = strncpy_from_user(name, (const char *)a2, sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		if (n < 0)
			n = sizeof(name) - 1; /* longer names are cut, as on Linux */
		memset(current->name, 0, sizeof(current->name));
		memcpy(current->name, name, (size_t)n);
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_user((void *)a2, current->name, sizeof(current->name)) < 0 ? -EFAULT : 0;
	case PR_SET_PDEATHSIG:
		if (a2 > 64)
			return -EINVAL;
		pdeathsig = (int)a2;
		return 0;
	case PR_GET_PDEATHSIG:
		return copy_to_user((void *)a2, &pdeathsig, sizeof(int)) < 0 ? -EFAULT : 0;
	case PR_GET_DUMPABLE:
		return dumpable;
	case PR_SET_DUMPABLE:
		if (a2 > 1)
			return -EINVAL;
		dumpable = (int)a2;
		return 0;
	case PR_CAPBSET_READ:
		return a2 <= 40 ? 1 : -EINVAL;
	case PR_SET_NO_NEW_PRIVS:
		if (a2 != 1 || a3 || a4 || a5)
			return -EINVAL;
		no_new_privs = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return no_new_privs;
	default:
		return -EINVAL;
	}
}

static long rlimit_get(int resource, struct rlimit64 *out)
{
	if (resource < 0 || resource >= RLIM_NLIMITS)
		return -EINVAL;
	*out = proc.rlimits[resource];
	return 0;
}

static long rlimit_set(int resource, const struct rlimit64 *r)
{
	if (resource < 0 || resource >= RLIM_NLIMITS || r->cur > r->max)
		return -EINVAL;
	if (resource == RLIMIT_NOFILE && r->max > FD_LIMIT_MAX)
		return -EPERM;
	proc.rlimits[resource] = *r;
	/* The descriptor table and the address space enforce these
	 * themselves (fd_install, mm_may_expand). */
	if (resource == RLIMIT_NOFILE)
		fd_table_set_limit(proc.fds, r->cur);
	else if (resource == RLIMIT_AS)
		current_mm->as_limit = r->cur;
	else if (resource == RLIMIT_DATA)
		current_mm->data_limit = r->cur;
	return 0;
}

SYSCALL_DEFINE4(prlimit64, "d:ddpp",
		int, pid, int, resource, const struct rlimit64 *, unew, struct rlimit64 *, uold)
{
	if (pid != 0 && pid != proc.pid)
		return -ESRCH;
	struct rlimit64 old, next;
	long rc = rlimit_get(resource, &old);
	if (rc < 0)
		return rc;
	if (unew) {
		if (copy_from_user(&next, unew, sizeof(next)) < 0)
			return -EFAULT;
		rc = rlimit_set(resource, &next);
		if (rc < 0)
			return rc;
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(getrlimit, "d:dp", int, resource, struct rlimit64 *, ulim)
{
	struct rlimit64 r;
	long rc = rlimit_get(resource, &r);
	if (rc < 0)
		return rc;
	return copy_to_user(ulim, &r, sizeof(r)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE2(setrlimit, "d:dp", int, resource, const struct rlimit64 *, ulim)
{
	struct rlimit64 r;
	if (copy_from_user(&r, ulim, sizeof(r)) < 0)
		return -EFAULT;
	return rlimit_set(resource, &r);
}

SYSCALL_DEFINE3(sched_getaffinity, "d:dup", int, pid, unsigned, len, uint64_t *, mask)
{
	if (pid != 0 && pid != proc.pid && pid != current->tid)
		return -ESRCH;
	if (len < sizeof(uint64_t) || (len % sizeof(uint64_t)))
		return -EINVAL;
	uint64_t one_cpu = 1;
	return copy_to_user(mask, &one_cpu, sizeof(one_cpu)) < 0 ? -EFAULT : (long)sizeof(one_cpu);
}

SYSCALL_DEFINE0(sched_yield, "d:")
{
	sched_yield_now();
	return 0;
}

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

/* The process's nice value; owned by this file. */
static int nice_value;

static int check_who(int which, int who)
{
	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	if (which == PRIO_USER)
		return who == 0 ? 0 : -ESRCH; /* only root (uid 0) has a process */
	return who == 0 || who == proc.pid ? 0 : -ESRCH;
}

SYSCALL_DEFINE2(getpriority, "d:dd", int, which, int, who)
{
	int rc = check_who(which, who);
	/* The syscall returns 20 - nice, so that it is never negative. */
	return rc < 0 ? rc : 20 - nice_value;
}

SYSCALL_DEFINE3(setpriority, "d:ddd", int, which, int, who, int, prio)
{
	int rc = check_who(which, who);
	if (rc < 0)
		return rc;
	if (prio < -20)
		prio = -20;
	if (prio > 19)
		prio = 19;
	nice_value = prio; /* root may raise or lower it; one CPU runs regardless */
	return 0;
}

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000

/* The policy the app asked for; owned by this file. All threads run under
 * the same round-robin scheduler: the normal policies (OTHER, BATCH, IDLE)
 * only hint at that; the real-time ones are refused (EINVAL) because the
 * scheduler does not give them real-time priority. */
static int policy = SCHED_OTHER;

static bool is_self(int pid)
{
	return pid == 0 || pid == proc.pid || pid == current->tid;
}

SYSCALL_DEFINE1(sched_get_priority_max, "d:d", int, pol)
{
	switch (pol) {
	case SCHED_FIFO:
	case SCHED_RR:
		return 99;
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
	case SCHED_DEADLINE:
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE1(sched_get_priority_min, "d:d", int, pol)
{
	switch (pol) {
	case SCHED_FIFO:
	case SCHED_RR:
		return 1;
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
	case SCHED_DEADLINE:
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE1(sched_getscheduler, "d:d", int, pid)
{
	if (pid < 0)
		return -EINVAL;
	return is_self(pid) ? policy : -ESRCH;
}

SYSCALL_DEFINE3(sched_setscheduler, "d:ddp", int, pid, int, pol, const int *, uparam)
{
	if (pid < 0 || !uparam)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	int prio;
	if (copy_from_user(&prio, uparam, sizeof(prio)) < 0)
		return -EFAULT;
	int p = pol & ~SCHED_RESET_ON_FORK;
	if (p != SCHED_OTHER && p != SCHED_BATCH && p != SCHED_IDLE)
		return -EINVAL;
	if (prio != 0)
		return -EINVAL;
	policy = p;
	return 0;
}

SYSCALL_DEFINE2(sched_getparam, "d:dp", int, pid, int *, uparam)
{
	if (pid < 0 || !uparam)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	int zero = 0;
	return copy_to_user(uparam, &zero, sizeof(zero)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE2(sched_setparam, "d:dp", int, pid, const int *, uparam)
{
	if (pid < 0 || !uparam)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	int prio;
	if (copy_from_user(&prio, uparam, sizeof(prio)) < 0)
		return -EFAULT;
	return prio == 0 ? 0 : -EINVAL;
}

SYSCALL_DEFINE2(sched_rr_get_interval, "d:dp", int, pid, struct linux_timespec *, uts)
{
	if (pid < 0)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	struct linux_timespec t = { 0, (int64_t)SCHED_SLICE_NS };
	return copy_to_user(uts, &t, sizeof(t)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE3(sched_setaffinity, "d:dup", int, pid, unsigned, len, const uint64_t *, umask)
{
	if (!is_self(pid))
		return -ESRCH;
	uint64_t mask = 0;
	if (copy_from_user(&mask, umask, len < sizeof(mask) ? len : sizeof(mask)) < 0)
		return -EFAULT;
	return (mask & 1) ? 0 : -EINVAL; /* the one CPU must stay in the set */
}
