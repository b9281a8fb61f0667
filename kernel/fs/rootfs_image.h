/*
 * Reading the embedded root file system image (abi/rootfs_format.h) in
 * place. Portable: tested on the host against images the builder writes.
 * Every access is bounds-checked, so a corrupt image gives errors, never
 * wild reads.
 */
#ifndef UPY_FS_ROOTFS_IMAGE_H
#define UPY_FS_ROOTFS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "abi/rootfs_format.h"

struct rootfs_image {
	const uint8_t *base;
	uint64_t size;  /* the region's bytes */
	uint64_t avail; /* of which these are at base (the rest is on a device) */
	const struct upy_rootfs_header *header;
	const struct upy_rootfs_node *nodes;
	const char *names;
};

/* Checks the header; returns 0 or a negative errno, with *why saying what
 * is wrong in words. */
int rootfs_image_open(struct rootfs_image *img, const void *base, uint64_t size,
		      const char **why);
/* The same when only the first `avail` of the region's `size` bytes are at
 * base (the tables must be among them): the rest is read from a device. */
int rootfs_image_open_head(struct rootfs_image *img, const void *base, uint64_t avail,
			   uint64_t size, const char **why);
/* Node `index`, or NULL if out of range or malformed. */
const struct upy_rootfs_node *rootfs_node(const struct rootfs_image *img, uint32_t index);
const char *rootfs_node_name(const struct rootfs_image *img, const struct upy_rootfs_node *n);
/* The file or link data of a node (NULL if out of range or not at base). */
const uint8_t *rootfs_node_data(const struct rootfs_image *img, const struct upy_rootfs_node *n);
/* The child of directory `dir` called name: its index, or -ENOENT/-ENOTDIR. */
int64_t rootfs_lookup(const struct rootfs_image *img, uint32_t dir, const char *name,
		      size_t len);

#endif
