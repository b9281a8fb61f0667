#include "arch/x86_64/fpu.h"

#include "lib/string.h"

void fpu_init_area(void *area)
{
	/* XSTATE_BV = 0 in the header: every component starts in its init
	 * state on xrstor, except MXCSR, which is always loaded. */
	memset(area, 0, xsave_size);
	uint32_t mxcsr = 0x1f80;
	memcpy((char *)area + 24, &mxcsr, sizeof(mxcsr));
	uint16_t fcw = 0x37f;
	memcpy(area, &fcw, sizeof(fcw));
}
