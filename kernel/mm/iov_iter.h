/*
 * A buffer that file and socket operations read into or write from: a list
 * of segments that are either all app memory or all kernel memory, as
 * Linux's iov_iter. The kind travels with the buffer, so an operation
 * never has to be told (by a global flag) that a "user" pointer is really
 * a kernel one, and no app pointer is ever taken for a kernel one: copies
 * to and from ITER_USER segments go through mm/uaccess.h, which refuses
 * anything outside the app's half.
 *
 * Copies consume the buffer from the front (copy_to_iter, copy_from_iter,
 * iov_iter_zero); socket families that lay one message out in pieces use
 * the *_at forms, which copy at an offset into what is left and do not
 * consume. After an operation the buffer's state is its own business: the
 * caller goes by the count the operation returned.
 */
#ifndef UPY_MM_IOV_ITER_H
#define UPY_MM_IOV_ITER_H

#include <stddef.h>
#include <stdint.h>

/* One segment, as the app passes it in readv(2) or a msghdr. */
struct iovec {
	uint64_t base;
	uint64_t len;
};

enum iter_type {
	ITER_USER,   /* app memory: every copy checks the range (EFAULT) */
	ITER_KERNEL, /* the kernel's own memory: only kernel code makes these */
};

struct iov_iter {
	enum iter_type type;
	const struct iovec *iov; /* the segments; NULL means the one in `one` */
	size_t nr_segs;
	size_t seg;              /* the segment the next byte is in */
	size_t seg_off;          /* bytes of it already used */
	size_t count;            /* bytes left in all */
	struct iovec one;        /* a single-buffer iter's segment (copies stay valid) */
};

/* Linux's import_iovec: copies the app's array of nr_segs segments into
 * *kvec (kmalloc'd; the caller frees it, also on error) and makes i an
 * ITER_USER over it. A negative length is -EINVAL, then a segment outside
 * the app's half -EFAULT; lengths are cut so that their total is at most
 * MAX_RW_COUNT, so no sum of them wraps further down. */
#define MAX_RW_COUNT 0x7ffff000ul /* Linux caps one transfer at this */
long import_iovec(const struct iovec *uvec, size_t nr_segs, struct iovec **kvec,
		  struct iov_iter *i);
/* Over app segments the caller has already checked (the array itself is
 * kernel memory). */
void iov_iter_user(struct iov_iter *i, const struct iovec *iov, size_t nr_segs);
/* Over one app buffer, or one kernel buffer. */
void iov_iter_ubuf(struct iov_iter *i, void *ubuf, size_t len);
void iov_iter_kbuf(struct iov_iter *i, const void *kbuf, size_t len);

static inline size_t iov_iter_count(const struct iov_iter *i)
{
	return i->count;
}

/* Lets at most count bytes be left (a write cut short by a limit). */
static inline void iov_iter_truncate(struct iov_iter *i, size_t count)
{
	if (count < i->count)
		i->count = count;
}

/* Each copies up to n bytes (no more than are left) and consumes them;
 * returns how many it copied, fewer than asked when an app segment is bad. */
size_t copy_to_iter(const void *src, size_t n, struct iov_iter *i);
size_t copy_from_iter(void *dst, size_t n, struct iov_iter *i);
size_t iov_iter_zero(size_t n, struct iov_iter *i);
/* Consumes n bytes (at most what is left) without copying. */
void iov_iter_advance(struct iov_iter *i, size_t n);

/* Copies exactly n bytes at byte `skip` of what is left, consuming
 * nothing: 0, or -EFAULT for a bad app segment or a range past the end. */
int copy_from_iter_at(const struct iov_iter *i, size_t skip, void *dst, size_t n);
int copy_to_iter_at(const struct iov_iter *i, size_t skip, const void *src, size_t n);

#endif
