#include "fs/vfs.h"

#include "core/clock.h"
#include "core/panic.h"
#include "fs/dnotify.h"
#include "fs/eventpoll/eventpoll.h"
#include "fs/fasync.h"
#include "fs/locks.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"

struct inode *vfs_root;
/* The mount table, in mount order; owned by this file. */
static struct superblock *mounts, **mounts_tail = &mounts;

static void add_mount(struct superblock *sb)
{
	sb->next_mount = NULL;
	*mounts_tail = sb;
	mounts_tail = &sb->next_mount;
}

struct superblock *vfs_mounts(void)
{
	return mounts;
}

static struct linux_timespec now(void)
{
	int64_t ns = clock_realtime_ns();
	return (struct linux_timespec){ ns / (int64_t)NSEC_PER_SEC, ns % (int64_t)NSEC_PER_SEC };
}

struct inode *inode_get(struct inode *ino)
{
	if (ino)
		ino->refcount++;
	return ino;
}

void inode_put(struct inode *ino)
{
	if (!ino)
		return;
	ASSERT(ino->refcount > 0);
	if (--ino->refcount == 0 && ino->ops->evict)
		ino->ops->evict(ino);
}

struct inode *inode_new(struct superblock *sb, uint32_t mode)
{
	struct inode *ino = kzalloc(sizeof(*ino));
	if (!ino)
		return NULL;
	ino->sb = sb;
	ino->ino = ++sb->next_ino;
	ino->mode = mode;
	ino->nlink = 1;
	ino->refcount = 1;
	ino->atime = ino->mtime = ino->ctime = now();
	return ino;
}

void inode_touch(struct inode *ino, bool modified, bool changed)
{
	struct linux_timespec t = now();
	if (modified)
		ino->mtime = t;
	if (modified || changed)
		ino->ctime = t;
}

struct file *file_new(struct inode *ino, const struct file_ops *ops, unsigned flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->refcount = 1;
	f->ops = ops;
	f->inode = inode_get(ino);
	f->flags = flags;
	return f;
}

struct file *file_get(struct file *f)
{
	f->refcount++;
	return f;
}

void file_put(struct file *f)
{
	ASSERT(f->refcount > 0);
	if (--f->refcount)
		return;
	if (f->epoll_items)
		eventpoll_file_released(f);
	fasync_file_released(f);
	if (f->inode) {
		locks_file_released(f);
		dnotify_file_released(f);
	}
	if (f->ops && f->ops->release)
		f->ops->release(f);
	inode_put(f->inode);
	kfree(f->path);
	kfree(f);
}

void vfs_set_root(struct superblock *sb)
{
	vfs_root = sb->root;
	add_mount(sb);
}

int vfs_mount(struct inode *dir, struct superblock *sb)
{
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->mounted)
		return -EBUSY;
	dir->mounted = sb->root;
	sb->mountpoint = inode_get(dir);
	add_mount(sb);
	return 0;
}

int vfs_sync_all(bool final)
{
	int result = 0;
	for (struct superblock *sb = mounts; sb; sb = sb->next_mount) {
		int (*fn)(struct superblock *) = final ? sb->unmount_sync : sb->sync;
		int rc = fn ? fn(sb) : 0;
		if (rc < 0 && !result)
			result = rc;
	}
	return result;
}

struct inode *vfs_parent(struct inode *dir)
{
	if (dir == vfs_root)
		return dir;
	/* At the root of a mounted file system, ".." is the mountpoint's parent. */
	while (!dir->parent && dir->sb->mountpoint)
		dir = dir->sb->mountpoint;
	return dir->parent ? dir->parent : dir;
}

void inode_stat(struct inode *ino, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = ino->sb->dev;
	st->st_ino = ino->ino;
	st->st_nlink = ino->nlink;
	st->st_mode = ino->mode;
	st->st_uid = ino->uid;
	st->st_gid = ino->gid;
	st->st_rdev = ino->rdev;
	st->st_size = (int64_t)ino->size;
	st->st_blksize = 4096;
	st->st_blocks = ino->ops && ino->ops->blocks ? (int64_t)ino->ops->blocks(ino)
						     : (int64_t)((ino->size + 511) / 512);
	st->st_atim = ino->atime;
	st->st_mtim = ino->mtime;
	st->st_ctim = ino->ctime;
}

int file_seek_base(const struct file *f, int whence, int64_t *base)
{
	switch (whence) {
	case SEEK_SET:
		*base = 0;
		return 0;
	case SEEK_CUR:
		*base = (int64_t)f->pos;
		return 0;
	case SEEK_END:
		*base = (int64_t)f->inode->size;
		return 0;
	default:
		return -EINVAL;
	}
}
