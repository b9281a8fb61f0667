/* The embedded root file system as a read-only VFS file system. File pages
 * are the image's own pages: reads copy from them and mmap maps them. */
#ifndef UPY_FS_ROOTFS_H
#define UPY_FS_ROOTFS_H

#include <stdint.h>

#include "fs/vfs.h"

/* Mounts the root file system region at physical address pa (size bytes,
 * in the direct map: the boot module or the loaded segment); panics with the reason
 * when it is not a valid one. */
struct superblock *rootfs_mount(uint64_t pa, uint64_t size);

struct blkdev;
struct pcache;
/* Mounts the root file system region at byte offset `offset` (size bytes)
 * of a read-only block device (the image file itself): its tables are read
 * into memory, file pages into a page cache on demand (fs/pcache.h), which
 * gives them back when frames run out. Panics with the reason when the
 * region is not a valid one. */
struct superblock *rootfs_mount_blk(struct blkdev *dev, uint64_t offset, uint64_t size);
/* The page cache of a root file system on a block device, else NULL. */
const struct pcache *rootfs_page_cache(void);

#endif
