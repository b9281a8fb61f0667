/*
 * virtio-rng (virtio 1.2, 5.4): one queue of buffers the device fills with
 * entropy from the host (QEMU: -device virtio-rng-device). At probe the
 * driver asks for a seed for the kernel's random generator, polling for it
 * (boot runs before the scheduler); the seed never crosses a host command
 * line.
 */
#include "core/console.h"
#include "core/random.h"
#include "drivers/virtio/virtio.h"
#include "lib/string.h"
#include "linux/uapi/errno.h"

#define RNG_SEED_BYTES 64
#define RNG_TIMEOUT_NS 1000000000ull /* QEMU answers in microseconds */

/* The seed buffer: the device writes it, the driver wipes it after use.
 * Owned by rng_probe (boot only). */
static uint8_t seed[RNG_SEED_BYTES];

static int rng_probe(struct virtio_device *dev)
{
	struct virtq *q = virtio_queue_setup(dev, 0, 8, NULL, NULL);
	if (!q)
		return -ENOMEM;
	virtio_device_ready(dev);
	/* The device may hand back fewer bytes than asked for: ask again. */
	size_t got = 0;
	for (int tries = 0; got < RNG_SEED_BYTES && tries < 8; tries++) {
		struct virtio_buf buf = { seed + got, (uint32_t)(RNG_SEED_BYTES - got) };
		int rc = virtio_queue_add(q, &buf, 0, 1, seed);
		if (rc < 0)
			return rc;
		virtio_queue_kick(q);
		if (virtio_queue_poll(q, RNG_TIMEOUT_NS) < 0) {
			kprintf("virtio: rng: the device gave no entropy within a second\n");
			break;
		}
		uint32_t len = 0;
		if (virtio_queue_get_used(q, &len) != seed)
			break;
		got += len;
	}
	if (got)
		random_add_entropy(seed, got, RANDOM_SOURCE_VIRTIO_RNG);
	memset(seed, 0, sizeof(seed));
	return 0;
}

VIRTIO_DRIVER(rng, .device_id = VIRTIO_ID_RNG, .probe = rng_probe);
