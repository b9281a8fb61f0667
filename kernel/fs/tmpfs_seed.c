/*
 * A tmpfs seeded with a copy of another directory tree: how a directory of
 * the read-only image becomes writable (the boot config's writable=).
 * Directories and symlinks are copied; a regular file becomes a tmpfs file
 * whose pages are the original's until it writes them (tmpfs_set_lower),
 * so seeding costs an inode per entry and no file data.
 */
#include "fs/tmpfs_seed.h"

#include "fs/tmpfs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

struct seed_ctx {
	struct inode *dst, *src;
	int rc;
};

static void copy_attrs(struct inode *to, const struct inode *from)
{
	to->mode = (to->mode & S_IFMT) | (from->mode & 07777);
	to->uid = from->uid;
	to->gid = from->gid;
	to->atime = from->atime;
	to->mtime = from->mtime;
	to->ctime = from->ctime;
}

static int seed_symlink(struct inode *dst, const char *name, size_t len, struct inode *src)
{
	char *target = kmalloc(PATH_MAX + 1);
	if (!target)
		return -ENOMEM;
	int n = src->ops->readlink(src, target, PATH_MAX);
	int rc = n;
	if (n >= 0) {
		target[n] = '\0';
		rc = dst->ops->symlink(dst, name, len, target);
	}
	kfree(target);
	return rc;
}

static int seed_entry(struct inode *dst, const char *name, size_t len, struct inode *src)
{
	struct inode *made = NULL;
	int rc;
	switch (src->mode & S_IFMT) {
	case S_IFDIR:
		rc = dst->ops->mkdir(dst, name, len, src->mode & 07777);
		if (rc == 0)
			rc = dst->ops->lookup(dst, name, len, &made);
		if (rc == 0)
			rc = tmpfs_seed(made, src);
		break;
	case S_IFLNK:
		rc = seed_symlink(dst, name, len, src);
		if (rc == 0)
			rc = dst->ops->lookup(dst, name, len, &made);
		break;
	case S_IFREG:
		rc = dst->ops->create(dst, name, len, S_IFREG | (src->mode & 07777), &made);
		if (rc == 0)
			rc = tmpfs_set_lower(made, src);
		break;
	default:
		return 0; /* devices, FIFOs, sockets: nothing an image holds */
	}
	if (made) {
		copy_attrs(made, src);
		inode_put(made);
	}
	return rc;
}

static int seed_one(void *arg, const char *name, size_t len, uint64_t ino, unsigned type,
		    uint64_t next_pos)
{
	(void)ino, (void)type, (void)next_pos;
	struct seed_ctx *c = arg;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	struct inode *child;
	c->rc = c->src->ops->lookup(c->src, name, len, &child);
	if (c->rc < 0)
		return -1;
	c->rc = seed_entry(c->dst, name, len, child);
	inode_put(child);
	return c->rc < 0 ? -1 : 0;
}

int tmpfs_seed(struct inode *dst, struct inode *src)
{
	if (!S_ISDIR(src->mode) || !src->ops->iterate)
		return -ENOTDIR;
	struct seed_ctx c = { dst, src, 0 };
	uint64_t pos = 0;
	int rc = src->ops->iterate(src, &pos, seed_one, &c);
	if (rc < 0)
		return rc;
	if (c.rc < 0)
		return c.rc;
	/* Last: adding entries touched the directory's times. */
	copy_attrs(dst, src);
	return 0;
}
