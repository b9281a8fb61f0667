/*
 * The virtio-mmio transport (virtio 1.2, 4.2), modern devices (version 2)
 * only: discovery from the command line, the status handshake, feature
 * negotiation, queue setup, notifications and the interrupt. The API is in
 * virtio.h.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/paging.h"
#include "core/clock.h"
#include "core/console.h"
#include "drivers/virtio/features.h"
#include "drivers/virtio/mmio_cmdline.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/vring.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC 0x080
#define REG_QUEUE_DRIVER 0x090
#define REG_QUEUE_DEVICE 0x0a0
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100

#define MAGIC 0x74726976 /* "virt" */

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define STATUS_FAILED 128

#define INTERRUPT_USED 1
#define INTERRUPT_CONFIG 2

#define MAX_DEVICES 32

struct virtq {
	struct vring ring;
	struct virtio_device *dev;
	unsigned index;
	virtio_used_fn cb;
	void *cb_arg;
	struct waitq waiters;
};

/* The devices that are running; written once at boot, read by the
 * interrupt handler. */
static struct virtio_device *devices[MAX_DEVICES];
static unsigned ndevices;

extern const struct virtio_driver __virtio_drivers_start[], __virtio_drivers_end[];

static uint32_t rd(struct virtio_device *dev, uint32_t reg)
{
	return *(volatile uint32_t *)(dev->regs + reg);
}

static void wr(struct virtio_device *dev, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(dev->regs + reg) = v;
}

static void wr64(struct virtio_device *dev, uint32_t reg, uint64_t v)
{
	wr(dev, reg, (uint32_t)v);
	wr(dev, reg + 4, (uint32_t)(v >> 32));
}

static const struct virtio_driver *find_driver(uint32_t device_id)
{
	for (const struct virtio_driver *d = __virtio_drivers_start; d < __virtio_drivers_end; d++)
		if (d->device_id == device_id)
			return d;
	return NULL;
}

static void fail(struct virtio_device *dev, const char *what)
{
	kprintf("virtio: %s device at %#llx: %s; the device is not used\n",
		dev->driver ? dev->driver->name : "a", (unsigned long long)dev->base_pa, what);
	wr(dev, REG_STATUS, rd(dev, REG_STATUS) | STATUS_FAILED);
}

static void set_status(struct virtio_device *dev, uint32_t bits)
{
	wr(dev, REG_STATUS, rd(dev, REG_STATUS) | bits);
}

static uint64_t device_features(struct virtio_device *dev)
{
	wr(dev, REG_DEVICE_FEATURES_SEL, 1);
	uint64_t hi = rd(dev, REG_DEVICE_FEATURES);
	wr(dev, REG_DEVICE_FEATURES_SEL, 0);
	return hi << 32 | rd(dev, REG_DEVICE_FEATURES);
}

void virtio_device_ready(struct virtio_device *dev)
{
	if (rd(dev, REG_STATUS) & STATUS_DRIVER_OK)
		return;
	set_status(dev, STATUS_DRIVER_OK);
	ioapic_unmask(dev->irq);
}

static void virtio_interrupt(struct regs *r)
{
	unsigned gsi = (unsigned)(r->vector - IOAPIC_VECTOR_BASE);
	for (unsigned i = 0; i < ndevices; i++) {
		struct virtio_device *dev = devices[i];
		if (dev->irq != gsi)
			continue;
		/* Ack first, then look at the rings: buffers used after the ack
		 * raise the line again, so none is missed. */
		uint32_t status = rd(dev, REG_INTERRUPT_STATUS);
		if (!status)
			continue;
		wr(dev, REG_INTERRUPT_ACK, status);
		if (status & INTERRUPT_USED) {
			for (unsigned k = 0; k < VIRTIO_MAX_QUEUES; k++) {
				struct virtq *q = dev->queues[k];
				if (!q)
					continue;
				if (q->cb)
					q->cb(q, q->cb_arg);
				if (q->waiters.head && vring_has_used(&q->ring))
					sched_wake(&q->waiters, -1);
			}
		}
		if ((status & INTERRUPT_CONFIG) && dev->driver->config_changed)
			dev->driver->config_changed(dev);
	}
	lapic_eoi();
}

/* Negotiates features and hands the device to its driver. */
static void start_device(struct virtio_device *dev, bool verbose)
{
	wr(dev, REG_STATUS, 0); /* reset */
	set_status(dev, STATUS_ACKNOWLEDGE);
	if (!dev->driver) {
		kprintf("virtio: no driver for device ID %u at %#llx: ignored\n", dev->device_id,
			(unsigned long long)dev->base_pa);
		return;
	}
	set_status(dev, STATUS_DRIVER);

	uint64_t offered = device_features(dev), accepted, missing;
	if (virtio_negotiate(offered, dev->driver->wanted, dev->driver->required, &accepted,
			     &missing) < 0) {
		char why[96];
		if (missing & VIRTIO_BIT(VIRTIO_F_VERSION_1))
			format(why, sizeof(why), "it does not offer VIRTIO_F_VERSION_1 (modern virtio)");
		else
			format(why, sizeof(why), "it lacks features the driver requires (bits %#llx)",
			       (unsigned long long)missing);
		fail(dev, why);
		return;
	}
	wr(dev, REG_DRIVER_FEATURES_SEL, 1);
	wr(dev, REG_DRIVER_FEATURES, (uint32_t)(accepted >> 32));
	wr(dev, REG_DRIVER_FEATURES_SEL, 0);
	wr(dev, REG_DRIVER_FEATURES, (uint32_t)accepted);
	set_status(dev, STATUS_FEATURES_OK);
	if (!(rd(dev, REG_STATUS) & STATUS_FEATURES_OK)) {
		fail(dev, "it did not accept our features");
		return;
	}
	dev->features = accepted;

	int vector = ioapic_route(dev->irq);
	if (vector < 0) {
		char why[64];
		format(why, sizeof(why), ioapic_pins() ? "its IRQ %u is not a pin of the I/O APIC"
						       : "there is no I/O APIC to route its IRQ %u",
		       dev->irq);
		fail(dev, why);
		return;
	}
	if (ndevices == MAX_DEVICES) {
		fail(dev, "too many virtio devices");
		return;
	}
	devices[ndevices++] = dev;
	idt_set_irq_handler((unsigned)vector, virtio_interrupt);

	int rc = dev->driver->probe(dev);
	if (rc < 0) {
		ndevices--;
		fail(dev, errno_message(-rc));
		return;
	}
	virtio_device_ready(dev);
	if (verbose)
		kprintf("virtio: %s (device ID %u) at %#llx, IRQ %u\n", dev->driver->name,
			dev->device_id, (unsigned long long)dev->base_pa, dev->irq);
}

static void probe_entry(const struct virtio_mmio_entry *e, bool verbose)
{
	struct virtio_device *dev = kzalloc(sizeof(*dev));
	if (!dev) {
		kprintf("virtio: out of memory for the device at %#llx\n", (unsigned long long)e->base);
		return;
	}
	dev->base_pa = e->base;
	dev->irq = e->irq;
	dev->regs = ioremap(e->base, e->size);
	uint32_t magic = rd(dev, REG_MAGIC), version = rd(dev, REG_VERSION);
	if (magic != MAGIC) {
		kprintf("virtio: no virtio-mmio device at %#llx (magic value %#x): ignored\n",
			(unsigned long long)e->base, magic);
		kfree(dev);
		return;
	}
	if (version != 2) {
		if (version == 1)
			kprintf("virtio: the device at %#llx is a legacy virtio-mmio device (version 1), "
				"which unipython does not support: ignored (QEMU: -global "
				"virtio-mmio.force-legacy=false)\n", (unsigned long long)e->base);
		else
			kprintf("virtio: the device at %#llx has unknown virtio-mmio version %u: ignored\n",
				(unsigned long long)e->base, version);
		kfree(dev);
		return;
	}
	dev->device_id = rd(dev, REG_DEVICE_ID);
	if (dev->device_id == 0) { /* a transport without a device */
		kfree(dev);
		return;
	}
	dev->driver = find_driver(dev->device_id);
	start_device(dev, verbose);
	/* A device that did not start is left reset-pending; its memory stays,
	 * as a driver may have seen it. */
}

void virtio_init(const char *cmdline, bool verbose)
{
	if (!ioapic_init())
		kprintf("virtio: no I/O APIC: virtio devices cannot interrupt\n");
	size_t len = strlen(cmdline), pos = 0, vlen;
	const char *value;
	while ((value = virtio_mmio_next_entry(cmdline, len, &pos, &vlen))) {
		struct virtio_mmio_entry e;
		const char *why;
		if (virtio_mmio_parse_entry(value, vlen, &e, &why) < 0) {
			kprintf("virtio: ignored a bad virtio_mmio.device=%.*s on the command line: %s\n",
				(int)(vlen > 64 ? 64 : vlen), value, why);
			continue;
		}
		probe_entry(&e, verbose);
	}
}

void virtio_config_read(struct virtio_device *dev, uint32_t offset, void *buf, size_t len)
{
	uint8_t *out = buf;
	uint32_t gen;
	do {
		gen = rd(dev, REG_CONFIG_GENERATION);
		for (size_t i = 0; i < len;) {
			volatile uint8_t *p = dev->regs + REG_CONFIG + offset + i;
			if ((offset + i) % 4 == 0 && len - i >= 4) {
				uint32_t v = *(volatile uint32_t *)p;
				memcpy(out + i, &v, 4);
				i += 4;
			} else if ((offset + i) % 2 == 0 && len - i >= 2) {
				uint16_t v = *(volatile uint16_t *)p;
				memcpy(out + i, &v, 2);
				i += 2;
			} else {
				out[i] = *p;
				i += 1;
			}
		}
	} while (rd(dev, REG_CONFIG_GENERATION) != gen);
}

void virtio_config_write(struct virtio_device *dev, uint32_t offset, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	for (size_t i = 0; i < len;) {
		volatile uint8_t *p = dev->regs + REG_CONFIG + offset + i;
		if ((offset + i) % 4 == 0 && len - i >= 4) {
			uint32_t v;
			memcpy(&v, in + i, 4);
			*(volatile uint32_t *)p = v;
			i += 4;
		} else if ((offset + i) % 2 == 0 && len - i >= 2) {
			uint16_t v;
			memcpy(&v, in + i, 2);
			*(volatile uint16_t *)p = v;
			i += 2;
		} else {
			*p = in[i];
			i += 1;
		}
	}
}

static uint64_t kernel_to_phys(const void *va)
{
	return virt_to_phys(va);
}

struct virtq *virtio_queue_setup(struct virtio_device *dev, unsigned index, unsigned size,
				 virtio_used_fn cb, void *cb_arg)
{
	if (index >= VIRTIO_MAX_QUEUES || dev->queues[index] || !vring_bytes(size)) {
		kprintf("virtio: %s: bad queue %u or size %u\n", dev->driver->name, index, size);
		return NULL;
	}
	wr(dev, REG_QUEUE_SEL, index);
	uint32_t max = rd(dev, REG_QUEUE_NUM_MAX);
	if (max == 0 || rd(dev, REG_QUEUE_READY)) {
		kprintf("virtio: %s: the device has no queue %u\n", dev->driver->name, index);
		return NULL;
	}
	while (size > max)
		size /= 2;
	size_t bytes = vring_bytes(size);
	unsigned order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	struct virtq *q = kzalloc(sizeof(*q));
	void **tokens = kzalloc(size * sizeof(void *));
	uint16_t *chain_len = kzalloc(size * sizeof(uint16_t));
	uint64_t pa = frame_alloc_order(order);
	if (!q || !tokens || !chain_len || !pa) {
		kfree(q);
		kfree(tokens);
		kfree(chain_len);
		if (pa)
			frame_free_order(pa, order);
		kprintf("virtio: %s: out of memory for queue %u\n", dev->driver->name, index);
		return NULL;
	}
	void *mem = phys_to_virt(pa);
	memset(mem, 0, PAGE_SIZE << order);
	vring_init(&q->ring, mem, size, tokens, chain_len, kernel_to_phys);
	q->dev = dev;
	q->index = index;
	q->cb = cb;
	q->cb_arg = cb_arg;

	wr(dev, REG_QUEUE_NUM, size);
	wr64(dev, REG_QUEUE_DESC, vring_desc_pa(&q->ring));
	wr64(dev, REG_QUEUE_DRIVER, vring_avail_pa(&q->ring));
	wr64(dev, REG_QUEUE_DEVICE, vring_used_pa(&q->ring));
	wr(dev, REG_QUEUE_READY, 1);
	dev->queues[index] = q;
	return q;
}

int virtio_queue_add(struct virtq *q, const struct virtio_buf *bufs, unsigned n_out,
		     unsigned n_in, void *token)
{
	return vring_add(&q->ring, bufs, n_out, n_in, token);
}

void virtio_queue_kick(struct virtq *q)
{
	if (vring_kick_needed(&q->ring))
		wr(q->dev, REG_QUEUE_NOTIFY, q->index);
}

void *virtio_queue_get_used(struct virtq *q, uint32_t *len)
{
	void *token = vring_get_used(&q->ring, len);
	if (!token && q->ring.broken) {
		kprintf("virtio: %s: the device returned a buffer it was never given; "
			"the queue is stopped\n", q->dev->driver->name);
		q->ring.broken = false; /* reported once; has_used stays false */
		q->ring.last_used = q->ring.used->idx;
		q->ring.num_free = 0;
	}
	return token;
}

bool virtio_queue_has_used(struct virtq *q)
{
	return vring_has_used(&q->ring);
}

bool virtio_queue_interrupts(struct virtq *q, bool on)
{
	return vring_interrupts(&q->ring, on);
}

unsigned virtio_queue_free(const struct virtq *q)
{
	return q->ring.num_free;
}

int virtio_queue_wait(struct virtq *q, uint64_t deadline_ns)
{
	int rc = 0;
	/* The device is outside the VM: all threads waiting is no deadlock. */
	sched_external_waker(+1);
	while (!vring_has_used(&q->ring) && rc == 0)
		rc = sched_wait(&q->waiters, deadline_ns, true, "virtio", q->index);
	sched_external_waker(-1);
	return rc;
}

int virtio_queue_poll(struct virtq *q, uint64_t timeout_ns)
{
	uint64_t deadline = clock_monotonic_ns() + timeout_ns;
	while (!vring_has_used(&q->ring)) {
		if (clock_monotonic_ns() >= deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}
