/* Physical page frames: the kernel-wide buddy allocator over guest RAM. */
#ifndef UPY_MM_FRAME_H
#define UPY_MM_FRAME_H

#include <stdint.h>

#include "core/boot_info.h"

/* Frames below `reserved_end` (kernel image, root fs) are never handed out.
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
 * Frames outside the allocator (the kernel image and the embedded root
 * file system) are ignored: they are never freed. */
void frame_get(uint64_t pa);
void frame_put(uint64_t pa);
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

uint64_t frames_total(void);
uint64_t frames_free(void);
/* The most frames ever in use at once (for ru_maxrss). */
uint64_t frames_peak_used(void);

#endif
