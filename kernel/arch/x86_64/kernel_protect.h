/* Maps the kernel image with per-part permissions and turns on CR0.WP. */
#ifndef UPY_ARCH_KERNEL_PROTECT_H
#define UPY_ARCH_KERNEL_PROTECT_H

#include <stddef.h>

#include "arch/x86_64/paging.h"

/* Text read-only and executable, rodata read-only, everything else NX; the
 * direct map's alias of text and rodata read-only. Called by paging_init
 * once the direct map exists: nothing writes text or rodata after it. */
void kernel_protect(void);

/* A kernel stack's lowest page (at `stack`, in the direct map) is its guard:
 * unmapped, so that an overflow faults (entry.S reports it) instead of
 * writing what lies below. guard=false maps it back before the stack's
 * frames are freed. */
void kstack_guard(uint64_t stack, bool guard);

/* The stacks in the image itself (the boot stack, the IST stacks) have
 * guard pages too, left unmapped by kernel_protect: the name of the stack
 * whose guard holds va, or NULL. */
const char *image_guard_stack(uint64_t va);

#endif
