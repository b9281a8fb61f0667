#include "drivers/rtc.h"

#include "arch/x86_64/cpu.h"
#include "lib/civil_time.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static unsigned bcd(uint8_t v, int binary)
{
	return binary ? v : (v & 0x0f) + (v >> 4) * 10;
}

struct rtc_time {
	uint8_t sec, min, hour, day, mon, year, century;
};

static struct rtc_time snapshot(void)
{
	/* Wait out an update in progress so the fields belong together. */
	for (int i = 0; i < 100000 && (cmos(0x0a) & 0x80); i++)
		cpu_relax();
	return (struct rtc_time){ cmos(0x00), cmos(0x02), cmos(0x04), cmos(0x07),
				  cmos(0x08), cmos(0x09), cmos(0x32) };
}

int64_t rtc_read_epoch(void)
{
	struct rtc_time a, b;
	int tries = 0;
	do {
		a = snapshot();
		b = snapshot();
	} while ((a.sec != b.sec || a.min != b.min || a.hour != b.hour || a.day != b.day) &&
		 ++tries < 5);
	uint8_t status_b = cmos(0x0b);
	int binary = status_b & 0x04;
	unsigned hour = bcd(b.hour & 0x7f, binary);
	if (!(status_b & 0x02) && (b.hour & 0x80)) /* 12-hour clock, PM */
		hour = (hour % 12) + 12;
	unsigned century = bcd(b.century, binary);
	if (century < 19 || century > 30)
		century = 20;
	int64_t year = century * 100 + bcd(b.year, binary);
	unsigned mon = bcd(b.mon, binary), day = bcd(b.day, binary);
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return -1;
	return days_from_civil(year, mon, day) * 86400 + hour * 3600 +
	       bcd(b.min, binary) * 60 + bcd(b.sec, binary);
}
