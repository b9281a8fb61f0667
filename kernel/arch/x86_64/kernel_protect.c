/*
 * The kernel's own memory protection. The app runs in ring 0 too, so no
 * page can be hidden from its reads; but with CR0.WP set a ring-0 write to
 * a read-only page faults, and a fetch from an NX page faults. So:
 *   text    read-only, executable
 *   rodata  read-only, not executable
 *   data, bss, the direct map (heap, page tables, stacks): not executable
 * The direct map's alias of the text and rodata is made read-only too, or
 * a stray pointer could write the code through it. The rest of the boot
 * mapping of the image's window (the first GiB of RAM, from boot.S) is
 * dropped: nothing runs from or points into it once paging_init is done.
 */
#include "arch/x86_64/kernel_protect.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/memlayout.h"
#include "core/panic.h"
#include "mm/frame.h"

extern pte_t boot_pml4[512];
extern char __kernel_start[], __rodata_start[], __data_start[], __kernel_end[];
extern char boot_stack[];

#define CR0_WP (1u << 16)
#define INDEX(va, level) (((va) >> (12 + 9 * (level))) & 511)

/* The 4 KiB leaf of a kernel address, splitting the huge page that maps it
 * (if any) into 512 smaller ones with the same permissions. */
static pte_t *kernel_leaf(uint64_t va)
{
	pte_t *t = boot_pml4;
	for (int level = 3; level > 0; level--) {
		pte_t *e = &t[INDEX(va, level)];
		if (!(*e & PTE_P))
			panic("kernel address 0x%lx is not mapped", va);
		if (*e & PTE_PS) {
			uint64_t span = 1ull << (12 + 9 * (level - 1));
			uint64_t base = *e & PTE_ADDR & ~((span << 9) - 1);
			/* The same flags one level down; PS only where the
			 * smaller page is still huge (bit 7 is PAT in a leaf). */
			uint64_t flags = *e & ~PTE_ADDR & ~PTE_PS;
			if (level - 1 > 0)
				flags |= PTE_PS;
			uint64_t pa = frame_alloc_zeroed();
			if (!pa)
				panic("out of memory splitting the kernel's mapping");
			pte_t *sub = phys_to_virt(pa);
			for (unsigned i = 0; i < 512; i++)
				sub[i] = (base + i * span) | flags;
			*e = pa | PTE_P | PTE_W;
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return &t[INDEX(va, 0)];
}

const char *image_guard_stack(uint64_t va)
{
	static const struct {
		const void *guard;
		const char *stack;
	} guards[] = {
		{ boot_stack, "the boot stack" },
		{ ist_stacks.trampoline_guard, "the interrupt stack" },
		{ ist_stacks.fatal_guard, "the fatal-exception stack" },
	};
	for (unsigned i = 0; i < sizeof(guards) / sizeof(guards[0]); i++)
		if (va - (uint64_t)guards[i].guard < PAGE_SIZE)
			return guards[i].stack;
	return NULL;
}

/* What the image's own mapping allows at va (0: nothing mapped). */
static pte_t image_flags(uint64_t va)
{
	if (va < (uint64_t)__kernel_start || va >= (uint64_t)__kernel_end)
		return 0;
	if (image_guard_stack(va))
		return 0;
	if (va < (uint64_t)__rodata_start)
		return PTE_P | PTE_G;
	if (va < (uint64_t)__data_start)
		return PTE_P | PTE_G | PTE_NX;
	return PTE_P | PTE_W | PTE_G | PTE_NX;
}

void kernel_protect(void)
{
	if (!(rdmsr(MSR_EFER) & EFER_NXE))
		panic("EFER.NXE is off: the kernel cannot mark its data non-executable");

	/* The image's window: only the image, each page as its part needs.
	 * The 2 MiB pages around it are split; those beyond it unmapped. */
	uint64_t first = (uint64_t)__kernel_start & ~((1ull << 21) - 1);
	uint64_t last = ((uint64_t)__kernel_end + (1ull << 21) - 1) & ~((1ull << 21) - 1);
	for (uint64_t va = first; va < last; va += PAGE_SIZE) {
		pte_t *pte = kernel_leaf(va);
		pte_t flags = image_flags(va);
		*pte = flags ? (*pte & PTE_ADDR) | flags : 0;
	}
	pte_t *pd = phys_to_virt(boot_pml4[511] & PTE_ADDR); /* the PDPT, really */
	pd = phys_to_virt(pd[INDEX(KERNEL_VIRT_BASE, 2)] & PTE_ADDR);
	for (uint64_t va = KERNEL_VIRT_BASE; va < KERNEL_VIRT_BASE + (1ull << 30); va += 1ull << 21)
		if (va < first || va >= last)
			pd[INDEX(va, 1)] = 0;

	/* The direct map's alias of text and rodata: read-only. */
	for (uint64_t va = (uint64_t)__kernel_start; va < (uint64_t)__data_start; va += PAGE_SIZE)
		*kernel_leaf((uint64_t)phys_to_virt(virt_to_phys((void *)va))) &= ~PTE_W;

	write_cr0(read_cr0() | CR0_WP);
	tlb_flush_all();
}

void kstack_guard(uint64_t stack, bool guard)
{
	pte_t *pte = kernel_leaf(stack);
	uint64_t pa = virt_to_phys((void *)stack);
	*pte = guard ? 0 : pa | PTE_P | PTE_W | PTE_G | PTE_NX;
	tlb_flush_page(stack);
}
