#include "fs/rootfs.h"

#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/paging.h"
#include "core/panic.h"
#include "drivers/blkdev.h"
#include "fs/pcache.h"
#include "fs/rootfs_image.h"
#include "mm/file_rmap.h"
#include "mm/frame.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

#define ROOTFS_MAGIC 0x55505946 /* "UPYF", for statfs */

/* The one image; set once by rootfs_mount or rootfs_mount_blk. In RAM
 * (image_pa): its pages are the VMM's (the boot module or the loaded
 * segment), never frames of the allocator. On a block device (dev): only
 * its tables are in memory; file pages are read into the page cache on
 * demand and given back under memory pressure. Inodes are created on
 * first use and live as long as the kernel. */
static struct rootfs_image image;
static uint64_t image_pa;
static struct blkdev *dev;
static uint64_t dev_region; /* byte offset of the region on dev */
static struct pcache cache;
static struct inode **inodes;
static struct superblock sb;

static const struct inode_ops rootfs_inode_ops;
static const struct file_ops rootfs_file_ops;

static struct inode *node_inode(uint32_t index);

/* Pages a fault reads ahead of the one it needs (fault.c maps up to 16
 * pages around a fault of an immutable file). */
#define FAULT_READAHEAD 15

static struct linux_timespec ts(uint64_t sec)
{
	return (struct linux_timespec){ (int64_t)sec, 0 };
}

static uint32_t node_index(const struct inode *ino)
{
	return (uint32_t)(ino->ino - 1);
}

static struct inode *node_inode(uint32_t index)
{
	if (inodes[index])
		return inodes[index];
	const struct upy_rootfs_node *n = rootfs_node(&image, index);
	if (!n)
		return NULL;
	struct inode *ino = kzalloc(sizeof(*ino));
	if (!ino)
		return NULL;
	ino->ops = &rootfs_inode_ops;
	ino->fops = &rootfs_file_ops;
	ino->sb = &sb;
	ino->ino = index + 1;
	ino->mode = n->mode;
	ino->nlink = 1;
	ino->size = n->size;
	ino->atime = ino->mtime = ino->ctime = ts(n->mtime);
	ino->refcount = 1; /* held by the table: never evicted */
	if (dev && S_ISREG(n->mode)) {
		struct pcache_file *pf = kzalloc(sizeof(*pf));
		if (!pf) {
			kfree(ino);
			return NULL;
		}
		pf->npages = (n->size + PAGE_SIZE - 1) / PAGE_SIZE;
		pf->store_offset = dev_region + n->data_offset;
		pf->owner = ino;
		ino->priv = pf;
	}
	if (S_ISDIR(n->mode)) {
		ino->nlink = 2;
		for (uint32_t i = 0; i < n->child_count; i++)
			if (S_ISDIR(image.nodes[n->first_child + i].mode))
				ino->nlink++;
		ino->size = 4096;
		if (index != 0) {
			/* Made already: a directory is only reached by a lookup in
			 * its parent. Never made from here, as that would recurse
			 * up the image's parent chain (a cycle, or a chain as deep
			 * as the node table, overflowed the kernel stack). */
			ino->parent = inodes[n->parent];
			if (!ino->parent || !S_ISDIR(ino->parent->mode)) {
				kfree(ino);
				return NULL;
			}
			ino->name = rootfs_node_name(&image, n);
			ino->name_len = n->name_length;
		}
	}
	inodes[index] = ino;
	return ino;
}

static int rootfs_lookup_op(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int64_t idx = rootfs_lookup(&image, node_index(dir), name, len);
	if (idx < 0)
		return (int)idx;
	/* A child must name the directory it is listed in as its parent, or
	 * ".." would lead elsewhere than the path came from, and come after
	 * it (the builder writes breadth-first), or a directory could hold
	 * itself or an ancestor: an endless tree. */
	const struct upy_rootfs_node *n = rootfs_node(&image, (uint32_t)idx);
	if (!n || n->parent != node_index(dir) || (uint32_t)idx <= node_index(dir))
		return -EIO;
	struct inode *ino = node_inode((uint32_t)idx);
	if (!ino)
		return -EIO;
	*out = inode_get(ino);
	return 0;
}

static unsigned dirent_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return DT_DIR;
	case S_IFLNK:
		return DT_LNK;
	default:
		return DT_REG;
	}
}

static int rootfs_iterate(struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx)
{
	const struct upy_rootfs_node *d = rootfs_node(&image, node_index(dir));
	if (!d)
		return -EIO;
	for (;;) {
		uint64_t p = *pos;
		int rc;
		if (p == 0) {
			rc = emit(ctx, ".", 1, dir->ino, DT_DIR, 1);
		} else if (p == 1) {
			rc = emit(ctx, "..", 2, vfs_parent(dir)->ino, DT_DIR, 2);
		} else if (p - 2 < d->child_count) {
			uint32_t idx = d->first_child + (uint32_t)(p - 2);
			const struct upy_rootfs_node *c = rootfs_node(&image, idx);
			if (!c)
				return -EIO;
			rc = emit(ctx, rootfs_node_name(&image, c), c->name_length, idx + 1,
				  dirent_type(c->mode), p + 1);
		} else {
			return 0;
		}
		if (rc < 0)
			return 0;
		*pos = p + 1;
	}
}

static int rootfs_readlink(struct inode *ino, char *buf, size_t size)
{
	const struct upy_rootfs_node *n = rootfs_node(&image, node_index(ino));
	if (!n || !S_ISLNK(n->mode))
		return -EINVAL;
	const uint8_t *data = rootfs_node_data(&image, n);
	if (!data)
		return -EIO;
	size_t len = n->size < size ? n->size : size;
	memcpy(buf, data, len);
	return (int)len;
}

static int rootfs_get_page(struct inode *ino, uint64_t pgoff, bool writable, uint64_t *pa)
{
	const struct upy_rootfs_node *n = rootfs_node(&image, node_index(ino));
	if (!n || !S_ISREG(n->mode))
		return -EACCES;
	if (writable)
		return -EROFS;
	if (pgoff >= (n->size + PAGE_SIZE - 1) / PAGE_SIZE)
		return -ENXIO; /* beyond the end of the file: SIGBUS */
	if (dev)
		return pcache_get(&cache, ino->priv, pgoff, FAULT_READAHEAD, pa);
	/* The builder page-aligns file data and zero-fills each last page. */
	*pa = image_pa + n->data_offset + pgoff * PAGE_SIZE;
	return 0;
}

/* read() from the page cache, a page at a time, reading ahead what the
 * call still wants (and a little more). */
static int64_t read_cached(struct inode *ino, uint64_t size, struct iov_iter *to, size_t len,
			   uint64_t *pos)
{
	size_t done = 0;
	while (done < len) {
		uint64_t off = *pos + done;
		uint64_t left_pages = (off % PAGE_SIZE + (len - done) + PAGE_SIZE - 1) / PAGE_SIZE;
		unsigned ahead = left_pages > FAULT_READAHEAD ? (unsigned)left_pages : FAULT_READAHEAD;
		uint64_t pa;
		int rc = pcache_get(&cache, ino->priv, off / PAGE_SIZE, ahead, &pa);
		if (rc < 0)
			return done ? (int64_t)done : rc;
		size_t in_page = PAGE_SIZE - off % PAGE_SIZE;
		size_t n = len - done < in_page ? len - done : in_page;
		/* Held while copying: a fault in the app's buffer may reclaim. */
		frame_get(pa);
		size_t put = copy_to_iter((char *)phys_to_virt(pa) + off % PAGE_SIZE, n, to);
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

static int64_t rootfs_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	size_t len = iov_iter_count(to);
	const struct upy_rootfs_node *n = rootfs_node(&image, node_index(f->inode));
	if (!n)
		return -EIO;
	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (*pos >= n->size)
		return 0;
	if (len > n->size - *pos)
		len = n->size - *pos;
	if (dev)
		return read_cached(f->inode, n->size, to, len, pos);
	size_t put = copy_to_iter(rootfs_node_data(&image, n) + *pos, len, to);
	if (put == 0 && len)
		return -EFAULT;
	*pos += put;
	return (int64_t)put;
}

static int rootfs_statfs(struct superblock *s, struct linux_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = ROOTFS_MAGIC;
	st->f_bsize = st->f_frsize = 4096;
	st->f_blocks = image.size / 4096;
	st->f_files = image.header->node_count;
	st->f_namelen = NAME_MAX;
	st->f_flags = ST_RDONLY;
	return 0;
}

static const struct inode_ops rootfs_inode_ops = {
	.lookup = rootfs_lookup_op,
	.iterate = rootfs_iterate,
	.readlink = rootfs_readlink,
	.get_page = rootfs_get_page,
};

static const struct file_ops rootfs_file_ops = {
	.read = rootfs_read,
	.seekable = true,
};

static struct superblock *mount_opened(void)
{
	inodes = kzalloc(sizeof(*inodes) * image.header->node_count);
	if (!inodes)
		panic("out of memory for the root file system");
	sb = (struct superblock){
		.type = "rootfs",
		.magic = ROOTFS_MAGIC,
		.dev = 1,
		.readonly = true,
		.statfs = rootfs_statfs,
	};
	sb.root = node_inode(0);
	if (!sb.root)
		panic("cannot mount the root file system: bad root node");
	return &sb;
}

struct superblock *rootfs_mount(uint64_t pa, uint64_t size)
{
	const char *why;
	if (rootfs_image_open(&image, phys_to_virt(pa), size, &why) < 0)
		panic("cannot mount the root file system: %s", why);
	image_pa = pa;
	return mount_opened();
}

/* ---- On a block device: the page cache's hooks ---- */

static uint64_t hook_alloc(void *ctx)
{
	return frame_alloc();
}

static void hook_get(void *ctx, uint64_t pa)
{
	frame_get(pa);
}

static void hook_put(void *ctx, uint64_t pa)
{
	frame_put(pa);
}

static unsigned hook_refs(void *ctx, uint64_t pa)
{
	return frame_refs(pa);
}

static int hook_read(void *ctx, struct pcache_file *f, uint64_t pgoff, const uint64_t *pas,
		     unsigned n)
{
	uint64_t off = f->store_offset + pgoff * PAGE_SIZE;
	struct blk_req reqs[PCACHE_MAX_BATCH];
	for (unsigned i = 0; i < n; i++)
		reqs[i] = (struct blk_req){ .op = BLK_READ, .sector = (off + i * PAGE_SIZE) / BLK_SECTOR,
					    .buf = phys_to_virt(pas[i]), .len = PAGE_SIZE };
	return blkdev_submit(dev, reqs, n);
}

static bool hook_unmap(void *ctx, struct pcache_file *f, uint64_t pgoff, uint64_t pa)
{
	return rmap_unmap_page_if_old(f->owner, pgoff, pa);
}

static const struct pcache_hooks hooks = {
	.alloc = hook_alloc,
	.get = hook_get,
	.put = hook_put,
	.refs = hook_refs,
	.read = hook_read,
	.unmap = hook_unmap,
};

static uint64_t reclaim(uint64_t want)
{
	return pcache_reclaim(&cache, want);
}

static uint64_t reclaimable(void)
{
	return cache.pages;
}

static const struct frame_reclaimer reclaimer = { reclaim, reclaimable };

/* Reads bytes [0, len) of the region into a new buffer (page-rounded). */
static void *read_head(uint64_t len)
{
	len = (len + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	uint8_t *buf = kmalloc(len);
	if (!buf)
		panic("out of memory for the root file system's tables (%llu KiB)",
		      (unsigned long long)(len >> 10));
	for (uint64_t at = 0; at < len; at += PAGE_SIZE)
		if (blkdev_read(dev, dev_region + at, buf + at, PAGE_SIZE) < 0)
			panic("cannot read the root file system from %s", dev->name);
	return buf;
}

struct superblock *rootfs_mount_blk(struct blkdev *d, uint64_t offset, uint64_t size)
{
	dev = d;
	dev_region = offset;
	const char *why;
	void *head = read_head(PAGE_SIZE);
	const struct upy_rootfs_header *h = head;
	if (rootfs_image_open_head(&image, head, PAGE_SIZE, size, &why) < 0 &&
	    memcmp(h->magic, UPY_ROOTFS_MAGIC, 8) != 0)
		panic("cannot mount the root file system on %s: %s", d->name, why);
	/* The tables, then the symlink targets after them, are kept in memory. */
	uint64_t end = h->names_offset + h->names_size;
	uint64_t nodes_end = h->nodes_offset + (uint64_t)h->node_count * sizeof(struct upy_rootfs_node);
	if (nodes_end > end)
		end = nodes_end;
	if (end > size || end < h->names_offset)
		panic("cannot mount the root file system on %s: its tables are out of bounds", d->name);
	kfree(head);
	head = read_head(end);
	if (rootfs_image_open_head(&image, head, end, size, &why) < 0)
		panic("cannot mount the root file system on %s: %s", d->name, why);
	uint64_t links_end = end;
	for (uint32_t i = 0; i < image.header->node_count; i++) {
		const struct upy_rootfs_node *n = &image.nodes[i];
		if (S_ISLNK(n->mode) && n->data_offset <= size && n->size <= size - n->data_offset &&
		    n->data_offset + n->size > links_end)
			links_end = n->data_offset + n->size;
	}
	if (links_end > end) {
		kfree(head);
		head = read_head(links_end);
		if (rootfs_image_open_head(&image, head, links_end, size, &why) < 0)
			panic("cannot mount the root file system on %s: %s", d->name, why);
	}
	pcache_init(&cache, &hooks);
	frame_add_reclaimer(&reclaimer);
	return mount_opened();
}

const struct pcache *rootfs_page_cache(void)
{
	return dev ? &cache : NULL;
}
