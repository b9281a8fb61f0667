#include "arch/x86_64/idt.h"

#include <stdint.h>

#include "arch/x86_64/gdt.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t vector_table[256];

/* Owned by this file; the gates are written once at boot. */
static struct idt_gate idt[256];
irq_handler_fn irq_handlers[256];

static int is_fatal_vector(unsigned v)
{
	return v == 2 || v == 8 || v == 18; /* NMI, double fault, machine check */
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = vector_table[v];
		idt[v] = (struct idt_gate){
			.offset_low = a & 0xffff,
			.selector = GDT_KERNEL_CODE,
			.ist = is_fatal_vector(v) ? IST_FATAL : IST_TRAMPOLINE,
			.type = 0x8e, /* present, DPL 0, interrupt gate (clears IF) */
			.offset_mid = (a >> 16) & 0xffff,
			.offset_high = a >> 32,
		};
	}
	struct idt_ptr ptr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_set_irq_handler(unsigned vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}
