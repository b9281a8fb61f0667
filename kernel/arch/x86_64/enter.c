#include "arch/x86_64/enter.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/regs.h"
#include "lib/string.h"

extern uint64_t kstack_top;
extern char return_to_context[];

void enter_app(uint64_t entry, uint64_t sp)
{
	struct regs *r = (struct regs *)(kstack_top - sizeof(struct regs));
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->cs = GDT_KERNEL_CODE;
	r->rflags = 0x202; /* IF set */
	r->rsp = sp;
	r->ss = GDT_KERNEL_DATA;
	__asm__ volatile("mov %0, %%rsp; jmp return_to_context" : : "r"(r) : "memory");
	__builtin_unreachable();
}
