/*
 * tmpfs: a writable file system in RAM. Files keep their data in page
 * frames (holes stay unallocated), which a shared mmap maps directly.
 * Directories are lists of entries in creation order; an entry's cookie is
 * its getdents position, so positions stay valid while entries come and go.
 * Each entry holds a reference on its inode; an inode is freed when the
 * last entry and the last open file let go of it.
 *
 * A file may have a lower file (tmpfs_set_lower): a read-only file of the
 * image whose pages stand in for the ones it has not written yet. The first
 * write to such a page copies it up, so a seeded tmpfs (tmpfs_seed.c) costs
 * memory only for what the app changes. A shared mapping made before a page
 * is copied up keeps seeing the lower page, as with Linux's overlayfs.
 */
#include "fs/tmpfs.h"

#include "arch/x86_64/memlayout.h"
#include "core/panic.h"
#include "fs/dnotify.h"
#include "fs/page_index.h"
#include "fs/permission.h"
#include "fs/pipe.h"
#include "fs/xattr.h"
#include "lib/overflow.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"

#define TMPFS_MAGIC 0x01021994

struct tmpfs_entry {
	struct tmpfs_entry *next;
	uint64_t cookie;
	struct inode *inode;
	size_t len;
	char name[];
};

struct tmpfs_dir {
	struct tmpfs_entry *entries;
	uint64_t next_cookie;
	char *own_name; /* the storage behind inode->name */
};

struct tmpfs_file {
	struct page_index pages; /* page index -> physical address; holes absent */
	struct inode *lower;     /* read-only file behind pages not yet written */
	uint64_t lower_pages;    /* pages below this index not in `pages` are lower's */
};

static const struct inode_ops tmpfs_dir_ops, tmpfs_file_ops_i, tmpfs_link_ops, tmpfs_special_ops;
static const struct file_ops tmpfs_fops;

static struct tmpfs_dir *dir_of(struct inode *ino)
{
	return ino->priv;
}

static struct tmpfs_file *file_of(struct inode *ino)
{
	return ino->priv;
}

static struct tmpfs_entry *find(struct inode *dir, const char *name, size_t len,
				struct tmpfs_entry ***link)
{
	struct tmpfs_entry **pp = &dir_of(dir)->entries;
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->len == len && memcmp((*pp)->name, name, len) == 0) {
			if (link)
				*link = pp;
			return *pp;
		}
	}
	return NULL;
}

static int set_dir_name(struct inode *dir, struct inode *parent, const char *name, size_t len)
{
	char *copy = kmalloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
	kfree(dir_of(dir)->own_name);
	dir_of(dir)->own_name = copy;
	dir->name = copy;
	dir->name_len = len;
	dir->parent = parent;
	return 0;
}

/* Adds an entry for ino (taking a reference) at the end of dir. */
static int add_entry(struct inode *dir, const char *name, size_t len, struct inode *ino,
		     unsigned long event)
{
	struct tmpfs_entry *e = kmalloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->cookie = dir_of(dir)->next_cookie++;
	e->inode = inode_get(ino);
	e->len = len;
	memcpy(e->name, name, len);
	struct tmpfs_entry **pp = &dir_of(dir)->entries;
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
	if (S_ISDIR(ino->mode))
		dir->nlink++;
	inode_touch(dir, true, true);
	dnotify_event(dir, event);
	return 0;
}

static void remove_entry(struct inode *dir, struct tmpfs_entry **link, unsigned long event)
{
	struct tmpfs_entry *e = *link;
	*link = e->next;
	if (S_ISDIR(e->inode->mode))
		dir->nlink--;
	inode_touch(dir, true, true);
	dnotify_event(dir, event);
	inode_put(e->inode);
	kfree(e);
}

static struct inode *new_inode(struct superblock *sb, uint32_t mode)
{
	struct inode *ino = inode_new(sb, mode);
	if (!ino)
		return NULL;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		ino->ops = &tmpfs_dir_ops;
		ino->priv = kzalloc(sizeof(struct tmpfs_dir));
		ino->nlink = 2;
		ino->size = 4096;
		dir_of(ino)->next_cookie = 2; /* 0 and 1 are "." and ".." */
		break;
	case S_IFLNK:
		ino->ops = &tmpfs_link_ops;
		break;
	case S_IFIFO:
		ino->ops = &tmpfs_special_ops;
		ino->fops = &fifo_ops;
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFSOCK:
		/* No driver behind a node made by mknod: opening it is ENXIO. */
		ino->ops = &tmpfs_special_ops;
		break;
	default:
		ino->ops = &tmpfs_file_ops_i;
		ino->fops = &tmpfs_fops;
		ino->priv = kzalloc(sizeof(struct tmpfs_file));
		ino->seals = F_SEAL_SEAL; /* as shmem: only a memfd may be sealed */
		break;
	}
	if ((S_ISREG(mode) || S_ISDIR(mode)) && !ino->priv) {
		kfree(ino);
		return NULL;
	}
	return ino;
}

static int tmpfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct tmpfs_entry *e = find(dir, name, len, NULL);
	if (!e)
		return -ENOENT;
	*out = inode_get(e->inode);
	return 0;
}

static int tmpfs_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
			struct inode **out)
{
	if (find(dir, name, len, NULL))
		return -EEXIST;
	struct inode *ino = new_inode(dir->sb, mode);
	if (!ino)
		return -ENOSPC;
	int rc = add_entry(dir, name, len, ino, DN_CREATE);
	if (rc < 0) {
		ino->nlink = 0;
		inode_put(ino);
		return rc;
	}
	*out = ino; /* the caller's reference */
	return 0;
}

static int tmpfs_mkdir(struct inode *dir, const char *name, size_t len, uint32_t mode)
{
	if (find(dir, name, len, NULL))
		return -EEXIST;
	struct inode *ino = new_inode(dir->sb, S_IFDIR | (mode & 07777));
	if (!ino)
		return -ENOSPC;
	inode_init_owner(ino, dir);
	int rc = set_dir_name(ino, dir, name, len);
	if (rc == 0)
		rc = add_entry(dir, name, len, ino, DN_CREATE);
	if (rc < 0)
		ino->nlink = 0;
	inode_put(ino);
	return rc;
}

static int tmpfs_mknod(struct inode *dir, const char *name, size_t len, uint32_t mode,
		       uint32_t rdev)
{
	if (find(dir, name, len, NULL))
		return -EEXIST;
	struct inode *ino = new_inode(dir->sb, mode);
	if (!ino)
		return -ENOSPC;
	ino->rdev = rdev;
	inode_init_owner(ino, dir);
	int rc = add_entry(dir, name, len, ino, DN_CREATE);
	if (rc < 0)
		ino->nlink = 0;
	inode_put(ino);
	return rc;
}

static int tmpfs_symlink(struct inode *dir, const char *name, size_t len, const char *target)
{
	if (find(dir, name, len, NULL))
		return -EEXIST;
	size_t tlen = strlen(target);
	struct inode *ino = new_inode(dir->sb, S_IFLNK | 0777);
	if (!ino)
		return -ENOSPC;
	inode_init_owner(ino, dir);
	char *copy = kmalloc(tlen + 1);
	if (!copy) {
		kfree(ino);
		return -ENOSPC;
	}
	memcpy(copy, target, tlen + 1);
	ino->priv = copy;
	ino->size = tlen;
	int rc = add_entry(dir, name, len, ino, DN_CREATE);
	if (rc < 0)
		ino->nlink = 0;
	inode_put(ino);
	return rc;
}

static int tmpfs_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	if (find(dir, name, len, NULL))
		return -EEXIST;
	if (target->sb != dir->sb)
		return -EXDEV;
	int rc = add_entry(dir, name, len, target, DN_CREATE);
	if (rc == 0) {
		target->nlink++;
		inode_touch(target, false, true);
	}
	return rc;
}

static int tmpfs_unlink(struct inode *dir, const char *name, size_t len)
{
	struct tmpfs_entry **link;
	struct tmpfs_entry *e = find(dir, name, len, &link);
	if (!e)
		return -ENOENT;
	if (S_ISDIR(e->inode->mode))
		return -EISDIR;
	e->inode->nlink--;
	inode_touch(e->inode, false, true);
	remove_entry(dir, link, DN_DELETE);
	return 0;
}

static int tmpfs_rmdir(struct inode *dir, const char *name, size_t len)
{
	struct tmpfs_entry **link;
	struct tmpfs_entry *e = find(dir, name, len, &link);
	if (!e)
		return -ENOENT;
	struct inode *victim = e->inode;
	if (!S_ISDIR(victim->mode))
		return -ENOTDIR;
	if (dir_of(victim)->entries)
		return -ENOTEMPTY;
	if (victim->mounted)
		return -EBUSY;
	victim->nlink = 0;
	victim->parent = NULL; /* getcwd() inside it now fails with ENOENT */
	remove_entry(dir, link, DN_DELETE);
	return 0;
}

/* Is `dir` equal to `ancestor` or inside it? */
static bool is_within(struct inode *dir, struct inode *ancestor)
{
	for (; dir; dir = dir->parent)
		if (dir == ancestor)
			return true;
	return false;
}

static int tmpfs_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
			const char *nname, size_t nlen, unsigned flags)
{
	if (ndir->sb != odir->sb)
		return -EXDEV;
	struct tmpfs_entry **olink, **nlink;
	struct tmpfs_entry *src = find(odir, oname, olen, &olink);
	if (!src)
		return -ENOENT;
	struct inode *ino = src->inode;
	struct tmpfs_entry *dst = find(ndir, nname, nlen, &nlink);

	if (flags & RENAME_EXCHANGE) {
		if (!dst)
			return -ENOENT;
		struct inode *other = dst->inode;
		if ((S_ISDIR(ino->mode) && is_within(ndir, ino)) ||
		    (S_ISDIR(other->mode) && is_within(odir, other)))
			return -EINVAL;
		src->inode = other;
		dst->inode = ino;
		if (S_ISDIR(ino->mode) != S_ISDIR(other->mode)) {
			odir->nlink += S_ISDIR(other->mode) ? 1 : -1;
			ndir->nlink += S_ISDIR(ino->mode) ? 1 : -1;
		}
		if (S_ISDIR(ino->mode))
			set_dir_name(ino, ndir, nname, nlen);
		if (S_ISDIR(other->mode))
			set_dir_name(other, odir, oname, olen);
		inode_touch(odir, true, true);
		inode_touch(ndir, true, true);
		return 0;
	}
	if (dst && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (dst && dst->inode == ino)
		return 0; /* two links to the same inode: POSIX says do nothing */
	if (S_ISDIR(ino->mode) && is_within(ndir, ino))
		return -EINVAL; /* a directory cannot move into itself */
	if (dst) {
		struct inode *old = dst->inode;
		if (S_ISDIR(ino->mode) && !S_ISDIR(old->mode))
			return -ENOTDIR;
		if (!S_ISDIR(ino->mode) && S_ISDIR(old->mode))
			return -EISDIR;
		if (S_ISDIR(old->mode) && dir_of(old)->entries)
			return -ENOTEMPTY;
		if (S_ISDIR(old->mode)) {
			old->nlink = 0;
			old->parent = NULL;
		} else {
			old->nlink--;
		}
		inode_touch(old, false, true);
		remove_entry(ndir, nlink, DN_DELETE);
	}
	/* Link under the new name first, then drop the old entry. */
	if (S_ISDIR(ino->mode)) {
		int rc = set_dir_name(ino, ndir, nname, nlen);
		if (rc < 0)
			return rc;
	}
	int rc = add_entry(ndir, nname, nlen, ino, DN_RENAME);
	if (rc < 0)
		return rc;
	find(odir, oname, olen, &olink); /* the list may have changed */
	remove_entry(odir, olink, DN_RENAME);
	inode_touch(ino, false, true);
	return 0;
}

static unsigned dt_of(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return DT_DIR;
	case S_IFLNK:
		return DT_LNK;
	case S_IFCHR:
		return DT_CHR;
	case S_IFIFO:
		return DT_FIFO;
	case S_IFSOCK:
		return DT_SOCK;
	default:
		return DT_REG;
	}
}

static int tmpfs_iterate(struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx)
{
	if (*pos == 0) {
		if (emit(ctx, ".", 1, dir->ino, DT_DIR, 1) < 0)
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (emit(ctx, "..", 2, vfs_parent(dir)->ino, DT_DIR, 2) < 0)
			return 0;
		*pos = 2;
	}
	for (struct tmpfs_entry *e = dir_of(dir)->entries; e; e = e->next) {
		if (e->cookie < *pos)
			continue;
		if (emit(ctx, e->name, e->len, e->inode->ino, dt_of(e->inode->mode), e->cookie + 1) < 0)
			return 0;
		*pos = e->cookie + 1;
	}
	return 0;
}

static int tmpfs_readlink(struct inode *ino, char *buf, size_t size)
{
	size_t len = ino->size < size ? ino->size : size;
	memcpy(buf, ino->priv, len);
	return (int)len;
}

/* The lower file's page idx, or 0 when idx is past what it still lends. */
static uint64_t lower_page(struct tmpfs_file *tf, uint64_t idx)
{
	uint64_t pa;
	if (!tf->lower || idx >= tf->lower_pages ||
	    tf->lower->ops->get_page(tf->lower, idx, false, &pa) < 0)
		return 0;
	return pa;
}

/* The page holding bytes of index idx for reading: its own, else lower's. */
static uint64_t page_at(struct tmpfs_file *tf, uint64_t idx)
{
	uint64_t pa = page_index_get(&tf->pages, idx);
	return pa ? pa : lower_page(tf, idx);
}

/* The file's own page for index idx, to write: a hole is allocated zeroed,
 * a lower page is copied up. */
static int page_fill(struct tmpfs_file *tf, uint64_t idx, uint64_t *pa)
{
	uint64_t have = page_index_get(&tf->pages, idx);
	if (have) {
		*pa = have;
		return 0;
	}
	uint64_t below = lower_page(tf, idx);
	/* Held across the allocation, which may reclaim a cached lower page. */
	if (below)
		frame_get(below);
	uint64_t fresh = below ? frame_alloc() : frame_alloc_zeroed();
	if (fresh && below)
		memcpy(phys_to_virt(fresh), phys_to_virt(below), PAGE_SIZE);
	if (below)
		frame_put(below);
	if (!fresh)
		return -ENOSPC;
	if (page_index_set(&tf->pages, idx, fresh) < 0) {
		frame_put(fresh);
		return -ENOSPC;
	}
	*pa = fresh;
	return 0;
}

static void put_page(uint64_t pa)
{
	frame_put(pa);
}

static void free_pages_from(struct tmpfs_file *tf, uint64_t first)
{
	page_index_drop_from(&tf->pages, first, put_page);
}

/* A file's size is a loff_t: it never passes INT64_MAX (Linux's
 * MAX_LFS_FILESIZE), whatever offsets a write or fallocate asks for, so
 * st_size is never negative. */
#define TMPFS_MAX_SIZE ((uint64_t)INT64_MAX)

static int tmpfs_truncate(struct inode *ino, uint64_t size)
{
	if (size > TMPFS_MAX_SIZE)
		return -EFBIG;
	if ((size < ino->size && (ino->seals & F_SEAL_SHRINK)) ||
	    (size > ino->size && (ino->seals & F_SEAL_GROW)))
		return -EPERM;
	struct tmpfs_file *tf = file_of(ino);
	if (size < ino->size) {
		uint64_t keep = (size + PAGE_SIZE - 1) / PAGE_SIZE;
		free_pages_from(tf, keep);
		if (tf->lower_pages > keep)
			tf->lower_pages = keep;
		/* Bytes past the new end in the last page must read as zero later. */
		uint64_t tail = size % PAGE_SIZE, last;
		if (tail && page_at(tf, size / PAGE_SIZE)) {
			int rc = page_fill(tf, size / PAGE_SIZE, &last);
			if (rc < 0)
				return rc;
			memset((char *)phys_to_virt(last) + tail, 0, PAGE_SIZE - tail);
		}
	}
	ino->size = size;
	inode_touch(ino, true, true);
	return 0;
}

#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02

/* Marks, in the page index, the pages one fallocate call has added, until
 * it either succeeds (the marks go) or fails (the marked pages go: a
 * failed call gives back every page it took, as Linux's shmem_fallocate
 * undoes its range). Page addresses leave the low bits free. No other
 * thread runs inside the call, so nobody else sees a mark. */
#define FALLOC_NEW 0x1ull

/* Clears the marks of [first, end), or with undo drops the marked pages. */
static void fallocate_finish(struct tmpfs_file *tf, uint64_t first, uint64_t end, bool undo)
{
	for (uint64_t idx = first; idx < end; idx++) {
		uint64_t v = page_index_get(&tf->pages, idx);
		if (!(v & FALLOC_NEW))
			continue;
		page_index_take(&tf->pages, idx);
		if (undo)
			frame_put(v & ~FALLOC_NEW);
		else
			page_index_set(&tf->pages, idx, v & ~FALLOC_NEW); /* cannot fail: the slot exists */
	}
	if (undo)
		page_index_prune(&tf->pages);
}

/* Reserves the pages of [off, off+len) (or frees them: PUNCH_HOLE). The
 * syscall checked that off + len fits in a loff_t. */
static int tmpfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	struct tmpfs_file *tf = file_of(ino);
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	uint64_t end;
	if (check_add_overflow(off, len, &end) || end > TMPFS_MAX_SIZE)
		return -EFBIG;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (!(mode & FALLOC_FL_KEEP_SIZE))
			return -EOPNOTSUPP;
		if (ino->seals & F_SEAL_WRITE)
			return -EPERM;
		for (uint64_t a = off; a < end && a < ino->size;) {
			uint64_t idx = a / PAGE_SIZE, in_page = a % PAGE_SIZE;
			uint64_t n = PAGE_SIZE - in_page < end - a ? PAGE_SIZE - in_page : end - a;
			uint64_t pa = 0;
			if (page_at(tf, idx)) {
				int rc = page_fill(tf, idx, &pa);
				if (rc < 0)
					return rc;
			}
			if (pa && in_page == 0 && n == PAGE_SIZE) {
				/* A whole page: zero it in place (the index keeps no holes
				 * inside a node cheaply); the contents are what matter. */
				memset(phys_to_virt(pa), 0, PAGE_SIZE);
			} else if (pa) {
				memset((char *)phys_to_virt(pa) + in_page, 0, n);
			}
			a += n;
		}
		inode_touch(ino, true, true);
		return 0;
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size && (ino->seals & F_SEAL_GROW))
		return -EPERM;
	/* More pages than free memory plus every page in use (an upper bound
	 * of what the file can already hold) cannot be: no need to try. */
	uint64_t first = off / PAGE_SIZE, last = (end + PAGE_SIZE - 1) / PAGE_SIZE;
	if (last - first > frames_free() + frames_total())
		return -ENOSPC;
	for (uint64_t idx = first; idx < last; idx++) {
		if (page_index_get(&tf->pages, idx))
			continue;
		uint64_t pa;
		int rc = page_fill(tf, idx, &pa);
		if (rc == 0 && page_index_set(&tf->pages, idx, pa | FALLOC_NEW) < 0)
			rc = -ENOSPC; /* not reached: page_fill made the slot */
		if (rc < 0) {
			fallocate_finish(tf, first, idx + 1, true);
			return rc;
		}
	}
	fallocate_finish(tf, first, last, false);
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size) {
		ino->size = end;
		inode_touch(ino, true, true);
	}
	return 0;
}

static int tmpfs_get_page(struct inode *ino, uint64_t pgoff, bool writable, uint64_t *pa)
{
	if (pgoff >= (ino->size + PAGE_SIZE - 1) / PAGE_SIZE)
		return -ENXIO;
	struct tmpfs_file *tf = file_of(ino);
	if (!writable && !page_index_get(&tf->pages, pgoff) && (*pa = lower_page(tf, pgoff)))
		return 0;
	return page_fill(tf, pgoff, pa);
}

static void tmpfs_evict(struct inode *ino)
{
	xattr_free_all(ino);
	if (S_ISFIFO(ino->mode))
		fifo_evict(ino);
	if (S_ISREG(ino->mode)) {
		free_pages_from(file_of(ino), 0);
		page_index_free(&file_of(ino)->pages);
		if (file_of(ino)->lower)
			inode_put(file_of(ino)->lower);
	} else if (S_ISDIR(ino->mode)) {
		kfree(dir_of(ino)->own_name);
	}
	kfree(ino->priv);
	kfree(ino);
}

static int64_t tmpfs_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t len = iov_iter_count(to);
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (*pos >= ino->size)
		return 0;
	if (len > ino->size - *pos)
		len = ino->size - *pos;
	struct tmpfs_file *tf = file_of(ino);
	size_t done = 0;
	while (done < len) {
		uint64_t off = *pos + done;
		size_t in_page = PAGE_SIZE - off % PAGE_SIZE;
		size_t n = len - done < in_page ? len - done : in_page;
		uint64_t pa = page_at(tf, off / PAGE_SIZE);
		/* Held while copying: a fault in the app's buffer may reclaim a
		 * cached lower page. */
		if (pa)
			frame_get(pa);
		size_t put = pa ? copy_to_iter((char *)phys_to_virt(pa) + off % PAGE_SIZE, n, to)
				: iov_iter_zero(n, to);
		if (pa)
			frame_put(pa);
		done += put;
		if (put < n) {
			if (!done)
				return -EFAULT;
			break;
		}
	}
	*pos += done;
	return (int64_t)done;
}

static int64_t tmpfs_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t len = iov_iter_count(from);
	struct tmpfs_file *tf = file_of(ino);
	if (ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (f->flags & O_APPEND)
		*pos = ino->size;
	/* Linux's generic_write_check_limits: nothing at or past the largest
	 * size, a write that would pass it is shortened. */
	if (*pos >= TMPFS_MAX_SIZE)
		return -EFBIG;
	if (len > TMPFS_MAX_SIZE - *pos)
		len = TMPFS_MAX_SIZE - *pos;
	if ((ino->seals & F_SEAL_GROW) && *pos + len > ino->size) {
		if (*pos >= ino->size)
			return -EPERM;
		len = ino->size - *pos;
	}
	size_t done = 0;
	while (done < len) {
		uint64_t off = *pos + done;
		size_t in_page = PAGE_SIZE - off % PAGE_SIZE;
		size_t n = len - done < in_page ? len - done : in_page;
		uint64_t pa;
		int rc = page_fill(tf, off / PAGE_SIZE, &pa);
		size_t put = 0;
		if (rc == 0) {
			put = copy_from_iter((char *)phys_to_virt(pa) + off % PAGE_SIZE, n, from);
			if (put < n)
				rc = -EFAULT;
		}
		done += put;
		if (off + put > ino->size)
			ino->size = off + put;
		if (rc < 0) {
			if (!done)
				return rc;
			break;
		}
	}
	*pos += done;
	inode_touch(ino, true, true);
	return (int64_t)done;
}

static const struct inode_ops tmpfs_dir_ops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.mkdir = tmpfs_mkdir,
	.mknod = tmpfs_mknod,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.iterate = tmpfs_iterate,
	.evict = tmpfs_evict,
};

static const struct inode_ops tmpfs_file_ops_i = {
	.truncate = tmpfs_truncate,
	.fallocate = tmpfs_fallocate,
	.get_page = tmpfs_get_page,
	.evict = tmpfs_evict,
};

static const struct inode_ops tmpfs_special_ops = {
	.evict = tmpfs_evict,
};

static const struct inode_ops tmpfs_link_ops = {
	.readlink = tmpfs_readlink,
	.evict = tmpfs_evict,
};

static const struct file_ops tmpfs_fops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.seekable = true,
};

static int tmpfs_statfs(struct superblock *sb, struct linux_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = TMPFS_MAGIC;
	st->f_bsize = st->f_frsize = 4096;
	st->f_blocks = frames_total();
	st->f_bfree = st->f_bavail = frames_free();
	st->f_files = frames_total();
	st->f_ffree = frames_free();
	st->f_namelen = NAME_MAX;
	return 0;
}

struct superblock *tmpfs_new(uint32_t dev, uint32_t root_mode)
{
	struct superblock *sb = kzalloc(sizeof(*sb));
	if (!sb)
		return NULL;
	sb->type = "tmpfs";
	sb->magic = TMPFS_MAGIC;
	sb->dev = dev;
	sb->statfs = tmpfs_statfs;
	sb->root = new_inode(sb, S_IFDIR | root_mode);
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	return sb;
}

int tmpfs_set_lower(struct inode *ino, struct inode *lower)
{
	if (ino->ops != &tmpfs_file_ops_i || !S_ISREG(lower->mode) || !lower->ops->get_page)
		return -EINVAL;
	struct tmpfs_file *tf = file_of(ino);
	if (tf->lower)
		inode_put(tf->lower);
	free_pages_from(tf, 0);
	tf->lower = inode_get(lower);
	tf->lower_pages = (lower->size + PAGE_SIZE - 1) / PAGE_SIZE;
	ino->size = lower->size;
	return 0;
}

int tmpfs_add_node(struct inode *dir, const char *name, struct inode *ino)
{
	size_t len = strlen(name);
	if (find(dir, name, len, NULL))
		return -EEXIST;
	return add_entry(dir, name, len, ino, DN_CREATE);
}
