/*
 * AF_INET and AF_INET6 sockets (ip(7), ipv6(7), tcp(7), udp(7), udplite(7)):
 * ports, wildcard and dual-stack binding, and the options apps set. Between
 * the app's own sockets (loopback, and eth0's own address) the data moves
 * as between unix sockets (net/local.c): on loopback a connection loses,
 * reorders and delays nothing, so segments, windows and retransmission
 * would have no work to do. To other hosts over IPv4, UDP datagrams go
 * through net/ip_stack.c and TCP connections through net/tcp.c; IPv6 to
 * other hosts is unreachable (ENETUNREACH). This file names the sockets.
 */
#include "core/cred.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "net/cmsg.h"
#include "net/inet_addr.h"
#include "net/ip_stack.h"
#include "net/local.h"
#include "net/tcp.h"
#include "net/tcp_info.h"

#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_UDPLITE 136

#define IP_TOS 1
#define IP_TTL 2
#define IP_RECVERR 11
#define IP_RECVTTL 12
#define IP_RECVTOS 13
#define IPV6_RECVERR 25
#define IPV6_RECVHOPLIMIT 51
#define IPV6_HOPLIMIT 52
#define IPV6_RECVTCLASS 66
#define IPV6_UNICAST_HOPS 16
#define IPV6_V6ONLY 26
#define IPV6_TCLASS 67
#define TCP_NODELAY 1
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_SYNCNT 7
#define TCP_INFO 11
#define TCP_QUICKACK 12
#define TCP_USER_TIMEOUT 18
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11

#define EPHEMERAL_FIRST 32768 /* net.ipv4.ip_local_port_range */
#define EPHEMERAL_LAST 60999
#define PRIVILEGED_PORTS 1024
#define MAX_UDP_PAYLOAD 65507

/* Integer options. Most only report back what was set: on loopback they
 * change no behaviour an app can see (no hops to count, no delay to
 * avoid, no peer to probe). The hop limit (TTL) and traffic class (TOS)
 * travel with each datagram, and the IP*_RECV* ones ask to see them. */
struct int_opt {
	int level, name;
	int min, max, def;
	bool boolean;
};

static const struct int_opt int_opts[] = {
	{ IPPROTO_IP, IP_TOS, 0, 255, 0, false },
	{ IPPROTO_IP, IP_TTL, 1, 255, 64, false },
	{ IPPROTO_IP, IP_RECVTTL, 0, 1, 0, true },
	{ IPPROTO_IP, IP_RECVTOS, 0, 1, 0, true },
	/* ICMP errors reach an unconnected UDP socket too (as SO_ERROR; there
	 * is no MSG_ERRQUEUE yet). glibc's resolver sets it. */
	{ IPPROTO_IP, IP_RECVERR, 0, 1, 0, true },
	{ IPPROTO_IPV6, IPV6_RECVERR, 0, 1, 0, true },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, 0, 255, 64, false },
	{ IPPROTO_IPV6, IPV6_TCLASS, 0, 255, 0, false },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 0, 1, 0, true },
	{ IPPROTO_IPV6, IPV6_RECVTCLASS, 0, 1, 0, true },
	{ IPPROTO_TCP, TCP_NODELAY, 0, 1, 0, true },
	{ IPPROTO_TCP, TCP_CORK, 0, 1, 0, true },
	{ IPPROTO_TCP, TCP_KEEPIDLE, 1, 32767, 7200, false },
	{ IPPROTO_TCP, TCP_KEEPINTVL, 1, 32767, 75, false },
	{ IPPROTO_TCP, TCP_KEEPCNT, 1, 127, 9, false },
	{ IPPROTO_TCP, TCP_SYNCNT, 1, 127, 6, false },
	{ IPPROTO_TCP, TCP_QUICKACK, 0, 1, 1, true },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, 0, 0x7fffffff, 0, false },
	/* UDP-Lite checksum coverage: loopback corrupts nothing to check. */
	{ IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 0, 0xffff, 0, false },
	{ IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV, 0, 0xffff, 0, false },
};
#define N_INT_OPTS (sizeof(int_opts) / sizeof(int_opts[0]))

struct inet_sock {
	struct lsock *next; /* in the list of sockets holding a port */
	bool v6only;
	/* A UDP socket with a port while there is a network device: a
	 * datagram from outside may wake its reader, so all threads waiting
	 * is no deadlock (sched_external_waker). */
	bool net_waker;
	int opt[N_INT_OPTS];
};

/* Sockets holding a port (bound, or named by a connect or send). */
static struct lsock *bound;

static struct inet_sock *isk(const struct lsock *u)
{
	return (struct inet_sock *)u->priv;
}

static struct inet_endpoint *ep(struct lsock *u)
{
	return (struct inet_endpoint *)u->addr.bytes;
}

static const struct inet_endpoint *ep_of(const struct local_addr *a)
{
	return (const struct inet_endpoint *)a->bytes;
}

static bool has_port(const struct lsock *u)
{
	return u->addr.len != 0;
}

static struct inet_binding binding(struct lsock *u, const uint8_t *addr)
{
	return (struct inet_binding){ u->domain, isk(u)->v6only, addr };
}

/* --- ports --- */

/* TCP, UDP and UDP-Lite each have their own ports. */
static bool same_transport(const struct lsock *a, const struct lsock *b)
{
	return a->type == b->type && a->protocol == b->protocol;
}

/* May `u`, bound to addr, share `port` with `other`? */
static bool may_share(struct lsock *u, const uint8_t *addr, struct lsock *other)
{
	struct inet_binding a = binding(u, addr), b = binding(other, ep(other)->addr);
	if (!inet_bindings_clash(&a, &b))
		return true;
	if (u->reuseport && other->reuseport)
		return true;
	/* SO_REUSEADDR on both: fine unless a TCP one is listening. */
	return u->reuseaddr && other->reuseaddr &&
	       (u->type == SOCK_DGRAM || (u->state != L_LISTENING && other->state != L_LISTENING));
}

static bool port_free(struct lsock *u, const uint8_t *addr, uint16_t port)
{
	for (struct lsock *o = bound; o; o = isk(o)->next)
		if (o != u && same_transport(o, u) && ep(o)->port == port && !may_share(u, addr, o))
			return false;
	return true;
}

/* Gives `u` the name addr:port; port 0 picks a free ephemeral one. */
static int take_port(struct lsock *u, const uint8_t addr[16], uint16_t port)
{
	static uint16_t next_ephemeral = EPHEMERAL_FIRST;
	if (port == 0) {
		for (int tries = 0; tries <= EPHEMERAL_LAST - EPHEMERAL_FIRST; tries++) {
			uint16_t p = next_ephemeral;
			next_ephemeral = p == EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
			if (port_free(u, addr, p)) {
				port = p;
				break;
			}
		}
		if (port == 0)
			return -EADDRINUSE;
	} else if (!port_free(u, addr, port)) {
		return -EADDRINUSE;
	}
	struct inet_endpoint *e = ep(u);
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, addr, 16);
	e->port = port;
	u->addr.len = sizeof(*e);
	isk(u)->next = bound;
	bound = u;
	if (ether_eth0 && u->type == SOCK_DGRAM) {
		isk(u)->net_waker = true;
		sched_external_waker(+1);
	}
	return 0;
}

static int autobind(struct lsock *u)
{
	if (has_port(u))
		return 0;
	uint8_t any[16];
	inet_any(u->domain, any);
	return take_port(u, any, 0);
}

/* --- off this machine: UDP over IPv4 through eth0 (net/ip_stack.c) --- */

static int opt(const struct lsock *u, int level, int name);
static void inet_inherit(struct lsock *server, const struct lsock *listener);

static bool is_eth_address(const uint8_t a[16])
{
	return inet_is_v4(a) && ip_is_local_address(a + 12);
}

/* May u reach the non-loopback address a? UDP and TCP over IPv4 leave
 * the machine; UDP-Lite and IPv6 to other hosts stay unreachable. */
static bool goes_out(const struct lsock *u, const uint8_t a[16])
{
	if (u->protocol != IPPROTO_UDP && u->protocol != IPPROTO_TCP)
		return false;
	if (!inet_is_v4(a))
		return false;
	if (u->domain == AF_INET6 && isk(u)->v6only)
		return false;
	return ip_route_ok(a + 12);
}

static void v4_endpoint(struct local_addr *out, const uint8_t v4[4], uint16_t port)
{
	struct inet_endpoint *e = (struct inet_endpoint *)out->bytes;
	memset(e, 0, sizeof(*e));
	e->addr[10] = e->addr[11] = 0xff;
	memcpy(e->addr + 12, v4, 4);
	e->port = port;
	out->len = sizeof(*e);
}

static int inet_send_remote(struct lsock *u, const struct local_addr *dest,
			    const struct local_addr *src, const uint8_t *data, size_t len,
			    const struct local_meta *meta)
{
	const struct inet_endpoint *d = ep_of(dest), *s = ep_of(src);
	return ip_send_udp(s->addr + 12, s->port, d->addr + 12, d->port, data, len,
			   (uint8_t)meta->hops, (uint8_t)meta->tclass);
}

bool inet_udp_deliver(const uint8_t src[4], uint16_t sport, const uint8_t dst[4], uint16_t dport,
		      const uint8_t *data, size_t len, uint8_t ttl, uint8_t tos)
{
	struct local_addr from, to;
	v4_endpoint(&from, src, sport);
	v4_endpoint(&to, dst, dport);
	const uint8_t *dst16 = ep_of(&to)->addr;
	struct lsock *best = NULL;
	int best_score = -1;
	for (struct lsock *o = bound; o; o = isk(o)->next) {
		struct inet_binding b = binding(o, ep(o)->addr);
		if (o->type != SOCK_DGRAM || o->protocol != IPPROTO_UDP || ep(o)->port != dport ||
		    !o->sock || !inet_binding_accepts(&b, dst16))
			continue;
		bool connected = o->state == L_CONNECTED;
		if (connected && !local_addr_equal(&o->peer_addr, &from))
			continue; /* a connected UDP socket hears only its peer */
		/* As Linux's compute_score: a bound address and a peer count. */
		int score = (inet_is_any(ep(o)->addr) ? 0 : 2) + (connected ? 4 : 0) +
			    (o->domain == AF_INET ? 1 : 0);
		if (score > best_score) {
			best = o;
			best_score = score;
		}
	}
	if (!best)
		return false;
	struct local_meta meta = { ttl, tos };
	lsock_deliver(best, data, len, &from, &meta);
	return true;
}

void inet_udp_refused(const uint8_t src[4], uint16_t sport, const uint8_t dst[4], uint16_t dport)
{
	struct local_addr peer;
	v4_endpoint(&peer, dst, dport);
	for (struct lsock *o = bound; o; o = isk(o)->next) {
		/* Only a connected socket hears of it, or one that asked (IP_RECVERR). */
		bool recverr = opt(o, IPPROTO_IP, IP_RECVERR) ||
			       (o->domain == AF_INET6 && opt(o, IPPROTO_IPV6, IPV6_RECVERR));
		if (o->type == SOCK_DGRAM && o->protocol == IPPROTO_UDP && ep(o)->port == sport &&
		    ((o->state == L_CONNECTED && local_addr_equal(&o->peer_addr, &peer)) ||
		     (o->state != L_CONNECTED && recverr))) {
			o->err = ECONNREFUSED;
			lsock_kick(o);
		}
	}
}

/* --- the family's part --- */

static int inet_bind(struct lsock *u, const void *sa, size_t len)
{
	struct inet_endpoint e;
	int rc = inet_endpoint_read(sa, len, u->domain, &e);
	if (rc < 0)
		return rc;
	if (has_port(u))
		return -EINVAL;
	if (!inet_is_any(e.addr) && !inet_is_loopback(e.addr) && !is_eth_address(e.addr))
		return -EADDRNOTAVAIL; /* lo's and eth0's addresses are the only ones here */
	if (u->domain == AF_INET6 && inet_is_v4(e.addr) && isk(u)->v6only)
		return -EINVAL;
	if (e.port && e.port < PRIVILEGED_PORTS && !cred_capable())
		return -EACCES;
	return take_port(u, e.addr, e.port);
}

static int inet_parse(struct lsock *u, const void *sa, size_t len, struct local_addr *dest)
{
	struct inet_endpoint *e = (struct inet_endpoint *)dest->bytes;
	int rc = inet_endpoint_read(sa, len, u->domain, e);
	if (rc < 0)
		return rc;
	if (e->port == 0 && u->type == SOCK_DGRAM)
		return -EINVAL;
	if (inet_is_any(e->addr)) /* "this host": Linux sends it to loopback */
		inet_loopback_for(e->addr, e->addr);
	if (!inet_is_loopback(e->addr) && !goes_out(u, e->addr))
		return -ENETUNREACH;
	if (u->domain == AF_INET6 && inet_is_v4(e->addr) && isk(u)->v6only)
		return -ENETUNREACH;
	dest->len = sizeof(*e);
	return 0;
}

static int inet_find(struct lsock *u, const struct local_addr *dest, struct lsock **target,
		     struct local_addr *src)
{
	const struct inet_endpoint *d = ep_of(dest);
	int rc = autobind(u);
	if (rc < 0)
		return rc;
	/* The flow starts from loopback; a connected TCP socket is named so. */
	*src = u->addr;
	struct inet_endpoint *s = (struct inet_endpoint *)src->bytes;
	if (!inet_is_loopback(d->addr)) {
		/* Out through eth0, from its address. */
		uint8_t local[4];
		if (inet_is_any(s->addr) && ip_local_address(local))
			v4_endpoint(src, local, s->port);
		else if (!is_eth_address(s->addr))
			return -EINVAL; /* bound to loopback: no route from there */
		if (u->type == SOCK_STREAM)
			u->addr = *src;
		return LOCAL_REMOTE;
	}
	if (inet_is_any(s->addr))
		inet_loopback_for(d->addr, s->addr);
	if (u->type == SOCK_STREAM)
		u->addr = *src;
	struct lsock *best = NULL;
	for (struct lsock *o = bound; o; o = isk(o)->next) {
		struct inet_binding b = binding(o, ep(o)->addr);
		if (!same_transport(o, u) || ep(o)->port != d->port || !o->sock ||
		    !inet_binding_accepts(&b, d->addr))
			continue;
		if (u->type == SOCK_STREAM && o->state != L_LISTENING)
			continue;
		/* A socket bound to the very address beats a wildcard one. */
		if (!best || !inet_is_any(ep(o)->addr))
			best = o;
	}
	if (!best)
		return -ECONNREFUSED;
	*target = best;
	return 0;
}

static int inet_connect_remote(struct lsock *u, const struct local_addr *dest,
			       const struct local_addr *src)
{
	const struct inet_endpoint *d = ep_of(dest), *s = ep_of(src);
	int rc = tcp_connect_v4(u, s->addr + 12, s->port, d->addr + 12, d->port);
	if (rc == 0)
		u->peer_addr = *dest;
	return rc;
}

struct lsock *inet_tcp_listener(const uint8_t dst[4], uint16_t port)
{
	struct local_addr to;
	v4_endpoint(&to, dst, port);
	const uint8_t *dst16 = ep_of(&to)->addr;
	struct lsock *best = NULL;
	for (struct lsock *o = bound; o; o = isk(o)->next) {
		struct inet_binding b = binding(o, ep(o)->addr);
		if (o->type != SOCK_STREAM || o->state != L_LISTENING || ep(o)->port != port ||
		    !o->sock || !inet_binding_accepts(&b, dst16))
			continue;
		if (!best || !inet_is_any(ep(o)->addr))
			best = o; /* the very address beats a wildcard */
	}
	return best;
}

struct lsock *inet_tcp_child(struct lsock *listener, const uint8_t laddr[4], uint16_t lport,
			     const uint8_t raddr[4], uint16_t rport)
{
	struct lsock *c = lsock_new(listener->fam, listener->domain, SOCK_STREAM,
				    listener->protocol);
	if (!c)
		return NULL;
	inet_inherit(c, listener);
	v4_endpoint(&c->addr, laddr, lport);
	v4_endpoint(&c->peer_addr, raddr, rport);
	return c;
}

void inet_tcp_opts(const struct lsock *u, struct tcp_sock_opts *o)
{
	o->nodelay = opt(u, IPPROTO_TCP, TCP_NODELAY);
	o->keepidle = opt(u, IPPROTO_TCP, TCP_KEEPIDLE);
	o->keepintvl = opt(u, IPPROTO_TCP, TCP_KEEPINTVL);
	o->keepcnt = opt(u, IPPROTO_TCP, TCP_KEEPCNT);
}

static int inet_listen(struct lsock *u)
{
	int rc = autobind(u);
	if (rc < 0)
		return rc;
	if (ether_eth0 && !isk(u)->net_waker) {
		/* A connection from outside may wake its accept(). */
		isk(u)->net_waker = true;
		sched_external_waker(+1);
	}
	for (struct lsock *o = bound; o; o = isk(o)->next) {
		struct inet_binding a = binding(u, ep(u)->addr), b = binding(o, ep(o)->addr);
		if (o != u && same_transport(o, u) && o->state == L_LISTENING &&
		    ep(o)->port == ep(u)->port && inet_bindings_clash(&a, &b) &&
		    !(u->reuseport && o->reuseport))
			return -EADDRINUSE;
	}
	return 0;
}

static size_t inet_format(const struct lsock *viewer, const struct local_addr *a, void *out)
{
	struct inet_endpoint none = { 0 };
	if (!a->len)
		inet_any(viewer->domain, none.addr);
	return inet_endpoint_write(a->len ? ep_of(a) : &none, viewer->domain, out);
}

static void inet_release(struct lsock *u)
{
	if (isk(u)->net_waker) {
		isk(u)->net_waker = false;
		sched_external_waker(-1);
	}
	for (struct lsock **pp = &bound; *pp; pp = &isk(*pp)->next) {
		if (*pp == u) {
			*pp = isk(u)->next;
			return;
		}
	}
}

static void inet_init(struct lsock *u)
{
	/* Linux's defaults: tcp_rmem / tcp_wmem, and rmem_default for UDP. */
	if (u->type == SOCK_STREAM) {
		u->rcvbuf = 131072;
		u->sndbuf = 16384;
	}
	for (size_t i = 0; i < N_INT_OPTS; i++)
		isk(u)->opt[i] = int_opts[i].def;
}

static void inet_inherit(struct lsock *server, const struct lsock *listener)
{
	isk(server)->v6only = isk(listener)->v6only;
	memcpy(isk(server)->opt, isk(listener)->opt, sizeof(isk(server)->opt));
	server->rcvbuf = listener->rcvbuf;
	server->sndbuf = listener->sndbuf;
	server->keepalive = listener->keepalive;
	server->oobinline = listener->oobinline;
	server->linger = listener->linger;
}

/* Is `level` one this socket has (TCP options on a UDP socket are not)? */
static bool has_level(const struct lsock *u, int level)
{
	switch (level) {
	case IPPROTO_IP:
		return true;
	case IPPROTO_IPV6:
		return u->domain == AF_INET6;
	case IPPROTO_TCP:
		return u->type == SOCK_STREAM;
	case IPPROTO_UDP:
		return u->type == SOCK_DGRAM;
	case IPPROTO_UDPLITE:
		return u->protocol == IPPROTO_UDPLITE;
	default:
		return false;
	}
}

/* The option (level, name): -EOPNOTSUPP for a level the socket lacks,
 * -ENOPROTOOPT for a name unknown here. */
static int find_opt(const struct lsock *u, int level, int name, size_t *index)
{
	if (!has_level(u, level))
		return -EOPNOTSUPP;
	for (size_t i = 0; i < N_INT_OPTS; i++) {
		if (int_opts[i].level == level && int_opts[i].name == name) {
			*index = i;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}

static int inet_setsockopt(struct lsock *u, int level, int name, const void *val, size_t len)
{
	int v;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(int));
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && u->domain == AF_INET6) {
		if (has_port(u))
			return -EINVAL; /* decided at bind time */
		isk(u)->v6only = v != 0;
		return 0;
	}
	size_t i;
	int rc = find_opt(u, level, name, &i);
	if (rc < 0)
		return rc;
	const struct int_opt *o = &int_opts[i];
	if (o->boolean)
		v = v != 0;
	else if (v == -1 && (name == IP_TTL || name == IPV6_UNICAST_HOPS || name == IPV6_TCLASS))
		v = o->def; /* -1 asks for the default */
	else if (level == IPPROTO_UDPLITE)
		v = v == 0 ? 0 : v < 8 ? 8 : v > 0xffff ? 0xffff : v; /* Linux clamps these */
	else if (v < o->min || v > o->max)
		return -EINVAL;
	isk(u)->opt[i] = v;
	return 0;
}

/* TCP_INFO: from the engine for a connection through eth0; otherwise
 * what the socket's state says (loopback's MTU is 65536). */
static void tcp_info_for(const struct lsock *u, struct tcp_info *ti)
{
	if (tcp_get_info(u, ti))
		return;
	enum linux_tcp_state s = u->state == L_LISTENING ? LINUX_TCP_LISTEN
				 : u->state != L_CONNECTED ? LINUX_TCP_CLOSE
				 : u->peer_gone || u->peer_shut_wr ? LINUX_TCP_CLOSE_WAIT
				 : LINUX_TCP_ESTABLISHED;
	tcp_info_simple(s, s == LINUX_TCP_ESTABLISHED || s == LINUX_TCP_CLOSE_WAIT
			       ? 65536 - IPV4_HLEN - TCP_HLEN : TCP_MSS_DEFAULT, ti);
}

static int inet_getsockopt(struct lsock *u, int level, int name, void *val, size_t *len)
{
	int v;
	size_t i;
	int rc = 0;
	if (level == IPPROTO_TCP && name == TCP_INFO && u->type == SOCK_STREAM) {
		struct tcp_info ti;
		tcp_info_for(u, &ti);
		size_t n = *len < sizeof(ti) ? *len : sizeof(ti);
		memcpy(val, &ti, n);
		*len = n;
		return 0;
	}
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && u->domain == AF_INET6)
		v = isk(u)->v6only;
	else if ((rc = find_opt(u, level, name, &i)) == 0)
		v = isk(u)->opt[i];
	else
		return rc;
	size_t n = *len < sizeof(v) ? *len : sizeof(v);
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

static int opt(const struct lsock *u, int level, int name)
{
	for (size_t i = 0; i < N_INT_OPTS; i++)
		if (int_opts[i].level == level && int_opts[i].name == name)
			return isk(u)->opt[i];
	return 0;
}

/* A datagram leaves with the socket's hop limit (TTL) and traffic class
 * (TOS); on loopback it arrives with them unchanged. */
static void inet_meta_defaults(const struct lsock *u, struct local_meta *meta)
{
	bool v6 = u->domain == AF_INET6;
	meta->hops = v6 ? opt(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS) : opt(u, IPPROTO_IP, IP_TTL);
	meta->tclass = v6 ? opt(u, IPPROTO_IPV6, IPV6_TCLASS) : opt(u, IPPROTO_IP, IP_TOS);
}

/* One datagram's hop limit or traffic class (ipv6(7), ip(7)); other
 * levels than the socket's IP one are skipped, as Linux does. */
static int inet_send_cmsg(const struct lsock *u, const struct cmsg *c, struct local_meta *meta)
{
	if (c->level != (u->domain == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP))
		return 0;
	size_t len = cmsg_data_len(c);
	int v = 0;
	if (len == sizeof(int))
		memcpy(&v, cmsg_data(c), sizeof(int));
	else if (len == 1 && c->level == IPPROTO_IP && c->type == IP_TOS)
		v = *(const uint8_t *)cmsg_data(c);
	else
		return -EINVAL;
	if (u->domain == AF_INET6 && c->level == IPPROTO_IPV6 &&
	    (c->type == IPV6_HOPLIMIT || c->type == IPV6_TCLASS)) {
		if (v < -1 || v > 255)
			return -EINVAL;
		if (v >= 0 && c->type == IPV6_HOPLIMIT) /* -1: the socket's */
			meta->hops = v;
		else if (v >= 0)
			meta->tclass = v;
		return 0;
	}
	if (c->level == IPPROTO_IP && c->type == IP_TTL && v >= 1 && v <= 255) {
		meta->hops = v;
		return 0;
	}
	if (c->level == IPPROTO_IP && c->type == IP_TOS && v >= 0 && v <= 255) {
		meta->tclass = v;
		return 0;
	}
	return -EINVAL; /* IP_PKTINFO and the rest: not kept */
}

static void inet_recv_cmsgs(const struct lsock *u, const struct local_msg *msg, struct kmsg *m,
			    size_t *used)
{
	if (u->type != SOCK_DGRAM)
		return;
	int hops = msg->meta.hops, tclass = msg->meta.tclass;
	if (u->domain == AF_INET6) {
		if (opt(u, IPPROTO_IPV6, IPV6_RECVHOPLIMIT))
			cmsg_put(m, used, IPPROTO_IPV6, IPV6_HOPLIMIT, &hops, sizeof(hops));
		if (opt(u, IPPROTO_IPV6, IPV6_RECVTCLASS))
			cmsg_put(m, used, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
		return;
	}
	uint8_t tos = (uint8_t)tclass;
	if (opt(u, IPPROTO_IP, IP_RECVTTL))
		cmsg_put(m, used, IPPROTO_IP, IP_TTL, &hops, sizeof(hops));
	if (opt(u, IPPROTO_IP, IP_RECVTOS))
		cmsg_put(m, used, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

static const struct local_family inet_family = {
	.priv_size = sizeof(struct inet_sock),
	.inet = true,
	.max_dgram = MAX_UDP_PAYLOAD,
	.init = inet_init,
	.bind = inet_bind,
	.parse = inet_parse,
	.find = inet_find,
	.listen = inet_listen,
	.connect_remote = inet_connect_remote,
	.send_remote = inet_send_remote,
	.inherit = inet_inherit,
	.format = inet_format,
	.meta_defaults = inet_meta_defaults,
	.send_cmsg = inet_send_cmsg,
	.recv_cmsgs = inet_recv_cmsgs,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.release = inet_release,
};

int inet_socket_create(int domain, int type, int protocol, unsigned file_flags, struct file **out)
{
	int proto;
	if (type == SOCK_STREAM)
		proto = IPPROTO_TCP;
	else if (type == SOCK_DGRAM)
		proto = protocol == IPPROTO_UDPLITE ? IPPROTO_UDPLITE : IPPROTO_UDP;
	else
		return type == SOCK_RAW ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT; /* no IP layer */
	if (protocol != 0 && protocol != proto)
		return -EPROTONOSUPPORT;
	struct lsock *u = lsock_new(&inet_family, domain, type, proto);
	if (!u)
		return -ENOMEM;
	int rc = lsock_open(u, file_flags, out);
	if (rc < 0)
		lsock_unref(u);
	return rc;
}
