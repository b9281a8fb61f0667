/* Exceptions and interrupts, after entry.S has saved the context. */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/regs.h"
#include "core/panic.h"
#include "core/stats.h"
#include "linux/signal.h"
#include "linux/signal_fault.h"
#include "sched/sched.h"
#include "linux/uapi/errno.h"
#include "mm/fault.h"

extern irq_handler_fn irq_handlers[256];

struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
};

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 floating point", "alignment check",
	"machine check", "SIMD floating point", "virtualization", "control protection",
};

static const char *exception_name(uint64_t v)
{
	return v < 32 && exception_names[v] ? exception_names[v] : "reserved exception";
}

/* The signal Linux sends for each exception raised by app code. */
static int exception_signal(uint64_t v)
{
	switch (v) {
	case 0:
	case 16:
	case 19:
		return 8; /* SIGFPE */
	case 1:
	case 3:
		return 5; /* SIGTRAP */
	case 6:
		return 4; /* SIGILL */
	case 17:
		return 7; /* SIGBUS */
	default:
		return 11; /* SIGSEGV */
	}
}

/* Where a kernel instruction that may fault on app memory resumes. */
static uint64_t extable_fixup(uint64_t rip)
{
	extern const struct extable_entry __extable_start[], __extable_end[];
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

static void page_fault(struct regs *r)
{
	uint64_t addr = read_cr2();
	kstats.page_faults++;
	int rc = vm_fault(addr, r->error);
	if (rc == 0)
		return;
	if (is_user_address(r->rip)) {
		/* Past the end of a mapped file is SIGBUS, as on Linux. */
		if (rc == -ENXIO)
			signal_fault(r, SIGBUS, "access beyond the end of a mapped file", addr);
		else
			signal_fault(r, SIGSEGV, rc == -ENOMEM ? "out of memory" : "page fault", addr);
		return;
	}
	uint64_t fixup = extable_fixup(r->rip);
	if (fixup && is_user_address(addr)) {
		r->rip = fixup;
		return;
	}
	panic_regs(r, "page fault in the kernel at address 0x%lx (%s %s)", addr,
		   r->error & 1 ? "protection violation" : "not present",
		   r->error & 2 ? "on write" : r->error & 16 ? "on fetch" : "on read");
}

static void dispatch(struct regs *r)
{
	uint64_t v = r->vector;
	if (v == VECTOR_PAGE_FAULT) {
		page_fault(r);
	} else if (v >= VECTOR_IRQ_BASE) {
		if (irq_handlers[v])
			irq_handlers[v](r);
	} else if (is_user_address(r->rip)) {
		signal_fault(r, exception_signal(v), exception_name(v), r->rip);
	} else {
		panic_regs(r, "%s (vector %lu) in the kernel", exception_name(v), v);
	}
}

void interrupt_dispatch(struct regs *r)
{
	uint64_t t0 = rdtsc();
	dispatch(r);
	/* Back to app code: a chance to switch threads and deliver signals. */
	if (is_user_address(r->rip)) {
		sched_preempt_point();
		signal_deliver(r);
		kstats.kernel_entries++;
		kstats.kernel_tsc += rdtsc() - t0;
	}
}

void fatal_dispatch(struct regs *r)
{
	panic_regs(r, "%s", exception_name(r->vector));
}
