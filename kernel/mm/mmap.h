/* Changing the app's address space: areas plus their page tables. Used by
 * the memory syscalls and the ELF loader. Negative errno on failure. */
#ifndef UPY_MM_MMAP_H
#define UPY_MM_MMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/vma.h"

struct file;

#define MAP_AT_FIXED 0x1    /* replace whatever is at addr */
#define MAP_AT_NOREPLACE 0x2 /* at addr, or -EEXIST */
#define MAP_AT_POPULATE 0x4 /* fill the pages now */

/* Maps len bytes of the open file f at offset (or anonymous memory if f
 * is NULL); returns the address. The mapping takes its own references on
 * f and its inode. */
int64_t mm_map(uint64_t addr, uint64_t len, uint32_t prot, uint32_t vma_flags,
	       struct file *f, uint64_t offset, unsigned how);
/* Takes or drops the file references of an area copied by hand (mremap). */
void mm_vma_get(const struct vma *v);
void mm_vma_put(const struct vma *v);
/* Adds up the pages of [start, end) that hold a frame: all of them, those
 * whose frame only this mapping uses (private copies, anonymous memory),
 * and the page-table pages that map them (for /proc). Start from a zeroed
 * struct and call it for ranges in ascending order. */
struct mm_page_counts {
	uint64_t resident, exclusive, tables;
	uint64_t last[3]; /* internal: the last table seen at each level, + 1 */
};
void mm_count_pages(uint64_t start, uint64_t end, struct mm_page_counts *c);
int mm_unmap(uint64_t start, uint64_t len);
/* Writes back the pages shared mappings in [start, end) may have changed,
 * for files kept outside the guest (inode_ops.sync_pages); may sleep.
 * Returns 0 or the first error. */
int mm_sync_shared(uint64_t start, uint64_t end);
int mm_protect(uint64_t start, uint64_t len, uint32_t prot);
/* Drops the pages of [start, end): anonymous memory reads back as zeros,
 * file mappings re-read the file (MADV_DONTNEED). */
int mm_discard(uint64_t start, uint64_t end);
/* Moving the pages of [old, old+len) to new_addr (both ranges
 * page-aligned, app memory, not overlapping) in two steps, so that a move
 * never fails halfway: mm_move_prepare makes every page table the move
 * will need (-ENOMEM, with nothing moved, when memory runs out); after it
 * mm_move_pages cannot fail. */
int mm_move_prepare(uint64_t old, uint64_t len, uint64_t new_addr);
void mm_move_pages(uint64_t old, uint64_t len, uint64_t new_addr);

/* Whether the address space may grow by `grow` bytes of an area with
 * prot and vma_flags, where the areas in [skip_start, skip_end) are about
 * to be replaced: RLIMIT_AS counts every area, RLIMIT_DATA the private
 * writable ones that are not the stack (Linux's may_expand_vm). */
bool mm_may_expand(const struct mm *mm, uint64_t grow, uint32_t prot, uint32_t vma_flags,
		   uint64_t skip_start, uint64_t skip_end);

/* The process address space and its setup. */
extern struct mm *current_mm;
void mm_setup(struct mm *mm);

#endif
