#include "fs/page_index.h"

#include <stddef.h>

#include "uapi/errno.h"
#include "mm/kmalloc.h"

#define SHIFT 9
#define MASK (PAGE_INDEX_FANOUT - 1)

struct node {
	void *slot[PAGE_INDEX_FANOUT];
};

static uint64_t capacity(int height)
{
	return height >= 7 ? UINT64_MAX : 1ull << (SHIFT * height);
}

uint64_t page_index_get(const struct page_index *pi, uint64_t idx)
{
	if (pi->height == 0 || idx >= capacity(pi->height))
		return 0;
	void *n = pi->root;
	for (int h = pi->height; h > 1 && n; h--)
		n = ((struct node *)n)->slot[(idx >> (SHIFT * (h - 1))) & MASK];
	return n ? (uint64_t)(uintptr_t)((struct node *)n)->slot[idx & MASK] : 0;
}

int page_index_set(struct page_index *pi, uint64_t idx, uint64_t value)
{
	/* Grow: the old root becomes slot 0 of a new, taller root. */
	while (pi->height == 0 || idx >= capacity(pi->height)) {
		struct node *top = kzalloc(sizeof(*top));
		if (!top)
			return -ENOMEM;
		if (pi->height)
			top->slot[0] = pi->root;
		pi->root = top;
		pi->height++;
	}
	struct node *n = pi->root;
	for (int h = pi->height; h > 1; h--) {
		void **s = &n->slot[(idx >> (SHIFT * (h - 1))) & MASK];
		if (!*s && !(*s = kzalloc(sizeof(struct node))))
			return -ENOMEM;
		n = *s;
	}
	n->slot[idx & MASK] = (void *)(uintptr_t)value;
	return 0;
}

uint64_t page_index_take(struct page_index *pi, uint64_t idx)
{
	if (pi->height == 0 || idx >= capacity(pi->height))
		return 0;
	struct node *n = pi->root;
	for (int h = pi->height; h > 1 && n; h--)
		n = n->slot[(idx >> (SHIFT * (h - 1))) & MASK];
	if (!n)
		return 0;
	uint64_t v = (uint64_t)(uintptr_t)n->slot[idx & MASK];
	n->slot[idx & MASK] = NULL;
	return v;
}

/* Frees the empty nodes below n (height h); returns whether n is empty.
 * Recursion depth is the tree's height (at most 7). */
static int prune(struct node *n, int h)
{
	int empty = 1;
	for (int i = 0; i < PAGE_INDEX_FANOUT; i++) {
		if (!n->slot[i])
			continue;
		if (h > 1 && prune(n->slot[i], h - 1)) {
			kfree(n->slot[i]);
			n->slot[i] = NULL;
		} else {
			empty = 0;
		}
	}
	return empty;
}

void page_index_prune(struct page_index *pi)
{
	if (pi->height && prune(pi->root, pi->height)) {
		kfree(pi->root);
		pi->root = NULL;
		pi->height = 0;
	}
}

/* Drops what lies at or above `first` below node n (covering `base` on);
 * returns whether n is empty afterwards. */
static int drop(struct node *n, int h, uint64_t base, uint64_t first, void (*fn)(uint64_t))
{
	uint64_t span = 1ull << (SHIFT * (h - 1));
	int empty = 1;
	for (int i = 0; i < PAGE_INDEX_FANOUT; i++) {
		if (!n->slot[i])
			continue;
		uint64_t lo = base + (uint64_t)i * span;
		if (h == 1) {
			if (lo >= first) {
				if (fn)
					fn((uint64_t)(uintptr_t)n->slot[i]);
				n->slot[i] = NULL;
			} else {
				empty = 0;
			}
			continue;
		}
		if (lo + span <= first) {
			empty = 0;
			continue;
		}
		if (drop(n->slot[i], h - 1, lo, first, fn)) {
			kfree(n->slot[i]);
			n->slot[i] = NULL;
		} else {
			empty = 0;
		}
	}
	return empty;
}

void page_index_drop_from(struct page_index *pi, uint64_t first, void (*fn)(uint64_t value))
{
	if (!pi->height)
		return;
	if (drop(pi->root, pi->height, 0, first, fn)) {
		kfree(pi->root);
		pi->root = NULL;
		pi->height = 0;
	}
}

void page_index_free(struct page_index *pi)
{
	page_index_drop_from(pi, 0, NULL);
}
