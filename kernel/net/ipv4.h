/*
 * IPv4 (RFC 791) headers, the Internet checksum (RFC 1071), ICMP (RFC 792:
 * echo, destination unreachable) and UDP (RFC 768) headers: parsing and
 * building, portable (tests/unit/test_ipv4.py). Multi-byte fields are in
 * network order on the wire and in host order in the structs here.
 */
#ifndef UPY_NET_IPV4_H
#define UPY_NET_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPV4_HLEN 20
#define IPPROTO_ICMP 1
#define IPV4_PROTO_UDP 17
#define IPV4_DF 0x4000
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define ICMP_HLEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_PORT_UNREACH 3
#define ICMP_ECHO 8
#define UDP_HLEN 8

/* The one's-complement sum of len bytes added to sum (not folded). */
uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len);
/* The sum of the IPv4 pseudo header (RFC 768, RFC 9293 3.1) of a UDP or
 * TCP segment of len bytes, to add the segment to. */
uint32_t inet_pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t len);
/* Folds a sum to 16 bits and complements it: the checksum to store. */
uint16_t inet_csum_fold(uint32_t sum);

struct ipv4_hdr {
	uint8_t ihl;      /* header length in bytes (20..60) */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag;    /* flags and offset */
	uint8_t ttl;
	uint8_t proto;
	uint8_t src[4], dst[4];
};

/* Why an IPv4 packet was dropped (counted per reason by the stack). */
enum ipv4_drop {
	IPV4_OK = 0,
	IPV4_TRUNCATED,     /* shorter than its header or its total length */
	IPV4_BAD_VERSION,
	IPV4_BAD_IHL,       /* IHL < 5, or options past the end */
	IPV4_BAD_CHECKSUM,
	IPV4_FRAGMENT,      /* a fragment: for reassembly (net/ip_defrag.h) */
	IPV4_N_DROPS
};

/* Checks a received packet (len bytes from the Ethernet payload, which
 * may be padded past total_len): IPV4_OK and the header in *h, or why it
 * must be dropped. The payload is p + h->ihl, h->total_len - h->ihl bytes. */
enum ipv4_drop ipv4_parse(const uint8_t *p, size_t len, struct ipv4_hdr *h);
/* Writes a 20-byte header (no options) with its checksum. */
void ipv4_build(uint8_t *p, const struct ipv4_hdr *h);

struct udp_hdr {
	uint16_t sport, dport, len;
};

/* Checks a UDP datagram (len bytes, the IP payload) against the pseudo
 * header of src/dst: 0 and the header, or -1 (short, a length past the
 * packet, a bad checksum; a zero checksum means none was sent). */
int udp_parse(const uint8_t *p, size_t len, const uint8_t src[4], const uint8_t dst[4],
	      struct udp_hdr *h);
/* udp_parse for a datagram whose checksum the device checked. */
int udp_parse_unchecked(const uint8_t *p, size_t len, struct udp_hdr *h);
/* Writes the 8-byte header in front of the payload at p + UDP_HLEN
 * (payload_len bytes already there) with its checksum. */
void udp_build(uint8_t *p, uint16_t sport, uint16_t dport, size_t payload_len,
	       const uint8_t src[4], const uint8_t dst[4]);

/* Checks an ICMP message's length and checksum: 0, or -1. */
int icmp_check(const uint8_t *p, size_t len);
/* Sets the checksum of the ICMP message at p (len bytes). */
void icmp_finish(uint8_t *p, size_t len);

#endif
