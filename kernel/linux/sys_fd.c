/* Syscalls on open file descriptors: I/O, seeking, duplication, control. */
#include <stddef.h>

#include "fs/dnotify.h"
#include "fs/fasync.h"
#include "fs/fdtable.h"
#include "fs/locks.h"
#include "fs/pipe.h"
#include "lib/overflow.h"
#include "linux/memfd.h"
#include "linux/fs_args.h"
#include "linux/fsize_limit.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/ioctl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "mm/user_range.h"

#define IOV_MAX 1024

static bool readable(const struct file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool writable(const struct file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_RDONLY;
}

/* preadv2/pwritev2 flags: Linux 6.1's set, the kernel we answer as. */
#define RWF_HIPRI 0x01  /* poll for completion: a hint, nothing to poll here */
#define RWF_DSYNC 0x02  /* fdatasync after the write */
#define RWF_SYNC 0x04   /* fsync after the write */
#define RWF_NOWAIT 0x08 /* fail with EAGAIN rather than block */
#define RWF_APPEND 0x10 /* write at the end, as O_APPEND would */
#define RWF_SUPPORTED (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)

/* The file's side of a read or write: open for it, and with the op. */
static long rw_file_ok(const struct file *f, bool write)
{
	if (write ? !writable(f) : !readable(f))
		return -EBADF;
	if (!f->ops || (write ? !f->ops->write : !f->ops->read))
		return !write && S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
	return 0;
}

/* One read or write of all of `it` (its app memory checked and its count
 * capped by the caller) at *pos, with the RWF_ flags of preadv2/pwritev2
 * (0 for the other calls). */
static long rw_iter(struct file *f, struct iov_iter *it, uint64_t *pos, bool write, int rwf)
{
	if (rwf & ~RWF_SUPPORTED)
		return -EOPNOTSUPP;
	/* Only regular files have an end to append at; pipes and devices
	 * ignore it, as on Linux. */
	if (write && (rwf & RWF_APPEND) && S_ISREG(f->inode->mode))
		*pos = f->inode->size;
	if (write) {
		size_t len = iov_iter_count(it);
		long rc = fsize_limit_write(f, *pos, &len);
		if (rc < 0)
			return rc;
		iov_iter_truncate(it, len);
	}
	/* NOWAIT borrows O_NONBLOCK for this one call: every file that can
	 * block honors it (regular files never block), and a call that does
	 * not block is not preempted, so no other thread sees the flag. */
	unsigned had_nonblock = f->flags & O_NONBLOCK;
	if (rwf & RWF_NOWAIT)
		f->flags |= O_NONBLOCK;
	long rc = write ? f->ops->write(f, it, pos) : f->ops->read(f, it, pos);
	f->flags = (f->flags & ~(unsigned)O_NONBLOCK) | had_nonblock;
	/* DSYNC and SYNC ask for what fsync does after the write: RAM-backed
	 * files are as durable as they get the moment the write returns. */
	return rc;
}

/* read, write, pread64, pwrite64: one app buffer at *pos (the file's own
 * position when pos is NULL). */
static long do_rw(struct file *f, void *buf, size_t len, uint64_t *pos, bool write)
{
	long rc = rw_file_ok(f, write);
	if (rc < 0)
		return rc;
	if (!pos)
		pos = &f->pos;
	/* Linux's access_ok, then its rw_verify_area, before the count is
	 * capped: a buffer past the app's half is -EFAULT; a count above
	 * SSIZE_MAX, or one whose end passes the largest loff_t from a file
	 * position, is -EINVAL (pipes and sockets have no position). */
	if (!user_range_ok((uint64_t)buf, len))
		return -EFAULT;
	if (len > (uint64_t)INT64_MAX || (f->ops->seekable && !file_range_ok((int64_t)*pos, len)))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	struct iov_iter it;
	iov_iter_ubuf(&it, buf, len);
	return rw_iter(f, &it, pos, write, 0);
}

static long do_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return do_rw(f, buf, len, pos, false);
}

static long do_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	return do_rw(f, (void *)buf, len, pos, true);
}

SYSCALL_DEFINE3(read, "d:fBu", int, fd, void *, buf, size_t, count)
{
	struct file *f = fd_file(fd);
	return f ? do_read(f, buf, count, NULL) : -EBADF;
}

SYSCALL_DEFINE3(write, "d:fbu", int, fd, const void *, buf, size_t, count)
{
	struct file *f = fd_file(fd);
	return f ? do_write(f, buf, count, NULL) : -EBADF;
}

static long positional(int fd, int64_t off, struct file **out)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (!f->ops || !f->ops->seekable)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	*out = f;
	return 0;
}

SYSCALL_DEFINE4(pread64, "d:fBul", int, fd, void *, buf, size_t, count, int64_t, off)
{
	struct file *f;
	long rc = positional(fd, off, &f);
	uint64_t pos = (uint64_t)off;
	return rc < 0 ? rc : do_read(f, buf, count, &pos);
}

SYSCALL_DEFINE4(pwrite64, "d:fbul", int, fd, const void *, buf, size_t, count, int64_t, off)
{
	struct file *f;
	long rc = positional(fd, off, &f);
	uint64_t pos = (uint64_t)off;
	return rc < 0 ? rc : do_write(f, buf, count, &pos);
}

/* readv/writev family: the whole vector in one read or write, as Linux
 * does (a writev to a datagram socket is one datagram). off -1 uses and
 * advances the file position. As Linux's import_iovec, the whole vector
 * is read and checked before any data moves, and so is the end of the
 * total from the position (rw_verify_area). An empty transfer is 0
 * before the file's op and the flags are looked at, as on Linux. */
static long vector_io(int fd, const struct iovec *uiov, int iovcnt, int64_t off, bool write,
		      int rwf)
{
	struct file *f;
	long rc;
	uint64_t pos = 0;
	if (off >= 0) {
		rc = positional(fd, off, &f);
		if (rc < 0)
			return rc;
		pos = (uint64_t)off;
	} else {
		f = fd_file(fd);
		if (!f)
			return -EBADF;
	}
	if (write ? !writable(f) : !readable(f))
		return -EBADF;
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	struct iovec *vec;
	struct iov_iter it;
	rc = import_iovec(uiov, (size_t)iovcnt, &vec, &it);
	size_t total = rc == 0 ? iov_iter_count(&it) : 0;
	uint64_t *at = off >= 0 ? &pos : &f->pos;
	if (rc == 0 && total && f->ops && f->ops->seekable && !file_range_ok((int64_t)*at, total))
		rc = -EINVAL;
	if (rc == 0 && total && (rc = rw_file_ok(f, write)) == 0)
		rc = rw_iter(f, &it, at, write, rwf);
	kfree(vec);
	return rc;
}

SYSCALL_DEFINE3(readv, "d:fpd", int, fd, const struct iovec *, iov, int, iovcnt)
{
	return vector_io(fd, iov, iovcnt, -1, false, 0);
}

SYSCALL_DEFINE3(writev, "d:fpd", int, fd, const struct iovec *, iov, int, iovcnt)
{
	return vector_io(fd, iov, iovcnt, -1, true, 0);
}

SYSCALL_DEFINE4(preadv, "d:fpdl", int, fd, const struct iovec *, iov, int, iovcnt, int64_t, off)
{
	return off < 0 ? -EINVAL : vector_io(fd, iov, iovcnt, off, false, 0);
}

SYSCALL_DEFINE4(pwritev, "d:fpdl",
		int, fd, const struct iovec *, iov, int, iovcnt, int64_t, off)
{
	return off < 0 ? -EINVAL : vector_io(fd, iov, iovcnt, off, true, 0);
}

/* glibc splits the offset into two registers for 32-bit ABIs; on x86-64
 * pos_l holds all of it and Linux ignores pos_h. */
SYSCALL_DEFINE6(preadv2, "d:fpdllx",
		int, fd, const struct iovec *, iov, int, iovcnt, int64_t, pos_l, int64_t, pos_h, int, flags)
{
	return pos_l < -1 ? -EINVAL : vector_io(fd, iov, iovcnt, pos_l, false, flags);
}

SYSCALL_DEFINE6(pwritev2, "d:fpdllx",
		int, fd, const struct iovec *, iov, int, iovcnt, int64_t, pos_l, int64_t, pos_h, int, flags)
{
	return pos_l < -1 ? -EINVAL : vector_io(fd, iov, iovcnt, pos_l, true, flags);
}

SYSCALL_DEFINE3(lseek, "d:fld", int, fd, int64_t, off, int, whence)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (!f->ops ? !S_ISDIR(f->inode->mode) : !f->ops->seekable)
		return -ESPIPE;
	int64_t base;
	switch (whence) {
	case SEEK_DATA:
		/* No holes are reported: all of a file is data. */
		if (off < 0 || (uint64_t)off >= f->inode->size)
			return -ENXIO;
		f->pos = (uint64_t)off;
		return off;
	case SEEK_HOLE:
		if (off < 0 || (uint64_t)off >= f->inode->size)
			return -ENXIO;
		f->pos = f->inode->size;
		return (long)f->pos;
	default:
		if (file_seek_base(f, whence, &base) < 0)
			return -EINVAL;
	}
	int64_t pos;
	if (check_add_overflow(base, off, &pos) || pos < 0)
		return -EINVAL;
	f->pos = (uint64_t)pos;
	return pos;
}

SYSCALL_DEFINE1(close, "d:f", int, fd)
{
	return fd_close(proc.fds, fd);
}

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

SYSCALL_DEFINE3(close_range, "d:uux", unsigned, first, unsigned, last, unsigned, flags)
{
	if (flags & ~(unsigned)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	/* Only descriptors the table can hold: the loop never runs past it
	 * (nor wraps around at UINT_MAX back to stdio). */
	unsigned size = (unsigned)fd_table_capacity(proc.fds);
	if (first >= size)
		return 0;
	if (last >= size)
		last = size - 1;
	for (unsigned fd = first; fd <= last; fd++) {
		struct fd_slot *s = fd_slot(proc.fds, (int)fd);
		if (!s)
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC)
			s->cloexec = true;
		else
			fd_close(proc.fds, (int)fd);
	}
	return 0;
}

SYSCALL_DEFINE1(dup, "d:f", int, fd)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	int rc = fd_install(proc.fds, file_get(f), 0, false);
	if (rc < 0)
		file_put(f);
	return rc;
}

static long do_dup3(int oldfd, int newfd, int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	struct file *f = fd_file(oldfd);
	if (!f)
		return -EBADF;
	/* newfd as Linux's unsigned int: "negative" ones are above the limit. */
	int rc = fd_install_at(proc.fds, file_get(f), (unsigned)newfd, flags & O_CLOEXEC);
	if (rc < 0)
		file_put(f);
	return rc;
}

SYSCALL_DEFINE2(dup2, "d:ff", int, oldfd, int, newfd)
{
	if (oldfd == newfd)
		return fd_file(oldfd) ? newfd : -EBADF;
	return do_dup3(oldfd, newfd, 0);
}

SYSCALL_DEFINE3(dup3, "d:ffo", int, oldfd, int, newfd, int, flags)
{
	return do_dup3(oldfd, newfd, flags);
}

static long record_lock(struct file *f, int cmd, struct linux_flock *ufl, bool ofd)
{
	struct linux_flock fl;
	if (copy_from_user(&fl, ufl, sizeof(fl)) < 0)
		return -EFAULT;
	int rc = locks_record(f, cmd, &fl, ofd);
	if (rc == 0 && cmd == F_GETLK && copy_to_user(ufl, &fl, sizeof(fl)) < 0)
		return -EFAULT;
	return rc;
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL_DEFINE3(fcntl, "d:fdx", int, fd, int, cmd, unsigned long, arg)
{
	struct fd_slot *s = fd_slot(proc.fds, fd);
	if (!s)
		return -EBADF;
	struct file *f = s->file;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		/* Linux takes the lowest descriptor as an unsigned int and compares
		 * it with RLIMIT_NOFILE (f_dupfd): 2^31 and above are -EINVAL. */
		int rc = fd_install(proc.fds, file_get(f), (unsigned)arg, cmd == F_DUPFD_CLOEXEC);
		if (rc < 0)
			file_put(f);
		return rc;
	}
	case F_GETFD:
		return s->cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		s->cloexec = arg & FD_CLOEXEC;
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL: {
		unsigned old = f->flags;
		f->flags = (f->flags & ~(unsigned)SETFL_MASK) | ((unsigned)arg & SETFL_MASK);
		int rc = fasync_set_flags(f, fd, old);
		if (rc < 0)
			f->flags = old;
		return rc;
	}
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		return record_lock(f, cmd, (struct linux_flock *)arg, false);
	case F_OFD_GETLK:
		return record_lock(f, F_GETLK, (struct linux_flock *)arg, true);
	case F_OFD_SETLK:
		return record_lock(f, F_SETLK, (struct linux_flock *)arg, true);
	case F_OFD_SETLKW:
		return record_lock(f, F_SETLKW, (struct linux_flock *)arg, true);
	case F_GETOWN: {
		int type, pid;
		fasync_get_owner(f, &type, &pid);
		return type == F_OWNER_PGRP ? -pid : pid;
	}
	case F_SETOWN: {
		/* As Linux's f_setown: negative is a process group. */
		int who = (int)arg;
		if (who == INT32_MIN)
			return -EINVAL;
		return fasync_set_owner(f, who < 0 ? F_OWNER_PGRP : F_OWNER_PID, who < 0 ? -who : who);
	}
	case F_GETOWN_EX: {
		struct { int32_t type, pid; } own;
		fasync_get_owner(f, &own.type, &own.pid);
		return copy_to_user((void *)arg, &own, sizeof(own)) < 0 ? -EFAULT : 0;
	}
	case F_SETOWN_EX: {
		struct { int32_t type, pid; } own;
		if (copy_from_user(&own, (void *)arg, sizeof(own)) < 0)
			return -EFAULT;
		return fasync_set_owner(f, own.type, own.pid);
	}
	case F_SETSIG:
		return fasync_set_signal(f, arg);
	case F_GETSIG:
		return fasync_get_signal(f);
	case F_NOTIFY:
		return dnotify_set(f, arg);
	case F_ADD_SEALS:
		return memfd_add_seals(f, arg);
	case F_GET_SEALS:
		return memfd_get_seals(f);
	case F_GETPIPE_SZ:
		return is_pipe(f) ? pipe_get_size(f) : -EBADF;
	case F_SETPIPE_SZ:
		/* Linux's pipe_fcntl takes the size as unsigned int. */
		return is_pipe(f) ? pipe_set_size(f, (unsigned int)arg) : -EBADF;
	default:
		return -EINVAL;
	}
}

/* cmd is Linux's unsigned int: what the app leaves above bit 31 is not
 * part of it. */
SYSCALL_DEFINE3(ioctl, "d:fxx", int, fd, unsigned int, cmd, unsigned long, arg)
{
	struct fd_slot *s = fd_slot(proc.fds, fd);
	if (!s)
		return -EBADF;
	struct file *f = s->file;
	switch (cmd) {
	case FIOCLEX:
		s->cloexec = true;
		return 0;
	case FIONCLEX:
		s->cloexec = false;
		return 0;
	case FIONBIO: {
		int on;
		if (copy_from_user(&on, (void *)arg, sizeof(on)) < 0)
			return -EFAULT;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~(unsigned)O_NONBLOCK;
		return 0;
	}
	}
	if (f->ops && f->ops->ioctl)
		return f->ops->ioctl(f, cmd, arg);
	return -ENOTTY;
}

SYSCALL_DEFINE2(flock, "d:fd", int, fd, int, op)
{
	struct file *f = fd_file(fd);
	return f ? locks_flock(f, op) : -EBADF;
}

/* RAM-backed files are always as durable as they will ever be; a file
 * system kept elsewhere syncs the one file (a host volume's fsync, the file
 * op) or commits as a whole (a disk's: for ext2 all it has, a directory's
 * fsync too). */
static long sync_fd(int fd, bool datasync)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (f->ops && f->ops->fsync)
		return f->ops->fsync(f, datasync);
	struct superblock *sb = f->inode ? f->inode->sb : NULL;
	return sb && sb->sync ? sb->sync(sb) : 0;
}

SYSCALL_DEFINE1(fsync, "d:f", int, fd)
{
	return sync_fd(fd, false);
}

SYSCALL_DEFINE1(fdatasync, "d:f", int, fd)
{
	return sync_fd(fd, true);
}

SYSCALL_DEFINE1(syncfs, "d:f", int, fd)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	struct superblock *sb = f->inode ? f->inode->sb : NULL;
	return sb && sb->sync ? sb->sync(sb) : 0;
}

SYSCALL_DEFINE0(sync, "d:")
{
	vfs_sync_all(false);
	return 0;
}

SYSCALL_DEFINE2(ftruncate, "d:fl", int, fd, int64_t, length)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (length < 0)
		return -EINVAL;
	if (!S_ISREG(f->inode->mode) || !writable(f))
		return -EINVAL;
	if (f->flags & O_APPEND)
		return -EPERM;
	if (!f->inode->ops->truncate)
		return -EINVAL;
	long rc = fsize_limit_resize(f->inode, (uint64_t)length);
	if (rc < 0)
		return rc;
	return f->inode->ops->truncate(f->inode, (uint64_t)length);
}

SYSCALL_DEFINE4(fallocate, "d:fdll", int, fd, int, mode, int64_t, off, int64_t, len)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (!writable(f))
		return -EBADF;
	if (S_ISDIR(f->inode->mode))
		return -EISDIR;
	if (!S_ISREG(f->inode->mode))
		return S_ISFIFO(f->inode->mode) ? -ESPIPE : -ENODEV;
	if (!file_range_ok(off, (uint64_t)len))
		return -EFBIG; /* off + len past the largest loff_t */
	if (!f->inode->ops->fallocate)
		return -EOPNOTSUPP;
	/* Checked with FALLOC_FL_KEEP_SIZE too, as Linux's tmpfs does. */
	long rc = fsize_limit_resize(f->inode, (uint64_t)off + (uint64_t)len);
	if (rc < 0)
		return rc;
	return f->inode->ops->fallocate(f->inode, mode, (uint64_t)off, (uint64_t)len);
}

SYSCALL_DEFINE4(fadvise64, "d:flld", int, fd, int64_t, off, int64_t, len, int, advice)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (advice < 0 || advice > 5)
		return -EINVAL;
	if (f->ops && !f->ops->seekable)
		return -ESPIPE;
	return 0; /* advice only: everything is in memory already */
}
