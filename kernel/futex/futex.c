/*
 * Futex wait queues. Waiters sleep on one of a fixed set of wait queues
 * chosen by hashing the futex address, and remember the exact address and
 * bitset, so a wake-up picks only the matching ones. One CPU and
 * interrupts off in the kernel make "compare, then sleep" atomic.
 */
#include "futex/futex.h"

#include "mm/uaccess.h"
#include "sched/sched.h"
#include "uapi/errno.h"
#include "uapi/futex.h"

#define BUCKETS 64

/* Owned by this file. */
static struct waitq buckets[BUCKETS];

static struct waitq *bucket(uint64_t uaddr)
{
	return &buckets[(uaddr >> 2) % BUCKETS];
}

int futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
	struct waitq *q = bucket(uaddr);
	int woken = 0;
	struct thread *t = q->head;
	while (t && woken < n) {
		struct thread *next = t->wait_next;
		if (t->futex.wait_addr == uaddr && (t->futex.wait_bitset & bitset)) {
			sched_wake_thread(t, 0);
			woken++;
		}
		t = next;
	}
	return woken;
}

int futex_requeue(uint64_t from, uint64_t to, int wake, int move)
{
	int woken = futex_wake(from, wake, FUTEX_BITSET_MATCH_ANY);
	struct waitq *q = bucket(from), *dst = bucket(to);
	int moved = 0;
	struct thread *t = q->head;
	while (t && moved < move) {
		struct thread *next = t->wait_next;
		if (t->futex.wait_addr == from) {
			t->futex.wait_addr = to;
			if (dst != q)
				sched_move_waiter(t, dst);
			moved++;
		}
		t = next;
	}
	return woken + moved;
}

int futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	uint32_t cur;
	if (copy_from_user(&cur, (void *)uaddr, sizeof(cur)) < 0)
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	current->futex.wait_addr = uaddr;
	current->futex.wait_bitset = bitset;
	return sched_wait(bucket(uaddr), deadline, true, "futex", uaddr);
}
