/*
 * procfs: the file system behind /proc. Its tree is described by tables
 * of entries (fs/proc/proc.h); an inode is made on every lookup for what
 * it names (an entry, and for some the thread or descriptor) and freed
 * with its last reference. Inode numbers come from what an inode names,
 * so they are the same on every lookup, and directory positions are
 * fixed: entry tables in order, then pids, thread ids or descriptor
 * numbers by value.
 *
 * Files: the text is generated from the kernel's state when a read starts
 * at offset 0 (as Linux's seq_file does), so lseek(fd, 0) and read again
 * gives fresh data. Writes fail as Linux's do: EIO for /proc/xxx files,
 * EINVAL for /proc/<pid>/xxx files, EACCES when opening a /proc/sys file
 * for writing; comm is the one writable file.
 */
#include "fs/procfs.h"

#include <stdarg.h>

#include "core/panic.h"
#include "core/process.h"
#include "fs/fdtable.h"
#include "fs/proc/proc.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "sched/thread.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_ROOT_INO 1

/* ---- Output buffers ---- */

static int pbuf_grow(struct pbuf *b, size_t need)
{
	if (b->error)
		return b->error;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	char *data = kmalloc(cap);
	if (!data) {
		b->error = -ENOMEM;
		return b->error;
	}
	if (b->data)
		memcpy(data, b->data, b->len);
	kfree(b->data);
	b->data = data;
	b->cap = cap;
	return 0;
}

void pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
	if (pbuf_grow(b, 256) < 0)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->len;
		int n = vformat(b->data + b->len, room, fmt, ap);
		va_end(ap);
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if (pbuf_grow(b, b->len + (size_t)n + 1) < 0)
			return;
	}
}

void pbuf_write(struct pbuf *b, const void *data, size_t len)
{
	if (pbuf_grow(b, b->len + len) < 0)
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void pbuf_putc(struct pbuf *b, char c)
{
	pbuf_write(b, &c, 1);
}

void pbuf_pad(struct pbuf *b, size_t line, size_t col)
{
	while (!b->error && b->len < line + col)
		pbuf_putc(b, ' ');
}

void pbuf_path(struct pbuf *b, const char *path, const char *escape)
{
	for (const char *p = path; *p; p++) {
		if (strchr(escape, *p))
			pbuf_printf(b, "\\%03o", (unsigned char)*p);
		else
			pbuf_putc(b, *p);
	}
}

/* ---- The tree: /proc itself, /proc/sys ---- */

static int link_self(const struct proc_node *n, char *buf, size_t size);
static int link_thread_self(const struct proc_node *n, char *buf, size_t size);
static int link_mounts(const struct proc_node *n, char *buf, size_t size);
static int root_lookup(struct inode *dir, const char *name, size_t len, struct inode **out);
static int root_iterate(struct inode *dir, uint64_t *pos, uint64_t base, dirent_fn emit,
			void *ctx);

#define FILE(n, m, fn, fl) { .name = (n), .mode = S_IFREG | (m), .flags = (fl), .show = (fn) }
#define DIR(n, d) { .name = (n), .mode = S_IFDIR | 0555, .dir = (d) }

static struct proc_entry random_entries[] = {
	FILE("boot_id", 0444, proc_show_boot_id, PROC_SYSCTL),
	FILE("uuid", 0444, proc_show_uuid, PROC_SYSCTL),
};
static struct proc_dir random_dir = { random_entries, 2, NULL, NULL };

/* Linux lets root write hostname, domainname, pid_max and
 * randomize_va_space; here they are
 * read-only, and their modes say so. */
static struct proc_entry kernel_entries[] = {
	FILE("domainname", 0444, proc_show_domainname, PROC_SYSCTL),
	FILE("hostname", 0444, proc_show_hostname, PROC_SYSCTL),
	FILE("osrelease", 0444, proc_show_osrelease, PROC_SYSCTL),
	FILE("ostype", 0444, proc_show_ostype, PROC_SYSCTL),
	FILE("pid_max", 0444, proc_show_pid_max, PROC_SYSCTL),
	DIR("random", &random_dir),
	FILE("randomize_va_space", 0444, proc_show_randomize_va_space, PROC_SYSCTL),
	FILE("version", 0444, proc_show_kversion, PROC_SYSCTL),
};
static struct proc_dir kernel_dir = { kernel_entries, 8, NULL, NULL };

static struct proc_entry sys_entries[] = {
	DIR("kernel", &kernel_dir),
};
static struct proc_dir sys_dir = { sys_entries, 1, NULL, NULL };

static struct proc_entry root_entries[] = {
	FILE("cpuinfo", 0444, proc_show_cpuinfo, 0),
	FILE("filesystems", 0444, proc_show_filesystems, 0),
	FILE("loadavg", 0444, proc_show_loadavg, 0),
	FILE("meminfo", 0444, proc_show_meminfo, 0),
	{ .name = "mounts", .mode = S_IFLNK | 0777, .link = link_mounts },
	{ .name = "self", .mode = S_IFLNK | 0777, .link = link_self },
	FILE("stat", 0444, proc_show_stat, 0),
	DIR("sys", &sys_dir),
	{ .name = "thread-self", .mode = S_IFLNK | 0777, .link = link_thread_self },
	FILE("uptime", 0444, proc_show_uptime, 0),
	FILE("version", 0444, proc_show_version, 0),
};
static struct proc_dir root_dir = { root_entries, sizeof(root_entries) / sizeof(root_entries[0]),
				    root_lookup, root_iterate };

static struct proc_entry root_entry = DIR("", &root_dir);
/* /proc/<pid>: the process, or (not listed, as on Linux) any thread id. */
static struct proc_entry pid_dir_entry = DIR("", &proc_pid_dir);

static int link_self(const struct proc_node *n, char *buf, size_t size)
{
	return format(buf, size, "%d", proc.pid);
}

static int link_thread_self(const struct proc_node *n, char *buf, size_t size)
{
	return format(buf, size, "%d/task/%d", proc.pid, current->tid);
}

static int link_mounts(const struct proc_node *n, char *buf, size_t size)
{
	return format(buf, size, "self/mounts");
}

/* /proc/1 and the thread ids. */
static int root_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int id = proc_name_to_int(name, len);
	if (id <= 0)
		return -ENOENT;
	struct proc_node probe = { .entry = &pid_dir_entry, .tid = id == proc.pid ? 0 : id, .fd = -1 };
	if (!proc_node_alive(&probe))
		return -ENOENT;
	*out = proc_make_inode(dir, &pid_dir_entry, probe.tid, -1, name, len);
	return *out ? 0 : -ENOMEM;
}

static int root_iterate(struct inode *dir, uint64_t *pos, uint64_t base, dirent_fn emit,
			void *ctx)
{
	if (*pos != base)
		return 0;
	char name[12];
	int len = format(name, sizeof(name), "%d", proc.pid);
	if (emit(ctx, name, (size_t)len, proc_ino(&pid_dir_entry, 0, -1), DT_DIR, base + 1) == 0)
		*pos = base + 1;
	return 0;
}

/* Gives e and every entry below it an id for their inode numbers. The
 * next id to give; owned by this file, used at mount only. */
static uint32_t next_id = PROC_ROOT_INO + 1;

static void assign_ids(struct proc_entry *e)
{
	if (!e->id)
		e->id = next_id++;
	if (!e->dir)
		return;
	for (size_t i = 0; i < e->dir->count; i++)
		assign_ids(&e->dir->entries[i]);
}

/* ---- Inodes ---- */

static const struct inode_ops proc_dir_ops, proc_link_ops, proc_file_ops;
static const struct file_ops proc_fops;

uint64_t proc_ino(const struct proc_entry *e, int tid, int fd)
{
	if (e == &root_entry)
		return PROC_ROOT_INO;
	/* id: 12 bits; fd + 1: 17 bits (FD_LIMIT_MAX); tid: the rest. */
	return ((uint64_t)(uint32_t)tid << 32) | ((uint64_t)(fd + 1) << 12) | e->id;
}

int proc_name_to_int(const char *name, size_t len)
{
	if (len == 0 || len > 9 || (len > 1 && name[0] == '0'))
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

unsigned proc_dt(uint32_t mode)
{
	if (S_ISDIR(mode))
		return DT_DIR;
	return S_ISLNK(mode) ? DT_LNK : DT_REG;
}

/* Subdirectories among a directory's fixed entries, for its link count. */
static uint32_t subdirs(const struct proc_dir *d)
{
	uint32_t n = 0;
	for (size_t i = 0; i < d->count; i++)
		n += S_ISDIR(d->entries[i].mode);
	return n;
}

/* The mode of a descriptor's link says how it is open, as on Linux. */
static uint32_t fd_link_mode(int fd)
{
	struct file *f = fd_lookup(proc.fds, fd);
	uint32_t mode = S_IFLNK;
	if (f && !(f->flags & O_PATH)) {
		unsigned acc = f->flags & O_ACCMODE;
		if (acc != O_WRONLY)
			mode |= 0500;
		if (acc != O_RDONLY)
			mode |= 0300;
	}
	return mode;
}

struct inode *proc_make_inode(struct inode *dir, const struct proc_entry *e, int tid, int fd,
			      const char *name, size_t len)
{
	struct proc_node *n = kzalloc(sizeof(*n));
	struct inode *ino = n ? inode_new(dir->sb, e->mode) : NULL;
	if (!ino) {
		kfree(n);
		return NULL;
	}
	n->entry = e;
	n->tid = tid;
	n->fd = fd;
	ino->priv = n;
	ino->ino = proc_ino(e, tid, fd);
	ino->size = 0;
	if (S_ISDIR(e->mode)) {
		ino->ops = &proc_dir_ops;
		ino->nlink = 2 + subdirs(e->dir);
		if (!name) {
			name = e->name;
			len = strlen(name);
		} else {
			len = len < sizeof(n->name) - 1 ? len : sizeof(n->name) - 1;
			memcpy(n->name, name, len);
			name = n->name;
		}
		ino->name = name;
		ino->name_len = len;
		ino->parent = inode_get(dir);
	} else if (S_ISLNK(e->mode)) {
		ino->ops = &proc_link_ops;
		if (e == &proc_fd_link) {
			ino->mode = fd_link_mode(fd);
			ino->size = 64; /* as Linux gives descriptor links */
		} else if (e->link == link_mounts) {
			ino->size = 11;
		}
	} else {
		ino->ops = &proc_file_ops;
		ino->fops = &proc_fops;
	}
	return ino;
}

static struct proc_node *node_of(struct inode *ino)
{
	return ino->priv;
}

static int proc_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct proc_node *n = node_of(dir);
	const struct proc_dir *d = n->entry->dir;
	if (!proc_node_alive(n))
		return -ENOENT;
	for (size_t i = 0; i < d->count; i++) {
		const struct proc_entry *e = &d->entries[i];
		if (strlen(e->name) == len && memcmp(e->name, name, len) == 0) {
			*out = proc_make_inode(dir, e, n->tid, -1, NULL, 0);
			return *out ? 0 : -ENOMEM;
		}
	}
	return d->lookup ? d->lookup(dir, name, len, out) : -ENOENT;
}

static int proc_iterate(struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx)
{
	struct proc_node *n = node_of(dir);
	const struct proc_dir *d = n->entry->dir;
	if (!proc_node_alive(n))
		return -ENOENT;
	for (;;) {
		uint64_t p = *pos;
		int rc;
		if (p == 0) {
			rc = emit(ctx, ".", 1, dir->ino, DT_DIR, 1);
		} else if (p == 1) {
			rc = emit(ctx, "..", 2, vfs_parent(dir)->ino, DT_DIR, 2);
		} else if (p - 2 < d->count) {
			const struct proc_entry *e = &d->entries[p - 2];
			rc = emit(ctx, e->name, strlen(e->name), proc_ino(e, n->tid, -1),
				  proc_dt(e->mode), p + 1);
		} else {
			break;
		}
		if (rc < 0)
			return 0;
		*pos = p + 1;
	}
	return d->iterate ? d->iterate(dir, pos, 2 + d->count, emit, ctx) : 0;
}

static int proc_readlink(struct inode *ino, char *buf, size_t size)
{
	struct proc_node *n = node_of(ino);
	if (!proc_node_alive(n))
		return -ENOENT;
	char *target = kmalloc(PATH_MAX);
	if (!target)
		return -ENOMEM;
	int len = n->entry->link(n, target, PATH_MAX);
	if (len >= PATH_MAX)
		len = -ENAMETOOLONG;
	if (len > 0) {
		if ((size_t)len > size)
			len = (int)size;
		memcpy(buf, target, (size_t)len);
	}
	kfree(target);
	return len;
}

static void proc_evict(struct inode *ino)
{
	if (S_ISDIR(ino->mode))
		inode_put(ino->parent);
	kfree(ino->priv);
	kfree(ino);
}

static const struct inode_ops proc_dir_ops = {
	.lookup = proc_lookup,
	.iterate = proc_iterate,
	.evict = proc_evict,
};

static const struct inode_ops proc_link_ops = {
	.readlink = proc_readlink,
	.evict = proc_evict,
};

static const struct inode_ops proc_file_ops = {
	.evict = proc_evict,
};

/* ---- Open files ---- */

/* What reading a file whose thread or descriptor is gone gives, as on
 * Linux: ESRCH for an exited thread, ENOENT for a closed descriptor. */
static int dead_node_error(const struct proc_node *n)
{
	if (proc_node_alive(n))
		return 0;
	struct proc_node thread_only = *n;
	thread_only.fd = -1;
	return proc_node_alive(&thread_only) ? -ENOENT : -ESRCH;
}

struct proc_file {
	struct pbuf out;
	bool ready; /* out holds a generated text */
};

static int proc_open(struct inode *ino, struct file *f)
{
	struct proc_node *n = node_of(ino);
	if ((f->flags & O_ACCMODE) != O_RDONLY && (n->entry->flags & PROC_SYSCTL))
		return -EACCES;
	if (!proc_node_alive(n))
		return -ENOENT;
	f->priv = kzalloc(sizeof(struct proc_file));
	return f->priv ? 0 : -ENOMEM;
}

static int64_t proc_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	struct proc_file *pf = f->priv;
	struct proc_node *n = node_of(f->inode);
	if (*pos == 0 || !pf->ready) {
		pf->out.len = 0;
		pf->out.error = 0;
		pf->ready = false;
		int rc = dead_node_error(n);
		if (rc == 0)
			rc = n->entry->show(&pf->out, n);
		if (rc == 0)
			rc = pf->out.error;
		if (rc < 0)
			return rc;
		pf->ready = true;
	}
	if (*pos >= pf->out.len)
		return 0;
	size_t len = iov_iter_count(to);
	size_t count = pf->out.len - *pos < len ? pf->out.len - *pos : len;
	count = copy_to_iter(pf->out.data + *pos, count, to);
	if (count == 0 && len)
		return -EFAULT;
	*pos += count;
	return (int64_t)count;
}

static int64_t proc_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	size_t len = iov_iter_count(from);
	struct proc_node *n = node_of(f->inode);
	if (!n->entry->write)
		return (n->entry->flags & PROC_PER_PID) ? -EINVAL : -EIO;
	/* The files that take writes read a short value; the rest of a
	 * longer write is accepted and ignored, as Linux does. */
	char data[64];
	size_t n_data = len < sizeof(data) ? len : sizeof(data);
	if (copy_from_iter(data, n_data, from) < n_data)
		return -EFAULT;
	int rc = dead_node_error(n);
	if (rc == 0)
		rc = (int)n->entry->write(n, data, n_data);
	return rc < 0 ? rc : (int64_t)len;
}

static void proc_release(struct file *f)
{
	struct proc_file *pf = f->priv;
	if (pf)
		kfree(pf->out.data);
	kfree(pf);
}

static const struct file_ops proc_fops = {
	.open = proc_open,
	.read = proc_read,
	.write = proc_write,
	.release = proc_release,
	.seekable = true,
};

/* ---- The file system ---- */

static int proc_statfs(struct superblock *sb, struct linux_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = PROC_SUPER_MAGIC;
	st->f_bsize = st->f_frsize = 4096;
	st->f_namelen = NAME_MAX;
	return 0;
}

struct superblock *procfs_new(uint32_t dev)
{
	struct superblock *sb = kzalloc(sizeof(*sb));
	struct proc_node *n = kzalloc(sizeof(*n));
	if (!sb || !n)
		panic("out of memory for /proc");
	sb->type = "proc";
	sb->magic = PROC_SUPER_MAGIC;
	sb->dev = dev;
	sb->statfs = proc_statfs;
	assign_ids(&root_entry);
	assign_ids(&pid_dir_entry);
	assign_ids(&proc_fd_link);
	assign_ids(&proc_fdinfo_file);
	assign_ids(&proc_task_dir_entry);
	proc_system_init();

	struct inode *root = inode_new(sb, S_IFDIR | 0555);
	if (!root)
		panic("out of memory for /proc");
	n->entry = &root_entry;
	n->fd = -1;
	root->priv = n;
	root->ino = PROC_ROOT_INO;
	root->ops = &proc_dir_ops;
	root->nlink = 2 + subdirs(&root_dir) + 1;
	root->size = 0;
	sb->root = root; /* the superblock's reference: never evicted */
	return sb;
}

int procfs_pid_dir_id(const struct inode *ino)
{
	const struct proc_node *n = ino->ops == &proc_dir_ops ? ino->priv : NULL;
	if (!n || n->entry != &pid_dir_entry)
		return 0;
	return n->tid ? n->tid : proc.pid;
}
