#ifndef UPY_ARCH_ENTER_H
#define UPY_ARCH_ENTER_H

#include <stdint.h>

/* Starts the app at entry with the stack pointer sp and zeroed registers,
 * through the same exit path as every syscall. Never returns. */
__attribute__((noreturn)) void enter_app(uint64_t entry, uint64_t sp);

#endif
