/* The MC146818 CMOS real-time clock: wall time with 1 s resolution. */
#ifndef UPY_DRIVERS_RTC_H
#define UPY_DRIVERS_RTC_H

#include <stdint.h>

/* Seconds since the Unix epoch (the RTC holds UTC), or -1 if unreadable. */
int64_t rtc_read_epoch(void);

#endif
