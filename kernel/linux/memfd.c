/* memfd_create: an anonymous tmpfs file, and its seals (F_ADD_SEALS). */
#include "fs/anon_inode.h"
#include "fs/fdtable.h"
#include "fs/open.h"
#include "fs/tmpfs.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/uaccess.h"

#define MFD_CLOEXEC 0x1
#define MFD_ALLOW_SEALING 0x2
#define MFD_HUGETLB 0x4
#define MFD_NOEXEC_SEAL 0x8
#define MFD_EXEC 0x10
#define MFD_NAME_MAX 249

/* The hidden tmpfs memfds live in; made on first use, owned here. */
static struct superblock *memfs;
static uint64_t serial;

SYSCALL_DEFINE2(memfd_create, "d:sx", const char *, uname, unsigned, flags)
{
	if (flags & ~(unsigned)(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL |
				MFD_EXEC))
		return -EINVAL;
	if (flags & MFD_HUGETLB)
		return -EINVAL; /* no huge pages are reserved */
	char name[MFD_NAME_MAX + 1];
	long n = strncpy_from_user(name, uname, sizeof(name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	if (!memfs && !(memfs = tmpfs_new(15, 01777)))
		return -ENOMEM;
	char entry[32];
	format(entry, sizeof(entry), "%lu", ++serial);
	struct inode *root = memfs->root, *ino;
	int rc = root->ops->create(root, entry, strlen(entry), S_IFREG | 0777, &ino);
	if (rc < 0)
		return rc;
	struct file *f;
	rc = vfs_open_inode(ino, NULL, O_RDWR | O_LARGEFILE, &f);
	root->ops->unlink(root, entry, strlen(entry)); /* nameless from the start */
	if (rc < 0) {
		inode_put(ino);
		return rc;
	}
	ino->seals = (flags & MFD_ALLOW_SEALING) ? 0 : F_SEAL_SEAL;
	if (flags & MFD_NOEXEC_SEAL)
		ino->mode &= ~0111u;
	inode_put(ino);
	char path[300];
	format(path, sizeof(path), "/memfd:%s (deleted)", name);
	file_set_name(f, path);
	rc = fd_install(proc.fds, f, 0, flags & MFD_CLOEXEC);
	if (rc < 0)
		file_put(f);
	return rc;
}

int memfd_add_seals(struct file *f, unsigned long seals)
{
	if (!S_ISREG(f->inode->mode) || f->inode->ops->truncate == NULL || f->inode->sb->readonly)
		return -EINVAL;
	if (seals & ~(unsigned long)(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				      F_SEAL_FUTURE_WRITE))
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	if (f->inode->seals & F_SEAL_SEAL)
		return -EPERM;
	f->inode->seals |= (uint32_t)seals;
	return 0;
}

int memfd_get_seals(struct file *f)
{
	if (!S_ISREG(f->inode->mode) || f->inode->ops->truncate == NULL || f->inode->sb->readonly)
		return -EINVAL;
	return (int)f->inode->seals;
}
