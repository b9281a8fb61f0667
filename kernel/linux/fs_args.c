#include "linux/fs_args.h"

#include "core/panic.h"
#include "fs/fdtable.h"
#include "fs/namei.h"
#include "sched/sched.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/uaccess.h"

struct file *fd_file(int fd)
{
	struct file *f = fd_lookup(proc.fds, fd);
	if (!f)
		return NULL;
	struct thread *t = current;
	if (t->nheld_files == THREAD_HELD_FILES)
		panic("a syscall holds more than %d files", THREAD_HELD_FILES);
	t->held_files[t->nheld_files++] = file_get(f);
	return f;
}

void fd_release_held(void)
{
	struct thread *t = current;
	while (t->nheld_files)
		file_put(t->held_files[--t->nheld_files]);
}

int path_from_user(const char *upath, char *buf, bool allow_empty)
{
	long n = strncpy_from_user(buf, upath, PATH_MAX);
	if (n < 0)
		return (int)n;
	if (n == 0 && !allow_empty)
		return -ENOENT;
	return 0;
}

int start_dir(int dirfd, struct inode **out)
{
	if (dirfd == AT_FDCWD) {
		*out = proc.cwd;
		return 0;
	}
	struct file *f = fd_file(dirfd);
	if (!f)
		return -EBADF;
	if (!S_ISDIR(f->inode->mode))
		return -ENOTDIR;
	*out = f->inode;
	return 0;
}

int resolve_at(int dirfd, const char *upath, int at_flags, bool follow, struct inode **out)
{
	char path[PATH_MAX];
	int rc = path_from_user(upath, path, at_flags & AT_EMPTY_PATH);
	if (rc < 0)
		return rc;
	if (!path[0]) {
		if (dirfd == AT_FDCWD) {
			*out = inode_get(proc.cwd);
			return 0;
		}
		struct file *f = fd_file(dirfd);
		if (!f)
			return -EBADF;
		*out = inode_get(f->inode);
		return 0;
	}
	struct inode *start;
	if (path[0] != '/') {
		rc = start_dir(dirfd, &start);
		if (rc < 0)
			return rc;
	} else {
		start = vfs_root;
	}
	struct walk_result w;
	rc = path_walk(start, path, follow ? WALK_FOLLOW : 0, &w);
	if (rc < 0)
		return rc;
	*out = inode_get(w.inode);
	walk_release(&w);
	return 0;
}
