#include "core/process.h"

#include "abi/host.h"
#include "arch/x86_64/machine.h"
#include "core/boot_step.h"
#include "core/clock.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/stats.h"
#include "drivers/console_out.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "mm/mmap.h"
#include "sched/sched.h"

struct process proc;

void process_init(void)
{
	memset(&proc, 0, sizeof(proc));
	proc.pid = PROCESS_PID;
	proc.start_ns = clock_monotonic_ns();
	proc.umask = 022;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		proc.rlimits[i] = (struct rlimit64){ RLIM_INFINITY, RLIM_INFINITY };
	proc.rlimits[RLIMIT_STACK] = (struct rlimit64){ 8ull << 20, RLIM_INFINITY };
	proc.rlimits[RLIMIT_NOFILE] = (struct rlimit64){ FD_LIMIT_DEFAULT, FD_LIMIT_MAX };
	proc.rlimits[RLIMIT_CORE] = (struct rlimit64){ 0, RLIM_INFINITY };
	proc.rlimits[RLIMIT_NPROC] = (struct rlimit64){ 4096, 4096 };
	proc.rlimits[RLIMIT_SIGPENDING] = (struct rlimit64){ 4096, 4096 };
	proc.rlimits[RLIMIT_MEMLOCK] = (struct rlimit64){ 8ull << 20, 8ull << 20 };
	proc.rlimits[RLIMIT_MSGQUEUE] = (struct rlimit64){ 819200, 819200 };
	proc.fds = fd_table_new();
	if (!proc.fds)
		panic("no memory for the descriptor table");
	mm_setup(&proc.mm);
}

/* As Linux's exit does: the other threads stop and every descriptor is
 * closed (a TCP peer gets its FIN, or an RST for unread data; a pipe's
 * reader sees EOF); then the optional components' exit steps. */
static void release(void)
{
	if (proc.exiting)
		process_park_if_exiting(); /* a second thread ending it: the first goes on */
	proc.exiting = current;
	fd_close_all(proc.fds);
	extern const boot_step_fn __exit_steps_start[], __exit_steps_end[];
	for (const boot_step_fn *step = __exit_steps_start; step < __exit_steps_end; step++)
		(*step)();
}

void process_park_if_exiting(void)
{
	while (proc.exiting && proc.exiting != current)
		sched_wait(NULL, 0, false, "exited", 0);
}

void process_exit(int status)
{
	release();
	vfs_sync_all(true); /* what the app wrote to a disk, with a clean journal */
	console_out_drain();
	stats_report();
	control_record("exit %d", status & 0xff);
	control_drain();
	machine_exit(UPY_EXIT_APP);
}

void process_kill(int signo)
{
	release();
	vfs_sync_all(true);
	console_out_drain();
	stats_report();
	control_record("killed %d", signo);
	control_drain();
	machine_exit(UPY_EXIT_APP);
}
