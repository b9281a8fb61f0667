/* Kernel timers: call a function at a point in monotonic time, from the
 * timer interrupt. Thread sleeps and interval timers (alarm) use them. */
#ifndef UPY_SCHED_TIMER_H
#define UPY_SCHED_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct ktimer {
	uint64_t deadline_ns;
	void (*fn)(struct ktimer *t);
	struct ktimer *next;
	bool armed;
};

void ktimer_arm(struct ktimer *t, uint64_t deadline_ns);
void ktimer_cancel(struct ktimer *t);
/* The earliest armed deadline, or 0 when no timer is armed. */
uint64_t ktimer_next_deadline(void);
/* Fires (and disarms) every timer due at `now`. */
void ktimer_run_expired(uint64_t now);

#endif
