/* Calendar arithmetic (portable; tested on the host). */
#ifndef UPY_LIB_CIVIL_TIME_H
#define UPY_LIB_CIVIL_TIME_H

#include <stdint.h>

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
