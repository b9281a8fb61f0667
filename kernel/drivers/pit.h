/* The 8254 programmable interval timer, used once to measure the TSC. */
#ifndef UPY_DRIVERS_PIT_H
#define UPY_DRIVERS_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182

/* Channel 0, mode 0: raise IRQ 0 once after `ticks` (< 65536) ticks. */
void pit_oneshot(uint16_t ticks);
/* The current count of channel 0 (counts down, wraps at 0). */
uint16_t pit_read_count(void);

#endif
