/*
 * Run statistics reported to the host on exit (control records "stat"):
 * TSC ticks from the first instruction to the app's first instruction and
 * to exit, and the ticks spent in the kernel (the boot included). Under
 * QEMU -icount shift=0
 * one tick is one guest instruction, so these become instruction counts.
 */
#ifndef UPY_CORE_STATS_H
#define UPY_CORE_STATS_H

#include <stdint.h>

struct kernel_stats {
	uint64_t user_entry_tsc; /* when the first app instruction ran */
	uint64_t kernel_tsc;     /* spent in the kernel after that */
	uint64_t idle_tsc;       /* halted, waiting for an interrupt */
	uint64_t kernel_entries; /* syscalls, faults and interrupts counted */
	uint64_t syscalls;
	uint64_t page_faults;
	uint64_t blk_submits;  /* batches handed to a block device (each waited for) */
	uint64_t blk_requests; /* the requests in them */
	uint64_t blk_flushes;  /* of them FLUSH (the host's fdatasync) */
	uint64_t blk_waits;    /* batches that waited for another thread's on the device */
	uint64_t p9_requests;  /* 9P round trips to a volume's host */
};

extern struct kernel_stats kstats;

/* The entry and exit stubs in entry.S run this many instructions outside
 * the C code the accounting brackets (counted from the listing). */
#define STATS_ENTRY_STUB_INSNS 43

void stats_report(void);

#endif
