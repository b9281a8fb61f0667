/* Signal-driven I/O: O_ASYNC, F_SETOWN(_EX), F_SETSIG (fs/fasync.c). A
 * service of fs/: poll_notify() and the final close of a file call it, and
 * linux/sys_fd.c's fcntl sets it up. */
#ifndef UPY_FS_FASYNC_H
#define UPY_FS_FASYNC_H

#include "fs/vfs.h"

#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2

/* After F_SETFL changed f->flags (from old_flags): O_ASYNC just turned on
 * through descriptor fd starts watching f. */
int fasync_set_flags(struct file *f, int fd, unsigned old_flags);
/* F_SETOWN / F_SETOWN_EX: -ESRCH for nobody here, -EINVAL for a bad type;
 * pid 0 stops the signals. */
int fasync_set_owner(struct file *f, int type, int pid);
void fasync_get_owner(struct file *f, int *type, int *pid);
/* F_SETSIG (0: SIGIO) and F_GETSIG. */
int fasync_set_signal(struct file *f, unsigned long signo);
int fasync_get_signal(struct file *f);

/* Readiness may have changed (poll_notify): listed files that signal. */
void fasync_notify(void);
/* A file finally closed is forgotten. */
void fasync_file_released(struct file *f);

#endif
