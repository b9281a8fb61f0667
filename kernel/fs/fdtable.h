/* The process's file descriptor table, owned by fs/: the process holds
 * a pointer to it (core/process.h), and only this file knows its layout. */
#ifndef UPY_FS_FDTABLE_H
#define UPY_FS_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/vfs.h"

#define FD_LIMIT_DEFAULT 1024 /* RLIMIT_NOFILE soft limit */
#define FD_LIMIT_MAX 65536    /* and its hard limit */

struct fd_slot {
	struct file *file;
	bool cloexec;
};

struct fd_table;

/* An empty table with RLIMIT_NOFILE at FD_LIMIT_DEFAULT, or NULL. */
struct fd_table *fd_table_new(void);
/* RLIMIT_NOFILE's soft limit, as setrlimit changes it: the table enforces
 * it itself, as the address space does its limits. */
void fd_table_set_limit(struct fd_table *t, uint64_t limit);
/* One more than the highest descriptor the table has room for. */
int fd_table_capacity(const struct fd_table *t);

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
