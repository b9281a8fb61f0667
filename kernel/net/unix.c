/*
 * AF_UNIX sockets (unix(7)): stream, datagram and seqpacket; socketpair;
 * names in the file system (an S_IFSOCK node) or the abstract namespace;
 * listen/connect/accept; shutdown; SCM_RIGHTS descriptor passing.
 *
 * Every socket end is a `struct usock`. Data travels as messages queued on
 * the receiving end; a stream read runs across message boundaries, a
 * datagram or seqpacket read takes one message. A connecting stream
 * socket gets its server-side twin at once, queued on the listener until
 * accept() gives it an open file. usocks are reference counted: by their
 * socket, by a connected peer, and by a listener's backlog.
 */
#include "fs/namei.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "linux/signal.h"
#include "linux/uapi/errno.h"
#include "linux/uapi/fcntl.h"
#include "linux/uapi/ioctl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "net/socket.h"
#include "core/process.h"
#include "sched/sched.h"

#define UNIX_PATH_MAX 108
#define UNIX_ADDR_MAX (2 + UNIX_PATH_MAX)
#define DEFAULT_BUF 212992 /* net.core.rmem_default / wmem_default */
#define MAX_DGRAM 212992
#define SCM_MAX_FD 253

struct unix_addr {
	size_t len; /* of the whole sockaddr_un; 0 when unnamed */
	uint8_t bytes[UNIX_ADDR_MAX];
};

struct unix_msg {
	struct unix_msg *next;
	size_t len, off;
	struct file **fds;
	int nfds;
	struct unix_addr from;
	uint8_t data[];
};

enum ustate { U_UNCONNECTED, U_LISTENING, U_CONNECTED };

struct usock {
	int refs;
	int type;
	enum ustate state;
	struct socket *sock;  /* NULL for a connection not yet accepted */
	struct usock *peer;   /* connected peer, or a datagram's default target */
	struct unix_msg *rx_head, *rx_tail;
	size_t rx_bytes, rcvbuf, sndbuf;
	struct usock *backlog_head, *backlog_tail, *backlog_next;
	int backlog_len, backlog_max;
	struct unix_addr addr;
	struct inode *bound_inode;
	struct usock *bound_next;
	bool shut_rd, shut_wr; /* this end's shutdown */
	bool peer_shut_wr;     /* the peer will send no more */
	bool peer_gone;        /* the connected peer was closed */
	int err;               /* pending SO_ERROR */
	bool passcred;
	uint64_t generation;
	struct waitq wq;
};

/* Bound sockets, by file-system node or abstract name; owned by this file. */
static struct usock *bound;

static const struct socket_ops unix_ops;

static struct usock *us(struct socket *s)
{
	return s->priv;
}

static void kick(struct usock *u)
{
	if (!u)
		return;
	u->generation++;
	sched_wake(&u->wq, -1);
	poll_notify();
}

static void free_msg(struct unix_msg *m)
{
	for (int i = 0; i < m->nfds; i++)
		file_put(m->fds[i]);
	kfree(m->fds);
	kfree(m);
}

static void unref(struct usock *u)
{
	if (--u->refs)
		return;
	struct usock *peer = u->peer;
	while (u->rx_head) {
		struct unix_msg *m = u->rx_head;
		u->rx_head = m->next;
		free_msg(m);
	}
	kfree(u);
	if (peer)
		unref(peer);
}

static struct usock *usock_new(int type)
{
	struct usock *u = kzalloc(sizeof(*u));
	if (!u)
		return NULL;
	u->refs = 1;
	u->type = type;
	u->rcvbuf = u->sndbuf = DEFAULT_BUF;
	return u;
}

static bool connection_oriented(const struct usock *u)
{
	return u->type != SOCK_DGRAM;
}

/* --- names --- */

static bool is_abstract(const struct unix_addr *a)
{
	return a->len > 2 && a->bytes[2] == '\0';
}

static struct usock *find_bound(const struct unix_addr *a, struct inode *ino)
{
	for (struct usock *u = bound; u; u = u->bound_next) {
		if (ino && u->bound_inode == ino)
			return u;
		if (!ino && is_abstract(&u->addr) && u->addr.len == a->len &&
		    memcmp(u->addr.bytes, a->bytes, a->len) == 0)
			return u;
	}
	return NULL;
}

/* Checks and copies a sockaddr_un; a path gets its length up to the NUL. */
static int take_addr(const void *addr, size_t len, struct unix_addr *out)
{
	if (len < 2 || len > UNIX_ADDR_MAX)
		return -EINVAL;
	const uint8_t *b = addr;
	if ((b[0] | b[1] << 8) != AF_UNIX)
		return -EINVAL;
	memcpy(out->bytes, b, len);
	out->len = len;
	if (len > 2 && b[2] != '\0') {
		size_t n = strnlen((const char *)b + 2, len - 2);
		out->len = 2 + n + 1; /* Linux reports the path with its NUL */
		if (2 + n < UNIX_ADDR_MAX)
			out->bytes[2 + n] = '\0';
		else
			out->len = UNIX_ADDR_MAX;
	}
	return 0;
}

static int path_of(const struct unix_addr *a, char *path)
{
	size_t n = a->len > 2 ? strnlen((const char *)a->bytes + 2, a->len - 2) : 0;
	if (n == 0)
		return -EINVAL;
	memcpy(path, a->bytes + 2, n);
	path[n] = '\0';
	return 0;
}

/* The bound socket an address names: -ECONNREFUSED when nobody is there. */
static int lookup(const struct unix_addr *a, struct usock **out)
{
	struct inode *ino = NULL;
	if (!is_abstract(a)) {
		char path[UNIX_ADDR_MAX];
		int rc = path_of(a, path);
		if (rc < 0)
			return rc;
		struct walk_result w;
		rc = path_walk(path[0] == '/' ? vfs_root : proc.cwd, path, WALK_FOLLOW, &w);
		if (rc < 0)
			return rc;
		ino = w.inode;
		bool sock = S_ISSOCK(ino->mode);
		walk_release(&w);
		if (!sock)
			return -ECONNREFUSED;
	}
	struct usock *u = find_bound(a, ino);
	if (!u)
		return -ECONNREFUSED;
	*out = u;
	return 0;
}

static int unix_bind(struct socket *s, const void *addr, size_t len)
{
	struct usock *u = us(s);
	struct unix_addr a;
	int rc = take_addr(addr, len, &a);
	if (rc < 0)
		return rc;
	if (u->addr.len)
		return -EINVAL; /* already bound */
	if (a.len == 2) {
		/* Autobind: a fresh abstract name of five hex digits. */
		static unsigned next_auto = 1;
		a.bytes[2] = '\0';
		const char *hex = "0123456789abcdef";
		do {
			unsigned v = next_auto++;
			for (int i = 0; i < 5; i++)
				a.bytes[3 + i] = (uint8_t)hex[(v >> (16 - 4 * i)) & 15];
			a.len = 8;
		} while (find_bound(&a, NULL));
	} else if (is_abstract(&a)) {
		if (find_bound(&a, NULL))
			return -EADDRINUSE;
	} else {
		char path[UNIX_ADDR_MAX];
		if ((rc = path_of(&a, path)) < 0)
			return rc;
		struct walk_result w;
		rc = path_walk(path[0] == '/' ? vfs_root : proc.cwd, path, WALK_PARENT, &w);
		if (rc < 0)
			return rc;
		if (w.inode)
			rc = -EADDRINUSE;
		else if (w.dir->sb->readonly)
			rc = -EROFS;
		else if (!w.dir->ops->mknod)
			rc = -EPERM;
		else
			rc = w.dir->ops->mknod(w.dir, w.last, w.last_len,
					       S_IFSOCK | (0777 & ~proc.umask), 0);
		struct inode *node = NULL;
		if (rc == 0)
			rc = w.dir->ops->lookup(w.dir, w.last, w.last_len, &node);
		walk_release(&w);
		if (rc < 0)
			return rc;
		u->bound_inode = node;
	}
	u->addr = a;
	u->bound_next = bound;
	bound = u;
	return 0;
}

static void unbind(struct usock *u)
{
	for (struct usock **pp = &bound; *pp; pp = &(*pp)->bound_next) {
		if (*pp == u) {
			*pp = u->bound_next;
			break;
		}
	}
	if (u->bound_inode) {
		inode_put(u->bound_inode);
		u->bound_inode = NULL;
	}
}

/* --- connections --- */

static void link_peers(struct usock *a, struct usock *b)
{
	a->peer = b;
	b->peer = a;
	a->refs++;
	b->refs++;
	a->state = b->state = U_CONNECTED;
}

static int unix_connect(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct usock *u = us(s);
	struct unix_addr a;
	if (len >= 2 && ((const uint8_t *)addr)[0] == AF_UNSPEC && !connection_oriented(u)) {
		if (u->peer) { /* a datagram socket forgets its default target */
			unref(u->peer);
			u->peer = NULL;
		}
		u->state = U_UNCONNECTED;
		return 0;
	}
	int rc = take_addr(addr, len, &a);
	if (rc < 0)
		return rc;
	struct usock *target;
	if ((rc = lookup(&a, &target)) < 0)
		return rc;
	if (target->type != u->type)
		return -EPROTOTYPE;
	if (!connection_oriented(u)) {
		if (u->peer)
			unref(u->peer);
		u->peer = target;
		target->refs++;
		u->state = U_CONNECTED;
		return 0;
	}
	if (u->state == U_CONNECTED)
		return -EISCONN;
	if (u->state == U_LISTENING)
		return -EINVAL;
	if (target->state != U_LISTENING)
		return -ECONNREFUSED;
	while (target->backlog_len > target->backlog_max) {
		if (nonblock)
			return -EAGAIN;
		target->refs++;
		int w = sched_wait(&target->wq, 0, true, "unix connect", 0);
		bool gone = target->state != U_LISTENING;
		unref(target);
		if (w == -EINTR)
			return -ERESTARTSYS;
		if (gone)
			return -ECONNREFUSED;
	}
	struct usock *server = usock_new(u->type);
	if (!server)
		return -ENOMEM;
	server->addr = target->addr;
	link_peers(u, server); /* server: 1 (backlog) + 1 (peer) */
	if (target->backlog_tail)
		target->backlog_tail->backlog_next = server;
	else
		target->backlog_head = server;
	target->backlog_tail = server;
	target->backlog_len++;
	kick(target);
	kick(u);
	return 0;
}

static int unix_listen(struct socket *s, int backlog)
{
	struct usock *u = us(s);
	if (!connection_oriented(u))
		return -EOPNOTSUPP;
	if (u->state == U_CONNECTED)
		return -EINVAL;
	if (!u->addr.len)
		return -EINVAL; /* unix sockets must be bound to listen */
	if (backlog < 0 || backlog > 4096)
		backlog = 4096;
	u->backlog_max = backlog;
	u->state = U_LISTENING;
	kick(u);
	return 0;
}

static int unix_accept(struct socket *s, struct socket **out, bool nonblock)
{
	struct usock *u = us(s);
	if (u->state != U_LISTENING)
		return -EINVAL;
	while (!u->backlog_head) {
		if (nonblock)
			return -EAGAIN;
		if (sched_wait(&u->wq, 0, true, "unix accept", 0) == -EINTR)
			return -ERESTARTSYS;
		if (u->state != U_LISTENING)
			return -EINVAL;
	}
	struct usock *c = u->backlog_head;
	struct file *f;
	struct socket *ns;
	int rc = socket_create_file(AF_UNIX, u->type, 0, c, &unix_ops, 0, &ns, &f);
	if (rc < 0)
		return rc;
	u->backlog_head = c->backlog_next;
	if (!u->backlog_head)
		u->backlog_tail = NULL;
	u->backlog_len--;
	c->sock = ns; /* the backlog's reference passes to the socket */
	kick(u);
	*out = ns;
	return 0;
}

/* --- data --- */

static size_t iov_total(const struct kmsg *m)
{
	size_t total = 0;
	for (size_t i = 0; i < m->iovlen; i++)
		total += m->iov[i].len;
	return total;
}

/* Copies up to n bytes out of the app's iovec (from byte `skip` on). */
static int gather(const struct kmsg *m, size_t skip, uint8_t *dst, size_t n)
{
	for (size_t i = 0; i < m->iovlen && n; i++) {
		size_t l = m->iov[i].len;
		if (skip >= l) {
			skip -= l;
			continue;
		}
		size_t take = l - skip < n ? l - skip : n;
		if (copy_from_user(dst, (const uint8_t *)m->iov[i].base + skip, take) < 0)
			return -EFAULT;
		dst += take;
		n -= take;
		skip = 0;
	}
	return 0;
}

static int scatter(const struct kmsg *m, size_t skip, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < m->iovlen && n; i++) {
		size_t l = m->iov[i].len;
		if (skip >= l) {
			skip -= l;
			continue;
		}
		size_t put = l - skip < n ? l - skip : n;
		if (copy_to_user((uint8_t *)m->iov[i].base + skip, src, put) < 0)
			return -EFAULT;
		src += put;
		n -= put;
		skip = 0;
	}
	return 0;
}

struct cmsg {
	uint64_t len;
	int32_t level;
	int32_t type;
};

#define CMSG_ALIGN(n) (((n) + 7) & ~7ul)

/* Takes the descriptors of SCM_RIGHTS messages (references to their files). */
static int take_rights(const struct kmsg *m, struct file ***fds, int *nfds)
{
	*fds = NULL;
	*nfds = 0;
	size_t off = 0;
	while (m->control && off + sizeof(struct cmsg) <= m->controllen) {
		const struct cmsg *c = (const struct cmsg *)((const uint8_t *)m->control + off);
		if (c->len < sizeof(struct cmsg) || off + c->len > m->controllen)
			return -EINVAL;
		if (c->level == SOL_SOCKET && c->type == SCM_RIGHTS) {
			int n = (int)((c->len - sizeof(struct cmsg)) / sizeof(int));
			if (*nfds + n > SCM_MAX_FD)
				return -EINVAL;
			struct file **grown = kmalloc(sizeof(struct file *) * (size_t)(*nfds + n + 1));
			if (!grown)
				return -ENOMEM;
			if (*fds)
				memcpy(grown, *fds, sizeof(struct file *) * (size_t)*nfds);
			kfree(*fds);
			*fds = grown;
			const int *list = (const int *)(c + 1);
			for (int i = 0; i < n; i++) {
				struct file *f = fd_lookup(&proc.fds, list[i]);
				if (!f)
					return -EBADF;
				(*fds)[(*nfds)++] = file_get(f);
			}
		} else if (c->level == SOL_SOCKET && c->type == SCM_CREDENTIALS) {
			/* Credentials are checked, not carried: there is one process. */
		} else {
			return -EINVAL;
		}
		off += CMSG_ALIGN(c->len);
	}
	return 0;
}

static void drop_rights(struct file **fds, int n)
{
	for (int i = 0; i < n; i++)
		file_put(fds[i]);
	kfree(fds);
}

static int enqueue(struct usock *to, const struct kmsg *m, size_t skip, size_t n,
		   struct file **fds, int nfds, const struct unix_addr *from)
{
	struct unix_msg *msg = kmalloc(sizeof(*msg) + n);
	if (!msg)
		return -ENOMEM;
	if (gather(m, skip, msg->data, n) < 0) {
		kfree(msg);
		return -EFAULT;
	}
	msg->next = NULL;
	msg->len = n;
	msg->off = 0;
	msg->fds = fds;
	msg->nfds = nfds;
	msg->from = *from;
	if (to->rx_tail)
		to->rx_tail->next = msg;
	else
		to->rx_head = msg;
	to->rx_tail = msg;
	to->rx_bytes += n;
	kick(to);
	return 0;
}

static int64_t broken_pipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		signal_send_thread(current, SIGPIPE, (struct sig_note){ .code = SI_USER, .pid = 1 });
	return -EPIPE;
}

static int64_t unix_sendmsg(struct socket *s, struct kmsg *m, int flags, bool nonblock)
{
	struct usock *u = us(s);
	nonblock = nonblock || (flags & MSG_DONTWAIT);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	size_t total = iov_total(m);
	struct file **fds;
	int nfds;
	int rc = take_rights(m, &fds, &nfds);
	if (rc < 0) {
		drop_rights(fds, nfds);
		return rc;
	}
	struct usock *to;
	if (connection_oriented(u)) {
		rc = 0;
		if (m->name && m->namelen)
			rc = u->state == U_CONNECTED ? -EISCONN : -EOPNOTSUPP;
		else if (u->state != U_CONNECTED)
			rc = -ENOTCONN;
		else if (u->shut_wr || u->peer_gone)
			rc = (int)broken_pipe(flags);
		if (rc < 0) {
			drop_rights(fds, nfds);
			return rc;
		}
		to = u->peer;
	} else {
		if (m->name && m->namelen) {
			struct unix_addr a;
			rc = take_addr(m->name, m->namelen, &a);
			if (rc == 0)
				rc = lookup(&a, &to);
			if (rc == 0 && to->type != u->type)
				rc = -EPROTOTYPE;
		} else if (u->peer) {
			to = u->peer;
			rc = to->sock ? 0 : -ECONNREFUSED; /* closed since connect */
		} else {
			rc = -ENOTCONN;
		}
		if (rc == 0 && u->shut_wr)
			rc = (int)broken_pipe(flags);
		if (rc == 0 && total > MAX_DGRAM)
			rc = -EMSGSIZE;
		if (rc < 0) {
			drop_rights(fds, nfds);
			return rc;
		}
	}

	size_t done = 0;
	bool stream = u->type == SOCK_STREAM;
	do {
		if (connection_oriented(u) && (u->peer_gone || u->shut_wr)) {
			drop_rights(fds, nfds);
			return done ? (int64_t)done : broken_pipe(flags);
		}
		size_t room = to->rx_bytes < to->rcvbuf ? to->rcvbuf - to->rx_bytes : 0;
		size_t want = total - done;
		/* A stream takes what fits; a record goes whole. */
		if (stream ? (room > 0 || want == 0) : (room >= want || to->rx_bytes == 0)) {
			size_t n = stream && want > room ? room : want;
			rc = enqueue(to, m, done, n, fds, nfds, &u->addr);
			if (rc < 0) {
				drop_rights(fds, nfds);
				return done ? (int64_t)done : rc;
			}
			fds = NULL;
			nfds = 0;
			done += n;
			continue;
		}
		if (nonblock) {
			drop_rights(fds, nfds);
			return done ? (int64_t)done : -EAGAIN;
		}
		to->refs++;
		int w = sched_wait(&to->wq, 0, true, "unix send", 0);
		unref(to);
		if (w == -EINTR) {
			drop_rights(fds, nfds);
			return done ? (int64_t)done : -ERESTARTSYS;
		}
	} while (done < total);
	return (int64_t)done;
}

/* Installs passed descriptors as SCM_RIGHTS control data for the app. */
static void deliver_rights(struct kmsg *m, struct unix_msg *msg, int flags, size_t *ctl_used)
{
	if (!msg->nfds)
		return;
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
			int fd = fd_install(&proc.fds, msg->fds[i], 0, flags & MSG_CMSG_CLOEXEC);
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

static bool at_eof(const struct usock *u)
{
	return u->shut_rd || u->peer_shut_wr || u->peer_gone;
}

static int64_t unix_recvmsg(struct socket *s, struct kmsg *m, int flags, bool nonblock)
{
	struct usock *u = us(s);
	nonblock = nonblock || (flags & MSG_DONTWAIT);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (connection_oriented(u) && u->state != U_CONNECTED)
		return u->type == SOCK_SEQPACKET || u->state == U_LISTENING ? -ENOTCONN : -EINVAL;
	size_t want = iov_total(m), done = 0, ctl_used = 0;
	m->flags = 0;
	for (;;) {
		struct unix_msg *msg = u->rx_head;
		if (!msg) {
			if (done && !(flags & MSG_WAITALL))
				break;
			if (at_eof(u) || (done && done == want))
				break;
			if (!connection_oriented(u) && u->shut_rd)
				break;
			if (nonblock)
				return done ? (int64_t)done : -EAGAIN;
			if (sched_wait(&u->wq, 0, true, "unix recv", 0) == -EINTR)
				return done ? (int64_t)done : -ERESTARTSYS;
			continue;
		}
		if (u->type != SOCK_STREAM) {
			/* One record: what does not fit is lost (MSG_TRUNC). */
			size_t n = msg->len < want ? msg->len : want;
			if (scatter(m, 0, msg->data, n) < 0)
				return -EFAULT;
			if (n < msg->len)
				m->flags |= MSG_TRUNC;
			if (m->name) {
				/* An unnamed sender gives an empty address (length 0). */
				size_t l = msg->from.len;
				memcpy(m->name, msg->from.bytes, l < m->namelen ? l : m->namelen);
				m->namelen = l;
			}
			int64_t ret = (flags & MSG_TRUNC) ? (int64_t)msg->len : (int64_t)n;
			if (!(flags & MSG_PEEK)) {
				deliver_rights(m, msg, flags, &ctl_used);
				u->rx_head = msg->next;
				if (!u->rx_head)
					u->rx_tail = NULL;
				u->rx_bytes -= msg->len;
				free_msg(msg);
				kick(u);
				kick(u->peer);
			}
			m->controllen = ctl_used;
			return ret;
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
		if (msg->off == msg->len) {
			u->rx_head = msg->next;
			if (!u->rx_head)
				u->rx_tail = NULL;
			free_msg(msg);
		}
		kick(u);
		kick(u->peer);
		if (done == want || (u->rx_head && u->rx_head->nfds))
			break;
	}
	if (m->name)
		m->namelen = 0;
	m->controllen = ctl_used;
	return (int64_t)done;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct usock *u = us(s);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (connection_oriented(u) && u->state != U_CONNECTED)
		return -ENOTCONN;
	if (how != SHUT_WR)
		u->shut_rd = true;
	if (how != SHUT_RD) {
		u->shut_wr = true;
		if (u->peer && connection_oriented(u))
			u->peer->peer_shut_wr = true;
	}
	kick(u);
	kick(u->peer);
	return 0;
}

static int unix_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
	struct usock *u = us(s);
	const struct usock *who = u;
	if (peer) {
		if (!u->peer || (connection_oriented(u) && u->state != U_CONNECTED))
			return -ENOTCONN;
		who = u->peer;
	}
	struct unix_addr a = who->addr;
	if (!a.len)
		a.len = 2;
	uint16_t fam = AF_UNIX;
	memcpy(a.bytes, &fam, 2);
	memcpy(addr, a.bytes, a.len < *len ? a.len : *len);
	*len = a.len;
	return 0;
}

struct ucred {
	int32_t pid;
	uint32_t uid, gid;
};

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, size_t len)
{
	struct usock *u = us(s);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	int v = 0;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(int));
	else if (name != SO_LINGER)
		return -EINVAL;
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
	case SO_REUSEPORT:
	case SO_KEEPALIVE:
	case SO_LINGER:
	case SO_DEBUG:
	case SO_BROADCAST:
	case SO_OOBINLINE:
	case SO_DONTROUTE:
		return 0; /* meaningless for local sockets, accepted as Linux does */
	default:
		return -ENOPROTOOPT;
	}
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, size_t *len)
{
	struct usock *u = us(s);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	int v;
	switch (name) {
	case SO_TYPE:
		v = u->type;
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	case SO_PROTOCOL:
		v = 0;
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
		v = u->state == U_LISTENING;
		break;
	case SO_PASSCRED:
		v = u->passcred;
		break;
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_BROADCAST:
		v = 0;
		break;
	case SO_PEERCRED: {
		if (!u->peer)
			return -ENOTCONN;
		struct ucred c = { 1, 0, 0 }; /* the only process */
		size_t n = *len < sizeof(c) ? *len : sizeof(c);
		memcpy(val, &c, n);
		*len = n;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	size_t n = *len < sizeof(v) ? *len : sizeof(v);
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

static unsigned unix_poll(struct socket *s)
{
	struct usock *u = us(s);
	unsigned m = 0;
	if (u->err)
		m |= POLLERR;
	if (u->state == U_LISTENING)
		return u->backlog_head ? POLLIN | POLLRDNORM : 0;
	if (u->rx_head)
		m |= POLLIN | POLLRDNORM;
	if (at_eof(u))
		m |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->shut_rd && u->shut_wr)
		m |= POLLHUP;
	if (connection_oriented(u) && (u->peer_gone || (u->peer_shut_wr && u->shut_wr)))
		m |= POLLHUP;
	bool can_write;
	if (connection_oriented(u))
		can_write = u->state == U_CONNECTED && !u->peer_gone && u->peer->rx_bytes < u->peer->rcvbuf;
	else
		can_write = !u->peer || u->peer->rx_bytes < u->peer->rcvbuf;
	if (can_write && !u->shut_wr)
		m |= POLLOUT | POLLWRNORM;
	return m;
}

static uint64_t unix_generation(struct socket *s)
{
	return us(s)->generation;
}

static int unix_ioctl(struct socket *s, unsigned long cmd, unsigned long arg)
{
	struct usock *u = us(s);
	int v;
	switch (cmd) {
	case FIONREAD:
		v = u->type == SOCK_STREAM ? (int)u->rx_bytes : (u->rx_head ? (int)u->rx_head->len : 0);
		break;
	case TIOCOUTQ:
		v = 0;
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_user((void *)arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

static void unix_release(struct socket *s)
{
	struct usock *u = us(s);
	unbind(u);
	/* Connections nobody accepted are refused. */
	while (u->backlog_head) {
		struct usock *c = u->backlog_head;
		u->backlog_head = c->backlog_next;
		if (c->peer) {
			c->peer->peer_gone = true;
			c->peer->err = ECONNRESET;
			kick(c->peer);
		}
		unref(c);
	}
	u->state = U_UNCONNECTED;
	struct usock *peer = u->peer;
	if (peer) {
		if (connection_oriented(u)) {
			peer->peer_gone = true;
			if (u->rx_head)
				peer->err = ECONNRESET; /* data was left unread */
			kick(peer);
		}
		u->peer = NULL; /* the peer may still point at us: it holds a reference */
		unref(peer);
	}
	u->sock = NULL;
	kick(u);
	unref(u);
}

static const struct socket_ops unix_ops = {
	.bind = unix_bind,
	.connect = unix_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.poll_generation = unix_generation,
	.ioctl = unix_ioctl,
	.release = unix_release,
};

static int check_type(int type, int protocol)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	return 0;
}

int unix_socket_create(int type, int protocol, unsigned file_flags, struct file **out)
{
	int rc = check_type(type, protocol);
	if (rc < 0)
		return rc;
	struct usock *u = usock_new(type);
	if (!u)
		return -ENOMEM;
	struct socket *s;
	rc = socket_create_file(AF_UNIX, type, 0, u, &unix_ops, file_flags, &s, out);
	if (rc < 0) {
		kfree(u);
		return rc;
	}
	u->sock = s;
	return 0;
}

int unix_socketpair(int type, int protocol, unsigned file_flags, struct file **a, struct file **b)
{
	int rc = unix_socket_create(type, protocol, file_flags, a);
	if (rc < 0)
		return rc;
	rc = unix_socket_create(type, protocol, file_flags, b);
	if (rc < 0) {
		file_put(*a);
		return rc;
	}
	link_peers(us(socket_of(*a)), us(socket_of(*b)));
	return 0;
}
