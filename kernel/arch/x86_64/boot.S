/*
 * PVH entry. QEMU (and Firecracker) jump to pvh_start in 32-bit protected
 * mode with paging off, flat segments and EBX = physical address of the
 * struct hvm_start_info. We zero .bss, map the first 1 GiB both at 0 (to
 * survive the switch) and at KERNEL_VIRT_BASE and DIRECT_MAP_BASE, enter
 * long mode and call kernel_main(start_info) in the higher half.
 */
#include "arch/x86_64/memlayout.h"

#define PHYS(x) ((x) - KERNEL_VIRT_BASE)
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

	.section .note.pvh, "a"
	.balign 4
	.long 4
	.long 4
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long PHYS(pvh_start)

	.section .text.boot, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4
	movl %ebx, %esi

	/* Zero .bss (boot_pd and the boot stack live there). */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	movl $PHYS(boot_stack_top), %esp

	/* boot_pd: 512 x 2 MiB pages covering physical 0..1 GiB. */
	movl $PHYS(boot_pd), %edi
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	movl $512, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b

	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER: LME, NXE, SCE */
	rdmsr
	orl $((1 << 8) | (1 << 11) | (1 << 0)), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	movl %eax, %cr0
	lgdt PHYS(boot_gdt_ptr)
	ljmp $0x08, $PHYS(start64_low)

	.code64
start64_low:
	movabs $start64_high, %rax
	jmp *%rax

	.text
start64_high:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabs $boot_stack_top, %rsp
	movq %rsp, kstack_top(%rip)	/* interrupts use it until threads exist */
	movl %esi, %edi
	xorl %ebp, %ebp
	call kernel_main
2:	cli
	hlt
	jmp 2b

	.data
	.balign 8
	.globl boot_tsc
boot_tsc:
	.quad 0

	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad PHYS(boot_pdpt_low) + PTE_P + PTE_W
	.fill 255, 8, 0
	.quad PHYS(boot_pdpt_low) + PTE_P + PTE_W	/* 256: DIRECT_MAP_BASE */
	.fill 254, 8, 0
	.quad PHYS(boot_pdpt_high) + PTE_P + PTE_W	/* 511: kernel image */
boot_pdpt_low:
	.quad PHYS(boot_pd) + PTE_P + PTE_W
	.fill 511, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad PHYS(boot_pd) + PTE_P + PTE_W
	.quad 0

	.bss
	.balign 4096
boot_pd:
	.fill 512, 8, 0
	.balign 4096			/* its first page is its guard (kernel_protect.c) */
	.globl boot_stack
boot_stack:
	.fill 32768, 1, 0	/* KSTACK_SIZE */
	.globl boot_stack_top
boot_stack_top:
