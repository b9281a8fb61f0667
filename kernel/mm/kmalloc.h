/* The kernel heap: small objects from per-size free lists, large ones as
 * whole buddy blocks. Memory comes back uninitialized unless kzalloc. */
#ifndef UPY_MM_KMALLOC_H
#define UPY_MM_KMALLOC_H

#include <stddef.h>

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* The usable size of an allocation. */
size_t ksize(const void *p);

#endif
