#ifndef UPY_ARCH_GDT_H
#define UPY_ARCH_GDT_H

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS 0x18

/* IST slots (1-based, as in the IDT gate). */
#define IST_TRAMPOLINE 1 /* every ordinary vector: left at once for the kernel stack */
#define IST_FATAL 2      /* NMI, double fault, machine check: never left */

#ifndef __ASSEMBLER__
void gdt_init(void);
#endif

#endif
