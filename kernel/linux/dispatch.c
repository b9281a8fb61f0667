/* The syscall table, the dispatcher called from entry.S, and the tracer. */
#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/stats.h"
#include "linux/fs_args.h"
#include "signal/signal.h"
#include "linux/syscall.h"
#include "linux/trace.h"
#include "uapi/errno.h"
#include "sched/sched.h"

extern const struct syscall_def __syscalls_start[], __syscalls_end[];

/* Filled once at boot from the .syscalls section. */
static const struct syscall_def *table[SYSCALL_MAX];
static int tracing;

void syscall_table_init(void)
{
	for (const struct syscall_def *d = __syscalls_start; d < __syscalls_end; d++) {
		if (d->nr >= SYSCALL_MAX || table[d->nr])
			panic("syscall %s (%u) defined twice or out of range", d->name, d->nr);
		table[d->nr] = d;
	}
}

void syscall_trace_enable(int on)
{
	tracing = on;
}

struct regs *syscall_regs(void)
{
	return current->regs;
}

void syscall_dispatch(struct regs *r)
{
	uint64_t t0 = rdtsc();
	current->regs = r;
	uint64_t nr = r->rax;
	const struct syscall_def *d = nr < SYSCALL_MAX ? table[nr] : NULL;
	if (tracing && d && d->format[0] == 'n')
		trace_syscall(nr, d->name, d->format, r, 0); /* it will not return */
	long ret = d ? d->fn(r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9) : -ENOSYS;
	r->rax = (uint64_t)ret;
	if (current->nheld_files)
		fd_release_held();
	if (tracing)
		trace_syscall(nr, d ? d->name : NULL, d ? d->format : NULL, r, ret);
	sched_preempt_point();
	signal_deliver(r);
	kstats.syscalls++;
	kstats.kernel_entries++;
	kstats.kernel_tsc += rdtsc() - t0;
}
