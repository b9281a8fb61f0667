#include "mm/frame.h"

#include <stdbool.h>

#include "arch/x86_64/memlayout.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/buddy.h"

/* The one allocator of physical memory; owned by this file. */
static struct buddy buddy;
static uint8_t *tags;
static uint16_t *refs;
/* One bit per frame: handed out at least once since boot. A frame never
 * handed out still holds the zeros the VMM filled RAM with (QEMU and
 * Firecracker back guest RAM with anonymous mmap), so it needs no clearing. */
static uint64_t *used_once;
static uint64_t total_frames;
static uint64_t reserved_end_pa, early_limit_pa;
static uint64_t peak_used;
static const struct boot_info *boot;

/* The boot module (the image copied into RAM): its frames hold the root
 * file system for as long as the kernel runs; page-rounded outwards. */
static uint64_t initrd_start, initrd_end;

static void add_span(uint64_t s, uint64_t e)
{
	s = (s + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	e &= ~(PAGE_SIZE - 1);
	if (s < e) {
		buddy_add_range(&buddy, s >> PAGE_SHIFT, (e - s) >> PAGE_SHIFT);
		total_frames += (e - s) >> PAGE_SHIFT;
	}
}

static void add_ram(uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < boot->ram_count; i++) {
		uint64_t s = boot->ram[i].start, e = boot->ram[i].end;
		if (s < lo)
			s = lo;
		if (e > hi)
			e = hi;
		if (s >= e)
			continue;
		if (initrd_end <= s || initrd_start >= e) {
			add_span(s, e);
			continue;
		}
		if (s < initrd_start)
			add_span(s, initrd_start);
		if (initrd_end < e)
			add_span(initrd_end, e);
	}
}

void frame_init(const struct boot_info *bi, uint64_t reserved_end, uint64_t early_limit)
{
	boot = bi;
	if (bi->initrd.end > bi->initrd.start) {
		initrd_start = bi->initrd.start & ~(PAGE_SIZE - 1);
		initrd_end = (bi->initrd.end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	}
	uint64_t max_pa = 0;
	for (unsigned i = 0; i < bi->ram_count; i++)
		if (bi->ram[i].end > max_pa)
			max_pa = bi->ram[i].end;
	uint64_t npages = max_pa >> PAGE_SHIFT;

	/* The frame tables go right after the reserved area: a tag byte and
	 * a reference count per frame, then the allocator's bitmaps. */
	uint64_t meta = (reserved_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t bitmaps = (3 * npages + 7) & ~7ull;
	uint64_t used_words = (npages + 63) / 64;
	uint64_t meta_size = (bitmaps + used_words * 8 + buddy_metadata_size(npages) +
			      PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (meta + meta_size > early_limit || (meta < initrd_end && initrd_start < meta + meta_size))
		panic("not enough low memory for the frame tables");
	tags = phys_to_virt(meta);
	refs = (uint16_t *)(tags + npages);
	memset(tags, 0, 3 * npages);
	used_once = (uint64_t *)(tags + bitmaps);
	memset(used_once, 0, used_words * 8);
	buddy_init(&buddy, npages, used_once + used_words);

	reserved_end_pa = meta + meta_size;
	early_limit_pa = early_limit;
	add_ram(reserved_end_pa, early_limit);
}

void frame_init_late(void)
{
	add_ram(early_limit_pa > reserved_end_pa ? early_limit_pa : reserved_end_pa, UINT64_MAX);
}

/* Single frames freed recently, handed out again first without touching
 * the buddy bitmaps (Linux's per-CPU page lists). */
#define PAGE_CACHE_MAX 64
/* Frames a reclaimer is asked for at once. */
#define RECLAIM_BATCH 32
static uint64_t page_cache[PAGE_CACHE_MAX];
static unsigned page_cache_len;

/* Allocates 2^order frames; *fresh says none was handed out before. */
static uint64_t alloc(unsigned order, bool *fresh)
{
	uint64_t pfn;
	if (order == 0 && page_cache_len) {
		pfn = page_cache[--page_cache_len];
		refs[pfn] = 1;
		*fresh = false;
		return pfn << PAGE_SHIFT;
	}
	pfn = buddy_alloc(&buddy, order);
	if (pfn == UINT64_MAX)
		return 0;
	refs[pfn] = 1;
	*fresh = true;
	if (total_frames - frames_free() > peak_used)
		peak_used = total_frames - frames_free();
	for (uint64_t f = pfn; f < pfn + (1ull << order); f++) {
		uint64_t bit = 1ull << (f & 63);
		if (used_once[f >> 6] & bit)
			*fresh = false;
		used_once[f >> 6] |= bit;
	}
	return pfn << PAGE_SHIFT;
}

/* Who give back cached frames under memory pressure (the root file
 * system's page cache, a disk's); added at boot. */
#define MAX_RECLAIMERS 4
static const struct frame_reclaimer *reclaimers[MAX_RECLAIMERS];
static unsigned nreclaimers, next_reclaimer;
static bool reclaiming;

void frame_add_reclaimer(const struct frame_reclaimer *r)
{
	if (nreclaimers < MAX_RECLAIMERS)
		reclaimers[nreclaimers++] = r;
}

uint64_t frames_reclaimable(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < nreclaimers; i++)
		n += reclaimers[i]->count();
	return n;
}

/* Out of free frames: have some given back, asking the reclaimers in turn
 * (so that no cache alone pays for every shortage), each up to twice: a
 * page cache's clock may need three looks at a page used lately (its mark,
 * its mappings' accessed bits, then it goes) and gives two per call. Not
 * re-entered (the reclaimers themselves allocate nothing, but their hooks
 * might). */
static bool reclaim(unsigned order)
{
	if (!nreclaimers || reclaiming)
		return false;
	reclaiming = true;
	uint64_t want = (1ull << order) > RECLAIM_BATCH ? (1ull << order) : RECLAIM_BATCH;
	uint64_t got = 0;
	for (unsigned tries = 0; tries < 2 * nreclaimers && !got; tries++) {
		const struct frame_reclaimer *r = reclaimers[next_reclaimer];
		next_reclaimer = (next_reclaimer + 1) % nreclaimers;
		got = r->reclaim(want);
	}
	reclaiming = false;
	return got > 0;
}

/* Allocates, giving back cached frames while there are any to give. */
static uint64_t alloc_or_reclaim(unsigned order, bool *fresh)
{
	uint64_t pa;
	while (!(pa = alloc(order, fresh)) && reclaim(order))
		;
	return pa;
}

uint64_t frame_alloc_order(unsigned order)
{
	bool fresh;
	return alloc_or_reclaim(order, &fresh);
}

uint64_t frame_alloc(void)
{
	return frame_alloc_order(0);
}

uint64_t frame_alloc_zeroed(void)
{
	bool fresh;
	uint64_t pa = alloc_or_reclaim(0, &fresh);
	if (pa && !fresh)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static void release(uint64_t pfn, unsigned order)
{
	if (order == 0 && page_cache_len < PAGE_CACHE_MAX) {
		page_cache[page_cache_len++] = pfn;
		return;
	}
	buddy_free(&buddy, pfn, order);
}

/* The tag of a charged frame; kmalloc's tags stay below it. */
#define TAG_CHARGED 0xff
static uint64_t charged_frames;

static void uncharge(uint64_t pfn)
{
	if (tags[pfn] == TAG_CHARGED) {
		tags[pfn] = 0;
		charged_frames--;
	}
}

void frame_free_order(uint64_t pa, unsigned order)
{
	uncharge(pa >> PAGE_SHIFT);
	refs[pa >> PAGE_SHIFT] = 0;
	release(pa >> PAGE_SHIFT, order);
}

static int managed(uint64_t pa)
{
	return pa >= reserved_end_pa && (pa >> PAGE_SHIFT) < buddy.npages &&
	       (pa < initrd_start || pa >= initrd_end);
}

void frame_get(uint64_t pa)
{
	if (managed(pa)) {
		ASSERT(refs[pa >> PAGE_SHIFT] > 0 && refs[pa >> PAGE_SHIFT] < UINT16_MAX);
		refs[pa >> PAGE_SHIFT]++;
	}
}

void frame_put(uint64_t pa)
{
	if (!managed(pa))
		return;
	ASSERT(refs[pa >> PAGE_SHIFT] > 0);
	if (--refs[pa >> PAGE_SHIFT] == 0) {
		uncharge(pa >> PAGE_SHIFT);
		release(pa >> PAGE_SHIFT, 0);
	}
}

void frame_charge(uint64_t pa)
{
	if (managed(pa) && tags[pa >> PAGE_SHIFT] != TAG_CHARGED) {
		ASSERT(tags[pa >> PAGE_SHIFT] == 0);
		tags[pa >> PAGE_SHIFT] = TAG_CHARGED;
		charged_frames++;
	}
}

uint64_t frames_charged(void)
{
	return charged_frames;
}

unsigned frame_refs(uint64_t pa)
{
	return managed(pa) ? refs[pa >> PAGE_SHIFT] : 0;
}

int frame_is_exclusive(uint64_t pa)
{
	return managed(pa) && refs[pa >> PAGE_SHIFT] == 1;
}

void frame_free(uint64_t pa)
{
	frame_free_order(pa, 0);
}

uint8_t *frame_tag(uint64_t pa)
{
	return &tags[pa >> PAGE_SHIFT];
}

uint64_t frames_total(void)
{
	return total_frames;
}

uint64_t frames_peak_used(void)
{
	return peak_used;
}

uint64_t frames_free(void)
{
	return buddy.free_pages + page_cache_len;
}
