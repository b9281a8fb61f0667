#include "net/ip_reasm.h"

#include "lib/string.h"
#include "mm/kmalloc.h"

#define HDR_ROOM 60                               /* the largest IPv4 header */
#define MAX_DATA (IP_REASM_MAX_LEN - IPV4_HLEN)   /* 65515 */
#define BLOCKS ((MAX_DATA + 7) / 8)               /* RFC 791's fragment blocks */
#define MIN_BUF 256

/* One datagram being reassembled. Its data sits at buf + HDR_ROOM, and the
 * first fragment's header right in front of it, so that the whole
 * datagram is one run of bytes when it is complete. Every fragment taken
 * lies inside [0, len) and overlaps no other, so `got` counts distinct
 * bytes and the datagram is whole when the last fragment came and got ==
 * len. */
struct ip_reasm_queue {
	struct ip_reasm_queue *hnext;         /* in its hash bucket */
	struct ip_reasm_queue *older, *newer; /* in the age list */
	uint8_t src[4], dst[4];
	uint16_t id;
	uint8_t proto;
	bool last_in;       /* the last fragment (MF clear) came: len is final */
	uint8_t hdr_len;    /* the first fragment's header length; 0 until it came */
	uint8_t first_len;  /* up to 8 bytes of the first fragment's data, for the ICMP quote */
	uint64_t born_ns;
	uint32_t len;       /* the datagram's data length once last_in, else the highest end seen */
	uint32_t got;       /* data bytes received */
	uint32_t cap;       /* data bytes buf holds */
	uint8_t *buf;       /* HDR_ROOM + cap bytes (NULL while cap is 0) */
	uint8_t bits[(BLOCKS + 7) / 8]; /* one bit per 8-byte block received */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t charge(const struct ip_reasm_queue *q)
{
	return sizeof(*q) + (q->buf ? HDR_ROOM + q->cap : 0);
}

static unsigned bucket_of(const uint8_t src[4], const uint8_t dst[4], uint16_t id, uint8_t proto)
{
	uint32_t x = (uint32_t)id * 0x9e3779b1u;
	for (int i = 0; i < 4; i++)
		x = (x ^ src[i] ^ (uint32_t)dst[i] << 8) * 0x01000193u;
	x ^= proto;
	return (x ^ x >> 16) % IP_REASM_BUCKETS;
}

static struct ip_reasm_queue *find(struct ip_reasm *r, const struct ipv4_hdr *h)
{
	struct ip_reasm_queue *q = r->buckets[bucket_of(h->src, h->dst, h->id, h->proto)];
	for (; q; q = q->hnext)
		if (q->id == h->id && q->proto == h->proto && memcmp(q->src, h->src, 4) == 0 &&
		    memcmp(q->dst, h->dst, 4) == 0)
			return q;
	return NULL;
}

/* Takes q out of the table and the age list; the caller frees it. */
static void unlink_queue(struct ip_reasm *r, struct ip_reasm_queue *q)
{
	struct ip_reasm_queue **pp = &r->buckets[bucket_of(q->src, q->dst, q->id, q->proto)];
	while (*pp != q)
		pp = &(*pp)->hnext;
	*pp = q->hnext;
	if (q->older)
		q->older->newer = q->newer;
	else
		r->oldest = q->newer;
	if (q->newer)
		q->newer->older = q->older;
	else
		r->newest = q->older;
	r->queues--;
	r->mem -= charge(q);
}

static void free_queue(struct ip_reasm_queue *q)
{
	kfree(q->buf);
	kfree(q);
}

/* Gives a datagram up, counting why. */
static void fail(struct ip_reasm *r, struct ip_reasm_queue *q, uint64_t *why)
{
	r->stats.fails++;
	(*why)++;
	if (q) {
		unlink_queue(r, q);
		free_queue(q);
	}
}

/* Evicts the oldest queues but `keep` until `need` more bytes fit the
 * budget: whether they do. */
static bool make_room(struct ip_reasm *r, size_t need, struct ip_reasm_queue *keep)
{
	struct ip_reasm_queue *q = r->oldest;
	while (r->mem + need > r->budget && q) {
		struct ip_reasm_queue *next = q->newer;
		if (q != keep)
			fail(r, q, &r->stats.evicted);
		q = next;
	}
	return r->mem + need <= r->budget;
}

static struct ip_reasm_queue *create(struct ip_reasm *r, const struct ipv4_hdr *h, uint64_t now)
{
	if (!make_room(r, sizeof(struct ip_reasm_queue), NULL)) {
		fail(r, NULL, &r->stats.evicted);
		return NULL;
	}
	struct ip_reasm_queue *q = kzalloc(sizeof(*q));
	if (!q) {
		fail(r, NULL, &r->stats.no_memory);
		return NULL;
	}
	memcpy(q->src, h->src, 4);
	memcpy(q->dst, h->dst, 4);
	q->id = h->id;
	q->proto = h->proto;
	q->born_ns = now;
	struct ip_reasm_queue **bucket = &r->buckets[bucket_of(h->src, h->dst, h->id, h->proto)];
	q->hnext = *bucket;
	*bucket = q;
	q->older = r->newest;
	if (r->newest)
		r->newest->newer = q;
	else
		r->oldest = q;
	r->newest = q;
	r->queues++;
	r->mem += sizeof(*q);
	return q;
}

/* Makes q's buffer hold data up to `end` (at most MAX_DATA): exactly the
 * datagram once its length is known, else a power of two so that a
 * datagram arriving in order is copied O(1) times per byte. false: q is
 * gone (no room within the budget, or no memory). */
static bool grow(struct ip_reasm *r, struct ip_reasm_queue *q, uint32_t end)
{
	size_t size = MIN_BUF;
	if (q->last_in && q->len >= end)
		size = HDR_ROOM + q->len;
	else
		while (size < HDR_ROOM + (size_t)end)
			size *= 2;
	if (size > HDR_ROOM + MAX_DATA)
		size = HDR_ROOM + MAX_DATA;
	size_t old = q->buf ? HDR_ROOM + q->cap : 0;
	if (!make_room(r, size - old, q)) {
		fail(r, q, &r->stats.evicted);
		return false;
	}
	uint8_t *buf = kmalloc(size);
	if (!buf) {
		fail(r, q, &r->stats.no_memory);
		return false;
	}
	if (q->buf)
		memcpy(buf, q->buf, old);
	kfree(q->buf);
	q->buf = buf;
	q->cap = (uint32_t)(size - HDR_ROOM);
	r->mem += size - old;
	return true;
}

/* How many of blocks [b0, b1) were received. */
static uint32_t blocks_received(const struct ip_reasm_queue *q, uint32_t b0, uint32_t b1)
{
	uint32_t n = 0;
	for (uint32_t b = b0; b < b1; b++)
		n += q->bits[b / 8] >> (b % 8) & 1;
	return n;
}

static void mark_received(struct ip_reasm_queue *q, uint32_t b0, uint32_t b1)
{
	for (uint32_t b = b0; b < b1; b++)
		q->bits[b / 8] |= (uint8_t)(1u << (b % 8));
}

/* Hands the whole datagram on: the first fragment's header, now of no
 * fragment, in front of the data. */
static void complete(struct ip_reasm *r, struct ip_reasm_queue *q)
{
	uint8_t *packet = q->buf + HDR_ROOM - q->hdr_len;
	size_t len = q->hdr_len + (size_t)q->len;
	put16(packet + 2, (uint16_t)len);
	put16(packet + 6, 0);
	put16(packet + 10, 0);
	put16(packet + 10, inet_csum_fold(inet_csum_add(0, packet, q->hdr_len)));
	unlink_queue(r, q);
	r->stats.oks++;
	r->deliver(r->ctx, packet, len);
	free_queue(q);
}

void ip_reasm_init(struct ip_reasm *r, size_t budget, uint64_t timeout_ns,
		   void (*deliver)(void *ctx, const uint8_t *packet, size_t len),
		   void (*timed_out)(void *ctx, const uint8_t *quote, size_t len), void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->budget = budget ? budget : IP_REASM_BUDGET;
	r->timeout_ns = timeout_ns ? timeout_ns : IP_REASM_TIMEOUT_NS;
	r->deliver = deliver;
	r->timed_out = timed_out;
	r->ctx = ctx;
}

void ip_reasm_add(struct ip_reasm *r, const struct ipv4_hdr *h, const uint8_t *p, uint64_t now)
{
	r->stats.reqds++;
	ip_reasm_expire(r, now);
	if (h->ihl < IPV4_HLEN || h->total_len < h->ihl) {
		fail(r, NULL, &r->stats.bad_length); /* not from ipv4_parse */
		return;
	}
	bool more = h->frag & IPV4_MF;
	uint32_t off = (h->frag & IPV4_OFFSET_MASK) * 8u;
	uint32_t end = off + (uint32_t)(h->total_len - h->ihl);
	if (more)
		end &= ~7u; /* only the last fragment may end inside a block (Linux) */
	struct ip_reasm_queue *q = find(r, h);

	uint32_t hdr_len = off == 0 ? h->ihl : q && q->hdr_len ? q->hdr_len : IPV4_HLEN;
	uint32_t highest = q && q->len > end ? q->len : end;
	if (hdr_len + highest > IP_REASM_MAX_LEN) {
		fail(r, q, &r->stats.too_big);
		return;
	}
	if (end <= off || (q && !more && (end < q->len || (q->last_in && end != q->len))) ||
	    (q && more && q->last_in && end > q->len)) {
		fail(r, q, &r->stats.bad_length); /* empty, a second end, data past the end */
		return;
	}
	if (!q && !(q = create(r, h, now)))
		return;

	uint32_t b0 = off / 8, b1 = (end + 7) / 8;
	uint32_t seen = blocks_received(q, b0, b1);
	if (seen && seen != b1 - b0) {
		fail(r, q, &r->stats.overlaps);
		return;
	}
	if (seen) {
		r->stats.duplicates++;
	} else {
		if (end > q->cap && !grow(r, q, end))
			return;
		memcpy(q->buf + HDR_ROOM + off, p + h->ihl, end - off);
		mark_received(q, b0, b1);
		q->got += end - off;
		if (off == 0) {
			q->hdr_len = h->ihl;
			memcpy(q->buf + HDR_ROOM - h->ihl, p, h->ihl);
			q->first_len = (uint8_t)(end < 8 ? end : 8);
		}
	}
	/* A duplicate may still be the fragment that says where the datagram ends. */
	if (!more)
		q->last_in = true;
	if (end > q->len)
		q->len = end;
	if (q->last_in && q->got == q->len && q->hdr_len)
		complete(r, q);
}

void ip_reasm_expire(struct ip_reasm *r, uint64_t now)
{
	struct ip_reasm_queue *q;
	while ((q = r->oldest) && now >= q->born_ns && now - q->born_ns >= r->timeout_ns) {
		unlink_queue(r, q);
		r->stats.fails++;
		r->stats.timeouts++;
		if (q->hdr_len && r->timed_out)
			r->timed_out(r->ctx, q->buf + HDR_ROOM - q->hdr_len, q->hdr_len + (size_t)q->first_len);
		free_queue(q);
	}
}

uint64_t ip_reasm_deadline(const struct ip_reasm *r)
{
	return r->oldest ? r->oldest->born_ns + r->timeout_ns : 0;
}

void ip_reasm_clear(struct ip_reasm *r)
{
	struct ip_reasm_queue *q;
	while ((q = r->oldest)) {
		unlink_queue(r, q);
		free_queue(q);
	}
}
