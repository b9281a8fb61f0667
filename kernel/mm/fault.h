#ifndef UPY_MM_FAULT_H
#define UPY_MM_FAULT_H

#include <stdint.h>

/* Page-fault error code bits (x86 layout, used as the portable encoding). */
#define FAULT_PRESENT 0x1
#define FAULT_WRITE 0x2
#define FAULT_FETCH 0x10

/* Resolve a fault on an app address: fill a lazily committed page, copy a
 * private page on write. 0 when the access may be retried, else -EFAULT. */
int vm_fault(uint64_t addr, uint64_t error);
/* Notes which hypervisor runs us (see fault.c). */
void vm_fault_init(void);

#endif
