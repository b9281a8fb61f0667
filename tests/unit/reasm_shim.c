/*
 * Wraps net/ip_reasm.c for ctypes: a reassembler whose deliveries and
 * timeouts are recorded in lists (host malloc, outside the kernel heap the
 * leak checks count) that the test takes from.
 */
#include <stdlib.h>
#include <string.h>

#include "net/ip_reasm.h"
#include "net/ipv4.h"

struct t_record {
	struct t_record *next;
	size_t len;
	uint8_t data[];
};

struct t_reasm {
	struct ip_reasm r;
	struct t_record *delivered, **delivered_tail;
	struct t_record *quotes, **quotes_tail;
};

static void record(struct t_record ***tail, const uint8_t *p, size_t len)
{
	struct t_record *rec = malloc(sizeof(*rec) + len);
	rec->next = NULL;
	rec->len = len;
	memcpy(rec->data, p, len);
	**tail = rec;
	*tail = &rec->next;
}

static void on_deliver(void *ctx, const uint8_t *p, size_t len)
{
	struct t_reasm *t = ctx;
	record(&t->delivered_tail, p, len);
}

static void on_timeout(void *ctx, const uint8_t *p, size_t len)
{
	struct t_reasm *t = ctx;
	record(&t->quotes_tail, p, len);
}

struct t_reasm *t_reasm_new(size_t budget, uint64_t timeout_ns)
{
	struct t_reasm *t = calloc(1, sizeof(*t));
	ip_reasm_init(&t->r, budget, timeout_ns, on_deliver, on_timeout, t);
	t->delivered_tail = &t->delivered;
	t->quotes_tail = &t->quotes;
	return t;
}

/* Parses the packet as ipv4_input does and gives it to the reassembler
 * when it is a fragment (or, to test that path too, a whole datagram):
 * the parse result. */
int t_reasm_add(struct t_reasm *t, const uint8_t *p, size_t len, uint64_t now)
{
	struct ipv4_hdr h;
	enum ipv4_drop why = ipv4_parse(p, len, &h);
	if (why == IPV4_OK || why == IPV4_FRAGMENT)
		ip_reasm_add(&t->r, &h, p, now);
	return why;
}

void t_reasm_expire(struct t_reasm *t, uint64_t now) { ip_reasm_expire(&t->r, now); }
uint64_t t_reasm_deadline(struct t_reasm *t) { return ip_reasm_deadline(&t->r); }
size_t t_reasm_queues(struct t_reasm *t) { return t->r.queues; }
size_t t_reasm_mem(struct t_reasm *t) { return t->r.mem; }

/* reqds, oks, fails, timeouts, overlaps, bad_length, too_big, evicted,
 * no_memory, duplicates. */
void t_reasm_stats(struct t_reasm *t, uint64_t out[10])
{
	const struct ip_reasm_stats *s = &t->r.stats;
	uint64_t v[10] = { s->reqds, s->oks, s->fails, s->timeouts, s->overlaps, s->bad_length,
			   s->too_big, s->evicted, s->no_memory, s->duplicates };
	memcpy(out, v, sizeof(v));
}

static long take(struct t_record **head, struct t_record ***tail, uint8_t *out, size_t cap)
{
	struct t_record *rec = *head;
	if (!rec)
		return -1;
	*head = rec->next;
	if (!*head)
		*tail = head;
	memcpy(out, rec->data, rec->len < cap ? rec->len : cap);
	long len = (long)rec->len;
	free(rec);
	return len;
}

/* The next datagram delivered, or timeout quote: its length, or -1. */
long t_reasm_take_delivered(struct t_reasm *t, uint8_t *out, size_t cap)
{
	return take(&t->delivered, &t->delivered_tail, out, cap);
}
long t_reasm_take_quote(struct t_reasm *t, uint8_t *out, size_t cap)
{
	return take(&t->quotes, &t->quotes_tail, out, cap);
}

void t_reasm_free(struct t_reasm *t)
{
	ip_reasm_clear(&t->r);
	uint8_t sink[1];
	while (take(&t->delivered, &t->delivered_tail, sink, 0) >= 0 ||
	       take(&t->quotes, &t->quotes_tail, sink, 0) >= 0)
		;
	free(t);
}
