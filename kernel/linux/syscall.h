/*
 * Defining syscalls. Each family file (sys_file.c, sys_memory.c, ...)
 * declares its calls with SYSCALL_DEFINE, which also registers the call in
 * the table (a linker section, collected at boot) together with how the
 * tracer prints its arguments. Handlers return a result or a negative
 * errno, as Linux's do.
 *
 * The format string: the result's kind, ':', then one letter per argument:
 *   d int   l long   u unsigned   x hex   p pointer   f fd (AT_FDCWD)
 *   s string   b buffer of length given by the next argument   o open flags
 *   m mode (octal)   P mmap prot   M mmap flags   c clock id   S signal
 * Result kinds: d (number), x (address), n (does not return).
 */
#ifndef UPY_LINUX_SYSCALL_H
#define UPY_LINUX_SYSCALL_H

#include <stdint.h>

#include "arch/x86_64/regs.h"
#include "linux/syscall_nr.h"

typedef long (*syscall_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

struct syscall_def {
	uint32_t nr;
	const char *name;
	syscall_fn fn;
	const char *format;
};

/* The handler's parameters are declared with their real types; the table
 * calls every handler with six 64-bit registers, as Linux's table does. */
#define SYSCALL_DEFINE(name_, format_, ...)                                              \
	static long sys_##name_(__VA_ARGS__);                                            \
	static const struct syscall_def syscall_def_##name_                              \
		__attribute__((used, section(".syscalls"), aligned(8))) = {              \
			.nr = SYS_##name_,                                               \
			.name = #name_,                                                  \
			.fn = (syscall_fn)(void *)sys_##name_,                            \
			.format = format_,                                               \
	};                                                                               \
	static long sys_##name_(__VA_ARGS__)

extern const char *const syscall_names[SYSCALL_MAX];

void syscall_table_init(void);
void syscall_trace_enable(int on);
/* The app context of the syscall being served (for clone, sigreturn...). */
struct regs *syscall_regs(void);

#endif
