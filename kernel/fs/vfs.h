/*
 * The virtual file system: inodes, open files and the operations each file
 * system provides. Errors are negative errno values throughout.
 *
 * Every directory knows its parent and its own name (`parent`, `name`), so
 * ".." and getcwd() need no name cache. A file system mounted on a
 * directory replaces it during path walks (`mounted`), and its root leads
 * back to that directory (`superblock.mountpoint`).
 */
#ifndef UPY_FS_VFS_H
#define UPY_FS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/stat.h"
#include "mm/iov_iter.h"

#define NAME_MAX 255
#define PATH_MAX 4096

#define F_SEAL_SEAL 0x1
#define F_SEAL_SHRINK 0x2
#define F_SEAL_GROW 0x4
#define F_SEAL_WRITE 0x8
#define F_SEAL_FUTURE_WRITE 0x10

struct inode;
struct file;
struct poll_table;
struct xattr;
struct epoll_item;

/* What a setattr changes (Linux's ATTR_* bits of struct iattr). */
#define ATTR_MODE 0x1u
#define ATTR_UID 0x2u
#define ATTR_GID 0x4u
#define ATTR_ATIME 0x10u
#define ATTR_MTIME 0x20u

struct iattr {
	unsigned valid;
	uint32_t mode, uid, gid;
	struct linux_timespec atime, mtime;
};

/* Receives one directory entry; returns 0 to go on, < 0 to stop (full). */
typedef int (*dirent_fn)(void *ctx, const char *name, size_t len, uint64_t ino,
			 unsigned type, uint64_t next_pos);

struct inode_ops {
	/* Directories. `name` is one path component, not NUL-terminated. */
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	int (*create)(struct inode *dir, const char *name, size_t len, uint32_t mode,
		      struct inode **out);
	int (*mkdir)(struct inode *dir, const char *name, size_t len, uint32_t mode);
	/* FIFOs, sockets and device nodes (mode holds the type). */
	int (*mknod)(struct inode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev);
	int (*symlink)(struct inode *dir, const char *name, size_t len, const char *target);
	int (*link)(struct inode *dir, const char *name, size_t len, struct inode *target);
	int (*unlink)(struct inode *dir, const char *name, size_t len);
	int (*rmdir)(struct inode *dir, const char *name, size_t len);
	int (*rename)(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		      const char *nname, size_t nlen, unsigned flags);
	/* Emits entries from *pos on (0 = the start; "." and ".." included). */
	int (*iterate)(struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx);
	/* Symlinks: copies the target (not NUL-terminated); returns its length. */
	int (*readlink)(struct inode *ino, char *buf, size_t size);
	/* Regular files. */
	int (*truncate)(struct inode *ino, uint64_t size);
	/* fallocate(2): mode 0 reserves (and may extend), or FALLOC_FL_* bits. */
	int (*fallocate)(struct inode *ino, int mode, uint64_t off, uint64_t len);
	/* The physical page holding file bytes [pgoff*4096, +4096), for mmap.
	 * `writable` says the caller will write through a shared mapping. */
	int (*get_page)(struct inode *ino, uint64_t pgoff, bool writable, uint64_t *pa);
	/* Writes back the pages of [first, end) that shared mappings may have
	 * changed (msync, munmap, fsync, exit); NULL when they live in RAM only. */
	int (*sync_pages)(struct inode *ino, uint64_t first, uint64_t end);
	/* st_blocks: the 512-byte units the file holds on its store; NULL:
	 * its size rounded up (files in RAM). */
	uint64_t (*blocks)(struct inode *ino);
	/* chmod/chown/utimes: called before the inode's fields change, so a
	 * file system kept elsewhere (a host volume) can refuse; may be NULL. */
	int (*setattr)(struct inode *ino, const struct iattr *a);
	/* The last reference is gone: free what an unlinked inode holds. */
	void (*evict)(struct inode *ino);
};

struct file_ops {
	int (*open)(struct inode *ino, struct file *f);
	/* Move up to iov_iter_count(it) bytes between the file at *pos and the
	 * buffer, app or kernel memory (mm/iov_iter.h: copy_to_iter,
	 * copy_from_iter); return the count moved or -errno. */
	int64_t (*read)(struct file *f, struct iov_iter *to, uint64_t *pos);
	int64_t (*write)(struct file *f, struct iov_iter *from, uint64_t *pos);
	int (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	/* Returns the POLLIN/POLLOUT/... bits that are ready now. */
	unsigned (*poll)(struct file *f);
	/* A counter that changes whenever the readiness may have changed
	 * (for edge-triggered epoll); without it a file reports one edge. */
	uint64_t (*poll_generation)(struct file *f);
	void (*release)(struct file *f);
	/* fsync/fdatasync: make what was written durable; NULL for files in
	 * RAM, which are as durable as they get once written. */
	int (*fsync)(struct file *f, bool datasync);
	/* Lines of its own for /proc/<pid>/fdinfo/N (Linux's show_fdinfo):
	 * writes them into buf, returns their length. */
	int (*fdinfo)(const struct file *f, char *buf, size_t size);
	bool seekable;
};

struct superblock {
	const char *type;     /* "rootfs", "tmpfs", ... for /proc/mounts */
	uint64_t magic;       /* statfs f_type */
	uint32_t dev;         /* st_dev */
	bool readonly;
	bool no_xattrs;       /* extended attributes are not offered (EOPNOTSUPP) */
	struct inode *root;
	struct inode *mountpoint; /* the directory this fs is mounted on */
	uint64_t next_ino;
	int (*statfs)(struct superblock *sb, struct linux_statfs *out);
	/* Makes what was written durable (fsync; NULL: RAM, nothing to do),
	 * and the same plus a clean state on the disk at exit. */
	int (*sync)(struct superblock *sb);
	int (*unmount_sync)(struct superblock *sb);
	struct superblock *next_mount; /* the mount table (vfs_mounts) */
};

struct inode {
	const struct inode_ops *ops;
	const struct file_ops *fops;
	struct superblock *sb;
	uint64_t ino;
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t size;
	uint32_t rdev;
	struct linux_timespec atime, mtime, ctime;
	int refcount;
	/* Directories only. */
	struct inode *parent;  /* NULL at the root of its file system */
	const char *name;      /* its name in parent (not NUL-terminated) */
	size_t name_len;
	struct inode *mounted; /* root of the file system mounted here */
	void *pipe;            /* FIFOs and pipes: the pipe (fs/pipe.c) */
	struct xattr *xattrs;  /* extended attributes (fs/xattr.c) */
	uint32_t seals;        /* memfd seals (F_SEAL_*) */
	void *priv;            /* owned by the file system */
};

struct file {
	int refcount;
	const struct file_ops *ops;
	struct inode *inode;
	uint64_t pos;
	unsigned flags;  /* O_ACCMODE and the status flags (O_APPEND, O_NONBLOCK...) */
	char *path;      /* the path it was opened by, for /proc/self/fd */
	void *priv;      /* owned by the file's ops */
	struct epoll_item *epoll_items; /* epoll items watching it (fs/eventpoll/) */
};

/* Inode references. */
struct inode *inode_get(struct inode *ino);
void inode_put(struct inode *ino);
/* A new in-memory inode for a file system; refcount 1. */
struct inode *inode_new(struct superblock *sb, uint32_t mode);
void inode_touch(struct inode *ino, bool modified, bool changed);

/* Files. */
struct file *file_new(struct inode *ino, const struct file_ops *ops, unsigned flags);
struct file *file_get(struct file *f);
void file_put(struct file *f);
/* The offset a SEEK_SET, SEEK_CUR or SEEK_END position counts from in f
 * (lseek, record locks); -EINVAL for any other whence. */
int file_seek_base(const struct file *f, int whence, int64_t *base);

/* The root of the namespace, and mounting a file system on a directory. */
extern struct inode *vfs_root;
void vfs_set_root(struct superblock *sb);
int vfs_mount(struct inode *dir, struct superblock *sb);

/* sync(2): every file system's sync; at exit (final) their unmount_sync. */
int vfs_sync_all(bool final);

/* The mount table in mount order, the root first; follow next_mount. */
struct superblock *vfs_mounts(void);

/* Mounts sb at path, making the directory when it is missing: in a
 * writable parent with mkdir, under a read-only one (the image) as an
 * empty directory that only lookups see (readdir of the parent does not). */
int vfs_mount_at_path(const char *path, struct superblock *sb);
/* The directory vfs_mount_at_path made for name under dir, if any (namei). */
int vfs_mount_stub_lookup(struct inode *dir, const char *name, size_t len, struct inode **out);

/* The directory to continue from for "..", crossing mount points. */
struct inode *vfs_parent(struct inode *dir);

void inode_stat(struct inode *ino, struct linux_stat *st);

#endif
