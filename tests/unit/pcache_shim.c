/*
 * The page cache (kernel/fs/pcache.c) on the host: frames are malloc'ed
 * pages with reference counts, at most `limit` of them at once (an
 * allocation beyond asks the cache to reclaim, as mm/frame.c does); the
 * store is synthetic (each page holds its own store page number); the
 * app's mappings are a table of (file, page) with one frame reference each.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/pcache.h"
#include "mm/kmalloc.h"

#define MAX_FILES 4
#define MAX_MAPS 256

struct frame {
	unsigned refs;
	uint64_t data[PCACHE_PAGE / 8];
};

static struct pcache cache;
static struct pcache_file files[MAX_FILES];
static long live, limit, store_reads, read_fail;
static struct {
	int file;
	uint64_t pgoff;
	uint64_t pa;
	bool young;
} maps[MAX_MAPS];
static int nmaps;

static uint64_t h_alloc(void *ctx)
{
	if (live >= limit && !pcache_reclaim(&cache, 4))
		return 0;
	if (live >= limit)
		return 0;
	struct frame *f = calloc(1, sizeof(*f));
	f->refs = 1;
	live++;
	return (uint64_t)(uintptr_t)f;
}

static void h_get(void *ctx, uint64_t pa)
{
	((struct frame *)(uintptr_t)pa)->refs++;
}

static void h_put(void *ctx, uint64_t pa)
{
	struct frame *f = (struct frame *)(uintptr_t)pa;
	if (f->refs == 0)
		abort();
	if (--f->refs == 0) {
		live--;
		free(f);
	}
}

static unsigned h_refs(void *ctx, uint64_t pa)
{
	return ((struct frame *)(uintptr_t)pa)->refs;
}

static int h_read(void *ctx, struct pcache_file *f, uint64_t pgoff, const uint64_t *pas,
		  unsigned n)
{
	uint64_t off = f->store_offset + pgoff * PCACHE_PAGE;
	store_reads++;
	if (read_fail)
		return -5;
	for (unsigned i = 0; i < n; i++)
		((struct frame *)(uintptr_t)pas[i])->data[0] = off / PCACHE_PAGE + i;
	return 0;
}

static bool h_unmap(void *ctx, struct pcache_file *f, uint64_t pgoff, uint64_t pa)
{
	bool young = false;
	for (int i = 0; i < nmaps; i++) {
		if (&files[maps[i].file] != f || maps[i].pgoff != pgoff || maps[i].pa != pa)
			continue;
		if (maps[i].young) {
			maps[i].young = false;
			young = true;
			continue;
		}
		h_put(ctx, pa);
		maps[i--] = maps[--nmaps];
	}
	return !young;
}

static const struct pcache_hooks hooks = { h_alloc, h_get, h_put, h_refs, h_read, h_unmap, NULL };

void t_pc_reset(long frame_limit, const uint64_t *npages)
{
	for (int i = 0; i < nmaps; i++)
		h_put(NULL, maps[i].pa);
	nmaps = 0;
	pcache_reclaim(&cache, UINT64_MAX);
	for (int i = 0; i < MAX_FILES; i++) {
		page_index_free(&files[i].pages);
		files[i] = (struct pcache_file){ .npages = npages[i],
						 .store_offset = (uint64_t)i << 32 };
	}
	while (cache.spare) {
		struct pcache_page *p = cache.spare;
		cache.spare = p->next;
		kfree(p);
	}
	pcache_init(&cache, &hooks);
	limit = frame_limit;
	store_reads = read_fail = 0;
}

/* pcache_get; *content gets the page's first word (its store page). */
int t_pc_get(int file, uint64_t pgoff, unsigned ahead, uint64_t *content)
{
	uint64_t pa;
	int rc = pcache_get(&cache, &files[file], pgoff, ahead, &pa);
	if (rc == 0)
		*content = ((struct frame *)(uintptr_t)pa)->data[0];
	return rc;
}

/* Maps the page as a fault would (get, then a reference of the mapping). */
int t_pc_map(int file, uint64_t pgoff)
{
	uint64_t pa;
	if (nmaps == MAX_MAPS)
		return -28;
	int rc = pcache_get(&cache, &files[file], pgoff, 0, &pa);
	if (rc < 0)
		return rc;
	h_get(NULL, pa);
	maps[nmaps++] = (typeof(maps[0])){ file, pgoff, pa, false };
	return 0;
}

/* The app touches its mappings (their accessed bits). */
void t_pc_touch_maps(void)
{
	for (int i = 0; i < nmaps; i++)
		maps[i].young = true;
}

void t_pc_unmap_all(void)
{
	for (int i = 0; i < nmaps; i++)
		h_put(NULL, maps[i].pa);
	nmaps = 0;
}

uint64_t t_pc_reclaim(uint64_t want) { return pcache_reclaim(&cache, want); }
uint64_t t_pc_pages(void) { return cache.pages; }
long t_pc_live(void) { return live; }
long t_pc_reads(void) { return store_reads; }
int t_pc_maps(void) { return nmaps; }
void t_pc_read_fail(int on) { read_fail = on; }

/* Whether page pgoff of file is cached (without touching it). */
int t_pc_cached(int file, uint64_t pgoff)
{
	return page_index_get(&files[file].pages, pgoff) != 0;
}

/* Marks cached page pgoff of file dirty; -2 when it is not cached. */
int t_pc_dirty(int file, uint64_t pgoff)
{
	struct pcache_page *p = pcache_find(&files[file], pgoff);
	if (!p)
		return -2;
	pcache_set_dirty(&cache, p);
	return 0;
}

/* Takes the first dirty page of file in [first, end): its index, or -1. */
int64_t t_pc_take_dirty(int file, uint64_t first, uint64_t end)
{
	struct pcache_page *p = pcache_take_dirty(&cache, &files[file], first, end);
	return p ? (int64_t)p->pgoff : -1;
}

/* As a truncation does: the mappings of the pages go first, then the pages. */
void t_pc_drop_from(int file, uint64_t first)
{
	for (int i = 0; i < nmaps; i++)
		if (maps[i].file == file && maps[i].pgoff >= first) {
			h_put(NULL, maps[i].pa);
			maps[i--] = maps[--nmaps];
		}
	pcache_drop_from(&cache, &files[file], first);
}
uint64_t t_pc_dirty_pages(void) { return cache.dirty; }
uint64_t t_pc_file_dirty(int file) { return files[file].ndirty; }
