/* Moving data between the kernel and app memory: a bad app pointer gives
 * -EFAULT, as on Linux, instead of a kernel fault. A pointer outside the
 * app's half is always bad here; code that moves data to or from either
 * kind of memory takes an iov_iter (mm/iov_iter.h). */
#ifndef UPY_MM_UACCESS_H
#define UPY_MM_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
int clear_user(void *udst, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes: its length,
 * -EFAULT, or -ENAMETOOLONG when no NUL comes within max bytes. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

#endif
