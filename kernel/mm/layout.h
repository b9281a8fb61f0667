/*
 * Where the app's address space puts things, randomized as Linux does for
 * randomize_va_space=2 (ASLR): the stack top, the mmap base (so ld.so and
 * every library), the brk start and a PIE program's load base, each from
 * the kernel's random numbers (core/random.h). The norandmaps=1 boot token
 * (`unipython run --no-aslr`, like Linux's norandmaps and setarch -R) keeps
 * every one at its fixed place, for reproducible debugging.
 */
#ifndef UPY_MM_LAYOUT_H
#define UPY_MM_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/vma.h"

/* Set once at boot from the command line, before the first exec. */
void layout_set_randomize(bool randomize);
bool layout_randomizes(void);

/* Picks mm's stack top and mmap base for a new program (stack_max: its
 * RLIMIT_STACK, which the mmap base stays clear of). */
void layout_pick(struct mm *mm, uint64_t stack_max);
/* The initial stack pointer's offset below the stack top: Linux's
 * arch_align_stack, up to 8 KiB, 16-byte aligned. */
uint64_t layout_stack_offset(void);
/* The brk heap's start for a program whose last segment ends at end. */
uint64_t layout_brk_start(uint64_t end);
/* Where a PIE program's lowest address goes (Linux's ELF_ET_DYN_BASE,
 * 0x555555554000 without randomization). */
uint64_t layout_pie_base(void);

#endif
