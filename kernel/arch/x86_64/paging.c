#include "arch/x86_64/paging.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/kernel_protect.h"
#include "arch/x86_64/memlayout.h"
#include "core/panic.h"
#include "mm/frame.h"

extern pte_t boot_pml4[512];

#define INDEX(va, level) (((va) >> (12 + 9 * (level))) & 511)

static pte_t *table(pte_t e)
{
	return phys_to_virt(e & PTE_ADDR);
}

static bool have_1g_pages(void)
{
	return cpuid(0x80000001, 0).edx & (1u << 26);
}

void paging_init(const struct boot_info *bi)
{
	uint64_t pdpt_pa = frame_alloc_zeroed();
	if (!pdpt_pa)
		panic("out of memory for the direct map");
	pte_t *pdpt = phys_to_virt(pdpt_pa);
	bool huge = have_1g_pages();
	const uint64_t big = huge ? 1ull << 30 : 1ull << 21;

	for (unsigned i = 0; i < bi->ram_count; i++) {
		uint64_t s = bi->ram[i].start & ~(big - 1);
		for (uint64_t pa = s; pa < bi->ram[i].end; pa += big) {
			unsigned pi = (pa >> 30) & 511;
			if (pa >> 39)
				panic("more than 512 GiB of RAM is not supported");
			if (huge) {
				pdpt[pi] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
				continue;
			}
			if (!(pdpt[pi] & PTE_P)) {
				uint64_t pd = frame_alloc_zeroed();
				if (!pd)
					panic("out of memory for the direct map");
				pdpt[pi] = pd | PTE_P | PTE_W;
			}
			table(pdpt[pi])[(pa >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
		}
	}
	boot_pml4[256] = pdpt_pa | PTE_P | PTE_W;
	boot_pml4[0] = 0; /* the lower half now belongs to the app */
	kernel_protect();
	write_cr4(read_cr4() | (1 << 7)); /* PGE: kernel mappings are global */
	tlb_flush_all();
}

pte_t *pte_lookup(uint64_t va, bool create)
{
	pte_t *t = boot_pml4;
	for (int level = 3; level > 0; level--) {
		pte_t *e = &t[INDEX(va, level)];
		/* A huge page (the direct map) has no table below it: there is
		 * no 4 KiB leaf to return, and none may be made inside it. */
		if (*e & PTE_PS)
			return NULL;
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa = frame_alloc_zeroed();
			if (!pa)
				return NULL;
			/* Permissions live in the leaf; upper levels allow everything. */
			*e = pa | PTE_P | PTE_W;
		}
		t = table(*e);
	}
	return &t[INDEX(va, 0)];
}

void pte_for_each(uint64_t start, uint64_t end, void (*fn)(uint64_t va, pte_t *pte, void *arg),
		  void *arg)
{
	uint64_t va = start;
	while (va < end) {
		pte_t *t = boot_pml4;
		int level = 3;
		for (; level > 0; level--) {
			pte_t e = t[INDEX(va, level)];
			if (!(e & PTE_P) || (e & PTE_PS))
				break; /* nothing to visit, or a huge page: no table */
			t = table(e);
		}
		if (level > 0) {
			/* Skip the whole range the entry at this level covers. */
			uint64_t span = 1ull << (12 + 9 * level);
			va = (va & ~(span - 1)) + span;
			continue;
		}
		/* A leaf table: visit its entries up to its end or the range's. */
		uint64_t table_end = (va & ~((1ull << 21) - 1)) + (1ull << 21);
		uint64_t stop = table_end < end ? table_end : end;
		for (; va < stop; va += PAGE_SIZE) {
			pte_t *pte = &t[INDEX(va, 0)];
			if (*pte & (PTE_P | PTE_SOFT_NONE))
				fn(va, pte, arg);
		}
	}
}

/* The next free address of the MMIO window; owned by ioremap. */
static uint64_t mmio_next = MMIO_BASE;

void *ioremap(uint64_t pa, uint64_t size)
{
	uint64_t first = pa & ~(PAGE_SIZE - 1);
	uint64_t pages = (pa + size - first + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t va = mmio_next;
	for (uint64_t i = 0; i < pages; i++) {
		pte_t *pte = pte_lookup(va + i * PAGE_SIZE, true);
		if (!pte)
			panic("out of memory mapping device registers");
		*pte = (first + i * PAGE_SIZE) | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | PTE_NX;
	}
	mmio_next += pages * PAGE_SIZE;
	return (void *)(va + (pa - first));
}

void tlb_flush_page(uint64_t va)
{
	invlpg(va);
}

void tlb_flush_all(void)
{
	write_cr3(read_cr3());
}
