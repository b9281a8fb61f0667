/*
 * Waiting for children: wait4 and waitid. A unikernel runs one process,
 * which never has children (fork, vfork and clone without CLONE_THREAD fail
 * with ENOSYS), so after Linux's own argument checks every wait finds none:
 * ECHILD, as Linux answers a process without children. asyncio's child
 * watchers and multiprocessing ask this.
 */
#include "linux/pidfd.h"
#include "linux/syscall.h"
#include "uapi/errno.h"

#define WNOHANG 0x1
#define WUNTRACED 0x2 /* also WSTOPPED, for waitid */
#define WEXITED 0x4
#define WCONTINUED 0x8
#define WNOWAIT 0x1000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000u

#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3

#define INT_MIN (-2147483647 - 1)

SYSCALL_DEFINE4(wait4, "d:dpxp", int, pid, int *, ustatus, unsigned, options, void *, urusage)
{
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT_MIN) /* -INT_MIN is no process group */
		return -ESRCH;
	return -ECHILD;
}

SYSCALL_DEFINE5(waitid, "d:ddpxp",
		int, idtype, int, id, void *, uinfo, unsigned, options, void *, urusage)
{
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case P_ALL:
		break;
	case P_PID:
		if (id <= 0)
			return -EINVAL;
		break;
	case P_PGID:
		if (id < 0)
			return -EINVAL;
		break;
	case P_PIDFD:
		if (id < 0)
			return -EINVAL;
		if (!pidfd_is_open(id)) /* a pidfd here names this process: no child */
			return -EBADF;
		break;
	default:
		return -EINVAL;
	}
	return -ECHILD;
}
