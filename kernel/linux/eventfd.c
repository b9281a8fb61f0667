/* eventfd: a 64-bit counter as a file, for waking pollers (eventfd(2)). */
#include "fs/anon_inode.h"
#include "fs/fdtable.h"
#include "fs/poll.h"
#include "linux/fs_args.h"
#include "signal/signal.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

#define EFD_SEMAPHORE 1
#define EFD_MAX 0xfffffffffffffffeull

struct eventfd {
	uint64_t count;
	bool semaphore;
	uint64_t generation;
	struct waitq waiters;
};

static void changed(struct eventfd *e)
{
	e->generation++;
	sched_wake(&e->waiters, -1);
	poll_notify();
}

static int64_t efd_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	size_t len = iov_iter_count(to);
	struct eventfd *e = f->priv;
	if (len < 8)
		return -EINVAL;
	while (!e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_wait(&e->waiters, 0, true, "eventfd read", (uint64_t)e) == -EINTR)
			return -ERESTARTSYS;
	}
	uint64_t v = e->semaphore ? 1 : e->count;
	if (copy_to_iter(&v, 8, to) < 8)
		return -EFAULT;
	e->count -= v;
	changed(e);
	return 8;
}

static int64_t efd_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	size_t len = iov_iter_count(from);
	struct eventfd *e = f->priv;
	uint64_t v;
	if (len < 8)
		return -EINVAL;
	if (copy_from_iter(&v, 8, from) < 8)
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	while (EFD_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_wait(&e->waiters, 0, true, "eventfd write", (uint64_t)e) == -EINTR)
			return -ERESTARTSYS;
	}
	e->count += v;
	changed(e);
	return 8;
}

static unsigned efd_poll(struct file *f)
{
	struct eventfd *e = f->priv;
	unsigned m = 0;
	if (e->count)
		m |= POLLIN | POLLRDNORM;
	if (e->count < EFD_MAX)
		m |= POLLOUT | POLLWRNORM;
	return m;
}

static uint64_t efd_generation(struct file *f)
{
	return ((struct eventfd *)f->priv)->generation;
}

static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.poll_generation = efd_generation,
	.release = efd_release,
};

SYSCALL_DEFINE2(eventfd2, "d:ux", unsigned, initval, int, flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	struct eventfd *e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	struct file *f = anon_file_new("[eventfd]", &eventfd_ops, e,
				       O_RDWR | ((unsigned)flags & O_NONBLOCK));
	if (!f) {
		kfree(e);
		return -ENFILE;
	}
	int fd = fd_install(proc.fds, f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE1(eventfd, "d:u", unsigned, initval)
{
	return sys_eventfd2(initval, 0);
}
