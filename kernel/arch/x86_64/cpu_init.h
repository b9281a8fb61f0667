#ifndef UPY_ARCH_CPU_INIT_H
#define UPY_ARCH_CPU_INIT_H

#include <stdint.h>

/* FPU/SSE/AVX with XSAVE as glibc expects them, and the syscall MSRs. */
void cpu_init(void);

/* Bytes of the XSAVE area for the state components the kernel enabled. */
extern uint32_t xsave_size;
extern uint64_t xsave_mask;

#endif
