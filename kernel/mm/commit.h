/*
 * Committed memory: the private writable memory the app has mapped, which
 * the kernel has promised to back with frames. A mapping that could not be
 * backed fails at mmap/brk/mremap/mprotect with ENOMEM (so Python raises
 * MemoryError) instead of the app being killed at a page fault later, as
 * Linux does with vm.overcommit_memory=2. Unlike Linux's strict mode, areas
 * mapped MAP_NORESERVE or MAP_STACK (glibc's thread stacks) and the main
 * stack are not charged: dozens of threads with 8 MiB stacks fit in a small
 * guest because their untouched pages cost nothing. Their touched pages,
 * like tmpfs files and kernel memory, take free frames, which the check
 * below sees.
 */
#ifndef UPY_MM_COMMIT_H
#define UPY_MM_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/vma.h"

/* Whether an area with these prot and flags is charged when it is mapped:
 * private writable memory and shared anonymous memory. A private area
 * made writable later is charged then (mm_protect). */
bool mm_accountable(uint32_t prot, uint32_t vma_flags);
/* Charges `pages` more if the free frames can back them on top of every
 * page already promised but not yet touched, with a reserve left for the
 * kernel; false (nothing charged) otherwise. */
bool mm_commit(struct mm *mm, uint64_t pages);
/* Charges without the check: for pages whose charge is about to be given
 * back by an area that goes (mremap's move). */
void mm_commit_force(struct mm *mm, uint64_t pages);
void mm_uncommit(struct mm *mm, uint64_t pages);
/* The largest mm->committed the free frames could back now (the
 * CommitLimit of /proc/meminfo), in pages. */
uint64_t mm_commit_limit(const struct mm *mm);

#endif
