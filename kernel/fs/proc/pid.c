/*
 * /proc/<pid>/ (the process, pid 1) and /proc/<pid>/task/<tid>/ (one
 * thread): descriptors, memory map, status, limits, the initial stack's
 * argv and environment, in the formats of Linux's fs/proc/array.c,
 * base.c, fd.c and task_mmu.c. A node with tid 0 is the process: its
 * per-thread fields come from the main thread, its counters add up all.
 */
#include "core/clock.h"
#include "core/process.h"
#include "core/stats.h"
#include "fs/fdtable.h"
#include "fs/namei.h"
#include "fs/proc/proc.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "signal/signal_state.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/mman.h"
#include "mm/mmap.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

#define PAGE 4096ul
#define USER_HZ 100 /* clock ticks in /proc, as AT_CLKTCK says */

/* ---- Which thread, which descriptor ---- */

struct thread *proc_thread(const struct proc_node *n)
{
	if (n->tid)
		return sched_find_thread(n->tid);
	/* The process: its main thread; once that has exited, any other. */
	struct thread *t = sched_find_thread(PROCESS_PID);
	return t ? t : sched_threads();
}

bool proc_node_alive(const struct proc_node *n)
{
	if (n->tid && !sched_find_thread(n->tid))
		return false;
	return n->fd < 0 || fd_lookup(proc.fds, n->fd);
}

static uint64_t ticks(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / USER_HZ);
}

/* CPU time of a thread, including its current slice. */
static uint64_t thread_cpu_ns(const struct thread *t)
{
	uint64_t ns = t->cpu_ns;
	if (t == current)
		ns += clock_monotonic_ns() - t->slice_start_ns;
	return ns;
}

/* ---- Symlinks ---- */

static int link_exe(const struct proc_node *n, char *buf, size_t size)
{
	return proc.exe_path ? format(buf, size, "%s", proc.exe_path) : -ENOENT;
}

static int link_cwd(const struct proc_node *n, char *buf, size_t size)
{
	return inode_dir_path(proc.cwd, buf, size);
}

static int link_root(const struct proc_node *n, char *buf, size_t size)
{
	return format(buf, size, "/");
}

/* What Linux's fd links say: the path, or the kind of a file without one. */
static int file_target(const struct file *f, char *buf, size_t size)
{
	const struct inode *ino = f->inode;
	if (S_ISDIR(ino->mode)) {
		int n = inode_dir_path((struct inode *)ino, buf, size);
		if (n >= 0 || !f->path)
			return n;
		return format(buf, size, "%s (deleted)", f->path);
	}
	if (f->path)
		return format(buf, size, ino->nlink ? "%s" : "%s (deleted)", f->path);
	if (S_ISFIFO(ino->mode))
		return format(buf, size, "pipe:[%lu]", ino->ino);
	if ((ino->mode & S_IFMT) == S_IFSOCK)
		return format(buf, size, "socket:[%lu]", ino->ino);
	return format(buf, size, "anon_inode:[%s]", ino->sb && ino->sb->type ? ino->sb->type : "");
}

static int link_fd(const struct proc_node *n, char *buf, size_t size)
{
	struct file *f = fd_lookup(proc.fds, n->fd);
	return f ? file_target(f, buf, size) : -ENOENT;
}

/* ---- fd/, fdinfo/, task/ ---- */

struct proc_entry proc_fd_link = { .name = "", .mode = S_IFLNK | 0700, .link = link_fd };

static int show_fdinfo(struct pbuf *b, const struct proc_node *n)
{
	struct fd_slot *s = fd_slot(proc.fds, n->fd);
	if (!s)
		return -ENOENT;
	const struct file *f = s->file;
	pbuf_printf(b, "pos:\t%lu\nflags:\t0%o\nmnt_id:\t%d\nino:\t%lu\n", f->pos,
		    f->flags | (s->cloexec ? O_CLOEXEC : 0), proc_mount_id(f->inode->sb),
		    f->inode->ino);
	if (f->ops && f->ops->fdinfo) {
		char more[128];
		int n = f->ops->fdinfo(f, more, sizeof(more));
		pbuf_write(b, more, n < (int)sizeof(more) ? (size_t)n : sizeof(more) - 1);
	}
	return 0;
}

struct proc_entry proc_fdinfo_file = {
	.name = "", .mode = S_IFREG | 0444, .flags = PROC_PER_PID, .show = show_fdinfo,
};

static int fd_lookup_in(struct inode *dir, const char *name, size_t len, struct inode **out,
			const struct proc_entry *e)
{
	const struct proc_node *n = dir->priv;
	int fd = proc_name_to_int(name, len);
	if (fd < 0 || !fd_lookup(proc.fds, fd))
		return -ENOENT;
	*out = proc_make_inode(dir, e, n->tid, fd, NULL, 0);
	return *out ? 0 : -ENOMEM;
}

static int fd_iterate_in(struct inode *dir, uint64_t *pos, uint64_t base, dirent_fn emit,
			 void *ctx, const struct proc_entry *e)
{
	const struct proc_node *n = dir->priv;
	for (int fd = (int)(*pos - base); fd < fd_table_capacity(proc.fds); fd++) {
		if (!fd_lookup(proc.fds, fd))
			continue;
		char name[12];
		int len = format(name, sizeof(name), "%d", fd);
		if (emit(ctx, name, (size_t)len, proc_ino(e, n->tid, fd), proc_dt(e->mode),
			 base + (uint64_t)fd + 1) < 0)
			return 0;
		*pos = base + (uint64_t)fd + 1;
	}
	return 0;
}

static int fd_dir_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	return fd_lookup_in(dir, name, len, out, &proc_fd_link);
}

static int fd_dir_iterate(struct inode *dir, uint64_t *pos, uint64_t base, dirent_fn emit,
			  void *ctx)
{
	return fd_iterate_in(dir, pos, base, emit, ctx, &proc_fd_link);
}

static int fdinfo_dir_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	return fd_lookup_in(dir, name, len, out, &proc_fdinfo_file);
}

static int fdinfo_dir_iterate(struct inode *dir, uint64_t *pos, uint64_t base, dirent_fn emit,
			      void *ctx)
{
	return fd_iterate_in(dir, pos, base, emit, ctx, &proc_fdinfo_file);
}

static struct proc_dir fd_dir = { NULL, 0, fd_dir_lookup, fd_dir_iterate };
static struct proc_dir fdinfo_dir = { NULL, 0, fdinfo_dir_lookup, fdinfo_dir_iterate };

struct proc_entry proc_task_dir_entry = { .name = "", .mode = S_IFDIR | 0555, .dir = &proc_tid_dir };

static int task_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int tid = proc_name_to_int(name, len);
	if (tid <= 0 || !sched_find_thread(tid))
		return -ENOENT;
	*out = proc_make_inode(dir, &proc_task_dir_entry, tid, -1, name, len);
	return *out ? 0 : -ENOMEM;
}

/* Threads by id, from the position's id on. */
static int task_iterate(struct inode *dir, uint64_t *pos, uint64_t base, dirent_fn emit,
			void *ctx)
{
	for (;;) {
		struct thread *next = NULL;
		for (struct thread *t = sched_threads(); t; t = t->all_next)
			if ((uint64_t)t->tid >= *pos - base && (!next || t->tid < next->tid))
				next = t;
		if (!next)
			return 0;
		char name[12];
		int len = format(name, sizeof(name), "%d", next->tid);
		uint64_t after = base + (uint64_t)next->tid + 1;
		if (emit(ctx, name, (size_t)len, proc_ino(&proc_task_dir_entry, next->tid, -1),
			 DT_DIR, after) < 0)
			return 0;
		*pos = after;
	}
}

static struct proc_dir task_dir = { NULL, 0, task_lookup, task_iterate };

/* ---- Small files ---- */

static int show_comm(struct pbuf *b, const struct proc_node *n)
{
	struct thread *t = proc_thread(n);
	pbuf_printf(b, "%.16s\n", t ? t->name : "");
	return 0;
}

/* As Linux's comm_write: the first 15 bytes, taken as they are. */
static int64_t write_comm(const struct proc_node *n, const char *data, size_t len)
{
	struct thread *t = proc_thread(n);
	if (!t)
		return -ESRCH;
	memset(t->name, 0, sizeof(t->name));
	memcpy(t->name, data, len < sizeof(t->name) - 1 ? len : sizeof(t->name) - 1);
	return 0;
}

/* Bytes [start, end) of the app's memory; what cannot be read ends it. */
static void copy_user_range(struct pbuf *b, uint64_t start, uint64_t end)
{
	char chunk[256];
	for (uint64_t a = start; a < end;) {
		size_t n = end - a < sizeof(chunk) ? end - a : sizeof(chunk);
		if (copy_from_user(chunk, (const void *)a, n) < 0)
			return;
		pbuf_write(b, chunk, n);
		a += n;
	}
}

static int show_cmdline(struct pbuf *b, const struct proc_node *n)
{
	if (proc.arg_end <= proc.arg_start)
		return 0;
	char last;
	if (copy_from_user(&last, (const void *)(proc.arg_end - 1), 1) < 0)
		return 0;
	if (!last) {
		copy_user_range(b, proc.arg_start, proc.arg_end);
		return 0;
	}
	/* The app rewrote its argv (setproctitle): Linux then shows one
	 * string from argv[0] on, up to a page, which may run into the
	 * environment. */
	uint64_t end = proc.arg_start + PAGE;
	if (end > proc.env_end)
		end = proc.env_end;
	copy_user_range(b, proc.arg_start, end);
	size_t len = strnlen(b->data ? b->data : "", b->len);
	b->len = len < b->len ? len + 1 : len;
	return 0;
}

static int show_environ(struct pbuf *b, const struct proc_node *n)
{
	copy_user_range(b, proc.env_start, proc.env_end);
	return 0;
}

static int show_auxv(struct pbuf *b, const struct proc_node *n)
{
	pbuf_write(b, proc.auxv, proc.auxv_len * sizeof(uint64_t));
	return 0;
}

static const struct {
	const char *name, *unit;
} limit_names[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = { "Max cpu time", "seconds" },
	[RLIMIT_FSIZE] = { "Max file size", "bytes" },
	[RLIMIT_DATA] = { "Max data size", "bytes" },
	[RLIMIT_STACK] = { "Max stack size", "bytes" },
	[RLIMIT_CORE] = { "Max core file size", "bytes" },
	[RLIMIT_RSS] = { "Max resident set", "bytes" },
	[RLIMIT_NPROC] = { "Max processes", "processes" },
	[RLIMIT_NOFILE] = { "Max open files", "files" },
	[RLIMIT_MEMLOCK] = { "Max locked memory", "bytes" },
	[RLIMIT_AS] = { "Max address space", "bytes" },
	[RLIMIT_LOCKS] = { "Max file locks", "locks" },
	[RLIMIT_SIGPENDING] = { "Max pending signals", "signals" },
	[RLIMIT_MSGQUEUE] = { "Max msgqueue size", "bytes" },
	[RLIMIT_NICE] = { "Max nice priority", NULL },
	[RLIMIT_RTPRIO] = { "Max realtime priority", NULL },
	[RLIMIT_RTTIME] = { "Max realtime timeout", "us" },
};

static void limit_value(struct pbuf *b, uint64_t v)
{
	if (v == RLIM_INFINITY)
		pbuf_printf(b, "%-20s ", "unlimited");
	else
		pbuf_printf(b, "%-20lu ", v);
}

static int show_limits(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		pbuf_printf(b, "%-25s ", limit_names[i].name);
		limit_value(b, proc.rlimits[i].cur);
		limit_value(b, proc.rlimits[i].max);
		if (limit_names[i].unit)
			pbuf_printf(b, "%-10s\n", limit_names[i].unit);
		else
			pbuf_putc(b, '\n');
	}
	return 0;
}

/* ---- Memory: maps, statm, the Vm lines of status ---- */

static void show_map(struct pbuf *b, const struct vma *v)
{
	size_t line = b->len;
	uint32_t dev = 0;
	uint64_t ino = 0, off = 0;
	if (v->inode) {
		dev = v->inode->sb->dev;
		ino = v->inode->ino;
		off = v->offset;
	}
	pbuf_printf(b, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", v->start, v->end,
		    (v->prot & PROT_READ) ? 'r' : '-', (v->prot & PROT_WRITE) ? 'w' : '-',
		    (v->prot & PROT_EXEC) ? 'x' : '-', (v->flags & VMA_SHARED) ? 's' : 'p', off,
		    dev >> 8, dev & 0xff, ino);
	/* Names start in column 73, as seq_pad puts them. */
	const char *name = NULL;
	bool deleted = false;
	char target[PATH_MAX];
	if (v->file) {
		if (file_target(v->file, target, sizeof(target)) >= 0)
			name = target;
	} else if (v->inode) {
		/* Only areas mapped from an open file have a name. */
	} else if (v->flags & VMA_HEAP) {
		name = "[heap]";
	} else if (v->flags & VMA_STACK) {
		name = "[stack]";
	} else if (v->flags & VMA_SHARED) {
		name = "/dev/zero";
		deleted = true; /* a shared anonymous mapping, as Linux names it */
	}
	if (name) {
		pbuf_pad(b, line, 72);
		pbuf_putc(b, ' ');
		pbuf_path(b, name, "\n");
		if (deleted)
			pbuf_printf(b, " (deleted)");
	}
	pbuf_putc(b, '\n');
}

static int show_maps(struct pbuf *b, const struct proc_node *n)
{
	struct mm *mm = &proc.mm;
	for (size_t i = 0; i < mm->count; i++)
		show_map(b, &mm->vmas[i]);
	return 0;
}

/* Sizes in pages, classified as Linux's vm_stat_account does. */
struct mem_usage {
	uint64_t total, data, stack, exec; /* mapped */
	uint64_t anon, file, shmem;        /* resident */
	uint64_t tables;
};

static void mem_usage(struct mem_usage *u)
{
	memset(u, 0, sizeof(*u));
	struct mm *mm = &proc.mm;
	struct mm_page_counts c = { 0 };
	for (size_t i = 0; i < mm->count; i++) {
		const struct vma *v = &mm->vmas[i];
		uint64_t pages = (v->end - v->start) / PAGE;
		bool shared = v->flags & VMA_SHARED;
		u->total += pages;
		if ((v->prot & PROT_EXEC) && !(v->prot & PROT_WRITE) && !(v->flags & VMA_STACK))
			u->exec += pages;
		else if (v->flags & VMA_STACK)
			u->stack += pages;
		else if ((v->prot & PROT_WRITE) && !shared)
			u->data += pages;

		uint64_t res0 = c.resident, excl0 = c.exclusive;
		mm_count_pages(v->start, v->end, &c);
		uint64_t res = c.resident - res0, excl = c.exclusive - excl0;
		if (!v->inode) {
			if (shared)
				u->shmem += res;
			else
				u->anon += res;
		} else {
			/* Private copies are anonymous; the rest is the file's own
			 * pages: the image's (file), or a tmpfs file's (shmem). */
			u->anon += excl;
			if (v->inode->sb->readonly)
				u->file += res - excl;
			else
				u->shmem += res - excl;
		}
	}
	u->tables = c.tables;
}

static uint64_t text_pages(void)
{
	uint64_t start = proc.start_code & ~(PAGE - 1);
	uint64_t end = (proc.end_code + PAGE - 1) & ~(PAGE - 1);
	return end > start ? (end - start) / PAGE : 0;
}

static int show_statm(struct pbuf *b, const struct proc_node *n)
{
	struct mem_usage u;
	mem_usage(&u);
	pbuf_printf(b, "%lu %lu %lu %lu 0 %lu 0\n", u.total, u.anon + u.file + u.shmem,
		    u.file + u.shmem, text_pages(), u.data + u.stack);
	return 0;
}

/* ---- stat and status ---- */

static char state_char(const struct proc_node *n, const struct thread *t)
{
	if (!n->tid && !sched_find_thread(PROCESS_PID))
		return 'Z'; /* the main thread exited; others run on */
	if (!t || t->state == THREAD_DEAD)
		return 'X';
	if (t->state == THREAD_BLOCKED)
		return t->interruptible ? 'S' : 'D';
	return 'R';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R':
		return "R (running)";
	case 'S':
		return "S (sleeping)";
	case 'D':
		return "D (disk sleep)";
	case 'Z':
		return "Z (zombie)";
	default:
		return "X (dead)";
	}
}

static void signal_sets(uint64_t *ignored, uint64_t *caught)
{
	*ignored = *caught = 0;
	for (int s = 1; s <= NSIG; s++) {
		uint64_t h = sig.actions[s - 1].handler;
		if (h == SIG_IGN)
			*ignored |= SIGBIT(s);
		else if (h != SIG_DFL)
			*caught |= SIGBIT(s);
	}
}

static int show_stat(struct pbuf *b, const struct proc_node *n)
{
	struct thread *t = proc_thread(n);
	struct mem_usage u;
	mem_usage(&u);
	uint64_t ign, cgt;
	signal_sets(&ign, &cgt);
	char state = state_char(n, t);
	int id = n->tid ? n->tid : proc.pid;
	/* The process adds up all its threads (getrusage's CPU time); a
	 * thread has its own. All CPU time counts as user time, as times()
	 * reports it. Page faults are counted for the process only. */
	uint64_t cpu = n->tid ? (t ? thread_cpu_ns(t) : 0) : clock_cpu_ns();
	uint64_t faults = n->tid ? 0 : kstats.page_faults;
	uint64_t start_ns = n->tid ? (t ? t->start_ns : 0) : proc.start_ns;
	uint64_t pending = (t ? t->sigpending : 0) & 0x7fffffff;
	uint64_t blocked = (t ? t->sigmask : 0) & 0x7fffffff;
	int exit_signal = n->tid && n->tid != proc.pid ? -1 : SIGCHLD;
	pbuf_printf(b, "%d (%.16s) %c 0 %d %d 0 -1 0 %lu 0 0 0 %lu 0 0 0 20 0 %d 0 %lu %lu %lu %lu ",
		    id, t ? t->name : "", state, proc.pid, proc.pid, faults, ticks(cpu),
		    sched_thread_count(), ticks(start_ns), u.total * PAGE,
		    u.anon + u.file + u.shmem, proc.rlimits[RLIMIT_RSS].cur);
	pbuf_printf(b, "%lu %lu %lu 0 0 %lu %lu %lu %lu %d 0 0 %d 0 0 0 0 0 0 ", proc.start_code,
		    proc.end_code, proc.start_stack, pending, blocked, ign & 0x7fffffff,
		    cgt & 0x7fffffff, state != 'R' && (n->tid || sched_thread_count() < 2),
		    exit_signal);
	pbuf_printf(b, "%lu %lu %lu %lu %lu %lu %lu 0\n", proc.start_data, proc.end_data,
		    proc.mm.brk_start, proc.arg_start, proc.arg_end, proc.env_start, proc.env_end);
	return 0;
}

static void kb_line(struct pbuf *b, const char *name, uint64_t pages)
{
	pbuf_printf(b, "%s:\t%8lu kB\n", name, pages * (PAGE / 1024));
}

static int show_status(struct pbuf *b, const struct proc_node *n)
{
	struct thread *t = proc_thread(n);
	int id = n->tid ? n->tid : proc.pid;
	const char *name = t ? t->name : "";
	pbuf_printf(b, "Name:\t");
	for (const char *c = name; *c && c < name + sizeof(t->name); c++) {
		switch (*c) {
		case '\n':
			pbuf_printf(b, "\\n");
			break;
		case '\t':
			pbuf_printf(b, "\\t");
			break;
		case '\\':
			pbuf_printf(b, "\\\\");
			break;
		default:
			pbuf_putc(b, *c);
		}
	}
	pbuf_printf(b, "\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t0\n"
		    "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t \n"
		    "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		    proc.umask, state_name(state_char(n, t)), proc.pid, id, fd_table_capacity(proc.fds),
		    proc.pid, id, proc.pid, proc.pid);

	struct mem_usage u;
	mem_usage(&u);
	uint64_t rss = u.anon + u.file + u.shmem;
	uint64_t text = text_pages();
	uint64_t lib = u.exec > text ? u.exec - text : 0;
	/* Peaks are not tracked: they show the current sizes. */
	kb_line(b, "VmPeak", u.total);
	kb_line(b, "VmSize", u.total);
	kb_line(b, "VmLck", 0);
	kb_line(b, "VmPin", 0);
	kb_line(b, "VmHWM", rss);
	kb_line(b, "VmRSS", rss);
	pbuf_printf(b, "RssAnon:\t%8lu kB\nRssFile:\t%8lu kB\nRssShmem:\t%8lu kB\n",
		    u.anon * 4, u.file * 4, u.shmem * 4);
	kb_line(b, "VmData", u.data);
	kb_line(b, "VmStk", u.stack);
	kb_line(b, "VmExe", text);
	kb_line(b, "VmLib", lib);
	kb_line(b, "VmPTE", u.tables);
	kb_line(b, "VmSwap", 0);
	pbuf_printf(b, "HugetlbPages:\t%8u kB\nCoreDumping:\t0\nTHP_enabled:\t0\n", 0);

	uint64_t ign, cgt;
	signal_sets(&ign, &cgt);
	uint64_t pending = t ? t->sigpending : 0;
	int queued = __builtin_popcountll(pending) + __builtin_popcountll(sig.pending);
	pbuf_printf(b, "Threads:\t%d\nSigQ:\t%d/%lu\nSigPnd:\t%016lx\nShdPnd:\t%016lx\n"
		    "SigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
		    sched_thread_count(), queued, proc.rlimits[RLIMIT_SIGPENDING].cur, pending,
		    sig.pending, t ? t->sigmask : 0, ign, cgt);
	/* Root, with every capability (nothing here checks them). */
	pbuf_printf(b, "CapInh:\t%016x\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\n"
		    "CapAmb:\t%016x\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		    "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\n"
		    "Mems_allowed_list:\t0\n",
		    0, 0x1fffffffffful, 0x1fffffffffful, 0x1fffffffffful, 0);
	return 0;
}

/* ---- The tables ---- */

#define FILE(n, m, fn) { .name = (n), .mode = S_IFREG | (m), .flags = PROC_PER_PID, .show = (fn) }
#define LINK(n, fn) { .name = (n), .mode = S_IFLNK | 0777, .link = (fn) }

/* "task" comes last: /proc/<pid>/task/<tid>/ has all the others. */
static struct proc_entry pid_entries[] = {
	FILE("auxv", 0400, show_auxv),
	FILE("cmdline", 0444, show_cmdline),
	{ .name = "comm", .mode = S_IFREG | 0644, .flags = PROC_PER_PID, .show = show_comm,
	  .write = write_comm },
	LINK("cwd", link_cwd),
	FILE("environ", 0400, show_environ),
	LINK("exe", link_exe),
	{ .name = "fd", .mode = S_IFDIR | 0500, .dir = &fd_dir },
	{ .name = "fdinfo", .mode = S_IFDIR | 0555, .dir = &fdinfo_dir },
	FILE("limits", 0444, show_limits),
	FILE("maps", 0444, show_maps),
	FILE("mountinfo", 0444, proc_show_mountinfo),
	FILE("mounts", 0444, proc_show_mounts),
	LINK("root", link_root),
	FILE("stat", 0444, show_stat),
	FILE("statm", 0444, show_statm),
	FILE("status", 0444, show_status),
	{ .name = "task", .mode = S_IFDIR | 0555, .dir = &task_dir },
};

#define NPID (sizeof(pid_entries) / sizeof(pid_entries[0]))

struct proc_dir proc_pid_dir = { pid_entries, NPID, NULL, NULL };
struct proc_dir proc_tid_dir = { pid_entries, NPID - 1, NULL, NULL };
