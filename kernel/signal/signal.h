/*
 * Signals within the one process: dispositions, pending sets, and delivery
 * on the way back to app code (after a syscall or an interrupt), with the
 * signal frame Linux builds on x86-64, so glibc's handlers and
 * rt_sigreturn work unchanged.
 */
#ifndef UPY_SIGNAL_SIGNAL_H
#define UPY_SIGNAL_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/regs.h"

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGIO 29

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_RESTORER 0x04000000

#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL -6
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2

/* Restart codes a blocking syscall returns when a signal interrupts it;
 * they never reach the app (Linux's values). */
#define ERESTARTSYS 512
#define ERESTARTNOHAND 514

#define SIGBIT(sig) (1ull << ((sig) - 1))

struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct linux_siginfo {
	int32_t si_signo;
	int32_t si_errno;
	int32_t si_code;
	int32_t pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		struct {
			uint64_t addr;
		} fault;
		uint8_t raw[112];
	};
};

_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo is 128 bytes");

struct linux_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/* The bytes of a siginfo after si_code that Linux keeps of one the
 * sender wrote (its kernel_siginfo); the rest arrives zeroed. */
#define SI_KEPT_FIELDS 32

/* What a pending signal's siginfo will say. */
struct sig_note {
	int32_t code;
	int32_t pid;
	uint64_t addr;
	/* The sender wrote the siginfo itself (pidfd_send_signal with info):
	 * its si_errno and fields are delivered as given. */
	bool given;
	int32_t err;
	uint8_t fields[SI_KEPT_FIELDS];
};

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM ((int32_t)(1u << 31)) /* the handler runs with no alternate stack */
#define MINSIGSTKSZ 2048

struct thread;

/* Sends sig to the process (kill) or to one thread (tgkill). */
void signal_send_process(int sig, struct sig_note note);
void signal_send_thread(struct thread *t, int sig, struct sig_note note);
/* Sends info->si_signo to the process with the siginfo the app wrote. */
void signal_send_process_info(const struct linux_siginfo *info);
/* Would a signal interrupt t's interruptible wait now? */
bool signal_interrupts(struct thread *t);
/* Delivers pending signals to the current thread, whose app context is r:
 * runs default actions or sets r up to enter the handler. Also restarts
 * or fails an interrupted syscall (r->vector == VECTOR_SYSCALL). */
void signal_deliver(struct regs *r);
/* The set a thread's wait returns to, for rt_sigsuspend and pselect. */
void signal_set_temporary_mask(uint64_t mask);

const char *signal_name(int signo);

/* App code raised an exception: deliver the signal Linux would (SIGSEGV,
 * SIGILL, SIGFPE...). With no handler installed the process dies of it. */
void signal_fault(struct regs *r, int signo, const char *what, uint64_t addr);

#endif
