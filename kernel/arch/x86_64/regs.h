/* The saved register state of an interrupted or syscalling context, in the
 * order entry.S pushes it. Interrupts, exceptions and syscalls all build
 * this same frame and all leave through iretq. */
#ifndef UPY_ARCH_REGS_H
#define UPY_ARCH_REGS_H

#define VECTOR_SYSCALL 0x100 /* regs.vector of a frame built by syscall */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error; /* exception error code; the syscall number for syscalls */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct regs) == 22 * 8, "regs layout matches entry.S");
#endif

#endif
