/*
 * virtio 1.x devices: the one public interface of the virtio component
 * (drivers/virtio/), for the device drivers that sit on it (rng and
 * console, net, blk, 9p). The transport is MMIO (QEMU's microvm,
 * Firecracker); a PCI transport would come in behind the same interface.
 *
 * Discovery. virtio_init() reads the `virtio_mmio.device=SIZE@ADDR:IRQ`
 * entries the VMM appends to the kernel command line, checks each device
 * (magic value, version 2 = modern; a legacy version-1 device is reported
 * and skipped) and hands it to the driver declared for its device ID.
 *
 * A driver is declared, not listed by hand:
 *
 *     static int rng_probe(struct virtio_device *dev) { ... }
 *     VIRTIO_DRIVER(rng, .device_id = VIRTIO_ID_RNG, .probe = rng_probe);
 *
 * with, optionally, .wanted (features it uses when offered) and .required
 * (features without which it cannot work; a device that lacks one is
 * reported and left alone). VIRTIO_F_VERSION_1 is always required; the
 * queues do without VIRTIO_F_RING_EVENT_IDX and indirect descriptors (the
 * flags in the rings suppress notifications), so those are never agreed.
 *
 * Probe. The transport has done ACKNOWLEDGE, DRIVER, the feature
 * negotiation and FEATURES_OK before probe runs; dev->features holds what
 * was agreed. probe reads its configuration (virtio_config_read), sets up
 * its queues (virtio_queue_setup), and returns 0; the transport then sets
 * DRIVER_OK. A device takes no requests before DRIVER_OK: a probe that
 * wants to use its queues at once (rng's boot seed, net's first RX buffers
 * can be added before) calls virtio_device_ready(dev) first. A negative
 * errno from probe sets FAILED and the device is left alone; the driver
 * must not keep pointers to it then.
 *
 * Queues (split virtqueues in frames from the frame allocator; addresses
 * given to the device are guest-physical, i.e. virt_to_phys of direct-map or
 * kernel addresses, so buffers must be kmalloc'ed, frame or kernel memory,
 * never app memory and never on a kernel stack that could move):
 *
 *   virtio_queue_add(q, bufs, n_out, n_in, token) posts one request: n_out
 *       buffers the device reads, then n_in it writes. -ENOSPC when the ring
 *       lacks descriptors (wait for used buffers first). token comes back
 *       from virtio_queue_get_used.
 *   virtio_queue_kick(q) tells the device about what was added (skipped while
 *       the device says it polls: VIRTQ_USED_F_NO_NOTIFY).
 *   virtio_queue_get_used(q, &len) takes one finished request: its token and
 *       the bytes the device wrote; NULL when there is none.
 *
 * Completion. The device's interrupt (routed through the IOAPIC) acks the
 * device, calls the queue's callback (if any; it runs in interrupt context,
 * with interrupts off, and may only take used buffers and wake threads) and
 * wakes the threads in virtio_queue_wait. Kernel code runs with interrupts
 * off, so "check for used buffers, then wait" has no lost-wakeup window.
 *   virtio_queue_wait(q, deadline_ns) sleeps the current thread until the
 *       queue has used buffers (0), the deadline passes (-ETIMEDOUT) or a
 *       signal arrives (-EINTR). Only once the scheduler runs.
 *   virtio_queue_poll(q, timeout_ns) spins until used buffers come (0) or
 *       the time is up (-ETIMEDOUT): for boot, before there are threads.
 *   virtio_queue_interrupts(q, on) turns used-buffer interrupts on or off
 *       (VIRTQ_AVAIL_F_NO_INTERRUPT): a driver under load polls with them
 *       off and turns them back on before it sleeps; turning them on returns
 *       true when buffers came meanwhile (take them before sleeping).
 * A buffer belongs to the device from virtio_queue_add until its token comes
 * back from virtio_queue_get_used: a thread that a signal wakes from
 * virtio_queue_wait must leave it in flight (rng.c hands it to the next
 * reader).
 *
 * For the drivers to come (the patterns rng.c and console.c show):
 *   net: post the RX buffers before virtio_device_ready; the RX queue's
 *       callback takes used ones (interrupt context) and wakes the socket
 *       layer's waiters; TX reclaims used buffers before each send and sleeps
 *       only when the ring is full, with interrupts off otherwise (console.c).
 *       MAC and link status: virtio_config_read, config_changed.
 *   blk: one request = header (out), data (out or in), status byte (in);
 *       the thread sleeps in virtio_queue_wait until its token comes back.
 *   9p: one request = the T-message (out) and room for the R-message (in).
 * Queue indices go up to VIRTIO_MAX_QUEUES - 1 (raise it for multiqueue net).
 *
 * Everything here runs with interrupts off (kernel context) except the
 * callbacks, which run in the interrupt handler: so no locks.
 */
#ifndef UPY_DRIVERS_VIRTIO_VIRTIO_H
#define UPY_DRIVERS_VIRTIO_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Device IDs (virtio 1.2, section 5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_9P 9

/* Device-independent feature bits. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_BIT(n) (1ull << (n))

#define VIRTIO_MAX_QUEUES 8

struct virtio_device;
struct virtq;

/* One buffer of a request: kernel memory (see above). */
struct virtio_buf {
	void *addr;
	uint32_t len;
};

typedef void (*virtio_used_fn)(struct virtq *q, void *arg);

struct virtio_driver {
	const char *name;
	uint32_t device_id;
	uint64_t wanted;   /* feature bits the driver uses when the device has them */
	uint64_t required; /* feature bits it cannot do without */
	int (*probe)(struct virtio_device *dev);
	/* The device's configuration changed (e.g. a link went down); may be NULL.
	 * Interrupt context. */
	void (*config_changed)(struct virtio_device *dev);
};

#define VIRTIO_DRIVER(name_, ...)                                                         \
	static const struct virtio_driver virtio_driver_##name_                           \
		__attribute__((used, section(".virtio_drivers"), aligned(8))) = {         \
			.name = #name_,                                                   \
			__VA_ARGS__                                                       \
	}

struct virtio_device {
	const struct virtio_driver *driver;
	uint32_t device_id;
	uint64_t features; /* agreed with the device */
	void *driver_data; /* the driver's own state */
	/* Transport: where the device is. */
	uint64_t base_pa;
	uint32_t irq;
	volatile uint8_t *regs;
	struct virtq *queues[VIRTIO_MAX_QUEUES];
};

/* Finds and starts the devices named on the command line. Called once at
 * boot, after the frame allocator, kmalloc and the clock are up and before
 * the scheduler; reports problems on the console and carries on. verbose:
 * say on the console which devices were found. */
void virtio_init(const char *cmdline, bool verbose);

static inline bool virtio_has_feature(const struct virtio_device *dev, unsigned bit)
{
	return dev->features & VIRTIO_BIT(bit);
}

/* Sets DRIVER_OK and lets the device's interrupt through (done after probe
 * for drivers that do not call it themselves). */
void virtio_device_ready(struct virtio_device *dev);

/* The device-specific configuration space, read consistently (retried while
 * the device's configuration generation changes under us). */
void virtio_config_read(struct virtio_device *dev, uint32_t offset, void *buf, size_t len);
void virtio_config_write(struct virtio_device *dev, uint32_t offset, const void *buf, size_t len);

/* Sets up queue `index` with up to `size` entries (a power of two; the
 * device may offer fewer). cb (may be NULL) runs when the device used
 * buffers. Returns the queue or NULL (reported on the console). */
struct virtq *virtio_queue_setup(struct virtio_device *dev, unsigned index, unsigned size,
				 virtio_used_fn cb, void *cb_arg);

int virtio_queue_add(struct virtq *q, const struct virtio_buf *bufs, unsigned n_out,
		     unsigned n_in, void *token);
void virtio_queue_kick(struct virtq *q);
void *virtio_queue_get_used(struct virtq *q, uint32_t *len);
bool virtio_queue_has_used(struct virtq *q);
bool virtio_queue_interrupts(struct virtq *q, bool on);
int virtio_queue_wait(struct virtq *q, uint64_t deadline_ns);
int virtio_queue_poll(struct virtq *q, uint64_t timeout_ns);
/* How many requests can still be added at most (free descriptors). */
unsigned virtio_queue_free(const struct virtq *q);

#endif
