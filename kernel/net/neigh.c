/*
 * The stack's Ethernet side in the kernel: frames in from the driver, ARP
 * answered and learned, the gateway asked for when the link comes up.
 * There is no IPv4 layer on the device yet: IPv4 and IPv6 frames are
 * counted as dropped (sockets to addresses off loopback still fail with
 * ENETUNREACH, net/inet.c).
 */
#include "core/clock.h"
#include "lib/string.h"
#include "net/arp.h"
#include "net/ether.h"

struct ether_dev *ether_eth0;

static struct arp_cache arp_cache;

static bool is_ours(const struct ether_dev *dev, const uint8_t ip[4])
{
	static const uint8_t none[4];
	return memcmp(dev->ipv4, none, 4) != 0 && memcmp(dev->ipv4, ip, 4) == 0;
}

static void arp_send(struct ether_dev *dev, uint16_t op, const uint8_t dst_mac[6],
		     const uint8_t tha[6], const uint8_t tpa[4])
{
	uint8_t frame[ETH_HLEN + ARP_LEN];
	struct arp_packet a = { .op = op };
	memcpy(a.sha, dev->nd->hwaddr, 6);
	memcpy(a.spa, dev->ipv4, 4);
	memcpy(a.tha, tha, 6);
	memcpy(a.tpa, tpa, 4);
	ether_build(frame, dst_mac, dev->nd->hwaddr, ETH_P_ARP);
	arp_build(frame + ETH_HLEN, &a);
	dev->xmit(dev, frame, sizeof(frame));
}

static void arp_request(struct ether_dev *dev, struct arp_entry *e)
{
	static const uint8_t unknown[6];
	arp_send(dev, ARP_OP_REQUEST, ether_broadcast, unknown, e->ip);
	e->asked++;
}

static void arp_input(struct ether_dev *dev, const uint8_t *p, size_t len)
{
	struct arp_packet a;
	if (arp_parse(p, len, &a) < 0 || (a.sha[0] & 1)) {
		dev->stats.rx_dropped++;
		return;
	}
	uint64_t now = clock_monotonic_ns();
	bool for_us = is_ours(dev, a.tpa);
	/* RFC 826: update a known sender either way; add it when the packet is
	 * for us. A reply for someone else is not ours to learn from. */
	if (!for_us) {
		if (a.op == ARP_OP_REPLY)
			dev->stats.rx_dropped++;
		else
			arp_learn(&arp_cache, a.spa, a.sha, now, false);
		return;
	}
	arp_learn(&arp_cache, a.spa, a.sha, now, true);
	if (a.op == ARP_OP_REQUEST)
		arp_send(dev, ARP_OP_REPLY, a.sha, a.sha, a.spa);
}

void ether_input(struct ether_dev *dev, const uint8_t *frame, size_t len)
{
	uint16_t type;
	int off = ether_parse(frame, len, dev->nd->hwaddr, &type);
	if (off < 0) {
		dev->stats.rx_dropped++;
		return;
	}
	switch (type) {
	case ETH_P_ARP:
		arp_input(dev, frame + off, len - (size_t)off);
		break;
	default: /* IPv4 and IPv6 have no layer on the device yet */
		dev->stats.rx_dropped++;
		break;
	}
}

void ether_up(struct ether_dev *dev)
{
	if (!dev->has_gateway || !memcmp(dev->ipv4, (uint8_t[4]){ 0 }, 4))
		return;
	/* Ask for the gateway at once, as the first packet out will need it. */
	struct arp_entry *e = arp_resolve(&arp_cache, dev->gateway, clock_monotonic_ns());
	if (e && e->state == ARP_INCOMPLETE)
		arp_request(dev, e);
}
