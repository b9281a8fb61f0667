/* Saving and restoring the app's extended FPU state (XSAVE). */
#ifndef UPY_ARCH_FPU_H
#define UPY_ARCH_FPU_H

#include <stdint.h>

#include "arch/x86_64/cpu_init.h"

static inline void fpu_save(void *area)
{
	__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)xsave_mask),
			 "d"((uint32_t)(xsave_mask >> 32)) : "memory");
}

static inline void fpu_restore(const void *area)
{
	__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)xsave_mask),
			 "d"((uint32_t)(xsave_mask >> 32)) : "memory");
}

/* Fills an XSAVE area with the state a new process starts with. */
void fpu_init_area(void *area);

#endif
