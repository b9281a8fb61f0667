/*
 * libFuzzer harness for the TCP input path: the segment parser
 * (net/tcp_seg.c) and the engine (net/tcp_conn.c) driven by a hostile peer.
 * The input is a script: segments with any flags, options, payloads and
 * checksums, their sequence and acknowledgement numbers near the
 * connection's own (so the engine's deeper paths are reached), interleaved
 * with the app's writes, reads, shutdowns and closes and with the passing
 * of time. After every step the engine's invariants must hold.
 * Built and run by tools/fuzz.py (clang-14, ASan and UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipv4.h"
#include "net/tcp_conn.h"

/* The kernel heap, as malloc (kmalloc's contract: NULL or the size asked for). */
void *kmalloc(size_t size)
{
	return malloc(size ? size : 1);
}
void *kzalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}
void kfree(void *p)
{
	free(p);
}

static const uint8_t peer[4] = { 10, 0, 2, 2 }, us[4] = { 10, 0, 2, 15 };

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

static size_t promised, delivered;

static bool emit(struct tcp_conn *c, const struct tcp_hdr *h, size_t len)
{
	uint8_t wire[TCP_HLEN + TCP_OPTS_MAX + 70000];
	size_t hlen = tcp_header_len(h);
	if (hlen + len > sizeof(wire))
		abort();
	if (len)
		tcp_conn_copy_out(c, h->seq, wire + hlen, len);
	tcp_build(wire, h, len, us, peer);
	return true;
}

static void deliver(struct tcp_conn *c, const uint8_t *data, size_t n)
{
	(void)data;
	delivered += n;
	if (n > c->rcv_space) /* more than the room the app reported */
		abort();
}

static const struct tcp_conn_ops ops = { .emit = emit, .deliver = deliver };

static int fill(void *arg, size_t off, uint8_t *dst, size_t len)
{
	(void)arg;
	memset(dst, (int)(off & 0xff), len);
	return 0;
}

static void check(const struct tcp_conn *c)
{
	if (c->state == TCP_CLOSED)
		return;
	if (seq_gt(c->snd_una, c->snd_nxt) && c->state != TCP_TIME_WAIT)
		abort();
	if (seq_gt(c->snd_nxt, c->snd_max) || c->slen > c->scap)
		abort();
}

/* One segment from the peer: header fields from the script, options and
 * payload as given, the checksum right unless the script says not. */
static void segment(struct tcp_conn *c, struct reader *r, uint64_t now)
{
	uint8_t wire[TCP_HLEN + 40 + 256];
	uint8_t flags = (uint8_t)take(r, 1);
	int16_t dseq = (int16_t)take(r, 2), dack = (int16_t)take(r, 2);
	uint16_t window = (uint16_t)take(r, 2);
	uint8_t optlen = (uint8_t)(take(r, 1) % 41), paylen = (uint8_t)take(r, 1);
	uint8_t doff = (uint8_t)((TCP_HLEN + optlen + 3) / 4);
	if (flags & 0x80)
		doff = (uint8_t)take(r, 1); /* a lying data offset */
	uint32_t seq = c->rcv_nxt + (uint32_t)(int32_t)dseq;
	uint32_t ack = c->snd_una + (uint32_t)(int32_t)dack;
	size_t hl = (size_t)((TCP_HLEN + optlen + 3) / 4) * 4;
	memset(wire, 0, sizeof(wire));
	wire[0] = (uint8_t)(c->rport >> 8);
	wire[1] = (uint8_t)c->rport;
	wire[2] = (uint8_t)(c->lport >> 8);
	wire[3] = (uint8_t)c->lport;
	for (int i = 0; i < 4; i++) {
		wire[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		wire[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	wire[12] = (uint8_t)(doff << 4);
	wire[13] = flags & 0x3f;
	wire[14] = (uint8_t)(window >> 8);
	wire[15] = (uint8_t)window;
	for (size_t i = 0; i < optlen; i++)
		wire[TCP_HLEN + i] = (uint8_t)take(r, 1);
	for (size_t i = 0; i < paylen; i++)
		wire[hl + i] = (uint8_t)take(r, 1);
	size_t len = hl + paylen;
	if (!(flags & 0x40)) {
		uint8_t ph[12] = { peer[0], peer[1], peer[2], peer[3], us[0], us[1], us[2], us[3],
				   0, IPV4_PROTO_TCP, (uint8_t)(len >> 8), (uint8_t)len };
		uint16_t sum = inet_csum_fold(inet_csum_add(inet_csum_add(0, ph, 12), wire, len));
		wire[16] = (uint8_t)(sum >> 8);
		wire[17] = (uint8_t)sum;
	}
	struct tcp_hdr h;
	if (tcp_parse(wire, len, peer, us, &h) != TCP_OK)
		return;
	if (h.hlen > len)
		abort();
	tcp_conn_input(c, &h, wire + h.hlen, len - h.hlen, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct tcp_conn c;
	uint64_t now = 1000000000;
	size_t rcvbuf = 1024u << (take(&r, 1) % 8);
	tcp_conn_init(&c, &ops, NULL, 8000, 40000, 0xfffffff0u, 1460, rcvbuf, now);
	tcp_conn_set_send_buffer(&c, malloc(65536), 65536);
	promised = delivered = 0;
	/* The peer's SYN, with the options the script gives. */
	struct tcp_hdr syn = { .sport = 40000, .dport = 8000, .seq = take(&r, 4), .flags = TCP_SYN,
			       .window = (uint16_t)take(&r, 2), .mss = (uint16_t)take(&r, 2),
			       .wscale = (int8_t)(take(&r, 1) % 20 - 5), .has_ts = take(&r, 1) & 1 };
	if (take(&r, 1) & 1)
		tcp_conn_accept_syn(&c, &syn, now);
	else
		tcp_conn_connect(&c, now);
	while (r.n && c.state != TCP_CLOSED) {
		uint8_t op = (uint8_t)take(&r, 1);
		switch (op % 8) {
		case 0: case 1: case 2: case 3:
			segment(&c, &r, now);
			break;
		case 4:
			now += take(&r, 1) * 10000000ull;
			if (tcp_conn_deadline(&c) && tcp_conn_deadline(&c) <= now)
				tcp_conn_timer(&c, now);
			break;
		case 5:
			if (c.state == TCP_ESTABLISHED || c.state == TCP_CLOSE_WAIT)
				tcp_conn_write(&c, take(&r, 2) % (tcp_conn_send_room(&c) + 1), fill, NULL,
					       now);
			break;
		case 6:
			tcp_conn_set_space(&c, rcvbuf, now);
			break;
		case 7:
			if (take(&r, 1) & 1)
				tcp_conn_shutdown(&c, now);
			else
				tcp_conn_close(&c, take(&r, 1) & 1, now);
			break;
		}
		check(&c);
	}
	tcp_conn_destroy(&c);
	return 0;
}
