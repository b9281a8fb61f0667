#ifndef UPY_FS_TMPFS_H
#define UPY_FS_TMPFS_H

#include <stdint.h>

#include "fs/vfs.h"

/* A new, empty tmpfs whose root has the given permission bits. */
struct superblock *tmpfs_new(uint32_t dev, uint32_t root_mode);
/* Links an inode made elsewhere (a device node) into a tmpfs directory. */
int tmpfs_add_node(struct inode *dir, const char *name, struct inode *ino);

#endif
