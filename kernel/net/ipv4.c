#include "net/ipv4.h"

#include "lib/string.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	for (; len >= 2; p += 2, len -= 2)
		s += get16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t inet_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

enum ipv4_drop ipv4_parse(const uint8_t *p, size_t len, struct ipv4_hdr *h)
{
	if (len < IPV4_HLEN)
		return IPV4_TRUNCATED;
	if (p[0] >> 4 != 4)
		return IPV4_BAD_VERSION;
	h->ihl = (uint8_t)((p[0] & 0xf) * 4);
	if (h->ihl < IPV4_HLEN || h->ihl > len)
		return IPV4_BAD_IHL;
	h->total_len = get16(p + 2);
	if (h->total_len < h->ihl)
		return IPV4_BAD_IHL; /* the options run past the packet's end */
	if (h->total_len > len)
		return IPV4_TRUNCATED;
	if (inet_csum_fold(inet_csum_add(0, p, h->ihl)) != 0)
		return IPV4_BAD_CHECKSUM;
	h->tos = p[1];
	h->id = get16(p + 4);
	h->frag = get16(p + 6);
	h->ttl = p[8];
	h->proto = p[9];
	memcpy(h->src, p + 12, 4);
	memcpy(h->dst, p + 16, 4);
	if (h->frag & (IPV4_MF | IPV4_OFFSET_MASK))
		return IPV4_FRAGMENT;
	return IPV4_OK;
}

void ipv4_build(uint8_t *p, const struct ipv4_hdr *h)
{
	p[0] = 0x45;
	p[1] = h->tos;
	put16(p + 2, h->total_len);
	put16(p + 4, h->id);
	put16(p + 6, h->frag);
	p[8] = h->ttl;
	p[9] = h->proto;
	put16(p + 10, 0);
	memcpy(p + 12, h->src, 4);
	memcpy(p + 16, h->dst, 4);
	put16(p + 10, inet_csum_fold(inet_csum_add(0, p, IPV4_HLEN)));
}

uint32_t inet_pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t len)
{
	uint8_t ph[12];
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return inet_csum_add(0, ph, sizeof(ph));
}

int udp_parse(const uint8_t *p, size_t len, const uint8_t src[4], const uint8_t dst[4],
	      struct udp_hdr *h)
{
	if (udp_parse_unchecked(p, len, h) < 0)
		return -1;
	if (get16(p + 6) != 0 &&
	    inet_csum_fold(inet_csum_add(inet_pseudo_sum(src, dst, IPV4_PROTO_UDP, h->len), p, h->len)) != 0)
		return -1;
	return 0;
}

int udp_parse_unchecked(const uint8_t *p, size_t len, struct udp_hdr *h)
{
	if (len < UDP_HLEN)
		return -1;
	h->sport = get16(p);
	h->dport = get16(p + 2);
	h->len = get16(p + 4);
	if (h->len < UDP_HLEN || h->len > len)
		return -1;
	return 0;
}

void udp_build(uint8_t *p, uint16_t sport, uint16_t dport, size_t payload_len,
	       const uint8_t src[4], const uint8_t dst[4])
{
	size_t len = UDP_HLEN + payload_len;
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)len);
	put16(p + 6, 0);
	uint16_t c = inet_csum_fold(inet_csum_add(inet_pseudo_sum(src, dst, IPV4_PROTO_UDP, len), p, len));
	put16(p + 6, c ? c : 0xffff); /* 0 would mean "no checksum" */
}

int icmp_check(const uint8_t *p, size_t len)
{
	if (len < ICMP_HLEN || inet_csum_fold(inet_csum_add(0, p, len)) != 0)
		return -1;
	return 0;
}

void icmp_finish(uint8_t *p, size_t len)
{
	put16(p + 2, 0);
	put16(p + 2, inet_csum_fold(inet_csum_add(0, p, len)));
}
