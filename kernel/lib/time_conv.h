/* Time values from outside (a timespec or timeval an app passed) turned into
 * nanoseconds without overflow. Every timeout, sleep and timer the syscall
 * layer takes goes through here, so a huge value means "a very long time"
 * (Linux's KTIME_MAX), never a wrapped, short one. Portable: no arch code. */
#ifndef UPY_LIB_TIME_CONV_H
#define UPY_LIB_TIME_CONV_H

#include <stdbool.h>
#include <stdint.h>

#define TIME_NS_PER_SEC 1000000000ll
/* The longest time there is: a value at or past it never comes (KTIME_MAX). */
#define TIME_NS_MAX INT64_MAX

/* A timespec's value in ns, saturated at TIME_NS_MAX. False when it is not
 * valid as Linux's timespec64_valid says: tv_sec < 0, or tv_nsec outside
 * [0, 1e9). The callers answer EINVAL then. */
bool timespec_to_ns(int64_t sec, int64_t nsec, int64_t *ns);

/* The same for a timeval (tv_usec in [0, 1e6)), as timeval_valid. */
bool timeval_to_ns(int64_t sec, int64_t usec, int64_t *ns);

/* select()'s timeval, which Linux normalizes before checking it: tv_usec
 * may be any value, its whole seconds move into tv_sec. */
bool select_timeval_to_ns(int64_t sec, int64_t usec, int64_t *ns);

/* A point in time `ns` after `now`, saturated at TIME_NS_MAX (never), as
 * Linux's hrtimers: the time left of such a wait reads as TIME_NS_MAX - now. */
uint64_t time_deadline_after(uint64_t now, uint64_t ns);

#endif
