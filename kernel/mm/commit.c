#include "mm/commit.h"

#include "core/panic.h"
#include "uapi/mman.h"
#include "mm/frame.h"

/* Frames kept for the kernel itself (page tables, kmalloc, thread stacks,
 * socket and pipe buffers) beyond anything promised to the app. */
static uint64_t reserve_pages(void)
{
	return frames_total() / 128 + 256;
}

bool mm_accountable(uint32_t prot, uint32_t vma_flags)
{
	if (vma_flags & (VMA_STACK | VMA_NORESERVE))
		return false;
	/* Shared anonymous memory is charged for its size whatever its prot
	 * (Linux's shmem accounting); shared file pages belong to the file. */
	if (vma_flags & VMA_SHARED)
		return vma_flags & VMA_ANON;
	return prot & PROT_WRITE;
}

/* Pages promised and not yet backed: the charge minus the charged frames
 * that are in place (frame_charge). Never negative: a frame can stay
 * charged a little longer than its area (mremap moves frames first). */
static uint64_t outstanding(const struct mm *mm)
{
	uint64_t backed = frames_charged();
	return mm->committed > backed ? mm->committed - backed : 0;
}

uint64_t mm_commit_limit(const struct mm *mm)
{
	uint64_t free = frames_free() + frames_reclaimable(), reserve = reserve_pages();
	uint64_t spare = free > reserve ? free - reserve : 0;
	return mm->committed - outstanding(mm) + spare;
}

bool mm_commit(struct mm *mm, uint64_t pages)
{
	uint64_t free = frames_free() + frames_reclaimable(), reserve = reserve_pages(),
		 promised = outstanding(mm);
	if (free < reserve || promised > free - reserve || pages > free - reserve - promised)
		return false;
	mm->committed += pages;
	return true;
}

void mm_commit_force(struct mm *mm, uint64_t pages)
{
	mm->committed += pages;
}

void mm_uncommit(struct mm *mm, uint64_t pages)
{
	ASSERT(pages <= mm->committed);
	mm->committed -= pages;
}
