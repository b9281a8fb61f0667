/* Inodes for files that have no name (epoll, eventfd): one shared
 * pseudo file system, and the "anon_inode:[kind]" path /proc shows. */
#ifndef UPY_FS_ANON_INODE_H
#define UPY_FS_ANON_INODE_H

#include "fs/vfs.h"

/* A new open file of `kind` (e.g. "[eventfd]") with ops and priv. */
struct file *anon_file_new(const char *kind, const struct file_ops *ops, void *priv,
			   unsigned flags);
/* Gives a file a descriptive path such as "pipe:[42]". */
void file_set_path(struct file *f, const char *fmt, uint64_t n);
void file_set_name(struct file *f, const char *name);

#endif
