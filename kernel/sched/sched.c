#include "sched/sched.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "core/clock.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/deadlock.h"
#include "core/stats.h"
#include "uapi/errno.h"

#define TIMER_VECTOR 0xf0

void context_switch(uint64_t *save_rsp, uint64_t load_rsp);
extern uint64_t kstack_top;

/* Scheduler state; owned by this file. Interrupts are off whenever it
 * changes, so the timer interrupt sees it consistent. */
static struct thread *all_threads;
static struct thread *run_head, *run_tail;
static struct thread *zombies; /* exited, stacks to free */
static bool need_resched;
static int thread_count;

static void runq_push(struct thread *t)
{
	t->run_next = NULL;
	if (run_tail)
		run_tail->run_next = t;
	else
		run_head = t;
	run_tail = t;
}

static struct thread *runq_pop(void)
{
	struct thread *t = run_head;
	if (t) {
		run_head = t->run_next;
		if (!run_head)
			run_tail = NULL;
	}
	return t;
}

static void waitq_remove(struct thread *t)
{
	struct waitq *q = t->waiting_on;
	if (!q)
		return;
	for (struct thread **pp = &q->head; *pp; pp = &(*pp)->wait_next) {
		if (*pp == t) {
			*pp = t->wait_next;
			break;
		}
	}
	t->waiting_on = NULL;
}

static void waitq_append(struct waitq *q, struct thread *t)
{
	struct thread **pp = &q->head;
	while (*pp)
		pp = &(*pp)->wait_next;
	t->wait_next = NULL;
	*pp = t;
	t->waiting_on = q;
}

/* Programs the timer for the next event: a wake-up deadline, or the end
 * of the current slice when other threads wait for the CPU. */
static void arm_timer(void)
{
	uint64_t next = ktimer_next_deadline();
	if (run_head) {
		uint64_t slice_end = current->slice_start_ns + SCHED_SLICE_NS;
		if (!next || slice_end < next)
			next = slice_end;
	}
	if (next)
		lapic_timer_arm(clock_monotonic_to_tsc(next));
	else
		lapic_timer_disarm();
}

static void timer_interrupt(struct regs *r)
{
	lapic_eoi();
	uint64_t now = clock_monotonic_ns();
	ktimer_run_expired(now);
	if (run_head && now >= current->slice_start_ns + SCHED_SLICE_NS)
		need_resched = true;
	arm_timer();
}

static void reap_zombies(void)
{
	while (zombies) {
		struct thread *z = zombies;
		zombies = z->run_next;
		thread_free(z);
	}
}

__attribute__((noreturn)) static void deadlock(void)
{
	kprintf("deadlock: every thread is blocked and nothing can wake them\n");
	for (struct thread *t = all_threads; t; t = t->all_next)
		kprintf("  thread %d waits in %s (0x%lx)\n", t->tid,
			t->wait_reason ? t->wait_reason : "?", t->wait_detail);
	deadlock_exit();
}

/* Sources outside the VM that may wake a thread (console input); owned by
 * this file. */
static int external_wakers;

void sched_external_waker(int delta)
{
	external_wakers += delta;
}

/* Halts until an interrupt; the time counts as idle, not as CPU time. */
static void idle(void)
{
	if (!ktimer_next_deadline() && external_wakers == 0)
		deadlock();
	arm_timer();
	uint64_t t0 = rdtsc();
	uint64_t now = clock_monotonic_ns();
	current->cpu_ns += now - current->slice_start_ns;
	cpu_idle_wait();
	uint64_t t1 = rdtsc();
	kstats.idle_tsc += t1 - t0;
	current->slice_start_ns = clock_monotonic_ns();
	clock_add_idle_ns(current->slice_start_ns - now);
}

static void switch_to(struct thread *prev, struct thread *next)
{
	uint64_t now = clock_monotonic_ns();
	prev->cpu_ns += now - prev->slice_start_ns;
	next->slice_start_ns = now;
	if (prev->state != THREAD_DEAD)
		fpu_save(prev->xsave);
	current = next;
	kstack_top = next->kstack + KSTACK_SIZE;
	wrmsr(MSR_FS_BASE, next->fs_base);
	fpu_restore(next->xsave);
	context_switch(&prev->ksp, next->ksp);
	/* Back in prev, switched to again. */
	reap_zombies();
}

static void schedule(void)
{
	struct thread *prev = current;
	if (prev->state == THREAD_RUNNING) {
		prev->state = THREAD_READY;
		runq_push(prev);
	}
	struct thread *next;
	while (!(next = runq_pop()))
		idle();
	need_resched = false;
	next->state = THREAD_RUNNING;
	if (next != prev)
		switch_to(prev, next);
	arm_timer();
}

static void wakeup_timeout(struct ktimer *k)
{
	struct thread *t = (struct thread *)((char *)k - offsetof(struct thread, wakeup));
	sched_wake_thread(t, -ETIMEDOUT);
}

static struct thread *new_thread(void)
{
	struct thread *t = thread_alloc();
	if (t)
		t->wakeup.fn = wakeup_timeout;
	return t;
}

struct thread *sched_new_thread(void)
{
	return new_thread();
}

struct thread *sched_init(void)
{
	struct thread *t = new_thread();
	if (!t)
		panic("out of memory for the main thread");
	t->state = THREAD_RUNNING;
	t->all_next = NULL;
	all_threads = t;
	thread_count = 1;
	current = t;
	kstack_top = t->kstack + KSTACK_SIZE;
	t->slice_start_ns = clock_monotonic_ns();
	idt_set_irq_handler(TIMER_VECTOR, timer_interrupt);
	lapic_timer_init(TIMER_VECTOR, clock_tsc_hz());
	return t;
}

void sched_thread_started(void)
{
	reap_zombies();
	arm_timer();
}

void sched_start_thread(struct thread *t)
{
	/* Its first context_switch pops six callee-saved registers, then
	 * returns to thread_first_entry, which leaves through the regs frame
	 * the caller built at the top of the kernel stack. */
	extern char thread_first_entry[];
	uint64_t *sp = (uint64_t *)(t->kstack + KSTACK_SIZE - sizeof(struct regs));
	*--sp = (uint64_t)thread_first_entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->ksp = (uint64_t)sp;
	t->all_next = all_threads;
	all_threads = t;
	thread_count++;
	t->state = THREAD_READY;
	runq_push(t);
	arm_timer();
}

/* Set once at boot (sched_set_interrupter); owned by this file. */
static bool (*interrupter)(struct thread *t);

void sched_set_interrupter(bool (*interrupts)(struct thread *t))
{
	interrupter = interrupts;
}

int sched_wait(struct waitq *q, uint64_t deadline_ns, bool interruptible, const char *reason,
	       uint64_t detail)
{
	struct thread *t = current;
	if (interruptible && interrupter(t))
		return -EINTR;
	if (deadline_ns && deadline_ns <= clock_monotonic_ns())
		return -ETIMEDOUT;
	t->state = THREAD_BLOCKED;
	t->wake_result = 0;
	t->interruptible = interruptible;
	t->wait_reason = reason;
	t->wait_detail = detail;
	if (q)
		waitq_append(q, t);
	if (deadline_ns)
		ktimer_arm(&t->wakeup, deadline_ns);
	schedule();
	t->wait_reason = NULL;
	return t->wake_result;
}

void sched_wake_thread(struct thread *t, int result)
{
	if (t->state != THREAD_BLOCKED)
		return;
	waitq_remove(t);
	ktimer_cancel(&t->wakeup);
	t->wake_result = result;
	t->state = THREAD_READY;
	runq_push(t);
	arm_timer(); /* the running thread's slice now has an end */
}

int sched_wake(struct waitq *q, int n)
{
	int woken = 0;
	while (q->head && (n < 0 || woken < n)) {
		sched_wake_thread(q->head, 0);
		woken++;
	}
	return woken;
}

void sched_move_waiter(struct thread *t, struct waitq *to)
{
	waitq_remove(t);
	waitq_append(to, t);
}

void sched_exit_thread(void)
{
	struct thread *t = current;
	for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next) {
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	}
	thread_count--;
	t->state = THREAD_DEAD;
	/* Its stack is still in use until the switch: freed by the next thread. */
	t->run_next = zombies;
	zombies = t;
	schedule();
	panic("an exited thread was scheduled again");
}

void sched_preempt_point(void)
{
	if (need_resched)
		schedule();
}

void sched_yield_now(void)
{
	if (run_head)
		schedule();
}

void sched_timer_reprogram(void)
{
	if (current)
		arm_timer();
}

struct thread *sched_threads(void)
{
	return all_threads;
}

struct thread *sched_find_thread(int tid)
{
	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->tid == tid)
			return t;
	return NULL;
}

int sched_thread_count(void)
{
	return thread_count;
}
