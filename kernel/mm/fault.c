#include "mm/fault.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/paging.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/frame.h"
#include "mm/mmap.h"
#include "mm/pte_prot.h"

/* Read faults on an immutable file map this many neighbouring pages too. */
#define FAULT_AROUND_PAGES 16

static uint64_t file_pgoff(const struct vma *v, uint64_t va)
{
	return (v->offset + (va - v->start)) / PAGE_SIZE;
}

static int copy_page(uint64_t src_pa, uint64_t *new_pa)
{
	uint64_t pa = frame_alloc();
	if (!pa)
		return -ENOMEM;
	memcpy(phys_to_virt(pa), phys_to_virt(src_pa), PAGE_SIZE);
	*new_pa = pa;
	return 0;
}

/*
 * A file's get_page may sleep (the page is read from a disk) and so may an
 * allocation (reclaim writes back a disk's dirty pages): another thread can
 * then map, unmap or change areas, which moves the vmas array and may free
 * the page table the fault was about to fill. After anything that can sleep
 * the fault checks the areas' sequence number; if it moved, the fault gives up
 * what it took and returns 0, and the access faults again against the areas
 * as they are now (Linux's VM_FAULT_RETRY).
 */
static bool areas_changed(uint64_t seq)
{
	return current_mm->vma_seq != seq;
}

/* Maps the pages around va of an area over an immutable file (the root
 * file system), read-only: cheap, as nothing is copied or allocated. */
static void fault_around(const struct vma *v, uint64_t va)
{
	uint64_t window = FAULT_AROUND_PAGES * PAGE_SIZE;
	uint64_t start = va & ~(window - 1), end = start + window;
	if (start < v->start)
		start = v->start;
	if (end > v->end)
		end = v->end;
	/* The window lies within one leaf page table (it is aligned). */
	pte_t *first = pte_lookup(start, false);
	if (!first)
		return;
	uint64_t seq = current_mm->vma_seq;
	struct inode *ino = v->inode;
	uint64_t pgoff0 = file_pgoff(v, start);
	uint32_t prot = v->prot;
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		pte_t *pte = first + (a - start) / PAGE_SIZE;
		if (a == va || (*pte & (PTE_P | PTE_SOFT_NONE)))
			continue;
		uint64_t pa;
		if (ino->ops->get_page(ino, pgoff0 + (a - start) / PAGE_SIZE, false, &pa) < 0)
			break; /* past the end of the file */
		if (areas_changed(seq))
			break; /* v and the page table may be gone: the rest faults in later */
		frame_get(pa); /* a page-cache frame: the mapping's reference */
		*pte = pa | pte_prot(prot, false);
	}
}

/* A private frame now holds a page of v: it backs v's charge, if any. */
static void charge(const struct vma *v, uint64_t pa)
{
	if (v->flags & VMA_ACCOUNT)
		frame_charge(pa);
}

#define ANON_AHEAD_PAGES 7

/* Memory is mostly touched in ascending order (heaps, arenas, stacks grow
 * into fresh pages): map the next few pages of the area now, while their
 * page table is at hand, instead of taking a fault for each. */
static void anon_fault_ahead(const struct vma *v, uint64_t va)
{
	pte_t *pte = pte_lookup(va, false);
	uint64_t seq = current_mm->vma_seq;
	for (int i = 1; i <= ANON_AHEAD_PAGES; i++) {
		uint64_t a = va + (uint64_t)i * PAGE_SIZE;
		if (a >= v->end || (a & ((1ull << 21) - 1)) == 0)
			break; /* end of the area, or of this page table */
		pte_t *next = pte + i;
		if (*next & (PTE_P | PTE_SOFT_NONE))
			break;
		uint64_t pa = frame_alloc_zeroed();
		if (!pa)
			break;
		if (areas_changed(seq)) {
			frame_free(pa);
			break;
		}
		charge(v, pa);
		*next = pa | pte_prot(v->prot, true);
	}
}

static int fill(struct vma *v, uint64_t va, pte_t *pte, bool write)
{
	uint64_t pa;
	bool shared = v->flags & VMA_SHARED;
	uint64_t seq = current_mm->vma_seq;
	if (!v->inode) {
		pa = frame_alloc_zeroed();
		if (!pa)
			return -ENOMEM;
		if (areas_changed(seq)) {
			frame_free(pa);
			return 0;
		}
		charge(v, pa);
		*pte = pa | pte_prot(v->prot, true);
		anon_fault_ahead(v, va);
		return 0;
	}
	struct inode *ino = v->inode;
	inode_get(ino); /* an unmap while get_page sleeps must not free it */
	uint64_t file_pa;
	int rc = ino->ops->get_page(ino, file_pgoff(v, va), shared && write, &file_pa);
	if (rc < 0 || areas_changed(seq)) {
		inode_put(ino);
		return rc < 0 ? rc : 0;
	}
	if (!shared && write) {
		/* Held across the copy: the allocation may reclaim cached pages. */
		frame_get(file_pa);
		rc = copy_page(file_pa, &pa);
		frame_put(file_pa);
		inode_put(ino);
		if (rc < 0)
			return rc;
		if (areas_changed(seq)) {
			frame_free(pa);
			return 0;
		}
		charge(v, pa);
		*pte = pa | pte_prot(v->prot, true);
		return 0;
	}
	frame_get(file_pa);
	/* A shared page is mapped writable only once the file has given it for
	 * writing: a read may have been lent a page the file does not own (a
	 * tmpfs file's lower page), see make_writable. */
	*pte = file_pa | pte_prot(v->prot, shared && write);
	if (!write && ino->sb->readonly)
		fault_around(v, va);
	inode_put(ino);
	return 0;
}

/* A write to a present read-only page of a writable area. */
static int make_writable(struct vma *v, uint64_t va, pte_t *pte)
{
	uint64_t pa = *pte & PTE_ADDR;
	if ((v->flags & VMA_SHARED) && v->inode) {
		uint64_t own, seq = current_mm->vma_seq;
		struct inode *ino = v->inode;
		inode_get(ino);
		int rc = ino->ops->get_page(ino, file_pgoff(v, va), true, &own);
		inode_put(ino);
		if (rc < 0 || areas_changed(seq))
			return rc < 0 ? rc : 0;
		if (own != pa) {
			frame_get(own);
			frame_put(pa);
		}
		*pte = own | pte_prot(v->prot, true);
	} else if ((v->flags & VMA_SHARED) || frame_is_exclusive(pa)) {
		*pte |= PTE_W;
	} else {
		uint64_t copy, seq = current_mm->vma_seq;
		frame_get(pa); /* held across the copy: the allocation may sleep */
		int rc = copy_page(pa, &copy);
		frame_put(pa);
		if (rc < 0)
			return rc;
		if (areas_changed(seq)) {
			frame_free(copy);
			return 0;
		}
		charge(v, copy);
		frame_put(pa);
		*pte = copy | pte_prot(v->prot, true);
	}
	tlb_flush_page(va);
	return 0;
}

/* QEMU's software MMU (TCG) sizes its TLB only when the guest flushes it
 * completely; a kernel that never reloads CR3 leaves it at 256 entries,
 * and CPython's working set then misses constantly (regex compilation ran
 * 1.25x slower than in a Linux guest). While memory grows, a full flush
 * every so many faults lets it grow to fit. Under hardware virtualization
 * this is not done. */
#define TCG_FLUSH_EVERY_FAULTS 256

static bool under_tcg;
static unsigned faults_since_flush;

void vm_fault_init(void)
{
	struct cpuid_regs r = cpuid(0x40000000, 0);
	under_tcg = r.ebx == 0x54474354 && r.ecx == 0x43544743 && r.edx == 0x47435447; /* "TCGTCGTCGTCG" */
}

int vm_fault(uint64_t addr, uint64_t error)
{
	if (under_tcg && ++faults_since_flush == TCG_FLUSH_EVERY_FAULTS) {
		faults_since_flush = 0;
		tlb_flush_all();
	}
	if (!current_mm || !is_user_address(addr))
		return -EFAULT;
	struct vma *v = vma_find(current_mm, addr);
	if (!v)
		return -EFAULT;
	bool write = error & FAULT_WRITE, fetch = error & FAULT_FETCH;
	if (v->prot == PROT_NONE || (write && !(v->prot & PROT_WRITE)) ||
	    (fetch && !(v->prot & PROT_EXEC)))
		return -EFAULT;
	uint64_t va = addr & ~(PAGE_SIZE - 1);
	pte_t *pte = pte_lookup(va, true);
	if (!pte)
		return -ENOMEM;
	if (*pte & PTE_P) {
		if (write && !(*pte & PTE_W))
			return make_writable(v, va, pte);
		/* Already allowed: a stale TLB entry. */
		tlb_flush_page(va);
		return 0;
	}
	return fill(v, va, pte, write);
}
