/* Threads of the process: each has its own kernel stack, TLS base, signal
 * mask and extended FPU state; everything else lives in struct process. */
#ifndef UPY_SCHED_THREAD_H
#define UPY_SCHED_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/regs.h"
#include "futex/futex.h"
#include "signal/signal.h"
#include "sched/timer.h"

#define KSTACK_SIZE 32768 /* must match entry.S; the lowest page is a guard (kstack_guard) */

enum thread_state { THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct waitq;

#define THREAD_HELD_FILES 4

struct file;

struct thread {
	int tid;
	enum thread_state state;
	uint64_t kstack;          /* lowest address of the kernel stack */
	uint64_t ksp;             /* saved kernel RSP while switched out */
	uint64_t fs_base;
	void *xsave;              /* XSAVE area, 64-byte aligned */
	uint64_t sigmask;         /* blocked signals */
	uint64_t sigpending;      /* signals sent to this thread */
	struct sig_note sig_notes[NSIG];
	uint64_t saved_mask;      /* restored after rt_sigsuspend's handler */
	bool restore_mask;
	struct linux_stack altstack;
	struct regs *regs;        /* the app context saved at kernel entry */
	uint64_t cpu_ns;          /* CPU time used before the current slice */
	uint64_t slice_start_ns;
	uint64_t start_ns;        /* monotonic time it was created */
	char name[16];            /* comm: PR_SET_NAME, /proc/.../comm */

	/* Scheduler bookkeeping (sched/sched.c). */
	struct thread *all_next;   /* every thread */
	struct thread *run_next;   /* the run queue */
	struct thread *wait_next;  /* the wait queue it sleeps on */
	struct waitq *waiting_on;
	struct ktimer wakeup;      /* the deadline of the current wait */
	int wake_result;           /* what sched_wait returns */
	bool interruptible;
	char *walk_buf;            /* path walks (fs/namei.c), 2 * PATH_MAX */
	bool walk_buf_busy;
	/* Files the current syscall uses, held until it returns
	 * (linux/fs_args.c); not a header dependency on the VFS. */
	struct file *held_files[THREAD_HELD_FILES];
	int nheld_files;
	struct futex_thread futex; /* owned by futex/futex.c */
	const char *wait_reason;   /* for the deadlock report */
	uint64_t wait_detail;
};

/* The thread running now; owned by the scheduler. */
extern struct thread *current;

/* A new thread with a kernel stack and FPU area, not yet runnable; it
 * inherits the current thread's name, as clone does. */
struct thread *thread_alloc(void);
void thread_free(struct thread *t);
/* The id given to the most recently created thread (/proc/loadavg). */
int thread_last_tid(void);

#endif
