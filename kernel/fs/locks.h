/* Advisory file locks: POSIX record locks, OFD locks and flock(). */
#ifndef UPY_FS_LOCKS_H
#define UPY_FS_LOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/vfs.h"

struct linux_flock {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_pid;
};

/* F_GETLK/F_SETLK/F_SETLKW (ofd: the F_OFD_ variants); fl is in kernel
 * memory and F_GETLK fills it in. */
int locks_record(struct file *f, int cmd, struct linux_flock *fl, bool ofd);
int locks_flock(struct file *f, int op);
/* The process closed a descriptor of f (POSIX locks go). */
void locks_descriptor_closed(struct file *f);
/* The open file description f is gone (its OFD and flock locks go). */
void locks_file_released(struct file *f);

#endif
