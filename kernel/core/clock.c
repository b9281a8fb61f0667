#include "core/clock.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "core/console.h"
#include "drivers/rtc.h"

/* The clock's calibration; written once by clock_init, except the wall
 * clock offset (clock_set_realtime_ns) and idle time (the idle loop). */
static uint64_t tsc_base;
static uint64_t tsc_hz;
static uint64_t mult; /* ns = tsc * mult >> 32 */
static int64_t realtime_offset_ns;
static uint64_t idle_ns;

void clock_init(uint64_t boot_tsc)
{
	const char *source;
	tsc_base = boot_tsc;
	tsc_hz = tsc_measure_hz(&source);
	mult = (NSEC_PER_SEC << 32) / tsc_hz;
	int64_t epoch = rtc_read_epoch();
	if (epoch < 0) {
		kprintf("the RTC is unreadable; the wall clock starts at 1970\n");
		epoch = 0;
	}
	/* The RTC has whole seconds; we read it a little after boot. */
	realtime_offset_ns = epoch * (int64_t)NSEC_PER_SEC - (int64_t)clock_monotonic_ns();
}

uint64_t clock_monotonic_ns(void)
{
	uint64_t delta = rdtsc() - tsc_base;
	return (uint64_t)(((unsigned __int128)delta * mult) >> 32);
}

int64_t clock_realtime_ns(void)
{
	return realtime_offset_ns + (int64_t)clock_monotonic_ns();
}

void clock_set_realtime_ns(int64_t ns)
{
	realtime_offset_ns = ns - (int64_t)clock_monotonic_ns();
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

/* Both saturate: a deadline centuries away (a sleep of 2**62 s) must stay
 * far away in TSC ticks, not wrap to a near one. */
uint64_t clock_ns_to_tsc(uint64_t ns)
{
	unsigned __int128 t = ((unsigned __int128)ns * tsc_hz) / NSEC_PER_SEC;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

uint64_t clock_monotonic_to_tsc(uint64_t ns)
{
	uint64_t t;
	return __builtin_add_overflow(tsc_base, clock_ns_to_tsc(ns), &t) ? UINT64_MAX : t;
}

uint64_t clock_cpu_ns(void)
{
	return clock_monotonic_ns() - idle_ns;
}

void clock_add_idle_ns(uint64_t ns)
{
	idle_ns += ns;
}
