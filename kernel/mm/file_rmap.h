/*
 * The reverse map of file pages: which page-table entries map page pgoff
 * of a file. There is one address space (the app's), so its areas over the
 * inode are the whole map; page caches use this to take pages out of
 * mappings (eviction, truncation) and to catch the next write to a page
 * they wrote back (write-protection).
 */
#ifndef UPY_MM_FILE_RMAP_H
#define UPY_MM_FILE_RMAP_H

#include <stdbool.h>
#include <stdint.h>

struct inode;

/* Takes frame pa (page pgoff of ino) out of every mapping that maps it,
 * dropping their references; returns false and leaves the mappings when
 * any was used since the last call (clearing its accessed bit). */
bool rmap_unmap_page_if_old(struct inode *ino, uint64_t pgoff, uint64_t pa);
/* Makes the shared mappings of frame pa (page pgoff of ino) read-only, so
 * the next write faults and asks the file for the page again. */
void rmap_write_protect_page(struct inode *ino, uint64_t pgoff, uint64_t pa);
/* Drops what every mapping of ino holds for file pages from first on (the
 * file's own pages and private copies alike, as Linux's truncate does): a
 * later access faults, and past the end of the file gets SIGBUS. */
void rmap_unmap_from(struct inode *ino, uint64_t first);

#endif
