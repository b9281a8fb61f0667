/*
 * A sparse map from a file's page index to a physical page: a radix tree
 * of 512-slot nodes that grows in height as larger indexes appear, so a
 * file with a few pages at a 2 GiB offset costs a few nodes. Portable.
 */
#ifndef UPY_FS_PAGE_INDEX_H
#define UPY_FS_PAGE_INDEX_H

#include <stdint.h>

#define PAGE_INDEX_FANOUT 512

struct page_index {
	void *root;
	int height; /* 0: empty; 1: root is a leaf node */
};

/* The value at idx, 0 when absent. */
uint64_t page_index_get(const struct page_index *pi, uint64_t idx);
/* Stores value (non-zero) at idx; -ENOMEM when a node cannot be allocated. */
int page_index_set(struct page_index *pi, uint64_t idx, uint64_t value);
/* Values may carry flags in their low 12 bits (they are page addresses);
 * the index stores and returns them as they are. */
/* Removes the value at idx (0 when absent) and returns it. */
uint64_t page_index_take(struct page_index *pi, uint64_t idx);
/* Frees the nodes that hold no value any more (after page_index_take). */
void page_index_prune(struct page_index *pi);
/* Calls fn on every stored value at index >= first and removes it. */
void page_index_drop_from(struct page_index *pi, uint64_t first, void (*fn)(uint64_t value));
/* Frees all nodes (values must be dropped first). */
void page_index_free(struct page_index *pi);

#endif
