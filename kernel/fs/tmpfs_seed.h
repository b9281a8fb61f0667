#ifndef UPY_FS_TMPFS_SEED_H
#define UPY_FS_TMPFS_SEED_H

#include "fs/vfs.h"

/* Copies the tree under directory src into the empty tmpfs directory dst
 * (files share src's pages until written; see tmpfs_seed.c), and src's
 * attributes onto dst. Returns 0 or a negative errno. */
int tmpfs_seed(struct inode *dst, struct inode *src);

#endif
