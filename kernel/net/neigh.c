/*
 * The stack's Ethernet side in the kernel: frames in from the driver, ARP
 * answered and learned, the gateway asked for when the link comes up, and
 * IPv4 packets out to their next hop's hardware address. A packet whose
 * next hop is not resolved yet waits in a queue (up to PENDING_MAX of
 * them: glibc's A and AAAA queries leave together before the first ARP
 * reply) and goes when the answer comes; a resolution unanswered after
 * ARP_RETRIES requests fails and drops its packets. Requests are retried
 * when more packets are sent (there is no ARP timer yet). IPv6 frames are
 * dropped and counted (no IPv6 on the device).
 *
 * Runs in the driver's interrupt callback and in system calls; interrupts
 * come only while an app runs or the CPU idles, never in kernel code, so
 * the two never overlap.
 */
#include "core/clock.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/arp.h"
#include "net/ether.h"
#include "net/ip_stack.h"

#define PENDING_MAX 64

struct pending {
	uint8_t *frame; /* NULL: a free slot */
	size_t len;
	bool offloaded;
	struct ether_tx_offload off;
	uint8_t hop[4];
};

static struct pending pending[PENDING_MAX];

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
	dev->xmit(dev, frame, sizeof(frame), NULL);
}

static void arp_request(struct ether_dev *dev, struct arp_entry *e)
{
	static const uint8_t unknown[6];
	arp_send(dev, ARP_OP_REQUEST, ether_broadcast, unknown, e->ip);
	e->asked++;
}

/* Sends the frames waiting for e (resolved) or drops them (failed). */
static void flush_pending(struct ether_dev *dev, const struct arp_entry *e)
{
	for (int i = 0; i < PENDING_MAX; i++) {
		struct pending *q = &pending[i];
		if (!q->frame || memcmp(q->hop, e->ip, 4) != 0)
			continue;
		if (e->state == ARP_REACHABLE) {
			ether_build(q->frame, e->mac, dev->nd->hwaddr, ETH_P_IP);
			dev->xmit(dev, q->frame, q->len, q->offloaded ? &q->off : NULL);
		}
		kfree(q->frame);
		q->frame = NULL;
	}
}

int neigh_output(struct ether_dev *dev, const uint8_t hop[4], uint8_t *frame, size_t len,
		 const struct ether_tx_offload *off)
{
	uint64_t now = clock_monotonic_ns();
	struct arp_entry *e = arp_resolve(&arp_cache, hop, now);
	if (!e) { /* every slot is resolving something */
		kfree(frame);
		return -ENOBUFS;
	}
	if (e->state == ARP_REACHABLE) {
		ether_build(frame, e->mac, dev->nd->hwaddr, ETH_P_IP);
		int rc = dev->xmit(dev, frame, len, off);
		kfree(frame);
		return rc;
	}
	if (e->asked >= ARP_RETRIES && now - e->when >= ARP_RETRY_NS) {
		/* Unanswered: the resolution failed. UDP loses the datagram, as
		 * on Linux; the next send starts again. */
		e->state = ARP_FAILED;
		flush_pending(dev, e);
		kfree(frame);
		return 0;
	}
	struct pending *slot = NULL;
	for (int i = 0; i < PENDING_MAX && !slot; i++)
		if (!pending[i].frame)
			slot = &pending[i];
	if (!slot) {
		ip_stats.arp_queue_full++;
		kfree(frame);
		return -ENOBUFS;
	}
	slot->frame = frame;
	slot->len = len;
	slot->offloaded = off != NULL;
	if (off)
		slot->off = *off;
	memcpy(slot->hop, hop, 4);
	if (e->asked == 0 || now - e->when >= ARP_RETRY_NS) {
		e->when = now;
		arp_request(dev, e);
	}
	return 0;
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
	struct arp_entry *e;
	/* RFC 826: update a known sender either way; add it when the packet is
	 * for us. A reply for someone else is not ours to learn from. */
	if (!for_us) {
		if (a.op == ARP_OP_REPLY)
			dev->stats.rx_dropped++;
		else if ((e = arp_learn(&arp_cache, a.spa, a.sha, now, false)))
			flush_pending(dev, e);
		return;
	}
	if ((e = arp_learn(&arp_cache, a.spa, a.sha, now, true)))
		flush_pending(dev, e);
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
	case ETH_P_IP:
		ipv4_input(dev, frame + off, len - (size_t)off);
		break;
	default: /* IPv6 has no layer on the device yet */
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
