/* Exceptions and interrupts, after entry.S has saved the context. */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/kernel_protect.h"
#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/regs.h"
#include "core/panic.h"
#include "core/stats.h"
#include "lib/fmt.h"
#include "signal/signal.h"
#include "sched/sched.h"
#include "sched/thread.h"
#include "uapi/errno.h"
#include "mm/fault.h"

extern irq_handler_fn irq_handlers[256];
extern uint64_t kstack_top;

/* Whether the app was running: its code, or kernel code it jumped into
 * (it is in ring 0 and may), which then runs on the app's stack. The
 * kernel itself only ever runs on the current thread's kernel stack (the
 * same test entry.S makes to pick the stack). */
static bool from_app(const struct regs *r)
{
	return is_user_address(r->rip) || r->rsp < kstack_top - KSTACK_SIZE || r->rsp >= kstack_top;
}

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

/* Why app code faulted on a kernel address. The app runs in ring 0, so it
 * can read the kernel; what faults is a write to its read-only text or
 * rodata (CR0.WP), a fetch from its non-executable data, or a hole. */
static const char *kernel_fault_reason(uint64_t error)
{
	if (!(error & FAULT_PRESENT))
		return "access to unmapped kernel memory";
	if (error & FAULT_WRITE)
		return "write to read-only kernel memory";
	if (error & FAULT_FETCH)
		return "execution of non-executable kernel memory";
	return "page fault on kernel memory";
}

/* Which interrupt stack or image stack ran into its guard page, if the
 * fault at addr is that: addr in a guard page, and the stack pointer at most
 * a page above it (a frame that skips farther faults below, in whatever is
 * mapped there). A thread's kernel stack entry.S checks itself, as it must
 * report from the interrupt stack. */
static const char *overflowed_stack(const struct regs *r, uint64_t addr)
{
	const char *stack = image_guard_stack(addr);
	uint64_t guard = addr & ~(uint64_t)(PAGE_SIZE - 1);
	if (stack && r->rsp - guard < 2 * PAGE_SIZE)
		return stack;
	return NULL;
}

static void page_fault(struct regs *r)
{
	uint64_t addr = read_cr2();
	kstats.page_faults++;
	int rc = vm_fault(addr, r->error);
	if (rc == 0)
		return;
	const char *stack = overflowed_stack(r, addr);
	if (stack)
		panic_regs(r, "kernel stack overflow: %s (address 0x%lx, rsp 0x%lx)", stack, addr,
			   r->rsp);
	if (from_app(r)) {
		/* Past the end of a mapped file is SIGBUS, as on Linux; so is a
		 * page the file cannot give (a full disk, an I/O error). */
		if (rc == -ENXIO)
			signal_fault(r, SIGBUS, "access beyond the end of a mapped file", addr);
		else if (rc == -ENOSPC || rc == -EIO || rc == -EDQUOT)
			signal_fault(r, SIGBUS, "the mapped file cannot give the page", addr);
		else if (!is_user_address(addr))
			signal_fault(r, SIGSEGV, kernel_fault_reason(r->error), addr);
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
	} else if (from_app(r)) {
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

/* From entry.S, on the interrupt stack: the interrupted kernel code had
 * run its stack down into the guard page (its lowest, unmapped), or to
 * within a frame of it. */
void kernel_stack_overflow(struct regs *r)
{
	extern char boot_stack_top[];
	char stack[48];
	if (kstack_top == (uint64_t)boot_stack_top)
		format(stack, sizeof(stack), "the boot stack");
	else
		format(stack, sizeof(stack), "the kernel stack of thread %d", current ? current->tid : 0);
	if (r->vector == VECTOR_PAGE_FAULT)
		panic_regs(r, "kernel stack overflow: %s (page fault at address 0x%lx, rsp 0x%lx)",
			   stack, read_cr2(), r->rsp);
	panic_regs(r, "kernel stack overflow: %s (%s, rsp 0x%lx)", stack,
		   r->vector < 32 ? exception_name(r->vector) : "interrupt", r->rsp);
}

void fatal_dispatch(struct regs *r)
{
	panic_regs(r, "%s", exception_name(r->vector));
}
