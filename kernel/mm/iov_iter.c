#include "mm/iov_iter.h"

#include <stdbool.h>

#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "mm/user_range.h"

static const struct iovec *segs(const struct iov_iter *i)
{
	return i->iov ? i->iov : &i->one;
}

void iov_iter_user(struct iov_iter *i, const struct iovec *iov, size_t nr_segs)
{
	size_t count = 0;
	for (size_t s = 0; s < nr_segs; s++)
		count += iov[s].len;
	*i = (struct iov_iter){ .type = ITER_USER, .iov = iov, .nr_segs = nr_segs, .count = count };
}

void iov_iter_ubuf(struct iov_iter *i, void *ubuf, size_t len)
{
	*i = (struct iov_iter){ .type = ITER_USER, .nr_segs = 1, .count = len,
				.one = { (uint64_t)ubuf, len } };
}

void iov_iter_kbuf(struct iov_iter *i, const void *kbuf, size_t len)
{
	*i = (struct iov_iter){ .type = ITER_KERNEL, .nr_segs = 1, .count = len,
				.one = { (uint64_t)kbuf, len } };
}

long import_iovec(const struct iovec *uvec, size_t nr_segs, struct iovec **kvec,
		  struct iov_iter *i)
{
	size_t bytes = nr_segs * sizeof(struct iovec); /* callers bound nr_segs by IOV_MAX */
	struct iovec *v = *kvec = kmalloc(bytes ? bytes : 1);
	if (!v)
		return -ENOMEM;
	if (copy_from_user(v, uvec, bytes) < 0)
		return -EFAULT;
	for (size_t s = 0; s < nr_segs; s++)
		if ((int64_t)v[s].len < 0)
			return -EINVAL;
	uint64_t total = 0;
	for (size_t s = 0; s < nr_segs; s++) {
		if (!user_range_ok(v[s].base, v[s].len))
			return -EFAULT;
		if (v[s].len > MAX_RW_COUNT - total)
			v[s].len = MAX_RW_COUNT - total;
		total += v[s].len;
	}
	iov_iter_user(i, v, nr_segs);
	return 0;
}

/* What a walk does with each piece of a segment it passes. */
enum piece_op { TO_ITER, FROM_ITER, ZERO_ITER, SKIP_ITER };

/* One piece [at, at + n) of one segment, k the kernel side: 0 or -EFAULT. */
static int piece(const struct iov_iter *i, enum piece_op op, uint64_t at, void *k, size_t n)
{
	if (op == SKIP_ITER)
		return 0;
	if (i->type == ITER_KERNEL) {
		if (op == TO_ITER)
			memcpy((void *)at, k, n);
		else if (op == FROM_ITER)
			memcpy(k, (const void *)at, n);
		else
			memset((void *)at, 0, n);
		return 0;
	}
	int rc = op == TO_ITER	 ? copy_to_user((void *)at, k, n)
		 : op == FROM_ITER ? copy_from_user(k, (const void *)at, n)
				   : clear_user((void *)at, n);
	return rc < 0 ? -EFAULT : 0;
}

/* Walks up to n bytes starting `skip` bytes past i's position, stopping at
 * a bad app segment; with `consume`, i moves past what was walked.
 * Returns the bytes walked. */
static size_t walk(struct iov_iter *i, size_t skip, enum piece_op op, void *k, size_t n,
		   bool consume)
{
	if (skip > i->count)
		return 0;
	if (n > i->count - skip)
		n = i->count - skip;
	const struct iovec *v = segs(i);
	size_t seg = i->seg, off = i->seg_off + skip, done = 0;
	while (seg < i->nr_segs && off >= v[seg].len) {
		off -= v[seg].len;
		seg++;
	}
	/* count says how many bytes the segments hold from here, so the walk
	 * ends inside them. */
	while (done < n) {
		size_t room = v[seg].len - off;
		size_t take = room < n - done ? room : n - done;
		if (piece(i, op, v[seg].base + off, op == ZERO_ITER ? NULL : (char *)k + done, take) < 0)
			break;
		done += take;
		off += take;
		if (off == v[seg].len) {
			seg++;
			off = 0;
		}
	}
	if (consume) {
		i->seg = seg;
		i->seg_off = off;
		i->count -= done;
	}
	return done;
}

size_t copy_to_iter(const void *src, size_t n, struct iov_iter *i)
{
	return walk(i, 0, TO_ITER, (void *)src, n, true);
}

size_t copy_from_iter(void *dst, size_t n, struct iov_iter *i)
{
	return walk(i, 0, FROM_ITER, dst, n, true);
}

size_t iov_iter_zero(size_t n, struct iov_iter *i)
{
	return walk(i, 0, ZERO_ITER, NULL, n, true);
}

void iov_iter_advance(struct iov_iter *i, size_t n)
{
	walk(i, 0, SKIP_ITER, NULL, n, true);
}

int copy_from_iter_at(const struct iov_iter *i, size_t skip, void *dst, size_t n)
{
	struct iov_iter peek = *i;
	if (skip > i->count || n > i->count - skip)
		return -EFAULT;
	return walk(&peek, skip, FROM_ITER, dst, n, false) == n ? 0 : -EFAULT;
}

int copy_to_iter_at(const struct iov_iter *i, size_t skip, const void *src, size_t n)
{
	struct iov_iter peek = *i;
	if (skip > i->count || n > i->count - skip)
		return -EFAULT;
	return walk(&peek, skip, TO_ITER, (void *)src, n, false) == n ? 0 : -EFAULT;
}
