#include "core/deadlock.h"

#include "abi/host.h"
#include "arch/x86_64/machine.h"
#include "core/console.h"
#include "core/stats.h"
#include "drivers/console_out.h"

void deadlock_exit(void)
{
	console_out_drain();
	stats_report();
	control_record("deadlock");
	machine_exit(UPY_EXIT_APP);
}
