/*
 * Overflow-checked arithmetic for every place an app value meets a size,
 * offset, address or count (Linux's include/linux/overflow.h). The check_*
 * helpers return true when the exact result does not fit in *d (then *d
 * holds the wrapped value, which the caller must not use); the size_*
 * helpers saturate at SIZE_MAX, which no allocation can serve, so kmalloc
 * of a saturated size fails instead of handing out a short buffer.
 * Header only and portable: unit-tested on the host.
 */
#ifndef UPY_LIB_OVERFLOW_H
#define UPY_LIB_OVERFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d) __builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)

/* x rounded up to a multiple of align (a power of two) in *out; true when
 * that does not fit in 64 bits (x within align-1 of 2^64). */
static inline bool check_align_up_overflow(uint64_t x, uint64_t align, uint64_t *out)
{
	uint64_t sum;
	if (check_add_overflow(x, align - 1, &sum))
		return true;
	*out = sum & ~(align - 1);
	return false;
}

/* x rounded up to whole 4 KiB pages; true on wrap (never 0 for x > 0). */
static inline bool check_page_align_overflow(uint64_t x, uint64_t *out)
{
	return check_align_up_overflow(x, 4096, out);
}

/* n * size, or SIZE_MAX when that overflows (Linux's array_size). */
static inline size_t array_size(size_t n, size_t size)
{
	size_t bytes;
	if (check_mul_overflow(n, size, &bytes))
		return SIZE_MAX;
	return bytes;
}

/* a + b, or SIZE_MAX when that overflows (Linux's size_add). */
static inline size_t size_add(size_t a, size_t b)
{
	size_t sum;
	if (check_add_overflow(a, b, &sum))
		return SIZE_MAX;
	return sum;
}

/* The sizes of a header plus n elements (struct_size). */
static inline size_t struct_size_of(size_t header, size_t n, size_t elem)
{
	return size_add(header, array_size(n, elem));
}

/* A file range [off, off + len) as signed loff_t values, as Linux checks
 * them: false when off is negative or off + len passes INT64_MAX. */
static inline bool file_range_ok(int64_t off, uint64_t len)
{
	if (off < 0 || len > (uint64_t)INT64_MAX)
		return false;
	int64_t end;
	return !check_add_overflow(off, (int64_t)len, &end);
}

#endif
