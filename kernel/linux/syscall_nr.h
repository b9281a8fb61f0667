/* x86-64 syscall numbers, SYS_name, from the one table (syscall_table.h). */
#ifndef UPY_LINUX_SYSCALL_NR_H
#define UPY_LINUX_SYSCALL_NR_H

enum syscall_nr {
#define SYSCALL_ENTRY(nr, name) SYS_##name = nr,
#include "linux/syscall_table.h"
#undef SYSCALL_ENTRY
};

/* One past the highest number: a union is as large as its largest member. */
union syscall_nr_bound {
#define SYSCALL_ENTRY(nr, name) char name[(nr) + 1];
#include "linux/syscall_table.h"
#undef SYSCALL_ENTRY
};
#define SYSCALL_MAX sizeof(union syscall_nr_bound)

#endif
