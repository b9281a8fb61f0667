/* The epoll syscalls: descriptor lookups, argument checks, the event
 * copied from the app, epoll_ctl's operation and epoll_pwait's signal mask,
 * over the epoll service (fs/eventpoll/eventpoll.h). */
#include "core/clock.h"
#include "core/process.h"
#include "fs/eventpoll/eventpoll.h"
#include "fs/fdtable.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "mm/uaccess.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/eventpoll.h"
#include "uapi/fcntl.h"

#define EP_MAX_EVENTS 0x7fffffff

static long create(int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	struct file *f;
	int rc = eventpoll_create(&f);
	if (rc < 0)
		return rc;
	int fd = fd_install(proc.fds, f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE1(epoll_create1, "d:o", int, flags)
{
	return create(flags);
}

SYSCALL_DEFINE1(epoll_create, "d:d", int, size)
{
	return size <= 0 ? -EINVAL : create(0);
}

SYSCALL_DEFINE4(epoll_ctl, "d:fdfp",
		int, epfd, int, op, int, fd, const struct epoll_event *, uev)
{
	/* Linux's order: the event first, then the fds, whether the target
	 * can be polled, and only then whether epfd is an epoll. */
	struct epoll_event ev = { 0, 0 };
	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)) < 0)
		return -EFAULT;
	struct file *epf = fd_file(epfd), *target = fd_file(fd);
	if (!epf || !target)
		return -EBADF;
	if (S_ISREG(target->inode->mode) || S_ISDIR(target->inode->mode))
		return -EPERM; /* always ready: Linux refuses them */
	if (!eventpoll_is(epf) || target == epf)
		return -EINVAL;
	switch (op) {
	case EPOLL_CTL_ADD:
		return eventpoll_add(epf, fd, target, ev.events, ev.data);
	case EPOLL_CTL_MOD:
		return eventpoll_modify(epf, fd, target, ev.events, ev.data);
	case EPOLL_CTL_DEL:
		return eventpoll_remove(epf, fd, target);
	default:
		return -EINVAL;
	}
}

static long wait_events(int epfd, struct epoll_event *uev, int max, uint64_t deadline, bool now)
{
	struct file *epf = fd_file(epfd);
	if (!epf)
		return -EBADF;
	if (!eventpoll_is(epf) || max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	return eventpoll_wait(epf, uev, max, deadline, now);
}

static long epoll_wait_ms(int epfd, struct epoll_event *ev, int max, int timeout)
{
	uint64_t deadline = timeout > 0 ? clock_monotonic_ns() + (uint64_t)timeout * 1000000 : 0;
	return wait_events(epfd, ev, max, deadline, timeout == 0);
}

SYSCALL_DEFINE4(epoll_wait, "d:fpdd",
		int, epfd, struct epoll_event *, events, int, maxevents, int, timeout)
{
	return epoll_wait_ms(epfd, events, maxevents, timeout);
}

SYSCALL_DEFINE6(epoll_pwait, "d:fpddpu",
		int, epfd, struct epoll_event *, events, int, maxevents, int, timeout, const uint64_t *, usigmask, size_t, sigsetsize)
{
	if (usigmask) {
		uint64_t mask;
		if (sigsetsize != sizeof(uint64_t))
			return -EINVAL;
		if (copy_from_user(&mask, usigmask, sizeof(mask)) < 0)
			return -EFAULT;
		signal_set_temporary_mask(mask);
	}
	return epoll_wait_ms(epfd, events, maxevents, timeout);
}
