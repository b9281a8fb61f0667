/*
 * virtio-9p (virtio 1.2, 5.18 "9P transport"): one queue; a request is the
 * T-message (device-readable) and room for the R-message (device-writable).
 * Each device exports one host directory under a mount tag (config space:
 * tag_len[2] then the tag's bytes); fs/ninep mounts it by that tag
 * (fs/ninep/p9_transport.h).
 *
 * Completion: the queue's callback (interrupt context) takes every used
 * request, marks its waiter done and wakes the waiters, so a thread never
 * misses its answer because another thread took it off the ring. Waiting is
 * not interruptible: the host answers every request (9P has Tflush to give
 * one up; this client does not need it), and the buffers must stay put
 * until it does.
 */
#include "core/console.h"
#include "drivers/virtio/virtio.h"
#include "fs/ninep/p9_transport.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "sched/sched.h"

#define VIRTIO_9P_F_MOUNT_TAG 0
#define P9_MAX_CHANNELS 8
#define P9_TAG_MAX 64
#define P9_QUEUE_SIZE 32

struct pending {
	bool done;
	uint32_t len;
};

struct p9_channel {
	struct virtio_device *dev;
	struct virtq *q;
	struct waitq waiters;
	char tag[P9_TAG_MAX];
	size_t tag_len;
};

/* The devices found at boot; owned by this file, filled by probe. */
static struct p9_channel channels[P9_MAX_CHANNELS];
static int n_channels;

static void used(struct virtq *q, void *arg)
{
	struct p9_channel *ch = arg;
	struct pending *p;
	uint32_t len;
	while ((p = virtio_queue_get_used(q, &len))) {
		p->len = len;
		p->done = true;
	}
	sched_wake(&ch->waiters, -1);
}

struct p9_channel *p9_channel_find(const char *tag, size_t len)
{
	for (int i = 0; i < n_channels; i++)
		if (channels[i].tag_len == len && memcmp(channels[i].tag, tag, len) == 0)
			return &channels[i];
	return NULL;
}

int p9_channel_rpc(struct p9_channel *ch, const void *tbuf, size_t tlen, void *rbuf,
		   size_t rcap, uint32_t *rlen)
{
	struct pending p = { false, 0 };
	struct virtio_buf bufs[2] = { { (void *)tbuf, (uint32_t)tlen }, { rbuf, (uint32_t)rcap } };
	/* The client keeps fewer requests in flight than the ring holds. */
	if (virtio_queue_add(ch->q, bufs, 1, 1, &p) < 0)
		return -EIO;
	virtio_queue_kick(ch->q);
	sched_external_waker(+1);
	while (!p.done)
		sched_wait(&ch->waiters, 0, false, "9p", 0);
	sched_external_waker(-1);
	/* A device that claims to have written more than the room it had is
	 * not believed past the buffer's end: the codec reads only within it. */
	*rlen = p.len < rcap ? p.len : (uint32_t)rcap;
	return 0;
}

static int p9_probe(struct virtio_device *dev)
{
	if (n_channels == P9_MAX_CHANNELS) {
		kprintf("virtio: 9p: more than %d volumes; this one is not used\n", P9_MAX_CHANNELS);
		return -ENOSPC;
	}
	struct p9_channel *ch = &channels[n_channels];
	uint16_t tag_len = 0;
	if (virtio_has_feature(dev, VIRTIO_9P_F_MOUNT_TAG))
		virtio_config_read(dev, 0, &tag_len, sizeof(tag_len));
	if (tag_len == 0 || tag_len > P9_TAG_MAX) {
		kprintf("virtio: 9p: a device without a usable mount tag: not used\n");
		return -EINVAL;
	}
	virtio_config_read(dev, 2, ch->tag, tag_len);
	ch->tag_len = tag_len;
	ch->dev = dev;
	ch->q = virtio_queue_setup(dev, 0, P9_QUEUE_SIZE, used, ch);
	if (!ch->q)
		return -ENOMEM;
	n_channels++;
	return 0;
}

VIRTIO_DRIVER(ninep, .device_id = VIRTIO_ID_9P, .probe = p9_probe,
	      .wanted = 1ull << VIRTIO_9P_F_MOUNT_TAG);
