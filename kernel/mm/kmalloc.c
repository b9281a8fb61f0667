#include "mm/kmalloc.h"

#include <stdint.h>

#include "arch/x86_64/memlayout.h"
#include "lib/string.h"
#include "mm/frame.h"

/* Frame tags: 1..NCLASSES = a page of objects of that class;
 * LARGE | order = the head of a large allocation. */
#define NCLASSES 8
#define MIN_SHIFT 4 /* 16 bytes */
#define TAG_LARGE 0x80

struct free_object {
	struct free_object *next;
};

/* Per-class free lists; owned by this file. */
static struct free_object *free_lists[NCLASSES];

static unsigned size_class(size_t size)
{
	unsigned c = 0;
	while ((1ul << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

/* size <= KMALLOC_MAX_SIZE, so the loop ends at BUDDY_MAX_ORDER at most. */
static unsigned order_for(size_t size)
{
	unsigned order = 0;
	while (order < BUDDY_MAX_ORDER && (PAGE_SIZE << order) < size)
		order++;
	return order;
}

static int refill(unsigned c)
{
	uint64_t pa = frame_alloc();
	if (!pa)
		return -1;
	*frame_tag(pa) = (uint8_t)(c + 1);
	size_t size = 1ul << (c + MIN_SHIFT);
	char *page = phys_to_virt(pa);
	for (size_t off = 0; off + size <= PAGE_SIZE; off += size) {
		struct free_object *o = (struct free_object *)(page + off);
		o->next = free_lists[c];
		free_lists[c] = o;
	}
	return 0;
}

void *kmalloc(size_t size)
{
	if (size == 0)
		size = 1;
	if (size > KMALLOC_MAX_SIZE)
		return NULL;
	if (size > (1ul << (NCLASSES - 1 + MIN_SHIFT))) {
		unsigned order = order_for(size);
		uint64_t pa = frame_alloc_order(order);
		if (!pa)
			return NULL;
		*frame_tag(pa) = TAG_LARGE | order;
		return phys_to_virt(pa);
	}
	unsigned c = size_class(size);
	if (!free_lists[c] && refill(c) < 0)
		return NULL;
	struct free_object *o = free_lists[c];
	free_lists[c] = o->next;
	return o;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	uint64_t pa = virt_to_phys(p);
	uint8_t tag = *frame_tag(pa);
	if (tag & TAG_LARGE) {
		*frame_tag(pa) = 0;
		frame_free_order(pa, tag & ~TAG_LARGE);
		return;
	}
	struct free_object *o = p;
	o->next = free_lists[tag - 1];
	free_lists[tag - 1] = o;
}

size_t ksize(const void *p)
{
	uint8_t tag = *frame_tag(virt_to_phys(p));
	if (tag & TAG_LARGE)
		return PAGE_SIZE << (tag & ~TAG_LARGE);
	return 1ul << (tag - 1 + MIN_SHIFT);
}
