#include "arch/x86_64/gdt.h"

#include <stdint.h>

#include "lib/string.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Owned by this file; written once at boot. */
static struct tss tss;
static uint64_t gdt[5];
/* Each interrupt stack sits just above a guard page that kernel_protect.c
 * leaves unmapped, so that an overflow faults instead of running into the
 * other stack or whatever the linker put below. Not static: the guards'
 * addresses are kernel_protect.c's too. */
struct ist_stacks ist_stacks;

void gdt_init(void)
{
	tss.ist[IST_TRAMPOLINE - 1] = (uint64_t)(ist_stacks.trampoline + sizeof(ist_stacks.trampoline));
	tss.ist[IST_FATAL - 1] = (uint64_t)(ist_stacks.fatal + sizeof(ist_stacks.fatal));
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */

	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffff; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffff; /* data */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	struct gdt_ptr ptr = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0" : : "m"(ptr));
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
}
