#ifndef UPY_LINUX_TRACE_H
#define UPY_LINUX_TRACE_H

#include "arch/x86_64/regs.h"

/* Prints one strace-style line on the control channel ("trace ..."). */
void trace_syscall(uint64_t nr, const char *name, const char *format, const struct regs *r,
		   long ret);

#endif
