/* The kernel heap: small objects from per-size free lists, large ones as
 * whole buddy blocks. Memory comes back uninitialized unless kzalloc. */
#ifndef UPY_MM_KMALLOC_H
#define UPY_MM_KMALLOC_H

#include <stddef.h>

#include "arch/x86_64/memlayout.h"
#include "mm/buddy.h"

/* The largest allocation: one whole buddy block. A larger size (a wrapped
 * negative one, a saturated array_size) gets NULL, never a short block. */
#define KMALLOC_MAX_SIZE (PAGE_SIZE << BUDDY_MAX_ORDER)

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* The usable size of an allocation. */
size_t ksize(const void *p);

#endif
