/*
 * The transport of sockets with both ends in this kernel (net/local.h):
 * connections, queues, blocking, shutdown, poll and the options every
 * family shares. Where TCP or UDP differ from AF_UNIX, fam->inet says so.
 */
#include "net/local.h"

#include "core/clock.h"
#include "core/process.h"
#include "fs/fdtable.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/ioctl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "net/cmsg.h"

#define DEFAULT_BUF 212992 /* net.core.rmem_default / wmem_default */
#define SCM_MAX_FD 253
#define SIOCATMARK 0x8905

static const struct socket_ops local_ops;

void lsock_kick(struct lsock *u)
{
	if (!u)
		return;
	u->generation++;
	sched_wake(&u->wq, -1);
	poll_notify();
}

/* Messages whose descriptors are being given back, and whether the loop
 * below is running; owned by free_msg. Putting a file can close a socket
 * whose queue holds more files, and so on down a chain an app built: the
 * loop takes those messages one at a time, so the kernel stack stays flat
 * however long the chain (Linux defers in-flight files the same way). */
static struct local_msg *doomed;
static bool reaping;
static bool gc_wanted, collecting;

static void collect_garbage(void);

static void free_msg(struct local_msg *m)
{
	m->next = doomed;
	doomed = m;
	if (reaping)
		return;
	reaping = true;
	while (doomed) {
		m = doomed;
		doomed = m->next;
		for (int i = 0; i < m->nfds; i++) {
			local_inflight_remove(m->fds[i]);
			file_put(m->fds[i]); /* may queue more messages on doomed */
		}
		kfree(m->fds);
		kfree(m);
	}
	reaping = false;
	if (gc_wanted)
		collect_garbage();
}

/* Frees the sockets that only in-flight cycles keep (net/local_gc.c), run
 * when a unix socket is released. Inside the loop above, or inside itself,
 * it only notes that it is wanted, so that a chain's teardown runs it once. */
static void collect_garbage(void)
{
	if (reaping || collecting) {
		gc_wanted = true;
		return;
	}
	gc_wanted = false;
	if (!local_inflight_any())
		return;
	collecting = true;
	struct local_msg *garbage;
	while ((garbage = local_gc_find_garbage())) {
		while (garbage) {
			struct local_msg *m = garbage;
			garbage = m->next;
			free_msg(m);
		}
	}
	collecting = false;
	gc_wanted = false;
}

void lsock_unref(struct lsock *u)
{
	if (--u->refs)
		return;
	struct lsock *peer = u->peer;
	while (u->rx_head) {
		struct local_msg *m = u->rx_head;
		u->rx_head = m->next;
		free_msg(m);
	}
	kfree(u);
	if (peer)
		lsock_unref(peer);
}

struct lsock *lsock_new(const struct local_family *fam, int domain, int type, int protocol)
{
	struct lsock *u = kzalloc(sizeof(*u) + fam->priv_size);
	if (!u)
		return NULL;
	u->refs = 1;
	u->fam = fam;
	u->domain = domain;
	u->type = type;
	u->protocol = protocol;
	u->oob = -1;
	u->rcvbuf = u->sndbuf = DEFAULT_BUF;
	if (fam->init)
		fam->init(u);
	return u;
}

int lsock_open(struct lsock *u, unsigned file_flags, struct file **out)
{
	struct socket *s;
	int rc = socket_create_file(u->domain, u->type, u->protocol, u, &local_ops, file_flags,
				    &s, out);
	if (rc == 0)
		u->sock = s;
	return rc;
}

void lsock_pair(struct lsock *a, struct lsock *b)
{
	a->peer = b;
	b->peer = a;
	a->refs++;
	b->refs++;
	a->state = b->state = L_CONNECTED;
}

static bool connection_oriented(const struct lsock *u)
{
	return u->type != SOCK_DGRAM;
}

static bool is_unspec(const void *addr, size_t len)
{
	return len >= 2 && ((const uint8_t *)addr)[0] == AF_UNSPEC &&
	       ((const uint8_t *)addr)[1] == 0;
}

/* --- connections --- */

static int local_bind(struct socket *s, const void *addr, size_t len)
{
	struct lsock *u = lsock_of(s);
	return u->fam->bind(u, addr, len);
}

static void forget_peer(struct lsock *u)
{
	if (u->peer) {
		lsock_unref(u->peer);
		u->peer = NULL;
	}
	u->peer_addr.len = 0;
	u->state = L_UNCONNECTED;
}

/* A datagram socket's connect only sets its default destination. */
static int connect_dgram(struct lsock *u, const void *addr, size_t len)
{
	if (is_unspec(addr, len)) {
		forget_peer(u);
		return 0;
	}
	struct local_addr dest, src;
	struct lsock *target;
	int rc = u->fam->parse(u, addr, len, &dest);
	if (rc < 0)
		return rc;
	rc = u->fam->find(u, &dest, &target, &src);
	if (u->fam->inet) {
		/* UDP has no handshake: nobody there yet is fine. */
		if (rc < 0 && rc != -ECONNREFUSED)
			return rc;
		forget_peer(u);
		u->peer_addr = dest;
	} else {
		if (rc < 0)
			return rc;
		if (target->type != u->type)
			return -EPROTOTYPE;
		forget_peer(u);
		u->peer = target;
		target->refs++;
	}
	u->state = L_CONNECTED;
	return 0;
}

/* Waits while a unix listener's backlog is full. */
static int wait_for_backlog(struct lsock *target, bool nonblock)
{
	while (target->backlog_len > target->backlog_max) {
		if (nonblock)
			return -EAGAIN;
		target->refs++;
		int w = sched_wait(&target->wq, 0, true, "connect", 0);
		bool gone = target->state != L_LISTENING;
		lsock_unref(target);
		if (w == -EINTR)
			return -ERESTARTSYS;
		if (gone)
			return -ECONNREFUSED;
	}
	return 0;
}

/* A TCP connect through a network device: the SYN goes out, and a
 * blocking connect waits for the handshake to end. */
static int connect_remote(struct lsock *u, const struct local_addr *dest,
			  const struct local_addr *src, bool nonblock)
{
	int rc = u->fam->connect_remote(u, dest, src);
	if (rc < 0)
		return rc;
	if (nonblock) {
		u->connecting = true;
		return -EINPROGRESS;
	}
	while (u->handshake) {
		if (sched_wait(&u->wq, 0, true, "connect", 0) == -EINTR) {
			/* Linux: EINTR, and the handshake goes on (EALREADY next). */
			u->connecting = true;
			return -EINTR;
		}
	}
	if (u->state == L_CONNECTED)
		return 0;
	int e = u->err ? u->err : ECONNREFUSED;
	u->err = 0;
	return -e;
}

static int local_connect(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct lsock *u = lsock_of(s);
	bool inet = u->fam->inet;
	if (!connection_oriented(u))
		return connect_dgram(u, addr, len);
	if (u->handshake)
		return -EALREADY;
	if (u->connecting) {
		/* After EINPROGRESS, the next connect reports how it went. */
		u->connecting = false;
		if (u->state == L_CONNECTED)
			return 0;
		if (u->err) {
			int e = u->err;
			u->err = 0;
			return -e;
		}
	}
	if (u->state == L_CONNECTED)
		return -EISCONN;
	if (u->state == L_LISTENING)
		return inet ? -EISCONN : -EINVAL;
	struct local_addr dest, src;
	struct lsock *target = NULL;
	int rc = u->fam->parse(u, addr, len, &dest);
	if (rc < 0)
		return rc;
	rc = u->fam->find(u, &dest, &target, &src);
	if (rc == LOCAL_REMOTE)
		return u->fam->connect_remote ? connect_remote(u, &dest, &src, nonblock)
					      : -ENETUNREACH;
	if (rc == 0 && target->type != u->type)
		rc = -EPROTOTYPE;
	if (rc == 0 && target->state != L_LISTENING)
		rc = -ECONNREFUSED;
	if (rc == 0 && !inet)
		rc = wait_for_backlog(target, nonblock);
	if (rc == -ECONNREFUSED && inet && nonblock) {
		u->err = ECONNREFUSED;
		u->connecting = true;
		lsock_kick(u);
		return -EINPROGRESS;
	}
	if (rc < 0)
		return rc;
	struct lsock *server = lsock_new(u->fam, target->domain, u->type, target->protocol);
	if (!server)
		return -ENOMEM;
	if (u->fam->inherit)
		u->fam->inherit(server, target);
	server->addr = dest;
	lsock_pair(u, server); /* server: 1 (backlog) + 1 (peer) */
	if (target->backlog_tail)
		target->backlog_tail->backlog_next = server;
	else
		target->backlog_head = server;
	target->backlog_tail = server;
	target->backlog_len++;
	lsock_kick(target);
	lsock_kick(u);
	if (inet && nonblock) {
		u->connecting = true;
		return -EINPROGRESS;
	}
	return 0;
}

static int local_listen(struct socket *s, int backlog)
{
	struct lsock *u = lsock_of(s);
	if (!connection_oriented(u))
		return -EOPNOTSUPP;
	if (u->state == L_CONNECTED || u->connecting)
		return -EINVAL;
	int rc = u->fam->listen(u);
	if (rc < 0)
		return rc;
	if (backlog < 0 || backlog > 4096)
		backlog = 4096;
	u->backlog_max = backlog;
	u->state = L_LISTENING;
	lsock_kick(u);
	return 0;
}

static int local_accept(struct socket *s, struct socket **out, bool nonblock)
{
	struct lsock *u = lsock_of(s);
	if (u->state != L_LISTENING)
		return -EINVAL;
	while (!u->backlog_head) {
		if (nonblock)
			return -EAGAIN;
		if (sched_wait(&u->wq, 0, true, "accept", 0) == -EINTR)
			return -ERESTARTSYS;
		if (u->state != L_LISTENING)
			return -EINVAL;
	}
	struct lsock *c = u->backlog_head;
	struct file *f;
	int rc = lsock_open(c, 0, &f);
	if (rc < 0)
		return rc;
	u->backlog_head = c->backlog_next;
	if (!u->backlog_head)
		u->backlog_tail = NULL;
	u->backlog_len--;
	lsock_kick(u);
	*out = c->sock; /* the backlog's reference passes to the socket */
	return 0;
}

/* --- data --- */

static size_t iov_total(const struct kmsg *m)
{
	return iov_iter_count(m->data);
}

/* Copies n bytes of the message's data (from byte `skip` on). */
int kmsg_gather(const struct kmsg *m, size_t skip, uint8_t *dst, size_t n)
{
	return copy_from_iter_at(m->data, skip, dst, n);
}

static int gather(const struct kmsg *m, size_t skip, uint8_t *dst, size_t n)
{
	return kmsg_gather(m, skip, dst, n);
}

static int scatter(const struct kmsg *m, size_t skip, const uint8_t *src, size_t n)
{
	return copy_to_iter_at(m->data, skip, src, n);
}

/* Takes a sender's control messages: the descriptors of SCM_RIGHTS
 * (references to their files), and what the family makes of its own
 * (IP options for one datagram) in *meta. */
static int take_control(const struct lsock *u, const struct kmsg *m, struct file ***fds,
			int *nfds, struct local_meta *meta)
{
	*fds = NULL;
	*nfds = 0;
	memset(meta, 0, sizeof(*meta));
	if (u->fam->meta_defaults)
		u->fam->meta_defaults(u, meta);
	size_t off = 0;
	int err;
	const struct cmsg *c;
	while ((c = cmsg_next(m, &off, &err))) {
		if (c->level != SOL_SOCKET) {
			/* Linux skips levels a socket has no use for (TCP: all). */
			int rc = u->fam->send_cmsg && u->type == SOCK_DGRAM
					 ? u->fam->send_cmsg(u, c, meta) : 0;
			if (rc < 0)
				return rc;
		} else if (c->type != SCM_RIGHTS && c->type != SCM_CREDENTIALS) {
			return -EINVAL;
		} else if (u->fam->inet) {
			/* Descriptors and credentials pass only between unix sockets;
			 * an inet socket ignores them, as Linux's does. */
		} else if (c->type == SCM_RIGHTS) {
			int n = (int)(cmsg_data_len(c) / sizeof(int));
			if (*nfds + n > SCM_MAX_FD)
				return -EINVAL;
			struct file **grown = kmalloc(sizeof(struct file *) * (size_t)(*nfds + n + 1));
			if (!grown)
				return -ENOMEM;
			if (*fds)
				memcpy(grown, *fds, sizeof(struct file *) * (size_t)*nfds);
			kfree(*fds);
			*fds = grown;
			const int *list = cmsg_data(c);
			for (int i = 0; i < n; i++) {
				struct file *f = fd_lookup(proc.fds, list[i]);
				if (!f)
					return -EBADF;
				(*fds)[(*nfds)++] = file_get(f);
			}
		} else {
			/* Credentials are checked, not carried: there is one process. */
		}
	}
	return err;
}

static void drop_rights(struct file **fds, int n)
{
	for (int i = 0; i < n; i++)
		file_put(fds[i]);
	kfree(fds);
}
/* Queues msg (n bytes of data) at the end of to's receive queue and wakes its readers. */
static void lsock_append(struct lsock *to, struct local_msg *msg, size_t n)
{
	if (to->rx_tail)
		to->rx_tail->next = msg;
	else
		to->rx_head = msg;
	to->rx_tail = msg;
	to->rx_bytes += n;
	lsock_kick(to);
}


static int enqueue(struct lsock *to, const struct kmsg *m, size_t skip, size_t n,
		   struct file **fds, int nfds, const struct local_addr *from,
		   const struct local_meta *meta)
{
	struct local_msg *msg = kmalloc(sizeof(*msg) + n);
	if (!msg)
		return -ENOMEM;
	if (gather(m, skip, msg->data, n) < 0) {
		kfree(msg);
		return -EFAULT;
	}
	msg->next = NULL;
	msg->mark = false;
	msg->len = n;
	msg->off = 0;
	msg->fds = fds;
	msg->nfds = nfds;
	local_inflight_add(fds, nfds);
	msg->from = *from;
	msg->meta = *meta;
	lsock_append(to, msg, n);
	return 0;
}

static int64_t broken_pipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		signal_send_thread(current, SIGPIPE, (struct sig_note){ .code = SI_USER, .pid = 1 });
	return -EPIPE;
}

/* Where a stream send goes: the peer, or an error. */
static int stream_target(struct lsock *u, const struct kmsg *m, int flags)
{
	if (m->name && m->namelen && !u->fam->inet) /* TCP ignores the address */
		return u->state == L_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (u->handshake)
		return -EAGAIN; /* Linux waits for the handshake; only after EINTR */
	if (u->state != L_CONNECTED)
		return u->fam->inet ? (int)broken_pipe(flags) : -ENOTCONN;
	if (u->fam->inet && u->err) {
		int e = u->err; /* EPIPE after a reset, ECONNRESET after an abort */
		u->err = 0;
		return e == EPIPE ? (int)broken_pipe(flags) : -e;
	}
	if (u->shut_wr || (u->peer_gone && (u->reset || !u->fam->inet)))
		return (int)broken_pipe(flags);
	return 0;
}

/* Where a datagram goes: *to is NULL when it is to vanish (UDP to nobody,
 * or to a socket connected elsewhere). LOCAL_REMOTE: it leaves through a
 * network device, to *remote. */
static int dgram_target(struct lsock *u, const struct kmsg *m, size_t total, struct lsock **to,
			struct local_addr *src, struct local_addr *remote)
{
	int rc;
	*to = NULL;
	if (m->name && m->namelen) {
		rc = u->fam->parse(u, m->name, m->namelen, remote);
		if (rc == 0)
			rc = u->fam->find(u, remote, to, src);
	} else if (u->fam->inet && u->state == L_CONNECTED) {
		*remote = u->peer_addr;
		rc = u->fam->find(u, &u->peer_addr, to, src);
	} else if (u->peer) {
		*to = u->peer;
		*src = u->addr;
		rc = u->peer->sock ? 0 : -ECONNREFUSED; /* closed since connect */
	} else {
		rc = u->fam->inet ? -EDESTADDRREQ : -ENOTCONN;
	}
	if (rc == LOCAL_REMOTE)
		return u->shut_wr ? -EPIPE : total > u->fam->max_dgram ? -EMSGSIZE : rc;
	if (rc == 0 && (*to)->type != u->type)
		rc = -EPROTOTYPE;
	if (rc == 0 && u->shut_wr)
		rc = -EPIPE;
	if (rc == 0 && total > u->fam->max_dgram)
		rc = -EMSGSIZE;
	if (u->fam->inet) {
		if (rc == -ECONNREFUSED) {
			/* The ICMP "port unreachable" a connected socket hears of. */
			if (u->state == L_CONNECTED)
				u->err = ECONNREFUSED;
			*to = NULL;
			rc = 0;
		} else if (rc == 0 && (*to)->state == L_CONNECTED &&
			   !local_addr_equal(&(*to)->peer_addr, src)) {
			*to = NULL; /* a connected UDP socket hears only its peer */
		}
	}
	return rc;
}

/* Urgent data (tcp(7); unix(7) streams since Linux 5.15): the last byte
 * sent with MSG_OOB is urgent.
 * Unless the receiver reads it inline (SO_OOBINLINE), it leaves the stream
 * for recv(MSG_OOB), and in-band reads stop at its place, the mark. */
static void make_urgent(struct lsock *to)
{
	struct local_msg *last = to->rx_tail, *mark;
	if (to->oobinline || !last || !(mark = kzalloc(sizeof(*mark))))
		return;
	last->len--;
	to->rx_bytes--;
	to->oob = last->data[last->len];
	mark->mark = true;
	last->next = mark;
	to->rx_tail = mark;
	lsock_kick(to);
}

/* recv(MSG_OOB): the urgent byte, once. */
static int64_t recv_urgent(struct lsock *u, struct kmsg *m, int flags)
{
	if (u->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (u->oobinline || u->oob < 0)
		return -EINVAL;
	uint8_t byte = (uint8_t)u->oob;
	if (iov_total(m) == 0) {
		m->flags |= MSG_TRUNC;
		return 0;
	}
	if (scatter(m, 0, &byte, 1) < 0)
		return -EFAULT;
	if (!(flags & MSG_PEEK))
		u->oob = -1;
	m->flags |= MSG_OOB;
	return 1;
}

/* A datagram out through the family's network device. */
static int64_t send_remote(struct lsock *u, const struct kmsg *m, size_t total,
			   const struct local_addr *remote, const struct local_addr *src,
			   const struct local_meta *meta)
{
	uint8_t *buf = kmalloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	int rc = gather(m, 0, buf, total);
	if (rc == 0)
		rc = u->fam->send_remote(u, remote, src, buf, total, meta);
	kfree(buf);
	return rc < 0 ? rc : (int64_t)total;
}

/* A queued copy of n bytes that came from a network device. */
static int append_copy(struct lsock *to, const void *data, size_t n,
		       const struct local_addr *from, const struct local_meta *meta)
{
	struct local_msg *msg = kmalloc(sizeof(*msg) + n);
	if (!msg)
		return -ENOMEM;
	memcpy(msg->data, data, n);
	msg->next = NULL;
	msg->mark = false;
	msg->len = n;
	msg->off = 0;
	msg->fds = NULL;
	msg->nfds = 0;
	msg->from = *from;
	msg->meta = *meta;
	lsock_append(to, msg, n);
	return 0;
}

int lsock_deliver(struct lsock *to, const void *data, size_t n, const struct local_addr *from,
		  const struct local_meta *meta)
{
	if (to->rx_bytes && to->rx_bytes + n > to->rcvbuf)
		return -ENOBUFS; /* UDP drops what finds no room */
	return append_copy(to, data, n, from, meta);
}

int lsock_append_bytes(struct lsock *to, const void *data, size_t n)
{
	static const struct local_addr nobody;
	static const struct local_meta none;
	return append_copy(to, data, n, &nobody, &none);
}

void lsock_backlog_add(struct lsock *listener, struct lsock *c)
{
	if (listener->backlog_tail)
		listener->backlog_tail->backlog_next = c;
	else
		listener->backlog_head = c;
	listener->backlog_tail = c;
	listener->backlog_len++;
	lsock_kick(listener);
}

/* A stream send through a network device: what fits in the protocol's
 * send buffer, waiting for room unless non-blocking. */
static int64_t send_remote_stream(struct lsock *u, const struct kmsg *m, size_t total, int flags,
				  bool nonblock)
{
	size_t done = 0;
	while (done < total || total == 0) {
		if (!u->remote || u->shut_wr) {
			if (done)
				return (int64_t)done;
			if (u->err) {
				int e = u->err;
				u->err = 0;
				return e == EPIPE ? broken_pipe(flags) : -e;
			}
			return broken_pipe(flags);
		}
		if (total == 0)
			return 0;
		size_t room = u->remote->ops->send_room(u);
		if (room) {
			size_t n = total - done < room ? total - done : room;
			int64_t rc = u->remote->ops->send(u, m, done, n);
			if (rc < 0)
				return done ? (int64_t)done : rc;
			done += (size_t)rc;
			continue;
		}
		if (nonblock)
			return done ? (int64_t)done : -EAGAIN;
		if (sched_wait(&u->wq, 0, true, "send", 0) == -EINTR)
			return done ? (int64_t)done : -ERESTARTSYS;
	}
	return (int64_t)done;
}

static int64_t local_sendmsg(struct socket *s, struct kmsg *m, int flags, bool nonblock)
{
	struct lsock *u = lsock_of(s);
	nonblock = nonblock || (flags & MSG_DONTWAIT);
	bool urgent = flags & MSG_OOB;
	if (urgent && u->type != SOCK_STREAM)
		return -EOPNOTSUPP; /* only byte streams have urgent data */
	size_t total = iov_total(m);
	struct file **fds = NULL;
	int nfds = 0;
	struct local_meta meta;
	struct lsock *to = NULL;
	struct local_addr src = u->addr;
	bool stream = connection_oriented(u);
	/* As Linux: a stream's state is checked before its control data. */
	int rc = stream ? stream_target(u, m, flags) : 0;
	if (rc == 0)
		rc = take_control(u, m, &fds, &nfds, &meta);
	struct local_addr remote;
	if (rc == 0 && !stream)
		rc = dgram_target(u, m, total, &to, &src, &remote);
	if (rc == LOCAL_REMOTE) {
		drop_rights(fds, nfds);
		return send_remote(u, m, total, &remote, &src, &meta);
	}
	if (rc == 0 && stream && u->remote) {
		drop_rights(fds, nfds);
		return send_remote_stream(u, m, total, flags, nonblock);
	}
	if (rc == 0 && stream && u->peer_gone && u->fam->inet && total == 0)
		return 0; /* nothing goes out, so nothing provokes a reset (Linux) */
	if (rc == 0 && stream && u->peer_gone && u->fam->inet) {
		/* The closed peer answers with RST; the next send breaks. */
		u->reset = true;
		u->err = EPIPE;
		lsock_kick(u);
		drop_rights(fds, nfds);
		return (int64_t)total;
	}
	if (rc < 0 || (!stream && !to)) {
		drop_rights(fds, nfds);
		return rc < 0 ? rc : (int64_t)total;
	}
	if (stream)
		to = u->peer;

	size_t done = 0;
	bool bytes = u->type == SOCK_STREAM;
	do {
		if (stream && (u->peer_gone || u->shut_wr)) {
			drop_rights(fds, nfds);
			return done ? (int64_t)done : broken_pipe(flags);
		}
		size_t room = to->rx_bytes < to->rcvbuf ? to->rcvbuf - to->rx_bytes : 0;
		size_t want = total - done;
		/* A stream takes what fits; a record goes whole. */
		if (bytes ? (room > 0 || want == 0) : (room >= want || to->rx_bytes == 0)) {
			size_t n = bytes && want > room ? room : want;
			rc = enqueue(to, m, done, n, fds, nfds, &src, &meta);
			if (rc < 0) {
				drop_rights(fds, nfds);
				return done ? (int64_t)done : rc;
			}
			fds = NULL;
			nfds = 0;
			done += n;
			continue;
		}
		if (!stream && u->fam->inet)
			return (int64_t)total; /* UDP drops what finds no room */
		if (nonblock) {
			drop_rights(fds, nfds);
			return done ? (int64_t)done : -EAGAIN;
		}
		to->refs++;
		int w = sched_wait(&to->wq, 0, true, "send", 0);
		lsock_unref(to);
		if (w == -EINTR) {
			drop_rights(fds, nfds);
			return done ? (int64_t)done : -ERESTARTSYS;
		}
	} while (done < total);
	if (urgent && done)
		make_urgent(to);
	return (int64_t)done;
}

/* Installs passed descriptors as SCM_RIGHTS control data for the app. */
static void deliver_rights(struct kmsg *m, struct local_msg *msg, int flags, size_t *ctl_used)
{
	if (!msg->nfds)
		return;
	for (int i = 0; i < msg->nfds; i++)
		local_inflight_remove(msg->fds[i]); /* installed or put below */
	size_t room = m->controllen > *ctl_used ? m->controllen - *ctl_used : 0;
	int fit = room >= sizeof(struct cmsg) ? (int)((room - sizeof(struct cmsg)) / sizeof(int)) : 0;
	if (fit > msg->nfds)
		fit = msg->nfds;
	if (fit < msg->nfds)
		m->flags |= MSG_CTRUNC;
	if (fit > 0) {
		struct cmsg *c = (struct cmsg *)((uint8_t *)m->control + *ctl_used);
		int *list = (int *)(c + 1);
		int got = 0;
		for (int i = 0; i < fit; i++) {
			int fd = fd_install(proc.fds, msg->fds[i], 0, flags & MSG_CMSG_CLOEXEC);
			if (fd < 0) {
				m->flags |= MSG_CTRUNC;
				break;
			}
			msg->fds[i] = NULL;
			list[got++] = fd;
		}
		c->len = sizeof(struct cmsg) + sizeof(int) * (size_t)got;
		c->level = SOL_SOCKET;
		c->type = SCM_RIGHTS;
		*ctl_used += CMSG_ALIGN(c->len);
	}
	for (int i = 0; i < msg->nfds; i++)
		if (msg->fds[i])
			file_put(msg->fds[i]);
	msg->nfds = 0;
}

static bool at_eof(const struct lsock *u)
{
	return u->shut_rd || u->peer_shut_wr || u->peer_gone;
}

static void drop_head(struct lsock *u)
{
	struct local_msg *msg = u->rx_head;
	u->rx_head = msg->next;
	if (!u->rx_head)
		u->rx_tail = NULL;
	free_msg(msg);
}

/* One record: what does not fit is lost (MSG_TRUNC). */
static int64_t recv_record(struct lsock *u, struct kmsg *m, int flags, size_t want)
{
	struct local_msg *msg = u->rx_head;
	size_t ctl_used = 0;
	size_t n = msg->len < want ? msg->len : want;
	if (scatter(m, 0, msg->data, n) < 0)
		return -EFAULT;
	if (n < msg->len)
		m->flags |= MSG_TRUNC;
	if (m->name) {
		/* An unnamed sender gives an empty address (length 0). */
		uint8_t sa[LOCAL_ADDR_MAX];
		size_t l = msg->from.len ? u->fam->format(u, &msg->from, sa) : 0;
		memcpy(m->name, sa, l < m->namelen ? l : m->namelen);
		m->namelen = l;
	}
	int64_t ret = (flags & MSG_TRUNC) ? (int64_t)msg->len : (int64_t)n;
	if (u->fam->recv_cmsgs)
		u->fam->recv_cmsgs(u, msg, m, &ctl_used);
	if (!(flags & MSG_PEEK)) {
		deliver_rights(m, msg, flags, &ctl_used);
		u->rx_bytes -= msg->len;
		drop_head(u);
		lsock_kick(u);
		lsock_kick(u->peer);
	}
	m->controllen = ctl_used;
	return ret;
}

static int64_t local_recvmsg(struct socket *s, struct kmsg *m, int flags, bool nonblock)
{
	struct lsock *u = lsock_of(s);
	nonblock = nonblock || (flags & MSG_DONTWAIT);
	m->flags = 0;
	if (flags & MSG_OOB)
		return recv_urgent(u, m, flags);
	while (u->handshake) { /* a connect still in progress */
		if (nonblock)
			return -EAGAIN;
		if (sched_wait(&u->wq, 0, true, "recv", 0) == -EINTR)
			return -ERESTARTSYS;
	}
	if (connection_oriented(u) && u->state != L_CONNECTED) {
		if (u->fam->inet || u->type == SOCK_SEQPACKET || u->state == L_LISTENING)
			return -ENOTCONN;
		return -EINVAL;
	}
	size_t want = iov_total(m), done = 0, ctl_used = 0;
	m->flags = 0;
	for (;;) {
		struct local_msg *msg = u->rx_head;
		if (!msg) {
			if (done && !(flags & MSG_WAITALL))
				break;
			/* EPIPE is a reset after the peer's FIN: its end of file comes
			 * first and the error waits for a send (Linux's SOCK_DONE). */
			bool eof_first = u->fam->inet && u->err == EPIPE && at_eof(u);
			if (!done && u->err && !eof_first) {
				int e = u->err; /* ECONNRESET, or UDP's ECONNREFUSED */
				u->err = 0;
				return -e;
			}
			if (at_eof(u) || (done && done == want))
				break;
			if (!connection_oriented(u) && u->shut_rd)
				break;
			if (nonblock)
				return done ? (int64_t)done : -EAGAIN;
			if (sched_wait(&u->wq, 0, true, "recv", 0) == -EINTR)
				return done ? (int64_t)done : -ERESTARTSYS;
			continue;
		}
		if (u->type != SOCK_STREAM)
			return recv_record(u, m, flags, want);
		if (msg->mark) {
			if (done)
				break; /* a read stops at the urgent mark */
			if (!(flags & MSG_PEEK)) {
				drop_head(u);
				continue;
			}
			while (msg && msg->mark)
				msg = msg->next;
			if (!msg) { /* a peek past the mark finds nothing yet */
				if (nonblock)
					return -EAGAIN;
				if (sched_wait(&u->wq, 0, true, "recv", 0) == -EINTR)
					return -ERESTARTSYS;
				continue;
			}
		}
		/* Stream: run across messages, but not past passed descriptors. */
		size_t avail = msg->len - msg->off;
		size_t n = avail < want - done ? avail : want - done;
		if (scatter(m, done, msg->data + msg->off, n) < 0)
			return done ? (int64_t)done : -EFAULT;
		done += n;
		if (flags & MSG_PEEK)
			break;
		deliver_rights(m, msg, flags, &ctl_used);
		msg->off += n;
		u->rx_bytes -= n;
		if (msg->off == msg->len)
			drop_head(u);
		lsock_kick(u);
		lsock_kick(u->peer);
		if (done == want || (u->rx_head && u->rx_head->nfds))
			break;
	}
	if (m->name)
		m->namelen = 0;
	m->controllen = ctl_used;
	if (u->remote && done && !(flags & MSG_PEEK))
		u->remote->ops->consumed(u); /* the window may open */
	return (int64_t)done;
}

static int local_shutdown(struct socket *s, int how)
{
	struct lsock *u = lsock_of(s);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (connection_oriented(u) && (u->state != L_CONNECTED || u->reset))
		return -ENOTCONN;
	if (how != SHUT_WR)
		u->shut_rd = true;
	if (how != SHUT_RD) {
		u->shut_wr = true;
		if (u->peer && connection_oriented(u))
			u->peer->peer_shut_wr = true;
		if (u->remote)
			u->remote->ops->shutdown(u);
	}
	lsock_kick(u);
	lsock_kick(u->peer);
	return 0;
}

static int local_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
	struct lsock *u = lsock_of(s);
	const struct local_addr *a = &u->addr;
	if (peer) {
		/* A reset TCP connection is closed: its peer is gone. */
		if (u->state != L_CONNECTED || u->reset)
			return -ENOTCONN;
		if (u->peer)
			a = &u->peer->addr;
		else
			a = &u->peer_addr;
	}
	uint8_t sa[LOCAL_ADDR_MAX];
	size_t l = u->fam->format(u, a, sa);
	memcpy(addr, sa, l < *len ? l : *len);
	*len = l;
	return 0;
}

/* --- options --- */

struct ucred {
	int32_t pid;
	uint32_t uid, gid;
};

static int local_setsockopt(struct socket *s, int level, int name, const void *val, size_t len)
{
	struct lsock *u = lsock_of(s);
	if (level != SOL_SOCKET)
		return u->fam->setsockopt ? u->fam->setsockopt(u, level, name, val, len)
					  : -EOPNOTSUPP;
	if (name == SO_LINGER) {
		if (len < sizeof(u->linger))
			return -EINVAL;
		memcpy(&u->linger, val, sizeof(u->linger));
		return 0;
	}
	int v;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(int));
	switch (name) {
	case SO_RCVBUF:
		/* Linux doubles the value for bookkeeping, with a floor. */
		u->rcvbuf = v < 1152 ? 2304 : (size_t)v * 2;
		return 0;
	case SO_SNDBUF:
		u->sndbuf = v < 2304 ? 4608 : (size_t)v * 2;
		return 0;
	case SO_PASSCRED:
		u->passcred = v != 0;
		return 0;
	case SO_REUSEADDR:
		u->reuseaddr = v != 0;
		return 0;
	case SO_REUSEPORT:
		u->reuseport = v != 0;
		return 0;
	case SO_KEEPALIVE:
		u->keepalive = v != 0;
		return 0;
	case SO_BROADCAST:
		u->broadcast = v != 0;
		return 0;
	case SO_OOBINLINE:
		u->oobinline = v != 0;
		return 0;
	case SO_DEBUG:
	case SO_DONTROUTE:
		return 0; /* nothing to debug or route between two local ends */
	default:
		return -ENOPROTOOPT;
	}
}

static int local_getsockopt(struct socket *s, int level, int name, void *val, size_t *len)
{
	struct lsock *u = lsock_of(s);
	if (level != SOL_SOCKET)
		return u->fam->getsockopt ? u->fam->getsockopt(u, level, name, val, len)
					  : -EOPNOTSUPP;
	int v;
	const void *src = &v;
	size_t size = sizeof(v);
	struct ucred cred = { 1, 0, 0 }; /* the only process */
	switch (name) {
	case SO_TYPE:
		v = u->type;
		break;
	case SO_DOMAIN:
		v = u->domain;
		break;
	case SO_PROTOCOL:
		v = u->protocol;
		break;
	case SO_ERROR:
		v = u->err;
		u->err = 0;
		break;
	case SO_RCVBUF:
		v = (int)u->rcvbuf;
		break;
	case SO_SNDBUF:
		v = (int)u->sndbuf;
		break;
	case SO_ACCEPTCONN:
		v = u->state == L_LISTENING;
		break;
	case SO_PASSCRED:
		v = u->passcred;
		break;
	case SO_REUSEADDR:
		v = u->reuseaddr;
		break;
	case SO_REUSEPORT:
		v = u->reuseport;
		break;
	case SO_KEEPALIVE:
		v = u->keepalive;
		break;
	case SO_BROADCAST:
		v = u->broadcast;
		break;
	case SO_OOBINLINE:
		v = u->oobinline;
		break;
	case SO_LINGER:
		src = &u->linger;
		size = sizeof(u->linger);
		break;
	case SO_PEERCRED:
		if (u->fam->inet || !u->peer)
			return u->fam->inet ? -ENODATA : -ENOTCONN;
		src = &cred;
		size = sizeof(cred);
		break;
	default:
		return -ENOPROTOOPT;
	}
	size_t n = *len < size ? *len : size;
	memcpy(val, src, n);
	*len = n;
	return 0;
}

/* --- poll, ioctl, close --- */

static bool can_write(const struct lsock *u)
{
	if (u->shut_wr)
		return false;
	if (!connection_oriented(u))
		return u->fam->inet || !u->peer || u->peer->rx_bytes < u->peer->rcvbuf;
	if (u->state != L_CONNECTED)
		return false;
	if (u->remote)
		return u->remote->ops->send_room(u) > 0;
	if (u->peer_gone)
		return u->fam->inet; /* the write that meets the RST still goes */
	return u->peer && u->peer->rx_bytes < u->peer->rcvbuf;
}

static unsigned local_poll(struct socket *s)
{
	struct lsock *u = lsock_of(s);
	unsigned m = 0;
	if (u->err)
		m |= POLLERR;
	if (u->state == L_LISTENING)
		return u->backlog_head ? POLLIN | POLLRDNORM : 0;
	if (u->handshake)
		return m; /* writable once connected */
	if (u->fam->inet && u->type == SOCK_STREAM && u->state != L_CONNECTED)
		return m | POLLOUT | POLLWRNORM | POLLHUP; /* a closed TCP socket */
	if (u->rx_head)
		m |= POLLIN | POLLRDNORM;
	if (u->oob >= 0)
		m |= POLLPRI | POLLRDBAND;
	if (at_eof(u))
		m |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->shut_rd && u->shut_wr)
		m |= POLLHUP;
	if (connection_oriented(u) && u->peer_shut_wr && u->shut_wr)
		m |= POLLHUP;
	/* A unix peer's close hangs up at once; a TCP one only with a reset. */
	if (connection_oriented(u) && u->peer_gone && (!u->fam->inet || u->reset))
		m |= POLLHUP;
	if (can_write(u))
		m |= POLLOUT | POLLWRNORM;
	return m;
}

static uint64_t local_generation(struct socket *s)
{
	return lsock_of(s)->generation;
}

static int local_ioctl(struct socket *s, unsigned long cmd, unsigned long arg)
{
	struct lsock *u = lsock_of(s);
	int v;
	switch (cmd) {
	case FIONREAD:
		if (u->state == L_LISTENING)
			return -EINVAL;
		v = u->type == SOCK_STREAM ? (int)u->rx_bytes : (u->rx_head ? (int)u->rx_head->len : 0);
		break;
	case TIOCOUTQ:
		/* A local send lands in the peer's queue at once. */
		v = u->remote ? (int)u->remote->ops->outq(u) : 0;
		break;
	case SIOCATMARK:
		v = u->rx_head && u->rx_head->mark;
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_user((void *)arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

/* Tells a connected peer that this end is closed. */
static void hang_up(struct lsock *u, struct lsock *peer)
{
	peer->peer_gone = true;
	/* Unread data, or SO_LINGER with no time, makes the close a reset. */
	bool abort = u->rx_head || (u->fam->inet && u->linger.onoff && !u->linger.seconds);
	if (abort) {
		peer->err = ECONNRESET;
		peer->reset = u->fam->inet;
	}
	lsock_kick(peer);
}

/* SO_LINGER with a time: the close waits until the peer acknowledged all
 * that was written and the FIN, the time passes or a signal comes (as
 * Linux's tcp_close; the connection then goes on closing without us). */
static void linger(struct lsock *u)
{
	u->remote->ops->shutdown(u);
	uint64_t deadline = clock_monotonic_ns() + (uint64_t)u->linger.seconds * 1000000000ull;
	while (u->remote && !u->remote->ops->all_acked(u))
		if (sched_wait(&u->wq, deadline, true, "linger", 0) != 0)
			break;
}

static void local_release(struct socket *s)
{
	struct lsock *u = lsock_of(s);
	u->fam->release(u);
	/* Connections nobody accepted are refused. */
	while (u->backlog_head) {
		struct lsock *c = u->backlog_head;
		u->backlog_head = c->backlog_next;
		if (c->remote)
			c->remote->ops->close(c, true);
		if (c->peer) {
			c->peer->peer_gone = true;
			c->peer->err = ECONNRESET;
			c->peer->reset = u->fam->inet;
			lsock_kick(c->peer);
		}
		lsock_unref(c);
	}
	if (u->remote) {
		/* Unread data, or SO_LINGER with no time, makes the close a reset. */
		bool abort = u->rx_head || (u->linger.onoff && !u->linger.seconds);
		if (!abort && u->linger.onoff && u->linger.seconds > 0)
			linger(u);
		if (u->remote)
			u->remote->ops->close(u, abort);
	}
	u->state = L_UNCONNECTED;
	struct lsock *peer = u->peer;
	if (peer) {
		if (connection_oriented(u))
			hang_up(u, peer);
		u->peer = NULL; /* the peer may still point at us: it holds a reference */
		lsock_unref(peer);
	}
	u->sock = NULL;
	lsock_kick(u);
	lsock_unref(u);
	collect_garbage();
}

static const struct socket_ops local_ops = {
	.bind = local_bind,
	.connect = local_connect,
	.listen = local_listen,
	.accept = local_accept,
	.sendmsg = local_sendmsg,
	.recvmsg = local_recvmsg,
	.shutdown = local_shutdown,
	.getname = local_getname,
	.setsockopt = local_setsockopt,
	.getsockopt = local_getsockopt,
	.poll = local_poll,
	.poll_generation = local_generation,
	.ioctl = local_ioctl,
	.release = local_release,
};
