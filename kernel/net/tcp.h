/*
 * TCP over IPv4 through eth0: the connections of the sockets whose peer
 * is off this machine. Each one is a protocol engine (net/tcp_conn.c) tied
 * to its socket end (net/local.h's lsock_remote): segments in from the IP
 * layer, out through it, timers from sched/timer.h, and what the engine
 * delivers queued on the socket as a local peer's data would be. TCP
 * between the app's own sockets stays in net/local.c.
 */
#ifndef UPY_NET_TCP_H
#define UPY_NET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ether.h"
#include "net/ipv4.h"
#include "net/local.h"
#include "net/tcp_seg.h"

/* Segments dropped on input, by reason, and the RSTs sent for segments no
 * connection or listener takes. */
struct tcp_stats {
	uint64_t drops[TCP_N_DROPS];
	uint64_t no_socket, listen_overflow, syn_queue_full;
};
extern struct tcp_stats tcp_stats;

/* A TCP segment (the IP payload, len bytes) that came in on eth0. */
void tcp_v4_input(struct ether_dev *d, const struct ipv4_hdr *ip, const uint8_t *p, size_t len);

/* Starts u's connection from src:sport to dst:dport (u->remote and
 * u->handshake set). 0, -EADDRINUSE (that four-tuple is taken), -ENOMEM. */
int tcp_connect_v4(struct lsock *u, const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
		   uint16_t dport);

/* TCP_INFO of u's connection through eth0; false if it has none. */
struct tcp_info;
bool tcp_get_info(const struct lsock *u, struct tcp_info *out);

/* inet.c: the listening socket a SYN to dst:port is for, or NULL; a new
 * socket end for a connection it gets from raddr:rport (no file yet, one
 * reference, named and with its listener's options). */
struct lsock *inet_tcp_listener(const uint8_t dst[4], uint16_t port);
struct lsock *inet_tcp_child(struct lsock *listener, const uint8_t laddr[4], uint16_t lport,
			     const uint8_t raddr[4], uint16_t rport);
/* inet.c: the TCP options of u that the engine acts on. */
struct tcp_sock_opts {
	bool nodelay;
	int keepidle, keepintvl, keepcnt;
};
void inet_tcp_opts(const struct lsock *u, struct tcp_sock_opts *o);

#endif
