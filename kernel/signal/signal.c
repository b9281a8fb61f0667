#include "signal/signal.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/memlayout.h"
#include "core/console.h"
#include "core/process.h"
#include "lib/string.h"
#include "signal/signal_state.h"
#include "uapi/errno.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

struct signal_state sig;

static const char *const names[] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP",
	[6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU", [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR",
	[31] = "SIGSYS",
};

const char *signal_name(int signo)
{
	if (signo > 0 && signo < 32 && names[signo])
		return names[signo];
	return "a real-time signal";
}

enum default_action { ACT_TERMINATE, ACT_CORE, ACT_IGNORE, ACT_STOP };

static enum default_action default_action(int s)
{
	switch (s) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case 24: case 25: case 31:
		return ACT_CORE;
	case SIGCHLD: case 23: case 28: case SIGCONT:
		return ACT_IGNORE;
	case SIGSTOP: case 20: case 21: case 22:
		return ACT_STOP;
	default:
		return ACT_TERMINATE;
	}
}

/* A signal that would only be discarded need not be queued (Linux's
 * sig_ignored(); blocked signals stay, the handler may change). */
static bool discarded(int s, uint64_t blocked)
{
	uint64_t h = sig.actions[s - 1].handler;
	if (blocked & SIGBIT(s))
		return false;
	return h == SIG_IGN || (h == SIG_DFL && default_action(s) == ACT_IGNORE);
}

static bool wants(struct thread *t, int s)
{
	return !(t->sigmask & SIGBIT(s));
}

static void kick(struct thread *t)
{
	if (t->state == THREAD_BLOCKED && t->interruptible)
		sched_wake_thread(t, -EINTR);
}

void signal_send_thread(struct thread *t, int s, struct sig_note note)
{
	if (discarded(s, t->sigmask))
		return;
	if (!(t->sigpending & SIGBIT(s)))
		t->sig_notes[s - 1] = note;
	t->sigpending |= SIGBIT(s);
	if (wants(t, s))
		kick(t);
}

void signal_send_process(int s, struct sig_note note)
{
	if (discarded(s, current->sigmask))
		return;
	if (!(sig.pending & SIGBIT(s)))
		sig.notes[s - 1] = note;
	sig.pending |= SIGBIT(s);
	/* Any thread that does not block it may take it; prefer the running one. */
	if (wants(current, s)) {
		kick(current);
		return;
	}
	for (struct thread *t = sched_threads(); t; t = t->all_next) {
		if (wants(t, s)) {
			kick(t);
			return;
		}
	}
}

void signal_send_process_info(const struct linux_siginfo *info)
{
	struct sig_note note = { .code = info->si_code, .given = true, .err = info->si_errno };
	memcpy(note.fields, info->raw, sizeof(note.fields));
	signal_send_process(info->si_signo, note);
}

bool signal_interrupts(struct thread *t)
{
	return ((t->sigpending | sig.pending) & ~t->sigmask) != 0;
}

void signal_set_temporary_mask(uint64_t mask)
{
	if (!current->restore_mask) {
		current->saved_mask = current->sigmask;
		current->restore_mask = true;
	}
	current->sigmask = mask & ~SIG_UNBLOCKABLE;
}

static void fill_info(struct linux_siginfo *info, int s, struct sig_note n)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = s;
	info->si_code = n.code;
	if (n.given) {
		info->si_errno = n.err;
		memcpy(info->raw, n.fields, sizeof(n.fields));
	} else if (s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGTRAP) {
		info->fault.addr = n.addr;
	} else {
		info->kill.pid = n.pid;
		info->kill.uid = 0;
	}
}

/* Takes the lowest deliverable signal of `allowed`: synchronous (thread)
 * ones first. */
int signal_dequeue(struct thread *t, uint64_t allowed, struct linux_siginfo *info)
{
	uint64_t mine = t->sigpending & allowed;
	uint64_t shared = sig.pending & allowed;
	if (mine) {
		int s = __builtin_ctzll(mine) + 1;
		t->sigpending &= ~SIGBIT(s);
		fill_info(info, s, t->sig_notes[s - 1]);
		return s;
	}
	if (shared) {
		int s = __builtin_ctzll(shared) + 1;
		sig.pending &= ~SIGBIT(s);
		fill_info(info, s, sig.notes[s - 1]);
		return s;
	}
	return 0;
}

/* The frame Linux puts on the stack for a handler (x86-64). */
struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct linux_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct linux_stack uc_stack;
	struct linux_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct linux_ucontext uc;
	struct linux_siginfo info;
};

#define UC_FP_XSTATE 1
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define FX_SW_BYTES_OFFSET 464
/* Flags the app may change through sigreturn: CF PF AF ZF SF TF DF OF AC. */
#define FIX_EFLAGS 0x40dd5ul

bool signal_on_altstack(uint64_t sp)
{
	const struct linux_stack *a = &current->altstack;
	/* As Linux: a stack that disarms itself is never "in use", so a
	 * handler running on it may take another signal there. */
	if (a->flags & SS_AUTODISARM)
		return false;
	return !(a->flags & SS_DISABLE) && sp > a->sp && sp <= a->sp + a->size;
}

int32_t signal_altstack_flags(uint64_t sp)
{
	const struct linux_stack *a = &current->altstack;
	int32_t state = (a->flags & SS_DISABLE) ? SS_DISABLE : signal_on_altstack(sp) ? SS_ONSTACK : 0;
	return state | (a->flags & SS_AUTODISARM);
}

int signal_set_altstack(const struct linux_stack *s, uint64_t sp)
{
	if (signal_on_altstack(sp))
		return -EPERM;
	int32_t mode = s->flags & ~SS_AUTODISARM;
	if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		current->altstack = (struct linux_stack){ 0, s->flags, 0, 0 };
		return 0;
	}
	if (s->size < MINSIGSTKSZ)
		return -ENOMEM;
	current->altstack = (struct linux_stack){ s->sp, s->flags & SS_AUTODISARM, 0, s->size };
	return 0;
}

/* Builds the frame and points r at the handler; false if the stack is bad. */
static bool setup_frame(struct regs *r, int s, const struct k_sigaction *ka,
			const struct linux_siginfo *info, uint64_t old_mask)
{
	uint64_t sp = r->rsp - 128; /* skip the red zone */
	const struct linux_stack *alt = &current->altstack;
	if ((ka->flags & SA_ONSTACK) && !(alt->flags & SS_DISABLE) && !signal_on_altstack(r->rsp))
		sp = alt->sp + alt->size;
	uint64_t fp_size = xsave_size + 4; /* + FP_XSTATE_MAGIC2 */
	sp = (sp - fp_size) & ~63ul;
	uint64_t fpstate = sp;
	sp -= sizeof(struct rt_sigframe);
	sp = ((sp + 8) & ~15ul) - 8; /* as after a call: (sp + 8) % 16 == 0 */
	struct rt_sigframe *frame = (struct rt_sigframe *)sp;

	/* The FPU registers are the app's (the kernel never uses them). */
	fpu_save(current->xsave);
	uint32_t sw[12] = { FP_XSTATE_MAGIC1, xsave_size + 4, (uint32_t)xsave_mask,
			    (uint32_t)(xsave_mask >> 32), xsave_size };
	memcpy((char *)current->xsave + FX_SW_BYTES_OFFSET, sw, sizeof(sw));
	uint32_t magic2 = FP_XSTATE_MAGIC2;

	struct rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.sp = alt->sp;
	f.uc.uc_stack.size = alt->size;
	f.uc.uc_stack.flags = signal_altstack_flags(r->rsp);
	struct linux_sigcontext *c = &f.uc.uc_mcontext;
	c->r8 = r->r8, c->r9 = r->r9, c->r10 = r->r10, c->r11 = r->r11;
	c->r12 = r->r12, c->r13 = r->r13, c->r14 = r->r14, c->r15 = r->r15;
	c->rdi = r->rdi, c->rsi = r->rsi, c->rbp = r->rbp, c->rbx = r->rbx;
	c->rdx = r->rdx, c->rax = r->rax, c->rcx = r->rcx, c->rsp = r->rsp;
	c->rip = r->rip, c->eflags = r->rflags;
	c->cs = GDT_KERNEL_CODE, c->ss = GDT_KERNEL_DATA;
	c->err = r->vector < 32 ? r->error : 0;
	c->trapno = r->vector < 32 ? r->vector : 0;
	c->oldmask = old_mask;
	c->cr2 = (s == SIGSEGV || s == SIGBUS) ? info->fault.addr : 0;
	c->fpstate = fpstate;
	f.uc.uc_sigmask = old_mask;
	f.info = *info;

	if (copy_to_user((void *)fpstate, current->xsave, xsave_size) < 0 ||
	    copy_to_user((void *)(fpstate + xsave_size), &magic2, 4) < 0 ||
	    copy_to_user(frame, &f, sizeof(f)) < 0)
		return false;

	/* SS_AUTODISARM: the handler runs with no alternate stack; its
	 * sigreturn puts back the one saved in the frame. */
	if (alt->flags & SS_AUTODISARM)
		current->altstack = (struct linux_stack){ 0, SS_DISABLE, 0, 0 };
	r->rip = ka->handler;
	r->rsp = sp;
	r->rdi = (uint64_t)s;
	r->rsi = (uint64_t)&frame->info;
	r->rdx = (uint64_t)&frame->uc;
	r->rax = 0;
	r->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
	/* The handler starts with a clean FPU state, as on Linux. */
	fpu_init_area(current->xsave);
	fpu_restore(current->xsave);
	return true;
}

static void restart_or_fail(struct regs *r, const struct k_sigaction *ka)
{
	if (r->vector != VECTOR_SYSCALL)
		return;
	long ret = (long)r->rax;
	if (ret == -ERESTARTSYS && ka && !(ka->flags & SA_RESTART)) {
		r->rax = (uint64_t)-EINTR;
	} else if (ret == -ERESTARTNOHAND && ka) {
		r->rax = (uint64_t)-EINTR;
	} else if (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND) {
		r->rax = r->error; /* the syscall number: run it again */
		r->rip -= 2;       /* the syscall instruction */
	}
	r->vector = 0; /* decided: no second restart */
}

static void die(int s, const char *why)
{
	if (why)
		kprintf("%s\n", why);
	process_kill(s);
}

void signal_deliver(struct regs *r)
{
	process_park_if_exiting();
	struct thread *t = current;
	struct linux_siginfo info;
	int s;
	while ((s = signal_dequeue(t, ~t->sigmask, &info))) {
		struct k_sigaction *ka = &sig.actions[s - 1];
		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler == SIG_DFL) {
			switch (default_action(s)) {
			case ACT_IGNORE:
				continue;
			case ACT_STOP:
				kprintf("%s would stop the app: a unikernel has no job control, "
					"so it is ignored\n", signal_name(s));
				continue;
			default:
				die(s, NULL);
			}
		}
		if (!(ka->flags & SA_RESTORER))
			die(SIGSEGV, "a signal handler without SA_RESTORER cannot return");
		restart_or_fail(r, ka);
		uint64_t old_mask = t->restore_mask ? t->saved_mask : t->sigmask;
		t->restore_mask = false;
		if (!setup_frame(r, s, ka, &info, old_mask))
			die(SIGSEGV, "cannot write the signal frame: the app's stack is bad");
		t->sigmask = old_mask | ka->mask;
		if (!(ka->flags & SA_NODEFER))
			t->sigmask |= SIGBIT(s);
		t->sigmask &= ~SIG_UNBLOCKABLE;
		if (ka->flags & SA_RESETHAND)
			*ka = (struct k_sigaction){ SIG_DFL, 0, 0, 0 };
		return; /* one handler at a time; the rest after its sigreturn */
	}
	restart_or_fail(r, NULL);
	if (t->restore_mask) {
		t->sigmask = t->saved_mask;
		t->restore_mask = false;
	}
}

/* The syscall half: rt_sigreturn undoes setup_frame. */
long signal_return(struct regs *r)
{
	struct rt_sigframe f;
	uint64_t frame = r->rsp - 8; /* the handler's ret popped pretcode */
	if (copy_from_user(&f, (void *)frame, sizeof(f)) < 0)
		die(SIGSEGV, "rt_sigreturn: the signal frame is unreadable");
	const struct linux_sigcontext *c = &f.uc.uc_mcontext;
	r->r8 = c->r8, r->r9 = c->r9, r->r10 = c->r10, r->r11 = c->r11;
	r->r12 = c->r12, r->r13 = c->r13, r->r14 = c->r14, r->r15 = c->r15;
	r->rdi = c->rdi, r->rsi = c->rsi, r->rbp = c->rbp, r->rbx = c->rbx;
	r->rdx = c->rdx, r->rax = c->rax, r->rcx = c->rcx, r->rsp = c->rsp;
	r->rip = c->rip;
	r->rflags = (r->rflags & ~FIX_EFLAGS) | (c->eflags & FIX_EFLAGS);
	if (!is_user_address(r->rip))
		die(SIGSEGV, "rt_sigreturn: the saved instruction pointer is not app code");
	current->sigmask = f.uc.uc_sigmask & ~SIG_UNBLOCKABLE;
	if (c->fpstate) {
		if (copy_from_user(current->xsave, (void *)c->fpstate, xsave_size) < 0)
			die(SIGSEGV, "rt_sigreturn: the saved FPU state is unreadable");
		/* Only what xrstor accepts: enabled components, standard format. */
		uint64_t *hdr = (uint64_t *)((char *)current->xsave + 512);
		hdr[0] &= xsave_mask;
		for (int i = 1; i < 8; i++)
			hdr[i] = 0;
		uint32_t *mxcsr = (uint32_t *)((char *)current->xsave + 24);
		*mxcsr &= 0xffff;
		fpu_restore(current->xsave);
	}
	/* Restore the alternate stack as the frame says, as sigaltstack would
	 * from here (Linux's restore_altstack); a refusal keeps the current one. */
	(void)signal_set_altstack(&f.uc.uc_stack, r->rsp);
	r->vector = 0; /* not a syscall to restart */
	return (long)r->rax;
}

void signal_fault(struct regs *r, int s, const char *what, uint64_t addr)
{
	struct k_sigaction *ka = &sig.actions[s - 1];
	bool blocked = current->sigmask & SIGBIT(s);
	if (ka->handler > SIG_IGN && !blocked) {
		int code = s == SIGSEGV ? ((r->error & 1) ? SEGV_ACCERR : SEGV_MAPERR) : SI_KERNEL;
		signal_send_thread(current, s, (struct sig_note){ .code = code, .addr = addr });
		signal_deliver(r);
		return;
	}
	kprintf("app killed by %s: %s at address 0x%lx\n", signal_name(s), what, addr);
	kprintf("  rip %016lx rsp %016lx rbp %016lx\n", r->rip, r->rsp, r->rbp);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	kprintf("  rsi %016lx rdi %016lx error %lx\n", r->rsi, r->rdi, r->error);
	process_kill(s);
}
