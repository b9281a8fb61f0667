/* The local APIC: interrupt delivery to the CPU and its timer. */
#ifndef UPY_ARCH_LAPIC_H
#define UPY_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_SPURIOUS_VECTOR 0xff

/* Enables the APIC and lets the legacy PIC's interrupts through (LINT0 as
 * ExtINT), as firmware would have done. */
void lapic_init(void);
void lapic_eoi(void);
/* A one-shot timer interrupt on a vector at a TSC value: in TSC-deadline
 * mode where the CPU has it, else in one-shot count mode at a rate measured
 * against the TSC at boot (QEMU's TCG lacks TSC-deadline). */
void lapic_timer_init(uint8_t vector, uint64_t tsc_hz);
void lapic_timer_arm(uint64_t tsc_deadline);
void lapic_timer_disarm(void);

/* Measuring the count rate: start the counter, later read how far it got. */
void lapic_count_start(void);
uint32_t lapic_count_elapsed(void);
/* The measured rate, set by the clock code. */
void lapic_set_count_hz(uint64_t hz);

#endif
