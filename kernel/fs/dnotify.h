/* dnotify (fcntl F_NOTIFY): a signal when a watched directory changes. */
#ifndef UPY_FS_DNOTIFY_H
#define UPY_FS_DNOTIFY_H

#include "fs/vfs.h"

#define DN_ACCESS 0x00000001
#define DN_MODIFY 0x00000002
#define DN_CREATE 0x00000004
#define DN_DELETE 0x00000008
#define DN_RENAME 0x00000010
#define DN_ATTRIB 0x00000020
#define DN_MULTISHOT 0x80000000

/* F_NOTIFY on f with the DN_* mask; 0 removes the watch. */
int dnotify_set(struct file *f, unsigned long mask);
/* Directory dir saw events (DN_*): signals the watchers that asked. */
void dnotify_event(struct inode *dir, unsigned long events);
/* The open file is closing: its watch goes. */
void dnotify_file_released(struct file *f);

#endif
