/*
 * A disk mounted over a directory of the image that has files (--disk
 * FILE:/app) takes them in: at each mount, what the disk lacks is copied
 * from the image, and an image file newer than the disk's copy (a rebuilt
 * app) replaces it; what the app wrote itself is newer than the image and
 * stays. So `sqlite3.connect("app.db")` in /app persists across runs while
 * the app's code comes from the image it was built into.
 */
#include "fs/ext2/disk_seed.h"

#include "core/console.h"
#include "fs/open.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"

#define COPY_CHUNK 65536

struct seed_ctx {
	struct inode *dst, *src;
	int rc;
	uint32_t copied;
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

static bool newer(const struct inode *a, const struct inode *b)
{
	return a->mtime.tv_sec > b->mtime.tv_sec;
}

static int copy_data(struct inode *dst, struct inode *src)
{
	struct file *in, *out;
	int rc = vfs_open_inode(src, NULL, O_RDONLY, &in);
	if (rc < 0)
		return rc;
	rc = vfs_open_inode(dst, NULL, O_WRONLY, &out);
	if (rc < 0) {
		file_put(in);
		return rc;
	}
	char *buf = kmalloc(COPY_CHUNK);
	rc = buf ? dst->ops->truncate(dst, 0) : -ENOMEM;
	for (uint64_t off = 0; rc == 0 && off < src->size;) {
		int64_t n = kernel_read(in, buf, COPY_CHUNK, off);
		if (n <= 0) {
			rc = n < 0 ? (int)n : -EIO;
			break;
		}
		int64_t w = kernel_write(out, buf, (size_t)n, off);
		if (w != n)
			rc = w < 0 ? (int)w : -EIO;
		off += (uint64_t)n;
	}
	kfree(buf);
	file_put(in);
	file_put(out);
	return rc;
}

static int seed_entry(struct seed_ctx *c, const char *name, size_t len, struct inode *src)
{
	struct inode *have = NULL, *made = NULL;
	int rc = c->dst->ops->lookup(c->dst, name, len, &have);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	switch (src->mode & S_IFMT) {
	case S_IFDIR:
		if (!have) {
			rc = c->dst->ops->mkdir(c->dst, name, len, src->mode & 07777);
			if (rc == 0)
				rc = c->dst->ops->lookup(c->dst, name, len, &have);
		}
		if (rc == 0 && S_ISDIR(have->mode))
			rc = disk_seed(have, src, &c->copied);
		break;
	case S_IFLNK:
		if (!have) {
			char *target = kmalloc(PATH_MAX + 1);
			int n = target ? src->ops->readlink(src, target, PATH_MAX) : -ENOMEM;
			rc = n < 0 ? n : 0;
			if (n >= 0) {
				target[n] = '\0';
				rc = c->dst->ops->symlink(c->dst, name, len, target);
			}
			kfree(target);
		}
		break;
	case S_IFREG:
		if (have && (!S_ISREG(have->mode) || !newer(src, have)))
			break; /* the disk's own, or the same as the image's */
		if (!have)
			rc = c->dst->ops->create(c->dst, name, len, S_IFREG | (src->mode & 07777), &made);
		if (rc == 0)
			rc = copy_data(made ? made : have, src);
		if (rc == 0) {
			copy_attrs(made ? made : have, src);
			c->copied++;
		}
		break;
	default:
		break; /* devices, FIFOs, sockets: nothing an image holds */
	}
	inode_put(have);
	inode_put(made);
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
	if (c->rc == 0) {
		c->rc = seed_entry(c, name, len, child);
		inode_put(child);
	}
	return c->rc < 0 ? -1 : 0;
}

int disk_seed(struct inode *dst, struct inode *src, uint32_t *copied)
{
	if (!S_ISDIR(src->mode) || !src->ops->iterate)
		return -ENOTDIR;
	struct seed_ctx c = { dst, src, 0, 0 };
	uint64_t pos = 0;
	int rc = src->ops->iterate(src, &pos, seed_one, &c);
	*copied += c.copied;
	return rc < 0 ? rc : c.rc;
}
