#include "fs/pcache.h"

#include <stddef.h>

#include "uapi/errno.h"
#include "mm/kmalloc.h"

void pcache_init(struct pcache *c, const struct pcache_hooks *h)
{
	*c = (struct pcache){ .h = *h };
}

static struct pcache_page *lookup(const struct pcache_file *f, uint64_t pgoff)
{
	return (struct pcache_page *)(uintptr_t)page_index_get(&f->pages, pgoff);
}

/* An entry: a spare one, else from the heap (which may reclaim, and so add
 * spares: take them first). */
static struct pcache_page *entry_new(struct pcache *c)
{
	if (!c->spare) {
		struct pcache_page *p = kmalloc(sizeof(*p));
		if (!p || !c->spare)
			return p;
		kfree(p);
	}
	struct pcache_page *p = c->spare;
	c->spare = p->next;
	return p;
}

static void entry_spare(struct pcache *c, struct pcache_page *p)
{
	p->next = c->spare;
	c->spare = p;
}

/* Into the ring just behind the hand: the last the hand comes to. */
static void ring_add(struct pcache *c, struct pcache_page *p)
{
	if (!c->hand) {
		p->next = p->prev = p;
		c->hand = p;
	} else {
		p->next = c->hand;
		p->prev = c->hand->prev;
		p->prev->next = p;
		c->hand->prev = p;
	}
	c->pages++;
}

static void ring_remove(struct pcache *c, struct pcache_page *p)
{
	if (p->next == p) {
		c->hand = NULL;
	} else {
		p->prev->next = p->next;
		p->next->prev = p->prev;
		if (c->hand == p)
			c->hand = p->next;
	}
	c->pages--;
}

/* Puts the n frames read for pages first.. of f into the cache, skipping
 * those another thread cached while this one slept (their frames go). */
static int insert(struct pcache *c, struct pcache_file *f, uint64_t first, const uint64_t *pas,
		  unsigned n)
{
	int rc = 0;
	for (unsigned i = 0; i < n; i++) {
		struct pcache_page *p = lookup(f, first + i) ? NULL : entry_new(c);
		if (!p || lookup(f, first + i)) {
			if (p)
				entry_spare(c, p);
			c->h.put(c->h.ctx, pas[i]);
			if (!lookup(f, first + i) && i == 0)
				rc = -ENOMEM;
			continue;
		}
		*p = (struct pcache_page){ .pa = pas[i], .file = f, .pgoff = first + i };
		if (page_index_set(&f->pages, first + i, (uint64_t)(uintptr_t)p) < 0) {
			entry_spare(c, p);
			c->h.put(c->h.ctx, pas[i]);
			if (i == 0)
				rc = -ENOMEM;
			continue;
		}
		ring_add(c, p);
	}
	return rc;
}

int pcache_get(struct pcache *c, struct pcache_file *f, uint64_t pgoff, unsigned ahead,
	       uint64_t *pa)
{
	if (pgoff >= f->npages)
		return -ENXIO;
	struct pcache_page *p = lookup(f, pgoff);
	if (p) {
		c->hits++;
		p->referenced = true;
		*pa = p->pa;
		return 0;
	}
	c->misses++;
	/* The run of missing pages from pgoff on, within the file and batch. */
	unsigned n = 1;
	while (n < PCACHE_MAX_BATCH && n <= ahead && pgoff + n < f->npages && !lookup(f, pgoff + n))
		n++;
	uint64_t pas[PCACHE_MAX_BATCH];
	unsigned got = 0;
	while (got < n && (pas[got] = c->h.alloc(c->h.ctx)))
		got++;
	if (got == 0)
		return -ENOMEM;
	int rc = c->h.read(c->h.ctx, f, pgoff, pas, got);
	c->reads++;
	if (rc < 0) {
		for (unsigned i = 0; i < got; i++)
			c->h.put(c->h.ctx, pas[i]);
		return rc;
	}
	c->pages_read += got;
	/* Held while the entries are made: they may reclaim. */
	c->h.get(c->h.ctx, pas[0]);
	rc = insert(c, f, pgoff, pas, got);
	p = lookup(f, pgoff);
	c->h.put(c->h.ctx, pas[0]);
	if (rc < 0)
		return rc;
	p->referenced = true;
	*pa = p->pa;
	return 0;
}

struct pcache_page *pcache_find(const struct pcache_file *f, uint64_t pgoff)
{
	return f->pages.root ? lookup(f, pgoff) : NULL;
}

void pcache_set_dirty(struct pcache *c, struct pcache_page *p)
{
	if (p->dirty)
		return;
	p->dirty = true;
	c->dirty++;
	p->dirty_next = p->file->dirty;
	p->file->dirty = p;
	p->file->ndirty++;
}

struct pcache_page *pcache_take_dirty(struct pcache *c, struct pcache_file *f, uint64_t first,
				      uint64_t end)
{
	for (struct pcache_page **pp = &f->dirty; *pp; pp = &(*pp)->dirty_next) {
		struct pcache_page *p = *pp;
		if (p->pgoff < first || p->pgoff >= end)
			continue;
		*pp = p->dirty_next;
		p->dirty = false;
		p->dirty_next = NULL;
		f->ndirty--;
		c->dirty--;
		return p;
	}
	return NULL;
}

/* Out of the ring and the index, the cache's reference dropped. */
static void forget(struct pcache *c, struct pcache_page *p)
{
	ring_remove(c, p);
	page_index_take(&p->file->pages, p->pgoff);
	c->h.put(c->h.ctx, p->pa);
	entry_spare(c, p);
}

/* page_index_drop_from's callback has no context: the cache being dropped
 * from (the drop neither sleeps nor allocates, so it is not re-entered). */
static struct pcache *dropping;

static void drop_one(uint64_t value)
{
	struct pcache_page *p = (struct pcache_page *)(uintptr_t)value;
	ring_remove(dropping, p);
	dropping->h.put(dropping->h.ctx, p->pa);
	entry_spare(dropping, p);
}

void pcache_drop_from(struct pcache *c, struct pcache_file *f, uint64_t first)
{
	while (pcache_take_dirty(c, f, first, UINT64_MAX))
		;
	if (!f->pages.root)
		return;
	dropping = c;
	page_index_drop_from(&f->pages, first, drop_one);
	dropping = NULL;
	page_index_prune(&f->pages);
}

/* Gives back page p if nothing but the cache holds it any more. */
static bool try_evict(struct pcache *c, struct pcache_page *p)
{
	if (p->dirty)
		return false; /* its data is only here */
	if (c->h.refs(c->h.ctx, p->pa) > 1) {
		if (!c->h.unmap || !c->h.unmap(c->h.ctx, p->file, p->pgoff, p->pa))
			return false;
		c->unmapped++;
		if (c->h.refs(c->h.ctx, p->pa) > 1)
			return false; /* in use elsewhere (a copy going on, a tmpfs lending it) */
	}
	forget(c, p);
	c->evicted++;
	return true;
}

uint64_t pcache_reclaim(struct pcache *c, uint64_t want)
{
	uint64_t freed = 0, budget = 2 * c->pages;
	while (freed < want && c->hand && budget--) {
		struct pcache_page *p = c->hand;
		c->hand = p->next;
		if (p->referenced) {
			p->referenced = false;
			continue;
		}
		if (try_evict(c, p))
			freed++;
	}
	return freed;
}
