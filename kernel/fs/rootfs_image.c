#include "fs/rootfs_image.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/stat.h"

static int in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Pages that hold size bytes (size is within a region, so this cannot wrap). */
static uint64_t pages_of(uint64_t size)
{
	return size / UPY_ROOTFS_PAGE + (size % UPY_ROOTFS_PAGE != 0);
}

int rootfs_image_open(struct rootfs_image *img, const void *base, uint64_t size,
		      const char **why)
{
	return rootfs_image_open_head(img, base, size, size, why);
}

int rootfs_image_open_head(struct rootfs_image *img, const void *base, uint64_t avail,
			   uint64_t size, const char **why)
{
	const struct upy_rootfs_header *h = base;
	img->base = base;
	img->size = size;
	if (avail > size)
		avail = size;
	if (avail < sizeof(*h)) {
		*why = "image smaller than its header";
		return -EINVAL;
	}
	if (memcmp(h->magic, UPY_ROOTFS_MAGIC, 8) != 0) {
		*why = "no root file system magic";
		return -EINVAL;
	}
	if (h->version != UPY_ROOTFS_VERSION) {
		*why = "unsupported root file system version";
		return -EINVAL;
	}
	if (h->region_size > size) {
		*why = "root file system is truncated";
		return -EINVAL;
	}
	img->size = h->region_size;
	img->avail = avail < img->size ? avail : img->size;
	if (h->node_count == 0 ||
	    !in_bounds(h->nodes_offset, (uint64_t)h->node_count * sizeof(struct upy_rootfs_node),
		       img->avail) ||
	    (h->nodes_offset % 8) != 0 || !in_bounds(h->names_offset, h->names_size, img->avail)) {
		*why = "root file system tables are out of bounds";
		return -EINVAL;
	}
	img->header = h;
	img->nodes = (const void *)(img->base + h->nodes_offset);
	img->names = (const char *)(img->base + h->names_offset);
	if (!S_ISDIR(img->nodes[0].mode)) {
		*why = "root node is not a directory";
		return -EINVAL;
	}
	return 0;
}

const struct upy_rootfs_node *rootfs_node(const struct rootfs_image *img, uint32_t index)
{
	if (index >= img->header->node_count)
		return NULL;
	const struct upy_rootfs_node *n = &img->nodes[index];
	if (!in_bounds(n->name_offset, n->name_length, img->header->names_size))
		return NULL;
	if (S_ISDIR(n->mode)) {
		if (n->child_count && (n->first_child >= img->header->node_count ||
				       n->child_count > img->header->node_count - n->first_child))
			return NULL;
	} else if (!in_bounds(n->data_offset, n->size, img->size)) {
		return NULL;
	} else if (S_ISREG(n->mode) &&
		   (n->data_offset % UPY_ROOTFS_PAGE ||
		    !in_bounds(n->data_offset, pages_of(n->size) * UPY_ROOTFS_PAGE, img->size))) {
		/* mmap and faults map a file's own image pages (fs/rootfs.c):
		 * they must be whole pages of the region, or a page table entry
		 * gets the offset's low bits as flags and the app the memory
		 * after the image. */
		return NULL;
	}
	if (n->parent >= img->header->node_count)
		return NULL;
	return n;
}

const char *rootfs_node_name(const struct rootfs_image *img, const struct upy_rootfs_node *n)
{
	return img->names + n->name_offset;
}

const uint8_t *rootfs_node_data(const struct rootfs_image *img, const struct upy_rootfs_node *n)
{
	if (!in_bounds(n->data_offset, n->size, img->avail))
		return NULL;
	return img->base + n->data_offset;
}

static int compare(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int64_t rootfs_lookup(const struct rootfs_image *img, uint32_t dir, const char *name,
		      size_t len)
{
	const struct upy_rootfs_node *d = rootfs_node(img, dir);
	if (!d)
		return -EIO;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	/* Children are sorted bytewise by name: binary search. */
	uint32_t lo = d->first_child, hi = d->first_child + d->child_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct upy_rootfs_node *c = &img->nodes[mid];
		if (!in_bounds(c->name_offset, c->name_length, img->header->names_size))
			return -EIO;
		int cmp = compare(img->names + c->name_offset, c->name_length, name, len);
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}
