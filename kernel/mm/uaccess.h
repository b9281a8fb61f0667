/* Moving data between the kernel and app memory: a bad app pointer gives
 * -EFAULT, as on Linux, instead of a kernel fault. */
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

/* While set, the "user" pointers above may also point into the kernel:
 * used when the kernel reads files for itself (ELF loader, config). */
bool uaccess_allow_kernel(bool allow);

#endif
