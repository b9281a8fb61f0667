/*
 * The scheduler: one CPU, preemptive round robin among ready threads, a
 * timer interrupt (the APIC's TSC-deadline timer) for time slices and
 * wake-up deadlines. The kernel itself is not preempted: threads switch
 * when they block, or when an interrupt or syscall returns to app code
 * after their slice ran out. With nothing ready the CPU halts (HLT).
 */
#ifndef UPY_SCHED_SCHED_H
#define UPY_SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/regs.h"
#include "sched/thread.h"

#define SCHED_SLICE_NS 10000000ull /* 10 ms */

/* Threads waiting for the same event. */
struct waitq {
	struct thread *head;
};

/* Makes the boot context the main thread. */
struct thread *sched_init(void);
/* A new thread (not yet runnable). */
struct thread *sched_new_thread(void);
/* Makes t runnable; its kernel stack holds the app context to start from. */
void sched_start_thread(struct thread *t);

/* Blocks the current thread until sched_wake reaches it (returns 0), the
 * monotonic deadline passes (-ETIMEDOUT; 0 = no deadline), or, if
 * interruptible, a signal arrives (-EINTR). q may be NULL (a plain sleep).
 * reason/detail describe the wait in a deadlock report. */
int sched_wait(struct waitq *q, uint64_t deadline_ns, bool interruptible, const char *reason,
	       uint64_t detail);
/* What ends an interruptible wait at once with -EINTR: a signal t would
 * take. The signal service answers it (core/main.c registers
 * signal_interrupts before the first thread); the scheduler knows nothing
 * of signals, which themselves wake waiting threads. */
void sched_set_interrupter(bool (*interrupts)(struct thread *t));
/* Wakes up to n threads of q (n < 0: all); returns how many. */
int sched_wake(struct waitq *q, int n);
/* Wakes t if it is blocked, making its sched_wait return result. */
void sched_wake_thread(struct thread *t, int result);
/* Moves the waiting thread t to another wait queue without waking it. */
void sched_move_waiter(struct thread *t, struct waitq *to);

/* Ends the current thread. Never returns. */
__attribute__((noreturn)) void sched_exit_thread(void);

/* Called on every return to app code: switches threads if the slice ran out. */
void sched_preempt_point(void);
/* Counts a source outside the VM that may wake threads (+1) or one that has
 * ended (-1): while any exists, all threads blocked is not a deadlock. */
void sched_external_waker(int delta);
/* Gives up the CPU to other ready threads (sched_yield). */
void sched_yield_now(void);

/* Programs the hardware timer for the next timer or slice end. */
void sched_timer_reprogram(void);

/* Iterates over all live threads. */
struct thread *sched_threads(void);
/* The live thread with this id, or NULL. */
struct thread *sched_find_thread(int tid);
int sched_thread_count(void);

#endif
