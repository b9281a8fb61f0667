#include "fs/open.h"

#include "fs/namei.h"
#include "fs/permission.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"

/* The absolute path of ino, found as `last` in dir (NULL if unknown). */
static char *path_of(struct inode *dir, struct inode *ino, const char *last, size_t last_len)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return NULL;
	int n = inode_dir_path(S_ISDIR(ino->mode) ? ino : dir, buf, PATH_MAX);
	if (n >= 0 && !S_ISDIR(ino->mode)) {
		if ((size_t)n + 1 + last_len >= PATH_MAX) {
			n = -ENAMETOOLONG;
		} else {
			if (n > 1)
				buf[n++] = '/';
			memcpy(buf + n, last, last_len);
			buf[n + last_len] = '\0';
		}
	}
	if (n < 0) {
		kfree(buf);
		return NULL;
	}
	return buf;
}

/* Records the path a file was opened by (best effort: NULL if no memory). */
static void set_path(struct file *f, const char *path)
{
	if (!path)
		return;
	size_t n = strlen(path);
	f->path = kmalloc(n + 1);
	if (f->path)
		memcpy(f->path, path, n + 1);
}

int vfs_open_inode(struct inode *ino, const char *path, int flags, struct file **out)
{
	int acc = flags & O_ACCMODE;
	bool writing = acc == O_WRONLY || acc == O_RDWR;
	if (acc == 3)
		return -EINVAL;
	if (flags & O_PATH) {
		struct file *f = file_new(ino, NULL, O_PATH | (flags & (O_DIRECTORY | O_NOFOLLOW)));
		if (!f)
			return -ENOMEM;
		set_path(f, path);
		*out = f;
		return 0;
	}
	if (S_ISDIR(ino->mode) && writing)
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (S_ISLNK(ino->mode))
		return -ELOOP;
	if (writing && ino->sb->readonly && S_ISREG(ino->mode))
		return -EROFS;
	const struct file_ops *ops = ino->fops;
	if (!ops && !S_ISDIR(ino->mode))
		return -ENXIO;
	struct file *f = file_new(ino, ops, (unsigned)flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC));
	if (!f)
		return -ENOMEM;
	set_path(f, path);
	if (ops && ops->open) {
		int rc = ops->open(ino, f);
		if (rc < 0) {
			f->ops = NULL; /* not opened: no release */
			file_put(f);
			return rc;
		}
	}
	*out = f;
	return 0;
}

int vfs_open(struct inode *start, const char *path, int flags, uint32_t mode,
	     struct file **out)
{
	unsigned walk = 0;
	if (flags & O_CREAT)
		walk |= WALK_PARENT;
	else if (!(flags & O_NOFOLLOW))
		walk |= WALK_FOLLOW;
	if ((flags & O_CREAT) && !(flags & (O_EXCL | O_NOFOLLOW)))
		walk |= WALK_FOLLOW;
	if (flags & O_DIRECTORY)
		walk |= WALK_DIRECTORY;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;

	struct walk_result w;
	int rc = path_walk(start, path, walk, &w);
	if (rc < 0)
		return rc;
	struct inode *ino = w.inode;
	if (!ino) {
		/* O_CREAT and the last component is missing. */
		if (w.trailing_slash) {
			rc = -EISDIR;
			goto out;
		}
		if (!w.dir->ops->create) {
			rc = w.dir->sb->readonly ? -EROFS : -EPERM;
			goto out;
		}
		if (w.dir->sb->readonly) {
			rc = -EROFS;
			goto out;
		}
		if ((rc = inode_permission(w.dir, MAY_WRITE | MAY_EXEC)) < 0)
			goto out;
		rc = w.dir->ops->create(w.dir, w.last, w.last_len, S_IFREG | (mode & 07777), &ino);
		if (rc < 0)
			goto out;
		inode_init_owner(ino, w.dir);
		w.inode = ino;
	} else {
		if ((flags & O_CREAT) && (flags & O_EXCL)) {
			rc = -EEXIST;
			goto out;
		}
		if ((flags & O_CREAT) && S_ISDIR(ino->mode)) {
			rc = -EISDIR;
			goto out;
		}
		if (S_ISLNK(ino->mode)) {
			/* O_NOFOLLOW (or O_CREAT|O_EXCL) on a symlink. */
			rc = (flags & O_PATH) ? 0 : -ELOOP;
			if (rc < 0)
				goto out;
		}
		if (!(flags & O_PATH) && !S_ISLNK(ino->mode)) {
			int acc = flags & O_ACCMODE;
			int mask = (acc != O_WRONLY ? MAY_READ : 0) |
				   (acc != O_RDONLY || (flags & O_TRUNC) ? MAY_WRITE : 0);
			if ((rc = inode_permission(ino, mask)) < 0)
				goto out;
		}
	}
	char *full = path_of(w.dir, ino, w.last, w.last_len);
	rc = vfs_open_inode(ino, full, flags, out);
	kfree(full);
	if (rc == 0 && (flags & O_TRUNC) && S_ISREG(ino->mode) && ((flags & O_ACCMODE) != O_RDONLY) &&
	    ino->size != 0) {
		rc = ino->ops->truncate ? ino->ops->truncate(ino, 0) : -EINVAL;
		if (rc < 0) {
			file_put(*out);
			*out = NULL;
		}
	}
out:
	walk_release(&w);
	return rc;
}

int64_t kernel_read(struct file *f, void *buf, size_t len, uint64_t off)
{
	if (!f->ops || !f->ops->read)
		return -EINVAL;
	struct iov_iter it;
	iov_iter_kbuf(&it, buf, len);
	return f->ops->read(f, &it, &off);
}

int64_t kernel_write(struct file *f, const void *buf, size_t len, uint64_t off)
{
	if (!f->ops || !f->ops->write)
		return -EINVAL;
	struct iov_iter it;
	iov_iter_kbuf(&it, buf, len);
	return f->ops->write(f, &it, &off);
}
