/* Extended attributes kept with an in-memory inode (tmpfs, /dev). */
#ifndef UPY_FS_XATTR_H
#define UPY_FS_XATTR_H

#include <stddef.h>

#include "fs/vfs.h"

#define XATTR_CREATE 1
#define XATTR_REPLACE 2
#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

int xattr_set(struct inode *ino, const char *name, const void *value, size_t size, int flags);
/* Copies the value into buf (size 0: just report its length). */
long xattr_get(struct inode *ino, const char *name, void *buf, size_t size);
/* NUL-separated names into buf (size 0: just report the length). */
long xattr_list(struct inode *ino, char *buf, size_t size);
int xattr_remove(struct inode *ino, const char *name);
/* Frees an inode's attributes when it goes. */
void xattr_free_all(struct inode *ino);

#endif
