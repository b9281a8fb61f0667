/*
 * Pipes: a ring buffer with a read end and a write end, as pipe(7) says.
 * Reads block while the pipe is empty and a writer exists; writes of up to
 * PIPE_BUF bytes are atomic; writing with no reader left raises SIGPIPE
 * and fails with EPIPE. An anonymous pipe lives on an inode of the
 * internal "pipefs"; a FIFO's pipe hangs off its tmpfs inode and exists
 * while the FIFO is open.
 */
#include "fs/pipe.h"

#include "fs/anon_inode.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/ioctl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

struct pipe {
	uint8_t *buf;
	size_t size;  /* capacity */
	size_t head;  /* where the next read starts */
	size_t len;   /* bytes held */
	int readers, writers;
	unsigned read_opens, write_opens; /* FIFO: opens so far, for open's wait */
	uint64_t generation; /* bumped on every change, for edge-triggered epoll */
	struct waitq readq, writeq, openq;
};

#define PIPEFS_MAGIC 0x50495045

static struct superblock pipefs = { .type = "pipefs", .magic = PIPEFS_MAGIC, .dev = 12 };

static struct pipe *pipe_of(struct file *f)
{
	return f->inode->pipe;
}

static struct pipe *pipe_new(void)
{
	struct pipe *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->buf = kmalloc(PIPE_DEFAULT_SIZE);
	if (!p->buf) {
		kfree(p);
		return NULL;
	}
	p->size = PIPE_DEFAULT_SIZE;
	return p;
}

static void pipe_free(struct pipe *p)
{
	kfree(p->buf);
	kfree(p);
}

static bool reads(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool writes(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

static void changed(struct pipe *p)
{
	p->generation++;
	sched_wake(&p->readq, -1);
	sched_wake(&p->writeq, -1);
	poll_notify();
}

static int64_t pipe_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	size_t len = iov_iter_count(to);
	if (len == 0)
		return 0;
	for (;;) {
		if (p->len) {
			size_t want = len < p->len ? len : p->len;
			size_t first = p->size - p->head < want ? p->size - p->head : want;
			size_t n = copy_to_iter(p->buf + p->head, first, to);
			if (n == first)
				n += copy_to_iter(p->buf, want - first, to);
			if (n == 0)
				return -EFAULT;
			p->head = (p->head + n) % p->size;
			p->len -= n;
			if (!p->len)
				p->head = 0;
			changed(p);
			return (int64_t)n;
		}
		if (!p->writers)
			return 0; /* end of file */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_wait(&p->readq, 0, true, "pipe read", (uint64_t)p) == -EINTR)
			return -ERESTARTSYS;
	}
}

static int64_t pipe_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	size_t len = iov_iter_count(from);
	size_t done = 0;
	while (done < len || len == 0) {
		if (!p->readers) {
			signal_send_thread(current, SIGPIPE,
					   (struct sig_note){ .code = SI_USER, .pid = 1 });
			return done ? (int64_t)done : -EPIPE;
		}
		if (len == 0)
			return 0;
		size_t space = p->size - p->len;
		/* A write of at most PIPE_BUF bytes goes in whole or waits. */
		size_t need = (len <= PIPE_BUF) ? len : 1;
		if (space >= need) {
			size_t n = len - done < space ? len - done : space;
			size_t tail = (p->head + p->len) % p->size;
			size_t first = p->size - tail < n ? p->size - tail : n;
			size_t got = copy_from_iter(p->buf + tail, first, from);
			if (got == first)
				got += copy_from_iter(p->buf, n - first, from);
			p->len += got;
			done += got;
			if (got)
				changed(p);
			if (got < n)
				return done ? (int64_t)done : -EFAULT;
			continue;
		}
		if (f->flags & O_NONBLOCK)
			return done ? (int64_t)done : -EAGAIN;
		if (sched_wait(&p->writeq, 0, true, "pipe write", (uint64_t)p) == -EINTR)
			return done ? (int64_t)done : -ERESTARTSYS;
	}
	return (int64_t)done;
}

static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = pipe_of(f);
	unsigned mask = 0;
	if (reads(f)) {
		if (p->len)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers && p->write_opens)
			mask |= POLLHUP;
	}
	if (writes(f)) {
		if (p->size - p->len >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static int pipe_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	if (cmd != FIONREAD)
		return -ENOTTY;
	int n = (int)pipe_of(f)->len;
	return copy_to_user((void *)arg, &n, sizeof(n)) < 0 ? -EFAULT : 0;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = pipe_of(f);
	if (reads(f))
		p->readers--;
	if (writes(f))
		p->writers--;
	changed(p);
	sched_wake(&p->openq, -1);
	/* A FIFO's buffer goes when nobody has it open; data is discarded. */
	if (!S_ISFIFO(f->inode->mode) || f->inode->sb == &pipefs)
		return;
	if (!p->readers && !p->writers) {
		f->inode->pipe = NULL;
		pipe_free(p);
	}
}

static uint64_t pipe_generation(struct file *f)
{
	return pipe_of(f)->generation;
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.poll_generation = pipe_generation,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

static void pipefs_evict(struct inode *ino)
{
	pipe_free(ino->pipe);
	kfree(ino);
}

static const struct inode_ops pipefs_inode_ops = { .evict = pipefs_evict };

int pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	struct pipe *p = pipe_new();
	if (!p)
		return -ENFILE;
	struct inode *ino = inode_new(&pipefs, S_IFIFO | 0600);
	if (!ino) {
		pipe_free(p);
		return -ENFILE;
	}
	ino->ops = &pipefs_inode_ops;
	ino->pipe = p;
	unsigned status = flags & O_NONBLOCK;
	*rd = file_new(ino, &pipe_ops, O_RDONLY | status);
	*wr = file_new(ino, &pipe_ops, O_WRONLY | status);
	inode_put(ino); /* the files hold it now */
	if (!*rd || !*wr) {
		if (*rd)
			file_put(*rd);
		if (*wr)
			file_put(*wr);
		return -ENFILE;
	}
	p->readers = p->writers = 1;
	p->read_opens = p->write_opens = 1;
	file_set_path(*rd, "pipe:[%lu]", ino->ino);
	file_set_path(*wr, "pipe:[%lu]", ino->ino);
	return 0;
}

/* Opening a FIFO: a reader waits for a writer and a writer for a reader,
 * unless O_NONBLOCK (a lone non-blocking writer gets ENXIO). */
static int fifo_open(struct inode *ino, struct file *f)
{
	if (!ino->pipe) {
		ino->pipe = pipe_new();
		if (!ino->pipe)
			return -ENOMEM;
	}
	struct pipe *p = ino->pipe;
	bool nonblock = f->flags & O_NONBLOCK;
	switch (f->flags & O_ACCMODE) {
	case O_RDONLY: {
		p->readers++;
		p->read_opens++;
		sched_wake(&p->openq, -1);
		unsigned seen = p->write_opens;
		while (!nonblock && !p->writers && p->write_opens == seen) {
			if (sched_wait(&p->openq, 0, true, "fifo open", (uint64_t)p) == -EINTR) {
				p->readers--;
				return -ERESTARTSYS;
			}
		}
		break;
	}
	case O_WRONLY: {
		if (nonblock && !p->readers) {
			if (!p->writers && !p->readers) {
				ino->pipe = NULL;
				pipe_free(p);
			}
			return -ENXIO;
		}
		p->writers++;
		p->write_opens++;
		sched_wake(&p->openq, -1);
		unsigned seen = p->read_opens;
		while (!p->readers && p->read_opens == seen) {
			if (sched_wait(&p->openq, 0, true, "fifo open", (uint64_t)p) == -EINTR) {
				p->writers--;
				return -ERESTARTSYS;
			}
		}
		break;
	}
	default: /* O_RDWR: both ends at once, never blocks */
		p->readers++;
		p->writers++;
		p->read_opens++;
		p->write_opens++;
		sched_wake(&p->openq, -1);
	}
	f->ops = &pipe_ops;
	poll_notify();
	return 0;
}

const struct file_ops fifo_ops = { .open = fifo_open };

void fifo_evict(struct inode *ino)
{
	if (ino->pipe) {
		pipe_free(ino->pipe);
		ino->pipe = NULL;
	}
}

int is_pipe(struct file *f)
{
	return f->ops == &pipe_ops;
}

int pipe_get_size(struct file *f)
{
	return (int)pipe_of(f)->size;
}

int pipe_set_size(struct file *f, unsigned long size)
{
	struct pipe *p = pipe_of(f);
	if (size > PIPE_MAX_SIZE)
		return -EPERM;
	/* Linux rounds up to a power of two of pages, at least one page. */
	unsigned long n = 4096;
	while (n < size)
		n *= 2;
	if (n < p->len)
		return -EBUSY;
	uint8_t *buf = kmalloc(n);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < p->len; i++)
		buf[i] = p->buf[(p->head + i) % p->size];
	kfree(p->buf);
	p->buf = buf;
	p->head = 0;
	p->size = n;
	changed(p);
	return (int)n;
}
