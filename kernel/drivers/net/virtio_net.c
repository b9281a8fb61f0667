/*
 * virtio-net (virtio 1.2, 5.1): one receive and one transmit queue, the
 * MAC address from the configuration space (VIRTIO_NET_F_MAC) and the link
 * state (VIRTIO_NET_F_STATUS). On receive, the offloads a tap device's
 * host kernel uses: frames whose TCP/UDP checksum the device vouches for
 * (GUEST_CSUM: not summed again here), TCP segments of up to 64 KB that the
 * host did not cut to the MTU (GUEST_TSO4; the stack takes them as one
 * segment), spread over several page-sized buffers (MRG_RXBUF) and joined
 * here. On transmit, TCP checksums left to the device (CSUM) and TCP
 * segments of up to 64 KB that the device cuts to the MSS (HOST_TSO4);
 * such frames go in an allocation of their own, the rest through a pool of
 * MTU-sized buffers. No control queue. The device becomes eth0,
 * with the address the runner put on the command line (net/netconf.h).
 * Part of the networking kernel only (kernel/Makefile's NET_SOURCES).
 */
#include "core/boot_info.h"
#include "core/console.h"
#include "drivers/virtio/virtio.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/ether.h"
#include "net/netconf.h"
#include "net/netdev.h"

#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1 /* checksum left partial by the sender */
#define VIRTIO_NET_HDR_F_DATA_VALID 2 /* checksum checked by the device */
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define GSO_MAX_FRAME (ETH_HLEN + 0xffff) /* an IPv4 datagram's limit */
/* A TSO frame with its header in one 64 KB allocation: the TCP payload
 * left after the largest headers (20 bytes of IP, 60 of TCP). */
#define TSO_MAX (65536 - NET_HDR_LEN - ETH_HLEN - 20 - 60)
#define TX_BIG_MAX 16 /* TSO frames in flight at once (1 MB) */
#define VIRTIO_NET_S_LINK_UP 1

#define CONFIG_MAC 0
#define CONFIG_STATUS 6

#define RX_QUEUE 0
#define TX_QUEUE 1
#define QUEUE_SIZE 128
#define RX_BUFFERS 64 /* posted at once; the rest of the ring stays free */
#define RX_BIG_BUFFERS 16 /* of RX_BIG bytes, for TSO without mergeable buffers */
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
/* A transmit buffer holds a whole frame. */
#define BUF_LEN (NET_HDR_LEN + ETH_FRAME_MAX)
/* A receive buffer is a page: a whole frame of the MTU, or one part of a
 * 64 KB segment with mergeable buffers. Without them, a device that sends
 * such segments needs buffers for a whole one (5.1.6.3.1). */
#define RX_PAGE 4096
#define RX_BIG (NET_HDR_LEN + GSO_MAX_FRAME)

struct net_buf {
	struct net_buf *next_free; /* TX: in the free list */
	uint8_t data[BUF_LEN];
};

struct vnet {
	struct virtio_device *vdev;
	struct virtq *rx, *tx;
	struct net_buf *tx_free;
	size_t rx_len; /* each receive buffer's size */
	int tx_big;    /* TSO frames in flight (own allocations) */
	bool mergeable;
	struct ether_dev eth;
};

static void rx_post(struct vnet *n, uint8_t *b)
{
	struct virtio_buf vb = { b, (uint32_t)n->rx_len };
	if (virtio_queue_add(n->rx, &vb, 0, 1, b) < 0)
		kfree(b); /* cannot happen: RX_BUFFERS < QUEUE_SIZE */
}

static void tx_reclaim(struct vnet *n)
{
	struct net_buf *b;
	uint32_t len;
	while ((b = virtio_queue_get_used(n->tx, &len))) {
		if ((uintptr_t)b & 1) { /* a TSO frame's own allocation */
			kfree((void *)((uintptr_t)b & ~(uintptr_t)1));
			n->tx_big--;
			continue;
		}
		b->next_free = n->tx_free;
		n->tx_free = b;
	}
}

/* The rest of a frame that came in num_buffers > 1 buffers (5.1.6.4.2),
 * joined after its first part (len bytes at first) in one allocation; the
 * parts' buffers go back to the device. NULL (and the frame dropped) when a
 * part is missing or does not fit an IPv4 datagram. */
static uint8_t *rx_join(struct vnet *n, const uint8_t *first, size_t len, unsigned parts,
			size_t *total)
{
	uint8_t *frame = kmalloc(GSO_MAX_FRAME);
	if (frame)
		memcpy(frame, first, len);
	bool ok = frame != NULL;
	for (unsigned i = 1; i < parts; i++) {
		uint32_t plen;
		uint8_t *b = virtio_queue_get_used(n->rx, &plen);
		if (!b) {
			ok = false; /* the device broke 5.1.6.4.2: the rest never came */
			break;
		}
		if (ok && plen <= n->rx_len && len + plen <= GSO_MAX_FRAME) {
			memcpy(frame + len, b, plen);
			len += plen;
		} else {
			ok = false;
		}
		rx_post(n, b);
	}
	if (!ok) {
		kfree(frame);
		return NULL;
	}
	*total = len;
	return frame;
}

/* Interrupt context (or boot): frames in, handed to the stack, buffers
 * given back to the device. */
static void rx_used(struct virtq *q, void *arg)
{
	struct vnet *n = arg;
	uint8_t *b;
	uint32_t len;
	bool posted = false;
	while ((b = virtio_queue_get_used(q, &len))) {
		struct virtio_net_hdr hdr;
		if (len <= NET_HDR_LEN || len > n->rx_len) {
			n->eth.stats.rx_dropped++;
			rx_post(n, b);
			posted = true;
			continue;
		}
		memcpy(&hdr, b, sizeof(hdr));
		const uint8_t *frame = b + NET_HDR_LEN;
		size_t flen = len - NET_HDR_LEN;
		uint8_t *joined = NULL;
		if (n->mergeable && hdr.num_buffers > 1) {
			joined = rx_join(n, frame, flen, hdr.num_buffers, &flen);
			if (!joined) {
				n->eth.stats.rx_dropped++;
				rx_post(n, b);
				posted = true;
				continue;
			}
			frame = joined;
		}
		n->eth.stats.rx_frames++;
		n->eth.stats.rx_bytes += flen;
		n->eth.rx_csum_ok = hdr.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID);
		ether_input(&n->eth, frame, flen);
		n->eth.rx_csum_ok = false;
		kfree(joined);
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

/* The header for a TCP/IPv4 frame the stack left partial (5.1.6.2). */
static void offload_header(struct virtio_net_hdr *hdr, const uint8_t *frame, size_t len,
			   const struct ether_tx_offload *off)
{
	size_t ihl = (size_t)(frame[ETH_HLEN] & 0xf) * 4;
	size_t thl = ETH_HLEN + ihl + 13 <= len ? (size_t)(frame[ETH_HLEN + ihl + 12] >> 4) * 4 : 0;
	hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr->csum_start = (uint16_t)(ETH_HLEN + ihl);
	hdr->csum_offset = 16; /* TCP's checksum field */
	if (off->gso_mss) {
		hdr->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		hdr->gso_size = off->gso_mss;
		hdr->hdr_len = (uint16_t)(ETH_HLEN + ihl + thl);
	}
}

static int vnet_xmit(struct ether_dev *eth, const void *frame, size_t len,
		     const struct ether_tx_offload *off)
{
	struct vnet *n = eth->priv;
	bool tso = off && off->gso_mss && eth->tso_max;
	if (len < ETH_HLEN || len > (tso ? 65536 - NET_HDR_LEN : ETH_FRAME_MAX) ||
	    (off && off->tcp_csum && (!eth->tx_csum || len < ETH_HLEN + 20 + 20)))
		return -EINVAL;
	tx_reclaim(n);
	struct virtio_net_hdr hdr = { 0 };
	if (off && off->tcp_csum)
		offload_header(&hdr, frame, len, off);
	uint8_t *data;
	void *token;
	size_t flen = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
	struct net_buf *b = NULL;
	if (flen <= ETH_FRAME_MAX) {
		b = n->tx_free;
		if (!b) {
			eth->stats.tx_dropped++;
			return -ENOBUFS;
		}
		data = b->data;
		token = b;
	} else {
		if (n->tx_big >= TX_BIG_MAX || !(data = kmalloc(NET_HDR_LEN + flen))) {
			eth->stats.tx_dropped++;
			return -ENOBUFS;
		}
		token = (void *)((uintptr_t)data | 1);
	}
	memcpy(data, &hdr, NET_HDR_LEN);
	memcpy(data + NET_HDR_LEN, frame, len);
	memset(data + NET_HDR_LEN + len, 0, flen - len);
	struct virtio_buf vb = { data, (uint32_t)(NET_HDR_LEN + flen) };
	if (virtio_queue_add(n->tx, &vb, 1, 0, token) < 0) {
		if (!b)
			kfree(data);
		eth->stats.tx_dropped++;
		return -ENOBUFS;
	}
	if (b)
		n->tx_free = b->next_free;
	else
		n->tx_big++;
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
	n->eth.dhcp = conf.dhcp;
	n->eth.n_dns = conf.n_dns;
	memcpy(n->eth.dns, conf.dns, sizeof(conf.dns));
	if (conf.present && !conf.dhcp) {
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
	n->mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
	bool big = virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_TSO4) && !n->mergeable;
	n->rx_len = big ? RX_BIG : RX_PAGE;
	for (int i = 0; i < (big ? RX_BIG_BUFFERS : RX_BUFFERS); i++) {
		uint8_t *b = kmalloc(n->rx_len);
		if (!b)
			return -ENOMEM;
		rx_post(n, b);
	}
	n->eth.tx_csum = virtio_has_feature(vdev, VIRTIO_NET_F_CSUM);
	if (n->eth.tx_csum && virtio_has_feature(vdev, VIRTIO_NET_F_HOST_TSO4))
		n->eth.tso_max = TSO_MAX;
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
	      .wanted = VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
			VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |
			VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4),
	      .required = VIRTIO_BIT(VIRTIO_NET_F_MAC),
	      .probe = net_probe, .config_changed = config_changed);
