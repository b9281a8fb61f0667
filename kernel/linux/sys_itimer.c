/* Interval timers: alarm, setitimer, getitimer. ITIMER_REAL counts wall
 * time; ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time (all
 * of it is user time here), checked whenever the wall-clock timer that
 * stands in for them fires. */
#include "core/clock.h"
#include "core/process.h"
#include "lib/time_conv.h"
#include "signal/signal.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/time.h"
#include "mm/uaccess.h"
#include "sched/timer.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct itimer {
	struct ktimer k;
	uint64_t interval_ns;
	uint64_t due_ns; /* on its clock: monotonic or CPU time */
	bool cpu_clock;
	int signo;
};

/* The three timers of the process; owned by this file. */
static struct itimer timers[3];

static uint64_t now_on(const struct itimer *t)
{
	return t->cpu_clock ? clock_cpu_ns() : clock_monotonic_ns();
}

static void arm(struct itimer *t)
{
	/* CPU time never runs faster than wall time: check again then. */
	uint64_t now = now_on(t);
	uint64_t wait = t->due_ns > now ? t->due_ns - now : 0;
	ktimer_arm(&t->k, time_deadline_after(clock_monotonic_ns(), wait));
}

static void fire(struct ktimer *k)
{
	struct itimer *t = (struct itimer *)k;
	if (now_on(t) < t->due_ns) {
		arm(t); /* a CPU-time timer whose time has not come yet */
		return;
	}
	signal_send_process(t->signo, (struct sig_note){ .code = SI_KERNEL });
	if (t->interval_ns) {
		t->due_ns = time_deadline_after(t->due_ns, t->interval_ns);
		if (t->due_ns <= now_on(t))
			t->due_ns = time_deadline_after(now_on(t), t->interval_ns);
		arm(t);
	} else {
		t->due_ns = 0;
	}
}

static void init_timers(void)
{
	static const int signals[3] = { SIGALRM, SIGVTALRM, SIGPROF };
	for (int i = 0; i < 3; i++) {
		if (!timers[i].k.fn) {
			timers[i].k.fn = fire;
			timers[i].signo = signals[i];
			timers[i].cpu_clock = i != ITIMER_REAL;
		}
	}
}

/* False for a timeval Linux rejects (timeval_valid); huge ones saturate. */
static bool tv_ns(const struct linux_timeval *tv, uint64_t *ns)
{
	int64_t v;
	if (!timeval_to_ns(tv->tv_sec, tv->tv_usec, &v))
		return false;
	*ns = (uint64_t)v;
	return true;
}

static struct linux_timeval ns_tv(uint64_t ns)
{
	/* Round up, so a pending timer never reads as zero (disarmed). */
	uint64_t us = ns / 1000 + (ns % 1000 != 0);
	return (struct linux_timeval){ (int64_t)(us / 1000000), (int64_t)(us % 1000000) };
}

static struct linux_itimerval current_value(const struct itimer *t)
{
	struct linux_itimerval v = { ns_tv(t->interval_ns), { 0, 0 } };
	if (t->due_ns) {
		uint64_t now = now_on(t);
		v.it_value = ns_tv(t->due_ns > now ? t->due_ns - now : 1);
	}
	return v;
}

static long set(int which, const struct linux_itimerval *nv, struct linux_itimerval *old)
{
	if (which < 0 || which > 2)
		return -EINVAL;
	init_timers();
	struct itimer *t = &timers[which];
	if (old)
		*old = current_value(t);
	uint64_t value, interval;
	if (!tv_ns(&nv->it_value, &value) || !tv_ns(&nv->it_interval, &interval))
		return -EINVAL;
	ktimer_cancel(&t->k);
	t->interval_ns = interval;
	t->due_ns = value ? time_deadline_after(now_on(t), value) : 0;
	if (value)
		arm(t);
	return 0;
}

SYSCALL_DEFINE3(setitimer, "d:dpp",
		int, which, const struct linux_itimerval *, unew, struct linux_itimerval *, uold)
{
	struct linux_itimerval nv = { { 0, 0 }, { 0, 0 } }, old;
	if (unew && copy_from_user(&nv, unew, sizeof(nv)) < 0)
		return -EFAULT;
	long rc = set(which, &nv, &old);
	if (rc < 0)
		return rc;
	if (uold && copy_to_user(uold, &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(getitimer, "d:dp", int, which, struct linux_itimerval *, uval)
{
	if (which < 0 || which > 2)
		return -EINVAL;
	init_timers();
	struct linux_itimerval v = current_value(&timers[which]);
	return copy_to_user(uval, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE1(alarm, "d:u", unsigned, seconds)
{
	struct linux_itimerval nv = { { 0, 0 }, { seconds, 0 } }, old;
	set(ITIMER_REAL, &nv, &old);
	/* The seconds left of the previous alarm, rounded; at least 1 if any. */
	unsigned left = (unsigned)old.it_value.tv_sec;
	if (old.it_value.tv_usec >= 500000 || (!left && old.it_value.tv_usec))
		left++;
	return left;
}
