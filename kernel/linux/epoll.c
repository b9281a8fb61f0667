/*
 * epoll: an interest list of (descriptor, open file) items, checked
 * against the files' ready masks when epoll_wait runs. Level-triggered by
 * default; EPOLLET reports a file again only after its poll generation
 * moved; EPOLLONESHOT disables an item once reported. As on Linux, an item
 * disappears when its open file is finally closed.
 * An instance finds an item by (fd, file) in a hash table, and each file
 * lists the items that watch it, so that adding, changing, removing and
 * closing cost the same with 10 descriptors watched or 65536.
 */
#include "core/clock.h"
#include "fs/anon_inode.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "linux/fs_args.h"
#include "signal/signal.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
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
	struct epoll_item *next, *prev; /* the interest list, in the order added */
	struct epoll_item *hash_next;   /* the same bucket of the instance's table */
	struct epoll_item *file_next;   /* the other items watching the same file */
	struct epoll *ep;
	int fd;
	struct file *file; /* not a reference: see epoll_file_released */
	uint32_t events;
	uint64_t data;
	bool disabled;     /* EPOLLONESHOT fired */
	bool reported;     /* EPOLLET: an edge was reported */
	uint64_t generation;
};

struct epoll {
	struct epoll_item *items, *last;
	struct epoll_item **buckets; /* by (fd, file); nbuckets is a power of two */
	unsigned nbuckets, count;
	struct file *self;
};

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

static unsigned bucket_of(const struct epoll *ep, int fd, const struct file *f)
{
	uint64_t h = ((uint64_t)(uintptr_t)f >> 4) * 0x9e3779b97f4a7c15ull ^ (uint64_t)fd;
	return (unsigned)(h ^ h >> 29) & (ep->nbuckets - 1);
}

static struct epoll_item *find_item(struct epoll *ep, int fd, struct file *f)
{
	if (!ep->nbuckets)
		return NULL;
	struct epoll_item *it = ep->buckets[bucket_of(ep, fd, f)];
	while (it && !(it->fd == fd && it->file == f))
		it = it->hash_next;
	return it;
}

/* Keeps the table at most two items a bucket; -ENOMEM if it cannot grow. */
static int grow_table(struct epoll *ep)
{
	if (ep->count < 2 * ep->nbuckets)
		return 0;
	unsigned n = ep->nbuckets ? 2 * ep->nbuckets : 16;
	struct epoll_item **b = kzalloc(n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	kfree(ep->buckets);
	ep->buckets = b;
	ep->nbuckets = n;
	for (struct epoll_item *it = ep->items; it; it = it->next) {
		unsigned i = bucket_of(ep, it->fd, it->file);
		it->hash_next = b[i];
		b[i] = it;
	}
	return 0;
}

static void add_item(struct epoll *ep, struct epoll_item *it)
{
	it->ep = ep;
	it->prev = ep->last;
	if (ep->last)
		ep->last->next = it;
	else
		ep->items = it;
	ep->last = it;
	unsigned i = bucket_of(ep, it->fd, it->file);
	it->hash_next = ep->buckets[i];
	ep->buckets[i] = it;
	it->file_next = it->file->epoll_items;
	it->file->epoll_items = it;
	ep->count++;
}

static void remove_item(struct epoll_item *it)
{
	struct epoll *ep = it->ep;
	if (it->prev)
		it->prev->next = it->next;
	else
		ep->items = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		ep->last = it->prev;
	struct epoll_item **pp = &ep->buckets[bucket_of(ep, it->fd, it->file)];
	while (*pp != it)
		pp = &(*pp)->hash_next;
	*pp = it->hash_next;
	for (pp = &it->file->epoll_items; *pp != it; pp = &(*pp)->file_next)
		;
	*pp = it->file_next;
	ep->count--;
	kfree(it);
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->priv;
	while (ep->items)
		remove_item(ep->items);
	kfree(ep->buckets);
	kfree(ep);
}

static const struct file_ops epoll_ops = { .poll = epoll_poll, .release = epoll_release };

void epoll_file_released(struct file *f)
{
	while (f->epoll_items)
		remove_item(f->epoll_items);
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
	int fd = fd_install(&proc.fds, f, 0, flags & O_CLOEXEC);
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
	struct epoll *ep = epoll_of(epf);
	if (!ep || target == epf)
		return -EINVAL;
	struct epoll_item *found = find_item(ep, fd, target);
	switch (op) {
	case EPOLL_CTL_ADD: {
		if (found)
			return -EEXIST;
		if (epoll_of(target))
			return -EINVAL; /* nested epoll is not implemented */
		struct epoll_item *it = kzalloc(sizeof(*it));
		if (!it || grow_table(ep) < 0) {
			kfree(it);
			return -ENOMEM;
		}
		it->fd = fd;
		it->file = target;
		it->events = ev.events & ~(EPOLLEXCLUSIVE | EPOLLWAKEUP);
		it->data = ev.data;
		add_item(ep, it);
		poll_notify(); /* it may be ready already */
		return 0;
	}
	case EPOLL_CTL_MOD:
		if (!found)
			return -ENOENT;
		if (ev.events & EPOLLEXCLUSIVE)
			return -EINVAL;
		found->events = ev.events & ~EPOLLWAKEUP;
		found->data = ev.data;
		found->disabled = false;
		found->reported = false;
		poll_notify();
		return 0;
	case EPOLL_CTL_DEL:
		if (!found)
			return -ENOENT;
		remove_item(found);
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
