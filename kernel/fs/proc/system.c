/*
 * The files of /proc about the whole system: load, memory, CPU time,
 * uptime, version, mounts and /proc/sys/kernel, in the formats of Linux's
 * fs/proc/ and kernel/sysctl.c.
 */
#include "core/clock.h"
#include "core/process.h"
#include "core/random.h"
#include "fs/namei.h"
#include "fs/proc/proc.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "core/uts.h"
#include "mm/commit.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mmap.h"
#include "sched/sched.h"
#include "sched/loadavg.h"

#define USER_HZ 100

static uint64_t ticks(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / USER_HZ);
}

/* Seconds with two decimals, as "%lu.%02lu". */
static void seconds(struct pbuf *b, uint64_t ns)
{
	uint64_t sec = ns / NSEC_PER_SEC, centi = ns % NSEC_PER_SEC / (NSEC_PER_SEC / 100);
	pbuf_printf(b, "%lu.%02lu", sec, centi);
}

/* Time since boot, and the part of it the CPU was halted. */
static void uptime(uint64_t *up, uint64_t *idle)
{
	uint64_t cpu = clock_cpu_ns();
	*up = clock_monotonic_ns(); /* read second: never below cpu */
	*idle = *up - cpu;
}

/* Threads ready to run or running, like Linux's nr_running. */
static int running_threads(void)
{
	int n = 0;
	for (struct thread *t = sched_threads(); t; t = t->all_next)
		n += t->state == THREAD_READY || t->state == THREAD_RUNNING;
	return n;
}

/* ---- Load averages (kept by sched/loadavg.c) ---- */
int proc_show_loadavg(struct pbuf *b, const struct proc_node *n)
{
	uint64_t avenrun[3];
	loadavg_get(avenrun);
	for (int i = 0; i < 3; i++) {
		uint64_t v = avenrun[i] + LOAD_FIXED_1 / 200; /* rounding, as Linux */
		pbuf_printf(b, "%lu.%02lu ", v >> LOAD_FSHIFT,
			    ((v & (LOAD_FIXED_1 - 1)) * 100) >> LOAD_FSHIFT);
	}
	pbuf_printf(b, "%d/%d %d\n", running_threads(), sched_thread_count(), thread_last_tid());
	return 0;
}

/* ---- Memory, CPU time, uptime ---- */

static void meminfo_line(struct pbuf *b, const char *name, uint64_t kb)
{
	size_t line = b->len;
	pbuf_printf(b, "%s:", name);
	pbuf_pad(b, line, 16);
	pbuf_printf(b, "%8lu kB\n", kb);
}

int proc_show_meminfo(struct pbuf *b, const struct proc_node *n)
{
	/* RAM the frame allocator manages (the kernel image and a root file
	 * system copied into RAM are outside it). Cached: the root file
	 * system's page cache (read from its block device), given back on
	 * demand. Nothing is swapped. */
	uint64_t total = frames_total() * 4, free = frames_free() * 4;
	uint64_t cached = frames_reclaimable() * 4;
	meminfo_line(b, "MemTotal", total);
	meminfo_line(b, "MemFree", free);
	meminfo_line(b, "MemAvailable", free + cached);
	meminfo_line(b, "Buffers", 0);
	meminfo_line(b, "Cached", cached);
	meminfo_line(b, "SwapCached", 0);
	meminfo_line(b, "SwapTotal", 0);
	meminfo_line(b, "SwapFree", 0);
	meminfo_line(b, "CommitLimit", mm_commit_limit(current_mm) * 4);
	meminfo_line(b, "Committed_AS", current_mm->committed * 4);
	meminfo_line(b, "KernelStack", (uint64_t)sched_thread_count() * (KSTACK_SIZE / 1024));
	pbuf_printf(b, "HugePages_Total:       0\nHugePages_Free:        0\n"
		    "HugePages_Rsvd:        0\nHugePages_Surp:        0\n");
	meminfo_line(b, "Hugepagesize", 2048);
	meminfo_line(b, "Hugetlb", 0);
	return 0;
}

int proc_show_stat(struct pbuf *b, const struct proc_node *n)
{
	/* One CPU; all busy time counts as user time, as times() reports. */
	uint64_t up, idle_time;
	uptime(&up, &idle_time);
	uint64_t user = ticks(up - idle_time), idle = ticks(idle_time);
	pbuf_printf(b, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", user, idle);
	pbuf_printf(b, "cpu0 %lu 0 0 %lu 0 0 0 0 0 0\n", user, idle);
	int64_t boot = clock_realtime_ns() - (int64_t)clock_monotonic_ns();
	pbuf_printf(b, "btime %ld\nprocesses %d\nprocs_running %d\nprocs_blocked 0\n",
		    boot / (int64_t)NSEC_PER_SEC, thread_last_tid(), running_threads());
	return 0;
}

int proc_show_uptime(struct pbuf *b, const struct proc_node *n)
{
	uint64_t up, idle;
	uptime(&up, &idle);
	seconds(b, up);
	pbuf_putc(b, ' ');
	seconds(b, idle);
	pbuf_putc(b, '\n');
	return 0;
}

int proc_show_version(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%s version %s (unipython) (gcc %s) %s\n", UTS_SYSNAME, UTS_RELEASE,
		    __VERSION__, UTS_VERSION);
	return 0;
}

/* ---- Mounts ---- */

int proc_mount_id(const struct superblock *sb)
{
	/* Ids from 2 on; the root's parent is 1, not listed, as Linux's
	 * first root (rootfs) is after the real root is mounted over it. */
	int id = 2;
	for (struct superblock *m = vfs_mounts(); m; m = m->next_mount, id++)
		if (m == sb)
			return id;
	return 0;
}

/* The mount point of sb, escaped as Linux's mangle(): space, tab,
 * newline and backslash as octal. */
static void mount_point(struct pbuf *b, struct superblock *sb)
{
	char path[PATH_MAX];
	if (!sb->mountpoint || inode_dir_path(sb->mountpoint, path, sizeof(path)) < 0)
		memcpy(path, "/", 2);
	pbuf_path(b, path, " \t\n\\");
}

int proc_show_mounts(struct pbuf *b, const struct proc_node *n)
{
	for (struct superblock *sb = vfs_mounts(); sb; sb = sb->next_mount) {
		pbuf_printf(b, "%s ", sb->type);
		mount_point(b, sb);
		pbuf_printf(b, " %s %s 0 0\n", sb->type, sb->readonly ? "ro" : "rw");
	}
	return 0;
}

int proc_show_mountinfo(struct pbuf *b, const struct proc_node *n)
{
	for (struct superblock *sb = vfs_mounts(); sb; sb = sb->next_mount) {
		int parent = sb->mountpoint ? proc_mount_id(sb->mountpoint->sb) : 1;
		const char *mode = sb->readonly ? "ro" : "rw";
		pbuf_printf(b, "%d %d %u:%u / ", proc_mount_id(sb), parent, sb->dev >> 8,
			    sb->dev & 0xff);
		mount_point(b, sb);
		pbuf_printf(b, " %s - %s %s %s\n", mode, sb->type, sb->type, mode);
	}
	return 0;
}

/* The file system types in use, as /proc/filesystems lists them: none
 * needs a block device. */
int proc_show_filesystems(struct pbuf *b, const struct proc_node *n)
{
	for (struct superblock *sb = vfs_mounts(); sb; sb = sb->next_mount) {
		bool seen = false;
		for (struct superblock *o = vfs_mounts(); o != sb; o = o->next_mount)
			seen |= strcmp(o->type, sb->type) == 0;
		if (!seen)
			pbuf_printf(b, "nodev\t%s\n", sb->type);
	}
	return 0;
}

/* ---- /proc/sys/kernel ---- */

int proc_show_ostype(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%s\n", UTS_SYSNAME);
	return 0;
}

int proc_show_osrelease(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%s\n", UTS_RELEASE);
	return 0;
}

int proc_show_kversion(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%s\n", UTS_VERSION);
	return 0;
}

int proc_show_hostname(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%s\n", uts_hostname());
	return 0;
}

int proc_show_domainname(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%s\n", UTS_DOMAINNAME);
	return 0;
}

/* Thread ids are never reused or wrapped; this is the largest pid_max
 * Linux allows on 64-bit. */
int proc_show_pid_max(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%d\n", 4194304);
	return 0;
}

/* 2 (stack, mmap base, brk and PIE base randomized: mm/layout.h), or 0
 * after norandmaps=1, as Linux shows it after its norandmaps boot option. */
int proc_show_randomize_va_space(struct pbuf *b, const struct proc_node *n)
{
	pbuf_printf(b, "%d\n", layout_randomizes() ? 2 : 0);
	return 0;
}

/* A random (version 4) UUID, as Linux's generate_random_uuid. */
static void uuid_text(struct pbuf *b, const uint8_t u[16])
{
	pbuf_printf(b, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
		    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		    u[13], u[14], u[15]);
}

static void random_uuid(uint8_t u[16])
{
	random_bytes(u, 16);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
}

/* Chosen once per boot (at mount); owned by this file. */
static uint8_t boot_id[16];

int proc_show_boot_id(struct pbuf *b, const struct proc_node *n)
{
	uuid_text(b, boot_id);
	return 0;
}

int proc_show_uuid(struct pbuf *b, const struct proc_node *n)
{
	uint8_t u[16];
	random_uuid(u);
	uuid_text(b, u);
	return 0;
}

void proc_system_init(void)
{
	random_uuid(boot_id);
}
