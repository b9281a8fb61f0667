/* Argument handling shared by the file syscalls: descriptors, app paths
 * and the directory an *at() call starts from. */
#ifndef UPY_LINUX_FS_ARGS_H
#define UPY_LINUX_FS_ARGS_H

#include <stdbool.h>

#include "core/process.h"
#include "fs/vfs.h"

/* The open file at fd, or NULL (-> EBADF). It stays open until the
 * syscall returns even if another thread closes fd meanwhile, as Linux
 * holds it: a read blocked on a pipe must not see its file freed. */
struct file *fd_file(int fd);
/* Lets go of the files the syscall used (the dispatcher calls it). */
void fd_release_held(void);

/* Copies an app path into buf (PATH_MAX bytes): 0, -EFAULT,
 * -ENAMETOOLONG, or -ENOENT for "" unless allow_empty. */
int path_from_user(const char *upath, char *buf, bool allow_empty);

/* The directory a relative path starts from: the cwd for AT_FDCWD, else
 * the directory open at dirfd. Borrowed; -EBADF / -ENOTDIR on failure. */
int start_dir(int dirfd, struct inode **out);

/* The inode an *at() call names: the file at dirfd itself when path is ""
 * and AT_EMPTY_PATH is given. A new reference in *out. */
int resolve_at(int dirfd, const char *upath, int at_flags, bool follow, struct inode **out);

#endif
