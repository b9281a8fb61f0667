/*
 * epoll: an interest list of (descriptor, open file) items, checked
 * against the files' ready masks when epoll_wait runs. Level-triggered by
 * default; EPOLLET reports a file again only after its poll generation
 * moved; EPOLLONESHOT disables an item once reported. As on Linux, an item
 * disappears when its open file is finally closed.
 */
#include "core/clock.h"
#include "fs/anon_inode.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "linux/fs_args.h"
#include "linux/signal.h"
#include "linux/syscall.h"
#include "linux/uapi/errno.h"
#include "linux/uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EP_MAX_EVENTS 0x7fffffff

struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

struct epoll_item {
	struct epoll_item *next;
	int fd;
	struct file *file; /* not a reference: see epoll_file_released */
	uint32_t events;
	uint64_t data;
	bool disabled;     /* EPOLLONESHOT fired */
	bool reported;     /* EPOLLET: an edge was reported */
	uint64_t generation;
};

struct epoll {
	struct epoll *next_instance;
	struct epoll_item *items;
	struct file *self;
};

/* All epoll instances, to drop items whose file goes away; owned here. */
static struct epoll *instances;

static const struct file_ops epoll_ops;

static struct epoll *epoll_of(struct file *f)
{
	return f && f->ops == &epoll_ops ? f->priv : NULL;
}

static uint64_t generation(struct file *f)
{
	return f->ops && f->ops->poll_generation ? f->ops->poll_generation(f) : 0;
}

/* The events of an item to report now (0: none). */
static uint32_t item_ready(struct epoll_item *it)
{
	if (it->disabled)
		return 0;
	uint32_t m = file_poll(it->file) & (it->events | POLLERR | POLLHUP);
	if (m && (it->events & EPOLLET) && it->reported && generation(it->file) == it->generation)
		return 0; /* no new edge since the last report */
	return m;
}

static unsigned epoll_poll(struct file *f)
{
	for (struct epoll_item *it = epoll_of(f)->items; it; it = it->next)
		if (item_ready(it))
			return POLLIN | POLLRDNORM;
	return 0;
}

static void remove_item(struct epoll *ep, struct epoll_item **link)
{
	struct epoll_item *it = *link;
	*link = it->next;
	it->file->epoll_watchers--;
	kfree(it);
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->priv;
	while (ep->items)
		remove_item(ep, &ep->items);
	for (struct epoll **pp = &instances; *pp; pp = &(*pp)->next_instance) {
		if (*pp == ep) {
			*pp = ep->next_instance;
			break;
		}
	}
	kfree(ep);
}

static const struct file_ops epoll_ops = { .poll = epoll_poll, .release = epoll_release };

void epoll_file_released(struct file *f)
{
	for (struct epoll *ep = instances; ep; ep = ep->next_instance) {
		struct epoll_item **pp = &ep->items;
		while (*pp) {
			if ((*pp)->file == f)
				remove_item(ep, pp);
			else
				pp = &(*pp)->next;
		}
	}
}

static long create(int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	struct epoll *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	struct file *f = anon_file_new("[eventpoll]", &epoll_ops, ep, O_RDWR);
	if (!f) {
		kfree(ep);
		return -ENFILE;
	}
	ep->self = f;
	ep->next_instance = instances;
	instances = ep;
	int fd = fd_install(&proc.fds, f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE(epoll_create1, "d:o", int flags)
{
	return create(flags);
}

SYSCALL_DEFINE(epoll_create, "d:d", int size)
{
	return size <= 0 ? -EINVAL : create(0);
}

SYSCALL_DEFINE(epoll_ctl, "d:fdfp", int epfd, int op, int fd, const struct epoll_event *uev)
{
	struct file *epf = fd_file(epfd), *target = fd_file(fd);
	if (!epf || !target)
		return -EBADF;
	struct epoll *ep = epoll_of(epf);
	if (!ep || target == epf)
		return -EINVAL;
	if (S_ISREG(target->inode->mode) || S_ISDIR(target->inode->mode))
		return -EPERM; /* always ready: Linux refuses them */
	struct epoll_event ev = { 0, 0 };
	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)) < 0)
		return -EFAULT;
	struct epoll_item **link = &ep->items;
	while (*link && !((*link)->fd == fd && (*link)->file == target))
		link = &(*link)->next;
	switch (op) {
	case EPOLL_CTL_ADD: {
		if (*link)
			return -EEXIST;
		if (epoll_of(target))
			return -EINVAL; /* nested epoll is not implemented */
		struct epoll_item *it = kzalloc(sizeof(*it));
		if (!it)
			return -ENOMEM;
		it->fd = fd;
		it->file = target;
		it->events = ev.events & ~(EPOLLEXCLUSIVE | EPOLLWAKEUP);
		it->data = ev.data;
		target->epoll_watchers++;
		*link = it;
		poll_notify(); /* it may be ready already */
		return 0;
	}
	case EPOLL_CTL_MOD:
		if (!*link)
			return -ENOENT;
		if (ev.events & EPOLLEXCLUSIVE)
			return -EINVAL;
		(*link)->events = ev.events & ~EPOLLWAKEUP;
		(*link)->data = ev.data;
		(*link)->disabled = false;
		(*link)->reported = false;
		poll_notify();
		return 0;
	case EPOLL_CTL_DEL:
		if (!*link)
			return -ENOENT;
		remove_item(ep, link);
		return 0;
	default:
		return -EINVAL;
	}
}

static long wait_events(int epfd, struct epoll_event *uev, int max, uint64_t deadline, bool now)
{
	struct file *epf = fd_file(epfd);
	if (!epf)
		return -EBADF;
	struct epoll *ep = epoll_of(epf);
	if (!ep || max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	for (;;) {
		int n = 0;
		for (struct epoll_item *it = ep->items; it && n < max; it = it->next) {
			uint32_t m = item_ready(it);
			if (!m)
				continue;
			struct epoll_event ev = { m, it->data };
			if (copy_to_user(&uev[n], &ev, sizeof(ev)) < 0)
				return n ? n : -EFAULT;
			n++;
			it->reported = true;
			it->generation = generation(it->file);
			if (it->events & EPOLLONESHOT)
				it->disabled = true;
		}
		if (n || now)
			return n;
		int w = poll_wait_any(deadline);
		if (w == -ETIMEDOUT)
			return 0;
		if (w == -EINTR)
			return -EINTR; /* never restarted, as on Linux */
	}
}

static long epoll_wait_ms(int epfd, struct epoll_event *ev, int max, int timeout)
{
	uint64_t deadline = timeout > 0 ? clock_monotonic_ns() + (uint64_t)timeout * 1000000 : 0;
	return wait_events(epfd, ev, max, deadline, timeout == 0);
}

SYSCALL_DEFINE(epoll_wait, "d:fpdd", int epfd, struct epoll_event *events, int maxevents,
	       int timeout)
{
	return epoll_wait_ms(epfd, events, maxevents, timeout);
}

SYSCALL_DEFINE(epoll_pwait, "d:fpddpu", int epfd, struct epoll_event *events, int maxevents,
	       int timeout, const uint64_t *usigmask, size_t sigsetsize)
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
