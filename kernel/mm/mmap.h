/* Changing the app's address space: areas plus their page tables. Used by
 * the memory syscalls and the ELF loader. Negative errno on failure. */
#ifndef UPY_MM_MMAP_H
#define UPY_MM_MMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/vma.h"

struct inode;

#define MAP_AT_FIXED 0x1    /* replace whatever is at addr */
#define MAP_AT_NOREPLACE 0x2 /* at addr, or -EEXIST */
#define MAP_AT_POPULATE 0x4 /* fill the pages now */

/* Maps len bytes of ino at offset (or anonymous memory if ino is NULL);
 * returns the address. The mapping takes its own inode reference. */
int64_t mm_map(uint64_t addr, uint64_t len, uint32_t prot, uint32_t vma_flags,
	       struct inode *ino, uint64_t offset, unsigned how);
int mm_unmap(uint64_t start, uint64_t len);
int mm_protect(uint64_t start, uint64_t len, uint32_t prot);
/* Drops the pages of [start, end): anonymous memory reads back as zeros,
 * file mappings re-read the file (MADV_DONTNEED). */
int mm_discard(uint64_t start, uint64_t end);
/* Moves the pages of [old, old+len) to new (both ranges page-aligned). */
void mm_move_pages(uint64_t old, uint64_t len, uint64_t new_addr);

/* The process address space and its setup. */
extern struct mm *current_mm;
void mm_setup(struct mm *mm);

#endif
