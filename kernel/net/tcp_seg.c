#include "net/tcp_seg.h"

#include "lib/string.h"
#include "net/ipv4.h"

#define OPT_END 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WSCALE 3
#define OPT_SACK_OK 4
#define OPT_TS 8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The options between p and end; each must lie inside. */
static bool parse_options(const uint8_t *p, const uint8_t *end, struct tcp_hdr *h)
{
	while (p < end) {
		uint8_t kind = p[0];
		if (kind == OPT_END)
			return true;
		if (kind == OPT_NOP) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return false;
		uint8_t len = p[1];
		if (kind == OPT_MSS && len == 4)
			h->mss = get16(p + 2);
		else if (kind == OPT_WSCALE && len == 3)
			h->wscale = (int8_t)(p[2] > 14 ? 14 : p[2]); /* RFC 7323 2.3 */
		else if (kind == OPT_SACK_OK && len == 2)
			h->sack_ok = true;
		else if (kind == OPT_TS && len == 10) {
			h->has_ts = true;
			h->ts_val = get32(p + 2);
			h->ts_ecr = get32(p + 6);
		}
		p += len;
	}
	return true;
}

static enum tcp_drop parse(const uint8_t *p, size_t len, const uint8_t src[4],
			   const uint8_t dst[4], struct tcp_hdr *h, bool verify_checksum);

enum tcp_drop tcp_parse(const uint8_t *p, size_t len, const uint8_t src[4], const uint8_t dst[4],
			struct tcp_hdr *h)
{
	return parse(p, len, src, dst, h, true);
}

enum tcp_drop tcp_parse_unchecked(const uint8_t *p, size_t len, struct tcp_hdr *h)
{
	return parse(p, len, NULL, NULL, h, false);
}

static enum tcp_drop parse(const uint8_t *p, size_t len, const uint8_t src[4],
			   const uint8_t dst[4], struct tcp_hdr *h, bool verify_checksum)
{
	if (len < TCP_HLEN || len > 0xffff)
		return TCP_TRUNCATED;
	size_t hlen = (size_t)(p[12] >> 4) * 4;
	if (hlen < TCP_HLEN)
		return TCP_BAD_OFFSET;
	if (hlen > len)
		return TCP_TRUNCATED;
	if (verify_checksum &&
	    inet_csum_fold(inet_csum_add(inet_pseudo_sum(src, dst, IPV4_PROTO_TCP, len), p, len)) != 0)
		return TCP_BAD_CHECKSUM;
	memset(h, 0, sizeof(*h));
	h->sport = get16(p);
	h->dport = get16(p + 2);
	h->seq = get32(p + 4);
	h->ack = get32(p + 8);
	h->hlen = (uint8_t)hlen;
	h->flags = p[13] & 0x3f;
	h->window = get16(p + 14);
	h->urg = get16(p + 18);
	h->wscale = -1;
	if (!parse_options(p + TCP_HLEN, p + hlen, h))
		return TCP_BAD_OPTION;
	return TCP_OK;
}

size_t tcp_header_len(const struct tcp_hdr *h)
{
	size_t n = TCP_HLEN;
	if (h->mss)
		n += 4;
	if (h->wscale >= 0)
		n += 4; /* NOP + 3 */
	if (h->sack_ok)
		n += 4; /* NOP NOP + 2 */
	if (h->has_ts)
		n += 12; /* NOP NOP + 10 */
	return n;
}

/* The header without its checksum (0); its length. */
static size_t build_header(uint8_t *p, const struct tcp_hdr *h)
{
	size_t hlen = tcp_header_len(h);
	put16(p, h->sport);
	put16(p + 2, h->dport);
	put32(p + 4, h->seq);
	put32(p + 8, h->ack);
	p[12] = (uint8_t)(hlen / 4) << 4;
	p[13] = h->flags;
	put16(p + 14, h->window);
	put16(p + 16, 0);
	put16(p + 18, h->urg);
	uint8_t *o = p + TCP_HLEN;
	if (h->mss) {
		o[0] = OPT_MSS;
		o[1] = 4;
		put16(o + 2, h->mss);
		o += 4;
	}
	if (h->wscale >= 0) {
		o[0] = OPT_NOP;
		o[1] = OPT_WSCALE;
		o[2] = 3;
		o[3] = (uint8_t)h->wscale;
		o += 4;
	}
	if (h->sack_ok) {
		o[0] = o[1] = OPT_NOP;
		o[2] = OPT_SACK_OK;
		o[3] = 2;
		o += 4;
	}
	if (h->has_ts) {
		o[0] = o[1] = OPT_NOP;
		o[2] = OPT_TS;
		o[3] = 10;
		put32(o + 4, h->ts_val);
		put32(o + 8, h->ts_ecr);
	}
	return hlen;
}

void tcp_build(uint8_t *p, const struct tcp_hdr *h, size_t payload_len, const uint8_t src[4],
	       const uint8_t dst[4])
{
	size_t len = build_header(p, h) + payload_len;
	put16(p + 16, inet_csum_fold(inet_csum_add(inet_pseudo_sum(src, dst, IPV4_PROTO_TCP, len), p, len)));
}

void tcp_build_partial(uint8_t *p, const struct tcp_hdr *h, size_t payload_len,
		       const uint8_t src[4], const uint8_t dst[4])
{
	size_t len = build_header(p, h) + payload_len;
	/* The folded pseudo header, not complemented: the device adds the
	 * segment's own sum and complements (virtio 1.2 5.1.6.2). */
	put16(p + 16, (uint16_t)~inet_csum_fold(inet_pseudo_sum(src, dst, IPV4_PROTO_TCP, len)));
}

bool tcp_reset_for(const struct tcp_hdr *in, size_t payload_len, struct tcp_hdr *out)
{
	if (in->flags & TCP_RST)
		return false;
	memset(out, 0, sizeof(*out));
	out->sport = in->dport;
	out->dport = in->sport;
	out->wscale = -1;
	if (in->flags & TCP_ACK) {
		out->seq = in->ack;
		out->flags = TCP_RST;
	} else {
		out->seq = 0;
		out->ack = in->seq + tcp_seg_len(in, payload_len);
		out->flags = TCP_RST | TCP_ACK;
	}
	return true;
}
