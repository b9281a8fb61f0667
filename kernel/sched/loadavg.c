#include "sched/loadavg.h"

#include "core/clock.h"

/*
 * Linux samples the number of runnable tasks every 5 s and decays it with
 * fixed-point factors. Here nothing runs periodically (a periodic timer
 * would hide a deadlock from the scheduler): each read catches up on the
 * 5 s periods since the last one, as Linux does after a tickless idle
 * stretch (calc_load_n), taking the CPU's busy share over that time as the
 * number of runnable tasks. Threads waiting for the CPU are not counted.
 * Owned by this file.
 */
#define FSHIFT LOAD_FSHIFT
#define FIXED_1 LOAD_FIXED_1
#define LOAD_FREQ_NS (5 * NSEC_PER_SEC)
static const uint64_t load_exp[3] = { 1884, 2014, 2037 }; /* 1, 5, 15 minutes */
static uint64_t avenrun[3];
static uint64_t load_last_ns, load_last_cpu_ns; /* 0: from boot */

static uint64_t calc_load(uint64_t load, uint64_t exp, uint64_t active)
{
	uint64_t newload = load * exp + active * (FIXED_1 - exp);
	if (active >= load)
		newload += FIXED_1 - 1;
	return newload / FIXED_1;
}

/* x^n in fixed point. */
static uint64_t fixed_power(uint64_t x, uint64_t n)
{
	uint64_t result = FIXED_1;
	while (n) {
		if (n & 1)
			result = (result * x + FIXED_1 / 2) >> FSHIFT;
		n >>= 1;
		if (n)
			x = (x * x + FIXED_1 / 2) >> FSHIFT;
	}
	return result;
}

static void update_load(void)
{
	uint64_t now = clock_monotonic_ns(), cpu = clock_cpu_ns();
	uint64_t periods = (now - load_last_ns) / LOAD_FREQ_NS;
	if (!periods)
		return;
	uint64_t span = now - load_last_ns;
	uint64_t busy = cpu - load_last_cpu_ns;
	uint64_t active = (uint64_t)(((unsigned __int128)busy * FIXED_1) / span);
	if (active > FIXED_1)
		active = FIXED_1;
	for (int i = 0; i < 3; i++)
		avenrun[i] = calc_load(avenrun[i], fixed_power(load_exp[i], periods), active);
	/* Keep the periods aligned; the rest counts towards the next one. */
	uint64_t used = periods * LOAD_FREQ_NS;
	load_last_ns += used;
	load_last_cpu_ns += (uint64_t)(((unsigned __int128)busy * used) / span);
}

void loadavg_get(uint64_t out[3])
{
	update_load();
	for (int i = 0; i < 3; i++)
		out[i] = avenrun[i];
}
