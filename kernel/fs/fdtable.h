/* The process's file descriptor table. */
#ifndef UPY_FS_FDTABLE_H
#define UPY_FS_FDTABLE_H

#include <stdbool.h>

#include "fs/vfs.h"

#define FD_LIMIT_DEFAULT 1024 /* RLIMIT_NOFILE soft limit */
#define FD_LIMIT_MAX 65536    /* and its hard limit */

struct fd_slot {
	struct file *file;
	bool cloexec;
};

struct fd_table {
	struct fd_slot *slots;
	int capacity;
};

/* Installs f (taking over the caller's reference) at the lowest free
 * descriptor >= min; returns it, or -EMFILE. */
int fd_install(struct fd_table *t, struct file *f, int min, bool cloexec);
/* Puts f at exactly fd, closing what was there (dup2). */
int fd_install_at(struct fd_table *t, struct file *f, int fd, bool cloexec);
/* The open file at fd (borrowed, no reference), or NULL. */
struct file *fd_lookup(struct fd_table *t, int fd);
struct fd_slot *fd_slot(struct fd_table *t, int fd);
int fd_close(struct fd_table *t, int fd);

#endif
