#include "sched/thread.h"

#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/kernel_protect.h"
#include "arch/x86_64/memlayout.h"
#include "core/clock.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"

struct thread *current;

/* Thread ids; the main thread's is the process id, 1. */
static int next_tid = 1;

static unsigned order_of(uint64_t bytes)
{
	unsigned o = 0;
	while ((PAGE_SIZE << o) < bytes)
		o++;
	return o;
}

struct thread *thread_alloc(void)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	uint64_t stack = frame_alloc_order(order_of(KSTACK_SIZE));
	/* kmalloc gives page-aligned blocks from 4 KiB up: XSAVE needs 64. */
	t->xsave = kmalloc(xsave_size < 4096 ? 4096 : xsave_size);
	if (!stack || !t->xsave) {
		if (stack)
			frame_free_order(stack, order_of(KSTACK_SIZE));
		kfree(t->xsave);
		kfree(t);
		return NULL;
	}
	fpu_init_area(t->xsave);
	t->altstack.flags = SS_DISABLE;
	t->kstack = (uint64_t)phys_to_virt(stack);
	kstack_guard(t->kstack, true);
	t->tid = next_tid++;
	t->state = THREAD_BLOCKED;
	t->start_ns = clock_monotonic_ns();
	if (current)
		memcpy(t->name, current->name, sizeof(t->name));
	return t;
}

void thread_free(struct thread *t)
{
	kfree(t->walk_buf);
	kstack_guard(t->kstack, false); /* its next owner may use the whole page */
	frame_free_order(virt_to_phys((void *)t->kstack), order_of(KSTACK_SIZE));
	kfree(t->xsave);
	kfree(t);
}

int thread_last_tid(void)
{
	return next_tid - 1;
}
