#ifndef UPY_CORE_PANIC_H
#define UPY_CORE_PANIC_H

#include "arch/x86_64/regs.h"

/* Stop the machine with a reason and a backtrace of the kernel stack. The
 * runner symbolizes the frames from the kernel ELF and exits non-zero. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* The same for a fault taken in the kernel, starting at the faulting frame. */
__attribute__((noreturn, format(printf, 2, 3))) void panic_regs(const struct regs *r,
								 const char *fmt, ...);

/* Stop the machine because the image itself is damaged (e.g. its boot config is
 * garbage): one line saying what is wrong, no backtrace, as the bug is not the
 * kernel's. The runner reports it and exits non-zero (abi/host.h "bad-image"). */
__attribute__((noreturn, format(printf, 1, 2))) void refuse_image(const char *fmt, ...);

#define ASSERT(cond)                                                              \
	do {                                                                      \
		if (!(cond))                                                      \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
