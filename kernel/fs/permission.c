#include "fs/permission.h"

#include "core/cred.h"
#include "uapi/errno.h"

int inode_permission(struct inode *ino, int mask)
{
	if ((mask & MAY_WRITE) && ino->sb->readonly &&
	    (S_ISREG(ino->mode) || S_ISDIR(ino->mode) || S_ISLNK(ino->mode)))
		return -EROFS;
	if (cred.fsuid == 0) {
		/* CAP_DAC_OVERRIDE: everything but executing what no one may. */
		if (!(mask & MAY_EXEC) || S_ISDIR(ino->mode) || (ino->mode & 0111))
			return 0;
		return -EACCES;
	}
	unsigned bits;
	if (cred.fsuid == ino->uid)
		bits = ino->mode >> 6;
	else if (cred_in_group(ino->gid))
		bits = ino->mode >> 3;
	else
		bits = ino->mode;
	return ((bits & (unsigned)mask & 7) == ((unsigned)mask & 7)) ? 0 : -EACCES;
}

int may_delete(struct inode *dir, struct inode *victim)
{
	int rc = inode_permission(dir, MAY_WRITE | MAY_EXEC);
	if (rc < 0)
		return rc;
	if ((dir->mode & S_ISVTX) && cred.fsuid != 0 && cred.fsuid != dir->uid &&
	    cred.fsuid != victim->uid)
		return -EPERM;
	return 0;
}

bool owner_or_capable(struct inode *ino)
{
	return cred.fsuid == ino->uid || cred_capable();
}

void inode_init_owner(struct inode *ino, struct inode *dir)
{
	ino->uid = cred.fsuid;
	if (dir && (dir->mode & S_ISGID)) {
		ino->gid = dir->gid;
		if (S_ISDIR(ino->mode))
			ino->mode |= S_ISGID;
	} else {
		ino->gid = cred.fsgid;
	}
}
