#include "mm/file_rmap.h"

#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/paging.h"
#include "mm/frame.h"
#include "mm/mmap.h"

/* The address page pgoff of the file has in area v, or 0 when v does not
 * map it (or is over another inode). */
static uint64_t address_in(const struct vma *v, const struct inode *ino, uint64_t pgoff)
{
	uint64_t at = pgoff * PAGE_SIZE;
	if (v->inode != ino || at < v->offset || at - v->offset >= v->end - v->start)
		return 0;
	return v->start + (at - v->offset);
}

bool rmap_unmap_page_if_old(struct inode *ino, uint64_t pgoff, uint64_t pa)
{
	if (!current_mm)
		return true;
	bool young = false;
	for (size_t i = 0; i < current_mm->count; i++) {
		uint64_t va = address_in(&current_mm->vmas[i], ino, pgoff);
		pte_t *pte = va ? pte_lookup(va, false) : NULL;
		if (!pte || !(*pte & PTE_P) || (*pte & PTE_ADDR) != pa)
			continue;
		if (*pte & PTE_A) {
			*pte &= ~PTE_A; /* used since the last sweep: another chance */
			young = true;
			continue;
		}
		*pte = 0;
		tlb_flush_page(va);
		frame_put(pa);
	}
	return !young;
}

void rmap_write_protect_page(struct inode *ino, uint64_t pgoff, uint64_t pa)
{
	if (!current_mm)
		return;
	for (size_t i = 0; i < current_mm->count; i++) {
		const struct vma *v = &current_mm->vmas[i];
		uint64_t va = (v->flags & VMA_SHARED) ? address_in(v, ino, pgoff) : 0;
		pte_t *pte = va ? pte_lookup(va, false) : NULL;
		if (!pte || !(*pte & PTE_W) || (*pte & PTE_ADDR) != pa)
			continue;
		*pte &= ~PTE_W;
		tlb_flush_page(va);
	}
}

void rmap_unmap_from(struct inode *ino, uint64_t first)
{
	if (!current_mm)
		return;
	for (size_t i = 0; i < current_mm->count; i++) {
		const struct vma *v = &current_mm->vmas[i];
		if (v->inode != ino)
			continue;
		uint64_t cut = first * PAGE_SIZE, start = v->start;
		if (cut > v->offset) {
			if (cut - v->offset >= v->end - v->start)
				continue;
			start += cut - v->offset;
		}
		mm_discard(start, v->end);
	}
}
