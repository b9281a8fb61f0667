/*
 * The inside of procfs: what an inode stands for (struct proc_node), the
 * table entries that describe files and directories (struct proc_entry),
 * and the generators that write each file's text into a growing buffer.
 * fs/procfs.c is the file system; the files in fs/proc/ write the contents.
 */
#ifndef UPY_FS_PROC_PROC_H
#define UPY_FS_PROC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/vfs.h"

/* A file's text while it is generated. After an allocation fails, further
 * output is dropped and error is -ENOMEM. */
struct pbuf {
	char *data;
	size_t len, cap;
	int error;
};

void pbuf_printf(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pbuf_write(struct pbuf *b, const void *data, size_t len);
void pbuf_putc(struct pbuf *b, char c);
/* Spaces up to column `col` of the current line (which began at `line`). */
void pbuf_pad(struct pbuf *b, size_t line, size_t col);
/* A path as Linux's seq_file_path writes it: escape is the set of bytes
 * written as \ooo (octal). */
void pbuf_path(struct pbuf *b, const char *path, const char *escape);

struct proc_node;

/* One file or directory in a table (below). */
struct proc_entry {
	const char *name;
	uint32_t mode;
	unsigned flags;
	/* Files: writes the text; 0 or -errno. */
	int (*show)(struct pbuf *b, const struct proc_node *n);
	/* Files that can be written (comm): takes the first len bytes the app
	 * wrote (at most 64); 0 or -errno. */
	int64_t (*write)(const struct proc_node *n, const char *data, size_t len);
	/* Symlinks: the target, NUL-terminated; its length or -errno. */
	int (*link)(const struct proc_node *n, char *buf, size_t size);
	/* Directories. */
	const struct proc_dir *dir;
	uint32_t id; /* unique, for inode numbers; given at mount */
};

#define PROC_SYSCTL 0x1  /* /proc/sys: opening it for writing is EACCES */
#define PROC_PER_PID 0x2 /* under /proc/<pid>: writes are EINVAL (else EIO) */

/* A directory: fixed entries, then entries that come and go (pids,
 * threads, descriptors), at positions from 2 + count on. */
struct proc_dir {
	struct proc_entry *entries;
	size_t count;
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* Emits the changing entries from *pos on; base is the position of
	 * the first one. */
	int (*iterate)(struct inode *dir, uint64_t *pos, uint64_t base, dirent_fn emit, void *ctx);
};

/* What one procfs inode stands for. */
struct proc_node {
	const struct proc_entry *entry;
	int tid;           /* 0: the process (/proc/1); else one thread */
	int fd;            /* fd/N, fdinfo/N; else -1 */
	char name[12];     /* the name of a numbered directory */
};

/* Makes the inode for entry e in dir (a new reference). */
struct inode *proc_make_inode(struct inode *dir, const struct proc_entry *e, int tid, int fd,
			      const char *name, size_t len);
/* The inode number e has for (tid, fd): the same for every lookup. */
uint64_t proc_ino(const struct proc_entry *e, int tid, int fd);
/* Parses a decimal name without leading zeros; -1 if it is not one. */
int proc_name_to_int(const char *name, size_t len);
/* The d_type of a mode. */
unsigned proc_dt(uint32_t mode);

/* fs/proc/pid.c: /proc/<pid>/ and /proc/<pid>/task/<tid>/. */
extern struct proc_dir proc_pid_dir, proc_tid_dir;
struct thread;
/* The thread a node is about (its own, or the process's main thread);
 * NULL if it is gone. */
struct thread *proc_thread(const struct proc_node *n);
/* Does what the node names still exist? */
bool proc_node_alive(const struct proc_node *n);
extern struct proc_entry proc_fd_link, proc_fdinfo_file, proc_task_dir_entry;

/* fs/proc/system.c: files about the whole system. */
int proc_show_loadavg(struct pbuf *b, const struct proc_node *n);
int proc_show_meminfo(struct pbuf *b, const struct proc_node *n);
int proc_show_stat(struct pbuf *b, const struct proc_node *n);
int proc_show_uptime(struct pbuf *b, const struct proc_node *n);
int proc_show_version(struct pbuf *b, const struct proc_node *n);
int proc_show_filesystems(struct pbuf *b, const struct proc_node *n);
int proc_show_mounts(struct pbuf *b, const struct proc_node *n);
int proc_show_mountinfo(struct pbuf *b, const struct proc_node *n);
int proc_show_ostype(struct pbuf *b, const struct proc_node *n);
int proc_show_osrelease(struct pbuf *b, const struct proc_node *n);
int proc_show_kversion(struct pbuf *b, const struct proc_node *n);
int proc_show_hostname(struct pbuf *b, const struct proc_node *n);
int proc_show_domainname(struct pbuf *b, const struct proc_node *n);
int proc_show_pid_max(struct pbuf *b, const struct proc_node *n);
int proc_show_randomize_va_space(struct pbuf *b, const struct proc_node *n);
int proc_show_boot_id(struct pbuf *b, const struct proc_node *n);
int proc_show_uuid(struct pbuf *b, const struct proc_node *n);
/* The mount id /proc/self/mountinfo gives a file system (0 if unmounted). */
int proc_mount_id(const struct superblock *sb);
void proc_system_init(void);

/* fs/proc/cpuinfo.c */
int proc_show_cpuinfo(struct pbuf *b, const struct proc_node *n);

#endif
