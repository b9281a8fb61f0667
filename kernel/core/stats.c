#include "core/stats.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "core/boot_info.h"
#include "core/clock.h"
#include "core/console.h"

struct kernel_stats kstats;

void stats_report(void)
{
	uint64_t now = rdtsc();
	control_record("stat tsc_hz %lu", clock_tsc_hz());
	control_record("stat boot_ticks %lu", kstats.user_entry_tsc - boot_info.boot_tsc);
	control_record("stat total_ticks %lu", now - boot_info.boot_tsc);
	/* The boot up to the app's first instruction is kernel time too (less
	 * the halted calibration window, which runs no instructions). */
	uint64_t boot = kstats.user_entry_tsc - boot_info.boot_tsc - tsc_calibration_halted_ticks;
	control_record("stat kernel_ticks %lu",
		       boot + kstats.kernel_tsc + kstats.kernel_entries * STATS_ENTRY_STUB_INSNS);
	control_record("stat idle_ticks %lu", kstats.idle_tsc + tsc_calibration_halted_ticks);
	control_record("stat boot_halted_ticks %lu", tsc_calibration_halted_ticks);
	control_record("stat syscalls %lu", kstats.syscalls);
	control_record("stat page_faults %lu", kstats.page_faults);
	control_record("stat blk_submits %lu", kstats.blk_submits);
	control_record("stat blk_requests %lu", kstats.blk_requests);
	control_record("stat blk_flushes %lu", kstats.blk_flushes);
	control_record("stat blk_waits %lu", kstats.blk_waits);
	control_record("stat p9_requests %lu", kstats.p9_requests);
}
