/* Time syscalls: clocks, sleeping. */
#include "core/clock.h"
#include "core/stats.h"
#include "lib/string.h"
#include "lib/time_conv.h"
#include "mm/frame.h"
#include "core/process.h"
#include "sched/sched.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/stat.h"
#include "uapi/time.h"
#include "mm/uaccess.h"
#include "sched/sleep.h"

#define CLOCK_RESOLUTION_NS 1 /* the TSC resolves below a nanosecond */
#define COARSE_RESOLUTION_NS 4000000 /* CONFIG_HZ=250, as Debian's kernel */
/* Linux's TIME_SETTOD_SEC_MAX: the wall clock may be set no later than 30
 * years before the nanosecond clock runs out (KTIME_SEC_MAX). */
#define SETTOD_SEC_MAX (TIME_NS_MAX / TIME_NS_PER_SEC - 30ll * 365 * 86400)

/* CPU time of a thread: what it used before, plus the running slice. */
static int64_t thread_cpu_ns(struct thread *t)
{
	uint64_t ns = t->cpu_ns;
	if (t == current)
		ns += clock_monotonic_ns() - t->slice_start_ns;
	return (int64_t)ns;
}

/* Linux's dynamic CPU-time clock ids (clock_getcpuclockid,
 * pthread_getcpuclockid): ~pid << 3 | per-thread bit (4) | kind (2 = sched). */
static int64_t cpu_clock_read(int clock)
{
	int id = ~(clock >> 3);
	if ((clock & 3) == 3)
		return -EINVAL;
	if (clock & 4) {
		for (struct thread *t = sched_threads(); t; t = t->all_next)
			if (t->tid == id)
				return thread_cpu_ns(t);
		return -EINVAL;
	}
	if (id != 0 && id != proc.pid)
		return -EINVAL;
	return (int64_t)clock_cpu_ns();
}

/* The clock's reading in ns, or -EINVAL for an unknown clock. */
static int64_t clock_read(int clock)
{
	if (clock < 0)
		return cpu_clock_read(clock);
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI: /* Linux's TAI offset is 0 until adjtimex sets one */
		return clock_realtime_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return (int64_t)clock_monotonic_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
		return (int64_t)clock_cpu_ns();
	case CLOCK_THREAD_CPUTIME_ID:
		return thread_cpu_ns(current);
	default:
		return -EINVAL;
	}
}

static struct linux_timespec to_timespec(int64_t ns)
{
	return (struct linux_timespec){ ns / (int64_t)NSEC_PER_SEC, ns % (int64_t)NSEC_PER_SEC };
}

SYSCALL_DEFINE2(clock_gettime, "d:cp", int, clock, struct linux_timespec *, ts)
{
	int64_t ns = clock_read(clock);
	if (ns == -EINVAL)
		return -EINVAL;
	struct linux_timespec t = to_timespec(ns);
	return copy_to_user(ts, &t, sizeof(t)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE2(clock_getres, "d:cp", int, clock, struct linux_timespec *, ts)
{
	if (clock_read(clock) == -EINVAL)
		return -EINVAL;
	bool coarse = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE;
	struct linux_timespec t = { 0, coarse ? COARSE_RESOLUTION_NS : CLOCK_RESOLUTION_NS };
	if (ts && copy_to_user(ts, &t, sizeof(t)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(clock_settime, "d:cp", int, clock, const struct linux_timespec *, uts)
{
	struct linux_timespec t;
	if (copy_from_user(&t, uts, sizeof(t)) < 0)
		return -EFAULT;
	int64_t ns;
	if (!timespec_to_ns(t.tv_sec, t.tv_nsec, &ns) || t.tv_sec >= SETTOD_SEC_MAX)
		return -EINVAL;
	if (clock != CLOCK_REALTIME)
		return -EINVAL; /* only the wall clock can be set */
	clock_set_realtime_ns(ns);
	return 0;
}

SYSCALL_DEFINE2(gettimeofday, "d:pp", struct linux_timeval *, tv, struct linux_timezone *, tz)
{
	int64_t ns = clock_realtime_ns();
	if (tv) {
		struct linux_timeval t = { ns / (int64_t)NSEC_PER_SEC,
					   (ns % (int64_t)NSEC_PER_SEC) / 1000 };
		if (copy_to_user(tv, &t, sizeof(t)) < 0)
			return -EFAULT;
	}
	if (tz) {
		struct linux_timezone z = { 0, 0 };
		if (copy_to_user(tz, &z, sizeof(z)) < 0)
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE1(time, "d:p", int64_t *, t)
{
	int64_t s = clock_realtime_ns() / (int64_t)NSEC_PER_SEC;
	if (t && copy_to_user(t, &s, sizeof(s)) < 0)
		return -EFAULT;
	return s;
}

SYSCALL_DEFINE1(times, "d:p", struct linux_tms *, buf)
{
	/* clock ticks at 100 Hz; all CPU time counts as user time. */
	int64_t ticks = (int64_t)(clock_cpu_ns() / 10000000);
	struct linux_tms t = { ticks, 0, 0, 0 };
	if (buf && copy_to_user(buf, &t, sizeof(t)) < 0)
		return -EFAULT;
	return (long)(clock_monotonic_ns() / 10000000);
}

static long sleep_for(int clock, int flags, const struct linux_timespec *ureq,
		      struct linux_timespec *urem)
{
	struct linux_timespec req;
	if (copy_from_user(&req, ureq, sizeof(req)) < 0)
		return -EFAULT;
	int64_t want;
	if (!timespec_to_ns(req.tv_sec, req.tv_nsec, &want))
		return -EINVAL;
	if (clock == CLOCK_THREAD_CPUTIME_ID || (clock < 0 && (clock & 4)))
		return -EINVAL;
	int64_t now = clock_read(clock);
	if (now == -EINVAL)
		return -EINVAL;
	/* Both are >= 0, so the difference cannot wrap. */
	int64_t wait = (flags & TIMER_ABSTIME) ? want - now : want;
	if (wait <= 0)
		return 0;
	uint64_t deadline = time_deadline_after(clock_monotonic_ns(), (uint64_t)wait);
	if (sleep_until(deadline) == 0)
		return 0;
	/* A signal handler interrupted the sleep: say how much was left. */
	if (urem && !(flags & TIMER_ABSTIME)) {
		uint64_t now_ns = clock_monotonic_ns();
		int64_t left = now_ns < deadline ? (int64_t)(deadline - now_ns) : 0;
		struct linux_timespec rem = { left / (int64_t)NSEC_PER_SEC, left % (int64_t)NSEC_PER_SEC };
		if (copy_to_user(urem, &rem, sizeof(rem)) < 0)
			return -EFAULT;
	}
	return -EINTR;
}

SYSCALL_DEFINE2(nanosleep, "d:pp",
		const struct linux_timespec *, req, struct linux_timespec *, rem)
{
	return sleep_for(CLOCK_MONOTONIC, 0, req, rem);
}

SYSCALL_DEFINE4(clock_nanosleep, "d:cxpp",
		int, clock, int, flags, const struct linux_timespec *, req, struct linux_timespec *, rem)
{
	if (flags & ~TIMER_ABSTIME)
		return -EINVAL;
	return sleep_for(clock, flags, req, rem);
}

struct linux_rusage {
	struct linux_timeval ru_utime, ru_stime;
	int64_t ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap;
	int64_t ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw;
};

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

static struct linux_timeval ns_to_tv(uint64_t ns)
{
	return (struct linux_timeval){ (int64_t)(ns / NSEC_PER_SEC),
				       (int64_t)((ns % NSEC_PER_SEC) / 1000) };
}

SYSCALL_DEFINE2(getrusage, "d:dp", int, who, struct linux_rusage *, uru)
{
	struct linux_rusage ru;
	memset(&ru, 0, sizeof(ru));
	switch (who) {
	case RUSAGE_SELF:
		/* All CPU time is counted as user time: the split is not kept. */
		ru.ru_utime = ns_to_tv(clock_cpu_ns());
		ru.ru_maxrss = (int64_t)(frames_peak_used() * 4); /* KiB */
		ru.ru_minflt = (int64_t)kstats.page_faults;
		break;
	case RUSAGE_THREAD:
		ru.ru_utime = ns_to_tv((uint64_t)thread_cpu_ns(current));
		break;
	case RUSAGE_CHILDREN:
		break; /* there are never children */
	default:
		return -EINVAL;
	}
	return copy_to_user(uru, &ru, sizeof(ru)) < 0 ? -EFAULT : 0;
}
