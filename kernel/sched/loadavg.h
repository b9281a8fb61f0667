/* Load averages over 1, 5 and 15 minutes, in Linux's fixed point. */
#ifndef UPY_SCHED_LOADAVG_H
#define UPY_SCHED_LOADAVG_H

#include <stdint.h>

#define LOAD_FSHIFT 11
#define LOAD_FIXED_1 ((uint64_t)1 << LOAD_FSHIFT)

void loadavg_get(uint64_t out[3]);

#endif
