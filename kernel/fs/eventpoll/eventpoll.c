/*
 * epoll instances: an interest list of (descriptor, open file) items,
 * checked against the files' ready masks when the instance is waited on.
 * Level-triggered by default; EPOLLET reports a file again only after its
 * poll generation moved; EPOLLONESHOT disables an item once reported. As
 * on Linux, an item disappears when its open file is finally closed.
 * An instance finds an item by (fd, file) in a hash table, and each file
 * lists the items that watch it, so that adding, changing, removing and
 * closing cost the same with 10 descriptors watched or 65536.
 */
#include "fs/eventpoll/eventpoll.h"

#include "fs/anon_inode.h"
#include "fs/poll.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "uapi/errno.h"
#include "uapi/eventpoll.h"
#include "uapi/fcntl.h"

struct epoll_item {
	struct epoll_item *next, *prev; /* the interest list, in the order added */
	struct epoll_item *hash_next;   /* the same bucket of the instance's table */
	struct epoll_item *file_next;   /* the other items watching the same file */
	struct epoll *ep;
	int fd;
	struct file *file; /* not a reference: see eventpoll_file_released */
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

void eventpoll_file_released(struct file *f)
{
	while (f->epoll_items)
		remove_item(f->epoll_items);
}

int eventpoll_create(struct file **out)
{
	struct epoll *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	struct file *f = anon_file_new("[eventpoll]", &epoll_ops, ep, O_RDWR);
	if (!f) {
		kfree(ep);
		return -ENFILE;
	}
	ep->self = f;
	*out = f;
	return 0;
}

bool eventpoll_is(struct file *f)
{
	return epoll_of(f) != NULL;
}

int eventpoll_add(struct file *epf, int fd, struct file *target, uint32_t events, uint64_t data)
{
	struct epoll *ep = epoll_of(epf);
	if (find_item(ep, fd, target))
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
	/* Exclusive wake-ups only matter with several waiters on one file;
	 * every waiter here re-checks anyway. */
	it->events = events & ~(EPOLLEXCLUSIVE | EPOLLWAKEUP);
	it->data = data;
	add_item(ep, it);
	poll_notify(); /* it may be ready already */
	return 0;
}

int eventpoll_modify(struct file *epf, int fd, struct file *target, uint32_t events, uint64_t data)
{
	struct epoll_item *found = find_item(epoll_of(epf), fd, target);
	if (!found)
		return -ENOENT;
	if (events & EPOLLEXCLUSIVE)
		return -EINVAL;
	found->events = events & ~EPOLLWAKEUP;
	found->data = data;
	found->disabled = false;
	found->reported = false;
	poll_notify();
	return 0;
}

int eventpoll_remove(struct file *epf, int fd, struct file *target)
{
	struct epoll_item *found = find_item(epoll_of(epf), fd, target);
	if (!found)
		return -ENOENT;
	remove_item(found);
	return 0;
}

long eventpoll_wait(struct file *epf, struct epoll_event *uev, int max, uint64_t deadline, bool now)
{
	struct epoll *ep = epoll_of(epf);
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
			return -EINTR;
	}
}
