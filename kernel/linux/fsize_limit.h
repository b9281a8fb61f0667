/* RLIMIT_FSIZE, checked where a regular file would grow, as Linux checks it
 * (generic_write_checks, inode_newsize_ok): past the limit the caller gets
 * SIGXFSZ, whose default action ends the app, and the call fails with
 * EFBIG when the signal is ignored or handled. */
#ifndef UPY_LINUX_FSIZE_LIMIT_H
#define UPY_LINUX_FSIZE_LIMIT_H

#include <stddef.h>
#include <stdint.h>

struct file;
struct inode;

/* A write of *len bytes at pos (the file's end with O_APPEND): -EFBIG
 * when pos is at or past the limit, else *len cut to end at it. Files
 * other than regular ones have no size to limit. */
long fsize_limit_write(struct file *f, uint64_t pos, size_t *len);

/* Growing ino to new_size (truncate, fallocate): -EFBIG past the limit;
 * shrinking is always allowed. */
long fsize_limit_resize(const struct inode *ino, uint64_t new_size);

#endif
