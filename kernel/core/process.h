/*
 * The one process a unikernel runs: its descriptors, working directory,
 * address space and limits. Threads (sched/thread.h) share all of it.
 */
#ifndef UPY_CORE_PROCESS_H
#define UPY_CORE_PROCESS_H

#include <stdint.h>

#include "mm/vma.h"

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)

#define PROCESS_PID 1

struct fd_table;

struct rlimit64 {
	uint64_t cur, max;
};

struct process {
	int pid;
	struct fd_table *fds; /* owned by fs/fdtable.c */
	struct inode *cwd;
	uint32_t umask;
	struct mm mm;
	struct rlimit64 rlimits[RLIM_NLIMITS];
	char *exe_path;       /* for /proc/self/exe */
	uint64_t arg_start, arg_end; /* argv strings on the initial stack */
	uint64_t env_start, env_end;
	uint64_t start_stack; /* the initial stack pointer (at argc) */
	uint64_t start_code, end_code; /* the program's executable segments */
	uint64_t start_data, end_data; /* its last segment's start, file data end */
	uint64_t start_ns;    /* monotonic time it was created */
	uint64_t auxv[64];    /* as passed, for /proc/self/auxv */
	unsigned auxv_len;
	struct thread *exiting; /* the thread ending the process; the others park */
};

/* The process; there is exactly one, owned by core/process.c. */
extern struct process proc;

void process_init(void);
/* Ends the process (and the VM) with the status exit_group gives. */
__attribute__((noreturn)) void process_exit(int status);
/* Ends it as killed by a signal (the shell's 128+N). */
__attribute__((noreturn)) void process_kill(int signo);
/* A thread other than the one ending the process never runs app code
 * again: called on each way back to the app. */
void process_park_if_exiting(void);

#endif
