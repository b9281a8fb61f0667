#ifndef UPY_FS_TMPFS_H
#define UPY_FS_TMPFS_H

#include <stdint.h>

#include "fs/vfs.h"

/* A new, empty tmpfs whose root has the given permission bits. */
struct superblock *tmpfs_new(uint32_t dev, uint32_t root_mode);
/* Makes the tmpfs file ino read as `lower` (a file whose pages are never
 * written, e.g. the image's) until it writes a page itself; takes a
 * reference on lower. -EINVAL if either is not such a file. */
int tmpfs_set_lower(struct inode *ino, struct inode *lower);
/* Links an inode made elsewhere (a device node) into a tmpfs directory. */
int tmpfs_add_node(struct inode *dir, const char *name, struct inode *ino);

#endif
