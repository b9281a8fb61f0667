#include "arch/x86_64/machine.h"

#include "abi/host.h"
#include "arch/x86_64/cpu.h"

void machine_exit(uint32_t code)
{
	irq_disable();
	outl(UPY_DEBUG_EXIT_PORT, code);
	/* No debug-exit device: force a triple fault with an empty IDT. */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(empty));
	for (;;)
		__asm__ volatile("hlt");
}
