/* The image's files for a disk mounted over them (disk_seed.c). */
#ifndef UPY_FS_EXT2_DISK_SEED_H
#define UPY_FS_EXT2_DISK_SEED_H

#include <stdint.h>

#include "fs/vfs.h"

/* Copies into dst what it lacks of src's tree, and src's files newer than
 * dst's copies; adds the number of files copied to *copied. */
int disk_seed(struct inode *dst, struct inode *src, uint32_t *copied);

#endif
