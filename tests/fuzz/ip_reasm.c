/*
 * libFuzzer harness for IPv4 reassembly (net/ip_reasm.c) under a hostile
 * network. The input is a script: fragments of four datagrams with any
 * offset, length, MF flag, header options and either the datagram's true
 * bytes or lies; raw packets through ipv4_parse; time passing (past the
 * 30 s limit too); a memory budget chosen by the first byte. After every
 * step the reassembler's books must balance (its memory is what its
 * queues hold and within the budget, the age list is ordered, every queue
 * is in its bucket); every datagram delivered must be a well-formed IPv4
 * packet that is no fragment and, for a datagram never lied about, carry
 * exactly its true bytes; at the end nothing may be left allocated.
 * Built and run by tools/fuzz.py (clang-14, ASan and UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ip_reasm.h"
#include "net/ipv4.h"

/* The kernel heap as malloc, counting live blocks. */
static long live;
void *kmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	live += p != NULL;
	return p;
}
void *kzalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);
	live += p != NULL;
	return p;
}
void kfree(void *p)
{
	live -= p != NULL;
	free(p);
}

/* The code under test, included to reach its private structures. */
#include "net/ip_reasm.c"

#define NKEYS 4
static const uint8_t us[4] = { 10, 0, 2, 15 };
static bool lied[NKEYS];

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct reader *r, int bytes)
{
	uint32_t v = 0;
	for (int i = 0; i < bytes; i++) {
		v = v << 8 | (r->n ? *r->p : 0);
		if (r->n) {
			r->p++;
			r->n--;
		}
	}
	return v;
}

/* The true byte at position pos of datagram k. */
static uint8_t truth(int k, uint32_t pos)
{
	return (uint8_t)(pos * 7 + pos / 251 + (uint32_t)k * 61);
}

static int key_of(const uint8_t *p)
{
	uint16_t id = (uint16_t)(p[4] << 8 | p[5]);
	if (p[12] == 10 && p[13] == 0 && p[14] == 2 && p[15] < NKEYS && id == 0x1000 + p[15] &&
	    p[9] == (p[15] & 1 ? 6 : 17))
		return p[15];
	return -1;
}

static void on_deliver(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	struct ipv4_hdr h;
	if (len > IP_REASM_MAX_LEN || ipv4_parse(p, len, &h) != IPV4_OK || h.total_len != len)
		abort();
	int k = key_of(p);
	if (k >= 0 && !lied[k])
		for (size_t i = h.ihl; i < len; i++)
			if (p[i] != truth(k, (uint32_t)(i - h.ihl)))
				abort();
}

static void on_timeout(void *ctx, const uint8_t *quote, size_t len)
{
	(void)ctx;
	size_t ihl = (size_t)(quote[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN || len < ihl || len > ihl + 8 || (quote[6] & 0x1f) || quote[7])
		abort(); /* the header of a first fragment and at most 8 bytes */
}

static void check(const struct ip_reasm *r)
{
	size_t mem = 0, n = 0;
	const struct ip_reasm_queue *prev = NULL;
	for (const struct ip_reasm_queue *q = r->oldest; q; prev = q, q = q->newer, n++) {
		if (q->older != prev || (prev && prev->born_ns > q->born_ns))
			abort();
		if (q->got > q->len || q->len > q->cap || q->cap > MAX_DATA ||
		    (q->hdr_len && q->hdr_len + q->len > IP_REASM_MAX_LEN))
			abort();
		const struct ip_reasm_queue *b = r->buckets[bucket_of(q->src, q->dst, q->id, q->proto)];
		while (b && b != q)
			b = b->hnext;
		if (!b)
			abort();
		mem += charge(q);
	}
	if (prev != r->newest || n != r->queues || mem != r->mem || r->mem > r->budget)
		abort();
}

/* One fragment of datagram k as the script says. */
static void fragment(struct ip_reasm *r, struct reader *in, uint64_t now)
{
	static uint8_t pkt[60 + 1500];
	uint8_t how = (uint8_t)take(in, 1);
	int k = how & 3;
	bool more = how & 4, lie = how & 8;
	uint32_t ihl = IPV4_HLEN + 4 * ((how >> 4) & 3) * ((how >> 4) & 3); /* 20, 24, 36, 56 */
	uint32_t off = how & 0x40 ? take(in, 2) & IPV4_OFFSET_MASK : take(in, 1);
	uint32_t len = how & 0x80 ? take(in, 2) % 1481 : take(in, 1) % 64;
	memset(pkt, 0, ihl);
	pkt[0] = (uint8_t)(0x40 | ihl / 4);
	pkt[2] = (uint8_t)((ihl + len) >> 8);
	pkt[3] = (uint8_t)(ihl + len);
	pkt[4] = 0x10;
	pkt[5] = (uint8_t)k;
	uint16_t frag = (uint16_t)((more ? IPV4_MF : 0) | off);
	pkt[6] = (uint8_t)(frag >> 8);
	pkt[7] = (uint8_t)frag;
	pkt[8] = 64;
	pkt[9] = k & 1 ? 6 : 17;
	memcpy(pkt + 12, (uint8_t[]){ 10, 0, 2, (uint8_t)k }, 4);
	memcpy(pkt + 16, us, 4);
	for (uint32_t i = 0; i < len; i++)
		pkt[ihl + i] = lie ? (uint8_t)take(in, 1) : truth(k, off * 8 + i);
	lied[k] |= lie;
	uint16_t sum = inet_csum_fold(inet_csum_add(0, pkt, ihl));
	pkt[10] = (uint8_t)(sum >> 8);
	pkt[11] = (uint8_t)sum;
	struct ipv4_hdr h;
	enum ipv4_drop why = ipv4_parse(pkt, ihl + len, &h);
	if (why == IPV4_OK || why == IPV4_FRAGMENT)
		ip_reasm_add(r, &h, pkt, now);
}

/* Any bytes at all, as a packet off the wire. */
static void raw(struct ip_reasm *r, struct reader *in, uint64_t now)
{
	uint8_t pkt[128];
	size_t len = take(in, 1) % sizeof(pkt);
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)take(in, 1);
	if (len >= IPV4_HLEN && (take(in, 1) & 1)) { /* mostly with a right checksum */
		size_t ihl = (size_t)(pkt[0] & 0xf) * 4;
		if (ihl >= IPV4_HLEN && ihl <= len) {
			pkt[10] = pkt[11] = 0;
			uint16_t sum = inet_csum_fold(inet_csum_add(0, pkt, ihl));
			pkt[10] = (uint8_t)(sum >> 8);
			pkt[11] = (uint8_t)sum;
		}
	}
	struct ipv4_hdr h;
	enum ipv4_drop why = ipv4_parse(pkt, len, &h);
	if (why != IPV4_OK && why != IPV4_FRAGMENT)
		return;
	int k = key_of(pkt);
	if (k >= 0)
		lied[k] = true; /* raw bytes may pose as one of the datagrams */
	ip_reasm_add(r, &h, pkt, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader in = { data, size };
	static struct ip_reasm r;
	size_t budget = (take(&in, 1) + 1) * 1024u; /* 1 KB .. 256 KB */
	ip_reasm_init(&r, budget, 0, on_deliver, on_timeout, NULL);
	memset(lied, 0, sizeof(lied));
	uint64_t now = 1;
	while (in.n) {
		uint8_t op = (uint8_t)take(&in, 1);
		switch (op % 5) {
		case 0:
		case 1:
			fragment(&r, &in, now);
			break;
		case 2:
			raw(&r, &in, now);
			break;
		case 3:
			now += (uint64_t)take(&in, 1) * 250000000ull; /* up to 64 s */
			break;
		case 4:
			ip_reasm_expire(&r, now);
			break;
		}
		check(&r);
	}
	ip_reasm_clear(&r);
	if (live != 0 || r.mem != 0 || r.queues != 0)
		abort();
	return 0;
}
