/*
 * Two TCP engines (net/tcp_conn.c) joined by a simulated network that
 * loses, duplicates, delays and reorders segments, on a simulated clock.
 * Each end sends its own byte stream and then closes; the run checks that
 * each end received the other's stream whole and in order and that both
 * closed. Every segment crosses as bytes: built by tcp_build and parsed
 * back by tcp_parse, as on a wire. Driven by tests/unit/test_tcp_conn.py.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/kmalloc.h"
#include "net/tcp_conn.h"
#include "net/tcp_info.h"

static const uint8_t addr[2][4] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };

struct sim_pkt {
	struct sim_pkt *next;
	uint64_t at;
	int to;
	size_t len;
	uint8_t wire[];
};

struct sim_end {
	struct tcp_conn c;
	bool open;          /* the engine exists (side 1: after the first SYN) */
	bool closed_app;    /* the app sent all and shut down */
	size_t to_send, sent;
	uint8_t *got;
	size_t got_len, unread, rcvbuf;
	int reads;          /* how eagerly the app reads: 1 in `reads` steps */
};

struct sim {
	struct sim_end end[2];
	struct sim_pkt *q;
	uint64_t now, rng;
	int loss, dup, reorder; /* per mille */
	uint64_t delay_ns;
	uint64_t segments, dropped;
};

struct tcp_sim_result {
	int status;          /* 0 ok, 1 a stream differs, 2 not done in time, 3 not closed */
	uint64_t sim_ns;
	uint64_t segments, dropped;
	uint32_t retrans[2];
	int state[2];
	int err[2];
	/* From TCP_INFO (net/tcp_info.c) at the end. */
	uint64_t bytes_acked[2], bytes_received[2];
	uint32_t info_state[2], info_retrans[2];
};

static uint32_t rnd(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng >> 11);
}

static uint8_t pattern(int side, size_t i)
{
	return (uint8_t)(i * 7 + (i >> 9) + (unsigned)side * 101);
}

static int side_of(struct sim *s, struct tcp_conn *c)
{
	return c == &s->end[0].c ? 0 : 1;
}

static void enqueue(struct sim *s, int to, const uint8_t *wire, size_t len, uint64_t at)
{
	struct sim_pkt *p = malloc(sizeof(*p) + len);
	p->at = at;
	p->to = to;
	p->len = len;
	memcpy(p->wire, wire, len);
	struct sim_pkt **pp = &s->q;
	while (*pp && (*pp)->at <= at)
		pp = &(*pp)->next;
	p->next = *pp;
	*pp = p;
}

static bool sim_emit(struct tcp_conn *c, const struct tcp_hdr *h, size_t len)
{
	struct sim *s = c->owner;
	int from = side_of(s, c), to = 1 - from;
	uint8_t wire[TCP_OPTS_MAX + TCP_HLEN + 65536];
	size_t hlen = tcp_header_len(h);
	if (len)
		tcp_conn_copy_out(c, h->seq, wire + hlen, len);
	tcp_build(wire, h, len, addr[from], addr[to]);
	s->segments++;
	bool lost = (int)(rnd(s) % 1000) < s->loss;
	if (getenv("TCP_SIM_TRACE"))
		fprintf(stderr, "%8.3f %d> %c%c%c%c seq=%u ack=%u win=%u len=%zu%s st=%d\n",
			(double)(s->now - 1000000000) / 1e9, from, h->flags & TCP_SYN ? 'S' : '.',
			h->flags & TCP_FIN ? 'F' : '.', h->flags & TCP_RST ? 'R' : '.',
			h->flags & TCP_ACK ? 'A' : '.', h->seq - (from ? s->end[1].c.iss : s->end[0].c.iss),
			h->ack - (from ? s->end[1].c.irs : s->end[0].c.irs), h->window, len,
			lost ? " LOST" : "", c->state);
	if (lost) {
		s->dropped++;
		return true;
	}
	uint64_t at = s->now + s->delay_ns;
	if ((int)(rnd(s) % 1000) < s->reorder)
		at += s->delay_ns * (1 + rnd(s) % 4); /* overtaken by later ones */
	enqueue(s, to, wire, hlen + len, at);
	if ((int)(rnd(s) % 1000) < s->dup)
		enqueue(s, to, wire, hlen + len, at + s->delay_ns / 2);
	return true;
}

static void sim_deliver(struct tcp_conn *c, const uint8_t *data, size_t n)
{
	struct sim *s = c->owner;
	struct sim_end *e = &s->end[side_of(s, c)];
	e->got = realloc(e->got, e->got_len + n);
	memcpy(e->got + e->got_len, data, n);
	e->got_len += n;
	e->unread += n;
}

static const struct tcp_conn_ops sim_ops = { .emit = sim_emit, .deliver = sim_deliver };

struct write_arg {
	int side;
	size_t start;
};

static int fill(void *arg, size_t off, uint8_t *dst, size_t len)
{
	struct write_arg *w = arg;
	for (size_t i = 0; i < len; i++)
		dst[i] = pattern(w->side, w->start + off + i);
	return 0;
}

static void app_step(struct sim *s, int side)
{
	struct sim_end *e = &s->end[side];
	if (!e->open || e->c.state == TCP_CLOSED)
		return;
	if (e->unread && (e->reads <= 1 || rnd(s) % (uint32_t)e->reads == 0)) {
		size_t n = 1 + rnd(s) % e->unread;
		e->unread -= n;
		tcp_conn_set_space(&e->c, e->rcvbuf - e->unread, s->now);
	}
	if (tcp_conn_synchronized(&e->c) && e->sent < e->to_send) {
		size_t room = tcp_conn_send_room(&e->c);
		size_t n = e->to_send - e->sent < room ? e->to_send - e->sent : room;
		size_t most = 1 + rnd(s) % 100000; /* writes of assorted sizes */
		if (n > most)
			n = most;
		if (n) {
			struct write_arg w = { side, e->sent };
			e->sent += (size_t)tcp_conn_write(&e->c, n, fill, &w, s->now);
		}
	}
	if (e->sent == e->to_send && !e->closed_app && tcp_conn_synchronized(&e->c)) {
		e->closed_app = true;
		tcp_conn_shutdown(&e->c, s->now);
	}
}

static uint64_t next_event(struct sim *s)
{
	uint64_t t = s->q ? s->q->at : 0;
	/* An app with data to read gets to it within a millisecond. */
	for (int i = 0; i < 2; i++)
		if (s->end[i].open && s->end[i].unread && (!t || s->now + 1000000 < t))
			t = s->now + 1000000;
	for (int i = 0; i < 2; i++) {
		uint64_t d = s->end[i].open ? tcp_conn_deadline(&s->end[i].c) : 0;
		if (d && (!t || d < t))
			t = d;
	}
	return t;
}

static void arrive(struct sim *s, struct sim_pkt *p)
{
	struct sim_end *e = &s->end[p->to];
	struct tcp_hdr h;
	if (tcp_parse(p->wire, p->len, addr[1 - p->to], addr[p->to], &h) != TCP_OK)
		abort(); /* what tcp_build wrote must parse */
	if (!e->open) {
		if ((h.flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			return;
		tcp_conn_init(&e->c, &sim_ops, s, h.dport, h.sport, 0x80000000u + rnd(s), 1460,
			      e->rcvbuf, s->now);
		tcp_conn_set_send_buffer(&e->c, kmalloc(64 * 1024), 64 * 1024);
		e->open = true;
		tcp_conn_accept_syn(&e->c, &h, s->now);
		return;
	}
	tcp_conn_input(&e->c, &h, p->wire + h.hlen, p->len - h.hlen, s->now);
}

static bool done(const struct sim *s)
{
	for (int i = 0; i < 2; i++) {
		const struct sim_end *e = &s->end[i];
		if (!e->open || (e->c.state != TCP_CLOSED && e->c.state != TCP_TIME_WAIT))
			return false;
	}
	return true;
}

int t_tcp_transfer(size_t bytes0, size_t bytes1, int loss, int dup, int reorder,
		   uint64_t seed, size_t rcvbuf, int reads, struct tcp_sim_result *r)
{
	struct sim *s = calloc(1, sizeof(*s));
	s->rng = seed * 2654435761u + 1;
	s->loss = loss;
	s->dup = dup;
	s->reorder = reorder;
	s->delay_ns = 2000000; /* 2 ms each way */
	s->now = 1000000000;
	for (int i = 0; i < 2; i++) {
		s->end[i].rcvbuf = rcvbuf;
		s->end[i].reads = reads;
	}
	s->end[0].to_send = bytes0;
	s->end[1].to_send = bytes1;
	struct sim_end *a = &s->end[0];
	tcp_conn_init(&a->c, &sim_ops, s, 40000, 80, 0xfffff000u + (uint32_t)(seed & 0xff), 1460,
		      rcvbuf, s->now);
	tcp_conn_set_send_buffer(&a->c, kmalloc(128 * 1024), 128 * 1024);
	a->open = true;
	tcp_conn_connect(&a->c, s->now);
	uint64_t limit = s->now + 3600ull * 1000000000ull;
	long steps = 0;
	while (!done(s) && s->now < limit && steps++ < 20000000) {
		uint64_t t = next_event(s);
		if (!t)
			break;
		if (t > s->now)
			s->now = t;
		while (s->q && s->q->at <= s->now) {
			struct sim_pkt *p = s->q;
			s->q = p->next;
			arrive(s, p);
			free(p);
		}
		for (int i = 0; i < 2; i++) {
			struct sim_end *e = &s->end[i];
			if (e->open && tcp_conn_deadline(&e->c) && tcp_conn_deadline(&e->c) <= s->now)
				tcp_conn_timer(&e->c, s->now);
			app_step(s, i);
		}
	}
	memset(r, 0, sizeof(*r));
	r->sim_ns = s->now - 1000000000;
	r->segments = s->segments;
	r->dropped = s->dropped;
	for (int i = 0; i < 2; i++) {
		r->retrans[i] = s->end[i].c.total_retrans;
		r->state[i] = s->end[i].open ? (int)s->end[i].c.state : -1;
		r->err[i] = s->end[i].c.err;
		struct tcp_info ti;
		tcp_conn_info(&s->end[i].c, s->now, 1500, &ti);
		r->bytes_acked[i] = ti.tcpi_bytes_acked;
		r->bytes_received[i] = ti.tcpi_bytes_received;
		r->info_state[i] = ti.tcpi_state;
		r->info_retrans[i] = ti.tcpi_total_retrans;
	}
	int status = 0;
	for (int i = 0; i < 2 && !status; i++) {
		struct sim_end *rx = &s->end[1 - i];
		size_t want = s->end[i].to_send;
		for (size_t k = 0; k < rx->got_len && !status; k++) {
			if (k >= want || rx->got[k] != pattern(i, k)) {
				status = 1;
				if (getenv("TCP_SIM_DEBUG"))
					fprintf(stderr, "stream %d differs at %zu (%zu arrived of %zu, written %zu, una-iss %u)\n", i, k,
						rx->got_len, want, s->end[i].sent, s->end[i].c.snd_una - s->end[i].c.iss);
			}
		}
		if (!status && rx->got_len < want)
			status = 2;
	}
	if (!status && !done(s))
		status = 3;
	r->status = status;
	while (s->q) {
		struct sim_pkt *p = s->q;
		s->q = p->next;
		free(p);
	}
	for (int i = 0; i < 2; i++) {
		if (s->end[i].open)
			tcp_conn_destroy(&s->end[i].c);
		free(s->end[i].got);
	}
	free(s);
	return status;
}
