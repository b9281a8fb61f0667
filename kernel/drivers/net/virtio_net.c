/*
 * virtio-net (virtio 1.2, 5.1): one receive and one transmit queue, the
 * MAC address from the configuration space (VIRTIO_NET_F_MAC) and the link
 * state (VIRTIO_NET_F_STATUS). No offloads are negotiated: no checksum
 * offload (CSUM, GUEST_CSUM), no TSO/GSO, no mergeable receive buffers, no
 * control queue; every frame is whole in one buffer with the 12-byte
 * virtio_net_hdr (all zero on transmit). The device becomes eth0, with the
 * address the runner put on the command line (net/netconf.h). Part of the
 * networking kernel only (kernel/Makefile's NET_SOURCES).
 */
#include "core/boot_info.h"
#include "core/console.h"
#include "drivers/virtio/virtio.h"
#include "lib/string.h"
#include "linux/uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/ether.h"
#include "net/netconf.h"
#include "net/netdev.h"

#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1

#define CONFIG_MAC 0
#define CONFIG_STATUS 6

#define RX_QUEUE 0
#define TX_QUEUE 1
#define QUEUE_SIZE 128
#define RX_BUFFERS 64 /* posted at once; the rest of the ring stays free */
#define TX_BUFFERS 64

/* With VIRTIO_F_VERSION_1 the header always has num_buffers. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define NET_HDR_LEN sizeof(struct virtio_net_hdr)
/* Without mergeable buffers or GUEST_TSO/UFO a buffer holds a whole frame
 * (5.1.6.3.1: at least 1526 bytes). */
#define BUF_LEN (NET_HDR_LEN + ETH_FRAME_MAX)

struct net_buf {
	struct net_buf *next_free; /* TX: in the free list */
	uint8_t data[BUF_LEN];
};

struct vnet {
	struct virtio_device *vdev;
	struct virtq *rx, *tx;
	struct net_buf *tx_free;
	struct ether_dev eth;
};

static void rx_post(struct vnet *n, struct net_buf *b)
{
	struct virtio_buf vb = { b->data, BUF_LEN };
	if (virtio_queue_add(n->rx, &vb, 0, 1, b) < 0)
		kfree(b); /* cannot happen: RX_BUFFERS < QUEUE_SIZE */
}

static void tx_reclaim(struct vnet *n)
{
	struct net_buf *b;
	uint32_t len;
	while ((b = virtio_queue_get_used(n->tx, &len))) {
		b->next_free = n->tx_free;
		n->tx_free = b;
	}
}

/* Interrupt context (or boot): frames in, handed to the stack, buffers
 * given back to the device. */
static void rx_used(struct virtq *q, void *arg)
{
	struct vnet *n = arg;
	struct net_buf *b;
	uint32_t len;
	bool posted = false;
	while ((b = virtio_queue_get_used(q, &len))) {
		if (len > NET_HDR_LEN) {
			size_t flen = len - NET_HDR_LEN;
			n->eth.stats.rx_frames++;
			n->eth.stats.rx_bytes += flen;
			ether_input(&n->eth, b->data + NET_HDR_LEN, flen);
		} else {
			n->eth.stats.rx_dropped++;
		}
		rx_post(n, b);
		posted = true;
	}
	if (posted)
		virtio_queue_kick(q);
}

static void tx_used(struct virtq *q, void *arg)
{
	tx_reclaim(arg);
}

static int vnet_xmit(struct ether_dev *eth, const void *frame, size_t len)
{
	struct vnet *n = eth->priv;
	if (len < ETH_HLEN || len > ETH_FRAME_MAX)
		return -EINVAL;
	tx_reclaim(n);
	struct net_buf *b = n->tx_free;
	if (!b) {
		eth->stats.tx_dropped++;
		return -ENOBUFS;
	}
	size_t flen = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
	memset(b->data, 0, NET_HDR_LEN);
	memcpy(b->data + NET_HDR_LEN, frame, len);
	memset(b->data + NET_HDR_LEN + len, 0, flen - len);
	struct virtio_buf vb = { b->data, (uint32_t)(NET_HDR_LEN + flen) };
	int rc = virtio_queue_add(n->tx, &vb, 1, 0, b);
	if (rc < 0) {
		eth->stats.tx_dropped++;
		return -ENOBUFS;
	}
	n->tx_free = b->next_free;
	virtio_queue_kick(n->tx);
	eth->stats.tx_frames++;
	eth->stats.tx_bytes += flen;
	return 0;
}

static bool link_up(struct vnet *n)
{
	if (!virtio_has_feature(n->vdev, VIRTIO_NET_F_STATUS))
		return true; /* 5.1.4.2: no status field, the link is up */
	uint16_t status = 0;
	virtio_config_read(n->vdev, CONFIG_STATUS, &status, sizeof(status));
	return status & VIRTIO_NET_S_LINK_UP;
}

static void config_changed(struct virtio_device *vdev)
{
	struct vnet *n = vdev->driver_data;
	bool was_up = n->eth.nd->flags & IFF_LOWER_UP;
	bool up = link_up(n);
	netdev_set_carrier(n->eth.nd, up);
	if (up && !was_up)
		ether_up(&n->eth);
}

/* eth0 and its address (from net= on the command line). */
static int add_interface(struct vnet *n, const uint8_t mac[6])
{
	struct netdev d = {
		.name = "eth0",
		.flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST,
		.type = ARPHRD_ETHER,
		.mtu = ETH_DATA_LEN,
		.txqlen = 1000,
		.addr_len = ETH_ALEN,
		.qdisc = "pfifo_fast",
		.min_mtu = 68, /* Linux's virtio_net: ETH_MIN_MTU .. ETH_MAX_MTU */
		.max_mtu = 65535,
	};
	memcpy(d.hwaddr, mac, ETH_ALEN);
	memset(d.broadcast, 0xff, ETH_ALEN);
	struct net_config conf;
	const char *why = NULL;
	if (net_config_parse(boot_info.cmdline, strlen(boot_info.cmdline), &conf, &why) < 0) {
		kprintf("virtio: net: ignored the command line's net=: %s\n", why);
		conf.present = false;
	}
	n->eth.nd = netdev_add(&d);
	if (!n->eth.nd)
		return -ENOMEM;
	if (conf.present) {
		struct netdev_addr a = { .family = 2, .index = n->eth.nd->index,
					 .prefixlen = conf.prefixlen, .scope = RT_SCOPE_UNIVERSE,
					 .flags = IFA_F_PERMANENT, .label = "eth0" };
		memcpy(a.addr, conf.addr, 4);
		if (netdev_add_addr(&a) < 0)
			return -ENOMEM;
		memcpy(n->eth.ipv4, conf.addr, 4);
		n->eth.prefixlen = conf.prefixlen;
		n->eth.has_gateway = conf.has_gateway;
		memcpy(n->eth.gateway, conf.gateway, 4);
	}
	return 0;
}

static int net_probe(struct virtio_device *vdev)
{
	if (ether_eth0) {
		kprintf("virtio: net: only one network device is supported; this one is not used\n");
		return -EBUSY;
	}
	struct vnet *n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->vdev = vdev;
	n->eth.priv = n;
	n->eth.xmit = vnet_xmit;
	n->rx = virtio_queue_setup(vdev, RX_QUEUE, QUEUE_SIZE, rx_used, n);
	n->tx = virtio_queue_setup(vdev, TX_QUEUE, QUEUE_SIZE, tx_used, n);
	if (!n->rx || !n->tx)
		return -ENOMEM; /* the queues stay with the failed device */
	for (int i = 0; i < TX_BUFFERS; i++) {
		struct net_buf *b = kmalloc(sizeof(*b));
		if (!b)
			return -ENOMEM;
		b->next_free = n->tx_free;
		n->tx_free = b;
	}
	/* Receive buffers go in before DRIVER_OK (5.1.5). */
	for (int i = 0; i < RX_BUFFERS; i++) {
		struct net_buf *b = kmalloc(sizeof(*b));
		if (!b)
			return -ENOMEM;
		rx_post(n, b);
	}
	uint8_t mac[6];
	virtio_config_read(vdev, CONFIG_MAC, mac, sizeof(mac));
	int rc = add_interface(n, mac);
	if (rc < 0)
		return rc;
	vdev->driver_data = n;
	ether_eth0 = &n->eth;
	virtio_device_ready(vdev);
	virtio_queue_kick(n->rx);
	bool up = link_up(n);
	netdev_set_carrier(n->eth.nd, up);
	if (up)
		ether_up(&n->eth);
	return 0;
}

VIRTIO_DRIVER(net, .device_id = VIRTIO_ID_NET,
	      .wanted = VIRTIO_BIT(VIRTIO_NET_F_STATUS),
	      .required = VIRTIO_BIT(VIRTIO_NET_F_MAC),
	      .probe = net_probe, .config_changed = config_changed);
