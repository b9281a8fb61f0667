/* Extended-attribute syscalls: set/get/list/remove, by path (following
 * symlinks or not) or by descriptor. */
#include "fs/xattr.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

static int name_in(const char *uname, char *name)
{
	long n = strncpy_from_user(name, uname, XATTR_NAME_MAX + 1);
	if (n == -ENAMETOOLONG)
		return -ERANGE;
	if (n < 0)
		return (int)n;
	return n == 0 ? -ERANGE : 0;
}

static int target(const char *path, int fd, bool follow, struct inode **out)
{
	if (!path) {
		struct file *f = fd_file(fd);
		if (!f)
			return -EBADF;
		*out = inode_get(f->inode);
		return 0;
	}
	return resolve_at(AT_FDCWD, path, 0, follow, out);
}

static long set(const char *path, int fd, bool follow, const char *uname, const void *uvalue,
		size_t size, int flags)
{
	char name[XATTR_NAME_MAX + 1];
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	int rc = name_in(uname, name);
	if (rc < 0)
		return rc;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	void *value = kmalloc(size ? size : 1);
	if (!value)
		return -ENOMEM;
	struct inode *ino;
	rc = copy_from_user(value, uvalue, size) < 0 ? -EFAULT : target(path, fd, follow, &ino);
	if (rc == 0) {
		rc = xattr_set(ino, name, value, size, flags);
		inode_put(ino);
	}
	kfree(value);
	return rc;
}

static long get(const char *path, int fd, bool follow, const char *uname, void *uvalue,
		size_t size)
{
	char name[XATTR_NAME_MAX + 1];
	int rc = name_in(uname, name);
	if (rc < 0)
		return rc;
	struct inode *ino;
	if ((rc = target(path, fd, follow, &ino)) < 0)
		return rc;
	size_t cap = size < XATTR_SIZE_MAX ? size : XATTR_SIZE_MAX;
	void *buf = kmalloc(cap ? cap : 1);
	long n = buf ? xattr_get(ino, name, buf, cap) : -ENOMEM;
	inode_put(ino);
	if (n > 0 && size && copy_to_user(uvalue, buf, (size_t)n) < 0)
		n = -EFAULT;
	kfree(buf);
	return n;
}

static long list(const char *path, int fd, bool follow, char *ulist, size_t size)
{
	struct inode *ino;
	int rc = target(path, fd, follow, &ino);
	if (rc < 0)
		return rc;
	size_t cap = size < XATTR_LIST_MAX ? size : XATTR_LIST_MAX;
	char *buf = kmalloc(cap ? cap : 1);
	long n = buf ? xattr_list(ino, buf, cap) : -ENOMEM;
	inode_put(ino);
	if (n > 0 && size && copy_to_user(ulist, buf, (size_t)n) < 0)
		n = -EFAULT;
	kfree(buf);
	return n;
}

static long remove(const char *path, int fd, bool follow, const char *uname)
{
	char name[XATTR_NAME_MAX + 1];
	int rc = name_in(uname, name);
	if (rc < 0)
		return rc;
	struct inode *ino;
	if ((rc = target(path, fd, follow, &ino)) < 0)
		return rc;
	rc = xattr_remove(ino, name);
	inode_put(ino);
	return rc;
}

SYSCALL_DEFINE5(setxattr, "d:ssbux",
		const char *, path, const char *, name, const void *, value, size_t, size, int, flags)
{
	return set(path, -1, true, name, value, size, flags);
}

SYSCALL_DEFINE5(lsetxattr, "d:ssbux",
		const char *, path, const char *, name, const void *, value, size_t, size, int, flags)
{
	return set(path, -1, false, name, value, size, flags);
}

SYSCALL_DEFINE5(fsetxattr, "d:fsbux",
		int, fd, const char *, name, const void *, value, size_t, size, int, flags)
{
	return set(NULL, fd, true, name, value, size, flags);
}

SYSCALL_DEFINE4(getxattr, "d:sspu",
		const char *, path, const char *, name, void *, value, size_t, size)
{
	return get(path, -1, true, name, value, size);
}

SYSCALL_DEFINE4(lgetxattr, "d:sspu",
		const char *, path, const char *, name, void *, value, size_t, size)
{
	return get(path, -1, false, name, value, size);
}

SYSCALL_DEFINE4(fgetxattr, "d:fspu", int, fd, const char *, name, void *, value, size_t, size)
{
	return get(NULL, fd, true, name, value, size);
}

SYSCALL_DEFINE3(listxattr, "d:spu", const char *, path, char *, list_out, size_t, size)
{
	return list(path, -1, true, list_out, size);
}

SYSCALL_DEFINE3(llistxattr, "d:spu", const char *, path, char *, list_out, size_t, size)
{
	return list(path, -1, false, list_out, size);
}

SYSCALL_DEFINE3(flistxattr, "d:fpu", int, fd, char *, list_out, size_t, size)
{
	return list(NULL, fd, true, list_out, size);
}

SYSCALL_DEFINE2(removexattr, "d:ss", const char *, path, const char *, name)
{
	return remove(path, -1, true, name);
}

SYSCALL_DEFINE2(lremovexattr, "d:ss", const char *, path, const char *, name)
{
	return remove(path, -1, false, name);
}

SYSCALL_DEFINE2(fremovexattr, "d:fs", int, fd, const char *, name)
{
	return remove(NULL, fd, true, name);
}
