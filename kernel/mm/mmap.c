#include "mm/mmap.h"

#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/paging.h"
#include "core/panic.h"
#include "fs/vfs.h"
#include "uapi/errno.h"
#include "uapi/mman.h"
#include "mm/commit.h"
#include "mm/fault.h"
#include "mm/frame.h"
#include "mm/pte_prot.h"
#include "mm/user_range.h"

struct mm *current_mm;

void mm_vma_get(const struct vma *v)
{
	inode_get(v->inode);
	if (v->file)
		file_get(v->file);
}

void mm_vma_put(const struct vma *v)
{
	inode_put(v->inode);
	if (v->file)
		file_put(v->file);
}

struct vma_hooks vma_hooks = { mm_vma_get, mm_vma_put };

void mm_setup(struct mm *mm)
{
	/* Leave the first 64 KiB unmapped (vm.mmap_min_addr), so NULL+small
	 * faults; mmap placement starts below a 128 MiB stack gap. */
	mm_init(mm, 0x10000, USER_TOP, USER_STACK_TOP - (128ul << 20));
	mm->stack_top = USER_STACK_TOP;
	mm->as_limit = mm->data_limit = UINT64_MAX;
	current_mm = mm;
}

static bool is_data(uint32_t prot, uint32_t vma_flags)
{
	return (prot & PROT_WRITE) && !(vma_flags & (VMA_SHARED | VMA_STACK));
}

bool mm_may_expand(const struct mm *mm, uint64_t grow, uint32_t prot, uint32_t vma_flags,
		   uint64_t skip_start, uint64_t skip_end)
{
	if (mm->as_limit == UINT64_MAX && mm->data_limit == UINT64_MAX)
		return true; /* the common case costs nothing */
	uint64_t total = 0, data = 0;
	for (size_t i = 0; i < mm->count; i++) {
		const struct vma *v = &mm->vmas[i];
		uint64_t size = v->end - v->start;
		uint64_t lo = v->start > skip_start ? v->start : skip_start;
		uint64_t hi = v->end < skip_end ? v->end : skip_end;
		if (lo < hi)
			size -= hi - lo;
		total += size;
		if (is_data(v->prot, v->flags))
			data += size;
	}
	/* Whole pages, as Linux compares them; the sums cannot wrap (the
	 * app's half is 2^47 bytes). */
	uint64_t page_mask = ~(uint64_t)(PAGE_SIZE - 1);
	if (grow > (mm->as_limit & page_mask) || total > (mm->as_limit & page_mask) - grow)
		return false;
	if (is_data(prot, vma_flags) &&
	    (grow > (mm->data_limit & page_mask) || data > (mm->data_limit & page_mask) - grow))
		return false;
	return true;
}

/* Beyond this many pages one full TLB flush is cheaper than one invlpg per
 * page (Linux's tlb_single_page_flush_ceiling). */
#define FLUSH_CEILING_PAGES 33

static bool flush_all_for(uint64_t start, uint64_t end)
{
	return (end - start) / PAGE_SIZE > FLUSH_CEILING_PAGES;
}

static void drop_pte(uint64_t va, pte_t *pte, void *batched)
{
	frame_put(*pte & PTE_ADDR);
	*pte = 0;
	if (!batched)
		tlb_flush_page(va);
}

/* Drops the pages of [start, end) with the cheaper kind of TLB flush. */
static void drop_range(uint64_t start, uint64_t end)
{
	bool batch = flush_all_for(start, end);
	pte_for_each(start, end, drop_pte, batch ? (void *)1 : NULL);
	if (batch)
		tlb_flush_all();
}

static void unmap_piece(const struct vma *piece, void *arg)
{
	drop_range(piece->start, piece->end);
	if (piece->flags & VMA_ACCOUNT)
		mm_uncommit(current_mm, (piece->end - piece->start) / PAGE_SIZE);
}

int mm_sync_shared(uint64_t start, uint64_t end)
{
	int result = 0;
	for (uint64_t a = start; a < end;) {
		struct vma *v = vma_find_next(current_mm, a);
		if (!v || v->start >= end)
			break;
		uint64_t lo = v->start > a ? v->start : a, hi = v->end < end ? v->end : end;
		if ((v->flags & VMA_SHARED) && v->inode && v->inode->ops->sync_pages) {
			/* It may sleep: the area is not used after, the inode is held. */
			struct inode *ino = inode_get(v->inode);
			uint64_t first = (v->offset + (lo - v->start)) / PAGE_SIZE;
			int rc = ino->ops->sync_pages(ino, first, first + (hi - lo) / PAGE_SIZE);
			inode_put(ino);
			if (rc < 0 && result == 0)
				result = rc;
		}
		a = hi;
	}
	return result;
}

/*
 * MAP_POPULATE is a hint whose failure Linux ignores, and an app can ask it of
 * any length that was not charged (read-only or MAP_NORESERVE memory): so it
 * stops once free and reclaimable memory is down to a sixteenth, rather than
 * taking all of it, the page cache that holds the app's own text included,
 * and leaving the app to die at its next page fault. A read-only private anonymous area
 * is not populated at all: Linux maps its one zero page there, which costs no
 * memory, and a read of an unpopulated page gives the same zeros.
 */
static int populate(uint64_t start, uint64_t end, uint32_t prot, uint32_t vma_flags)
{
	if ((vma_flags & VMA_ANON) && !(vma_flags & VMA_SHARED) && !(prot & PROT_WRITE))
		return 0;
	uint64_t reserve = frames_total() / 16;
	uint64_t err = (prot & PROT_WRITE) ? FAULT_WRITE : 0;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		if (frames_free() + frames_reclaimable() < reserve)
			return -ENOMEM;
		pte_t *pte = pte_lookup(va, false);
		if (pte && (*pte & PTE_P))
			continue;
		int rc = vm_fault(va, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int64_t mm_map(uint64_t addr, uint64_t len, uint32_t prot, uint32_t vma_flags,
	       struct file *f, uint64_t offset, unsigned how)
{
	struct mm *mm = current_mm;
	struct inode *ino = f ? f->inode : NULL;
	if (len == 0 || check_page_align_overflow(len, &len))
		return -EINVAL;
	if (how & (MAP_AT_FIXED | MAP_AT_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		/* As Linux's get_unmapped_area: past the top -ENOMEM, below
		 * mmap_min_addr -EPERM. */
		if (!user_range_ok(addr, len) || addr + len > mm->highest)
			return -ENOMEM;
		if (addr < mm->lowest)
			return -EPERM;
		if (!mm_may_expand(mm, len, prot, vma_flags, addr, addr + len))
			return -ENOMEM;
		if (!vma_range_free(mm, addr, addr + len)) {
			if (how & MAP_AT_NOREPLACE)
				return -EEXIST;
			mm_sync_shared(addr, addr + len);
			int rc = vma_remove(mm, addr, addr + len, unmap_piece, NULL);
			if (rc < 0)
				return rc;
		}
	} else {
		if (!mm_may_expand(mm, len, prot, vma_flags, 0, 0))
			return -ENOMEM;
		addr = vma_find_free(mm, len, addr & ~(PAGE_SIZE - 1));
		if (!addr)
			return -ENOMEM;
	}
	struct vma v = {
		.start = addr,
		.end = addr + len,
		.prot = prot,
		.flags = vma_flags | (ino ? 0 : VMA_ANON),
		.inode = ino,
		.offset = offset,
		.file = f,
	};
	/* Charged after a fixed mapping's old areas went, as Linux's
	 * mmap_region does, so that replacing memory does not count twice. */
	if (mm_accountable(prot, v.flags)) {
		if (!mm_commit(mm, len / PAGE_SIZE))
			return -ENOMEM;
		v.flags |= VMA_ACCOUNT;
	}
	mm_vma_get(&v);
	int rc = vma_insert(mm, &v);
	if (rc < 0) {
		mm_vma_put(&v);
		if (v.flags & VMA_ACCOUNT)
			mm_uncommit(mm, len / PAGE_SIZE);
		return rc;
	}
	if ((how & MAP_AT_POPULATE) && prot != PROT_NONE)
		populate(addr, addr + len, prot, v.flags); /* best effort, as on Linux */
	return (int64_t)addr;
}

int mm_unmap(uint64_t start, uint64_t len)
{
	uint64_t end;
	if ((start & (PAGE_SIZE - 1)) || len == 0 || !user_pages_ok(start, len, &end))
		return -EINVAL;
	/* munmap writes back what shared mappings changed (best effort: the
	 * pages stay in the file's cache if the write fails). */
	mm_sync_shared(start, end);
	return vma_remove(current_mm, start, end, unmap_piece, NULL);
}

struct protect_args {
	uint32_t prot;
	bool shared;
	bool batched;
};

static void reprotect_pte(uint64_t va, pte_t *pte, void *arg)
{
	struct protect_args *a = arg;
	uint64_t pa = *pte & PTE_ADDR;
	if (a->prot == PROT_NONE) {
		*pte = pa | PTE_SOFT_NONE;
	} else {
		/* A shared page stays read-only until a write fault asks its file
		 * for it (mm/fault.c, make_writable); a private one is writable
		 * when no one else maps it. */
		bool writable = a->shared ? (*pte & PTE_W) != 0 : frame_is_exclusive(pa);
		*pte = pa | pte_prot(a->prot, writable);
	}
	if (!a->batched)
		tlb_flush_page(va);
}

/* Pages of [start, end) in areas that would be charged once writable. */
static uint64_t uncharged_pages(struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t pages = 0;
	for (struct vma *v = vma_find_next(mm, start); v && v->start < end;
	     v = vma_find_next(mm, v->end)) {
		if (mm_accountable(PROT_WRITE, v->flags) && !(v->flags & VMA_ACCOUNT)) {
			uint64_t lo = v->start > start ? v->start : start;
			uint64_t hi = v->end < end ? v->end : end;
			pages += (hi - lo) / PAGE_SIZE;
		}
	}
	return pages;
}

int mm_protect(uint64_t start, uint64_t len, uint32_t prot)
{
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len == 0)
		return 0;
	/* Linux: a length that rounds up past the top is -ENOMEM. */
	uint64_t end;
	if (!user_pages_ok(start, len, &end))
		return -ENOMEM;
	/* Making private memory writable charges it (glibc's malloc arenas
	 * are reserved PROT_NONE and made writable as they grow). */
	uint64_t charge = (prot & PROT_WRITE) ? uncharged_pages(current_mm, start, end) : 0;
	if (charge && !mm_commit(current_mm, charge))
		return -ENOMEM;
	int rc = vma_protect(current_mm, start, end, prot, (prot & PROT_WRITE) ? VMA_ACCOUNT : 0,
			     VMA_ACCOUNT | VMA_SHARED | VMA_STACK | VMA_NORESERVE);
	if (rc < 0) {
		if (charge)
			mm_uncommit(current_mm, charge);
		return rc;
	}
	/* Areas in the range now all have prot; fix their page tables. */
	for (uint64_t a = start; a < end;) {
		struct vma *v = vma_find(current_mm, a);
		uint64_t e = v->end < end ? v->end : end;
		struct protect_args args = { prot, (v->flags & VMA_SHARED) != 0, flush_all_for(start, end) };
		pte_for_each(a, e, reprotect_pte, &args);
		a = e;
	}
	if (flush_all_for(start, end))
		tlb_flush_all();
	return 0;
}

int mm_discard(uint64_t start, uint64_t end)
{
	if (end < start || !user_range_ok(start, end - start))
		return -EINVAL;
	drop_range(start, end);
	return 0;
}

struct move_args {
	uint64_t delta;
	int err;
};

static void prepare_pte(uint64_t va, pte_t *pte, void *arg)
{
	struct move_args *m = arg;
	if (!m->err && !pte_lookup(va + m->delta, true))
		m->err = -ENOMEM;
}

int mm_move_prepare(uint64_t old, uint64_t len, uint64_t new_addr)
{
	if (!user_range_ok(old, len) || !user_range_ok(new_addr, len))
		return -EINVAL;
	struct move_args m = { new_addr - old, 0 };
	pte_for_each(old, old + len, prepare_pte, &m);
	return m.err;
}

static void move_pte(uint64_t va, pte_t *pte, void *arg)
{
	struct move_args *m = arg;
	pte_t *dst = pte_lookup(va + m->delta, false);
	if (!dst)
		panic("mremap: no page table at %p after mm_move_prepare", (void *)(va + m->delta));
	*dst = *pte;
	*pte = 0;
	tlb_flush_page(va);
}

void mm_move_pages(uint64_t old, uint64_t len, uint64_t new_addr)
{
	struct move_args m = { new_addr - old, 0 };
	pte_for_each(old, old + len, move_pte, &m);
}

static void count_pte(uint64_t va, pte_t *pte, void *arg)
{
	struct mm_page_counts *c = arg;
	c->resident++;
	if (frame_is_exclusive(*pte & PTE_ADDR))
		c->exclusive++;
	/* The tables that map 2 MiB, 1 GiB and 512 GiB around va. */
	for (int level = 0; level < 3; level++) {
		uint64_t table = (va >> (21 + 9 * level)) + 1;
		if (c->last[level] != table) {
			c->last[level] = table;
			c->tables++;
		}
	}
}

void mm_count_pages(uint64_t start, uint64_t end, struct mm_page_counts *c)
{
	pte_for_each(start, end, count_pte, c);
}
