/* Syscalls on directories: listing them and the working directory. */
#include <stddef.h>

#include "fs/namei.h"
#include "lib/string.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

struct dirent_buf {
	char *buf;
	size_t size, used;
};

static int fill_dirent(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		       uint64_t next_pos)
{
	struct dirent_buf *d = ctx;
	size_t reclen = (offsetof(struct linux_dirent64, d_name) + len + 1 + 7) & ~7ul;
	if (d->used + reclen > d->size)
		return -1;
	struct linux_dirent64 *e = (struct linux_dirent64 *)(d->buf + d->used);
	e->d_ino = ino;
	e->d_off = (int64_t)next_pos;
	e->d_reclen = (uint16_t)reclen;
	e->d_type = (uint8_t)type;
	memcpy(e->d_name, name, len);
	memset(e->d_name + len, 0, reclen - offsetof(struct linux_dirent64, d_name) - len);
	d->used += reclen;
	return 0;
}

SYSCALL_DEFINE3(getdents64, "d:fpu", int, fd, void *, dirp, unsigned, count)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (!S_ISDIR(f->inode->mode) || !f->inode->ops->iterate)
		return -ENOTDIR;
	size_t size = count < 65536 ? count : 65536;
	struct dirent_buf d = { kmalloc(size), size, 0 };
	if (!d.buf)
		return -ENOMEM;
	int rc = f->inode->ops->iterate(f->inode, &f->pos, fill_dirent, &d);
	if (rc == 0 && d.used == 0) {
		/* Not even one entry fit, or the end: tell them apart. */
		struct dirent_buf probe = { kmalloc(512), 512, 0 };
		uint64_t pos = f->pos;
		if (probe.buf && f->inode->ops->iterate(f->inode, &pos, fill_dirent, &probe) == 0 &&
		    probe.used)
			rc = -EINVAL;
		kfree(probe.buf);
	}
	if (rc == 0 && d.used && copy_to_user(dirp, d.buf, d.used) < 0)
		rc = -EFAULT;
	kfree(d.buf);
	return rc < 0 ? rc : (long)d.used;
}

SYSCALL_DEFINE2(getcwd, "d:pu", char *, buf, size_t, size)
{
	char path[PATH_MAX];
	int n = inode_dir_path(proc.cwd, path, sizeof(path));
	if (n < 0)
		return n;
	if ((size_t)n + 1 > size)
		return -ERANGE;
	return copy_to_user(buf, path, (size_t)n + 1) < 0 ? -EFAULT : n + 1;
}

static long set_cwd(struct inode *ino)
{
	if (!S_ISDIR(ino->mode))
		return -ENOTDIR;
	struct inode *old = proc.cwd;
	proc.cwd = inode_get(ino);
	inode_put(old);
	return 0;
}

SYSCALL_DEFINE1(chdir, "d:s", const char *, path)
{
	struct inode *ino;
	int rc = resolve_at(AT_FDCWD, path, 0, true, &ino);
	if (rc < 0)
		return rc;
	rc = (int)set_cwd(ino);
	inode_put(ino);
	return rc;
}

SYSCALL_DEFINE1(fchdir, "d:f", int, fd)
{
	struct file *f = fd_file(fd);
	return f ? set_cwd(f->inode) : -EBADF;
}
