/*
 * Defining syscalls. Each family file (sys_file.c, sys_memory.c, ...)
 * declares its calls with SYSCALL_DEFINEn (n arguments, each as type, name),
 * which also registers the call in
 * the table (a linker section, collected at boot) together with how the
 * tracer prints its arguments. Handlers return a result or a negative
 * errno, as Linux's do.
 *
 * The format string: the result's kind, ':', then one letter per argument:
 *   d int   l long   u unsigned   x hex   p pointer   f fd (AT_FDCWD)
 *   s string   b buffer of length given by the next argument   B the same,
 *   filled by the call (traced up to the count it returns)   o open flags
 *   m mode (octal)   P mmap prot   M mmap flags   c clock id   S signal
 * Result kinds: d (number), x (address), n (does not return).
 */
#ifndef UPY_LINUX_SYSCALL_H
#define UPY_LINUX_SYSCALL_H

#include <stdint.h>

#include "arch/x86_64/regs.h"
#include "linux/syscall_nr.h"

/* Every entry of the table takes the six argument registers as Linux's
 * long arguments; the handler's own typed parameters come from them by
 * explicit casts in a wrapper SYSCALL_DEFINEn makes (Linux's __SC_CAST). */
typedef long (*syscall_fn)(long, long, long, long, long, long);

struct syscall_def {
	uint32_t nr;
	const char *name;
	syscall_fn fn;
	const char *format;
};

/*
 * SYSCALL_DEFINEn(name, format, type1, arg1, ..., typen, argn) defines
 * sys_name(type1 arg1, ...) and registers a wrapper that narrows each long
 * register to its type, as Linux does: an `int` or `unsigned int` argument
 * is its register's low 32 bits (declare fds `unsigned int` where Linux
 * does), a pointer or a 64-bit type the whole register. Declare each type
 * as Linux's syscall declares it: a type narrower than Linux's would drop
 * bits that Linux checks (and rejects with EINVAL).
 */
#define SYSCALL_MAP0(m, ...)
#define SYSCALL_MAP1(m, t, a, ...) m(t, a)
#define SYSCALL_MAP2(m, t, a, ...) m(t, a), SYSCALL_MAP1(m, __VA_ARGS__)
#define SYSCALL_MAP3(m, t, a, ...) m(t, a), SYSCALL_MAP2(m, __VA_ARGS__)
#define SYSCALL_MAP4(m, t, a, ...) m(t, a), SYSCALL_MAP3(m, __VA_ARGS__)
#define SYSCALL_MAP5(m, t, a, ...) m(t, a), SYSCALL_MAP4(m, __VA_ARGS__)
#define SYSCALL_MAP6(m, t, a, ...) m(t, a), SYSCALL_MAP5(m, __VA_ARGS__)
#define SYSCALL_DECL(t, a) t a
#define SYSCALL_LONG(t, a) long a
#define SYSCALL_CAST(t, a) (t)a
/* The wrapper's unused registers, after its n named ones. */
#define SYSCALL_PAD0 long unused0, long unused1, long unused2, long unused3, long unused4, long unused5
#define SYSCALL_PAD1 , long unused1, long unused2, long unused3, long unused4, long unused5
#define SYSCALL_PAD2 , long unused2, long unused3, long unused4, long unused5
#define SYSCALL_PAD3 , long unused3, long unused4, long unused5
#define SYSCALL_PAD4 , long unused4, long unused5
#define SYSCALL_PAD5 , long unused5
#define SYSCALL_PAD6

#define SYSCALL_REGISTER(name_, format_)                                                 \
	static const struct syscall_def syscall_def_##name_                              \
		__attribute__((used, section(".syscalls"), aligned(8))) = {              \
			.nr = SYS_##name_,                                               \
			.name = #name_,                                                  \
			.fn = sys_##name_##_abi,                                         \
			.format = format_,                                               \
	}

#define SYSCALL_DEFINEx(n, name_, format_, ...)                                          \
	static long sys_##name_(SYSCALL_MAP##n(SYSCALL_DECL, __VA_ARGS__));               \
	static long sys_##name_##_abi(SYSCALL_MAP##n(SYSCALL_LONG, __VA_ARGS__) SYSCALL_PAD##n) \
	{                                                                                \
		return sys_##name_(SYSCALL_MAP##n(SYSCALL_CAST, __VA_ARGS__));            \
	}                                                                                \
	SYSCALL_REGISTER(name_, format_);                                                \
	static long sys_##name_(SYSCALL_MAP##n(SYSCALL_DECL, __VA_ARGS__))

#define SYSCALL_DEFINE0(name_, format_)                                                  \
	static long sys_##name_(void);                                                   \
	static long sys_##name_##_abi(SYSCALL_PAD0)                                      \
	{                                                                                \
		return sys_##name_();                                                    \
	}                                                                                \
	SYSCALL_REGISTER(name_, format_);                                                \
	static long sys_##name_(void)
#define SYSCALL_DEFINE1(name, format, ...) SYSCALL_DEFINEx(1, name, format, __VA_ARGS__)
#define SYSCALL_DEFINE2(name, format, ...) SYSCALL_DEFINEx(2, name, format, __VA_ARGS__)
#define SYSCALL_DEFINE3(name, format, ...) SYSCALL_DEFINEx(3, name, format, __VA_ARGS__)
#define SYSCALL_DEFINE4(name, format, ...) SYSCALL_DEFINEx(4, name, format, __VA_ARGS__)
#define SYSCALL_DEFINE5(name, format, ...) SYSCALL_DEFINEx(5, name, format, __VA_ARGS__)
#define SYSCALL_DEFINE6(name, format, ...) SYSCALL_DEFINEx(6, name, format, __VA_ARGS__)

extern const char *const syscall_names[SYSCALL_MAX];

void syscall_table_init(void);
void syscall_trace_enable(int on);
/* The app context of the syscall being served (for clone, sigreturn...). */
struct regs *syscall_regs(void);

#endif
