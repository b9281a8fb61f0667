/*
 * virtio-rng (virtio 1.2, 5.4): one queue of buffers the device fills with
 * entropy from the host (QEMU: -device virtio-rng-device). At probe the
 * driver asks for a seed for the kernel's random generator, polling for it
 * (boot runs before the scheduler); the seed never crosses a host command
 * line. Afterwards the device is /dev/hwrng (drivers/hwrng.h): a reader
 * sleeps until the device's interrupt says its buffer is filled.
 */
#include "core/console.h"
#include "core/random.h"
#include "drivers/hwrng.h"
#include "drivers/virtio/virtio.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "sched/sched.h"

#define RNG_BUF_BYTES 64
#define RNG_SEED_TIMEOUT_NS 1000000000ull /* QEMU answers in microseconds */

/* The device and its one request buffer; owned by this file. One request
 * is in flight at a time: `busy` passes the buffer from reader to reader
 * (readers sleep, so others may come meanwhile), and a request a signal
 * left in flight is picked up by the next reader. */
static struct {
	struct virtq *q;
	uint8_t buf[RNG_BUF_BYTES];
	bool in_flight;
	bool busy;
	struct waitq turn;
} rng;

static void post(size_t len)
{
	if (rng.in_flight)
		return;
	struct virtio_buf b = { rng.buf, (uint32_t)len };
	if (virtio_queue_add(rng.q, &b, 0, 1, rng.buf) == 0) {
		rng.in_flight = true;
		virtio_queue_kick(rng.q);
	}
}

/* The bytes of the finished request, copied to out (at most len). */
static size_t take(void *out, size_t len)
{
	uint32_t n = 0;
	if (virtio_queue_get_used(rng.q, &n) != rng.buf)
		return 0;
	rng.in_flight = false;
	size_t k = n < len ? n : len;
	memcpy(out, rng.buf, k);
	memset(rng.buf, 0, sizeof(rng.buf));
	return k;
}

static int64_t rng_read(void *out, size_t len, bool nonblock)
{
	while (rng.busy) {
		if (nonblock)
			return -EAGAIN;
		int rc = sched_wait(&rng.turn, 0, true, "hwrng", 0);
		if (rc < 0)
			return rc;
	}
	rng.busy = true;
	if (len > RNG_BUF_BYTES)
		len = RNG_BUF_BYTES;
	int64_t result;
	for (;;) {
		post(len);
		if (!rng.in_flight) {
			result = -EIO; /* the queue is stopped */
			break;
		}
		if (virtio_queue_has_used(rng.q)) {
			size_t n = take(out, len);
			if (n) {
				result = (int64_t)n;
				break;
			}
			continue; /* an empty answer: ask again */
		}
		if (nonblock) {
			result = -EAGAIN;
			break;
		}
		int rc = virtio_queue_wait(rng.q, 0);
		if (rc < 0) {
			result = rc;
			break;
		}
	}
	rng.busy = false;
	sched_wake(&rng.turn, 1);
	return result;
}

static const struct hwrng virtio_hwrng = { .name = "virtio_rng", .read = rng_read };

static int rng_probe(struct virtio_device *dev)
{
	rng.q = virtio_queue_setup(dev, 0, 8, NULL, NULL);
	if (!rng.q)
		return -ENOMEM;
	virtio_device_ready(dev);
	/* The seed: the device may hand back fewer bytes than asked for. */
	uint8_t seed[RNG_BUF_BYTES];
	size_t got = 0;
	for (int tries = 0; got < sizeof(seed) && tries < 8; tries++) {
		post(sizeof(seed) - got);
		if (virtio_queue_poll(rng.q, RNG_SEED_TIMEOUT_NS) < 0) {
			kprintf("virtio: rng: the device gave no entropy within a second\n");
			break;
		}
		got += take(seed + got, sizeof(seed) - got);
	}
	if (got)
		random_add_entropy(seed, got, RANDOM_SOURCE_VIRTIO_RNG);
	memset(seed, 0, sizeof(seed));
	hwrng_register(&virtio_hwrng);
	return 0;
}

VIRTIO_DRIVER(rng, .device_id = VIRTIO_ID_RNG, .probe = rng_probe);
