/*
 * The app's address space as a sorted array of non-overlapping virtual
 * memory areas. Portable bookkeeping only: page tables are the caller's
 * business (mm/mmap.c), so this file is unit-tested on the host.
 */
#ifndef UPY_MM_VMA_H
#define UPY_MM_VMA_H

#include <stddef.h>
#include <stdint.h>

struct file;
struct inode;

#define VMA_SHARED 0x1 /* MAP_SHARED: writes reach the file */
#define VMA_ANON 0x2   /* no file behind it */
#define VMA_STACK 0x4  /* the main thread's stack (for /proc/self/maps) */
#define VMA_HEAP 0x8   /* the brk heap */
#define VMA_ACCOUNT 0x10   /* its size is charged as committed memory (mm/commit.h) */
#define VMA_NORESERVE 0x20 /* never charged: MAP_NORESERVE, MAP_STACK */

struct vma {
	uint64_t start, end; /* page-aligned, [start, end) */
	uint32_t prot;       /* PROT_READ | PROT_WRITE | PROT_EXEC */
	uint32_t flags;      /* VMA_* */
	struct inode *inode; /* file mappings: a reference */
	uint64_t offset;     /* file offset of start */
	struct file *file;   /* file mappings: the open file it was mapped
			      * from (a reference; it names the area in
			      * /proc/self/maps); NULL for anonymous memory */
};

struct mm {
	struct vma *vmas;
	size_t count, capacity;
	uint64_t lowest, highest; /* the range mappings may use */
	uint64_t mmap_top;        /* top-down placement starts below this */
	uint64_t brk_start, brk;
	uint64_t stack_top;
	/* RLIMIT_AS and RLIMIT_DATA in bytes (UINT64_MAX: none), checked by
	 * mm_may_expand; set by setrlimit. */
	uint64_t as_limit, data_limit;
	/* Pages of the VMA_ACCOUNT areas (mm/commit.h). */
	uint64_t committed;
	/* Bumped by every change to the areas (insert, remove, split, protect):
	 * a page fault that slept (reading a page from a disk) finds out that
	 * the area it looked up, and the vmas array, may have moved under it. */
	uint64_t vma_seq;
};

/* Called for every piece of a mapping being removed, before it goes. */
typedef void (*vma_unmap_fn)(const struct vma *piece, void *arg);
/* Called when a vma's file references (inode, file) are copied (a split)
 * or dropped; only for areas that have them. */
struct vma_hooks {
	void (*ref)(const struct vma *v);
	void (*unref)(const struct vma *v);
};
extern struct vma_hooks vma_hooks;

void mm_init(struct mm *mm, uint64_t lowest, uint64_t highest, uint64_t mmap_top);
/* The vma containing addr, or NULL. */
struct vma *vma_find(struct mm *mm, uint64_t addr);
/* The first vma that ends above addr, or NULL. */
struct vma *vma_find_next(struct mm *mm, uint64_t addr);
/* Makes room for `extra` more areas than there are now, so that inserts
 * and removals that never have more than that many more at once cannot
 * fail (an insert adds one; removing a piece from the middle of an area
 * splits it twice, two at the peak, one after): a call that changes
 * several things reserves first and then never fails halfway (mremap). */
int vma_reserve(struct mm *mm, size_t extra);
/* Inserts a mapping over a free range (the caller unmapped it first);
 * merges it with equal neighbours. Takes over v's inode and file references. */
int vma_insert(struct mm *mm, const struct vma *v);
/* Removes [start, end), splitting areas at the edges; calls fn per piece. */
int vma_remove(struct mm *mm, uint64_t start, uint64_t end, vma_unmap_fn fn, void *arg);
/* Sets prot on [start, end), and adds set_flags to the flags of every area
 * there that has none of unless_flags; -ENOMEM if part of it is unmapped
 * (then nothing changes). */
int vma_protect(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot, uint32_t set_flags,
		uint32_t unless_flags);
/* A free range of len bytes: at hint if free, else the highest one below
 * mmap_top. 0 if none. */
uint64_t vma_find_free(struct mm *mm, uint64_t len, uint64_t hint);
/* True if no mapping overlaps [start, end). */
int vma_range_free(struct mm *mm, uint64_t start, uint64_t end);

#endif
