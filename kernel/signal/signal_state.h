/* The process's signal state, shared by linux/signal.c (delivery) and
 * linux/sys_signal.c (the syscalls). */
#ifndef UPY_SIGNAL_SIGNAL_STATE_H
#define UPY_SIGNAL_SIGNAL_STATE_H

#include "signal/signal.h"
#include "sched/thread.h"

#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

struct signal_state {
	struct k_sigaction actions[NSIG]; /* indexed by signal - 1 */
	uint64_t pending;                 /* sent to the process */
	struct sig_note notes[NSIG];      /* for each pending process signal */
};

/* Owned by linux/signal.c. */
extern struct signal_state sig;

long signal_return(struct regs *r);
int signal_dequeue(struct thread *t, uint64_t allowed, struct linux_siginfo *info);
bool signal_on_altstack(uint64_t sp);
/* What sigaltstack reports at stack pointer sp: SS_DISABLE, SS_ONSTACK or
 * 0, with SS_AUTODISARM if it was set. */
int32_t signal_altstack_flags(uint64_t sp);
/* sigaltstack's change, also made by rt_sigreturn from the frame: -EPERM
 * while running on the stack, -EINVAL for an unknown mode, -ENOMEM when
 * it is smaller than MINSIGSTKSZ. */
int signal_set_altstack(const struct linux_stack *s, uint64_t sp);

#endif
