/*
 * The kernel heap for the host fuzz harnesses: malloc, with kmalloc's
 * contract (NULL or the size asked for), so ASan sees every block's bounds
 * and LeakSanitizer every block a parser forgets. Included by one harness
 * per binary.
 */
#ifndef UPY_FUZZ_HEAP_H
#define UPY_FUZZ_HEAP_H

#include <stdlib.h>

void *kmalloc(size_t size)
{
	return malloc(size ? size : 1);
}
void *kzalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}
void kfree(void *p)
{
	free(p);
}

#endif
