/*
 * ext2/ext3 as a VFS file system (see ext2fs.h for how it stays
 * consistent): mounting, the in-memory inodes, and the inode and file
 * operations. Inode attributes live in the VFS inode while it is in
 * memory (chmod and utimes change them there); write_inode encodes them
 * into the inode table, and every commit first writes back the inodes in
 * memory whose encoding changed.
 */
#include "fs/ext2/ext2fs.h"

#include "core/clock.h"
#include "core/console.h"
#include "core/random.h"
#include "fs/permission.h"
#include "fs/pipe.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "sched/thread.h"

#define IS_DEVICE(m) (((m) & S_IFMT) == S_IFCHR || ((m) & S_IFMT) == S_IFBLK)

static const struct inode_ops dir_ops, file_iops, link_ops, special_ops;
static const struct file_ops file_fops;

void fs_lock(struct ext2_fs *fs)
{
	if (fs->owner == current) {
		fs->depth++;
		return;
	}
	while (fs->owner)
		sched_wait(&fs->lock_wait, 0, false, "ext2", 0);
	fs->owner = current;
	fs->depth = 1;
}

void fs_unlock(struct ext2_fs *fs)
{
	if (--fs->depth == 0) {
		fs->owner = NULL;
		sched_wake(&fs->lock_wait, 1);
	}
}

static uint32_t now_s(void)
{
	return (uint32_t)(clock_realtime_ns() / 1000000000ll);
}

int inode_block(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
	if (ino == 0 || ino > fs->g.inodes_count)
		return -EIO;
	uint32_t group = (ino - 1) / fs->g.inodes_per_group;
	uint64_t byte = (uint64_t)((ino - 1) % fs->g.inodes_per_group) * fs->g.inode_size;
	*blk = fs->groups[group].inode_table + (uint32_t)(byte / fs->g.block_size);
	*off = (uint32_t)(byte % fs->g.block_size);
	return 0;
}

int write_inode(struct ext2_fs *fs, struct inode *ino)
{
	struct ext2_inode *di = &node_of(ino)->di;
	di->mode = (uint16_t)ino->mode;
	di->uid = ino->uid;
	di->gid = ino->gid;
	di->links = (uint16_t)ino->nlink;
	if (!S_ISLNK(ino->mode) || !ext2_inode_fast_link(&fs->g, di) || ino->size < 60)
		di->size = ino->size;
	di->atime = (uint32_t)ino->atime.tv_sec;
	di->mtime = (uint32_t)ino->mtime.tv_sec;
	di->ctime = (uint32_t)ino->ctime.tv_sec;
	uint32_t blk, off;
	int rc = inode_block(fs, (uint32_t)ino->ino, &blk, &off);
	struct buf *b;
	if (rc == 0)
		rc = bread(fs, blk, &b);
	if (rc < 0)
		return rc;
	uint8_t raw[1024];
	uint32_t size = fs->g.inode_size < sizeof(raw) ? fs->g.inode_size : sizeof(raw);
	memcpy(raw, b->data + off, size);
	ext2_inode_encode(&fs->g, di, raw);
	if (memcmp(raw, b->data + off, size) != 0) {
		memcpy(b->data + off, raw, size);
		bdirty(fs, b);
	}
	brelse(fs, b);
	return 0;
}

int commit_tx(struct ext2_fs *fs)
{
	if (fs->vfs.readonly)
		return fs->io_error ? -EIO : 0;
	for (unsigned i = 0; i < sizeof(fs->icache) / sizeof(fs->icache[0]); i++)
		for (struct inode *ino = fs->icache[i]; ino; ino = node_of(ino)->icache_next)
			write_inode(fs, ino);
	return journal_commit(fs);
}

/* Writes back what shared mappings changed and every inode in memory,
 * then commits. */
static int commit(struct ext2_fs *fs)
{
	if (fs->vfs.readonly)
		return fs->io_error ? -EIO : 0;
	int rc = pages_writeback_all(fs);
	int rc2 = commit_tx(fs);
	return rc < 0 ? rc : rc2;
}

static int maybe_commit(struct ext2_fs *fs)
{
	return fs->tx_len >= fs->tx_limit / 2 ? commit(fs) : 0;
}

static unsigned icache_slot(uint64_t ino)
{
	return (unsigned)(ino % 256);
}

static void set_ops(struct inode *ino)
{
	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
		ino->ops = &dir_ops;
		break;
	case S_IFREG:
		ino->ops = &file_iops;
		ino->fops = &file_fops;
		break;
	case S_IFLNK:
		ino->ops = &link_ops;
		break;
	case S_IFIFO:
		ino->ops = &special_ops;
		ino->fops = &fifo_ops;
		break;
	default:
		ino->ops = &special_ops; /* device nodes and sockets: no driver */
		break;
	}
}

static struct inode *wrap(struct ext2_fs *fs, uint32_t num, const struct ext2_inode *di)
{
	struct inode *ino = inode_new(&fs->vfs, di->mode);
	struct ext2_node *n = kzalloc(sizeof(*n));
	if (!ino || !n) {
		kfree(ino);
		kfree(n);
		return NULL;
	}
	ino->priv = n;
	n->di = *di;
	ino->ino = num;
	ino->nlink = di->links;
	ino->uid = di->uid;
	ino->gid = di->gid;
	ino->size = di->size;
	ino->atime = (struct linux_timespec){ di->atime, 0 };
	ino->mtime = (struct linux_timespec){ di->mtime, 0 };
	ino->ctime = (struct linux_timespec){ di->ctime, 0 };
	if (IS_DEVICE(di->mode)) {
		uint32_t old = di->block[0], new = di->block[1];
		ino->rdev = old ? ((old >> 8) & 0xff) << 8 | (old & 0xff)
				: ((new >> 8) & 0xfff) << 8 | (new & 0xff) | ((new >> 12) & 0xfff00);
	}
	set_ops(ino);
	if (S_ISREG(di->mode))
		pages_init_file(ino);
	unsigned s = icache_slot(num);
	n->icache_next = fs->icache[s];
	fs->icache[s] = ino;
	return ino;
}

/* The inode numbered num, referenced; an orphan (no names left, on the
 * orphan list) only when asked for. */
static int iget_any(struct ext2_fs *fs, uint32_t num, bool orphan, struct inode **out)
{
	for (struct inode *ino = fs->icache[icache_slot(num)]; ino; ino = node_of(ino)->icache_next)
		if (ino->ino == num) {
			*out = inode_get(ino);
			return 0;
		}
	if (num < EXT2_ROOT_INO || (num < fs->g.first_ino && num != EXT2_ROOT_INO))
		return -EIO;
	uint32_t blk, off;
	struct buf *b;
	int rc = inode_block(fs, num, &blk, &off);
	if (rc == 0)
		rc = bread(fs, blk, &b);
	if (rc < 0)
		return rc;
	struct ext2_inode di;
	const char *why;
	rc = ext2_inode_parse(&fs->g, b->data + off, &di, &why);
	brelse(fs, b);
	if (rc < 0 || (di.links == 0 && !orphan)) {
		kprintf("ext2: %s: inode %u: %s\n", fs->dev->name, num,
			rc < 0 ? why : "a directory entry names a free inode");
		return -EIO;
	}
	*out = wrap(fs, num, &di);
	if (*out)
		node_of(*out)->orphan = orphan;
	return *out ? 0 : -ENOMEM;
}

static int iget(struct ext2_fs *fs, uint32_t num, struct inode **out)
{
	return iget_any(fs, num, false, out);
}

static void icache_remove(struct ext2_fs *fs, struct inode *ino)
{
	struct inode **pp = &fs->icache[icache_slot(ino->ino)];
	while (*pp && *pp != ino)
		pp = &node_of(*pp)->icache_next;
	if (*pp)
		*pp = node_of(ino)->icache_next;
}

/* Superblock fields outside the allocation counts. */
static int sb_update(struct ext2_fs *fs, uint32_t field, uint32_t value)
{
	struct buf *b;
	int rc = bread(fs, EXT2_SUPER_OFFSET / fs->g.block_size, &b);
	if (rc < 0)
		return rc;
	put_le32(b->data + EXT2_SUPER_OFFSET % fs->g.block_size + field, value);
	bdirty(fs, b);
	brelse(fs, b);
	return 0;
}

static uint32_t sb_read(struct ext2_fs *fs, uint32_t field)
{
	struct buf *b;
	if (bread(fs, EXT2_SUPER_OFFSET / fs->g.block_size, &b) < 0)
		return 0;
	uint32_t v = le32(b->data + EXT2_SUPER_OFFSET % fs->g.block_size + field);
	brelse(fs, b);
	return v;
}

/* An inode with no names left but still open goes on the orphan list
 * (s_last_orphan, chained through i_dtime), so a crash before it is freed
 * leaves e2fsck nothing but to finish the job. */
static int orphan_add(struct ext2_fs *fs, struct inode *ino)
{
	if (node_of(ino)->orphan)
		return 0;
	node_of(ino)->di.dtime = sb_read(fs, SB_LAST_ORPHAN);
	node_of(ino)->orphan = true;
	int rc = write_inode(fs, ino);
	return rc < 0 ? rc : sb_update(fs, SB_LAST_ORPHAN, (uint32_t)ino->ino);
}

static int orphan_remove(struct ext2_fs *fs, struct inode *ino)
{
	uint32_t next = node_of(ino)->di.dtime, cur = sb_read(fs, SB_LAST_ORPHAN);
	node_of(ino)->orphan = false;
	node_of(ino)->di.dtime = 0;
	if (cur == ino->ino)
		return sb_update(fs, SB_LAST_ORPHAN, next);
	for (int guard = 0; cur && guard < 100000; guard++) {
		struct inode *o;
		if (iget_any(fs, cur, true, &o) < 0)
			return -EIO;
		uint32_t after = node_of(o)->di.dtime;
		if (after == ino->ino) {
			node_of(o)->di.dtime = next;
			int rc = write_inode(fs, o);
			inode_put(o);
			return rc;
		}
		inode_put(o);
		cur = after;
	}
	return 0;
}

static bool has_blocks(struct ext2_fs *fs, struct inode *ino)
{
	return S_ISREG(ino->mode) || S_ISDIR(ino->mode) ||
	       (S_ISLNK(ino->mode) && !ext2_inode_fast_link(&fs->g, &node_of(ino)->di));
}

static void set_parent(struct inode *dir, struct inode *parent);

static void ext2_evict(struct inode *ino)
{
	struct ext2_fs *fs = fs_of(ino->sb);
	struct ext2_node *n = node_of(ino);
	fs_lock(fs);
	if (S_ISFIFO(ino->mode))
		fifo_evict(ino);
	if (S_ISREG(ino->mode))
		pages_evict(fs, ino, ino->nlink && !fs->vfs.readonly);
	if (ino->nlink == 0 && !fs->vfs.readonly) {
		if (n->orphan)
			orphan_remove(fs, ino);
		if (has_blocks(fs, ino))
			bmap_truncate(fs, ino, 0);
		n->di.dtime = now_s();
		ino->size = 0;
		write_inode(fs, ino);
		free_inode(fs, (uint32_t)ino->ino, S_ISDIR(ino->mode));
		maybe_commit(fs);
	} else if (!fs->vfs.readonly) {
		write_inode(fs, ino);
	}
	icache_remove(fs, ino);
	set_parent(ino, NULL);
	fs_unlock(fs);
	kfree(n->own_name);
	kfree(n);
	kfree(ino);
}

/* A directory holds a reference on its parent, so ".." and getcwd() never
 * meet a freed inode. */
static void set_parent(struct inode *dir, struct inode *parent)
{
	struct inode *old = dir->parent;
	dir->parent = inode_get(parent);
	inode_put(old);
}

static void set_dir_name(struct inode *dir, struct inode *parent, const char *name, size_t len)
{
	char *copy = kmalloc(len + 1);
	if (!copy)
		return; /* getcwd shows the old name */
	memcpy(copy, name, len);
	copy[len] = '\0';
	kfree(node_of(dir)->own_name);
	node_of(dir)->own_name = copy;
	dir->name = copy;
	dir->name_len = len;
	set_parent(dir, parent);
}

static bool is_within(struct inode *dir, struct inode *ancestor)
{
	for (; dir; dir = dir->parent)
		if (dir == ancestor)
			return true;
	return false;
}

static int lookup_locked(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len,
			 struct inode **out)
{
	uint32_t num;
	uint8_t type;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return -EINVAL; /* the path walk answers these itself */
	int rc = dir_lookup(fs, dir, name, len, &num, &type);
	if (rc < 0)
		return rc;
	rc = iget(fs, num, out);
	if (rc < 0 || !S_ISDIR((*out)->mode) || (*out)->parent == dir)
		return rc;
	/* A directory has one parent: a second name for it (or an entry leading
	 * back up) is a damaged disk, and following it would make a loop. */
	if ((*out)->parent || is_within(dir, *out)) {
		kprintf("ext2: %s: directory inode %u has a second name: the disk is damaged\n",
			fs->dev->name, num);
		inode_put(*out);
		return -EIO;
	}
	set_dir_name(*out, dir, name, len);
	return 0;
}

static int ext2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct ext2_fs *fs = fs_of(dir->sb);
	fs_lock(fs);
	int rc = lookup_locked(fs, dir, name, len, out);
	fs_unlock(fs);
	return rc;
}

/* A new inode of mode in dir's group, written, not yet linked. */
static int new_inode(struct ext2_fs *fs, struct inode *dir, uint32_t mode, struct inode **out)
{
	uint32_t num;
	uint32_t group = (uint32_t)((dir->ino - 1) / fs->g.inodes_per_group);
	int rc = alloc_inode(fs, group, S_ISDIR(mode), &num);
	if (rc < 0)
		return rc;
	struct ext2_inode di;
	memset(&di, 0, sizeof(di));
	di.mode = (uint16_t)mode;
	di.links = 1;
	random_bytes(&di.generation, sizeof(di.generation));
	/* The inode's bytes past what we encode: zero for a fresh inode. */
	uint32_t blk, off;
	struct buf *b;
	rc = inode_block(fs, num, &blk, &off);
	if (rc == 0)
		rc = bread(fs, blk, &b);
	if (rc < 0) {
		free_inode(fs, num, S_ISDIR(mode));
		return rc;
	}
	memset(b->data + off, 0, fs->g.inode_size);
	bdirty(fs, b);
	brelse(fs, b);
	struct inode *ino = wrap(fs, num, &di);
	if (!ino) {
		free_inode(fs, num, S_ISDIR(mode));
		return -ENOMEM;
	}
	inode_init_owner(ino, dir);
	ino->atime = ino->mtime = ino->ctime = (struct linux_timespec){ now_s(), 0 };
	rc = write_inode(fs, ino);
	*out = ino;
	return rc;
}

static int exists(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len)
{
	uint32_t num;
	uint8_t type;
	int rc = dir_lookup(fs, dir, name, len, &num, &type);
	return rc == 0 ? -EEXIST : rc == -ENOENT ? 0 : rc;
}

/* Makes and links an inode; the caller gets a reference when out != NULL. */
static int make(struct inode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev,
		const char *target, struct inode **out)
{
	struct ext2_fs *fs = fs_of(dir->sb);
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	fs_lock(fs);
	struct inode *ino = NULL;
	int rc = exists(fs, dir, name, len);
	if (rc == 0)
		rc = new_inode(fs, dir, mode, &ino);
	if (rc == 0 && S_ISDIR(mode)) {
		ino->nlink = 2;
		rc = dir_init(fs, ino, (uint32_t)dir->ino);
		if (rc == 0) {
			dir->nlink++;
			set_dir_name(ino, dir, name, len);
		}
	} else if (rc == 0 && IS_DEVICE(mode)) {
		ino->rdev = rdev;
		uint32_t major = (rdev >> 8) & 0xfff, minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
		if (major < 256 && minor < 256)
			node_of(ino)->di.block[0] = major << 8 | minor;
		else
			node_of(ino)->di.block[1] = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
	} else if (rc == 0 && target) {
		size_t tlen = strlen(target);
		if (tlen < 60) {
			memcpy(node_of(ino)->di.block, target, tlen);
		} else if (tlen >= fs->g.block_size) {
			rc = -ENAMETOOLONG;
		} else {
			uint32_t blk;
			struct buf *b;
			rc = bmap(fs, ino, 0, true, &blk);
			if (rc == 0)
				rc = bread(fs, blk, &b);
			if (rc == 0) {
				memcpy(b->data, target, tlen);
				bdirty(fs, b);
				brelse(fs, b);
			}
		}
		ino->size = tlen;
	}
	if (rc == 0)
		rc = write_inode(fs, ino);
	if (rc == 0)
		rc = dir_add(fs, dir, name, len, (uint32_t)ino->ino, ext2_file_type(mode));
	if (rc < 0 && ino)
		ino->nlink = 0; /* evict frees it */
	if (rc == 0)
		rc = maybe_commit(fs);
	if (ino && (rc < 0 || !out))
		inode_put(ino);
	else if (ino)
		*out = ino;
	fs_unlock(fs);
	return rc;
}

static int ext2_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
		       struct inode **out)
{
	return make(dir, name, len, mode, 0, NULL, out);
}

static int ext2_mkdir(struct inode *dir, const char *name, size_t len, uint32_t mode)
{
	if (dir->nlink >= 65000)
		return -EMLINK;
	return make(dir, name, len, S_IFDIR | (mode & 07777), 0, NULL, NULL);
}

static int ext2_mknod(struct inode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev)
{
	return make(dir, name, len, mode, rdev, NULL, NULL);
}

static int ext2_symlink(struct inode *dir, const char *name, size_t len, const char *target)
{
	return make(dir, name, len, S_IFLNK | 0777, 0, target, NULL);
}

static int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	struct ext2_fs *fs = fs_of(dir->sb);
	if (target->sb != dir->sb)
		return -EXDEV;
	if (target->nlink >= 65000)
		return -EMLINK;
	fs_lock(fs);
	int rc = exists(fs, dir, name, len);
	if (rc == 0)
		rc = dir_add(fs, dir, name, len, (uint32_t)target->ino, ext2_file_type(target->mode));
	if (rc == 0) {
		target->nlink++;
		inode_touch(target, false, true);
		rc = write_inode(fs, target);
	}
	if (rc == 0)
		rc = maybe_commit(fs);
	fs_unlock(fs);
	return rc;
}

/* ino lost a name; with none left it is freed when the last reference
 * goes (now, unless it is open). */
static int drop_link(struct ext2_fs *fs, struct inode *ino)
{
	if (S_ISDIR(ino->mode)) {
		ino->nlink = 0;
		set_parent(ino, NULL);
	} else if (ino->nlink) {
		ino->nlink--;
	}
	inode_touch(ino, false, true);
	int rc = write_inode(fs, ino);
	if (rc == 0 && ino->nlink == 0 && ino->refcount > 1)
		rc = orphan_add(fs, ino);
	return rc;
}

static int remove(struct inode *dir, const char *name, size_t len, bool want_dir)
{
	struct ext2_fs *fs = fs_of(dir->sb);
	fs_lock(fs);
	struct inode *victim;
	int rc = lookup_locked(fs, dir, name, len, &victim);
	if (rc < 0) {
		fs_unlock(fs);
		return rc;
	}
	if (want_dir && !S_ISDIR(victim->mode))
		rc = -ENOTDIR;
	else if (!want_dir && S_ISDIR(victim->mode))
		rc = -EISDIR;
	else if (want_dir && victim->mounted)
		rc = -EBUSY;
	else if (want_dir && (rc = dir_is_empty(fs, victim)) >= 0)
		rc = rc ? 0 : -ENOTEMPTY;
	if (rc == 0)
		rc = dir_remove(fs, dir, name, len);
	if (rc == 0 && want_dir)
		dir->nlink--;
	if (rc == 0)
		rc = drop_link(fs, victim);
	inode_put(victim);
	if (rc == 0)
		rc = maybe_commit(fs);
	fs_unlock(fs);
	return rc;
}

static int ext2_unlink(struct inode *dir, const char *name, size_t len)
{
	return remove(dir, name, len, false);
}

static int ext2_rmdir(struct inode *dir, const char *name, size_t len)
{
	return remove(dir, name, len, true);
}

static int rename_locked(struct ext2_fs *fs, struct inode *odir, const char *oname, size_t olen,
			 struct inode *ndir, const char *nname, size_t nlen, unsigned flags,
			 struct inode *src)
{
	struct inode *dst = NULL;
	int rc = lookup_locked(fs, ndir, nname, nlen, &dst);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	rc = 0;
	if (dst && (flags & RENAME_NOREPLACE))
		rc = -EEXIST;
	else if (dst == src)
		rc = 1; /* the same inode: nothing to do */
	else if (S_ISDIR(src->mode) && is_within(ndir, src))
		rc = -EINVAL;
	else if (dst && S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
		rc = -ENOTDIR;
	else if (dst && !S_ISDIR(src->mode) && S_ISDIR(dst->mode))
		rc = -EISDIR;
	else if (dst && S_ISDIR(dst->mode) && (rc = dir_is_empty(fs, dst)) >= 0)
		rc = rc ? 0 : -ENOTEMPTY;
	uint8_t type = ext2_file_type(src->mode);
	if (rc == 0 && dst) {
		rc = dir_set(fs, ndir, nname, nlen, (uint32_t)src->ino, type);
		if (rc == 0 && S_ISDIR(dst->mode))
			ndir->nlink--;
		if (rc == 0)
			rc = drop_link(fs, dst);
	} else if (rc == 0) {
		rc = dir_add(fs, ndir, nname, nlen, (uint32_t)src->ino, type);
	}
	if (rc == 0)
		rc = dir_remove(fs, odir, oname, olen);
	if (rc == 0 && S_ISDIR(src->mode)) {
		if (odir != ndir) {
			rc = dir_set(fs, src, "..", 2, (uint32_t)ndir->ino, EXT2_FT_DIR);
			odir->nlink--;
			ndir->nlink++;
		}
		set_dir_name(src, ndir, nname, nlen);
	}
	if (rc == 0)
		inode_touch(src, false, true);
	inode_put(dst);
	return rc > 0 ? 0 : rc;
}

static int ext2_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		       const char *nname, size_t nlen, unsigned flags)
{
	struct ext2_fs *fs = fs_of(odir->sb);
	if (ndir->sb != odir->sb)
		return -EXDEV;
	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE and WHITEOUT: as Linux's ext2 */
	if (nlen > NAME_MAX)
		return -ENAMETOOLONG;
	fs_lock(fs);
	struct inode *src;
	int rc = lookup_locked(fs, odir, oname, olen, &src);
	if (rc == 0) {
		rc = rename_locked(fs, odir, oname, olen, ndir, nname, nlen, flags, src);
		inode_put(src);
	}
	if (rc == 0)
		rc = maybe_commit(fs);
	fs_unlock(fs);
	return rc;
}

static int ext2_iterate(struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx)
{
	struct ext2_fs *fs = fs_of(dir->sb);
	fs_lock(fs);
	int rc = dir_iterate(fs, dir, pos, emit, ctx);
	fs_unlock(fs);
	return rc;
}

static int ext2_readlink(struct inode *ino, char *buf, size_t size)
{
	struct ext2_fs *fs = fs_of(ino->sb);
	size_t len = ino->size < size ? ino->size : size;
	if (ext2_inode_fast_link(&fs->g, &node_of(ino)->di)) {
		memcpy(buf, node_of(ino)->di.block, len);
		return (int)len;
	}
	if (ino->size >= fs->g.block_size)
		return -EIO;
	fs_lock(fs);
	uint32_t blk;
	struct buf *b;
	int rc = bmap(fs, ino, 0, false, &blk);
	if (rc == 0 && !blk)
		rc = -EIO;
	if (rc == 0)
		rc = bread(fs, blk, &b);
	if (rc == 0) {
		memcpy(buf, b->data, len);
		brelse(fs, b);
		rc = (int)len;
	}
	fs_unlock(fs);
	return rc;
}

static int truncate_locked(struct ext2_fs *fs, struct inode *ino, uint64_t size)
{
	uint32_t bs = fs->g.block_size;
	if (size > ext2_max_file_size(&fs->g))
		return -EFBIG;
	int rc = 0;
	if (size < ino->size) {
		rc = bmap_truncate(fs, ino, (uint32_t)((size + bs - 1) / bs));
		/* Bytes past the new end in its last block read as zero later. */
		uint32_t blk;
		if (rc == 0 && size % bs && bmap(fs, ino, (uint32_t)(size / bs), false, &blk) == 0 && blk) {
			struct buf *b;
			rc = bread(fs, blk, &b);
			if (rc == 0) {
				memset(b->data + size % bs, 0, bs - size % bs);
				bdirty(fs, b);
				brelse(fs, b);
			}
		}
	}
	if (rc == 0) {
		uint64_t old = ino->size;
		ino->size = size;
		pages_resized(ino, old);
		inode_touch(ino, true, true);
		rc = write_inode(fs, ino);
	}
	return rc;
}

static int ext2_truncate(struct inode *ino, uint64_t size)
{
	struct ext2_fs *fs = fs_of(ino->sb);
	fs_lock(fs);
	int rc = truncate_locked(fs, ino, size);
	if (rc == 0)
		rc = maybe_commit(fs);
	fs_unlock(fs);
	return rc;
}

/*
 * The blocks of a read of len bytes at off, asked of the disk in batches
 * before the read copies them one by one (a 1 MiB read was 256 round trips
 * to the device, one at a time). At most a quarter of the block cache, so
 * that what it reads ahead is still there when the copy gets to it.
 */
static void read_ahead(struct ext2_fs *fs, struct inode *ino, uint64_t off, size_t len)
{
	uint32_t bs = fs->g.block_size;
	if (len <= bs)
		return;
	uint64_t first = off / bs, end = (off + len + bs - 1) / bs;
	if (end - first > fs->max_bufs / 4)
		end = first + fs->max_bufs / 4;
	uint32_t blks[PREFETCH_MAX];
	unsigned n = 0;
	for (uint64_t fb = first; fb < end; fb++) {
		if (bmap(fs, ino, (uint32_t)fb, false, &blks[n]) == 0 && blks[n])
			n++;
		if (n == PREFETCH_MAX || (fb + 1 == end && n)) {
			bprefetch(fs, blks, n);
			n = 0;
		}
	}
}

static int64_t ext2_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t len = iov_iter_count(to);
	struct ext2_fs *fs = fs_of(ino->sb);
	uint32_t bs = fs->g.block_size;
	fs_lock(fs);
	if (*pos >= ino->size)
		len = 0;
	else if (len > ino->size - *pos)
		len = ino->size - *pos;
	read_ahead(fs, ino, *pos, len);
	size_t done = 0;
	int rc = 0;
	while (done < len) {
		uint64_t off = *pos + done;
		size_t in_block = bs - off % bs;
		size_t n = len - done < in_block ? len - done : in_block;
		/* A page mmap holds is what the file has (a shared mapping may
		 * have changed it since its blocks were written). */
		int64_t cached = pages_copy_out(ino, off, n, to);
		if (cached >= 0) {
			done += (size_t)cached;
			if ((size_t)cached < n) {
				rc = -EFAULT;
				break;
			}
			continue;
		}
		uint32_t blk;
		rc = bmap(fs, ino, (uint32_t)(off / bs), false, &blk);
		if (rc == 0 && blk) {
			struct buf *b;
			rc = bread(fs, blk, &b);
			if (rc == 0) {
				size_t put = copy_to_iter(b->data + off % bs, n, to);
				brelse(fs, b);
				done += put;
				rc = put < n ? -EFAULT : 0;
			}
		} else if (rc == 0) {
			size_t put = iov_iter_zero(n, to);
			done += put;
			rc = put < n ? -EFAULT : 0;
		}
		if (rc < 0)
			break;
	}
	fs_unlock(fs);
	if (rc < 0 && !done)
		return rc;
	*pos += done;
	return (int64_t)done;
}

static int64_t ext2_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t len = iov_iter_count(from);
	struct ext2_fs *fs = fs_of(ino->sb);
	uint32_t bs = fs->g.block_size;
	if (fs->vfs.readonly)
		return -EROFS;
	fs_lock(fs);
	if (f->flags & O_APPEND)
		*pos = ino->size;
	uint64_t max = ext2_max_file_size(&fs->g);
	if (*pos >= max) {
		fs_unlock(fs);
		return -EFBIG;
	}
	if (len > max - *pos)
		len = max - *pos;
	size_t done = 0;
	int rc = 0;
	while (done < len) {
		uint64_t off = *pos + done;
		size_t in_block = bs - off % bs;
		size_t n = len - done < in_block ? len - done : in_block;
		uint32_t blk;
		struct buf *b;
		rc = bmap(fs, ino, (uint32_t)(off / bs), true, &blk);
		if (rc == 0)
			rc = bread(fs, blk, &b);
		if (rc < 0)
			break;
		size_t put = copy_from_iter(b->data + off % bs, n, from);
		if (off + put > ino->size) {
			uint64_t old = ino->size;
			ino->size = off + put;
			pages_resized(ino, old);
		}
		pages_copy_in(ino, off, b->data + off % bs, put);
		bdirty(fs, b);
		brelse(fs, b);
		done += put;
		if (put < n) {
			rc = -EFAULT;
			break;
		}
		/* A long write commits along the way, its inode up to date. */
		if (fs->tx_len >= fs->tx_limit / 2) {
			rc = commit(fs);
			if (rc < 0)
				break;
		}
	}
	if (done) {
		inode_touch(ino, true, true);
		write_inode(fs, ino);
		maybe_commit(fs);
	}
	fs_unlock(fs);
	if (rc < 0 && !done)
		return rc;
	*pos += done;
	return (int64_t)done;
}

#define FALLOC_FL_KEEP_SIZE 0x01

/* The file blocks one fallocate filled holes with, for undoing it. */
struct filled {
	uint32_t *fblocks;
	uint32_t n, cap;
};

static int filled_add(struct filled *f, uint32_t fblock)
{
	if (f->n == f->cap) {
		uint32_t cap = f->cap ? 2 * f->cap : 64;
		uint32_t *more = kmalloc(cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		memcpy(more, f->fblocks, f->n * sizeof(*more));
		kfree(f->fblocks);
		f->fblocks = more;
		f->cap = cap;
	}
	f->fblocks[f->n++] = fblock;
	return 0;
}

/*
 * fallocate(2) mode 0 and FALLOC_FL_KEEP_SIZE: the holes of the range get
 * zeroed blocks, and mode 0 moves the end of the file to the range's end.
 * ext2 has no unwritten extents, so a block past the end of the file is
 * damage to e2fsck ("i_size is ..., should be ..."): FALLOC_FL_KEEP_SIZE
 * past the end is EOPNOTSUPP, as is every other mode (Linux's ext2, and
 * ext4 on a file without extents, refuse them all; glibc's
 * posix_fallocate then writes zeros itself). The end moves as blocks are
 * added, so a commit along the way never has blocks past it. A call that
 * fails gives back what it took: the blocks it added and the size.
 */
static int ext2_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	struct ext2_fs *fs = fs_of(ino->sb);
	uint32_t bs = fs->g.block_size;
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	if (fs->vfs.readonly)
		return -EROFS;
	uint64_t end = off + len;
	if (end > ext2_max_file_size(&fs->g))
		return -EFBIG;
	fs_lock(fs);
	if ((mode & FALLOC_FL_KEEP_SIZE) && end > ino->size) {
		fs_unlock(fs);
		return -EOPNOTSUPP;
	}
	uint64_t old = ino->size;
	uint32_t old_blocks = (uint32_t)((old + bs - 1) / bs);
	struct filled filled = { 0 };
	int rc = 0;
	for (uint64_t fb = off / bs; fb < (end + bs - 1) / bs && rc == 0; fb++) {
		uint32_t blk;
		rc = bmap(fs, ino, (uint32_t)fb, false, &blk);
		if (rc < 0 || blk)
			continue;
		if (fb < old_blocks)
			rc = filled_add(&filled, (uint32_t)fb);
		if (rc == 0)
			rc = bmap(fs, ino, (uint32_t)fb, true, &blk);
		if (rc == 0 && fb >= old_blocks) {
			uint64_t to = (fb + 1) * bs < end ? (fb + 1) * bs : end;
			if (to > ino->size)
				ino->size = to;
		}
		if (rc == 0 && fs->tx_len >= fs->tx_limit / 2)
			rc = commit(fs);
	}
	if (rc < 0) {
		/* Given back: the holes it filled, the blocks past the old
		 * end, and the old size (indirect blocks it added stay, empty). */
		for (uint32_t i = 0; i < filled.n; i++)
			bmap_free_one(fs, ino, filled.fblocks[i]);
		if (ino->size > old) {
			ino->size = old;
			bmap_truncate(fs, ino, old_blocks);
		}
	} else if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size) {
		ino->size = end;
	}
	kfree(filled.fblocks);
	if (ino->size != old)
		pages_resized(ino, old);
	if (rc == 0) {
		inode_touch(ino, ino->size != old, true);
		rc = write_inode(fs, ino);
	} else {
		write_inode(fs, ino);
	}
	if (rc == 0)
		rc = maybe_commit(fs);
	fs_unlock(fs);
	return rc;
}

/* i_blocks, as Linux reports it: data and indirect blocks (a sparse
 * file's holes hold none). */
static uint64_t ext2_blocks(struct inode *ino)
{
	return node_of(ino)->di.blocks;
}

static int ext2_get_page(struct inode *ino, uint64_t pgoff, bool writable, uint64_t *pa)
{
	struct ext2_fs *fs = fs_of(ino->sb);
	fs_lock(fs);
	int rc = pages_get(fs, ino, pgoff, writable, pa);
	fs_unlock(fs);
	return rc;
}

/* msync and munmap: the mapping's writes go into the blocks, and are
 * committed (msync(MS_SYNC) is fsync for the range, as on Linux). */
static int ext2_sync_pages(struct inode *ino, uint64_t first, uint64_t end)
{
	struct ext2_fs *fs = fs_of(ino->sb);
	if (fs->vfs.readonly)
		return 0;
	fs_lock(fs);
	int rc = pages_writeback(fs, ino, first, end);
	int rc2 = commit(fs);
	fs_unlock(fs);
	return rc < 0 ? rc : rc2;
}

static const struct inode_ops dir_ops = {
	.blocks = ext2_blocks,
	.lookup = ext2_lookup,
	.create = ext2_create,
	.mkdir = ext2_mkdir,
	.mknod = ext2_mknod,
	.symlink = ext2_symlink,
	.link = ext2_link,
	.unlink = ext2_unlink,
	.rmdir = ext2_rmdir,
	.rename = ext2_rename,
	.iterate = ext2_iterate,
	.evict = ext2_evict,
};

static const struct inode_ops file_iops = {
	.blocks = ext2_blocks,
	.truncate = ext2_truncate,
	.fallocate = ext2_fallocate,
	.get_page = ext2_get_page,
	.sync_pages = ext2_sync_pages,
	.evict = ext2_evict,
};

static const struct inode_ops link_ops = {
	.blocks = ext2_blocks,
	.readlink = ext2_readlink,
	.evict = ext2_evict,
};

static const struct inode_ops special_ops = {
	.evict = ext2_evict,
};

static const struct file_ops file_fops = {
	.read = ext2_read,
	.write = ext2_write,
	.seekable = true,
};

static int ext2_statfs(struct superblock *sb, struct linux_statfs *st)
{
	struct ext2_fs *fs = fs_of(sb);
	memset(st, 0, sizeof(*st));
	uint64_t free_blocks = 0, free_inodes = 0;
	for (uint32_t i = 0; i < fs->g.groups; i++) {
		free_blocks += fs->groups[i].free_blocks;
		free_inodes += fs->groups[i].free_inodes;
	}
	uint32_t reserved = le32(fs->sb_raw + SB_R_BLOCKS_COUNT);
	st->f_type = EXT2_MAGIC;
	st->f_bsize = st->f_frsize = fs->g.block_size;
	st->f_blocks = fs->g.blocks_count;
	st->f_bfree = free_blocks;
	st->f_bavail = free_blocks > reserved ? free_blocks - reserved : 0;
	st->f_files = fs->g.inodes_count;
	st->f_ffree = free_inodes;
	st->f_namelen = NAME_MAX;
	return 0;
}

static int ext2_fsync(struct superblock *sb)
{
	struct ext2_fs *fs = fs_of(sb);
	fs_lock(fs);
	int rc = commit(fs);
	fs_unlock(fs);
	return rc;
}

/* Sets or clears needs_recovery in the superblock, written in place. */
static int set_recover(struct ext2_fs *fs, bool on)
{
	struct buf *b;
	int rc = bread(fs, EXT2_SUPER_OFFSET / fs->g.block_size, &b);
	if (rc < 0)
		return rc;
	uint8_t *s = b->data + EXT2_SUPER_OFFSET % fs->g.block_size;
	uint32_t incompat = le32(s + SB_FEATURE_INCOMPAT);
	incompat = on ? incompat | EXT2_INCOMPAT_RECOVER : incompat & ~(uint32_t)EXT2_INCOMPAT_RECOVER;
	put_le32(s + SB_FEATURE_INCOMPAT, incompat);
	if (on)
		put_le32(s + SB_MTIME, now_s());
	put_le32(s + SB_WTIME, now_s());
	rc = blkdev_write(fs->dev, (uint64_t)b->blk * fs->g.block_size, b->data, fs->g.block_size);
	brelse(fs, b);
	return rc < 0 ? rc : blkdev_flush(fs->dev);
}

int ext2_sync(struct superblock *sb)
{
	struct ext2_fs *fs = fs_of(sb);
	if (fs->vfs.readonly)
		return 0;
	fs_lock(fs);
	int rc = commit(fs);
	if (rc == 0)
		rc = journal_unmount(fs);
	if (rc == 0)
		rc = set_recover(fs, false);
	fs_unlock(fs);
	return rc;
}

int journal_start(struct ext2_fs *fs);

/* Frees the inodes a crash left on the orphan list (unlinked while open),
 * as e2fsck would: the last reference goes, and evict frees each. */
static void release_orphans(struct ext2_fs *fs)
{
	uint32_t cur, freed = 0;
	while ((cur = sb_read(fs, SB_LAST_ORPHAN)) != 0 && freed < fs->g.inodes_count) {
		struct inode *o;
		if (cur < fs->g.first_ino || cur > fs->g.inodes_count ||
		    iget_any(fs, cur, true, &o) < 0) {
			kprintf("ext2: %s: a bad orphan list: left to e2fsck\n", fs->dev->name);
			break;
		}
		if (o->nlink) /* not ours to free: just off the list */
			orphan_remove(fs, o);
		inode_put(o);
		freed++;
		if (sb_read(fs, SB_LAST_ORPHAN) == cur)
			break; /* evict could not take it off: do not spin */
	}
	if (freed) {
		commit(fs);
		kprintf("ext2: %s: freed %u inodes unlinked while open before a crash\n",
			fs->dev->name, freed);
	}
}

static int read_groups(struct ext2_fs *fs, const char **why)
{
	fs->groups = kmalloc(sizeof(struct ext2_group) * fs->g.groups);
	if (!fs->groups) {
		*why = "out of memory for the group descriptors";
		return -1;
	}
	uint32_t per = fs->g.block_size / EXT2_DESC_SIZE;
	for (uint32_t i = 0; i < fs->g.groups; i++) {
		struct buf *b;
		if (bread(fs, fs->g.first_data_block + 1 + i / per, &b) < 0) {
			*why = "cannot read the group descriptors";
			return -1;
		}
		int rc = ext2_group_parse(&fs->g, i, b->data + (i % per) * EXT2_DESC_SIZE,
					  &fs->groups[i], why);
		brelse(fs, b);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int read_super(struct ext2_fs *fs, const char **why)
{
	if (blkdev_read(fs->dev, EXT2_SUPER_OFFSET, fs->sb_raw, EXT2_SUPER_SIZE) < 0) {
		*why = "cannot read the superblock";
		return -1;
	}
	return ext2_super_parse(fs->sb_raw, fs->dev->sectors * BLK_SECTOR, &fs->g, why);
}

/* Drops every cached block (after the replay wrote the disk directly). */
static void forget_all(struct ext2_fs *fs)
{
	for (unsigned i = 0; i < BCACHE_HASH; i++)
		while (fs->hash[i])
			bforget(fs, fs->hash[i]->blk);
}

static int mount_checks(struct ext2_fs *fs, bool want_ro, const char **why)
{
	if (read_super(fs, why) < 0)
		return -1;
	fs->readonly = want_ro || fs->dev->readonly || fs->g.readonly;
	if (bcache_init(fs) < 0 || read_groups(fs, why) < 0)
		return -1;
	if (!fs->g.journal_inum) {
		if (!fs->readonly)
			kprintf("ext2: %s: no journal, so no crash safety: mounted read-only "
				"(make the disk with `unipython disk create`)\n", fs->dev->name);
		fs->readonly = true;
		return 0;
	}
	if (journal_load(fs, why) < 0)
		return -1;
	if (fs->g.needs_recovery || fs->j.start) {
		/* The replay may have rewritten the superblock and descriptors. */
		forget_all(fs);
		kfree(fs->groups);
		uint32_t seq = fs->seq;
		if (read_super(fs, why) < 0 || read_groups(fs, why) < 0)
			return -1;
		fs->seq = seq;
	}
	return 0;
}

struct superblock *ext2_mount(struct blkdev *dev, uint32_t vfs_dev, bool readonly,
			      const char **why)
{
	struct ext2_fs *fs = kzalloc(sizeof(*fs));
	if (!fs) {
		*why = "out of memory";
		return NULL;
	}
	fs->dev = dev;
	pages_init(fs);
	if (mount_checks(fs, readonly, why) < 0)
		return NULL; /* what was allocated stays: a failed mount happens once */
	fs->vfs.type = "ext3";
	fs->vfs.magic = EXT2_MAGIC;
	fs->vfs.dev = vfs_dev;
	fs->vfs.readonly = fs->readonly;
	fs->vfs.statfs = ext2_statfs;
	fs->vfs.sync = ext2_fsync;
	fs->vfs.unmount_sync = ext2_sync;
	fs_lock(fs);
	struct inode *root;
	int rc = iget(fs, EXT2_ROOT_INO, &root);
	if (rc < 0 || !S_ISDIR(root->mode)) {
		*why = "the root inode is not a directory";
		fs_unlock(fs);
		return NULL;
	}
	fs->vfs.root = root;
	if (!fs->readonly && (set_recover(fs, true) < 0 || journal_start(fs) < 0)) {
		*why = "cannot write to the disk";
		fs_unlock(fs);
		return NULL;
	}
	if (!fs->readonly)
		release_orphans(fs);
	fs_unlock(fs);
	return &fs->vfs;
}
