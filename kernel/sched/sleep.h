/* Waiting for a point in monotonic time. */
#ifndef UPY_SCHED_SLEEP_H
#define UPY_SCHED_SLEEP_H

#include <stdint.h>

/* Sleeps until clock_monotonic_ns() >= deadline (returns 0) or a signal
 * arrives (returns -EINTR). */
int sleep_until(uint64_t deadline_ns);

#endif
