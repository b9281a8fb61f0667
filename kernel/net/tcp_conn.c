#include "net/tcp_conn.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

#define TS_OPT_LEN 12
#define CWND_MAX (1u << 30)
#define OOO_MAX 256 /* segments held out of order; more are dropped */

static uint32_t ts_now(uint64_t now)
{
	return (uint32_t)(now / 1000000); /* a 1 ms timestamp clock */
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* --- the send buffer: a ring of the bytes from sbuf_seq on --- */

static uint32_t fin_seq(const struct tcp_conn *c)
{
	return c->sbuf_seq + (uint32_t)c->slen;
}

static bool fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && seq_gt(c->snd_una, fin_seq(c));
}

void tcp_conn_copy_out(const struct tcp_conn *c, uint32_t seq, uint8_t *dst, size_t n)
{
	size_t off = seq - c->sbuf_seq;
	size_t pos = (c->shead + off) % (c->scap ? c->scap : 1);
	while (n) {
		size_t run = c->scap - pos < n ? c->scap - pos : n;
		memcpy(dst, c->sbuf + pos, run);
		dst += run;
		n -= run;
		pos = 0;
	}
}

static void drop_acked_bytes(struct tcp_conn *c, uint32_t ack)
{
	if (!seq_gt(ack, c->sbuf_seq))
		return;
	size_t n = ack - c->sbuf_seq;
	if (n > c->slen)
		n = c->slen; /* the rest acknowledges the FIN */
	c->shead = c->scap ? (c->shead + n) % c->scap : 0;
	c->slen -= n;
	c->sbuf_seq += (uint32_t)n;
}

size_t tcp_conn_send_room(const struct tcp_conn *c)
{
	return c->fin_queued ? 0 : c->scap - c->slen;
}

size_t tcp_conn_unacked(const struct tcp_conn *c)
{
	return c->slen;
}

/* --- timers --- */

static void output(struct tcp_conn *c, uint64_t now, bool force);
static void retransmit_head(struct tcp_conn *c, uint64_t now);

static void update_rto(struct tcp_conn *c)
{
	uint64_t var = 4 * c->rttvar_ns;
	uint64_t rto = c->srtt_ns + (var > 1000000 ? var : 1000000);
	if (rto < TCP_RTO_MIN_NS)
		rto = TCP_RTO_MIN_NS;
	if (rto > TCP_RTO_MAX_NS)
		rto = TCP_RTO_MAX_NS;
	c->rto_ns = rto;
}

/* One round-trip measurement (RFC 6298 2.2, 2.3). */
static void rtt_sample(struct tcp_conn *c, uint64_t r)
{
	if (!c->rtt_valid) {
		c->srtt_ns = r;
		c->rttvar_ns = r / 2;
		c->rtt_valid = true;
	} else {
		uint64_t diff = c->srtt_ns > r ? c->srtt_ns - r : r - c->srtt_ns;
		c->rttvar_ns = (3 * c->rttvar_ns + diff) / 4;
		c->srtt_ns = (7 * c->srtt_ns + r) / 8;
	}
	update_rto(c);
}

static void arm_rto(struct tcp_conn *c, uint64_t now)
{
	uint64_t rto = c->rto_ns;
	int shift = c->retries > c->probes ? c->retries : c->probes;
	for (int i = 0; i < shift && rto < TCP_RTO_MAX_NS; i++)
		rto *= 2; /* exponential backoff (RFC 6298 5.5) */
	if (rto > TCP_RTO_MAX_NS)
		rto = TCP_RTO_MAX_NS;
	c->rto_is_probe = false;
	if (!shift && !c->in_recovery && !c->probe_sent && c->rtt_valid && c->snd_wnd &&
	    c->state >= TCP_ESTABLISHED && c->state != TCP_TIME_WAIT) {
		/* A flight whose last segments or ACKs are lost draws no
		 * duplicate ACKs: probe after two round trips instead of waiting
		 * for the RTO (Linux's tcp_schedule_loss_probe). A lone segment
		 * waits out the peer's delayed ACK too. */
		uint64_t pto = 2 * c->srtt_ns;
		if (c->snd_max - c->snd_una <= c->snd_mss)
			pto = c->srtt_ns + c->srtt_ns / 2 + TCP_DELACK_MAX_NS;
		if (pto < TCP_PTO_MIN_NS)
			pto = TCP_PTO_MIN_NS;
		if (pto < rto) {
			rto = pto;
			c->rto_is_probe = true;
		}
	}
	c->rto_at = now + rto;
}

/* The probe: one new segment if the peer's window takes it, else the first
 * unacknowledged one again; either draws an ACK that shows what is lost. */
static void loss_probe(struct tcp_conn *c, uint64_t now)
{
	c->probe_sent = true;
	uint32_t sent = c->snd_max;
	if (seq_ge(c->snd_nxt, c->snd_max)) {
		uint32_t cwnd = c->cwnd;
		c->cwnd = c->snd_max - c->snd_una + c->snd_mss;
		output(c, now, false);
		c->cwnd = cwnd;
	}
	if (c->snd_max == sent)
		retransmit_head(c, now);
	arm_rto(c, now);
}

static void arm_keepalive(struct tcp_conn *c, uint64_t now)
{
	if (!c->keepalive || c->state != TCP_ESTABLISHED) {
		c->keep_at = 0;
		return;
	}
	uint64_t wait = c->keep_probes ? c->keepintvl_s : c->keepidle_s;
	c->keep_at = now + wait * 1000000000ull;
}

uint64_t tcp_conn_deadline(const struct tcp_conn *c)
{
	uint64_t t[] = { c->rto_at, c->delack_at, c->keep_at, c->timewait_at, c->tx_retry_at };
	uint64_t best = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] && (!best || t[i] < best))
			best = t[i];
	return best;
}

static void enter_closed(struct tcp_conn *c, int err)
{
	c->state = TCP_CLOSED;
	if (err)
		c->err = err;
	c->rto_at = c->delack_at = c->keep_at = c->timewait_at = c->tx_retry_at = 0;
}

/* The send buffer (128 KB and more) and segments held out of order. */
static void release_buffers(struct tcp_conn *c)
{
	while (c->ooo) {
		struct tcp_ooo *o = c->ooo;
		c->ooo = o->next;
		kfree(o);
	}
	kfree(c->sbuf);
	c->sbuf = NULL;
	c->scap = c->slen = 0;
}

/* Everything was sent and acknowledged both ways: for its 60 s the
 * connection only answers, so it keeps no buffers, as Linux's small
 * timewait socket. A busy server has thousands in TIME_WAIT: with their
 * send buffers kept they took all memory (2400 connections in a minute
 * through -p), and new SYNs were dropped for want of one. */
static void enter_time_wait(struct tcp_conn *c, uint64_t now)
{
	release_buffers(c);
	c->state = TCP_TIME_WAIT;
	c->rto_at = c->delack_at = c->keep_at = c->tx_retry_at = 0;
	c->timewait_at = now + TCP_TIME_WAIT_NS;
}

/* --- output --- */

/* The window we announce: the app's room, but never a right edge left of
 * one already announced (RFC 9293 3.8.6.2.2). */
static uint32_t rcv_window(struct tcp_conn *c)
{
	/* While a hole is open, the duplicate ACKs that report it carry the
	 * window last announced: one that grew as the app read would not count
	 * as a duplicate at the sender (RFC 5681 2), and the loss would wait for
	 * the retransmission timer. */
	if (c->ooo && seq_gt(c->rcv_adv, c->rcv_nxt))
		return c->rcv_adv - c->rcv_nxt;
	size_t space = c->rcv_space;
	size_t limit = (size_t)0xffff << c->rcv_wscale;
	uint32_t w = (uint32_t)(space < limit ? space : limit);
	/* Receiver SWS avoidance: do not announce slivers (RFC 9293 3.8.6.2.2). */
	if (w < c->our_mss && w < c->rcv_buf / 2)
		w = 0;
	if (seq_lt(c->rcv_nxt + w, c->rcv_adv))
		w = c->rcv_adv - c->rcv_nxt;
	return w;
}

static bool send_segment(struct tcp_conn *c, uint32_t seq, size_t len, uint8_t flags,
			 uint64_t now)
{
	struct tcp_hdr h = { .sport = c->lport, .dport = c->rport, .seq = seq,
			     .flags = flags, .wscale = -1 };
	if (c->state != TCP_SYN_SENT || (flags & TCP_ACK)) {
		h.flags |= TCP_ACK;
		h.ack = c->rcv_nxt;
	}
	uint32_t w = rcv_window(c);
	if (flags & TCP_SYN) {
		/* A SYN's window is never scaled (RFC 7323 2.2). */
		h.window = (uint16_t)(w > 0xffff ? 0xffff : w);
		h.mss = c->our_mss;
		if (c->state == TCP_SYN_SENT || c->rcv_wscale)
			h.wscale = (int8_t)c->rcv_wscale;
	} else {
		h.window = (uint16_t)(w >> c->rcv_wscale);
	}
	if (c->ts_ok || (c->state == TCP_SYN_SENT && (flags & TCP_SYN))) {
		h.has_ts = true;
		h.ts_val = ts_now(now);
		h.ts_ecr = c->ts_recent;
	}
	if (!c->ops->emit(c, &h, len)) {
		c->tx_retry_at = now + TCP_TX_RETRY_NS;
		return false;
	}
	/* A segment the device cuts (TSO) counts as the pieces it becomes. */
	uint32_t pieces = len > c->snd_mss ? (uint32_t)((len + c->snd_mss - 1) / c->snd_mss) : 1;
	c->segs_out += pieces;
	if (len) {
		c->data_segs_out += pieces;
		c->last_data_sent_ns = now;
		if (seq_lt(seq, c->snd_max)) {
			c->bytes_retrans += len;
		} else {
			c->bytes_sent += len;
		}
	}
	if (h.flags & TCP_ACK) {
		/* Whatever we sent acknowledges all we have. */
		c->rcv_adv = c->rcv_nxt + ((uint32_t)h.window << ((flags & TCP_SYN) ? 0 : c->rcv_wscale));
		c->unacked = 0;
		c->delack_at = 0;
	}
	return true;
}

/* A pure ACK carries the highest sequence sent, not snd_nxt: after a
 * timeout snd_nxt goes back to resend, and an ACK from there would lie
 * left of the peer's window and be dropped unread (RFC 9293 3.10.7.4). */
static void send_ack(struct tcp_conn *c, uint64_t now)
{
	send_segment(c, c->snd_max, 0, 0, now);
}

static void send_rst(struct tcp_conn *c, uint64_t now)
{
	struct tcp_hdr h = { .sport = c->lport, .dport = c->rport, .seq = c->snd_max,
			     .flags = TCP_RST, .wscale = -1 };
	if (c->state != TCP_SYN_SENT) {
		h.flags |= TCP_ACK;
		h.ack = c->rcv_nxt;
	}
	c->ops->emit(c, &h, 0);
}

static void send_syn(struct tcp_conn *c, uint64_t now)
{
	uint8_t flags = TCP_SYN | (c->state == TCP_SYN_RECEIVED ? TCP_ACK : 0);
	if (send_segment(c, c->iss, 0, flags, now)) {
		c->snd_nxt = c->iss + 1;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
	}
	if (!c->rto_at)
		arm_rto(c, now);
}

/* Sends what the windows allow from snd_nxt on: new data, and the FIN
 * once the data is out. force: one byte past a closed window (a probe). */
static void output(struct tcp_conn *c, uint64_t now, bool force)
{
	if (c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
		return;
	c->tx_retry_at = 0;
	for (;;) {
		if (!seq_ge(c->snd_nxt, c->sbuf_seq))
			c->snd_nxt = c->sbuf_seq;
		size_t off = c->snd_nxt - c->sbuf_seq;
		size_t avail = off < c->slen ? c->slen - off : 0;
		bool fin_due = c->fin_queued && avail == 0 && !seq_gt(c->snd_nxt, fin_seq(c));
		if (avail == 0 && !fin_due)
			break;
		uint32_t flight = c->snd_nxt - c->snd_una;
		uint32_t wnd = min32(c->snd_wnd, c->cwnd);
		uint32_t usable = wnd > flight ? wnd - flight : 0;
		size_t seg_max = c->tso_max > c->snd_mss ? c->tso_max : c->snd_mss;
		size_t n = avail < seg_max ? avail : seg_max;
		if (n > c->snd_mss && n > usable && usable >= c->snd_mss)
			n = usable - usable % c->snd_mss; /* whole segments of what cwnd takes */
		if (n > usable) {
			if (force && flight == 0)
				n = usable ? usable : 1;
			else if (usable && usable >= c->max_snd_wnd / 2)
				n = usable; /* sender SWS avoidance (RFC 9293 3.8.6.2.1) */
			else if (avail && n > usable)
				n = 0;
		}
		force = false;
		if (avail && n == 0) {
			/* A closed or small window with nothing in flight: no ACK
			 * will come to move things on, so the timer will (a probe, or
			 * RFC 9293 3.8.6.2.1's override of sender SWS avoidance). */
			if (flight == 0 && !c->rto_at)
				arm_rto(c, now);
			break;
		}
		/* Nagle: one small segment in flight at a time. */
		if (n && n < c->snd_mss && n == avail && flight && !c->nodelay && !c->fin_queued)
			break;
		uint8_t flags = 0;
		if (n == avail && n)
			flags |= TCP_PSH;
		bool with_fin = c->fin_queued && n == avail;
		if (with_fin)
			flags |= TCP_FIN;
		if (!send_segment(c, c->snd_nxt, n, flags, now))
			break;
		if (seq_lt(c->snd_nxt, c->snd_max))
			c->total_retrans++;
		if (!c->ts_ok && !c->rtt_timing && !seq_lt(c->snd_nxt, c->snd_max) && n) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = now;
		}
		c->snd_nxt += (uint32_t)n + with_fin;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->rto_at)
			arm_rto(c, now);
		if (with_fin)
			break;
	}
}

/* The first unacknowledged segment again (fast retransmit, NewReno's
 * partial ACKs), whatever the windows say. */
static void retransmit_head(struct tcp_conn *c, uint64_t now)
{
	/* Only what went out before: an ACK past snd_max would be ignored. */
	size_t off = c->snd_una - c->sbuf_seq;
	size_t avail = off < c->slen ? c->slen - off : 0;
	size_t sent = c->snd_max - c->snd_una;
	if (avail > sent)
		avail = sent;
	size_t n = avail < c->snd_mss ? avail : c->snd_mss;
	bool fin_out = c->fin_queued && seq_gt(c->snd_max, fin_seq(c));
	uint8_t flags = n == avail && fin_out && c->snd_una + n == fin_seq(c) ? TCP_FIN : 0;
	if (n == 0 && !flags)
		return;
	if (send_segment(c, c->snd_una, n, flags | (n ? TCP_PSH : 0), now)) {
		c->total_retrans++;
		c->head_retx_ns = now;
	}
	c->rtt_timing = false; /* Karn: no sample from a retransmission */
}

/* --- setup --- */

void tcp_conn_init(struct tcp_conn *c, const struct tcp_conn_ops *ops, void *owner,
		   uint16_t lport, uint16_t rport, uint32_t iss, uint16_t our_mss,
		   size_t rcv_buf, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->owner = owner;
	c->lport = lport;
	c->rport = rport;
	c->iss = c->snd_una = c->snd_nxt = c->snd_max = c->recover = iss;
	c->sbuf_seq = iss + 1;
	c->our_mss = our_mss;
	c->snd_mss = TCP_MSS_DEFAULT;
	c->rcv_wscale = TCP_RCV_WSCALE;
	c->rcv_buf = c->rcv_space = rcv_buf;
	c->rto_ns = TCP_RTO_INITIAL_NS;
	c->ssthresh = 0xffffffff;
	c->keepidle_s = 7200;
	c->keepintvl_s = 75;
	c->keepcnt = 9;
	c->last_rx_ns = now;
}

void tcp_conn_set_send_buffer(struct tcp_conn *c, uint8_t *buf, size_t cap)
{
	c->sbuf = buf;
	c->scap = cap;
}

/* What the peer's SYN says: its MSS, window scale, timestamps. */
static void take_syn_options(struct tcp_conn *c, const struct tcp_hdr *syn, bool we_offered_ws)
{
	c->irs = syn->seq;
	c->rcv_nxt = syn->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	uint16_t mss = syn->mss ? syn->mss : TCP_MSS_DEFAULT;
	if (mss > c->our_mss)
		mss = c->our_mss;
	if (mss < 64)
		mss = 64; /* Linux's floor (tcp_min_snd_mss is 48) */
	if (syn->wscale >= 0 && we_offered_ws) {
		c->snd_wscale = (uint8_t)syn->wscale;
	} else {
		c->snd_wscale = 0;
		c->rcv_wscale = 0; /* both or neither (RFC 7323 2.2) */
	}
	c->ts_ok = syn->has_ts;
	if (c->ts_ok) {
		c->ts_recent = syn->ts_val;
		mss -= TS_OPT_LEN;
	}
	c->snd_mss = mss;
	c->cwnd = 10u * mss; /* RFC 6928, as Linux */
}

void tcp_conn_connect(struct tcp_conn *c, uint64_t now)
{
	c->state = TCP_SYN_SENT;
	send_syn(c, now);
}

void tcp_conn_accept_syn(struct tcp_conn *c, const struct tcp_hdr *syn, uint64_t now)
{
	c->passive = true;
	take_syn_options(c, syn, syn->wscale >= 0);
	c->snd_wnd = syn->window; /* a SYN's window is not scaled */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = syn->seq;
	c->snd_wl2 = c->iss;
	c->state = TCP_SYN_RECEIVED;
	send_syn(c, now);
}

/* --- input --- */

static void update_window(struct tcp_conn *c, const struct tcp_hdr *h)
{
	if (seq_lt(c->snd_wl1, h->seq) || (c->snd_wl1 == h->seq && seq_le(c->snd_wl2, h->ack))) {
		c->snd_wnd = (uint32_t)h->window << c->snd_wscale;
		c->snd_wl1 = h->seq;
		c->snd_wl2 = h->ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
	}
}

static void established(struct tcp_conn *c, const struct tcp_hdr *h)
{
	c->state = TCP_ESTABLISHED;
	c->snd_una = h->ack;
	c->retries = 0;
	c->rto_at = 0;
	c->snd_wnd = (uint32_t)h->window << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
}

static void syn_sent_input(struct tcp_conn *c, const struct tcp_hdr *h, uint64_t now)
{
	bool ack_ok = (h->flags & TCP_ACK) && seq_gt(h->ack, c->iss) && seq_le(h->ack, c->snd_max);
	if ((h->flags & TCP_ACK) && !ack_ok) {
		if (!(h->flags & TCP_RST)) {
			struct tcp_hdr r;
			if (tcp_reset_for(h, 0, &r))
				c->ops->emit(c, &r, 0);
		}
		return;
	}
	if (h->flags & TCP_RST) {
		if (ack_ok)
			enter_closed(c, ECONNREFUSED);
		return;
	}
	if (!(h->flags & TCP_SYN))
		return;
	take_syn_options(c, h, true);
	if (h->has_ts && h->ts_ecr && ack_ok)
		rtt_sample(c, (uint64_t)(uint32_t)(ts_now(now) - h->ts_ecr) * 1000000);
	else if (ack_ok && c->retries == 0)
		rtt_sample(c, now - (c->rto_at - c->rto_ns));
	if (ack_ok) {
		established(c, h);
		send_ack(c, now);
		output(c, now, false);
		return;
	}
	/* Simultaneous open (RFC 9293 3.5, figure 8). */
	c->state = TCP_SYN_RECEIVED;
	c->snd_wnd = h->window;
	c->snd_wl1 = h->seq;
	c->rto_at = 0;
	c->retries = 0;
	send_syn(c, now);
}

/* Is the segment inside the window we announced (RFC 9293 3.10.7.4)? */
static bool acceptable(const struct tcp_conn *c, uint32_t seq, uint32_t seglen)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;
	if (seq_lt(c->rcv_adv, c->rcv_nxt))
		wnd = 0;
	if (seglen == 0)
		return wnd == 0 ? seq == c->rcv_nxt : seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
	       seq_in(seq + seglen - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

static void on_ack_advance(struct tcp_conn *c, const struct tcp_hdr *h, uint64_t now)
{
	uint32_t acked = h->ack - c->snd_una;
	/* After a loss the echoed timestamp can be an old segment's, the one
	 * at the hole's edge: such a sample would blow the RTO up to minutes,
	 * so none is taken while recovering (Karn's rule, kept for timestamps). */
	bool recovering = c->retries || c->in_recovery;
	if (h->has_ts && c->ts_ok && h->ts_ecr) {
		if (!recovering)
			rtt_sample(c, (uint64_t)(uint32_t)(ts_now(now) - h->ts_ecr) * 1000000);
	} else if (c->rtt_timing && seq_gt(h->ack, c->rtt_seq)) {
		c->rtt_timing = false;
		rtt_sample(c, now - c->rtt_start);
	}
	c->snd_una = h->ack;
	c->bytes_acked += acked;
	if (seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	drop_acked_bytes(c, h->ack);
	c->retries = 0;
	if (c->in_recovery) {
		if (seq_ge(h->ack, c->recover)) {
			/* Full acknowledgement: recovery is over (RFC 6582 3.2 step 3). */
			uint32_t flight = c->snd_max - c->snd_una;
			c->cwnd = min32(c->ssthresh, max32(flight, c->snd_mss) + c->snd_mss);
			c->in_recovery = false;
		} else {
			/* Partial: the next hole goes at once, the window deflates. */
			retransmit_head(c, now);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->snd_mss;
			c->cwnd += c->snd_mss;
		}
	} else if (c->cwnd < c->ssthresh) {
		c->cwnd += min32(acked, c->snd_mss); /* slow start */
	} else {
		c->cwnd += max32(1, c->snd_mss * c->snd_mss / c->cwnd);
	}
	if (c->cwnd > CWND_MAX)
		c->cwnd = CWND_MAX;
	c->dupacks = 0;
	c->rto_at = 0;
	c->probe_sent = false;
	if (c->snd_una != c->snd_max)
		arm_rto(c, now);
}

/* Duplicate ACKs that start fast retransmit: three, or fewer when so few
 * segments are out that three could never come back and nothing new is
 * left to send (early retransmit, RFC 5827). */
static int dupack_threshold(const struct tcp_conn *c)
{
	uint32_t segs = (c->snd_max - c->snd_una + c->snd_mss - 1) / c->snd_mss;
	bool unsent = c->snd_max - c->sbuf_seq < c->slen;
	return segs >= 2 && segs < 4 && !unsent ? (int)segs - 1 : 3;
}

static void on_dupack(struct tcp_conn *c, uint64_t now)
{
	++c->dupacks;
	if (!c->in_recovery && c->dupacks < dupack_threshold(c)) {
		/* Limited transmit (RFC 3042): each of the first duplicates lets one
		 * new segment go past cwnd, so that a small window still draws the
		 * duplicates fast retransmit needs. */
		uint32_t cwnd = c->cwnd;
		c->cwnd = c->snd_max - c->snd_una + c->snd_mss;
		if (c->cwnd > cwnd + 2u * c->snd_mss)
			c->cwnd = cwnd + 2u * c->snd_mss;
		if (seq_ge(c->snd_nxt, c->snd_max))
			output(c, now, false);
		c->cwnd = cwnd;
		return;
	}
	if (c->dupacks >= dupack_threshold(c) && !c->in_recovery &&
	    seq_gt(c->snd_una, c->recover - 1)) {
		uint32_t flight = c->snd_max - c->snd_una;
		c->ssthresh = max32(flight / 2, 2u * c->snd_mss);
		c->recover = c->snd_max;
		c->in_recovery = true;
		retransmit_head(c, now);
		c->cwnd = c->ssthresh + 3u * c->snd_mss;
	} else if (c->in_recovery) {
		c->cwnd += c->snd_mss; /* each dupack: a segment left the network */
		/* Duplicates still coming a round trip (and a reordering allowance
		 * of a quarter more) after the head went again: segments sent after
		 * it have arrived and it has not, so the retransmission was lost too.
		 * Without SACK the RTO would be the only way out (Linux finds the
		 * same with RACK, RFC 8985). */
		uint64_t wait = c->srtt_ns + c->srtt_ns / 4;
		if (wait < 1000000)
			wait = 1000000;
		if (c->rtt_valid && now - c->head_retx_ns > wait)
			retransmit_head(c, now);
	}
}

/* ACK processing in a synchronized state; false: the segment is done. */
static bool process_ack(struct tcp_conn *c, const struct tcp_hdr *h, size_t len, uint64_t now)
{
	if (seq_gt(h->ack, c->snd_max)) {
		send_ack(c, now); /* acknowledges something not yet sent */
		return false;
	}
	uint32_t old_wnd = c->snd_wnd;
	if (seq_gt(h->ack, c->snd_una)) {
		on_ack_advance(c, h, now);
	} else if (h->ack == c->snd_una && len == 0 && !(h->flags & (TCP_SYN | TCP_FIN)) &&
		   c->snd_una != c->snd_max && ((uint32_t)h->window << c->snd_wscale) == old_wnd) {
		on_dupack(c, now);
	}
	if (seq_ge(h->ack, c->snd_una)) {
		update_window(c, h);
		c->probes = 0; /* the peer is there */
	}
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(c))
			c->state = TCP_FIN_WAIT_2;
		break;
	case TCP_CLOSING:
		if (fin_acked(c))
			enter_time_wait(c, now);
		break;
	case TCP_LAST_ACK:
		if (fin_acked(c)) {
			enter_closed(c, 0);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

static void take_fin(struct tcp_conn *c, uint64_t now)
{
	c->rcv_nxt++;
	c->fin_received = true;
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		if (fin_acked(c))
			enter_time_wait(c, now);
		else
			c->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		enter_time_wait(c, now);
		break;
	default:
		break;
	}
	c->keep_at = 0;
	send_ack(c, now);
}

static void deliver(struct tcp_conn *c, const uint8_t *data, size_t n)
{
	if (!n)
		return;
	c->ops->deliver(c, data, n);
	c->rcv_nxt += (uint32_t)n;
	c->bytes_received += n;
	c->rcv_space = c->rcv_space > n ? c->rcv_space - n : 0;
}

/* Queued segments that now line up go to the app. */
static void drain_ooo(struct tcp_conn *c, uint64_t now)
{
	while (c->ooo && seq_le(c->ooo->seq, c->rcv_nxt)) {
		struct tcp_ooo *o = c->ooo;
		c->ooo = o->next;
		uint32_t skip = c->rcv_nxt - o->seq;
		if (skip < o->len)
			deliver(c, o->data + skip, o->len - skip);
		bool fin = o->fin && seq_ge(c->rcv_nxt, o->seq + o->len);
		kfree(o);
		if (fin && !c->fin_received) {
			take_fin(c, now);
			break;
		}
	}
}

static void queue_ooo(struct tcp_conn *c, uint32_t seq, const uint8_t *data, size_t len, bool fin)
{
	int count = 0;
	struct tcp_ooo **pp = &c->ooo;
	while (*pp && seq_lt((*pp)->seq, seq)) {
		pp = &(*pp)->next;
		count++;
	}
	if (*pp && (*pp)->seq == seq && (*pp)->len >= len && (*pp)->fin == fin)
		return; /* a duplicate */
	for (struct tcp_ooo *o = *pp; o; o = o->next)
		count++;
	if (count >= OOO_MAX)
		return; /* dropped: the sender will send it again */
	struct tcp_ooo *o = kmalloc(sizeof(*o) + len);
	if (!o)
		return;
	o->seq = seq;
	o->len = (uint32_t)len;
	o->fin = fin;
	memcpy(o->data, data, len);
	o->next = *pp;
	*pp = o;
}

static void receive_data(struct tcp_conn *c, const struct tcp_hdr *h, const uint8_t *data,
			 size_t len, uint64_t now)
{
	uint32_t seq = h->seq;
	bool fin = h->flags & TCP_FIN;
	if (seq_lt(seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - seq;
		if (skip > len) {
			/* Only an old FIN is left: acknowledge it again. */
			send_ack(c, now);
			return;
		}
		data += skip;
		len -= skip;
		seq = c->rcv_nxt;
	}
	uint32_t wnd_end = c->rcv_adv;
	if (seq_gt(seq + (uint32_t)len, wnd_end)) {
		len = seq_gt(wnd_end, seq) ? wnd_end - seq : 0;
		fin = false; /* past the window: it comes again */
	}
	if (seq != c->rcv_nxt) {
		queue_ooo(c, seq, data, len, fin);
		send_ack(c, now); /* a duplicate ACK tells the sender of the hole */
		return;
	}
	bool had_ooo = c->ooo != NULL;
	deliver(c, data, len);
	if (fin)
		take_fin(c, now);
	else
		drain_ooo(c, now);
	if (c->fin_received)
		return; /* take_fin acknowledged */
	/* Delayed ACK: every second segment at once (RFC 5681 4.2), a hole
	 * being filled at once, the rest within 40 ms. */
	c->unacked += len > c->our_mss ? 2 : 1; /* a 64 KB segment counts as many */
	if (had_ooo || c->unacked >= 2 || len == 0)
		send_ack(c, now);
	else if (!c->delack_at)
		c->delack_at = now + TCP_DELACK_NS;
}

bool tcp_conn_time_wait_ends_for(struct tcp_conn *c, const struct tcp_hdr *h)
{
	if (c->state != TCP_TIME_WAIT || (h->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return false;
	bool newer = c->ts_ok && h->has_ts ? (int32_t)(h->ts_val - c->ts_recent) > 0
					   : seq_gt(h->seq, c->rcv_nxt);
	if (newer)
		enter_closed(c, 0);
	return newer;
}

void tcp_conn_input(struct tcp_conn *c, const struct tcp_hdr *h, const uint8_t *data, size_t len,
		    uint64_t now)
{
	c->segs_in++;
	if (c->state == TCP_CLOSED)
		return;
	if (c->state == TCP_SYN_SENT) {
		syn_sent_input(c, h, now);
		return;
	}
	c->last_rx_ns = now;
	c->keep_probes = 0;
	if (h->flags & TCP_ACK)
		c->last_ack_recv_ns = now;
	if (len) {
		c->data_segs_in++;
		c->last_data_recv_ns = now;
		/* A segment the host did not cut to the MTU (virtio-net's
		 * GUEST_TSO4) says nothing of the peer's MSS. */
		if (len > c->rcv_mss && len <= c->our_mss)
			c->rcv_mss = (uint16_t)len;
	}
	if (c->state == TCP_SYN_RECEIVED && (h->flags & TCP_SYN) && !(h->flags & TCP_ACK) &&
	    h->seq == c->irs) {
		send_syn(c, now); /* the peer's SYN again: our SYN-ACK was lost */
		return;
	}
	uint32_t seglen = tcp_seg_len(h, len);
	if (!acceptable(c, h->seq, seglen)) {
		/* The peer's FIN once more in TIME_WAIT: our ACK of it was lost.
		 * Answer and wait the whole time again (RFC 9293 3.10.7.4; Linux's
		 * tcp_timewait_state_process), or the peer's next try would find
		 * nobody and it would time out. */
		if (c->state == TCP_TIME_WAIT && (h->flags & TCP_FIN) && h->seq + seglen == c->rcv_nxt)
			c->timewait_at = now + TCP_TIME_WAIT_NS;
		if (!(h->flags & TCP_RST))
			send_ack(c, now);
		return;
	}
	if (h->flags & TCP_RST) {
		if (h->seq != c->rcv_nxt) {
			send_ack(c, now); /* RFC 5961 3.2: a challenge ACK */
			return;
		}
		switch (c->state) {
		case TCP_SYN_RECEIVED:
			enter_closed(c, c->passive ? 0 : ECONNREFUSED);
			break;
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
		case TCP_CLOSE_WAIT:
			enter_closed(c, ECONNRESET);
			break;
		default:
			enter_closed(c, 0);
			break;
		}
		return;
	}
	if (h->flags & TCP_SYN) {
		send_ack(c, now); /* RFC 5961 4.2: a SYN in a synchronized state */
		return;
	}
	if (!(h->flags & TCP_ACK))
		return;
	/* RFC 7323 4.3: the newest timestamp of a segment at the left edge. */
	if (c->ts_ok && h->has_ts && seq_le(h->seq, c->rcv_nxt) &&
	    (int32_t)(h->ts_val - c->ts_recent) >= 0)
		c->ts_recent = h->ts_val;
	if (c->state == TCP_SYN_RECEIVED) {
		if (!(seq_gt(h->ack, c->snd_una) && seq_le(h->ack, c->snd_max))) {
			struct tcp_hdr r;
			if (tcp_reset_for(h, len, &r))
				c->ops->emit(c, &r, 0);
			return;
		}
		established(c, h);
		if (c->fin_queued) /* closed before it was established */
			c->state = TCP_FIN_WAIT_1;
	}
	if (c->state == TCP_TIME_WAIT) {
		if (h->flags & TCP_FIN) {
			send_ack(c, now);
			c->timewait_at = now + TCP_TIME_WAIT_NS;
		}
		return;
	}
	if (!process_ack(c, h, len, now))
		return;
	bool takes_data = c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
			  c->state == TCP_FIN_WAIT_2;
	if (len && takes_data && c->app_closed) {
		/* Nobody will read it: Linux answers with RST (tcp_rcv_state_process). */
		send_rst(c, now);
		enter_closed(c, 0);
		return;
	}
	if ((len || (h->flags & TCP_FIN)) && takes_data)
		receive_data(c, h, data, len, now);
	output(c, now, false);
	arm_keepalive(c, now);
}

/* --- the app's side --- */

int tcp_conn_write(struct tcp_conn *c, size_t n,
		   int (*copy)(void *arg, size_t off, uint8_t *dst, size_t len), void *arg,
		   uint64_t now)
{
	if (n > tcp_conn_send_room(c))
		n = tcp_conn_send_room(c);
	size_t done = 0;
	while (done < n) {
		size_t pos = (c->shead + c->slen) % c->scap;
		size_t run = c->scap - pos;
		if (run > n - done)
			run = n - done;
		int rc = copy(arg, done, c->sbuf + pos, run);
		if (rc < 0) {
			if (!done)
				return rc;
			break;
		}
		c->slen += run;
		done += run;
	}
	output(c, now, false);
	return (int)done;
}

void tcp_conn_set_space(struct tcp_conn *c, size_t space, uint64_t now)
{
	uint32_t before = rcv_window(c);
	c->rcv_space = space;
	if (c->state < TCP_ESTABLISHED || c->fin_received)
		return;
	/* A window update when it opens by two segments or half the buffer
	 * (Linux's __tcp_cleanup_rbuf). */
	uint32_t after = rcv_window(c);
	if (after > before && (after - before >= 2u * c->our_mss || after - before >= c->rcv_buf / 2 ||
			       before == 0))
		send_ack(c, now);
}

void tcp_conn_shutdown(struct tcp_conn *c, uint64_t now)
{
	if (c->fin_queued)
		return;
	switch (c->state) {
	case TCP_SYN_SENT:
		enter_closed(c, 0);
		return;
	case TCP_SYN_RECEIVED:
		c->fin_queued = true; /* sent once established */
		return;
	case TCP_ESTABLISHED:
		c->state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		c->state = TCP_LAST_ACK;
		break;
	default:
		return;
	}
	c->fin_queued = true;
	output(c, now, false);
}

void tcp_conn_close(struct tcp_conn *c, bool abort, uint64_t now)
{
	c->app_closed = true;
	c->keepalive = false;
	c->keep_at = 0;
	if (abort && c->state != TCP_CLOSED && c->state != TCP_TIME_WAIT) {
		if (c->state != TCP_SYN_SENT)
			send_rst(c, now);
		enter_closed(c, 0);
		return;
	}
	tcp_conn_shutdown(c, now);
}

/* --- timers --- */

static void output(struct tcp_conn *c, uint64_t now, bool force);
static void retransmit_head(struct tcp_conn *c, uint64_t now);

static void on_rto(struct tcp_conn *c, uint64_t now)
{
	c->rto_at = 0;
	if (c->rto_is_probe) {
		c->rto_is_probe = false;
		if (c->snd_una != c->snd_max) {
			loss_probe(c, now);
			return;
		}
	}
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		int max = c->passive ? TCP_SYNACK_RETRIES : TCP_SYN_RETRIES;
		if (++c->retries > max) {
			enter_closed(c, ETIMEDOUT);
			return;
		}
		c->total_retrans++;
		send_syn(c, now);
		return;
	}
	if (c->snd_wnd == 0 && c->slen) {
		/* The peer's window is closed: probe it with one byte. Probes the
		 * peer answers do not count (Linux's icsk_probes_out). */
		if (++c->probes > TCP_RETRIES2) {
			send_rst(c, now);
			enter_closed(c, ETIMEDOUT);
			return;
		}
		c->snd_nxt = c->snd_una;
		output(c, now, true);
		arm_rto(c, now);
		return;
	}
	if (c->snd_una == c->snd_max) {
		if (c->slen)
			output(c, now, true); /* what the small window takes */
		return;
	}
	if (++c->retries > TCP_RETRIES2) {
		send_rst(c, now);
		enter_closed(c, ETIMEDOUT);
		return;
	}
	/* RFC 5681 3.1 (equation 4) and go-back-N from the first hole. */
	uint32_t flight = c->snd_max - c->snd_una;
	c->ssthresh = max32(flight / 2, 2u * c->snd_mss);
	c->cwnd = c->snd_mss;
	c->in_recovery = false;
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->rtt_timing = false;
	c->snd_nxt = c->snd_una;
	if (c->snd_wnd == 0)
		output(c, now, true);
	else
		output(c, now, false);
	if (c->snd_nxt == c->snd_una) /* the window let nothing go: resend the head */
		retransmit_head(c, now);
	arm_rto(c, now);
}

static void on_keepalive(struct tcp_conn *c, uint64_t now)
{
	c->keep_at = 0;
	if (!c->keepalive || c->state != TCP_ESTABLISHED)
		return;
	if (c->keep_probes >= (int)c->keepcnt) {
		send_rst(c, now);
		enter_closed(c, ETIMEDOUT);
		return;
	}
	uint64_t idle = now - c->last_rx_ns;
	if (!c->keep_probes && idle < (uint64_t)c->keepidle_s * 1000000000ull) {
		c->keep_at = c->last_rx_ns + (uint64_t)c->keepidle_s * 1000000000ull;
		return;
	}
	/* A probe: one byte before what the peer has, so it must answer. */
	send_segment(c, c->snd_una - 1, 0, 0, now);
	c->keep_probes++;
	arm_keepalive(c, now);
}

void tcp_conn_timer(struct tcp_conn *c, uint64_t now)
{
	if (c->timewait_at && now >= c->timewait_at) {
		enter_closed(c, 0);
		return;
	}
	if (c->rto_at && now >= c->rto_at)
		on_rto(c, now);
	if (c->state == TCP_CLOSED)
		return;
	if (c->delack_at && now >= c->delack_at)
		send_ack(c, now);
	if (c->keep_at && now >= c->keep_at)
		on_keepalive(c, now);
	if (c->state == TCP_CLOSED)
		return;
	if (c->tx_retry_at && now >= c->tx_retry_at) {
		c->tx_retry_at = 0;
		if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED)
			send_syn(c, now);
		else
			output(c, now, false);
	}
}

void tcp_conn_destroy(struct tcp_conn *c)
{
	release_buffers(c);
}
