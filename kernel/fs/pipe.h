/* Pipes and FIFOs: a byte ring between a read end and a write end. */
#ifndef UPY_FS_PIPE_H
#define UPY_FS_PIPE_H

#include "fs/vfs.h"

#define PIPE_BUF 4096            /* writes up to this size are atomic */
#define PIPE_DEFAULT_SIZE 65536
#define PIPE_MAX_SIZE 1048576    /* /proc/sys/fs/pipe-max-size */

/* A new anonymous pipe: *rd and *wr are its two ends (O_NONBLOCK and
 * O_DIRECT from flags apply to both). */
int pipe_create(unsigned flags, struct file **rd, struct file **wr);

/* FIFOs (named pipes): the file ops an S_IFIFO inode opens with. */
extern const struct file_ops fifo_ops;
/* Frees the pipe a FIFO inode holds, when the inode goes. */
void fifo_evict(struct inode *ino);

int pipe_get_size(struct file *f);
int pipe_set_size(struct file *f, unsigned long size);
/* Is f an end of a pipe or a FIFO? */
int is_pipe(struct file *f);

#endif
