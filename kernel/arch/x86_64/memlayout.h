/*
 * The virtual address space. The app owns the lower half, as on Linux
 * (Debian's python3.11 is not PIE and must sit at 0x400000). The kernel
 * lives in the higher half: its image at KERNEL_VIRT_BASE and all of RAM
 * mapped once more at DIRECT_MAP_BASE.
 */
#ifndef UPY_ARCH_MEMLAYOUT_H
#define UPY_ARCH_MEMLAYOUT_H

#define KERNEL_VIRT_BASE 0xffffffff80000000
#define KERNEL_PHYS_BASE 0x100000
#define DIRECT_MAP_BASE 0xffff800000000000
#define MMIO_BASE 0xffffc00000000000 /* device registers, mapped uncached */

#define USER_TOP 0x00007ffffffff000 /* first address above the app's space */
#define USER_STACK_TOP USER_TOP
#define USER_STACK_MAX (8ul << 20)   /* RLIMIT_STACK soft limit */

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t a = (uint64_t)va;
	if (a >= KERNEL_VIRT_BASE)
		return a - KERNEL_VIRT_BASE;
	return a - DIRECT_MAP_BASE;
}

static inline int is_user_address(uint64_t a)
{
	return a < USER_TOP;
}
#endif

#endif
