/*
 * A binary buddy allocator over a range of page frames. The free blocks of
 * each order are bits in a bitmap, so the allocator never writes into free
 * memory (first touches of guest RAM are costly for the host) and always
 * hands out the lowest free block (the guest's footprint stays dense).
 * Portable: unit-tested on the host.
 */
#ifndef UPY_MM_BUDDY_H
#define UPY_MM_BUDDY_H

#include <stddef.h>
#include <stdint.h>

#define BUDDY_MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */

struct buddy {
	uint64_t npages;                        /* frames 0 .. npages-1 */
	uint64_t *bits[BUDDY_MAX_ORDER + 1];    /* bit i: block i of this order is free */
	uint64_t words[BUDDY_MAX_ORDER + 1];    /* length of each bitmap in words */
	uint64_t first[BUDDY_MAX_ORDER + 1];    /* no free bit in words below this */
	uint64_t free_blocks[BUDDY_MAX_ORDER + 1];
	uint64_t free_pages;
};

/* Bytes of metadata buddy_init needs for npages frames. */
size_t buddy_metadata_size(uint64_t npages);
/* Every frame starts out allocated; `meta` is buddy_metadata_size bytes. */
void buddy_init(struct buddy *b, uint64_t npages, void *meta);
/* Hand the frames [pfn, pfn + count) to the allocator. */
void buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count);
/* Returns the first frame of 2^order contiguous frames, or UINT64_MAX. */
uint64_t buddy_alloc(struct buddy *b, unsigned order);
void buddy_free(struct buddy *b, uint64_t pfn, unsigned order);

#endif
