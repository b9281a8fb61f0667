/* Pseudo-terminals: /dev/ptmx and /dev/pts/N. */
#ifndef UPY_DRIVERS_PTY_H
#define UPY_DRIVERS_PTY_H

#include "fs/vfs.h"

/* The file ops of the /dev/ptmx node. */
extern const struct file_ops ptmx_ops;
/* Where slave nodes appear (the /dev/pts directory). */
void pty_init(struct inode *dev_pts);

#endif
