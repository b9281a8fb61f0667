/*
 * A host directory as a file system (9P2000.L over virtio-9p): the VFS
 * operations become 9P requests (p9_client.h).
 *
 * Inodes. Each holds a fid walked to its file (never opened; for walks,
 * getattr, setattr, and as the directory of creations) and is found again
 * by the qid's path, the host's inode number, so two names of one file
 * (hard links) and two lookups of one name are one inode: record locks and
 * getcwd need that. A directory holds a reference on its parent, whose
 * name it keeps, for ".." and getcwd. Attributes come from the host at
 * every lookup; between lookups the guest's own changes keep them current
 * (the volume has one writer: this VM).
 *
 * Data. read and write go to the host directly through the open file's
 * fid; the guest keeps no copy, except of the pages mmap asked for (the
 * page cache, `pages`), which read and write keep in step. Pages a shared
 * writable mapping was given are marked dirty and written back by msync,
 * munmap, fsync and when the app exits (vfs_sync_all); they stay marked,
 * since a mapping may write them again.
 *
 * Containment. The guest walks one name at a time and resolves symlinks
 * itself (fs/namei.c), so a link on the host that points outside the
 * volume leads into the guest's own tree, never the host's; ".." is the
 * VFS's (at the volume's root it leaves the mount, into the guest), and
 * names from the host with '/' are refused by the codec. QEMU itself opens
 * each component with O_NOFOLLOW relative to the export.
 */
#include "fs/ninep/ninepfs.h"

#include "arch/x86_64/memlayout.h"
#include "core/cred.h"
#include "fs/ninep/p9_client.h"
#include "fs/page_index.h"
#include "fs/pipe.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

#define V9FS_MAGIC 0x01021997
#define NINEP_BUCKETS 256
#define PAGE_DIRTY 0x1ull /* in a page index value: given to a shared writable mapping */

struct ninep_sb {
	struct superblock sb;
	struct p9_client *c;
	struct ninep_inode *buckets[NINEP_BUCKETS]; /* the live inodes, by qid path */
};

struct ninep_inode {
	struct inode *ino;
	struct ninep_inode *next; /* in its bucket */
	uint64_t qpath;
	uint32_t fid;      /* walked to the file, not opened */
	uint32_t dir_fid;  /* directories: opened for readdir and fsync (or NOFID) */
	uint32_t io_fid;   /* files: opened for the page cache (or NOFID) */
	bool io_writable;
	uint32_t created_fid; /* files just created: the creating open's fid, for the first open */
	char *own_name;    /* directories: the storage behind ino->name */
	bool reading_dir;  /* a thread is in readdir on dir_fid (one at a time) */
	struct waitq dir_turn;
	struct page_index pages;
};

static const struct inode_ops ninep_dir_ops, ninep_file_iops, ninep_link_ops, ninep_special_ops;
static const struct file_ops ninep_fops, ninep_dir_fops;

static struct ninep_sb *nsb(const struct inode *ino)
{
	return (struct ninep_sb *)ino->sb;
}

static struct p9_client *client(const struct inode *ino)
{
	return nsb(ino)->c;
}

static struct ninep_inode *ni(const struct inode *ino)
{
	return ino->priv;
}

static uint32_t fid_of(const struct inode *ino)
{
	return ni(ino)->fid;
}

static struct ninep_inode **bucket(struct ninep_sb *s, uint64_t qpath)
{
	return &s->buckets[(qpath ^ (qpath >> 8)) % NINEP_BUCKETS];
}

static struct ninep_inode *cached(struct ninep_sb *s, uint64_t qpath)
{
	for (struct ninep_inode *n = *bucket(s, qpath); n; n = n->next)
		if (n->qpath == qpath)
			return n;
	return NULL;
}

/* Takes n out of the cache (if it is there): a file with no name left may
 * live on for its holders, but the host may give its number to a new file. */
static void uncache(struct ninep_sb *s, struct ninep_inode *n)
{
	struct ninep_inode **pp = bucket(s, n->qpath);
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
	n->next = NULL;
}

static struct linux_timespec ts(uint64_t sec, uint64_t nsec)
{
	return (struct linux_timespec){ (int64_t)sec, (int64_t)nsec };
}

static void apply_attr(struct inode *ino, const struct p9_attr *a)
{
	ino->mode = a->mode;
	ino->nlink = (uint32_t)a->nlink;
	ino->uid = a->uid;
	ino->gid = a->gid;
	ino->rdev = (uint32_t)a->rdev;
	ino->size = S_ISDIR(a->mode) ? 4096 : a->size;
	ino->atime = ts(a->atime_sec, a->atime_nsec);
	ino->mtime = ts(a->mtime_sec, a->mtime_nsec);
	ino->ctime = ts(a->ctime_sec, a->ctime_nsec);
}

static int set_name(struct inode *dir, struct inode *parent, const char *name, size_t len)
{
	char *copy = kmalloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
	kfree(ni(dir)->own_name);
	ni(dir)->own_name = copy;
	dir->name = copy;
	dir->name_len = len;
	if (dir->parent != parent) {
		inode_put(dir->parent);
		dir->parent = inode_get(parent);
	}
	return 0;
}

/* The inode for the file fid was walked to (its attributes in a), found as
 * name in parent (NULL for the root). Takes over fid: a known inode keeps
 * its own and fid is clunked. Returns a new reference. */
static int inode_for(struct ninep_sb *s, uint32_t fid, const struct p9_attr *a,
		     struct inode *parent, const char *name, size_t len, struct inode **out)
{
	struct ninep_inode *n = cached(s, a->qid.path);
	if (n && (n->ino->mode & S_IFMT) != (a->mode & S_IFMT)) {
		/* One qid for two kinds of file: the host is confused (or lying);
		 * the inode's operations are made for its kind, so it keeps it. */
		p9_clunk(s->c, fid);
		return -EIO;
	}
	if (n) {
		/* Our reference first: the clunk sleeps, and evict takes an inode
		 * out of its bucket before it sleeps, so a cached one is alive. */
		struct inode *ino = inode_get(n->ino);
		apply_attr(ino, a);
		if (S_ISDIR(ino->mode) && parent && (ino->parent != parent || ino->name_len != len ||
						     memcmp(ino->name, name, len) != 0))
			set_name(ino, parent, name, len); /* renamed on the host */
		p9_clunk(s->c, fid);
		*out = ino;
		return 0;
	}
	struct inode *ino = inode_new(&s->sb, a->mode);
	n = kzalloc(sizeof(*n));
	if (!ino || !n) {
		kfree(ino);
		kfree(n);
		p9_clunk(s->c, fid);
		return -ENOMEM;
	}
	n->ino = ino;
	n->qpath = a->qid.path;
	n->fid = fid;
	n->dir_fid = n->io_fid = n->created_fid = P9_NOFID;
	ino->priv = n;
	ino->ino = a->qid.path;
	apply_attr(ino, a);
	switch (a->mode & S_IFMT) {
	case S_IFDIR:
		ino->ops = &ninep_dir_ops;
		ino->fops = &ninep_dir_fops;
		if (parent && set_name(ino, parent, name, len) < 0) {
			p9_clunk(s->c, fid);
			kfree(n);
			kfree(ino);
			return -ENOMEM;
		}
		break;
	case S_IFREG:
		ino->ops = &ninep_file_iops;
		ino->fops = &ninep_fops;
		break;
	case S_IFLNK:
		ino->ops = &ninep_link_ops;
		break;
	case S_IFIFO:
		/* A FIFO on a volume is a pipe inside the guest, as on Linux's 9p. */
		ino->ops = &ninep_special_ops;
		ino->fops = &fifo_ops;
		break;
	default:
		/* Device nodes and sockets of the host lead nowhere: ENXIO. */
		ino->ops = &ninep_special_ops;
		break;
	}
	n->next = *bucket(s, n->qpath);
	*bucket(s, n->qpath) = n;
	*out = ino;
	return 0;
}

/* Walks a new fid to name in dir and makes (or finds) its inode. */
static int walk_to(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct p9_client *c = client(dir);
	uint32_t fid = p9_fid_new(c);
	int rc = p9_walk(c, fid_of(dir), fid, name, len, NULL);
	if (rc < 0)
		return rc;
	struct p9_attr a;
	rc = p9_getattr(c, fid, &a);
	if (rc < 0) {
		p9_clunk(c, fid);
		return rc;
	}
	return inode_for(nsb(dir), fid, &a, dir, name, len, out);
}

/* The inode for name in dir if the guest has one now (no reference), for
 * operations that change what the host has under that name. */
static struct inode *known(struct inode *dir, const char *name, size_t len)
{
	struct p9_client *c = client(dir);
	uint32_t fid = p9_fid_new(c);
	struct p9_qid qid;
	if (p9_walk(c, fid_of(dir), fid, name, len, &qid) < 0)
		return NULL;
	p9_clunk(c, fid);
	struct ninep_inode *n = cached(nsb(dir), qid.path);
	return n ? n->ino : NULL;
}

static int ninep_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	return walk_to(dir, name, len, out);
}

static uint32_t open_flags(unsigned flags)
{
	/* The host file is opened for what the guest's open asked; O_APPEND,
	 * O_TRUNC and creation are done by the guest itself. */
	return (flags & O_ACCMODE) | O_LARGEFILE;
}

/* An opened fid on ino's file (a copy of its walked fid). */
static int open_fid(struct inode *ino, uint32_t flags, uint32_t *out)
{
	struct p9_client *c = client(ino);
	uint32_t fid = p9_fid_new(c);
	int rc = p9_walk(c, fid_of(ino), fid, NULL, 0, NULL);
	if (rc < 0)
		return rc;
	rc = p9_lopen(c, fid, flags);
	if (rc < 0) {
		p9_clunk(c, fid);
		return rc;
	}
	*out = fid;
	return 0;
}

static int ninep_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
			struct inode **out)
{
	struct p9_client *c = client(dir);
	uint32_t fid = p9_fid_new(c);
	int rc = p9_walk(c, fid_of(dir), fid, NULL, 0, NULL);
	if (rc < 0)
		return rc;
	struct p9_qid qid;
	rc = p9_lcreate(c, fid, name, len, O_RDWR | O_CREAT | O_EXCL | O_LARGEFILE, mode & 07777,
			cred.fsgid, &qid);
	if (rc < 0) {
		p9_clunk(c, fid);
		return rc;
	}
	rc = walk_to(dir, name, len, out);
	if (rc < 0) {
		p9_clunk(c, fid);
		return rc;
	}
	/* The created fid is open read-write whatever mode the file got: the
	 * open that created it uses it (open(O_CREAT|O_WRONLY, 0444) works). */
	struct ninep_inode *n = ni(*out);
	if (n->created_fid != P9_NOFID)
		p9_clunk(c, n->created_fid);
	n->created_fid = fid;
	return 0;
}

static int ninep_mkdir(struct inode *dir, const char *name, size_t len, uint32_t mode)
{
	return p9_mkdir(client(dir), fid_of(dir), name, len, mode & 07777, cred.fsgid);
}

static int ninep_mknod(struct inode *dir, const char *name, size_t len, uint32_t mode,
		       uint32_t rdev)
{
	return p9_mknod(client(dir), fid_of(dir), name, len, mode, rdev, cred.fsgid);
}

static int ninep_symlink(struct inode *dir, const char *name, size_t len, const char *target)
{
	return p9_symlink(client(dir), fid_of(dir), name, len, target, strlen(target), cred.fsgid);
}

static int ninep_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	if (target->sb != dir->sb)
		return -EXDEV;
	int rc = p9_link(client(dir), fid_of(dir), fid_of(target), name, len);
	if (rc == 0) {
		target->nlink++;
		inode_touch(target, false, true);
	}
	return rc;
}

static int ninep_unlink(struct inode *dir, const char *name, size_t len)
{
	struct inode *victim = known(dir, name, len);
	int rc = p9_unlinkat(client(dir), fid_of(dir), name, len, 0);
	if (rc == 0) {
		if (victim && victim->nlink)
			victim->nlink--;
		if (victim && victim->nlink == 0)
			uncache(nsb(dir), ni(victim));
		inode_touch(dir, true, true);
	}
	return rc;
}

static int ninep_rmdir(struct inode *dir, const char *name, size_t len)
{
	struct inode *victim = known(dir, name, len);
	if (victim && victim->mounted)
		return -EBUSY;
	int rc = p9_unlinkat(client(dir), fid_of(dir), name, len, P9_AT_REMOVEDIR);
	if (rc == 0) {
		if (victim && victim != dir) {
			victim->nlink = 0;
			uncache(nsb(dir), ni(victim));
			/* getcwd() inside it now fails with ENOENT, as on tmpfs. */
			struct inode *parent = victim->parent;
			victim->parent = NULL;
			inode_put(parent);
		}
		inode_touch(dir, true, true);
	}
	return rc;
}

static int ninep_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
			const char *nname, size_t nlen, unsigned flags)
{
	if (ndir->sb != odir->sb)
		return -EXDEV;
	/* 9P's renameat has no flags: NOREPLACE is checked here (the volume
	 * has one writer), EXCHANGE is not offered, as Linux's 9p. */
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	struct inode *moved = known(odir, oname, olen);
	struct inode *replaced = known(ndir, nname, nlen);
	if ((flags & RENAME_NOREPLACE) && replaced)
		return -EEXIST;
	if (moved && moved == replaced)
		return 0; /* two links to the same inode: POSIX says do nothing */
	int rc = p9_renameat(client(odir), fid_of(odir), oname, olen, fid_of(ndir), nname, nlen);
	if (rc < 0)
		return rc;
	if (replaced && replaced->nlink)
		replaced->nlink = S_ISDIR(replaced->mode) ? 0 : replaced->nlink - 1;
	if (replaced && replaced->nlink == 0)
		uncache(nsb(odir), ni(replaced));
	if (moved && S_ISDIR(moved->mode))
		set_name(moved, ndir, nname, nlen);
	if (moved)
		inode_touch(moved, false, true);
	inode_touch(odir, true, true);
	inode_touch(ndir, true, true);
	return 0;
}

struct iterate_ctx {
	struct inode *dir;
	uint64_t *pos;
	dirent_fn emit;
	void *ctx;
	bool full;
};

static int one_dirent(void *arg, const struct p9_dirent *e)
{
	struct iterate_ctx *it = arg;
	uint64_t ino = e->qid.path;
	if (e->name_len == 1 && e->name[0] == '.')
		ino = it->dir->ino;
	else if (e->name_len == 2 && e->name[0] == '.' && e->name[1] == '.')
		ino = vfs_parent(it->dir)->ino; /* at the volume's root: the guest's parent */
	if (it->emit(it->ctx, e->name, e->name_len, ino, e->type, e->offset) < 0) {
		it->full = true;
		return -1;
	}
	*it->pos = e->offset;
	return 0;
}

static int dir_fid(struct inode *dir, uint32_t *out)
{
	struct ninep_inode *n = ni(dir);
	if (n->dir_fid == P9_NOFID) {
		int rc = open_fid(dir, O_RDONLY | O_DIRECTORY, &n->dir_fid);
		if (rc < 0) {
			n->dir_fid = P9_NOFID;
			return rc;
		}
	}
	*out = n->dir_fid;
	return 0;
}

/* The directory's one open fid serves every reader, one at a time: the
 * host keeps one position per fid, and requests on it from two threads at
 * once get each other's (QEMU answered the second with nothing or EINVAL). */
static int ninep_iterate(struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx)
{
	struct ninep_inode *n = ni(dir);
	while (n->reading_dir)
		sched_wait(&n->dir_turn, 0, false, "9p readdir", 0);
	n->reading_dir = true;
	uint32_t fid;
	int rc = dir_fid(dir, &fid);
	struct iterate_ctx it = { dir, pos, emit, ctx, false };
	while (rc == 0 && !it.full) {
		rc = p9_readdir(client(dir), fid, *pos, one_dirent, &it);
		if (rc > 0)
			rc = 0;
		else
			break;
	}
	n->reading_dir = false;
	sched_wake(&n->dir_turn, 1);
	return rc;
}

static int ninep_readlink(struct inode *ino, char *buf, size_t size)
{
	return p9_readlink(client(ino), fid_of(ino), buf, size);
}

static int ninep_setattr(struct inode *ino, const struct iattr *a)
{
	struct p9_setattr s = { 0 };
	if (a->valid & ATTR_MODE) {
		s.valid |= P9_SETATTR_MODE;
		s.mode = a->mode;
	}
	if (a->valid & ATTR_UID) {
		s.valid |= P9_SETATTR_UID;
		s.uid = a->uid;
	}
	if (a->valid & ATTR_GID) {
		s.valid |= P9_SETATTR_GID;
		s.gid = a->gid;
	}
	if (a->valid & ATTR_ATIME) {
		s.valid |= P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET;
		s.atime_sec = (uint64_t)a->atime.tv_sec;
		s.atime_nsec = (uint64_t)a->atime.tv_nsec;
	}
	if (a->valid & ATTR_MTIME) {
		s.valid |= P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
		s.mtime_sec = (uint64_t)a->mtime.tv_sec;
		s.mtime_nsec = (uint64_t)a->mtime.tv_nsec;
	}
	return p9_setattr(client(ino), fid_of(ino), &s);
}

/* ---- The page cache (mmap) ---- */

static void put_page(uint64_t value)
{
	frame_put(value & ~(uint64_t)(PAGE_SIZE - 1));
}

static uint64_t page_pa(uint64_t value)
{
	return value & ~(uint64_t)(PAGE_SIZE - 1);
}

/* The fid the page cache reads and writes through: opened read-write
 * when the host allows it, else read-only. */
static int io_fid(struct inode *ino, bool writable, uint32_t *out)
{
	struct ninep_inode *n = ni(ino);
	if (n->io_fid == P9_NOFID || (writable && !n->io_writable)) {
		uint32_t fid;
		int rc = open_fid(ino, O_RDWR | O_LARGEFILE, &fid);
		bool w = rc == 0;
		if (rc < 0 && !writable)
			rc = open_fid(ino, O_RDONLY | O_LARGEFILE, &fid);
		if (rc < 0)
			return rc;
		if (n->io_fid != P9_NOFID)
			p9_clunk(client(ino), n->io_fid);
		n->io_fid = fid;
		n->io_writable = w;
	}
	*out = n->io_fid;
	return 0;
}

static int ninep_get_page(struct inode *ino, uint64_t pgoff, bool writable, uint64_t *pa)
{
	if (pgoff >= (ino->size + PAGE_SIZE - 1) / PAGE_SIZE)
		return -ENXIO;
	struct ninep_inode *n = ni(ino);
	uint64_t v = page_index_get(&n->pages, pgoff);
	if (!v) {
		uint32_t fid;
		int rc = io_fid(ino, writable, &fid);
		if (rc < 0)
			return rc;
		uint64_t fresh = frame_alloc_zeroed();
		if (!fresh)
			return -ENOMEM;
		struct iov_iter it;
		iov_iter_kbuf(&it, phys_to_virt(fresh), PAGE_SIZE);
		int64_t got = p9_read(client(ino), fid, pgoff * PAGE_SIZE, &it, PAGE_SIZE);
		/* Another thread may have filled the page while this one slept. */
		v = page_index_get(&n->pages, pgoff);
		if (got < 0 || v) {
			frame_put(fresh);
			if (got < 0)
				return (int)got;
		} else {
			if (page_index_set(&n->pages, pgoff, fresh) < 0) {
				frame_put(fresh);
				return -ENOMEM;
			}
			v = fresh;
		}
	}
	if (writable && !(v & PAGE_DIRTY)) {
		uint32_t fid;
		int rc = io_fid(ino, true, &fid);
		if (rc < 0)
			return rc;
		v = page_index_take(&n->pages, pgoff) | PAGE_DIRTY;
		page_index_set(&n->pages, pgoff, v); /* cannot fail: the slot exists */
	}
	*pa = page_pa(v);
	return 0;
}

static int ninep_sync_pages(struct inode *ino, uint64_t first, uint64_t end)
{
	struct ninep_inode *n = ni(ino);
	if (!n->pages.root)
		return 0;
	uint64_t pages = (ino->size + PAGE_SIZE - 1) / PAGE_SIZE;
	if (end > pages)
		end = pages;
	int result = 0;
	for (uint64_t idx = first; idx < end; idx++) {
		uint64_t v = page_index_get(&n->pages, idx);
		if (!(v & PAGE_DIRTY))
			continue;
		uint32_t fid;
		int rc = io_fid(ino, true, &fid);
		uint64_t off = idx * PAGE_SIZE;
		uint32_t len = ino->size - off < PAGE_SIZE ? (uint32_t)(ino->size - off) : PAGE_SIZE;
		struct iov_iter it;
		iov_iter_kbuf(&it, phys_to_virt(page_pa(v)), len);
		int64_t done = rc < 0 ? rc : p9_write(client(ino), fid, off, &it, len, NULL, NULL);
		if (done >= 0 && done != len)
			done = -EIO;
		if (done < 0 && result == 0)
			result = (int)done;
	}
	return result;
}

/* Copies what a write put on the host into the cached pages it covers
 * (a p9_mirror_fn; ctx is the inode). */
static void update_pages(void *ctx, uint64_t off, const void *data, size_t len)
{
	struct ninep_inode *n = ni(ctx);
	for (size_t done = 0; done < len;) {
		uint64_t at = off + done;
		size_t in_page = PAGE_SIZE - at % PAGE_SIZE;
		size_t k = len - done < in_page ? len - done : in_page;
		uint64_t v = page_index_get(&n->pages, at / PAGE_SIZE);
		if (v)
			memcpy((char *)phys_to_virt(page_pa(v)) + at % PAGE_SIZE,
			       (const char *)data + done, k);
		done += k;
	}
}

static int ninep_truncate(struct inode *ino, uint64_t size)
{
	struct p9_setattr s = { .valid = P9_SETATTR_SIZE, .size = size };
	int rc = p9_setattr(client(ino), fid_of(ino), &s);
	if (rc < 0)
		return rc;
	struct ninep_inode *n = ni(ino);
	if (size < ino->size && n->pages.root) {
		page_index_drop_from(&n->pages, (size + PAGE_SIZE - 1) / PAGE_SIZE, put_page);
		uint64_t v = page_index_get(&n->pages, size / PAGE_SIZE);
		if (v && size % PAGE_SIZE)
			memset((char *)phys_to_virt(page_pa(v)) + size % PAGE_SIZE, 0,
			       PAGE_SIZE - size % PAGE_SIZE);
	}
	ino->size = size;
	inode_touch(ino, true, true);
	return 0;
}

static void ninep_evict(struct inode *ino)
{
	struct ninep_inode *n = ni(ino);
	struct ninep_sb *s = nsb(ino);
	struct p9_client *c = s->c;
	uncache(s, n); /* before anything sleeps (see inode_for) */
	if (S_ISREG(ino->mode)) {
		ninep_sync_pages(ino, 0, UINT64_MAX);
		page_index_drop_from(&n->pages, 0, put_page);
		page_index_free(&n->pages);
	}
	if (S_ISFIFO(ino->mode))
		fifo_evict(ino);
	if (n->created_fid != P9_NOFID)
		p9_clunk(c, n->created_fid);
	if (n->io_fid != P9_NOFID)
		p9_clunk(c, n->io_fid);
	if (n->dir_fid != P9_NOFID)
		p9_clunk(c, n->dir_fid);
	p9_clunk(c, n->fid);
	struct inode *parent = ino->parent;
	kfree(n->own_name);
	kfree(n);
	kfree(ino);
	inode_put(parent);
}

/* ---- Open files ---- */

static uint32_t file_fid(const struct file *f)
{
	return (uint32_t)(uintptr_t)f->priv;
}

static int ninep_open(struct inode *ino, struct file *f)
{
	uint32_t fid = ni(ino)->created_fid;
	ni(ino)->created_fid = P9_NOFID;
	int rc = fid != P9_NOFID ? 0 : open_fid(ino, open_flags(f->flags), &fid);
	if (rc < 0)
		return rc;
	f->priv = (void *)(uintptr_t)fid;
	return 0;
}

static void ninep_release(struct file *f)
{
	if (S_ISREG(f->inode->mode) && (f->flags & O_ACCMODE) != O_RDONLY)
		ninep_sync_pages(f->inode, 0, UINT64_MAX);
	p9_clunk(client(f->inode), file_fid(f));
}

static int64_t ninep_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t len = iov_iter_count(to);
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	struct p9_client *c = client(ino);
	struct ninep_inode *n = ni(ino);
	size_t done = 0;
	while (done < len) {
		uint64_t off = *pos + done;
		size_t want = len - done;
		int64_t got;
		uint64_t v = n->pages.root ? page_index_get(&n->pages, off / PAGE_SIZE) : 0;
		if (v) {
			/* A page mmap holds: it is what the file has. */
			size_t in_page = PAGE_SIZE - off % PAGE_SIZE;
			if (want > in_page)
				want = in_page;
			if (off >= ino->size)
				break;
			if (want > ino->size - off)
				want = ino->size - off;
			got = (int64_t)copy_to_iter((char *)phys_to_virt(page_pa(v)) + off % PAGE_SIZE,
						    want, to);
			if (got == 0)
				got = -EFAULT;
		} else {
			if (n->pages.root && want > PAGE_SIZE - off % PAGE_SIZE)
				want = PAGE_SIZE - off % PAGE_SIZE;
			if (want > p9_iosize(c))
				want = p9_iosize(c);
			got = p9_read(c, file_fid(f), off, to, (uint32_t)want);
		}
		if (got < 0) {
			if (!done)
				return got;
			break;
		}
		done += (size_t)got;
		if (got == 0 || (size_t)got < want)
			break;
	}
	*pos += done;
	return (int64_t)done;
}

static int64_t ninep_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t len = iov_iter_count(from);
	struct p9_client *c = client(ino);
	if (f->flags & O_APPEND) {
		/* The end as the host has it now. */
		struct p9_attr a;
		int rc = p9_getattr(c, fid_of(ino), &a);
		if (rc < 0)
			return rc;
		if (a.size > ino->size)
			ino->size = a.size;
		*pos = ino->size;
	}
	size_t done = 0;
	while (done < len) {
		uint64_t off = *pos + done;
		uint32_t want = len - done < p9_iosize(c) ? (uint32_t)(len - done) : p9_iosize(c);
		int64_t put = p9_write(c, file_fid(f), off, from, want,
				       ni(ino)->pages.root ? update_pages : NULL, ino);
		if (put < 0) {
			if (!done)
				return put;
			break;
		}
		done += (size_t)put;
		if (off + (uint64_t)put > ino->size)
			ino->size = off + (uint64_t)put;
		if ((uint32_t)put < want)
			break;
	}
	*pos += done;
	inode_touch(ino, true, true);
	return (int64_t)done;
}

static int ninep_fsync(struct file *f, bool datasync)
{
	struct inode *ino = f->inode;
	if (S_ISDIR(ino->mode)) {
		uint32_t fid;
		int rc = dir_fid(ino, &fid);
		return rc < 0 ? rc : p9_fsync(client(ino), fid, datasync);
	}
	int rc = ninep_sync_pages(ino, 0, UINT64_MAX);
	int rc2 = p9_fsync(client(ino), file_fid(f), datasync);
	return rc < 0 ? rc : rc2;
}

static int ninep_dir_open(struct inode *ino, struct file *f)
{
	return 0;
}

static const struct inode_ops ninep_dir_ops = {
	.lookup = ninep_lookup,
	.create = ninep_create,
	.mkdir = ninep_mkdir,
	.mknod = ninep_mknod,
	.symlink = ninep_symlink,
	.link = ninep_link,
	.unlink = ninep_unlink,
	.rmdir = ninep_rmdir,
	.rename = ninep_rename,
	.iterate = ninep_iterate,
	.setattr = ninep_setattr,
	.evict = ninep_evict,
};

static const struct inode_ops ninep_file_iops = {
	.truncate = ninep_truncate,
	.get_page = ninep_get_page,
	.sync_pages = ninep_sync_pages,
	.setattr = ninep_setattr,
	.evict = ninep_evict,
};

static const struct inode_ops ninep_link_ops = {
	.readlink = ninep_readlink,
	.setattr = ninep_setattr,
	.evict = ninep_evict,
};

static const struct inode_ops ninep_special_ops = {
	.setattr = ninep_setattr,
	.evict = ninep_evict,
};

static const struct file_ops ninep_fops = {
	.open = ninep_open,
	.read = ninep_read,
	.write = ninep_write,
	.release = ninep_release,
	.fsync = ninep_fsync,
	.seekable = true,
};

/* Directories open with this (fsync on a directory reaches the host). */
static const struct file_ops ninep_dir_fops = {
	.open = ninep_dir_open,
	.fsync = ninep_fsync,
	.seekable = true,
};

static int ninep_statfs(struct superblock *sb, struct linux_statfs *st)
{
	struct ninep_sb *s = (struct ninep_sb *)sb;
	struct p9_statfs f;
	int rc = p9_statfs(s->c, fid_of(sb->root), &f);
	if (rc < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->f_type = V9FS_MAGIC;
	st->f_bsize = st->f_frsize = f.bsize;
	st->f_blocks = f.blocks;
	st->f_bfree = f.bfree;
	st->f_bavail = f.bavail;
	st->f_files = f.files;
	st->f_ffree = f.ffree;
	st->f_namelen = f.namelen;
	st->f_flags = sb->readonly ? ST_RDONLY : 0;
	return 0;
}

/* syncfs, sync and exit: what shared mappings changed goes to the host
 * (which has everything else already; its own fsync is per file, fsync). */
static int ninep_sync(struct superblock *sb)
{
	struct ninep_sb *s = (struct ninep_sb *)sb;
	/* The files with cached pages first, held, since writing back sleeps
	 * and the cache may change meanwhile. */
	size_t count = 0, i = 0;
	for (int b = 0; b < NINEP_BUCKETS; b++)
		for (struct ninep_inode *n = s->buckets[b]; n; n = n->next)
			count += S_ISREG(n->ino->mode) && n->pages.root;
	if (!count)
		return 0;
	struct inode **held = kmalloc(count * sizeof(*held));
	if (!held)
		return -ENOMEM;
	for (int b = 0; b < NINEP_BUCKETS; b++)
		for (struct ninep_inode *n = s->buckets[b]; n; n = n->next)
			if (S_ISREG(n->ino->mode) && n->pages.root)
				held[i++] = inode_get(n->ino);
	int result = 0;
	for (i = 0; i < count; i++) {
		int rc = ninep_sync_pages(held[i], 0, UINT64_MAX);
		if (rc < 0 && result == 0)
			result = rc;
		inode_put(held[i]);
	}
	kfree(held);
	return result;
}

int ninepfs_mount(const char *tag, size_t tag_len, bool readonly, uint32_t dev,
		  struct superblock **out)
{
	struct p9_channel *ch = p9_channel_find(tag, tag_len);
	if (!ch)
		return -ENODEV;
	struct ninep_sb *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	uint32_t root_fid;
	struct p9_qid root_qid;
	int rc = p9_connect(ch, &s->c, &root_fid, &root_qid);
	if (rc < 0) {
		kfree(s);
		return rc;
	}
	s->sb = (struct superblock){
		.type = "9p",
		.magic = V9FS_MAGIC,
		.dev = dev,
		.readonly = readonly,
		/* The host's xattrs are not passed through; keeping them in the
		 * guest only would lose them silently. */
		.no_xattrs = true,
		.statfs = ninep_statfs,
		.sync = ninep_sync,
		.unmount_sync = ninep_sync,
	};
	struct p9_attr a;
	rc = p9_getattr(s->c, root_fid, &a);
	if (rc == 0 && !S_ISDIR(a.mode))
		rc = -ENOTDIR;
	if (rc == 0)
		rc = inode_for(s, root_fid, &a, NULL, NULL, 0, &s->sb.root);
	if (rc < 0)
		return rc; /* the client stays: a half-made mount is not worth tearing down */
	*out = &s->sb;
	return 0;
}
