/* Names of all x86-64 syscalls, for the trace, from the one table. */
#include "linux/syscall.h"

const char *const syscall_names[SYSCALL_MAX] = {
#define SYSCALL_ENTRY(nr, name) [nr] = #name,
#include "linux/syscall_table.h"
#undef SYSCALL_ENTRY
};
