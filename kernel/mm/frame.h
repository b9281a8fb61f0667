/* Physical page frames: the kernel-wide buddy allocator over guest RAM. */
#ifndef UPY_MM_FRAME_H
#define UPY_MM_FRAME_H

#include <stdint.h>

#include "core/boot_info.h"

/* Frames below `reserved_end` (the kernel image) and those of the boot
 * module (bi->initrd: the image copied into RAM) are never handed out.
 * Only RAM below `early_limit` is usable until frame_init_late(). */
void frame_init(const struct boot_info *bi, uint64_t reserved_end, uint64_t early_limit);
void frame_init_late(void);

/* Physical addresses; 0 means out of memory. */
uint64_t frame_alloc(void);
uint64_t frame_alloc_zeroed(void);
uint64_t frame_alloc_order(unsigned order);
void frame_free(uint64_t pa);
void frame_free_order(uint64_t pa, unsigned order);

/* References to single frames that can be mapped in several places (app
 * pages, tmpfs pages). frame_alloc* returns a frame with one reference.
 * Frames outside the allocator (the kernel image, the boot module, and
 * memory that is no RAM) are ignored: they are never freed. */
void frame_get(uint64_t pa);
void frame_put(uint64_t pa);
/* The references of an allocator frame (0 for memory outside it). */
unsigned frame_refs(uint64_t pa);
/* True when pa is allocator memory with exactly one reference. */
int frame_is_exclusive(uint64_t pa);

/* A private page of a charged area (mm/commit.h) counts as backing the
 * charge while it exists: charge it once it holds the area's data (it is
 * uncounted when its last reference goes). */
void frame_charge(uint64_t pa);
uint64_t frames_charged(void);

/* One byte per frame for the owner of the frame to remember what it is
 * (kmalloc records its size class there). */
uint8_t *frame_tag(uint64_t pa);

/* Frames that can be given back when memory runs out (clean cached file
 * pages). An allocation that finds no free frame asks the reclaimer for
 * some and tries again, for as long as it gives any: it fails only when
 * nothing is left to give back. */
struct frame_reclaimer {
	uint64_t (*reclaim)(uint64_t want); /* frees up to want; returns how many */
	uint64_t (*count)(void);            /* how many it could free now, at most */
};
/* Adds one (at most 4; they are asked in turn). */
void frame_add_reclaimer(const struct frame_reclaimer *r);
uint64_t frames_reclaimable(void);

uint64_t frames_total(void);
uint64_t frames_free(void);
/* The most frames ever in use at once (for ru_maxrss). */
uint64_t frames_peak_used(void);

#endif
