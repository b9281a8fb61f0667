/*
 * IPv4 fragment reassembly on input (RFC 791 3.2): the fragments of one
 * datagram, keyed by (source, destination, ID, protocol), gather in a
 * buffer with RFC 791's bit table of the 8-byte blocks received, until the
 * whole datagram is there; then it goes to the caller's deliver() as one
 * IPv4 packet that is no fragment.
 *
 * Every fragment comes from a hostile network, so the limits are Linux's
 * (net/ipv4/ip_fragment.c): a datagram of at most 65535 bytes; a memory
 * budget over all pending datagrams (a fragment that would pass it evicts
 * the oldest datagrams first); a time limit per datagram from its first
 * fragment on (ipfrag_time, 30 s), after which timed_out() hears of a
 * datagram that had its first fragment (for ICMP time exceeded, RFC 792);
 * a fragment that overlaps data already received and is no pure duplicate
 * discards the whole datagram (RFC 5722, as Linux for IPv4 since 4.19),
 * while a duplicate is ignored; a last fragment whose end differs from one
 * seen before, or data past the last fragment's end, discards it too.
 *
 * Portable (tests/unit/test_ip_reasm.py, tests/fuzz/ip_reasm.c); the
 * kernel's side (its one reassembler, the timer, ICMP) is net/ip_defrag.c.
 */
#ifndef UPY_NET_IP_REASM_H
#define UPY_NET_IP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ipv4.h"

#define IP_REASM_TIMEOUT_NS (30ull * 1000000000ull) /* Linux's ipfrag_time */
#define IP_REASM_BUDGET (256u * 1024)  /* bytes for all pending datagrams (Linux: 4 MB) */
#define IP_REASM_MAX_LEN 65535u         /* a whole datagram, its header included */
#define IP_REASM_BUCKETS 64

/* The counters of Linux's /proc/net/snmp "Ip:" line, and why datagrams failed. */
struct ip_reasm_stats {
	uint64_t reqds;      /* ReasmReqds: fragments received */
	uint64_t oks;        /* ReasmOKs: datagrams reassembled */
	uint64_t fails;      /* ReasmFails: datagrams (or lone fragments) given up, for any reason */
	uint64_t timeouts;   /* ReasmTimeout: datagrams whose time ran out (in fails too) */
	uint64_t overlaps;   /* fragments overlapping others, not as a duplicate */
	uint64_t bad_length; /* an empty fragment, a second end, data past the end */
	uint64_t too_big;    /* past 65535 bytes */
	uint64_t evicted;    /* made room for newer fragments */
	uint64_t no_memory;
	uint64_t duplicates; /* ignored (not failures) */
};

struct ip_reasm_queue;

struct ip_reasm {
	struct ip_reasm_queue *buckets[IP_REASM_BUCKETS];
	struct ip_reasm_queue *oldest, *newest; /* every queue, by age */
	size_t queues;
	size_t mem;          /* bytes the queues hold, against budget */
	size_t budget;
	uint64_t timeout_ns;
	/* A whole datagram: len bytes of an IPv4 packet (the first fragment's
	 * header, fixed to be no fragment, and the data), valid during the call. */
	void (*deliver)(void *ctx, const uint8_t *packet, size_t len);
	/* A datagram timed out that had its first fragment: that fragment's
	 * header and up to 8 bytes of its data, valid during the call. May be NULL. */
	void (*timed_out)(void *ctx, const uint8_t *quote, size_t len);
	void *ctx;
	struct ip_reasm_stats stats;
};

/* Sets up an empty reassembler (budget 0: IP_REASM_BUDGET; timeout 0:
 * IP_REASM_TIMEOUT_NS). */
void ip_reasm_init(struct ip_reasm *r, size_t budget, uint64_t timeout_ns,
		   void (*deliver)(void *ctx, const uint8_t *packet, size_t len),
		   void (*timed_out)(void *ctx, const uint8_t *quote, size_t len), void *ctx);

/* Takes one fragment received at `now`: the packet p, whose header
 * ipv4_parse checked into *h (h->total_len bytes from p). Queues whose
 * time ran out go first. Calls deliver() when this fragment completes
 * its datagram. */
void ip_reasm_add(struct ip_reasm *r, const struct ipv4_hdr *h, const uint8_t *p, uint64_t now);

/* Drops the queues whose time ran out at `now`, telling timed_out(). */
void ip_reasm_expire(struct ip_reasm *r, uint64_t now);

/* When the oldest queue's time runs out; 0 when there is none. */
uint64_t ip_reasm_deadline(const struct ip_reasm *r);

/* Drops every queue (not counted as failures). */
void ip_reasm_clear(struct ip_reasm *r);

#endif
