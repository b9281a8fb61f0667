/*
 * The futex syscall: checks the words, reads the timeout and decodes the
 * command into calls of the futex service (futex/futex.h). FUTEX_WAKE_OP's
 * arithmetic on the second word is decoding too: it ends in two wakes.
 * Priority-inheritance futexes are not implemented (ENOSYS).
 */
#include "arch/x86_64/memlayout.h"
#include "core/clock.h"
#include "futex/futex.h"
#include "lib/time_conv.h"
#include "linux/syscall.h"
#include "mm/uaccess.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/futex.h"
#include "uapi/stat.h"

/* The deadline of a wait (monotonic ns, 0 = none) from the app's timeout:
 * relative for FUTEX_WAIT, absolute on either clock for FUTEX_WAIT_BITSET. */
static long deadline_of(const struct linux_timespec *utimeout, bool absolute, bool realtime,
			uint64_t *deadline)
{
	*deadline = 0;
	if (!utimeout)
		return 0;
	struct linux_timespec ts;
	if (copy_from_user(&ts, utimeout, sizeof(ts)) < 0)
		return -EFAULT;
	int64_t ns;
	if (!timespec_to_ns(ts.tv_sec, ts.tv_nsec, &ns))
		return -EINVAL;
	if (!absolute) {
		*deadline = time_deadline_after(clock_monotonic_ns(), (uint64_t)ns);
	} else if (realtime) {
		/* From the wall clock to the monotonic one; both values are in
		 * (-2**63, 2**63), so their difference fits an unsigned when the
		 * time is ahead. */
		int64_t offset = clock_realtime_ns() - (int64_t)clock_monotonic_ns();
		*deadline = ns > offset ? (uint64_t)ns - (uint64_t)offset : 1;
	} else {
		*deadline = ns > 0 ? (uint64_t)ns : 1;
	}
	return 0;
}

static long wait(uint64_t uaddr, uint32_t val, const struct linux_timespec *utimeout, bool absolute,
		 bool realtime, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	uint64_t deadline;
	long rc = deadline_of(utimeout, absolute, realtime, &deadline);
	if (rc < 0)
		return rc;
	rc = futex_wait(uaddr, val, deadline, bitset);
	/* Without a timeout a signal handler's return restarts the wait. */
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
		return futex_requeue(a, (uint64_t)uaddr2, (int)val, val2);
	case FUTEX_CMP_REQUEUE: {
		uint32_t cur;
		if (copy_from_user(&cur, uaddr, 4) < 0)
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
		return futex_requeue(a, (uint64_t)uaddr2, (int)val, val2);
	}
	case FUTEX_WAKE_OP:
		return wake_op(a, (int)val, (uint64_t)uaddr2, val2, val3);
	default:
		return -ENOSYS; /* priority-inheritance futexes */
	}
}
