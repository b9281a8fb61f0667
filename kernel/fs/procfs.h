/*
 * procfs, mounted at /proc: the kernel's state as files, in Linux's
 * formats (proc(5)), so glibc and CPython read it as they do on Linux.
 * Nothing is stored: a file's text is generated from the live state when
 * it is read from offset 0, directories list what exists at that moment.
 */
#ifndef UPY_FS_PROCFS_H
#define UPY_FS_PROCFS_H

#include <stdint.h>

#include "fs/vfs.h"

/* A new procfs with device number dev. */
struct superblock *procfs_new(uint32_t dev);
/* The id a /proc/<id> directory is named by (the pid, or a thread id),
 * or 0 if ino is not one. Linux lets one signal the process through a
 * descriptor of it, as through a pidfd. */
int procfs_pid_dir_id(const struct inode *ino);

#endif
