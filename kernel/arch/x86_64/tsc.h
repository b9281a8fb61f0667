#ifndef UPY_ARCH_TSC_H
#define UPY_ARCH_TSC_H

#include <stdint.h>

/* The TSC's rate in Hz: from CPUID when the CPU or hypervisor states it,
 * else measured against the PIT while the CPU halts (about 2 ms). */
uint64_t tsc_measure_hz(const char **source);

/* TSC ticks the CPU spent halted while measuring (no instructions ran). */
extern uint64_t tsc_calibration_halted_ticks;

#endif
