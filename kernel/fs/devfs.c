#include "fs/devfs.h"

#include "core/panic.h"
#include "core/random.h"
#include "drivers/console_tty.h"
#include "drivers/hwrng.h"
#include "drivers/pty.h"
#include "fs/tmpfs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"

#define MKDEV(major, minor) (((major) << 8) | (minor))

static int64_t null_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	return 0;
}

static int64_t sink_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	return (int64_t)iov_iter_count(from);
}

static int64_t zero_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	size_t len = iov_iter_count(to);
	size_t n = iov_iter_zero(len, to);
	return n || !len ? (int64_t)n : -EFAULT;
}

static int64_t full_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	return -ENOSPC;
}

static int64_t random_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	uint8_t chunk[256];
	size_t done = 0, len = iov_iter_count(to);
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		random_bytes(chunk, n);
		size_t put = copy_to_iter(chunk, n, to);
		done += put;
		if (put < n)
			return done ? (int64_t)done : -EFAULT;
	}
	return (int64_t)done;
}

/* /dev/hwrng, as Linux's: blocking reads fill the whole buffer, a signal
 * ends them early (with what was read, or EINTR), a non-blocking read takes
 * what the device has now (EAGAIN for nothing). */
static int64_t hwrng_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	const struct hwrng *rng = hwrng_get();
	bool nonblock = f->flags & O_NONBLOCK;
	uint8_t chunk[64];
	size_t done = 0, len = iov_iter_count(to);
	while (done < len) {
		size_t want = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		int64_t n = rng->read(chunk, want, nonblock);
		if (n < 0) {
			memset(chunk, 0, sizeof(chunk));
			return done ? (int64_t)done : n;
		}
		size_t put = copy_to_iter(chunk, (size_t)n, to);
		done += put;
		if (put < (size_t)n) {
			memset(chunk, 0, sizeof(chunk));
			return done ? (int64_t)done : -EFAULT;
		}
	}
	memset(chunk, 0, sizeof(chunk));
	return (int64_t)done;
}

static unsigned always_ready(struct file *f)
{
	return 0x1 | 0x4; /* POLLIN | POLLOUT */
}

static const struct file_ops null_ops = { .read = null_read, .write = sink_write, .poll = always_ready, .seekable = true };
static const struct file_ops zero_ops = { .read = zero_read, .write = sink_write, .poll = always_ready, .seekable = true };
static const struct file_ops full_ops = { .read = zero_read, .write = full_write, .poll = always_ready, .seekable = true };
static const struct file_ops random_ops = { .read = random_read, .write = sink_write, .poll = always_ready };
static const struct file_ops hwrng_ops = { .read = hwrng_read };

static const struct inode_ops device_inode_ops = { 0 };

static void add_device(struct superblock *sb, const char *name, uint32_t rdev, uint32_t perm,
		       const struct file_ops *ops)
{
	struct inode *ino = inode_new(sb, S_IFCHR | perm);
	if (!ino)
		panic("out of memory for /dev");
	ino->ops = &device_inode_ops;
	ino->fops = ops;
	ino->rdev = rdev;
	if (tmpfs_add_node(sb->root, name, ino) < 0)
		panic("cannot create /dev/%s", name);
	inode_put(ino); /* the directory entry holds it */
}

struct superblock *devfs_new(void)
{
	struct superblock *sb = tmpfs_new(3, 0755);
	if (!sb)
		panic("out of memory for /dev");
	sb->type = "devtmpfs";
	add_device(sb, "null", MKDEV(1, 3), 0666, &null_ops);
	add_device(sb, "zero", MKDEV(1, 5), 0666, &zero_ops);
	add_device(sb, "full", MKDEV(1, 7), 0666, &full_ops);
	add_device(sb, "random", MKDEV(1, 8), 0666, &random_ops);
	add_device(sb, "urandom", MKDEV(1, 9), 0666, &random_ops);
	if (hwrng_get())
		add_device(sb, "hwrng", MKDEV(10, 183), 0600, &hwrng_ops);
	add_device(sb, "console", MKDEV(5, 1), 0600, &console_tty_ops);
	add_device(sb, "tty", MKDEV(5, 0), 0666, &console_tty_ops);
	add_device(sb, "ptmx", MKDEV(5, 2), 0666, &ptmx_ops);
	struct inode *root = sb->root;
	struct inode *pts;
	if (root->ops->mkdir(root, "pts", 3, 0755) < 0 ||
	    root->ops->lookup(root, "pts", 3, &pts) < 0)
		panic("cannot create /dev/pts");
	pty_init(pts);
	inode_put(pts);
	if (root->ops->mkdir(root, "shm", 3, 01777) < 0 ||
	    root->ops->symlink(root, "fd", 2, "/proc/self/fd") < 0 ||
	    root->ops->symlink(root, "stdin", 5, "/proc/self/fd/0") < 0 ||
	    root->ops->symlink(root, "stdout", 6, "/proc/self/fd/1") < 0 ||
	    root->ops->symlink(root, "stderr", 6, "/proc/self/fd/2") < 0)
		panic("cannot populate /dev");
	return sb;
}
