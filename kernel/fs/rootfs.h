/* The embedded root file system as a read-only VFS file system. File pages
 * are the image's own pages: reads copy from them and mmap maps them. */
#ifndef UPY_FS_ROOTFS_H
#define UPY_FS_ROOTFS_H

#include <stdint.h>

#include "fs/vfs.h"

/* Mounts the image at physical address pa (size bytes available there);
 * panics with the reason when it is not a valid image. */
struct superblock *rootfs_mount(uint64_t pa, uint64_t size);
/* The size of the region the image occupies, from its header. */
uint64_t rootfs_region_size(uint64_t pa);

#endif
