/*
 * Fast user-space mutexes. Waiters sleep on one of a fixed set of wait
 * queues chosen by hashing the futex address, and remember the exact
 * address and bitset, so a wake-up picks only the matching ones. One CPU
 * and interrupts off in the kernel make "compare, then sleep" atomic.
 * Priority-inheritance futexes are not implemented (ENOSYS).
 */
#include "linux/futex.h"

#include "arch/x86_64/memlayout.h"
#include "core/clock.h"
#include "lib/time_conv.h"
#include "signal/signal.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/stat.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
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
		if (t->futex_addr == uaddr && (t->futex_bitset & bitset)) {
			sched_wake_thread(t, 0);
			woken++;
		}
		t = next;
	}
	return woken;
}

static int requeue(uint64_t from, uint64_t to, int wake, int move)
{
	int woken = futex_wake(from, wake, FUTEX_BITSET_MATCH_ANY);
	struct waitq *q = bucket(from), *dst = bucket(to);
	int moved = 0;
	struct thread *t = q->head;
	while (t && moved < move) {
		struct thread *next = t->wait_next;
		if (t->futex_addr == from) {
			t->futex_addr = to;
			if (dst != q)
				sched_move_waiter(t, dst);
			moved++;
		}
		t = next;
	}
	return woken + moved;
}

static long wait(uint64_t uaddr, uint32_t val, const struct linux_timespec *utimeout, bool absolute,
		 bool realtime, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	uint64_t deadline = 0;
	if (utimeout) {
		struct linux_timespec ts;
		if (copy_from_user(&ts, utimeout, sizeof(ts)) < 0)
			return -EFAULT;
		int64_t ns;
		if (!timespec_to_ns(ts.tv_sec, ts.tv_nsec, &ns))
			return -EINVAL;
		if (!absolute) {
			deadline = time_deadline_after(clock_monotonic_ns(), (uint64_t)ns);
		} else if (realtime) {
			/* From the wall clock to the monotonic one; both values are in
			 * (-2**63, 2**63), so their difference fits an unsigned when the
			 * time is ahead. */
			int64_t offset = clock_realtime_ns() - (int64_t)clock_monotonic_ns();
			deadline = ns > offset ? (uint64_t)ns - (uint64_t)offset : 1;
		} else {
			deadline = ns > 0 ? (uint64_t)ns : 1;
		}
	}
	uint32_t cur;
	if (copy_from_user(&cur, (void *)uaddr, sizeof(cur)) < 0)
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	current->futex_addr = uaddr;
	current->futex_bitset = bitset;
	int rc = sched_wait(bucket(uaddr), deadline, true, "futex", uaddr);
	if (rc == -EINTR)
		return deadline ? -EINTR : -ERESTARTSYS;
	return rc;
}

/* FUTEX_WAKE_OP: change *uaddr2, wake at uaddr, and maybe at uaddr2. */
static long wake_op(uint64_t uaddr, int n, uint64_t uaddr2, int n2, uint32_t val3)
{
	unsigned op = (val3 >> 28) & 7, cmp = (val3 >> 24) & 15;
	int32_t oparg = (int32_t)(val3 << 8) >> 20, cmparg = (int32_t)(val3 << 20) >> 20;
	if ((val3 >> 28) & 8)
		oparg = 1 << (oparg & 31);
	int32_t old;
	if (copy_from_user(&old, (void *)uaddr2, 4) < 0)
		return -EFAULT;
	int32_t next;
	switch (op) {
	case 0: next = oparg; break;
	case 1: next = old + oparg; break;
	case 2: next = old | oparg; break;
	case 3: next = old & ~oparg; break;
	case 4: next = old ^ oparg; break;
	default: return -ENOSYS;
	}
	if (copy_to_user((void *)uaddr2, &next, 4) < 0)
		return -EFAULT;
	bool hit;
	switch (cmp) {
	case 0: hit = old == cmparg; break;
	case 1: hit = old != cmparg; break;
	case 2: hit = old < cmparg; break;
	case 3: hit = old <= cmparg; break;
	case 4: hit = old > cmparg; break;
	case 5: hit = old >= cmparg; break;
	default: return -ENOSYS;
	}
	int woken = futex_wake(uaddr, n, FUTEX_BITSET_MATCH_ANY);
	if (hit)
		woken += futex_wake(uaddr2, n2, FUTEX_BITSET_MATCH_ANY);
	return woken;
}

/* A futex word must be an aligned u32 in the app's half (Linux's
 * get_futex_key): EINVAL when misaligned, EFAULT outside, even for a wake
 * that never reads it. */
static int check_word(uint64_t a, bool shared)
{
	if (a & 3)
		return -EINVAL;
	if (!is_user_address(a) || !is_user_address(a + 3))
		return -EFAULT;
	/* A shared futex's key is its page, which Linux looks up: an unmapped
	 * word is EFAULT there too. */
	uint32_t word;
	if (shared && copy_from_user(&word, (void *)a, sizeof(word)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE6(futex, "d:pdupup",
		uint32_t *, uaddr, int, op, uint32_t, val, const struct linux_timespec *, timeout, uint32_t *, uaddr2, uint32_t, val3)
{
	uint64_t a = (uint64_t)uaddr;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	int rc = check_word(a, shared);
	if (rc < 0)
		return rc;
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
		return -ENOSYS;
	/* For the requeue and wake-op commands the timeout slot carries a count. */
	int val2 = (int)(uint64_t)timeout;
	bool two_words = cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP;
	if (two_words && (rc = check_word((uint64_t)uaddr2, shared)) < 0)
		return rc;
	switch (cmd) {
	case FUTEX_WAIT:
		return wait(a, val, timeout, false, false, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		return wait(a, val, timeout, true, realtime, val3);
	case FUTEX_WAKE:
		return futex_wake(a, (int)val, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		return val3 ? futex_wake(a, (int)val, val3) : -EINVAL;
	case FUTEX_REQUEUE:
		return requeue(a, (uint64_t)uaddr2, (int)val, val2);
	case FUTEX_CMP_REQUEUE: {
		uint32_t cur;
		if (copy_from_user(&cur, uaddr, 4) < 0)
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
		return requeue(a, (uint64_t)uaddr2, (int)val, val2);
	}
	case FUTEX_WAKE_OP:
		return wake_op(a, (int)val, (uint64_t)uaddr2, val2, val3);
	default:
		return -ENOSYS; /* priority-inheritance futexes */
	}
}
