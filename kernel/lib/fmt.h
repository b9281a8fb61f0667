/* printf-style formatting into a buffer: %d %i %u %x %X %o %p %s %c %%,
 * with flags '-', '0', '#', width, precision for strings (%.*s), and the length
 * modifiers l, ll, z. No floating point (the kernel has no FPU use). */
#ifndef UPY_LIB_FMT_H
#define UPY_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Returns the length the full output would have, like vsnprintf; the
 * buffer always ends with a NUL when size > 0. */
int vformat(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
