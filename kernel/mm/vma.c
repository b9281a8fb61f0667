#include "mm/vma.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

#define PAGE 4096ull

static void ref(const struct vma *v)
{
	if ((v->inode || v->file) && vma_hooks.ref)
		vma_hooks.ref(v);
}

static void unref(const struct vma *v)
{
	if ((v->inode || v->file) && vma_hooks.unref)
		vma_hooks.unref(v);
}

void mm_init(struct mm *mm, uint64_t lowest, uint64_t highest, uint64_t mmap_top)
{
	memset(mm, 0, sizeof(*mm));
	mm->lowest = lowest;
	mm->highest = highest;
	mm->mmap_top = mmap_top;
}

/* Index of the first vma with end > addr (count if none). */
static size_t first_ending_above(struct mm *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mm->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vma *vma_find(struct mm *mm, uint64_t addr)
{
	size_t i = first_ending_above(mm, addr);
	if (i < mm->count && mm->vmas[i].start <= addr)
		return &mm->vmas[i];
	return NULL;
}

struct vma *vma_find_next(struct mm *mm, uint64_t addr)
{
	size_t i = first_ending_above(mm, addr);
	return i < mm->count ? &mm->vmas[i] : NULL;
}

static int grow(struct mm *mm, size_t need)
{
	if (need <= mm->capacity)
		return 0;
	size_t cap = mm->capacity ? mm->capacity * 2 : 32;
	while (cap < need)
		cap *= 2;
	struct vma *v = kmalloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (mm->vmas)
		memcpy(v, mm->vmas, mm->count * sizeof(*v));
	kfree(mm->vmas);
	mm->vmas = v;
	mm->capacity = cap;
	return 0;
}

int vma_reserve(struct mm *mm, size_t extra)
{
	return grow(mm, mm->count + extra);
}

static int insert_at(struct mm *mm, size_t i, const struct vma *v)
{
	mm->vma_seq++;
	int rc = grow(mm, mm->count + 1);
	if (rc < 0)
		return rc;
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->count - i) * sizeof(*v));
	mm->vmas[i] = *v;
	mm->count++;
	return 0;
}

static void remove_at(struct mm *mm, size_t i)
{
	mm->vma_seq++;
	memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->count - i - 1) * sizeof(struct vma));
	mm->count--;
}

/* Can b continue a without a seam? */
static int mergeable(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags ||
	    a->inode != b->inode)
		return 0;
	return !a->inode || a->offset + (a->end - a->start) == b->offset;
}

static void merge_around(struct mm *mm, size_t i)
{
	if (i + 1 < mm->count && mergeable(&mm->vmas[i], &mm->vmas[i + 1])) {
		mm->vmas[i].end = mm->vmas[i + 1].end;
		unref(&mm->vmas[i + 1]);
		remove_at(mm, i + 1);
	}
	if (i > 0 && mergeable(&mm->vmas[i - 1], &mm->vmas[i])) {
		mm->vmas[i - 1].end = mm->vmas[i].end;
		unref(&mm->vmas[i]);
		remove_at(mm, i);
	}
}

int vma_insert(struct mm *mm, const struct vma *v)
{
	size_t i = first_ending_above(mm, v->start);
	int rc = insert_at(mm, i, v);
	if (rc < 0)
		return rc;
	merge_around(mm, i);
	return 0;
}

/* Splits the vma at index i so that one area ends at addr. */
static int split(struct mm *mm, size_t i, uint64_t addr)
{
	struct vma right = mm->vmas[i];
	right.start = addr;
	if (right.inode)
		right.offset += addr - mm->vmas[i].start;
	int rc = insert_at(mm, i + 1, &right);
	if (rc < 0)
		return rc;
	mm->vmas[i].end = addr;
	ref(&right);
	return 0;
}

/* Splits areas so that start and end fall on boundaries. */
static int split_edges(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find(mm, start);
	if (v && v->start < start) {
		int rc = split(mm, (size_t)(v - mm->vmas), start);
		if (rc < 0)
			return rc;
	}
	v = vma_find(mm, end - 1);
	if (v && v->end > end) {
		int rc = split(mm, (size_t)(v - mm->vmas), end);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int vma_remove(struct mm *mm, uint64_t start, uint64_t end, vma_unmap_fn fn, void *arg)
{
	if (start >= end)
		return 0;
	int rc = split_edges(mm, start, end);
	if (rc < 0)
		return rc;
	size_t i = first_ending_above(mm, start);
	while (i < mm->count && mm->vmas[i].start < end) {
		if (fn)
			fn(&mm->vmas[i], arg);
		unref(&mm->vmas[i]);
		remove_at(mm, i);
	}
	return 0;
}

int vma_protect(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot, uint32_t set_flags,
		uint32_t unless_flags)
{
	mm->vma_seq++;
	/* Linux checks the whole range is mapped before changing anything. */
	uint64_t a = start;
	for (size_t i = first_ending_above(mm, start); a < end; i++) {
		if (i >= mm->count || mm->vmas[i].start > a)
			return -ENOMEM;
		a = mm->vmas[i].end;
	}
	int rc = split_edges(mm, start, end);
	if (rc < 0)
		return rc;
	size_t i = first_ending_above(mm, start);
	size_t first = i;
	for (; i < mm->count && mm->vmas[i].start < end; i++) {
		mm->vmas[i].prot = prot;
		if (!(mm->vmas[i].flags & unless_flags))
			mm->vmas[i].flags |= set_flags;
	}
	/* Merge equal neighbours from just before the range to just after it. */
	size_t j = first > 0 ? first - 1 : 0;
	size_t last = i; /* the first area after the range */
	while (j < last && j + 1 < mm->count) {
		if (mergeable(&mm->vmas[j], &mm->vmas[j + 1])) {
			mm->vmas[j].end = mm->vmas[j + 1].end;
			unref(&mm->vmas[j + 1]);
			remove_at(mm, j + 1);
			last--;
		} else {
			j++;
		}
	}
	return 0;
}

int vma_range_free(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find_next(mm, start);
	return !v || v->start >= end;
}

uint64_t vma_find_free(struct mm *mm, uint64_t len, uint64_t hint)
{
	if (len == 0 || len > mm->highest - mm->lowest)
		return 0;
	if (hint && hint >= mm->lowest && hint + len >= hint && hint + len <= mm->highest &&
	    vma_range_free(mm, hint, hint + len))
		return hint;
	/* Top-down: walk the gaps between areas from mmap_top downwards. */
	uint64_t top = mm->mmap_top;
	size_t i = first_ending_above(mm, top);
	/* i is the first area ending above top; gaps lie below it. */
	while (1) {
		uint64_t gap_end = top;
		if (i < mm->count && mm->vmas[i].start < gap_end)
			gap_end = mm->vmas[i].start;
		uint64_t gap_start = i > 0 ? mm->vmas[i - 1].end : mm->lowest;
		if (gap_start < mm->lowest)
			gap_start = mm->lowest;
		if (gap_end >= gap_start + len && gap_end - len >= gap_start)
			return gap_end - len;
		if (i == 0)
			return 0;
		i--;
		top = mm->vmas[i].start;
	}
}
