#include "mm/buddy.h"

#include "lib/string.h"

static uint64_t words_for(uint64_t npages, unsigned order)
{
	uint64_t blocks = (npages >> order) + 1;
	return (blocks + 63) / 64;
}

size_t buddy_metadata_size(uint64_t npages)
{
	size_t total = 0;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		total += words_for(npages, o) * sizeof(uint64_t);
	return total;
}

void buddy_init(struct buddy *b, uint64_t npages, void *meta)
{
	memset(b, 0, sizeof(*b));
	b->npages = npages;
	uint64_t *p = meta;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		b->bits[o] = p;
		b->words[o] = words_for(npages, o);
		memset(p, 0, b->words[o] * sizeof(uint64_t));
		p += b->words[o];
	}
}

static int test(const struct buddy *b, unsigned o, uint64_t block)
{
	return (b->bits[o][block / 64] >> (block % 64)) & 1;
}

static void set(struct buddy *b, unsigned o, uint64_t block)
{
	b->bits[o][block / 64] |= 1ull << (block % 64);
	b->free_blocks[o]++;
	if (block / 64 < b->first[o])
		b->first[o] = block / 64;
}

static void clear(struct buddy *b, unsigned o, uint64_t block)
{
	b->bits[o][block / 64] &= ~(1ull << (block % 64));
	b->free_blocks[o]--;
}

void buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count)
{
	uint64_t end = pfn + count;
	if (end > b->npages)
		end = b->npages;
	while (pfn < end) {
		/* The largest aligned block that starts here and fits. */
		unsigned order = 0;
		while (order < BUDDY_MAX_ORDER && (pfn & ((2ull << order) - 1)) == 0 &&
		       pfn + (2ull << order) <= end)
			order++;
		buddy_free(b, pfn, order);
		pfn += 1ull << order;
	}
}

/* The lowest free block of order o, or UINT64_MAX. */
static uint64_t lowest_free(struct buddy *b, unsigned o)
{
	if (!b->free_blocks[o])
		return UINT64_MAX;
	for (uint64_t w = b->first[o]; w < b->words[o]; w++) {
		if (b->bits[o][w]) {
			b->first[o] = w;
			return w * 64 + (uint64_t)__builtin_ctzll(b->bits[o][w]);
		}
	}
	return UINT64_MAX;
}

uint64_t buddy_alloc(struct buddy *b, unsigned order)
{
	if (order > BUDDY_MAX_ORDER)
		return UINT64_MAX;
	/* The lowest address among the smallest fitting orders. */
	unsigned o = order;
	uint64_t block = UINT64_MAX;
	for (; o <= BUDDY_MAX_ORDER; o++) {
		block = lowest_free(b, o);
		if (block != UINT64_MAX)
			break;
	}
	if (block == UINT64_MAX)
		return UINT64_MAX;
	clear(b, o, block);
	uint64_t pfn = block << o;
	/* Split: the upper halves stay free at the lower orders. */
	while (o > order) {
		o--;
		set(b, o, (pfn >> o) + 1);
	}
	b->free_pages -= 1ull << order;
	return pfn;
}

void buddy_free(struct buddy *b, uint64_t pfn, unsigned order)
{
	b->free_pages += 1ull << order;
	while (order < BUDDY_MAX_ORDER) {
		uint64_t buddy = (pfn >> order) ^ 1;
		if ((buddy << order) + (1ull << order) > b->npages || !test(b, order, buddy))
			break;
		clear(b, order, buddy);
		pfn &= ~(1ull << order);
		order++;
	}
	set(b, order, pfn >> order);
}
