/*
 * AF_NETLINK sockets (netlink(7)) of protocol NETLINK_ROUTE: what glibc's
 * if_nameindex, getifaddrs and getaddrinfo(AI_ADDRCONFIG) use to learn
 * the interfaces. A socket has a port id (bind, or autobind on first
 * send: the process id for the first socket, as Linux does); what it sends
 * to port 0 goes to rtnetlink (net/rtnl_msg.c), whose answers queue here
 * as datagrams. Sockets can also send to each other's ports and to
 * multicast groups they join. The kernel itself never multicasts: no
 * interface or address ever changes. Other netlink protocols are not
 * there (EPROTONOSUPPORT, as on a Linux without their modules).
 */
#include "core/cred.h"
#include "core/process.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/cmsg.h"
#include "net/rtnl_msg.h"
#include "net/socket.h"
#include "sched/sched.h"

#define NETLINK_ROUTE 0
#define SOL_NETLINK 270

#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_PKTINFO 3
#define NETLINK_BROADCAST_ERROR 4
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_LISTEN_ALL_NSID 8
#define NETLINK_LIST_MEMBERSHIPS 9
#define NETLINK_CAP_ACK 10
#define NETLINK_EXT_ACK 11
#define NETLINK_GET_STRICT_CHK 12

#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33

#define RTNLGRP_MAX 36 /* rtnetlink's multicast groups in Linux 6.1 */
#define DEFAULT_BUF 212992 /* net.core.rmem_default, wmem_default, rmem_max */
#define AUTOBIND_ROVER -4097

struct sockaddr_nl {
	uint16_t nl_family;
	uint16_t nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

/* A datagram waiting to be read. */
struct nl_dgram {
	struct nl_dgram *next;
	uint8_t *data; /* kmalloc'd */
	size_t len;
	uint32_t from;       /* sender's port: 0 for the kernel */
	uint32_t group;      /* the multicast group it came through, or 0 */
	bool from_kernel;
};

struct nlsock {
	int refs;            /* the socket's, and a sender's waiting for room */
	struct socket *sock; /* NULL once closed */
	int protocol;
	bool bound;
	uint32_t portid;
	uint32_t dst_portid, dst_group; /* connect()'s default destination */
	bool connected;
	bool groups_on;      /* has used groups (Linux then lists them) */
	uint64_t groups;     /* group n is bit n-1 */
	struct nl_dgram *rx_head, *rx_tail;
	size_t rx_bytes, rcvbuf, sndbuf;
	int err;             /* pending error (ENOBUFS after an overrun) */
	bool congested;      /* overrun: drop until the queue empties */
	bool passcred, pktinfo, no_enobufs, broadcast_error, listen_all_nsid;
	unsigned sol_flags;  /* SO_REUSEADDR and friends: kept, and reported */
	struct rtnl_sock rtnl;
	struct nlsock *next; /* in the list of all netlink sockets */
	uint64_t generation;
	struct waitq wq;
};

/* All netlink sockets, any protocol; owned by this file. */
static struct nlsock *sockets;

static const struct socket_ops netlink_ops;

static struct nlsock *nl_of(struct socket *s)
{
	return s->priv;
}

static void kick(struct nlsock *n)
{
	n->generation++;
	sched_wake(&n->wq, -1);
	poll_notify();
}

static void unref(struct nlsock *n)
{
	if (--n->refs == 0)
		kfree(n);
}

static struct nlsock *find_port(int protocol, uint32_t portid)
{
	for (struct nlsock *o = sockets; o; o = o->next)
		if (o->bound && o->protocol == protocol && o->portid == portid)
			return o;
	return NULL;
}

static int insert(struct nlsock *n, uint32_t portid)
{
	if (find_port(n->protocol, portid))
		return -EADDRINUSE;
	n->portid = portid;
	n->rtnl.portid = portid;
	n->bound = true;
	return 0;
}

/* The process id first; if another socket has it, a negative id, as
 * Linux picks. */
static int autobind(struct nlsock *n)
{
	static int32_t rover = AUTOBIND_ROVER;
	if (n->bound)
		return 0;
	uint32_t id = (uint32_t)proc.pid;
	while (find_port(n->protocol, id)) {
		id = (uint32_t)rover--;
		if (rover == INT32_MIN)
			rover = AUTOBIND_ROVER;
	}
	return insert(n, id);
}

static uint32_t group_mask(uint32_t group)
{
	return group && group <= 32 ? 1u << (group - 1) : 0;
}

/* --- queueing --- */

/* Queues a datagram (taking `data`). A full queue drops it and, unless
 * NETLINK_NO_ENOBUFS, reports ENOBUFS to the next read: the app lost an
 * answer and must ask again. */
static int enqueue(struct nlsock *n, uint8_t *data, size_t len, uint32_t from, uint32_t group,
		   bool from_kernel)
{
	struct nl_dgram *d = n->sock && !n->congested && n->rx_bytes <= n->rcvbuf
				     ? kmalloc(sizeof(*d)) : NULL;
	if (!d) {
		kfree(data);
		if (n->sock && !n->no_enobufs && !n->congested) {
			n->congested = true;
			n->err = ENOBUFS;
			kick(n);
		}
		return -ENOBUFS;
	}
	d->next = NULL;
	d->data = data;
	d->len = len;
	d->from = from;
	d->group = group;
	d->from_kernel = from_kernel;
	if (n->rx_tail)
		n->rx_tail->next = d;
	else
		n->rx_head = d;
	n->rx_tail = d;
	n->rx_bytes += len;
	kick(n);
	return 0;
}

/* rtnetlink's answers. */
static int rtnl_deliver(struct rtnl_sock *r, void *dgram, size_t len)
{
	struct nlsock *n = (struct nlsock *)((uint8_t *)r - __builtin_offsetof(struct nlsock, rtnl));
	return enqueue(n, dgram, len, 0, 0, true);
}

static void drop_head(struct nlsock *n)
{
	struct nl_dgram *d = n->rx_head;
	n->rx_head = d->next;
	if (!n->rx_head) {
		n->rx_tail = NULL;
		n->congested = false;
	}
	n->rx_bytes -= d->len;
	kfree(d->data);
	kfree(d);
}

/* --- app memory --- */

static size_t iov_total(const struct kmsg *m)
{
	return iov_iter_count(m->data);
}

static int gather(const struct kmsg *m, uint8_t *dst, size_t n)
{
	return copy_from_iter_at(m->data, 0, dst, n);
}

static int scatter(const struct kmsg *m, const uint8_t *src, size_t n)
{
	return copy_to_iter_at(m->data, 0, src, n);
}

/* --- naming --- */

static int nl_bind(struct socket *s, const void *addr, size_t len)
{
	struct nlsock *n = nl_of(s);
	struct sockaddr_nl a;
	if (len < sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.nl_family != AF_NETLINK)
		return -EINVAL;
	if (a.nl_groups)
		n->groups_on = true; /* rtnetlink lets anyone listen */
	if (n->bound && a.nl_pid != n->portid)
		return -EINVAL;
	if (!n->bound) {
		int rc = a.nl_pid ? insert(n, a.nl_pid) : autobind(n);
		if (rc < 0)
			return rc;
	}
	/* The address names groups 1 to 32; later ones stay as joined. */
	n->groups = (n->groups & ~(uint64_t)0xffffffff) | a.nl_groups;
	return 0;
}

static int nl_connect(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct nlsock *n = nl_of(s);
	struct sockaddr_nl a;
	if (len < sizeof(a.nl_family))
		return -EINVAL;
	memcpy(&a.nl_family, addr, sizeof(a.nl_family));
	if (a.nl_family == AF_UNSPEC) {
		n->connected = false;
		n->dst_portid = n->dst_group = 0;
		return 0;
	}
	if (a.nl_family != AF_NETLINK || len < sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	/* Sending to other sockets takes CAP_NET_ADMIN for rtnetlink. */
	if ((a.nl_groups || a.nl_pid) && !cred_capable())
		return -EPERM;
	int rc = autobind(n);
	if (rc < 0)
		return rc;
	n->connected = true;
	n->dst_portid = a.nl_pid;
	n->dst_group = (uint32_t)__builtin_ffs((int)a.nl_groups);
	return 0;
}

static int nl_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
	struct nlsock *n = nl_of(s);
	struct sockaddr_nl a = { AF_NETLINK, 0, 0, 0 };
	if (peer) {
		a.nl_pid = n->dst_portid;
		a.nl_groups = group_mask(n->dst_group);
	} else {
		a.nl_pid = n->portid;
		a.nl_groups = (uint32_t)n->groups;
	}
	memcpy(addr, &a, *len < sizeof(a) ? *len : sizeof(a));
	*len = sizeof(a);
	return 0;
}

/* --- sending --- */

/* A sender's control messages: only credentials and descriptors are
 * taken (and checked), as Linux's scm_send; other levels are skipped. */
static int check_control(const struct kmsg *m)
{
	size_t off = 0;
	int err;
	const struct cmsg *c;
	while ((c = cmsg_next(m, &off, &err)))
		if (c->level == SOL_SOCKET && c->type != SCM_RIGHTS && c->type != SCM_CREDENTIALS)
			return -EINVAL;
	return err;
}

/* Waits while a receiving socket's queue is full (a user sender blocks
 * where the kernel would drop). */
static int wait_for_room(struct nlsock *to, bool nonblock)
{
	int rc = 0;
	to->refs++; /* it may close meanwhile */
	while (to->sock && to->rx_bytes > to->rcvbuf) {
		if (nonblock) {
			rc = -EAGAIN;
			break;
		}
		if (sched_wait(&to->wq, 0, true, "netlink send", 0) == -EINTR) {
			rc = -ERESTARTSYS;
			break;
		}
	}
	if (rc == 0 && !to->sock)
		rc = -ECONNREFUSED;
	unref(to);
	return rc;
}

/* A copy of the datagram for each socket in the group, as Linux's
 * netlink_broadcast (which skips the port the unicast goes to). */
static void broadcast(struct nlsock *from, const uint8_t *data, size_t len, uint32_t group,
		      uint32_t skip)
{
	for (struct nlsock *o = sockets; o; o = o->next) {
		if (o->protocol != from->protocol || o->portid == skip ||
		    !(o->groups >> (group - 1) & 1))
			continue;
		uint8_t *copy = kmalloc(len);
		if (!copy)
			continue;
		memcpy(copy, data, len);
		enqueue(o, copy, len, from->portid, group, false);
	}
}

static int64_t nl_sendmsg(struct socket *s, struct kmsg *m, int flags, bool nonblock)
{
	struct nlsock *n = nl_of(s);
	nonblock = nonblock || (flags & MSG_DONTWAIT);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	size_t len = iov_total(m);
	if (len == 0)
		return -ENODATA; /* an empty message: Linux refuses it */
	int rc = check_control(m);
	if (rc < 0)
		return rc;
	uint32_t dst_portid = n->dst_portid, dst_group = n->dst_group;
	if (m->name && m->namelen) {
		struct sockaddr_nl a;
		if (m->namelen < sizeof(a))
			return -EINVAL;
		memcpy(&a, m->name, sizeof(a));
		if (a.nl_family != AF_NETLINK)
			return -EINVAL;
		dst_portid = a.nl_pid;
		dst_group = (uint32_t)__builtin_ffs((int)a.nl_groups);
		if ((dst_group || dst_portid) && !cred_capable())
			return -EPERM;
	}
	if ((rc = autobind(n)) < 0)
		return rc;
	if (len > n->sndbuf - 32)
		return -EMSGSIZE;
	struct nlsock *to = NULL;
	if (dst_portid) {
		/* Another socket: it must be there, and not connected elsewhere. */
		to = find_port(n->protocol, dst_portid);
		if (!to || (to->connected && to->dst_portid != n->portid))
			return -ECONNREFUSED;
		if ((rc = wait_for_room(to, nonblock)) < 0)
			return rc;
	}
	uint8_t *data = kmalloc(len);
	if (!data)
		return -ENOBUFS;
	if (gather(m, data, len) < 0) {
		kfree(data);
		return -EFAULT;
	}
	if (dst_group)
		broadcast(n, data, len, dst_group, dst_portid);
	if (to) {
		enqueue(to, data, len, n->portid, 0, false);
	} else {
		n->rtnl.admin = cred_capable();
		rtnl_input(&n->rtnl, data, len);
		kfree(data);
	}
	return (int64_t)len;
}

/* --- receiving --- */

struct nl_pktinfo {
	uint32_t group;
};

struct ucred {
	int32_t pid;
	uint32_t uid, gid;
};

static int64_t nl_recvmsg(struct socket *s, struct kmsg *m, int flags, bool nonblock)
{
	struct nlsock *n = nl_of(s);
	nonblock = nonblock || (flags & MSG_DONTWAIT);
	m->flags = 0;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	for (;;) {
		if (n->err) { /* an overrun is reported before what is queued */
			int e = n->err;
			n->err = 0;
			return -e;
		}
		if (n->rx_head)
			break;
		if (nonblock)
			return -EAGAIN;
		if (sched_wait(&n->wq, 0, true, "netlink recv", 0) == -EINTR)
			return -ERESTARTSYS;
	}
	struct nl_dgram *d = n->rx_head;
	size_t want = iov_total(m);
	size_t copied = d->len < want ? d->len : want;
	if (copied < d->len)
		m->flags |= MSG_TRUNC;
	if (scatter(m, d->data, copied) < 0)
		return -EFAULT;
	if (m->name) {
		struct sockaddr_nl a = { AF_NETLINK, 0, d->from, group_mask(d->group) };
		memcpy(m->name, &a, m->namelen < sizeof(a) ? m->namelen : sizeof(a));
		m->namelen = sizeof(a);
	}
	size_t used = 0;
	if (n->pktinfo) {
		struct nl_pktinfo info = { d->group };
		cmsg_put(m, &used, SOL_NETLINK, NETLINK_PKTINFO, &info, sizeof(info));
	}
	if (n->passcred) {
		/* The kernel's messages carry no sender; an app's, its own. */
		struct ucred c = { 0, 0, 0 };
		if (!d->from_kernel)
			c = (struct ucred){ proc.pid, cred.uid, cred.gid };
		cmsg_put(m, &used, SOL_SOCKET, SCM_CREDENTIALS, &c, sizeof(c));
	}
	m->controllen = used;
	int64_t ret = (flags & MSG_TRUNC) ? (int64_t)d->len : (int64_t)copied;
	if (!(flags & MSG_PEEK))
		drop_head(n);
	/* A dump goes on as the app reads, while the queue is half empty. */
	if (n->rtnl.dump.running && n->rx_bytes <= n->rcvbuf / 2) {
		int rc = rtnl_dump_continue(&n->rtnl);
		if (rc < 0)
			n->err = -rc;
	}
	kick(n);
	return ret;
}

/* --- options --- */

static int set_buf(size_t *buf, int v, size_t floor, bool force)
{
	/* Linux caps the value at net.core.[rw]mem_max unless forced (which
	 * takes CAP_NET_ADMIN), and doubles it for its bookkeeping. */
	if (force && !cred_capable())
		return -EPERM;
	uint64_t val = v < 0 ? (force ? 0 : DEFAULT_BUF) : (uint64_t)v;
	if (!force && val > DEFAULT_BUF)
		val = DEFAULT_BUF;
	*buf = val * 2 < floor ? floor : (size_t)(val * 2);
	return 0;
}

static int socket_level_set(struct nlsock *n, int name, int v)
{
	switch (name) {
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		return set_buf(&n->rcvbuf, v, 2304, name == SO_RCVBUFFORCE);
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		return set_buf(&n->sndbuf, v, 4608, name == SO_SNDBUFFORCE);
	case SO_PASSCRED:
		n->passcred = v != 0;
		return 0;
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_REUSEPORT:
		/* Generic socket flags with no effect on netlink. */
		n->sol_flags = v ? n->sol_flags | 1u << name : n->sol_flags & ~(1u << name);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int netlink_level_set(struct nlsock *n, int name, int v)
{
	switch (name) {
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
		n->groups_on = true;
		if (v == 0 || (uint32_t)v > RTNLGRP_MAX)
			return -EINVAL;
		if (name == NETLINK_ADD_MEMBERSHIP)
			n->groups |= (uint64_t)1 << (v - 1);
		else
			n->groups &= ~((uint64_t)1 << (v - 1));
		return 0;
	case NETLINK_PKTINFO:
		n->pktinfo = v != 0;
		return 0;
	case NETLINK_BROADCAST_ERROR:
		n->broadcast_error = v != 0;
		return 0;
	case NETLINK_NO_ENOBUFS:
		n->no_enobufs = v != 0;
		if (v)
			n->congested = false;
		return 0;
	case NETLINK_LISTEN_ALL_NSID:
		if (!cred_capable())
			return -EPERM;
		n->listen_all_nsid = v != 0; /* one namespace: nothing comes of it */
		return 0;
	case NETLINK_CAP_ACK:
		n->rtnl.cap_ack = v != 0;
		return 0;
	case NETLINK_EXT_ACK:
		n->rtnl.ext_ack = v != 0;
		return 0;
	case NETLINK_GET_STRICT_CHK:
		n->rtnl.strict = v != 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int nl_setsockopt(struct socket *s, int level, int name, const void *val, size_t len)
{
	struct nlsock *n = nl_of(s);
	int v = 0;
	if (level == SOL_SOCKET) {
		if (len < sizeof(int))
			return -EINVAL;
		memcpy(&v, val, sizeof(v));
		return socket_level_set(n, name, v);
	}
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	/* A short value counts as 0, as Linux reads it. */
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(v));
	return netlink_level_set(n, name, v);
}

static int socket_level_get(struct socket *s, int name, int *v)
{
	struct nlsock *n = nl_of(s);
	switch (name) {
	case SO_TYPE:
		*v = s->type;
		return 0;
	case SO_DOMAIN:
		*v = AF_NETLINK;
		return 0;
	case SO_PROTOCOL:
		*v = n->protocol;
		return 0;
	case SO_ERROR:
		*v = n->err;
		n->err = 0;
		return 0;
	case SO_RCVBUF:
		*v = (int)n->rcvbuf;
		return 0;
	case SO_SNDBUF:
		*v = (int)n->sndbuf;
		return 0;
	case SO_ACCEPTCONN:
		*v = 0;
		return 0;
	case SO_PASSCRED:
		*v = n->passcred;
		return 0;
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_REUSEPORT:
		*v = (n->sol_flags >> name) & 1;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int netlink_level_get(struct nlsock *n, int name, int *v)
{
	switch (name) {
	case NETLINK_PKTINFO:
		*v = n->pktinfo;
		return 0;
	case NETLINK_BROADCAST_ERROR:
		*v = n->broadcast_error;
		return 0;
	case NETLINK_NO_ENOBUFS:
		*v = n->no_enobufs;
		return 0;
	case NETLINK_LISTEN_ALL_NSID:
		*v = n->listen_all_nsid;
		return 0;
	case NETLINK_CAP_ACK:
		*v = n->rtnl.cap_ack;
		return 0;
	case NETLINK_EXT_ACK:
		*v = n->rtnl.ext_ack;
		return 0;
	case NETLINK_GET_STRICT_CHK:
		*v = n->rtnl.strict;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int nl_getsockopt(struct socket *s, int level, int name, void *val, size_t *len)
{
	struct nlsock *n = nl_of(s);
	int v, rc;
	if (level == SOL_SOCKET) {
		if ((rc = socket_level_get(s, name, &v)) < 0)
			return rc;
		size_t out = *len < sizeof(v) ? *len : sizeof(v);
		memcpy(val, &v, out);
		*len = out;
		return 0;
	}
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (name == NETLINK_LIST_MEMBERSHIPS) {
		/* The joined groups, 32 to a word, as many words as fit. */
		size_t size = n->groups_on ? (RTNLGRP_MAX + 31) / 32 * 4 : 0;
		size_t out = *len < size ? *len / 4 * 4 : size;
		memcpy(val, &n->groups, out);
		*len = out;
		return 0;
	}
	if ((rc = netlink_level_get(n, name, &v)) < 0)
		return rc;
	if (*len < sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

/* --- the rest --- */

static int nl_listen(struct socket *s, int backlog)
{
	return -EOPNOTSUPP;
}

static int nl_shutdown(struct socket *s, int how)
{
	return -EOPNOTSUPP;
}

/* Readable with a datagram queued; always writable (rtnetlink answers at
 * once, and a dump is built as it is read). */
static unsigned nl_poll(struct socket *s)
{
	struct nlsock *n = nl_of(s);
	unsigned mask = POLLOUT | POLLWRNORM | POLLWRBAND;
	if (n->err)
		mask |= POLLERR;
	if (n->rx_head)
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

static uint64_t nl_generation(struct socket *s)
{
	return nl_of(s)->generation;
}

/* No ioctls of its own (not even FIONREAD): the socket layer tries the
 * interface ones. */
static int nl_ioctl(struct socket *s, unsigned long cmd, unsigned long arg)
{
	return -ENOTTY;
}

static void nl_release(struct socket *s)
{
	struct nlsock *n = nl_of(s);
	for (struct nlsock **pp = &sockets; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	}
	while (n->rx_head)
		drop_head(n);
	n->sock = NULL;
	n->rtnl.dump.running = false;
	kick(n); /* senders waiting for room give up */
	unref(n);
}

static const struct socket_ops netlink_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.listen = nl_listen,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.shutdown = nl_shutdown,
	.getname = nl_getname,
	.setsockopt = nl_setsockopt,
	.getsockopt = nl_getsockopt,
	.poll = nl_poll,
	.poll_generation = nl_generation,
	.ioctl = nl_ioctl,
	.release = nl_release,
};

int netlink_socket_create(int type, int protocol, unsigned file_flags, struct file **out)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT; /* audit, uevents, generic...: absent here */
	struct nlsock *n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->refs = 1;
	n->protocol = protocol;
	n->rcvbuf = n->sndbuf = DEFAULT_BUF;
	n->rtnl.deliver = rtnl_deliver;
	struct socket *s;
	int rc = socket_create_file(AF_NETLINK, type, protocol, n, &netlink_ops, file_flags, &s, out);
	if (rc < 0) {
		kfree(n);
		return rc;
	}
	n->sock = s;
	n->next = sockets;
	sockets = n;
	return 0;
}
