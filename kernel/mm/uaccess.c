#include "mm/uaccess.h"

#include "arch/x86_64/memlayout.h"
#include "uapi/errno.h"
#include "mm/user_range.h"

long raw_copy(void *dst, const void *src, size_t n);
long raw_clear(void *dst, size_t n);
long raw_strncpy(char *dst, const char *src, size_t max);

static bool range_ok(const void *p, size_t n)
{
	return user_range_ok((uint64_t)p, n);
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!range_ok(usrc, n))
		return -EFAULT;
	return (int)raw_copy(dst, usrc, n);
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!range_ok(udst, n))
		return -EFAULT;
	return (int)raw_copy(udst, src, n);
}

int clear_user(void *udst, size_t n)
{
	if (!range_ok(udst, n))
		return -EFAULT;
	return (int)raw_clear(udst, n);
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	uint64_t a = (uint64_t)usrc;
	if (a >= USER_TOP)
		return -EFAULT;
	/* Never read past the end of the app's half. */
	if (a < USER_TOP && USER_TOP - a < max)
		max = USER_TOP - a;
	long n = raw_strncpy(dst, usrc, max);
	if (n < 0)
		return n;
	if ((size_t)n == max)
		return -ENAMETOOLONG;
	return n;
}
