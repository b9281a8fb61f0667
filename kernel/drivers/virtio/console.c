/*
 * virtio-console (virtio 1.2, 5.3): the app's stdout and stderr as the
 * device's ports named org.unipython.stdout and org.unipython.stderr
 * (QEMU: virtio-serial-device with virtserialport ports of those names;
 * not virtconsole ports, whose output QEMU drops when the host is slow), so
 * the host gets them apart and fast. With VIRTIO_CONSOLE_F_MULTIPORT the
 * control queues announce the ports and their names; a device without it
 * has port 0 only, which then takes both streams. Output only: the app's
 * stdin stays on the control channel (drivers/console_input.c).
 *
 * Each port's output is copied into TX_SLOTS buffers of TX_SLOT_BYTES; a
 * write fills the current buffer, hands it to the device when full (and
 * at the end of each write call), and sleeps for a free one only when all
 * are with the device (the host reads slower than the app writes). Used-
 * buffer interrupts stay off while buffers are free (the writer reclaims
 * them itself) and are turned on only to sleep.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memlayout.h"
#include "core/clock.h"
#include "core/console.h"
#include "drivers/console_out.h"
#include "drivers/virtio/virtio.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"

#define VIRTIO_CONSOLE_F_MULTIPORT 1

#define EV_DEVICE_READY 0
#define EV_DEVICE_ADD 1
#define EV_PORT_READY 3
#define EV_CONSOLE_PORT 4
#define EV_PORT_OPEN 6
#define EV_PORT_NAME 7

#define CONFIG_MAX_NR_PORTS 4 /* offset of max_nr_ports in the configuration */

#define MAX_PORTS 3 /* ids 0..2: port n's transmit queue is 1 (n = 0) or 2n + 3 */
#define NAME_MAX_LEN 32
#define TX_SLOTS 8
#define TX_SLOT_ORDER 3 /* 32 KiB */
#define TX_SLOT_BYTES (PAGE_SIZE << TX_SLOT_ORDER)
#define CONTROL_BUFS 8
#define DRAIN_STALL_NS 5000000000ull /* give up when the host takes nothing for 5 s */

struct control_msg {
	uint32_t id;
	uint16_t event;
	uint16_t value;
};

/* What the device sends: a message, and for PORT_NAME the name after it. */
struct control_in {
	struct control_msg msg;
	char name[NAME_MAX_LEN];
};

struct port {
	struct console_port out; /* first: console_out hands it back */
	struct virtq *tx;
	uint8_t *slot[TX_SLOTS];
	bool with_device[TX_SLOTS];
	int cur;     /* the slot being filled, or -1 */
	size_t fill; /* bytes in it */
};

/* The one device's state; set up at probe, then used by the writers (kernel
 * context, interrupts off) and the control queue's callback. */
static struct {
	struct virtio_device *dev;
	struct virtq *c_in, *c_out;
	struct control_in in_msgs[CONTROL_BUFS];
	struct control_msg out_msg;
	uint32_t nports;
	bool added[MAX_PORTS];
	int stream[MAX_PORTS]; /* CONSOLE_STDOUT/STDERR by the port's name, or -1 */
	struct virtq *tx[MAX_PORTS];
} con;

static void reclaim(struct port *p)
{
	void *token;
	while ((token = virtio_queue_get_used(p->tx, NULL))) {
		for (int i = 0; i < TX_SLOTS; i++)
			if (p->slot[i] == token)
				p->with_device[i] = false;
	}
}

static int free_slot(struct port *p)
{
	for (int i = 0; i < TX_SLOTS; i++)
		if (!p->with_device[i])
			return i;
	return -1;
}

static void post_current(struct port *p)
{
	if (p->cur < 0 || p->fill == 0)
		return;
	struct virtio_buf b = { p->slot[p->cur], (uint32_t)p->fill };
	/* Cannot fail: one descriptor per slot, and the queue has more than TX_SLOTS. */
	if (virtio_queue_add(p->tx, &b, 1, 0, p->slot[p->cur]) == 0)
		p->with_device[p->cur] = true;
	p->cur = -1;
	p->fill = 0;
	virtio_queue_kick(p->tx);
}

static int64_t port_write(struct console_port *cp, const void *buf, size_t len)
{
	struct port *p = (struct port *)cp;
	const uint8_t *src = buf;
	size_t done = 0;
	while (done < len) {
		if (p->cur < 0) {
			reclaim(p);
			int i = free_slot(p);
			if (i < 0) {
				/* All with the device: sleep until it gives one back. */
				if (!virtio_queue_interrupts(p->tx, true)) {
					int rc = virtio_queue_wait(p->tx, 0);
					virtio_queue_interrupts(p->tx, false);
					if (rc < 0)
						return done ? (int64_t)done : rc;
				} else {
					virtio_queue_interrupts(p->tx, false);
				}
				continue;
			}
			p->cur = i;
			p->fill = 0;
		}
		size_t n = len - done;
		if (n > TX_SLOT_BYTES - p->fill)
			n = TX_SLOT_BYTES - p->fill;
		memcpy(p->slot[p->cur] + p->fill, src + done, n);
		p->fill += n;
		done += n;
		if (p->fill == TX_SLOT_BYTES)
			post_current(p);
	}
	return (int64_t)done;
}

static void port_push(struct console_port *cp)
{
	post_current((struct port *)cp);
}

static bool all_back(struct port *p)
{
	for (int i = 0; i < TX_SLOTS; i++)
		if (p->with_device[i])
			return false;
	return true;
}

static void port_drain(struct console_port *cp)
{
	struct port *p = (struct port *)cp;
	post_current(p);
	uint64_t last_progress = clock_monotonic_ns();
	while (!all_back(p)) {
		if (virtio_queue_has_used(p->tx)) {
			reclaim(p);
			last_progress = clock_monotonic_ns();
		} else if (clock_monotonic_ns() - last_progress > DRAIN_STALL_NS) {
			kprintf("virtio: console: the host took no output for 5 s; the rest is lost\n");
			return;
		}
		cpu_relax();
	}
}

/* Sends one control message and waits for the device to take it (boot:
 * QEMU handles control messages as they are notified). */
static void control_send(uint32_t id, uint16_t event, uint16_t value)
{
	con.out_msg = (struct control_msg){ id, event, value };
	struct virtio_buf b = { &con.out_msg, sizeof(con.out_msg) };
	if (virtio_queue_add(con.c_out, &b, 1, 0, &con.out_msg) < 0)
		return;
	virtio_queue_kick(con.c_out);
	if (virtio_queue_poll(con.c_out, 1000000000ull) == 0)
		virtio_queue_get_used(con.c_out, NULL);
}

static void control_post(struct control_in *m)
{
	struct virtio_buf b = { m, sizeof(*m) };
	virtio_queue_add(con.c_in, &b, 0, 1, m);
}

/* The name follows the message, NUL-terminated (QEMU) or not. */
static bool name_is(const struct control_in *m, uint32_t len, const char *name)
{
	size_t n = strlen(name);
	if (len == sizeof(m->msg) + n + 1 && m->name[n] != '\0')
		return false;
	return (len == sizeof(m->msg) + n || len == sizeof(m->msg) + n + 1) &&
	       memcmp(m->name, name, n) == 0;
}

/* Handles the device's control messages; gives their buffers back. */
static void control_receive(bool may_send)
{
	struct control_in *m;
	uint32_t len;
	bool posted = false;
	while ((m = virtio_queue_get_used(con.c_in, &len))) {
		uint32_t id = m->msg.id;
		if (len >= sizeof(m->msg) && id < con.nports) {
			if (m->msg.event == EV_DEVICE_ADD && !con.added[id]) {
				con.added[id] = true;
				if (may_send)
					control_send(id, EV_PORT_READY, 1);
			} else if (m->msg.event == EV_PORT_NAME) {
				if (name_is(m, len, "org.unipython.stdout"))
					con.stream[id] = CONSOLE_STDOUT;
				else if (name_is(m, len, "org.unipython.stderr"))
					con.stream[id] = CONSOLE_STDERR;
			}
		}
		/* CONSOLE_PORT and the host's PORT_OPEN need nothing from us. */
		control_post(m);
		posted = true;
	}
	if (posted)
		virtio_queue_kick(con.c_in);
}

static void control_callback(struct virtq *q, void *arg)
{
	control_receive(false); /* interrupt context: ports come only at boot */
}

static struct port *port_new(struct virtq *tx)
{
	struct port *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->tx = tx;
	virtio_queue_interrupts(p->tx, false);
	for (int i = 0; i < TX_SLOTS; i++) {
		uint64_t pa = frame_alloc_order(TX_SLOT_ORDER);
		if (!pa)
			return NULL;
		p->slot[i] = phys_to_virt(pa);
	}
	p->cur = -1;
	p->out = (struct console_port){ .write = port_write, .push = port_push, .drain = port_drain };
	return p;
}

static bool named(int stream)
{
	for (uint32_t id = 0; id < con.nports; id++)
		if (con.added[id] && con.stream[id] == stream)
			return true;
	return false;
}

/* Until the device has announced and named its ports: it answers
 * DEVICE_READY with a DEVICE_ADD per port, and each PORT_READY with the
 * port's name. Under TCG QEMU answers as each message is notified; with
 * KVM's ioeventfd a little later. The exchange ends when both streams have
 * their port, or stdout has its port and the device has room for no other
 * (port 0 is QEMU's virtconsole's: the runner's ports are 1 and 2), else
 * when the device has been quiet for 2 ms. */
static void handshake(void)
{
	control_send(0, EV_DEVICE_READY, 1);
	uint64_t timeout = 200000000ull; /* for the first answer */
	while (virtio_queue_poll(con.c_in, timeout) == 0) {
		control_receive(true);
		if (named(CONSOLE_STDOUT) && (named(CONSOLE_STDERR) || con.nports <= 2))
			break;
		timeout = 2000000ull;
	}
	for (uint32_t id = 0; id < con.nports; id++)
		if (con.added[id])
			control_send(id, EV_PORT_OPEN, 1);
}

static int console_probe(struct virtio_device *dev)
{
	con.dev = dev;
	bool multiport = virtio_has_feature(dev, VIRTIO_CONSOLE_F_MULTIPORT);
	con.nports = 1;
	for (int id = 0; id < MAX_PORTS; id++)
		con.stream[id] = -1;
	if (multiport) {
		virtio_config_read(dev, CONFIG_MAX_NR_PORTS, &con.nports, sizeof(con.nports));
		if (con.nports > MAX_PORTS)
			con.nports = MAX_PORTS;
		con.c_in = virtio_queue_setup(dev, 2, 16, control_callback, NULL);
		con.c_out = virtio_queue_setup(dev, 3, 16, NULL, NULL);
		if (!con.c_in || !con.c_out)
			return -ENOMEM;
		for (int i = 0; i < CONTROL_BUFS; i++)
			control_post(&con.in_msgs[i]);
	} else {
		con.added[0] = true;
		con.stream[0] = CONSOLE_STDOUT;
	}
	/* Every port's transmit queue before DRIVER_OK; buffers once we know
	 * which ports exist. */
	for (uint32_t id = 0; id < con.nports; id++) {
		con.tx[id] = virtio_queue_setup(dev, id == 0 ? 1 : 2 * id + 3, 16, NULL, NULL);
		if (!con.tx[id])
			return -ENOMEM;
	}
	virtio_device_ready(dev);
	if (multiport) {
		virtio_queue_kick(con.c_in);
		handshake();
	}
	for (uint32_t id = 0; id < con.nports; id++) {
		if (!con.added[id] || con.stream[id] < 0)
			continue;
		struct port *p = port_new(con.tx[id]);
		if (!p)
			return -ENOMEM;
		console_out_set_port((unsigned)con.stream[id], &p->out);
	}
	if (!console_out_has_ports())
		kprintf("virtio: console: no port named org.unipython.stdout or .stderr: not used\n");
	return 0;
}

VIRTIO_DRIVER(console, .device_id = VIRTIO_ID_CONSOLE, .probe = console_probe,
	      .wanted = 1ull << VIRTIO_CONSOLE_F_MULTIPORT);
