/*
 * The futex service: threads sleep on a word of app memory until another
 * thread (or a thread's exit) wakes that address. linux/futex.c decodes
 * the futex syscall into these calls; the thread exit path calls
 * futex_thread_exit. This header includes nothing, so that sched/thread.h
 * can embed each thread's futex state without depending on the service.
 */
#ifndef UPY_FUTEX_FUTEX_H
#define UPY_FUTEX_FUTEX_H

#include <stdint.h>

struct thread;

/* A thread's futex state, owned by this service (set_tid_address and
 * set_robust_list store into it through the syscall layer). */
struct futex_thread {
	uint64_t clear_child_tid;         /* app address zeroed and woken at exit; 0 when unset */
	uint64_t robust_list, robust_len; /* glibc's robust mutex list head; 0 when unset */
	uint64_t wait_addr;               /* the futex it waits on */
	uint32_t wait_bitset;
};

/* Sleeps on the futex at uaddr if it still holds val (read and compared
 * with nothing else running, so no wake-up is lost), until a wake whose
 * bitset meets bitset or the deadline (monotonic ns, 0 = none). Returns
 * 0, -EFAULT, -EAGAIN (the word changed), -ETIMEDOUT or -EINTR. uaddr is
 * an aligned user address (the caller checks it). */
int futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset);
/* Wakes up to n threads waiting on uaddr with a bitset meeting bitset;
 * returns how many. */
int futex_wake(uint64_t uaddr, int n, uint32_t bitset);
/* Wakes up to wake waiters on from, then moves up to move of the others
 * to wait on to; returns how many were woken or moved. */
int futex_requeue(uint64_t from, uint64_t to, int wake, int move);
/* A thread other than the last one ends: its robust mutexes are marked
 * owner-died and its clear_child_tid word zeroed, each with a wake, as
 * Linux does, so that no other thread waits for it forever. */
void futex_thread_exit(struct thread *t);

#endif
