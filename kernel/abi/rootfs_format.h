/*
 * The embedded root file system: a read-only, page-aligned image written by
 * the host builder (src/unipython/builder/rootfs.py) and read in place by
 * the kernel (fs/rootfs.c). All integers are little-endian.
 *
 * Where it lives: the image is the kernel ELF plus this region at a 4 KiB
 * aligned file offset, named by an extra program header of type
 * UPY_PT_ROOTFS (p_offset, p_filesz; not a PT_LOAD, so `-kernel` loads only
 * the kernel). The VMM gives the guest the whole image file, as a read-only
 * block device or an initrd module copied into RAM, and the kernel reads
 * its program headers (fs/image_locate.c). All of the
 * file but its 64-byte checksum footer is a whole number of pages.
 *
 * Layout of the region:
 *   offset 0      struct upy_rootfs_header
 *   nodes_offset  node_count x struct upy_rootfs_node; node 0 is "/"
 *   names_offset  names_size bytes of names (not NUL-terminated)
 *   ...           symlink targets, then file data: each file starts on a page
 *                 boundary and the rest of its last page is zeros, so a
 *                 read-only mmap can map the image's own pages. The region
 *                 ends on a page boundary.
 *
 * Directories: the children of a directory are the contiguous node range
 * [first_child, first_child + child_count), sorted bytewise by name, so a
 * lookup is a binary search. "." and ".." are not stored.
 */
#ifndef UPY_ABI_ROOTFS_FORMAT_H
#define UPY_ABI_ROOTFS_FORMAT_H

#include <stdint.h>

#define UPY_ROOTFS_MAGIC "UPYRFS01"
#define UPY_ROOTFS_VERSION 1
#define UPY_ROOTFS_PAGE 4096
/* In the OS-specific range of ELF segment types (PT_LOOS..PT_HIOS). */
#define UPY_PT_ROOTFS 0x60555059

struct upy_rootfs_header {
	char magic[8];        /* UPY_ROOTFS_MAGIC */
	uint32_t version;     /* UPY_ROOTFS_VERSION */
	uint32_t node_count;
	uint64_t region_size; /* bytes from the header to the end of the data */
	uint64_t nodes_offset;
	uint64_t names_offset;
	uint64_t names_size;
	uint32_t meta_crc32;  /* CRC-32 (zlib) of the node table then names */
	uint32_t reserved;
};

struct upy_rootfs_node {
	uint32_t mode;        /* S_IFDIR / S_IFREG / S_IFLNK | permission bits */
	uint32_t parent;      /* index of the parent directory; 0 for "/" */
	uint32_t name_offset; /* into the names area */
	uint32_t name_length;
	uint32_t first_child; /* directories only */
	uint32_t child_count; /* directories only */
	uint64_t data_offset; /* files and symlinks: from the region start */
	uint64_t size;        /* file size, or symlink target length */
	uint64_t mtime;       /* seconds since the epoch */
};

_Static_assert(sizeof(struct upy_rootfs_header) == 56, "header layout");
_Static_assert(sizeof(struct upy_rootfs_node) == 48, "node layout");

#endif
