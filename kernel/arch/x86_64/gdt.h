#ifndef UPY_ARCH_GDT_H
#define UPY_ARCH_GDT_H

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS 0x18

/* IST slots (1-based, as in the IDT gate). */
#define IST_TRAMPOLINE 1 /* every ordinary vector: left at once for the kernel stack */
#define IST_FATAL 2      /* NMI, double fault, machine check: never left */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The IST stacks, each above its guard page (unmapped by kernel_protect.c).
 * The trampoline also runs the report of a kernel stack overflow (entry.S),
 * hence its two pages. */
struct ist_stacks {
	uint8_t trampoline_guard[4096];
	uint8_t trampoline[8192];
	uint8_t fatal_guard[4096];
	uint8_t fatal[16384];
} __attribute__((aligned(4096)));
extern struct ist_stacks ist_stacks;

void gdt_init(void);
#endif

#endif
