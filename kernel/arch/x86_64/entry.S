/*
 * Kernel entry: interrupts, exceptions and syscalls.
 *
 * The app runs in ring 0, so the CPU never switches stacks by itself, and
 * the app keeps live data in the 128-byte red zone below its RSP. Hence:
 * - every vector arrives on an IST stack (the CPU switches to it), and the
 *   common code at once copies the frame to the current thread's kernel
 *   stack: to its top when the app was interrupted, or just below the
 *   interrupted RSP when the kernel itself was (a nested fault). The IST
 *   stack is then free again before anything can re-enter it.
 * - syscall leaves RSP alone; syscall_entry saves it and switches stacks
 *   before it pushes anything.
 * Both build a struct regs (regs.h) and leave through return_to_context.
 */
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/regs.h"

#define KSTACK_SIZE 32768


	.text

/* One stub per vector: push a dummy error code where the CPU pushes none,
 * then the vector number. */
	.macro VECTOR n
	.balign 16
vector_\n:
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	.if (\n == 2 || \n == 8 || \n == 18)
	jmp fatal_entry
	.else
	jmp interrupt_common
	.endif
	.endm

	.globl vector_stubs
vector_stubs:
	.altmacro
	.set i, 0
	.rept 256
	VECTOR %i
	.set i, i + 1
	.endr
	.noaltmacro

/* The address of each stub, for the IDT. */
	.section .rodata
	.balign 8
	.globl vector_table
vector_table:
	.altmacro
	.macro VECTOR_ADDR n
	.quad vector_\n
	.endm
	.set i, 0
	.rept 256
	VECTOR_ADDR %i
	.set i, i + 1
	.endr
	.noaltmacro

	.text
interrupt_common:
	/* On the IST stack: vector, error, rip, cs, rflags, rsp, ss. */
	push %rax
	push %rbx
	push %rcx
	push %rdx
	/* rdx 0, rcx 8, rbx 16, rax 24, vector 32, error 40, rip 48,
	 * cs 56, rflags 64, rsp 72, ss 80 */
	mov %rsp, %rcx
	mov 72(%rcx), %rax		/* the interrupted RSP */
	mov kstack_top(%rip), %rbx
	lea -KSTACK_SIZE(%rbx), %rdx
	cmp %rdx, %rax
	jb 1f
	cmp %rbx, %rax
	jae 1f
	/* Nested in the kernel: below the interrupted RSP, unless that is
	 * in (or a frame's size above) the stack's guard page, its lowest, or
	 * this is a page fault in the guard (a big frame reached into it):
	 * then too little stack is left even to report it. */
	add $(4096 + 512), %rdx
	cmp %rdx, %rax
	jb kernel_stack_overflow_entry
	cmpq $14, 32(%rcx)		/* VECTOR_PAGE_FAULT */
	jne 2f
	mov %cr2, %rbx
	sub $(4096 + 512), %rdx
	sub %rdx, %rbx
	cmp $4096, %rbx
	jb kernel_stack_overflow_entry
2:	mov %rax, %rbx			/* nested in the kernel: go below it */
	and $-16, %rbx
1:	mov %rbx, %rsp
	pushq 80(%rcx)
	pushq 72(%rcx)
	pushq 64(%rcx)
	pushq 56(%rcx)
	pushq 48(%rcx)
	pushq 40(%rcx)
	pushq 32(%rcx)
	pushq 24(%rcx)
	pushq 16(%rcx)
	pushq 8(%rcx)
	pushq 0(%rcx)
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call interrupt_dispatch
	jmp return_to_context

/* NMI, double fault and machine check stay on their own IST stack: they
 * report and stop the machine, so they never need to be re-entered. */
	.globl fatal_entry
fatal_entry:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call fatal_dispatch
2:	cli
	hlt
	jmp 2b

/* A kernel stack overflowed into its guard page: report it from the IST
 * stack we are on (interrupts stay off), as fatal_entry does. rax..rdx are
 * already pushed, in struct regs order. */
kernel_stack_overflow_entry:
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call kernel_stack_overflow
3:	cli
	hlt
	jmp 3b

	.globl syscall_entry
syscall_entry:
	/* RCX = return RIP, R11 = RFLAGS; IF is already clear (FMASK). */
	mov %rsp, syscall_scratch_rsp(%rip)
	mov kstack_top(%rip), %rsp
	pushq $GDT_KERNEL_DATA
	pushq syscall_scratch_rsp(%rip)
	push %r11
	pushq $GDT_KERNEL_CODE
	push %rcx
	push %rax			/* error slot: the syscall number */
	pushq $VECTOR_SYSCALL
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call syscall_dispatch
	/* A plain syscall return (rcx and r11 still hold the return address
	 * and flags, as the syscall instruction left them) skips iretq: restore
	 * the flags, load the app's stack pointer, jump. After rt_sigreturn or
	 * a signal setup they differ, and iretq restores every register. */
	mov 96(%rsp), %rcx		/* regs.rcx */
	cmp 136(%rsp), %rcx		/* regs.rip */
	jne return_to_context
	mov 32(%rsp), %r11		/* regs.r11 */
	cmp 152(%rsp), %r11		/* regs.rflags */
	jne return_to_context
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	add $8, %rsp			/* r11: already the flags */
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	add $8, %rsp			/* rcx: already the return address */
	pop %rbx
	pop %rax
	add $16, %rsp			/* vector, error: now at rip, cs, rflags, rsp, ss */
	push %r11
	popfq
	/* An interrupt from here on nests below us on this stack: the slots
	 * above stay intact until the next instruction has read rsp. */
	mov 24(%rsp), %rsp
	jmp *%rcx

	.globl return_to_context
return_to_context:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

	.bss
	.balign 8
syscall_scratch_rsp:
	.quad 0
	/* Top of the current thread's kernel stack; the scheduler sets it. */
	.globl kstack_top
kstack_top:
	.quad 0
