/*
 * One TCP connection's protocol engine (RFC 9293), portable: the state
 * machine with simultaneous open and close, TIME_WAIT and the RST rules
 * (with RFC 5961's challenge ACKs); MSS, window scaling and timestamps
 * (RFC 7323); retransmission per RFC 6298 with exponential backoff; slow
 * start, congestion avoidance, fast retransmit and NewReno recovery (RFC
 * 5681, 6582) with limited transmit (RFC 3042), early retransmit (RFC
 * 5827), tail loss probes (RFC 8985 7) and a retransmission that is lost
 * again found by the duplicates that keep coming; delayed ACKs; Nagle's
 * algorithm; zero-window probes; keepalive. No SACK (the SACK-permitted
 * option is never offered).
 *
 * It knows nothing of sockets, devices or clocks: its owner (net/tcp.c in
 * the kernel, tests/unit/test_tcp_conn.py on the host) feeds it segments
 * and the time, and it answers through tcp_conn_ops. Time is in
 * nanoseconds of a monotonic clock; the owner calls tcp_conn_timer once
 * tcp_conn_deadline() has passed.
 */
#ifndef UPY_NET_TCP_CONN_H
#define UPY_NET_TCP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/tcp_seg.h"

enum tcp_state {
	TCP_CLOSED,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

struct tcp_conn;

struct tcp_conn_ops {
	/* Sends the segment h with len payload bytes from sequence h->seq
	 * (tcp_conn_copy_out gives them). false: no room in the device now;
	 * the engine tries again shortly. */
	bool (*emit)(struct tcp_conn *c, const struct tcp_hdr *h, size_t len);
	/* In-order data for the app. The engine never hands over more than
	 * the room the owner last reported (tcp_conn_set_space). */
	void (*deliver)(struct tcp_conn *c, const uint8_t *data, size_t n);
};

/* A segment that arrived before the ones in front of it. */
struct tcp_ooo {
	struct tcp_ooo *next;
	uint32_t seq, len;
	bool fin;
	uint8_t data[];
};

#define TCP_MSS_DEFAULT 536     /* a peer that names none (RFC 9293 3.7.1) */
#define TCP_RCV_WSCALE 7        /* as Linux: room for an 8 MiB window */
#define TCP_RTO_INITIAL_NS 1000000000ull
#define TCP_RTO_MIN_NS 200000000ull     /* Linux's TCP_RTO_MIN */
#define TCP_RTO_MAX_NS 120000000000ull  /* and TCP_RTO_MAX */
#define TCP_DELACK_NS 40000000ull       /* Linux's TCP_DELACK_MIN */
#define TCP_DELACK_MAX_NS 200000000ull  /* Linux's TCP_DELACK_MAX */
#define TCP_PTO_MIN_NS 2000000ull        /* Linux's TCP_TIMEOUT_MIN, 2 ms */
#define TCP_TIME_WAIT_NS 60000000000ull /* Linux's TCP_TIMEWAIT_LEN */
#define TCP_SYN_RETRIES 6               /* net.ipv4.tcp_syn_retries */
#define TCP_SYNACK_RETRIES 5            /* net.ipv4.tcp_synack_retries */
#define TCP_RETRIES2 15                 /* net.ipv4.tcp_retries2 */
#define TCP_TX_RETRY_NS 1000000ull      /* after the device had no room */

struct tcp_conn {
	const struct tcp_conn_ops *ops;
	void *owner;
	enum tcp_state state;
	int err;            /* why it closed: ECONNREFUSED, ECONNRESET, ETIMEDOUT; 0 */
	bool passive;       /* opened by the peer's SYN */
	bool app_closed;    /* the app closed its socket: data that comes is answered by RST */
	uint16_t lport, rport;
	uint16_t our_mss;   /* what we announce: the MTU less 40 */

	/* Sending: buffered bytes start at sequence sbuf_seq (after the SYN). */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
	uint8_t snd_wscale, rcv_wscale;
	bool ts_ok;
	uint16_t snd_mss;   /* payload bytes per segment, options excluded */
	uint8_t *sbuf;
	size_t scap, shead, slen;
	uint32_t sbuf_seq;
	bool fin_queued;    /* the app will send no more: FIN after the data */
	bool nodelay;

	/* Congestion control (RFC 5681, 6582). */
	uint32_t cwnd, ssthresh, recover;
	int dupacks;
	bool in_recovery;
	uint64_t head_retx_ns; /* when retransmit_head last sent snd_una's segment */
	/* Tail loss probe (RFC 8985 7): rto_at is a probe timeout, not the RTO;
	 * one probe per flight (cleared when an ACK moves snd_una). */
	bool rto_is_probe, probe_sent;
	/* The longest segment to hand the owner: the device cuts it to the MSS
	 * (TSO); 0 or less than snd_mss: snd_mss. */
	uint32_t tso_max;

	/* Round-trip time and retransmission (RFC 6298). */
	uint64_t srtt_ns, rttvar_ns, rto_ns;
	bool rtt_valid;
	bool rtt_timing;    /* without timestamps: one segment is timed (Karn) */
	uint32_t rtt_seq;
	uint64_t rtt_start;
	int retries;        /* expirations since the last forward progress */
	int probes;         /* zero-window probes unanswered */

	/* Receiving. */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: the right edge we announced */
	size_t rcv_space;               /* room in the app's queue */
	size_t rcv_buf;                 /* the app's whole receive buffer */
	uint32_t ts_recent;
	int unacked;                    /* segments received and not yet ACKed */
	struct tcp_ooo *ooo;
	bool fin_received;

	/* Keepalive (tcp(7)), set by the owner. */
	bool keepalive;
	uint32_t keepidle_s, keepintvl_s, keepcnt;
	int keep_probes;
	uint64_t last_rx_ns;

	/* Timers: 0 when not armed. */
	uint64_t rto_at, delack_at, keep_at, timewait_at, tx_retry_at;

	/* Counters (TCP_INFO, net/tcp_info.c). */
	uint32_t total_retrans, segs_out, segs_in, data_segs_out, data_segs_in;
	uint64_t bytes_sent, bytes_retrans, bytes_acked, bytes_received;
	uint16_t rcv_mss;   /* the largest payload received */
	uint64_t last_data_sent_ns, last_data_recv_ns, last_ack_recv_ns;
};

/* A fresh connection; iss is its initial sequence number (random). */
void tcp_conn_init(struct tcp_conn *c, const struct tcp_conn_ops *ops, void *owner,
		   uint16_t lport, uint16_t rport, uint32_t iss, uint16_t our_mss,
		   size_t rcv_buf, uint64_t now);
/* Gives the connection its send buffer (cap bytes, owned by the engine
 * from now on: tcp_conn_destroy frees it). */
void tcp_conn_set_send_buffer(struct tcp_conn *c, uint8_t *buf, size_t cap);
/* Active open: sends the SYN. */
void tcp_conn_connect(struct tcp_conn *c, uint64_t now);
/* Passive open from a listener's SYN: answers with SYN-ACK. */
void tcp_conn_accept_syn(struct tcp_conn *c, const struct tcp_hdr *syn, uint64_t now);
/* A segment for this connection (payload len bytes). */
/* Whether SYN h (no ACK) for c's four-tuple may end c's TIME_WAIT, as RFC
 * 6191 and Linux allow: it starts past what c received (newer timestamps,
 * or without them a higher sequence number), so no old duplicate can be
 * mistaken for the new connection. Then c is CLOSED and the SYN is for a
 * listener; else c answers it as TIME_WAIT does. */
bool tcp_conn_time_wait_ends_for(struct tcp_conn *c, const struct tcp_hdr *h);

void tcp_conn_input(struct tcp_conn *c, const struct tcp_hdr *h, const uint8_t *data, size_t len,
		    uint64_t now);

/* Bytes the app may write now. */
size_t tcp_conn_send_room(const struct tcp_conn *c);
/* Bytes written and not yet acknowledged. */
size_t tcp_conn_unacked(const struct tcp_conn *c);
/* Appends n <= room bytes that copy() produces (it fills dst with len
 * bytes starting at offset off of what is written; < 0: give up). */
int tcp_conn_write(struct tcp_conn *c, size_t n,
		   int (*copy)(void *arg, size_t off, uint8_t *dst, size_t len), void *arg,
		   uint64_t now);
/* The payload of a segment being emitted: n bytes from sequence seq. */
void tcp_conn_copy_out(const struct tcp_conn *c, uint32_t seq, uint8_t *dst, size_t n);
/* The app's receive queue has this much room now (it read some). */
void tcp_conn_set_space(struct tcp_conn *c, size_t space, uint64_t now);
/* The app will send no more (shutdown(SHUT_WR), or a close). */
void tcp_conn_shutdown(struct tcp_conn *c, uint64_t now);
/* The app closed its socket; abort: a RST instead of a FIN (unread data,
 * SO_LINGER 0). */
void tcp_conn_close(struct tcp_conn *c, bool abort, uint64_t now);

/* When tcp_conn_timer is next due (0: no timer armed). */
uint64_t tcp_conn_deadline(const struct tcp_conn *c);
void tcp_conn_timer(struct tcp_conn *c, uint64_t now);

/* Whether the connection has its SYN acknowledged both ways, and whether
 * it can still carry data toward the app. */
static inline bool tcp_conn_synchronized(const struct tcp_conn *c)
{
	return c->state >= TCP_ESTABLISHED;
}

/* Frees what the engine holds (send buffer, out-of-order segments). */
void tcp_conn_destroy(struct tcp_conn *c);

#endif
