#include "fs/rootfs.h"

#include "arch/x86_64/memlayout.h"
#include "core/panic.h"
#include "fs/rootfs_image.h"
#include "lib/string.h"
#include "linux/uapi/errno.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

#define ROOTFS_MAGIC 0x55505946 /* "UPYF", for statfs */

/* The one embedded image; set once by rootfs_mount. Inodes are created on
 * first use and live as long as the kernel. */
static struct rootfs_image image;
static uint64_t image_pa;
static struct inode **inodes;
static struct superblock sb;

static const struct inode_ops rootfs_inode_ops;
static const struct file_ops rootfs_file_ops;

static struct inode *node_inode(uint32_t index);

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
	if (S_ISDIR(n->mode)) {
		ino->nlink = 2;
		for (uint32_t i = 0; i < n->child_count; i++)
			if (S_ISDIR(image.nodes[n->first_child + i].mode))
				ino->nlink++;
		ino->size = 4096;
		if (index != 0) {
			ino->parent = node_inode(n->parent);
			if (!ino->parent) {
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
	/* The builder page-aligns file data and zero-fills each last page. */
	*pa = image_pa + n->data_offset + pgoff * PAGE_SIZE;
	return 0;
}

static int64_t rootfs_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	const struct upy_rootfs_node *n = rootfs_node(&image, node_index(f->inode));
	if (!n)
		return -EIO;
	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (*pos >= n->size)
		return 0;
	if (len > n->size - *pos)
		len = n->size - *pos;
	if (copy_to_user(buf, rootfs_node_data(&image, n) + *pos, len))
		return -EFAULT;
	*pos += len;
	return (int64_t)len;
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

uint64_t rootfs_region_size(uint64_t pa)
{
	const struct upy_rootfs_header *h = phys_to_virt(pa);
	if (memcmp(h->magic, UPY_ROOTFS_MAGIC, 8) != 0)
		return 0;
	return h->region_size;
}

struct superblock *rootfs_mount(uint64_t pa, uint64_t size)
{
	const char *why;
	if (rootfs_image_open(&image, phys_to_virt(pa), size, &why) < 0)
		panic("cannot mount the root file system: %s", why);
	image_pa = pa;
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
