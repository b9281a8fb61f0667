#ifndef UPY_LINUX_FUTEX_H
#define UPY_LINUX_FUTEX_H

#include <stdint.h>

/* Wakes up to n threads waiting on the futex at uaddr (thread exit uses it
 * for CLONE_CHILD_CLEARTID). */
int futex_wake(uint64_t uaddr, int n, uint32_t bitset);

#endif
