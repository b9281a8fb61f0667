/* Kernel time: a monotonic clock from the TSC, wall time from the RTC. */
#ifndef UPY_CORE_CLOCK_H
#define UPY_CORE_CLOCK_H

#include <stdint.h>

#define NSEC_PER_SEC 1000000000ull

void clock_init(uint64_t boot_tsc);

/* Nanoseconds since the kernel's first instruction. */
uint64_t clock_monotonic_ns(void);
/* Nanoseconds since the Unix epoch. */
int64_t clock_realtime_ns(void);
/* Step the wall clock (clock_settime, settimeofday). */
void clock_set_realtime_ns(int64_t ns);

uint64_t clock_tsc_hz(void);
uint64_t clock_ns_to_tsc(uint64_t ns);
/* The TSC value at a point of the monotonic clock. */
uint64_t clock_monotonic_to_tsc(uint64_t ns);

/* CPU time: all time the CPU was not halted waiting for work. */
uint64_t clock_cpu_ns(void);
void clock_add_idle_ns(uint64_t ns);

#endif
