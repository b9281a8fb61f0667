#include "sched/timer.h"

#include <stddef.h>

#include "sched/sched.h"

/* Armed timers sorted by deadline; owned by this file (changed only with
 * interrupts off). */
static struct ktimer *armed;

void ktimer_cancel(struct ktimer *t)
{
	if (!t->armed)
		return;
	for (struct ktimer **pp = &armed; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
	ktimer_cancel(t);
	t->deadline_ns = deadline_ns;
	struct ktimer **pp = &armed;
	while (*pp && (*pp)->deadline_ns <= deadline_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
	/* A new earliest deadline: the hardware timer must learn it now, or a
	 * thread that never blocks would never see it fire. */
	if (armed == t)
		sched_timer_reprogram();
}

uint64_t ktimer_next_deadline(void)
{
	return armed ? armed->deadline_ns : 0;
}

void ktimer_run_expired(uint64_t now)
{
	while (armed && armed->deadline_ns <= now) {
		struct ktimer *t = armed;
		armed = t->next;
		t->armed = false;
		t->fn(t); /* may re-arm itself */
	}
}
