/* Opening files by path: the logic openat() and the kernel share. */
#ifndef UPY_FS_OPEN_H
#define UPY_FS_OPEN_H

#include <stdint.h>

#include "fs/vfs.h"

/* Opens path relative to start with open(2) flags and mode (umask already
 * applied); *out gets a new file reference. */
int vfs_open(struct inode *start, const char *path, int flags, uint32_t mode,
	     struct file **out);
/* Opens an inode directly (no path walk); path is recorded for /proc. */
int vfs_open_inode(struct inode *ino, const char *path, int flags, struct file **out);

/* Reads for the kernel's own use (loader, config) into kernel memory. */
int64_t kernel_read(struct file *f, void *buf, size_t len, uint64_t off);
/* Writes kernel memory to a file (the files the kernel generates, such as
 * the network's /etc/resolv.conf). */
int64_t kernel_write(struct file *f, const void *buf, size_t len, uint64_t off);

#endif
