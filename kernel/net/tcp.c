/*
 * The kernel's side of TCP through eth0 (net/tcp.h). Runs in system calls,
 * in the driver's receive callback and in timer callbacks; interrupts come
 * only while an app runs or the CPU idles, never in kernel code, so these
 * never overlap.
 */
#include "net/tcp.h"

#include "core/boot_step.h"
#include "core/clock.h"
#include "core/random.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/ip_stack.h"
#include "net/tcp_conn.h"
#include "net/tcp_info.h"
#include "sched/sched.h"
#include "sched/timer.h"

#define SEND_BUF_MIN (128u * 1024)
#define SEND_BUF_MAX (4u * 1024 * 1024)
#define SYN_QUEUE_MAX 1024 /* handshakes in progress, all listeners */
#define ACCEPT_QUEUE_FLOOR 128 /* Linux's SOMAXCONN before 5.4 */

struct tcp_stats tcp_stats;

struct tcp_sock {
	struct lsock_remote remote; /* first: an lsock's `remote` points here */
	struct tcp_conn c;
	struct tcp_sock *next;      /* in `conns` */
	struct lsock *u;            /* the app's end (a reference); NULL once it closed */
	struct lsock *listener;     /* passive and not yet queued: its listener (a reference) */
	uint8_t laddr[4], raddr[4];
	struct ktimer timer;
};

/* Every connection, until it is CLOSED and its socket gone. */
static struct tcp_sock *conns;
static int syn_queue;

static const struct local_remote_ops remote_ops;
static const struct tcp_conn_ops conn_ops;

static struct tcp_sock *of(const struct lsock *u)
{
	return (struct tcp_sock *)u->remote;
}

static struct tcp_sock *lookup(const uint8_t raddr[4], uint16_t rport, uint16_t lport)
{
	for (struct tcp_sock *t = conns; t; t = t->next)
		if (t->c.lport == lport && t->c.rport == rport && memcmp(t->raddr, raddr, 4) == 0)
			return t;
	return NULL;
}

static void sync_opts(struct tcp_sock *t)
{
	if (!t->u)
		return;
	struct tcp_sock_opts o;
	inet_tcp_opts(t->u, &o);
	t->c.nodelay = o.nodelay;
	bool was = t->c.keepalive;
	t->c.keepalive = t->u->keepalive;
	t->c.keepidle_s = (uint32_t)o.keepidle;
	t->c.keepintvl_s = (uint32_t)o.keepintvl;
	t->c.keepcnt = (uint32_t)o.keepcnt;
	if (t->c.keepalive && !was && t->c.state == TCP_ESTABLISHED && !t->c.keep_at)
		t->c.keep_at = clock_monotonic_ns() + (uint64_t)o.keepidle * 1000000000ull;
}

static void detach(struct tcp_sock *t)
{
	struct lsock *u = t->u;
	if (!u)
		return;
	u->remote = NULL;
	t->u = NULL;
	sched_external_waker(-1);
	lsock_unref(u);
}

static void destroy(struct tcp_sock *t)
{
	for (struct tcp_sock **pp = &conns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	ktimer_cancel(&t->timer);
	if (t->listener) {
		syn_queue--;
		lsock_unref(t->listener);
	}
	tcp_conn_destroy(&t->c);
	kfree(t);
}

/* After the engine ran: what it did shows on the socket, the timer
 * follows its deadline, and a finished connection goes. */
static void settle(struct tcp_sock *t)
{
	struct tcp_conn *c = &t->c;
	if (t->listener && tcp_conn_synchronized(c)) {
		/* The handshake is done: accept() may take it. */
		struct lsock *l = t->listener;
		t->listener = NULL;
		syn_queue--;
		if (l->state == L_LISTENING && l->sock && t->u) {
			t->u->state = L_CONNECTED;
			t->u->refs++; /* the backlog's */
			lsock_backlog_add(l, t->u);
		} else {
			tcp_stats.listen_overflow++;
			tcp_conn_close(c, true, clock_monotonic_ns());
		}
		lsock_unref(l);
	}
	struct lsock *u = t->u;
	if (u) {
		if (u->handshake && c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED) {
			u->handshake = false;
			if (tcp_conn_synchronized(c) || c->state == TCP_CLOSED)
				u->state = tcp_conn_synchronized(c) ? L_CONNECTED : L_UNCONNECTED;
		}
		if (c->fin_received)
			u->peer_shut_wr = true;
		lsock_kick(u);
		if (c->state == TCP_CLOSED) {
			if (c->err) {
				u->err = c->err;
				u->reset = true;
			}
			u->peer_gone = true;
			detach(t);
		}
	}
	if (c->state == TCP_CLOSED && !t->u) {
		destroy(t);
		return;
	}
	uint64_t at = tcp_conn_deadline(c);
	if (!at)
		ktimer_cancel(&t->timer);
	else if (!t->timer.armed || t->timer.deadline_ns != at)
		ktimer_arm(&t->timer, at);
}

static void on_timer(struct ktimer *k)
{
	struct tcp_sock *t = (struct tcp_sock *)((uint8_t *)k - offsetof(struct tcp_sock, timer));
	tcp_conn_timer(&t->c, clock_monotonic_ns());
	settle(t);
}

static struct tcp_sock *new_conn(struct lsock *u, const uint8_t laddr[4], uint16_t lport,
				 const uint8_t raddr[4], uint16_t rport)
{
	struct tcp_sock *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	size_t cap = u->sndbuf * 4;
	cap = cap < SEND_BUF_MIN ? SEND_BUF_MIN : cap > SEND_BUF_MAX ? SEND_BUF_MAX : cap;
	uint8_t *buf = kmalloc(cap);
	if (!buf) {
		kfree(t);
		return NULL;
	}
	uint32_t iss;
	random_bytes(&iss, sizeof(iss));
	uint16_t mss = (uint16_t)(ether_eth0->nd->mtu - IPV4_HLEN - TCP_HLEN);
	tcp_conn_init(&t->c, &conn_ops, t, lport, rport, iss, mss, u->rcvbuf, clock_monotonic_ns());
	tcp_conn_set_send_buffer(&t->c, buf, cap);
	t->c.tso_max = ether_eth0->tso_max; /* segments past the MSS the device cuts */
	t->remote.ops = &remote_ops;
	memcpy(t->laddr, laddr, 4);
	memcpy(t->raddr, raddr, 4);
	t->timer.fn = on_timer;
	t->u = u;
	u->remote = &t->remote;
	sched_external_waker(+1); /* a segment from outside may wake its threads */
	t->next = conns;
	conns = t;
	sync_opts(t);
	return t;
}

int tcp_connect_v4(struct lsock *u, const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
		   uint16_t dport)
{
	if (!ether_eth0)
		return -ENETUNREACH;
	struct tcp_sock *old = lookup(dst, dport, sport);
	if (old) {
		if (old->c.state != TCP_TIME_WAIT || old->u)
			return -EADDRNOTAVAIL;
		destroy(old); /* as Linux's tcp_tw_reuse for an outgoing connection */
	}
	struct tcp_sock *t = new_conn(u, src, sport, dst, dport);
	if (!t)
		return -ENOMEM;
	u->refs++; /* the connection's */
	u->handshake = true;
	u->err = 0;
	u->reset = u->peer_gone = u->peer_shut_wr = false;
	tcp_conn_connect(&t->c, clock_monotonic_ns());
	settle(t);
	return 0;
}

/* --- the engine's callbacks --- */

static bool conn_emit(struct tcp_conn *c, const struct tcp_hdr *h, size_t len)
{
	struct tcp_sock *t = c->owner;
	size_t hlen = tcp_header_len(h);
	uint8_t *frame = kmalloc(ETH_HLEN + IPV4_HLEN + hlen + len);
	if (!frame)
		return false;
	uint8_t *seg = frame + ETH_HLEN + IPV4_HLEN;
	if (len)
		tcp_conn_copy_out(c, h->seq, seg + hlen, len);
	struct ether_dev *d = ether_eth0;
	if (!d->tx_csum) {
		tcp_build(seg, h, len, t->laddr, t->raddr);
		return ip_send(t->laddr, t->raddr, IPV4_PROTO_TCP, frame, hlen + len) == 0;
	}
	/* The device sums the segment (and cuts one longer than the MSS). */
	struct ether_tx_offload off = { .tcp_csum = true,
					.gso_mss = len > c->snd_mss ? c->snd_mss : 0 };
	tcp_build_partial(seg, h, len, t->laddr, t->raddr);
	return ip_send_tcp(t->laddr, t->raddr, frame, hlen + len, &off) == 0;
}

static void conn_deliver(struct tcp_conn *c, const uint8_t *data, size_t n)
{
	struct tcp_sock *t = c->owner;
	if (t->u)
		lsock_append_bytes(t->u, data, n);
}

static const struct tcp_conn_ops conn_ops = {
	.emit = conn_emit,
	.deliver = conn_deliver,
};

/* --- input --- */

static void send_reset(const struct ipv4_hdr *ip, const struct tcp_hdr *in, size_t len)
{
	struct tcp_hdr r;
	if (!tcp_reset_for(in, len, &r))
		return;
	uint8_t *frame = kmalloc(ETH_HLEN + IPV4_HLEN + TCP_HLEN);
	if (!frame)
		return;
	uint8_t *seg = frame + ETH_HLEN + IPV4_HLEN;
	tcp_build(seg, &r, 0, ip->dst, ip->src);
	ip_send(ip->dst, ip->src, IPV4_PROTO_TCP, frame, TCP_HLEN);
}

/* Handshakes in progress for listener l. */
static int half_open(const struct lsock *l)
{
	int n = 0;
	for (struct tcp_sock *t = conns; t; t = t->next)
		n += t->listener == l;
	return n;
}

/* A SYN for a listener: a new connection in SYN-RECEIVED, if the accept
 * queue has a place for it. Each handshake keeps its place, so one that
 * completes is never thrown away: Linux drops the last ACK of a handshake
 * that finds the queue full and counts on the peer to send its data again,
 * but QEMU's user networking, which answers for every host-side client,
 * then never resends it. A full queue drops the SYN instead (the peer
 * sends it again), and a small backlog counts as ACCEPT_QUEUE_FLOOR, so
 * that a server's listen(5) does not leave clients waiting seconds for
 * SYN retries. */
static void passive_open(struct lsock *l, const struct ipv4_hdr *ip, const struct tcp_hdr *h)
{
	int max = l->backlog_max > ACCEPT_QUEUE_FLOOR ? l->backlog_max : ACCEPT_QUEUE_FLOOR;
	if (l->backlog_len + half_open(l) > max || syn_queue >= SYN_QUEUE_MAX) {
		tcp_stats.syn_queue_full++;
		return;
	}
	struct lsock *u = inet_tcp_child(l, ip->dst, h->dport, ip->src, h->sport);
	if (!u)
		return;
	struct tcp_sock *t = new_conn(u, ip->dst, h->dport, ip->src, h->sport);
	if (!t) {
		lsock_unref(u);
		return;
	}
	t->listener = l;
	l->refs++;
	syn_queue++;
	tcp_conn_accept_syn(&t->c, h, clock_monotonic_ns());
	settle(t);
}

void tcp_v4_input(struct ether_dev *d, const struct ipv4_hdr *ip, const uint8_t *p, size_t len)
{
	struct tcp_hdr h;
	enum tcp_drop why = d->rx_csum_ok ? tcp_parse_unchecked(p, len, &h)
					  : tcp_parse(p, len, ip->src, ip->dst, &h);
	if (why != TCP_OK) {
		tcp_stats.drops[why]++;
		d->stats.rx_dropped++;
		return;
	}
	size_t plen = len - h.hlen;
	struct tcp_sock *t = lookup(ip->src, h.sport, h.dport);
	if (t && inet_tcp_listener(ip->dst, h.dport) && tcp_conn_time_wait_ends_for(&t->c, &h)) {
		settle(t); /* CLOSED: gone, and the SYN opens a new connection below */
		t = NULL;
	}
	if (t) {
		tcp_conn_input(&t->c, &h, p + h.hlen, plen, clock_monotonic_ns());
		settle(t);
		return;
	}
	if ((h.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
		struct lsock *l = inet_tcp_listener(ip->dst, h.dport);
		if (l) {
			passive_open(l, ip, &h);
			return;
		}
	}
	tcp_stats.no_socket++;
	send_reset(ip, &h, plen);
}

/* --- the socket's side (net/local.h) --- */

static size_t remote_send_room(const struct lsock *u)
{
	struct tcp_sock *t = of(u);
	if (t->c.state != TCP_ESTABLISHED && t->c.state != TCP_CLOSE_WAIT)
		return 0;
	return tcp_conn_send_room(&t->c);
}

struct gather_arg {
	const struct kmsg *m;
	size_t skip;
};

static int gather_copy(void *arg, size_t off, uint8_t *dst, size_t len)
{
	struct gather_arg *g = arg;
	return kmsg_gather(g->m, g->skip + off, dst, len);
}

static int64_t remote_send(struct lsock *u, const struct kmsg *m, size_t skip, size_t n)
{
	struct tcp_sock *t = of(u);
	sync_opts(t);
	struct gather_arg g = { m, skip };
	int rc = tcp_conn_write(&t->c, n, gather_copy, &g, clock_monotonic_ns());
	settle(t);
	return rc;
}

static void remote_consumed(struct lsock *u)
{
	struct tcp_sock *t = of(u);
	size_t space = u->rcvbuf > u->rx_bytes ? u->rcvbuf - u->rx_bytes : 0;
	tcp_conn_set_space(&t->c, space, clock_monotonic_ns());
	settle(t);
}

static void remote_shutdown(struct lsock *u)
{
	struct tcp_sock *t = of(u);
	tcp_conn_shutdown(&t->c, clock_monotonic_ns());
	settle(t);
}

static void remote_close(struct lsock *u, bool abort)
{
	struct tcp_sock *t = of(u);
	tcp_conn_close(&t->c, abort, clock_monotonic_ns());
	detach(t);
	settle(t);
}

static size_t remote_outq(const struct lsock *u)
{
	return tcp_conn_unacked(&of(u)->c);
}

static bool remote_all_acked(const struct lsock *u)
{
	enum tcp_state s = of(u)->c.state;
	return s == TCP_FIN_WAIT_2 || s == TCP_TIME_WAIT || s == TCP_CLOSED;
}

/* Whether a connection still owes its peer data or a FIN it has not seen
 * acknowledged. */
static bool sending(void)
{
	for (struct tcp_sock *t = conns; t; t = t->next) {
		switch (t->c.state) {
		case TCP_FIN_WAIT_1:
		case TCP_CLOSING:
		case TCP_LAST_ACK:
			return true;
		case TCP_ESTABLISHED:
		case TCP_CLOSE_WAIT:
			if (tcp_conn_unacked(&t->c))
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

/* The app has exited and its sockets are closed: what it wrote should reach
 * its peers, as on Linux, whose kernel goes on sending after the process is
 * gone. Here the VM ends with the app, so the wait is bounded. */
#define EXIT_SEND_GRACE_NS (3 * 1000000000ull)

static void finish_sending(void)
{
	uint64_t deadline_ns = clock_monotonic_ns() + EXIT_SEND_GRACE_NS;
	while (sending()) {
		uint64_t now = clock_monotonic_ns();
		if (now >= deadline_ns)
			return;
		uint64_t round = now + 10 * 1000000ull;
		sched_wait(NULL, round < deadline_ns ? round : deadline_ns, false, "exit: tcp", 0);
	}
}

EXIT_STEP(finish_sending);

bool tcp_get_info(const struct lsock *u, struct tcp_info *out)
{
	if (!u->remote)
		return false;
	tcp_conn_info(&of(u)->c, clock_monotonic_ns(), ether_eth0 ? ether_eth0->nd->mtu : 1500, out);
	return true;
}

static const struct local_remote_ops remote_ops = {
	.send_room = remote_send_room,
	.send = remote_send,
	.consumed = remote_consumed,
	.shutdown = remote_shutdown,
	.close = remote_close,
	.outq = remote_outq,
	.all_acked = remote_all_acked,
};
