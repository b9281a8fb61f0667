#include "drivers/pit.h"

#include "arch/x86_64/cpu.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43

void pit_oneshot(uint16_t ticks)
{
	outb(PIT_CMD, 0x30); /* channel 0, lo/hi byte, mode 0, binary */
	outb(PIT_CH0, ticks & 0xff);
	outb(PIT_CH0, ticks >> 8);
}

uint16_t pit_read_count(void)
{
	outb(PIT_CMD, 0x00); /* latch channel 0 */
	uint8_t lo = inb(PIT_CH0);
	uint8_t hi = inb(PIT_CH0);
	return (uint16_t)(lo | (hi << 8));
}
