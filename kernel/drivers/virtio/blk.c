/*
 * virtio-blk (virtio 1.2, 5.2): a disk for drivers/blkdev.h. One queue;
 * each request is a header the device reads, the data (read by the device
 * for a write, written by it for a read) and one status byte it writes.
 * A batch is posted as far as the ring has room, and the submitting
 * thread sleeps in virtio_queue_wait until every request came back.
 *
 * FLUSH is required for a writable disk: without it nothing could be made
 * durable, so such a device is offered read-only (and says so). Discard is
 * used where the device offers it; a read-only device (VIRTIO_BLK_F_RO)
 * takes no writes.
 */
#include "core/console.h"
#include "drivers/blkdev.h"
#include "drivers/virtio/virtio.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_DISCARD 11

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_UNSUPP 2

#define CONFIG_CAPACITY 0
#define QUEUE_SIZE 128
#define MAX_INFLIGHT (QUEUE_SIZE / 3)

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_discard {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* What the device reads and writes besides the data: one slot per request
 * in flight (kmalloc'ed, so the device may address it). */
struct slot {
	struct blk_header hdr;
	struct blk_discard discard;
	uint8_t status;
	struct blk_req *req;
};

struct vblk {
	struct blkdev dev;
	struct virtq *q;
	struct slot *slots; /* MAX_INFLIGHT of them */
};

static int post(struct vblk *b, struct slot *s, struct blk_req *r)
{
	s->req = r;
	s->status = 0xff;
	s->hdr.reserved = 0;
	s->hdr.sector = r->sector;
	struct virtio_buf bufs[3];
	unsigned n_out = 1, n_in = 0;
	bufs[0] = (struct virtio_buf){ &s->hdr, sizeof(s->hdr) };
	switch (r->op) {
	case BLK_READ:
		s->hdr.type = VIRTIO_BLK_T_IN;
		bufs[n_out + n_in++] = (struct virtio_buf){ r->buf, r->len };
		break;
	case BLK_WRITE:
		s->hdr.type = VIRTIO_BLK_T_OUT;
		bufs[n_out++] = (struct virtio_buf){ r->buf, r->len };
		break;
	case BLK_FLUSH:
		s->hdr.type = VIRTIO_BLK_T_FLUSH;
		s->hdr.sector = 0;
		break;
	case BLK_DISCARD:
		s->hdr.type = VIRTIO_BLK_T_DISCARD;
		s->hdr.sector = 0;
		s->discard = (struct blk_discard){ r->sector, r->len / BLK_SECTOR, 0 };
		bufs[n_out++] = (struct virtio_buf){ &s->discard, sizeof(s->discard) };
		break;
	}
	bufs[n_out + n_in++] = (struct virtio_buf){ &s->status, 1 };
	return virtio_queue_add(b->q, bufs, n_out, n_in, s);
}

/* Waits until the device used a request; disk I/O is not interruptible. */
static void wait_used(struct vblk *b)
{
	while (!virtio_queue_has_used(b->q))
		if (virtio_queue_wait(b->q, 0) < 0)
			virtio_queue_poll(b->q, 1000000ull);
}

static int vblk_submit(struct blkdev *dev, struct blk_req *reqs, unsigned n)
{
	struct vblk *b = dev->priv;
	unsigned next = 0, inflight = 0;
	bool free_slot[MAX_INFLIGHT];
	for (unsigned i = 0; i < MAX_INFLIGHT; i++)
		free_slot[i] = true;
	int result = 0;
	while (next < n || inflight) {
		bool posted = false;
		while (next < n && inflight < MAX_INFLIGHT) {
			struct blk_req *r = &reqs[next];
			if ((r->op == BLK_FLUSH && !dev->can_flush) ||
			    (r->op == BLK_DISCARD && !dev->can_discard)) {
				r->status = r->op == BLK_FLUSH ? 0 : -EOPNOTSUPP;
				next++;
				continue;
			}
			unsigned k = 0;
			while (!free_slot[k])
				k++;
			if (post(b, &b->slots[k], r) < 0)
				break; /* the ring is full: take used ones first */
			free_slot[k] = false;
			inflight++;
			next++;
			posted = true;
		}
		if (posted)
			virtio_queue_kick(b->q);
		if (!inflight)
			continue;
		wait_used(b);
		struct slot *s;
		uint32_t len;
		while ((s = virtio_queue_get_used(b->q, &len))) {
			s->req->status = s->status == VIRTIO_BLK_S_OK	     ? 0
					 : s->status == VIRTIO_BLK_S_UNSUPP ? -EOPNOTSUPP
									    : -EIO;
			if (s->req->status && !result)
				result = s->req->status;
			free_slot[s - b->slots] = true;
			inflight--;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (reqs[i].status && !result)
			result = reqs[i].status;
	return result;
}

static int blk_probe(struct virtio_device *vdev)
{
	struct vblk *b = kzalloc(sizeof(*b));
	struct slot *slots = kzalloc(sizeof(struct slot) * MAX_INFLIGHT);
	if (!b || !slots)
		goto nomem;
	b->slots = slots;
	b->q = virtio_queue_setup(vdev, 0, QUEUE_SIZE, NULL, NULL);
	if (!b->q)
		goto nomem;
	virtio_config_read(vdev, CONFIG_CAPACITY, &b->dev.sectors, sizeof(b->dev.sectors));
	b->dev.readonly = virtio_has_feature(vdev, VIRTIO_BLK_F_RO);
	b->dev.can_flush = virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
	b->dev.can_discard = virtio_has_feature(vdev, VIRTIO_BLK_F_DISCARD);
	b->dev.submit = vblk_submit;
	b->dev.priv = b;
	vdev->driver_data = b;
	if (blkdev_register(&b->dev) < 0) {
		kprintf("virtio: blk: too many disks, this one is left out\n");
		return -ENOSPC;
	}
	if (!b->dev.readonly && !b->dev.can_flush) {
		kprintf("virtio: blk: %s has no FLUSH: nothing written could be made durable, so it is read-only\n",
			b->dev.name);
		b->dev.readonly = true;
	}
	return 0;
nomem:
	kfree(b);
	kfree(slots);
	return -ENOMEM;
}

VIRTIO_DRIVER(blk, .device_id = VIRTIO_ID_BLOCK,
	      .wanted = VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
			VIRTIO_BIT(VIRTIO_BLK_F_DISCARD),
	      .probe = blk_probe);
