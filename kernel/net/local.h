/*
 * Sockets whose two ends both live in this kernel: AF_UNIX, and AF_INET /
 * AF_INET6 over loopback (the only interface until there is a network
 * device). A family names sockets (net/unix.c, net/inet.c); this part
 * moves the data (net/local.c).
 *
 * Every socket end is a `struct lsock`. Data travels as messages queued on
 * the receiving end; a stream read runs across message boundaries, a
 * datagram or seqpacket read takes one message. A connecting stream socket
 * gets its server-side twin at once, queued on the listener until accept()
 * gives it an open file. lsocks are reference counted: by their socket, by
 * a connected peer, and by a listener's backlog.
 */
#ifndef UPY_NET_LOCAL_H
#define UPY_NET_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/socket.h"
#include "sched/sched.h"

#define LOCAL_ADDR_MAX 110 /* a whole sockaddr_un */

/* An address in its family's own form (for inet: a struct inet_endpoint);
 * len 0 when the socket has no name. */
struct local_addr {
	size_t len;
	uint8_t bytes[LOCAL_ADDR_MAX];
};

/* What an IP datagram carries besides its bytes (hop limit or TTL, and
 * traffic class or TOS); zero for other families. */
struct local_meta {
	int hops, tclass;
};

struct cmsg;
struct kmsg;
struct lsock;

struct local_msg {
	struct local_msg *next;
	size_t len, off;
	struct file **fds;
	int nfds;
	struct local_addr from;
	bool mark;            /* the urgent mark: a read stops here */
	struct local_meta meta;
	uint8_t data[];
};

enum lstate { L_UNCONNECTED, L_LISTENING, L_CONNECTED };

/* A stream connected through a network device (net/tcp.c) instead of to
 * a peer end in this kernel: its data goes to the protocol, which queues
 * what arrives on the socket's receive queue as a peer would. */
struct local_remote_ops {
	size_t (*send_room)(const struct lsock *u);
	/* Takes n <= send_room bytes of m from byte `skip` on: bytes taken,
	 * or a negative errno. */
	int64_t (*send)(struct lsock *u, const struct kmsg *m, size_t skip, size_t n);
	void (*consumed)(struct lsock *u);            /* the app read some */
	void (*shutdown)(struct lsock *u);            /* no more to send */
	void (*close)(struct lsock *u, bool abort);  /* the socket is gone: detaches */
	size_t (*outq)(const struct lsock *u);              /* sent and not yet acknowledged */
	/* After shutdown: the peer acknowledged every byte and the FIN
	 * (what a close with SO_LINGER waits for). */
	bool (*all_acked)(const struct lsock *u);
};
struct lsock_remote {
	const struct local_remote_ops *ops;
};

struct linger_opt {
	int32_t onoff, seconds;
};

struct lsock {
	int refs;
	int domain, type, protocol; /* as the socket was created (or its listener) */
	const struct local_family *fam;
	enum lstate state;
	struct socket *sock;  /* NULL for a connection not yet accepted */
	struct lsock *peer;   /* connected peer, or a unix datagram's default target */
	struct local_addr addr;      /* this end's name */
	struct local_addr peer_addr; /* a UDP socket's default destination */
	struct local_msg *rx_head, *rx_tail;
	size_t rx_bytes, rcvbuf, sndbuf;
	struct lsock *backlog_head, *backlog_tail, *backlog_next;
	int backlog_len, backlog_max;
	bool shut_rd, shut_wr; /* this end's shutdown */
	bool peer_shut_wr;     /* the peer will send no more */
	bool peer_gone;        /* the connected peer was closed */
	bool reset;            /* TCP: data went to a closed peer, which answered with RST */
	bool connecting;       /* TCP: connect() said EINPROGRESS; the next one reports */
	bool handshake;        /* TCP through a device: the SYN is out, no answer yet */
	struct lsock_remote *remote; /* the connection, when through a device */
	int err;               /* pending SO_ERROR */
	int oob;               /* the urgent byte not yet read, or -1 */
	bool reuseaddr, reuseport, keepalive, broadcast, oobinline, passcred;
	struct linger_opt linger;
	uint64_t generation;
	struct waitq wq;
	/* In flight (net/local_gc.c): how many queued messages carry this
	 * socket's file, the list of such sockets, and the collector's marks. */
	int inflight;
	struct lsock *inflight_next, *inflight_prev;
	int gc_refs;
	bool gc_candidate, gc_alive;
	struct lsock *gc_work;
	_Alignas(8) uint8_t priv[]; /* the family's state, fam->priv_size bytes */
};

/* What a family adds to the transport. */
struct local_family {
	size_t priv_size;
	/* TCP and UDP rather than AF_UNIX: a non-blocking connect says
	 * EINPROGRESS, a write to a closed peer first succeeds, a full
	 * datagram queue drops instead of blocking, datagrams to nobody
	 * vanish. */
	bool inet;
	size_t max_dgram;
	void (*init)(struct lsock *u);
	int (*bind)(struct lsock *u, const void *addr, size_t len);
	/* Checks an app's sockaddr and gives the name it means in the
	 * family's own form. */
	int (*parse)(struct lsock *u, const void *addr, size_t len, struct local_addr *dest);
	/* Finds the socket named `dest` for a connect or send, naming `u`
	 * first if the family must (an inet socket gets a port); *src is the
	 * name the receiver sees as the sender's. -ECONNREFUSED when nobody
	 * is there; LOCAL_REMOTE when dest is off this machine (a datagram
	 * then goes to send_remote). */
	int (*find)(struct lsock *u, const struct local_addr *dest, struct lsock **target,
		    struct local_addr *src);
	int (*listen)(struct lsock *u);
	/* A stream connect find() said is for a network device: starts the
	 * handshake from src to dest (sets u->remote and u->handshake). */
	int (*connect_remote)(struct lsock *u, const struct local_addr *dest,
			      const struct local_addr *src);
	/* A datagram find() said is for a network device (LOCAL_REMOTE):
	 * sends it from src to dest. May be NULL for a family without one. */
	int (*send_remote)(struct lsock *u, const struct local_addr *dest,
			   const struct local_addr *src, const uint8_t *data, size_t len,
			   const struct local_meta *meta);
	/* A connection's server end starts with its listener's options. */
	void (*inherit)(struct lsock *server, const struct lsock *listener);
	/* Writes `a` as a sockaddr for a socket of `viewer`'s domain. */
	size_t (*format)(const struct lsock *viewer, const struct local_addr *a, void *out);
	/* What a datagram of `u` carries unless a control message says. */
	void (*meta_defaults)(const struct lsock *u, struct local_meta *meta);
	/* A sender's control message of the family's levels: -EINVAL if not
	 * one it takes. */
	int (*send_cmsg)(const struct lsock *u, const struct cmsg *c, struct local_meta *meta);
	/* Adds the control messages the receiver asked for (IPV6_RECVHOPLIMIT...). */
	void (*recv_cmsgs)(const struct lsock *u, const struct local_msg *msg, struct kmsg *m,
			   size_t *used);
	int (*setsockopt)(struct lsock *u, int level, int name, const void *val, size_t len);
	int (*getsockopt)(struct lsock *u, int level, int name, void *val, size_t *len);
	void (*release)(struct lsock *u);
};

#define LOCAL_REMOTE 1

/* Queues a datagram that came from a network device on `to` (dropped
 * with -ENOBUFS when the receive buffer is full). */
int lsock_deliver(struct lsock *to, const void *data, size_t n, const struct local_addr *from,
		  const struct local_meta *meta);

/* Queues n bytes of a stream that came from a network device on `to`
 * (the protocol's window keeps them within the receive buffer). */
int lsock_append_bytes(struct lsock *to, const void *data, size_t n);
/* Queues a connection that came through a network device on its
 * listener, for accept() (the backlog takes c's reference). */
void lsock_backlog_add(struct lsock *listener, struct lsock *c);
/* Copies n bytes of the app's iovec, from byte `skip` on: 0 or -EFAULT. */
int kmsg_gather(const struct kmsg *m, size_t skip, uint8_t *dst, size_t n);

/* A new socket end of `fam`, with no file yet (one reference). */
struct lsock *lsock_new(const struct local_family *fam, int domain, int type, int protocol);
void lsock_unref(struct lsock *u);
/* Gives a new end its open file (the file then owns the reference). */
int lsock_open(struct lsock *u, unsigned file_flags, struct file **out);
/* Joins two unconnected ends, as socketpair() does. */
void lsock_pair(struct lsock *a, struct lsock *b);
/* Wakes whoever waits on or polls `u`. */
void lsock_kick(struct lsock *u);

/* Descriptors in flight (net/local_gc.c). A queued message's files are
 * counted when it is queued and uncounted as each leaves the queue. */
void local_inflight_add(struct file *const *fds, int n);
void local_inflight_remove(struct file *f);
bool local_inflight_any(void);
/* Finds the sockets that only cycles of in-flight messages keep alive (as
 * Linux's unix_gc), takes the messages off their queues and returns them
 * as a list for the caller to free; NULL when there is no garbage. */
struct local_msg *local_gc_find_garbage(void);

static inline bool local_addr_equal(const struct local_addr *a, const struct local_addr *b)
{
	return a->len == b->len && __builtin_memcmp(a->bytes, b->bytes, a->len) == 0;
}

static inline struct lsock *lsock_of(struct socket *s)
{
	return s->priv;
}

#endif
