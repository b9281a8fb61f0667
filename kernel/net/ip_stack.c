#include "net/ip_stack.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/dhcp.h"
#include "net/dhcp_msg.h"
#include "net/ip_defrag.h"
#include "net/tcp.h"

struct ip_stats ip_stats;

static uint16_t next_id;

static bool in_subnet(const struct ether_dev *d, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++) {
		int bits = d->prefixlen - 8 * i;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		if ((a[i] & mask) != (d->ipv4[i] & mask))
			return false;
	}
	return true;
}

static bool has_address(const struct ether_dev *d)
{
	return d && (d->ipv4[0] | d->ipv4[1] | d->ipv4[2] | d->ipv4[3]);
}

bool ip_local_address(uint8_t out[4])
{
	if (!has_address(ether_eth0))
		return false;
	memcpy(out, ether_eth0->ipv4, 4);
	return true;
}

bool ip_is_local_address(const uint8_t a[4])
{
	return has_address(ether_eth0) && memcmp(a, ether_eth0->ipv4, 4) == 0;
}

static bool is_broadcast(const struct ether_dev *d, const uint8_t a[4])
{
	static const uint8_t all[4] = { 255, 255, 255, 255 };
	if (memcmp(a, all, 4) == 0)
		return true;
	uint8_t b[4];
	struct netdev_addr na = { .prefixlen = d->prefixlen };
	memcpy(na.addr, d->ipv4, 4);
	netdev_v4_broadcast(&na, b);
	return d->prefixlen < 31 && memcmp(a, b, 4) == 0;
}

/* The next hop toward dst, or false for no route. */
static bool next_hop(const struct ether_dev *d, const uint8_t dst[4], uint8_t hop[4])
{
	static const uint8_t all[4] = { 255, 255, 255, 255 };
	if (d && memcmp(dst, all, 4) == 0) {
		memcpy(hop, dst, 4); /* the link's broadcast: a DHCP client has no address yet */
		return true;
	}
	if (!has_address(d) || (dst[0] == 127))
		return false;
	if (in_subnet(d, dst) || is_broadcast(d, dst)) {
		memcpy(hop, dst, 4);
		return true;
	}
	if (!d->has_gateway)
		return false;
	memcpy(hop, d->gateway, 4);
	return true;
}

bool ip_route_ok(const uint8_t dst[4])
{
	uint8_t hop[4];
	return next_hop(ether_eth0, dst, hop);
}

/* Sends the IPv4 packet (or fragment: id and frag as its header says) whose
 * payload (len bytes) sits at frame + ETH_HLEN + IPV4_HLEN; frame is
 * kmalloc'ed and given away. */
static int ip_output_as(struct ether_dev *d, const uint8_t src[4], const uint8_t dst[4],
			uint8_t proto, uint8_t ttl, uint8_t tos, uint16_t id, uint16_t frag,
			uint8_t *frame, size_t len, const struct ether_tx_offload *off)
{
	uint8_t hop[4];
	if (!next_hop(d, dst, hop)) {
		kfree(frame);
		return -ENETUNREACH;
	}
	struct ipv4_hdr h = { .tos = tos, .total_len = (uint16_t)(IPV4_HLEN + len),
			      .id = id, .frag = frag, .ttl = ttl, .proto = proto };
	memcpy(h.src, src, 4);
	memcpy(h.dst, dst, 4);
	ipv4_build(frame + ETH_HLEN, &h);
	size_t flen = ETH_HLEN + IPV4_HLEN + len;
	if (is_broadcast(d, dst)) {
		ether_build(frame, ether_broadcast, d->nd->hwaddr, ETH_P_IP);
		int rc = d->xmit(d, frame, flen, off);
		kfree(frame);
		return rc;
	}
	return neigh_output(d, hop, frame, flen, off);
}

/* A whole packet: DF set, as Linux sets it with path-MTU discovery on. */
static int ip_output(struct ether_dev *d, const uint8_t src[4], const uint8_t dst[4],
		     uint8_t proto, uint8_t ttl, uint8_t tos, uint8_t *frame, size_t len,
		     const struct ether_tx_offload *off)
{
	return ip_output_as(d, src, dst, proto, ttl, tos, next_id++, IPV4_DF, frame, len, off);
}

/* A datagram (len bytes of IP payload at p) larger than the link's MTU, sent
 * as fragments of one IP id, as Linux does for a UDP socket with the default
 * IP_PMTUDISC_WANT: each carries a multiple of 8 bytes but the last, which
 * clears MF. All or nothing: the first fragment that cannot go fails it. */
static int ip_output_fragments(struct ether_dev *d, const uint8_t src[4], const uint8_t dst[4],
			       uint8_t proto, uint8_t ttl, uint8_t tos, const uint8_t *p,
			       size_t len)
{
	size_t mtu = d->nd->mtu < ETH_DATA_LEN ? d->nd->mtu : ETH_DATA_LEN;
	size_t step = (mtu - IPV4_HLEN) & ~(size_t)7;
	uint16_t id = next_id++;
	for (size_t at = 0; at < len; at += step) {
		size_t n = len - at < step ? len - at : step;
		uint8_t *frame = kmalloc(IP_STACK_HEADROOM + n);
		if (!frame)
			return -ENOMEM;
		memcpy(frame + ETH_HLEN + IPV4_HLEN, p + at, n);
		uint16_t frag = (uint16_t)(at / 8) | (at + n < len ? IPV4_MF : 0);
		int rc = ip_output_as(d, src, dst, proto, ttl, tos, id, frag, frame, n, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int ip_send(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint8_t *frame, size_t len)
{
	struct ether_dev *d = ether_eth0;
	if (!d || len > ETH_DATA_LEN - IPV4_HLEN) {
		kfree(frame);
		return d ? -EMSGSIZE : -ENETUNREACH;
	}
	return ip_output(d, src, dst, proto, 64, 0, frame, len, NULL);
}

int ip_send_tcp(const uint8_t src[4], const uint8_t dst[4], uint8_t *frame, size_t len,
		const struct ether_tx_offload *off)
{
	struct ether_dev *d = ether_eth0;
	size_t max = ETH_DATA_LEN - IPV4_HLEN;
	if (d && off && off->gso_mss)
		max = 0xffff - IPV4_HLEN;
	if (!d || len > max) {
		kfree(frame);
		return d ? -EMSGSIZE : -ENETUNREACH;
	}
	return ip_output(d, src, dst, IPV4_PROTO_TCP, 64, 0, frame, len, off);
}

int ip_send_udp(const uint8_t src[4], uint16_t sport, const uint8_t dst[4], uint16_t dport,
		const uint8_t *data, size_t len, uint8_t ttl, uint8_t tos)
{
	struct ether_dev *d = ether_eth0;
	if (!d)
		return -ENETUNREACH;
	if (len > 0xffff - IPV4_HLEN - UDP_HLEN)
		return -EMSGSIZE;
	uint8_t *frame = kmalloc(IP_STACK_HEADROOM + len);
	if (!frame)
		return -ENOMEM;
	uint8_t *udp = frame + ETH_HLEN + IPV4_HLEN;
	memcpy(udp + UDP_HLEN, data, len);
	udp_build(udp, sport, dport, len, src, dst);
	size_t mtu = d->nd->mtu < ETH_DATA_LEN ? d->nd->mtu : ETH_DATA_LEN;
	if (UDP_HLEN + len <= mtu - IPV4_HLEN)
		return ip_output(d, src, dst, IPV4_PROTO_UDP, ttl, tos, frame, UDP_HLEN + len, NULL);
	int rc = ip_output_fragments(d, src, dst, IPV4_PROTO_UDP, ttl, tos, udp, UDP_HLEN + len);
	kfree(frame);
	return rc;
}

/* An ICMP error about the packet `orig` (its header and 8 bytes of
 * payload, RFC 792), or an echo reply. */
static void icmp_send(struct ether_dev *d, const uint8_t dst[4], uint8_t type, uint8_t code,
		      const uint8_t rest[4], const uint8_t *body, size_t body_len)
{
	if (body_len > ETH_DATA_LEN - IPV4_HLEN - ICMP_HLEN)
		return;
	uint8_t *frame = kmalloc(ETH_HLEN + IPV4_HLEN + ICMP_HLEN + body_len);
	if (!frame)
		return;
	uint8_t *icmp = frame + ETH_HLEN + IPV4_HLEN;
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + 4, rest, 4);
	memcpy(icmp + ICMP_HLEN, body, body_len);
	icmp_finish(icmp, ICMP_HLEN + body_len);
	ip_output(d, d->ipv4, dst, IPPROTO_ICMP, 64, 0, frame, ICMP_HLEN + body_len, NULL);
}

static void icmp_input(struct ether_dev *d, const struct ipv4_hdr *h, const uint8_t *p,
		       size_t len, bool broadcast)
{
	if (icmp_check(p, len) < 0) {
		ip_stats.bad_icmp++;
		return;
	}
	if (p[0] == ICMP_ECHO && p[1] == 0 && !broadcast) {
		/* Linux ignores broadcast pings (icmp_echo_ignore_broadcasts). */
		icmp_send(d, h->src, ICMP_ECHO_REPLY, 0, p + 4, p + ICMP_HLEN, len - ICMP_HLEN);
		return;
	}
	if (p[0] == ICMP_DEST_UNREACH && p[1] == ICMP_PORT_UNREACH) {
		/* The offending packet's header and its UDP ports follow. */
		struct ipv4_hdr orig;
		const uint8_t *o = p + ICMP_HLEN;
		size_t olen = len - ICMP_HLEN;
		if (olen < IPV4_HLEN || o[0] >> 4 != 4 || (size_t)(o[0] & 0xf) * 4 + 4 > olen ||
		    (o[0] & 0xf) < 5) {
			ip_stats.bad_icmp++;
			return;
		}
		orig.ihl = (uint8_t)((o[0] & 0xf) * 4);
		if (o[9] != IPV4_PROTO_UDP || !ip_is_local_address(o + 12))
			return;
		const uint8_t *u = o + orig.ihl;
		inet_udp_refused(o + 12, (uint16_t)(u[0] << 8 | u[1]), o + 16,
				 (uint16_t)(u[2] << 8 | u[3]));
	}
}

static void udp_input(struct ether_dev *d, const struct ipv4_hdr *h, const uint8_t *ip,
		      const uint8_t *p, size_t len, bool broadcast)
{
	struct udp_hdr u;
	int rc = d->rx_csum_ok ? udp_parse_unchecked(p, len, &u)
			       : udp_parse(p, len, h->src, h->dst, &u);
	if (rc < 0) {
		ip_stats.bad_udp++;
		return;
	}
	if (u.sport == DHCP_SERVER_PORT && u.dport == DHCP_CLIENT_PORT &&
	    dhcp_input(p + UDP_HLEN, u.len - UDP_HLEN))
		return;
	if (inet_udp_deliver(h->src, u.sport, h->dst, u.dport, p + UDP_HLEN, u.len - UDP_HLEN,
			     h->ttl, h->tos))
		return;
	ip_stats.udp_no_port++;
	if (broadcast)
		return; /* no ICMP errors about broadcasts (RFC 1122 3.2.2) */
	size_t quote = h->ihl + 8 <= h->total_len ? h->ihl + 8u : h->total_len;
	static const uint8_t unused[4];
	icmp_send(d, h->src, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, unused, ip, quote);
}

void ipv4_input(struct ether_dev *d, const uint8_t *p, size_t len)
{
	struct ipv4_hdr h;
	enum ipv4_drop why = ipv4_parse(p, len, &h);
	if (why != IPV4_OK && why != IPV4_FRAGMENT) {
		ip_stats.ipv4_drops[why]++;
		d->stats.rx_dropped++;
		return;
	}
	bool broadcast = is_broadcast(d, h.dst);
	/* A server may send the lease to the address it offers (RFC 2131 4.1). */
	bool lease_for_us = !has_address(d) && h.proto == IPV4_PROTO_UDP &&
			    dhcp_wants_unbound_input();
	if (!broadcast && !ip_is_local_address(h.dst) && !lease_for_us) {
		ip_stats.not_for_us++; /* no forwarding */
		d->stats.rx_dropped++;
		return;
	}
	if (why == IPV4_FRAGMENT) {
		ip_defrag_input(d, p, &h); /* a whole datagram comes back here */
		return;
	}
	const uint8_t *payload = p + h.ihl;
	size_t plen = h.total_len - h.ihl;
	switch (h.proto) {
	case IPPROTO_ICMP:
		icmp_input(d, &h, payload, plen, broadcast);
		break;
	case IPV4_PROTO_UDP:
		udp_input(d, &h, p, payload, plen, broadcast);
		break;
	case IPV4_PROTO_TCP:
		if (broadcast) /* TCP is unicast only (RFC 1122 4.2.3.10) */
			d->stats.rx_dropped++;
		else
			tcp_v4_input(d, &h, payload, plen);
		break;
	default: /* no other protocol on the device */
		d->stats.rx_dropped++;
		break;
	}
}
