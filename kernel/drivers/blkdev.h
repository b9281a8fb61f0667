/*
 * Block devices: what a disk driver (virtio-blk) offers the file systems.
 * Drivers register their devices at boot as "vda", "vdb", ... in the order
 * the VMM lists them; a file system finds one by name.
 *
 * I/O is synchronous and batched: blkdev_submit hands the device up to n
 * requests at once and returns when every one is done, so a journal commit
 * costs one round trip per phase, not one per block. Buffers are kernel
 * memory that the device reads or writes directly (blocks from the frame
 * allocator or kmalloc, never app memory); each one is physically
 * contiguous. The calling thread sleeps meanwhile; requests are never
 * abandoned (a signal does not end the wait: disk I/O is uninterruptible,
 * as Linux's D state).
 *
 * One batch at a time per device: a thread that submits while another
 * thread's batch is in flight (it slept on the device, and this one ran:
 * two threads faulting in pages of the root image) waits until that batch
 * is done. The drivers keep their in-flight state per device, not per
 * caller, and reap every completion the device has: two submitters at once
 * would take each other's completions.
 *
 * Ordering: the device may complete the requests of one batch in any order
 * and keep written data in a volatile cache; BLK_FLUSH returns once every
 * write completed before it is durable. So "A is durable before B is
 * written" means: submit A, then a flush, then B.
 */
#ifndef UPY_DRIVERS_BLKDEV_H
#define UPY_DRIVERS_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/sched.h"

#define BLK_SECTOR 512

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_DISCARD };

struct blk_req {
	enum blk_op op;
	uint64_t sector; /* in 512-byte sectors */
	void *buf;       /* READ/WRITE: len bytes; unused otherwise */
	uint32_t len;    /* bytes (READ/WRITE/DISCARD), a multiple of BLK_SECTOR */
	int status;      /* set by blkdev_submit: 0 or -EIO/-EOPNOTSUPP/-EROFS */
};

struct blkdev {
	char name[8];
	uint64_t sectors;
	bool readonly;
	bool can_flush;   /* a volatile write cache that FLUSH empties */
	bool can_discard;
	bool claimed;     /* holds the root file system: not a disk= disk */
	/* Runs the n requests; returns 0 when all succeeded, else the first
	 * error (each request has its own status). */
	int (*submit)(struct blkdev *dev, struct blk_req *reqs, unsigned n);
	void *priv;
	/* blkdev_submit's: the thread whose batch is in flight, and those
	 * waiting for it to finish. */
	struct thread *submitter;
	struct waitq idle;
};

/* Names the device ("vda", ...) and adds it; -ENOSPC when the table is full. */
int blkdev_register(struct blkdev *dev);
struct blkdev *blkdev_find(const char *name);

int blkdev_submit(struct blkdev *dev, struct blk_req *reqs, unsigned n);
/* One request of len bytes at byte offset off (both multiples of 512). */
int blkdev_read(struct blkdev *dev, uint64_t off, void *buf, uint32_t len);
int blkdev_write(struct blkdev *dev, uint64_t off, const void *buf, uint32_t len);
int blkdev_flush(struct blkdev *dev);

#endif
