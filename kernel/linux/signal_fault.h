#ifndef UPY_LINUX_SIGNAL_FAULT_H
#define UPY_LINUX_SIGNAL_FAULT_H

#include <stdint.h>

#include "arch/x86_64/regs.h"

/* App code raised an exception: deliver the signal Linux would (SIGSEGV,
 * SIGILL, SIGFPE...). With no handler installed the process dies of it. */
void signal_fault(struct regs *r, int signo, const char *what, uint64_t addr);

#endif
