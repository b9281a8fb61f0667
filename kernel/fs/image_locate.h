/*
 * Finding the root file system inside an image file that the VMM handed
 * the guest whole (abi/rootfs_format.h): the image starts with its kernel's
 * ELF header, whose program headers include one of type UPY_PT_ROOTFS.
 * Portable and bounds-checked: the memory may hold anything (a wrong file
 * given as the device), and tested on the host.
 */
#ifndef UPY_FS_IMAGE_LOCATE_H
#define UPY_FS_IMAGE_LOCATE_H

#include <stdint.h>

/* Looks at the `size` bytes at `base`; on success sets *offset and *len to
 * the rootfs region (page-aligned offset, inside the bytes) and returns 0;
 * otherwise a negative errno with *why saying what is wrong in words. */
int image_locate_rootfs(const void *base, uint64_t size, uint64_t *offset, uint64_t *len,
			const char **why);

/* The same from the first `size` bytes of a file of file_size bytes (a
 * block device's first page): the headers must lie in those bytes, the
 * region in the file. */
int image_locate_rootfs_head(const void *base, uint64_t size, uint64_t file_size,
			     uint64_t *offset, uint64_t *len, const char **why);

/* Reads len bytes at byte offset off of the device into buf: 0 or < 0. */
typedef int (*image_read_fn)(void *ctx, uint64_t off, void *buf, uint32_t len);

#define IMAGE_LOCATE_SCRATCH (3 * 4096)

/* The same on a device of dev_size bytes holding an image file (--rootfs=blk):
 * its ELF header, and the program header table, which the builder puts at
 * the end of the file, are read into `scratch` (IMAGE_LOCATE_SCRATCH bytes)
 * and laid side by side for image_locate_rootfs_head. 0 or a negative errno
 * with *why (-ENOEXEC: the device holds no image). */
int image_locate_rootfs_dev(image_read_fn read, void *ctx, uint64_t dev_size, uint8_t *scratch,
			    uint64_t *offset, uint64_t *len, const char **why);

#endif
