#ifndef UPY_MM_PTE_PROT_H
#define UPY_MM_PTE_PROT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/paging.h"
#include "uapi/mman.h"

/* The PTE bits for a page of an area with protection prot. x86 cannot
 * express write-only or exec-only, so any access implies read. A private
 * page that is not yet the mapping's own copy stays read-only (!writable)
 * so the first write copies it. */
static inline pte_t pte_prot(uint32_t prot, bool writable)
{
	pte_t f = PTE_P;
	if (writable && (prot & PROT_WRITE))
		f |= PTE_W;
	if (!(prot & PROT_EXEC))
		f |= PTE_NX;
	return f;
}

#endif
