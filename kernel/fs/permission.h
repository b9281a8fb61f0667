/* File access checks (rwx bits against the credentials' fs ids). */
#ifndef UPY_FS_PERMISSION_H
#define UPY_FS_PERMISSION_H

#include "fs/vfs.h"

#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

/* 0 or -EACCES (-EROFS for writes to a read-only file system). */
int inode_permission(struct inode *ino, int mask);
/* May the caller remove or rename `victim` out of directory dir (sticky bit)? */
int may_delete(struct inode *dir, struct inode *victim);
/* Is the caller the owner of ino, or privileged (chmod, utimes)? */
bool owner_or_capable(struct inode *ino);
/* Ownership of a new inode in dir: the fs uid, and the fs gid or the
 * directory's group when it is set-group-ID. */
void inode_init_owner(struct inode *ino, struct inode *dir);

#endif
