/*
 * The one test of "is this app memory" for all of mm/ (and uaccess): a
 * range [addr, addr + len) is the app's iff computing its end does not
 * wrap and the end is at or below USER_TOP. USER_TOP lies below the
 * non-canonical hole, so neither the hole nor the kernel's half (direct
 * map, kernel image) is ever app memory, whatever addr and len an app
 * passes. Header only and portable: unit-tested on the host.
 */
#ifndef UPY_MM_USER_RANGE_H
#define UPY_MM_USER_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/memlayout.h"
#include "lib/overflow.h"

static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	uint64_t end;
	return !check_add_overflow(addr, len, &end) && end <= USER_TOP;
}

/* For the page-granular calls (munmap, mprotect, mremap...): len rounded up
 * to whole pages; true, with the end of [addr, addr + that) in *end, when
 * the rounding does not wrap and the range is the app's. */
static inline bool user_pages_ok(uint64_t addr, uint64_t len, uint64_t *end)
{
	uint64_t pages;
	if (check_page_align_overflow(len, &pages) || !user_range_ok(addr, pages))
		return false;
	*end = addr + pages;
	return true;
}

#endif
