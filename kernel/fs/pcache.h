/*
 * A page cache of files whose data lives in a slow store (the root image
 * offered as a virtio-blk device, the files of an ext2 disk): 4 KiB pages
 * read on demand, a few at a time, indexed per file, and given back under
 * memory pressure.
 *
 * Portable: the frame allocator, the store and the reverse map are hooks
 * (struct pcache_hooks), so the policy is unit-tested on the host.
 *
 * References. A cached page holds one frame reference of the cache's own.
 * Whoever maps the page or copies out of it takes another (the hooks' get)
 * for as long as it uses the page: pcache_get returns an address that is
 * valid only until the next allocation or sleep. A page is given back when
 * the cache's reference is the only one; a page still mapped is first
 * taken out of its mappings through the unmap hook (if there is one).
 *
 * Eviction is a clock (second chance): pcache_get sets a page's referenced
 * mark; the hand clears marks and gives back pages found unmarked, and the
 * unmap hook refuses pages whose mappings were used since the last sweep
 * (their accessed bits). Re-entrancy: pcache_reclaim may run inside any
 * allocation, including those pcache_get makes; it never allocates or
 * frees heap memory itself (given-back entries go to a spare list).
 *
 * Dirty pages (a writable file's pages a shared mapping was given for
 * writing) are never given back: the user takes them off the file's dirty
 * list (pcache_take_dirty) to write them to the store, and only then may
 * they go. Files that change size set npages themselves, and drop the
 * pages past a new end with pcache_drop_from.
 */
#ifndef UPY_FS_PCACHE_H
#define UPY_FS_PCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/page_index.h"

#define PCACHE_PAGE 4096
/* The most pages one read of the store asks for. */
#define PCACHE_MAX_BATCH 32

struct pcache_file {
	struct page_index pages; /* page index -> struct pcache_page * */
	uint64_t npages;         /* pages the file has */
	uint64_t store_offset;   /* for the read hook: where page 0 is in the store */
	void *owner;             /* the user's (the inode), for the hooks */
	struct pcache_page *dirty; /* its dirty pages, linked by dirty_next */
	uint64_t ndirty;
};

struct pcache_page {
	uint64_t pa;
	struct pcache_file *file;
	uint64_t pgoff;
	struct pcache_page *next, *prev; /* the clock ring; next = spare list */
	struct pcache_page *dirty_next;
	bool referenced;
	bool dirty;
};

struct pcache_hooks {
	/* A frame with one reference (0 when memory is out); it may reclaim. */
	uint64_t (*alloc)(void *ctx);
	void (*get)(void *ctx, uint64_t pa);
	void (*put)(void *ctx, uint64_t pa);
	/* References the frame has (1: only the cache's). */
	unsigned (*refs)(void *ctx, uint64_t pa);
	/* Reads pages pgoff.. of f (n of them) into the frames pas[0..n);
	 * 0 or a negative errno. May sleep. */
	int (*read)(void *ctx, struct pcache_file *f, uint64_t pgoff, const uint64_t *pas,
		    unsigned n);
	/* Takes page pa (index pgoff of f) out of every mapping that maps it,
	 * dropping their references; returns false and leaves the mappings
	 * when any was used since the last call (clearing that mark). NULL:
	 * mapped pages are never given back. */
	bool (*unmap)(void *ctx, struct pcache_file *f, uint64_t pgoff, uint64_t pa);
	void *ctx;
};

struct pcache {
	struct pcache_hooks h;
	struct pcache_page *hand;  /* the clock ring, NULL when empty */
	struct pcache_page *spare; /* entries given back, for reuse */
	uint64_t pages;            /* pages cached */
	uint64_t dirty;            /* of which dirty */
	/* Counters for /proc and the tests. */
	uint64_t hits, misses, reads, pages_read, evicted, unmapped;
};

void pcache_init(struct pcache *c, const struct pcache_hooks *h);
/* The frame of page pgoff of f: from the cache, else read together with up
 * to `ahead` pages after it that are not cached yet (readahead, at most
 * PCACHE_MAX_BATCH in all). -ENXIO past the end of the file, -ENOMEM, or
 * the store's error. *pa holds no reference for the caller (see above). */
int pcache_get(struct pcache *c, struct pcache_file *f, uint64_t pgoff, unsigned ahead,
	       uint64_t *pa);
/* The cached page pgoff of f, or NULL; reads nothing, marks nothing. Valid
 * until the next allocation or sleep (hold its frame to use it longer). */
struct pcache_page *pcache_find(const struct pcache_file *f, uint64_t pgoff);
/* Puts a cached page on its file's dirty list (once). */
void pcache_set_dirty(struct pcache *c, struct pcache_page *p);
/* Takes the first dirty page of f with index in [first, end) off the
 * dirty list (it is clean again, and may be given back once the caller's
 * own frame reference goes); NULL when there is none. */
struct pcache_page *pcache_take_dirty(struct pcache *c, struct pcache_file *f, uint64_t first,
				      uint64_t end);
/* Takes every page of f from index first on out of the cache, dirty or not,
 * dropping the cache's references (mappings keep theirs: unmap them first
 * for the pages to go). */
void pcache_drop_from(struct pcache *c, struct pcache_file *f, uint64_t first);
/* Gives back up to `want` pages, oldest unreferenced first; returns how
 * many. Looks at each page at most twice per call. */
uint64_t pcache_reclaim(struct pcache *c, uint64_t want);

#endif
