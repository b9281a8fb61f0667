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

/*
 * Descriptor numbers from the app are unsigned, as Linux's are, and are
 * compared with RLIMIT_NOFILE before they become an index: no value an app
 * passes turns into a negative or out-of-table slot.
 */
/* Installs f (taking over the caller's reference) at the lowest free
 * descriptor >= min; returns it, -EINVAL when min is not below
 * RLIMIT_NOFILE (F_DUPFD), or -EMFILE. */
int fd_install(struct fd_table *t, struct file *f, unsigned min, bool cloexec);
/* Puts f at exactly fd, closing what was there (dup2); -EBADF when fd is
 * not below RLIMIT_NOFILE. */
int fd_install_at(struct fd_table *t, struct file *f, unsigned fd, bool cloexec);
/* The open file at fd (borrowed, no reference), or NULL. */
struct file *fd_lookup(struct fd_table *t, int fd);
struct fd_slot *fd_slot(struct fd_table *t, int fd);
int fd_close(struct fd_table *t, int fd);
/* Closes every descriptor of t, as a process's exit does. */
void fd_close_all(struct fd_table *t);

#endif
