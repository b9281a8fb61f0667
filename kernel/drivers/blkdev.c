#include "drivers/blkdev.h"

#include "core/stats.h"
#include "lib/string.h"
#include "sched/thread.h"
#include "uapi/errno.h"

#define MAX_BLKDEVS 8

/* The registered devices, in registration order; owned by this file. */
static struct blkdev *devices[MAX_BLKDEVS];
static unsigned n_devices;

int blkdev_register(struct blkdev *dev)
{
	if (n_devices == MAX_BLKDEVS)
		return -ENOSPC;
	memcpy(dev->name, "vd", 2);
	dev->name[2] = (char)('a' + n_devices);
	dev->name[3] = '\0';
	devices[n_devices++] = dev;
	return 0;
}

struct blkdev *blkdev_find(const char *name)
{
	for (unsigned i = 0; i < n_devices; i++)
		if (strcmp(devices[i]->name, name) == 0)
			return devices[i];
	return NULL;
}

int blkdev_submit(struct blkdev *dev, struct blk_req *reqs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct blk_req *r = &reqs[i];
		uint64_t nsect = r->len / BLK_SECTOR;
		if (r->op == BLK_FLUSH)
			continue;
		if (r->len % BLK_SECTOR || r->sector > dev->sectors || nsect > dev->sectors - r->sector)
			return -EINVAL;
		if (r->op != BLK_READ && dev->readonly)
			return -EROFS;
	}
	if (n == 0)
		return 0;
	/* Not interruptible: the batch in flight ends by itself. */
	if (dev->submitter)
		kstats.blk_waits++;
	while (dev->submitter)
		sched_wait(&dev->idle, 0, false, "blk", 0);
	dev->submitter = current;
	kstats.blk_submits++;
	kstats.blk_requests += n;
	for (unsigned i = 0; i < n; i++)
		kstats.blk_flushes += reqs[i].op == BLK_FLUSH && dev->can_flush;
	int rc = dev->submit(dev, reqs, n);
	dev->submitter = NULL;
	sched_wake(&dev->idle, 1);
	return rc;
}

static int one(struct blkdev *dev, enum blk_op op, uint64_t off, void *buf, uint32_t len)
{
	struct blk_req r = { .op = op, .sector = off / BLK_SECTOR, .buf = buf, .len = len };
	if (off % BLK_SECTOR)
		return -EINVAL;
	return blkdev_submit(dev, &r, 1);
}

int blkdev_read(struct blkdev *dev, uint64_t off, void *buf, uint32_t len)
{
	return one(dev, BLK_READ, off, buf, len);
}

int blkdev_write(struct blkdev *dev, uint64_t off, const void *buf, uint32_t len)
{
	return one(dev, BLK_WRITE, off, (void *)buf, len);
}

int blkdev_flush(struct blkdev *dev)
{
	return dev->can_flush ? one(dev, BLK_FLUSH, 0, NULL, 0) : 0;
}
