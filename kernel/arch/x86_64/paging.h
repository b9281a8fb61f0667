/*
 * x86-64 page tables. There is one address space: the kernel's PML4, whose
 * lower half maps the app (4 KiB pages, filled on demand by mm/fault.c)
 * and whose upper half maps the kernel image and the direct map of RAM.
 */
#ifndef UPY_ARCH_PAGING_H
#define UPY_ARCH_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/boot_info.h"

typedef uint64_t pte_t;

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
/* Software, in a not-present PTE: a PROT_NONE page whose frame is kept. */
#define PTE_SOFT_NONE (1ull << 9)
#define PTE_ADDR 0x000ffffffffff000ull

/* Map all RAM at DIRECT_MAP_BASE and drop the boot identity mapping. */
void paging_init(const struct boot_info *bi);

/* The leaf PTE of an app address; with create, page-table pages are added
 * as needed (NULL when memory runs out). Without create, NULL if absent.
 * NULL, too, for an address inside a huge page (never a 4 KiB leaf). */
pte_t *pte_lookup(uint64_t va, bool create);

/* Calls fn on every leaf PTE in [start, end) of the app's half that holds
 * a frame (present, or PTE_SOFT_NONE); huge pages are skipped. */
void pte_for_each(uint64_t start, uint64_t end, void (*fn)(uint64_t va, pte_t *pte, void *arg),
		  void *arg);

/* Maps device registers at physical pa (uncached) into the kernel's MMIO
 * window; returns their virtual address. */
void *ioremap(uint64_t pa, uint64_t size);

void tlb_flush_page(uint64_t va);
void tlb_flush_all(void);

#endif
