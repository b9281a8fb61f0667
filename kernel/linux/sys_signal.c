/* Signal syscalls: dispositions, masks, sending, waiting, returning. */
#include "core/clock.h"
#include "lib/time_conv.h"
#include "core/process.h"
#include "lib/string.h"
#include "signal/signal_state.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/stat.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

SYSCALL_DEFINE4(rt_sigaction, "d:Sppu",
		int, s, const struct k_sigaction *, act, struct k_sigaction *, oact, size_t, sigsetsize)
{
	if (sigsetsize != sizeof(uint64_t) || s < 1 || s > NSIG)
		return -EINVAL;
	struct k_sigaction old = sig.actions[s - 1], next;
	if (act) {
		if (s == SIGKILL || s == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&next, act, sizeof(next)) < 0)
			return -EFAULT;
		next.mask &= ~SIG_UNBLOCKABLE;
		sig.actions[s - 1] = next;
		/* Ignoring a signal discards what is pending of it (POSIX). */
		if (next.handler == SIG_IGN) {
			sig.pending &= ~SIGBIT(s);
			for (struct thread *t = sched_threads(); t; t = t->all_next)
				t->sigpending &= ~SIGBIT(s);
		}
	}
	if (oact && copy_to_user(oact, &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, "d:dppu",
		int, how, const uint64_t *, set, uint64_t *, oset, size_t, sigsetsize)
{
	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	uint64_t old = current->sigmask;
	if (set) {
		uint64_t s;
		if (copy_from_user(&s, set, sizeof(s)) < 0)
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			current->sigmask |= s;
			break;
		case SIG_UNBLOCK:
			current->sigmask &= ~s;
			break;
		case SIG_SETMASK:
			current->sigmask = s;
			break;
		default:
			return -EINVAL;
		}
		current->sigmask &= ~SIG_UNBLOCKABLE;
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(sigaltstack, "d:pp",
		const struct linux_stack *, uss, struct linux_stack *, uoss)
{
	struct linux_stack old = current->altstack;
	uint64_t sp = syscall_regs()->rsp;
	old.flags = signal_altstack_flags(sp);
	if (uss) {
		struct linux_stack s;
		if (copy_from_user(&s, uss, sizeof(s)) < 0)
			return -EFAULT;
		int rc = signal_set_altstack(&s, sp);
		if (rc < 0)
			return rc;
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, "d:pu", uint64_t *, set, size_t, sigsetsize)
{
	if (sigsetsize > sizeof(uint64_t))
		return -EINVAL;
	uint64_t pending = (current->sigpending | sig.pending) & current->sigmask;
	return copy_to_user(set, &pending, sigsetsize) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE0(rt_sigreturn, "d:")
{
	return signal_return(syscall_regs());
}

static int check_signal(int s)
{
	return s < 0 || s > NSIG ? -EINVAL : 0;
}

SYSCALL_DEFINE2(kill, "d:dS", int, pid, int, s)
{
	if (check_signal(s) < 0)
		return -EINVAL;
	/* -1 means every process we may signal except init and ourselves
	 * (Linux's kill_something_info): here that is no process at all, even
	 * though -1 is also minus our pid, 1. */
	if (pid == -1)
		return -ESRCH;
	/* Our process or its group (0, -pid). */
	if (pid != proc.pid && pid != 0 && pid != -proc.pid)
		return -ESRCH;
	if (s)
		signal_send_process(s, (struct sig_note){ .code = SI_USER, .pid = proc.pid });
	return 0;
}

static long thread_kill(int tid, int s)
{
	if (check_signal(s) < 0 || tid <= 0)
		return -EINVAL;
	struct thread *t = sched_find_thread(tid);
	if (!t)
		return -ESRCH;
	if (s)
		signal_send_thread(t, s, (struct sig_note){ .code = SI_TKILL, .pid = proc.pid });
	return 0;
}

SYSCALL_DEFINE3(tgkill, "d:ddS", int, tgid, int, tid, int, s)
{
	if (tgid <= 0)
		return -EINVAL;
	if (tgid != proc.pid)
		return -ESRCH;
	return thread_kill(tid, s);
}

SYSCALL_DEFINE2(tkill, "d:dS", int, tid, int, s)
{
	return thread_kill(tid, s);
}

SYSCALL_DEFINE2(rt_sigsuspend, "d:pu", const uint64_t *, umask, size_t, sigsetsize)
{
	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	uint64_t mask;
	if (copy_from_user(&mask, umask, sizeof(mask)) < 0)
		return -EFAULT;
	signal_set_temporary_mask(mask);
	while (sched_wait(NULL, 0, true, "rt_sigsuspend", 0) != -EINTR)
		;
	return -ERESTARTNOHAND;
}

SYSCALL_DEFINE0(pause, "d:")
{
	while (sched_wait(NULL, 0, true, "pause", 0) != -EINTR)
		;
	return -ERESTARTNOHAND;
}

SYSCALL_DEFINE4(rt_sigtimedwait, "d:pppu",
		const uint64_t *, uset, struct linux_siginfo *, uinfo, const struct linux_timespec *, utimeout, size_t, sigsetsize)
{
	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	uint64_t set;
	if (copy_from_user(&set, uset, sizeof(set)) < 0)
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	uint64_t deadline = 0;
	if (utimeout) {
		struct linux_timespec ts;
		if (copy_from_user(&ts, utimeout, sizeof(ts)) < 0)
			return -EFAULT;
		int64_t ns;
		if (!timespec_to_ns(ts.tv_sec, ts.tv_nsec, &ns))
			return -EINVAL;
		deadline = time_deadline_after(clock_monotonic_ns(), (uint64_t)ns);
	}
	/* Let the awaited signals through while waiting, without delivering them. */
	uint64_t saved = current->sigmask;
	for (;;) {
		struct linux_siginfo info;
		int s = signal_dequeue(current, set, &info);
		if (s) {
			current->sigmask = saved;
			if (uinfo && copy_to_user(uinfo, &info, sizeof(info)) < 0)
				return -EFAULT;
			return s;
		}
		if (utimeout && clock_monotonic_ns() >= deadline) {
			current->sigmask = saved;
			return -EAGAIN;
		}
		current->sigmask = saved & ~set;
		int rc = sched_wait(NULL, deadline ? deadline : 0, true, "rt_sigtimedwait", 0);
		current->sigmask = saved;
		if (rc == -EINTR && !((current->sigpending | sig.pending) & set))
			return -EINTR;
		if (rc == -ETIMEDOUT)
			return -EAGAIN;
	}
}
