/* Creating pipes and special files: pipe, pipe2, mknod. */
#include "core/cred.h"
#include "fs/fdtable.h"
#include "fs/namei.h"
#include "fs/permission.h"
#include "fs/pipe.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/uaccess.h"

static long do_pipe2(int *ufds, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (flags & O_DIRECT)
		return -EINVAL; /* packet-mode pipes are not implemented */
	struct file *rd, *wr;
	int rc = pipe_create((unsigned)flags, &rd, &wr);
	if (rc < 0)
		return rc;
	int fds[2];
	fds[0] = fd_install(proc.fds, rd, 0, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(rd);
		file_put(wr);
		return fds[0];
	}
	fds[1] = fd_install(proc.fds, wr, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		fd_close(proc.fds, fds[0]);
		file_put(wr);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds)) < 0) {
		fd_close(proc.fds, fds[0]);
		fd_close(proc.fds, fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE2(pipe2, "d:po", int *, fds, int, flags)
{
	return do_pipe2(fds, flags);
}

SYSCALL_DEFINE1(pipe, "d:p", int *, fds)
{
	return do_pipe2(fds, 0);
}

static long mknod_at(int dirfd, const char *upath, uint32_t mode, uint32_t dev)
{
	uint32_t type = mode & S_IFMT;
	if (type == 0)
		type = S_IFREG;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFCHR && type != S_IFBLK &&
	    type != S_IFSOCK)
		return -EINVAL;
	char path[PATH_MAX];
	int rc = path_from_user(upath, path, false);
	if (rc < 0)
		return rc;
	struct inode *start = vfs_root;
	if (path[0] != '/' && (rc = start_dir(dirfd, &start)) < 0)
		return rc;
	struct walk_result w;
	rc = path_walk(start, path, WALK_PARENT, &w);
	if (rc < 0)
		return rc;
	uint32_t perm = mode & 07777 & ~proc.umask;
	if (w.inode)
		rc = -EEXIST;
	else if (w.dir->sb->readonly)
		rc = -EROFS;
	else if (!w.dir->ops->mknod)
		rc = -EPERM;
	else if ((type == S_IFCHR || type == S_IFBLK) && !cred_capable())
		rc = -EPERM; /* CAP_MKNOD */
	else if ((rc = inode_permission(w.dir, MAY_WRITE | MAY_EXEC)) == 0)
		rc = w.dir->ops->mknod(w.dir, w.last, w.last_len, type | perm, dev);
	walk_release(&w);
	return rc;
}

SYSCALL_DEFINE4(mknodat, "d:fsmx",
		int, dirfd, const char *, path, uint32_t, mode, uint32_t, dev)
{
	return mknod_at(dirfd, path, mode, dev);
}

SYSCALL_DEFINE3(mknod, "d:smx", const char *, path, uint32_t, mode, uint32_t, dev)
{
	return mknod_at(AT_FDCWD, path, mode, dev);
}
