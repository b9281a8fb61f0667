/*
 * TCP segments (RFC 9293 3.1) and the options we speak: MSS, window scale
 * and timestamps (RFC 7323), SACK-permitted (RFC 2018, parsed only).
 * Parsing and building, and sequence-number arithmetic, portable
 * (tests/unit/test_tcp_seg.py). Fields are in host order here.
 */
#ifndef UPY_NET_TCP_SEG_H
#define UPY_NET_TCP_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPV4_PROTO_TCP 6
#define TCP_HLEN 20
#define TCP_OPTS_MAX 40

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hlen;   /* header length in bytes, options included */
	uint8_t flags;  /* TCP_* */
	uint16_t window; /* as on the wire: not scaled */
	uint16_t urg;
	/* Options: received, or to send (a SYN's MSS/wscale/sack_ok). */
	uint16_t mss;   /* 0: none */
	int8_t wscale;  /* -1: none */
	bool sack_ok;
	bool has_ts;
	uint32_t ts_val, ts_ecr;
};

/* Why a segment was dropped. */
enum tcp_drop {
	TCP_OK = 0,
	TCP_TRUNCATED,    /* shorter than 20 bytes, or a data offset past the end */
	TCP_BAD_OFFSET,   /* data offset < 5 */
	TCP_BAD_CHECKSUM,
	TCP_BAD_OPTION,   /* an option running past the header */
	TCP_N_DROPS
};

/* Checks the segment at p (len bytes: the IP payload) against the pseudo
 * header of src/dst: TCP_OK and the header in *h (payload at p + h->hlen),
 * or why it must be dropped. Unknown options are skipped. */
enum tcp_drop tcp_parse(const uint8_t *p, size_t len, const uint8_t src[4], const uint8_t dst[4],
			struct tcp_hdr *h);

/* tcp_parse for a segment whose checksum the device checked (or that its
 * sender left partial for the device to fill, on a virtual wire). */
enum tcp_drop tcp_parse_unchecked(const uint8_t *p, size_t len, struct tcp_hdr *h);

/* The header length tcp_build writes for h (20 + its options, padded). */
size_t tcp_header_len(const struct tcp_hdr *h);
/* Writes h (with the options it names) at p, in front of the payload_len
 * bytes already at p + tcp_header_len(h), and the checksum over both. */
void tcp_build(uint8_t *p, const struct tcp_hdr *h, size_t payload_len, const uint8_t src[4],
	       const uint8_t dst[4]);

/* tcp_build for a device that completes the checksum (checksum offload):
 * the checksum field gets only the pseudo header's sum. */
void tcp_build_partial(uint8_t *p, const struct tcp_hdr *h, size_t payload_len,
		       const uint8_t src[4], const uint8_t dst[4]);

/* The sequence space a segment occupies: its data, and one for SYN and FIN. */
static inline uint32_t tcp_seg_len(const struct tcp_hdr *h, size_t payload_len)
{
	return (uint32_t)payload_len + !!(h->flags & TCP_SYN) + !!(h->flags & TCP_FIN);
}

/* Sequence numbers compare modulo 2^32 (RFC 9293 3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
/* lo <= x < hi, modulo 2^32. */
static inline bool seq_in(uint32_t x, uint32_t lo, uint32_t hi)
{
	return x - lo < hi - lo;
}

/* The RST that answers a segment no connection takes (RFC 9293 3.10.7.1):
 * false when none is due (the segment is itself a RST). */
bool tcp_reset_for(const struct tcp_hdr *in, size_t payload_len, struct tcp_hdr *out);

#endif
