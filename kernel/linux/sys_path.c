/* Syscalls that name files by path: open, stat, the namespace operations
 * (mkdir, unlink, rename, link, symlink), attributes and the cwd. */
#include "core/clock.h"
#include "fs/fdtable.h"
#include "fs/namei.h"
#include "fs/open.h"
#include "fs/permission.h"
#include "core/cred.h"
#include "linux/fsize_limit.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/uaccess.h"

static long do_openat(int dirfd, const char *upath, int flags, uint32_t mode)
{
	char path[PATH_MAX];
	int rc = path_from_user(upath, path, false);
	if (rc < 0)
		return rc;
	struct inode *start = vfs_root;
	if (path[0] != '/' && (rc = start_dir(dirfd, &start)) < 0)
		return rc;
	struct file *f;
	/* 64-bit Linux opens everything as large-file capable (F_GETFL shows it). */
	rc = vfs_open(start, path, flags | O_LARGEFILE, mode & ~proc.umask & 07777, &f);
	if (rc < 0)
		return rc;
	rc = fd_install(proc.fds, f, 0, flags & O_CLOEXEC);
	if (rc < 0)
		file_put(f);
	return rc;
}

SYSCALL_DEFINE4(openat, "d:fsom", int, dirfd, const char *, path, int, flags, uint32_t, mode)
{
	return do_openat(dirfd, path, flags, mode);
}

SYSCALL_DEFINE3(open, "d:som", const char *, path, int, flags, uint32_t, mode)
{
	return do_openat(AT_FDCWD, path, flags, mode);
}

SYSCALL_DEFINE2(creat, "d:sm", const char *, path, uint32_t, mode)
{
	return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

static long stat_at(int dirfd, const char *upath, struct linux_stat *ubuf, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct inode *ino;
	int rc = resolve_at(dirfd, upath, flags, !(flags & AT_SYMLINK_NOFOLLOW), &ino);
	if (rc < 0)
		return rc;
	struct linux_stat st;
	inode_stat(ino, &st);
	inode_put(ino);
	return copy_to_user(ubuf, &st, sizeof(st)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE4(newfstatat, "d:fspx",
		int, dirfd, const char *, path, struct linux_stat *, buf, int, flags)
{
	return stat_at(dirfd, path, buf, flags);
}

SYSCALL_DEFINE2(stat, "d:sp", const char *, path, struct linux_stat *, buf)
{
	return stat_at(AT_FDCWD, path, buf, 0);
}

SYSCALL_DEFINE2(lstat, "d:sp", const char *, path, struct linux_stat *, buf)
{
	return stat_at(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE2(fstat, "d:fp", int, fd, struct linux_stat *, buf)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	struct linux_stat st;
	inode_stat(f->inode, &st);
	return copy_to_user(buf, &st, sizeof(st)) < 0 ? -EFAULT : 0;
}

static struct linux_statx_timestamp statx_time(struct linux_timespec t)
{
	return (struct linux_statx_timestamp){ t.tv_sec, (uint32_t)t.tv_nsec, 0 };
}

SYSCALL_DEFINE5(statx, "d:fsxxp",
		int, dirfd, const char *, path, int, flags, unsigned, mask, struct linux_statx *, buf)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	struct inode *ino;
	int rc = resolve_at(dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW), &ino);
	if (rc < 0)
		return rc;
	struct linux_stat st;
	inode_stat(ino, &st);
	inode_put(ino);
	struct linux_statx sx = {
		.stx_mask = STATX_BASIC_STATS,
		.stx_blksize = (uint32_t)st.st_blksize,
		.stx_nlink = (uint32_t)st.st_nlink,
		.stx_uid = st.st_uid,
		.stx_gid = st.st_gid,
		.stx_mode = (uint16_t)st.st_mode,
		.stx_ino = st.st_ino,
		.stx_size = (uint64_t)st.st_size,
		.stx_blocks = (uint64_t)st.st_blocks,
		.stx_atime = statx_time(st.st_atim),
		.stx_ctime = statx_time(st.st_ctim),
		.stx_mtime = statx_time(st.st_mtim),
		.stx_rdev_major = (uint32_t)(st.st_rdev >> 8),
		.stx_rdev_minor = (uint32_t)(st.st_rdev & 0xff),
		.stx_dev_major = 0,
		.stx_dev_minor = (uint32_t)st.st_dev,
	};
	return copy_to_user(buf, &sx, sizeof(sx)) < 0 ? -EFAULT : 0;
}

static long access_at(int dirfd, const char *upath, int mode, int flags)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	/* access() checks with the real ids unless AT_EACCESS asks otherwise. */
	uint32_t fsuid = cred.fsuid, fsgid = cred.fsgid;
	if (!(flags & AT_EACCESS)) {
		cred.fsuid = cred.uid;
		cred.fsgid = cred.gid;
	}
	struct inode *ino;
	int rc = resolve_at(dirfd, upath, flags, !(flags & AT_SYMLINK_NOFOLLOW), &ino);
	if (rc == 0) {
		rc = mode ? inode_permission(ino, mode) : 0;
		inode_put(ino);
	}
	cred.fsuid = fsuid;
	cred.fsgid = fsgid;
	return rc;
}

SYSCALL_DEFINE2(access, "d:sd", const char *, path, int, mode)
{
	return access_at(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE3(faccessat, "d:fsd", int, dirfd, const char *, path, int, mode)
{
	return access_at(dirfd, path, mode, 0);
}

SYSCALL_DEFINE4(faccessat2, "d:fsdx", int, dirfd, const char *, path, int, mode, int, flags)
{
	return access_at(dirfd, path, mode, flags);
}

static long readlink_at(int dirfd, const char *upath, char *ubuf, int size)
{
	if (size <= 0)
		return -EINVAL;
	struct inode *ino;
	int rc = resolve_at(dirfd, upath, AT_EMPTY_PATH, false, &ino);
	if (rc < 0)
		return rc;
	char buf[PATH_MAX];
	if (!S_ISLNK(ino->mode) || !ino->ops->readlink)
		rc = -EINVAL;
	else
		rc = ino->ops->readlink(ino, buf, sizeof(buf));
	inode_put(ino);
	if (rc < 0)
		return rc;
	if (rc > size)
		rc = size;
	return copy_to_user(ubuf, buf, (size_t)rc) < 0 ? -EFAULT : rc;
}

SYSCALL_DEFINE4(readlinkat, "d:fspd", int, dirfd, const char *, path, char *, buf, int, size)
{
	return readlink_at(dirfd, path, buf, size);
}

SYSCALL_DEFINE3(readlink, "d:spd", const char *, path, char *, buf, int, size)
{
	return readlink_at(AT_FDCWD, path, buf, size);
}

/* Resolves everything but the last component of a path, for the calls
 * that create or remove a name. */
static int walk_parent(int dirfd, const char *upath, struct walk_result *w)
{
	char path[PATH_MAX];
	int rc = path_from_user(upath, path, false);
	if (rc < 0)
		return rc;
	struct inode *start = vfs_root;
	if (path[0] != '/' && (rc = start_dir(dirfd, &start)) < 0)
		return rc;
	return path_walk(start, path, WALK_PARENT, w);
}

static bool is_dot_or_dotdot(const struct walk_result *w)
{
	return (w->last_len == 1 && w->last[0] == '.') ||
	       (w->last_len == 2 && w->last[0] == '.' && w->last[1] == '.');
}

static int writable_dir(struct inode *dir)
{
	return dir->sb->readonly ? -EROFS : 0;
}

static long mkdir_at(int dirfd, const char *upath, uint32_t mode)
{
	struct walk_result w;
	int rc = walk_parent(dirfd, upath, &w);
	if (rc < 0)
		return rc;
	if (w.inode)
		rc = -EEXIST;
	else if ((rc = writable_dir(w.dir)) == 0 &&
		 (rc = inode_permission(w.dir, MAY_WRITE | MAY_EXEC)) == 0)
		rc = w.dir->ops->mkdir ? w.dir->ops->mkdir(w.dir, w.last, w.last_len,
							 mode & ~proc.umask & 07777)
				       : -EPERM;
	walk_release(&w);
	return rc;
}

SYSCALL_DEFINE3(mkdirat, "d:fsm", int, dirfd, const char *, path, uint32_t, mode)
{
	return mkdir_at(dirfd, path, mode);
}

SYSCALL_DEFINE2(mkdir, "d:sm", const char *, path, uint32_t, mode)
{
	return mkdir_at(AT_FDCWD, path, mode);
}

static long unlink_at(int dirfd, const char *upath, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	struct walk_result w;
	int rc = walk_parent(dirfd, upath, &w);
	if (rc < 0)
		return rc;
	bool rmdir = flags & AT_REMOVEDIR;
	if (!w.inode)
		rc = -ENOENT;
	else if (rmdir && w.last_len == 1 && w.last[0] == '.')
		rc = -EINVAL;
	else if (rmdir && is_dot_or_dotdot(&w))
		rc = -ENOTEMPTY;
	else if (rmdir && !S_ISDIR(w.inode->mode))
		rc = -ENOTDIR;
	else if (!rmdir && S_ISDIR(w.inode->mode))
		rc = -EISDIR;
	else if (!rmdir && w.trailing_slash)
		rc = -ENOTDIR;
	else if (rmdir && w.inode == vfs_root)
		rc = -EBUSY;
	else if ((rc = writable_dir(w.dir)) == 0 && (rc = may_delete(w.dir, w.inode)) == 0) {
		int (*op)(struct inode *, const char *, size_t) =
			rmdir ? w.dir->ops->rmdir : w.dir->ops->unlink;
		rc = op ? op(w.dir, w.last, w.last_len) : -EPERM;
	}
	walk_release(&w);
	return rc;
}

SYSCALL_DEFINE3(unlinkat, "d:fsx", int, dirfd, const char *, path, int, flags)
{
	return unlink_at(dirfd, path, flags);
}

SYSCALL_DEFINE1(unlink, "d:s", const char *, path)
{
	return unlink_at(AT_FDCWD, path, 0);
}

SYSCALL_DEFINE1(rmdir, "d:s", const char *, path)
{
	return unlink_at(AT_FDCWD, path, AT_REMOVEDIR);
}

static long rename_at(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		      unsigned flags)
{
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	struct walk_result from, to;
	int rc = walk_parent(olddirfd, oldpath, &from);
	if (rc < 0)
		return rc;
	rc = walk_parent(newdirfd, newpath, &to);
	if (rc < 0) {
		walk_release(&from);
		return rc;
	}
	if (!from.inode)
		rc = -ENOENT;
	else if (is_dot_or_dotdot(&from) || is_dot_or_dotdot(&to))
		rc = -EBUSY;
	else if ((from.trailing_slash || to.trailing_slash) && !S_ISDIR(from.inode->mode))
		rc = -ENOTDIR;
	else if (from.dir->sb != to.dir->sb)
		rc = -EXDEV;
	else if ((rc = writable_dir(to.dir)) == 0 && (rc = may_delete(from.dir, from.inode)) == 0 &&
		 (rc = inode_permission(to.dir, MAY_WRITE | MAY_EXEC)) == 0 &&
		 (!to.inode || (rc = may_delete(to.dir, to.inode)) == 0) &&
		 /* A directory moving elsewhere rewrites its "..": it must be writable. */
		 (!S_ISDIR(from.inode->mode) || from.dir == to.dir ||
		  (rc = inode_permission(from.inode, MAY_WRITE)) == 0))
		rc = to.dir->ops->rename ? to.dir->ops->rename(from.dir, from.last, from.last_len,
							      to.dir, to.last, to.last_len, flags)
					 : -EPERM;
	walk_release(&from);
	walk_release(&to);
	return rc;
}

SYSCALL_DEFINE5(renameat2, "d:fsfsx",
		int, olddirfd, const char *, oldpath, int, newdirfd, const char *, newpath, unsigned, flags)
{
	return rename_at(olddirfd, oldpath, newdirfd, newpath, flags);
}

SYSCALL_DEFINE4(renameat, "d:fsfs",
		int, olddirfd, const char *, oldpath, int, newdirfd, const char *, newpath)
{
	return rename_at(olddirfd, oldpath, newdirfd, newpath, 0);
}

SYSCALL_DEFINE2(rename, "d:ss", const char *, oldpath, const char *, newpath)
{
	return rename_at(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

static long link_at(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		    int flags)
{
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *target;
	int rc = resolve_at(olddirfd, oldpath, flags & AT_EMPTY_PATH, flags & AT_SYMLINK_FOLLOW,
			    &target);
	if (rc < 0)
		return rc;
	struct walk_result w;
	rc = walk_parent(newdirfd, newpath, &w);
	if (rc == 0) {
		if (S_ISDIR(target->mode))
			rc = -EPERM;
		else if (w.inode)
			rc = -EEXIST;
		else if (target->sb != w.dir->sb)
			rc = -EXDEV;
		else if ((rc = writable_dir(w.dir)) == 0 &&
			 (rc = inode_permission(w.dir, MAY_WRITE | MAY_EXEC)) == 0)
			rc = w.dir->ops->link ? w.dir->ops->link(w.dir, w.last, w.last_len, target)
					      : -EPERM;
		walk_release(&w);
	}
	inode_put(target);
	return rc;
}

SYSCALL_DEFINE5(linkat, "d:fsfsx",
		int, olddirfd, const char *, oldpath, int, newdirfd, const char *, newpath, int, flags)
{
	return link_at(olddirfd, oldpath, newdirfd, newpath, flags);
}

SYSCALL_DEFINE2(link, "d:ss", const char *, oldpath, const char *, newpath)
{
	return link_at(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

static long symlink_at(const char *utarget, int dirfd, const char *upath)
{
	char target[PATH_MAX];
	int rc = path_from_user(utarget, target, false);
	if (rc < 0)
		return rc;
	struct walk_result w;
	rc = walk_parent(dirfd, upath, &w);
	if (rc < 0)
		return rc;
	if (w.inode)
		rc = -EEXIST;
	else if ((rc = writable_dir(w.dir)) == 0 &&
		 (rc = inode_permission(w.dir, MAY_WRITE | MAY_EXEC)) == 0)
		rc = w.dir->ops->symlink ? w.dir->ops->symlink(w.dir, w.last, w.last_len, target)
					 : -EPERM;
	walk_release(&w);
	return rc;
}

SYSCALL_DEFINE3(symlinkat, "d:sfs", const char *, target, int, dirfd, const char *, path)
{
	return symlink_at(target, dirfd, path);
}

SYSCALL_DEFINE2(symlink, "d:ss", const char *, target, const char *, path)
{
	return symlink_at(target, AT_FDCWD, path);
}

static long set_mode(struct inode *ino, uint32_t mode)
{
	if (ino->sb->readonly)
		return -EROFS;
	if (!owner_or_capable(ino))
		return -EPERM;
	/* Only a member of the file's group (or root) may keep set-group-ID. */
	if (!cred_capable() && !cred_in_group(ino->gid))
		mode &= ~(uint32_t)S_ISGID;
	struct iattr a = { .valid = ATTR_MODE, .mode = mode & 07777 };
	int rc = ino->ops->setattr ? ino->ops->setattr(ino, &a) : 0;
	if (rc < 0)
		return rc;
	ino->mode = (ino->mode & S_IFMT) | (mode & 07777);
	inode_touch(ino, false, true);
	return 0;
}

static long chmod_at(int dirfd, const char *path, uint32_t mode, int flags)
{
	struct inode *ino;
	int rc = resolve_at(dirfd, path, flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW), &ino);
	if (rc < 0)
		return rc;
	/* Linux cannot change the mode of a symlink itself. */
	rc = S_ISLNK(ino->mode) ? -EOPNOTSUPP : (int)set_mode(ino, mode);
	inode_put(ino);
	return rc;
}

SYSCALL_DEFINE3(fchmodat, "d:fsm", int, dirfd, const char *, path, uint32_t, mode)
{
	return chmod_at(dirfd, path, mode, 0);
}

SYSCALL_DEFINE2(chmod, "d:sm", const char *, path, uint32_t, mode)
{
	return chmod_at(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE2(fchmod, "d:fm", int, fd, uint32_t, mode)
{
	struct file *f = fd_file(fd);
	return f ? set_mode(f->inode, mode) : -EBADF;
}

static long set_owner(struct inode *ino, uint32_t uid, uint32_t gid)
{
	if (ino->sb->readonly)
		return -EROFS;
	if (!cred_capable()) {
		/* An owner may only give the file to one of its own groups. */
		if (cred.fsuid != ino->uid || (uid != (uint32_t)-1 && uid != ino->uid) ||
		    (gid != (uint32_t)-1 && gid != ino->gid && !cred_in_group(gid)))
			return -EPERM;
	}
	bool changes = (uid != (uint32_t)-1 && uid != ino->uid) ||
		       (gid != (uint32_t)-1 && gid != ino->gid);
	struct iattr a = { .valid = (uid != (uint32_t)-1 ? ATTR_UID : 0) |
				    (gid != (uint32_t)-1 ? ATTR_GID : 0),
			   .uid = uid, .gid = gid };
	int rc = a.valid && ino->ops->setattr ? ino->ops->setattr(ino, &a) : 0;
	if (rc < 0)
		return rc;
	if (uid != (uint32_t)-1)
		ino->uid = uid;
	if (gid != (uint32_t)-1)
		ino->gid = gid;
	/* Linux drops set-user-ID and set-group-ID of a file given away. */
	if (changes && !S_ISDIR(ino->mode))
		ino->mode &= ~(uint32_t)(S_ISUID | ((ino->mode & 010) ? S_ISGID : 0));
	inode_touch(ino, false, true);
	return 0;
}

static long chown_at(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *ino;
	int rc = resolve_at(dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW), &ino);
	if (rc < 0)
		return rc;
	rc = (int)set_owner(ino, uid, gid);
	inode_put(ino);
	return rc;
}

SYSCALL_DEFINE5(fchownat, "d:fsddx",
		int, dirfd, const char *, path, uint32_t, uid, uint32_t, gid, int, flags)
{
	return chown_at(dirfd, path, uid, gid, flags);
}

SYSCALL_DEFINE3(chown, "d:sdd", const char *, path, uint32_t, uid, uint32_t, gid)
{
	return chown_at(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL_DEFINE3(lchown, "d:sdd", const char *, path, uint32_t, uid, uint32_t, gid)
{
	return chown_at(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE3(fchown, "d:fdd", int, fd, uint32_t, uid, uint32_t, gid)
{
	struct file *f = fd_file(fd);
	return f ? set_owner(f->inode, uid, gid) : -EBADF;
}

SYSCALL_DEFINE2(truncate, "d:sl", const char *, path, int64_t, length)
{
	if (length < 0)
		return -EINVAL;
	struct inode *ino;
	int rc = resolve_at(AT_FDCWD, path, 0, true, &ino);
	if (rc < 0)
		return rc;
	if (S_ISDIR(ino->mode))
		rc = -EISDIR;
	else if (!S_ISREG(ino->mode))
		rc = -EINVAL;
	else if (ino->sb->readonly)
		rc = -EROFS;
	else if ((rc = inode_permission(ino, MAY_WRITE)) == 0 &&
		 (rc = (int)fsize_limit_resize(ino, (uint64_t)length)) == 0)
		rc = ino->ops->truncate ? ino->ops->truncate(ino, (uint64_t)length) : -EINVAL;
	inode_put(ino);
	return rc;
}

static int pick_time(const struct linux_timespec *t, struct linux_timespec *out, bool *set)
{
	if (t->tv_nsec == UTIME_OMIT)
		return 0;
	if (t->tv_nsec == UTIME_NOW) {
		int64_t ns = clock_realtime_ns();
		*out = (struct linux_timespec){ ns / (int64_t)NSEC_PER_SEC, ns % (int64_t)NSEC_PER_SEC };
	} else if (t->tv_nsec < 0 || t->tv_nsec >= (int64_t)NSEC_PER_SEC) {
		return -EINVAL;
	} else {
		*out = *t;
	}
	*set = true;
	return 0;
}

static long set_times(struct inode *ino, const struct linux_timespec *times)
{
	struct linux_timespec t[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	if (times)
		t[0] = times[0], t[1] = times[1];
	struct linux_timespec atime = ino->atime, mtime = ino->mtime;
	bool set_a = false, set_m = false;
	int rc = pick_time(&t[0], &atime, &set_a);
	if (rc == 0)
		rc = pick_time(&t[1], &mtime, &set_m);
	if (rc < 0)
		return rc;
	if (!set_a && !set_m)
		return 0;
	if (ino->sb->readonly)
		return -EROFS;
	bool both_now = !times || (times[0].tv_nsec == UTIME_NOW && times[1].tv_nsec == UTIME_NOW);
	if (!owner_or_capable(ino)) {
		if (!both_now)
			return -EPERM;
		int rc2 = inode_permission(ino, MAY_WRITE);
		if (rc2 < 0)
			return rc2;
	}
	struct iattr a = { .valid = (set_a ? ATTR_ATIME : 0) | (set_m ? ATTR_MTIME : 0),
			   .atime = atime, .mtime = mtime };
	if (ino->ops->setattr && (rc = ino->ops->setattr(ino, &a)) < 0)
		return rc;
	ino->atime = atime;
	ino->mtime = mtime;
	inode_touch(ino, false, true);
	return 0;
}

SYSCALL_DEFINE4(utimensat, "d:fspx",
		int, dirfd, const char *, path, const struct linux_timespec *, utimes, int, flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct linux_timespec times[2];
	if (utimes && copy_from_user(times, utimes, sizeof(times)) < 0)
		return -EFAULT;
	struct inode *ino;
	int rc;
	if (!path) {
		/* futimens(): the descriptor itself. */
		struct file *f = fd_file(dirfd);
		if (!f)
			return -EBADF;
		ino = inode_get(f->inode);
	} else {
		rc = resolve_at(dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW), &ino);
		if (rc < 0)
			return rc;
	}
	rc = (int)set_times(ino, utimes ? times : NULL);
	inode_put(ino);
	return rc;
}

static long statfs_of(struct inode *ino, struct linux_statfs *ubuf)
{
	struct linux_statfs st;
	int rc = ino->sb->statfs ? ino->sb->statfs(ino->sb, &st) : -ENOSYS;
	if (rc < 0)
		return rc;
	st.f_fsid[0] = (int32_t)ino->sb->dev;
	return copy_to_user(ubuf, &st, sizeof(st)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE2(statfs, "d:sp", const char *, path, struct linux_statfs *, buf)
{
	struct inode *ino;
	int rc = resolve_at(AT_FDCWD, path, 0, true, &ino);
	if (rc < 0)
		return rc;
	rc = (int)statfs_of(ino, buf);
	inode_put(ino);
	return rc;
}

SYSCALL_DEFINE2(fstatfs, "d:fp", int, fd, struct linux_statfs *, buf)
{
	struct file *f = fd_file(fd);
	return f ? statfs_of(f->inode, buf) : -EBADF;
}

SYSCALL_DEFINE1(umask, "d:m", uint32_t, mask)
{
	uint32_t old = proc.umask;
	proc.umask = mask & 0777;
	return old;
}
