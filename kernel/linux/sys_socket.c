/* Socket syscalls: they copy addresses, iovecs and control data between
 * the app and the kernel and call the socket's family (net/socket.h). */
#include "lib/string.h"
#include "fs/fdtable.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "mm/user_range.h"
#include "net/socket.h"

#define SOCKADDR_MAX 128
#define UIO_MAXIOV 1024
#define CONTROL_MAX 65536

struct user_msghdr {
	void *name;
	uint32_t namelen;
	uint32_t pad;
	struct iovec *iov;
	uint64_t iovlen;
	void *control;
	uint64_t controllen;
	int32_t flags;
};

static long install(struct file *f, unsigned flags)
{
	int fd = fd_install(proc.fds, f, 0, flags & SOCK_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

static long sock_fd(int fd, struct socket **out)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	*out = socket_of(f);
	return *out ? 0 : -ENOTSOCK;
}

static bool nonblocking(struct socket *s)
{
	return s->file->flags & O_NONBLOCK;
}

SYSCALL_DEFINE3(socket, "d:ddd", int, family, int, type, int, protocol)
{
	unsigned flags = (unsigned)type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (kind & ~SOCK_TYPE_MASK || kind >= SOCK_MAX)
		return -EINVAL;
	struct file *f;
	int rc;
	switch (family) {
	case AF_UNIX:
		rc = unix_socket_create(kind, protocol, flags & SOCK_NONBLOCK, &f);
		break;
	case AF_INET:
	case AF_INET6:
		rc = inet_socket_create(family, kind, protocol, flags & SOCK_NONBLOCK, &f);
		break;
	case AF_NETLINK:
		rc = netlink_socket_create(kind, protocol, flags & SOCK_NONBLOCK, &f);
		break;
	default:
		return -EAFNOSUPPORT; /* no packet sockets */
	}
	return rc < 0 ? rc : install(f, flags);
}

SYSCALL_DEFINE4(socketpair, "d:dddp", int, family, int, type, int, protocol, int *, usv)
{
	unsigned flags = (unsigned)type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (family != AF_UNIX)
		return family == AF_INET || family == AF_INET6 ? -EOPNOTSUPP : -EAFNOSUPPORT;
	struct file *a, *b;
	int rc = unix_socketpair(kind, protocol, flags & SOCK_NONBLOCK, &a, &b);
	if (rc < 0)
		return rc;
	int sv[2];
	sv[0] = fd_install(proc.fds, a, 0, flags & SOCK_CLOEXEC);
	if (sv[0] < 0) {
		file_put(a);
		file_put(b);
		return sv[0];
	}
	sv[1] = fd_install(proc.fds, b, 0, flags & SOCK_CLOEXEC);
	if (sv[1] < 0) {
		fd_close(proc.fds, sv[0]);
		file_put(b);
		return sv[1];
	}
	if (copy_to_user(usv, sv, sizeof(sv)) < 0) {
		fd_close(proc.fds, sv[0]);
		fd_close(proc.fds, sv[1]);
		return -EFAULT;
	}
	return 0;
}

static int addr_in(const void *uaddr, uint32_t len, uint8_t *buf)
{
	if (len > SOCKADDR_MAX)
		return -EINVAL;
	return copy_from_user(buf, uaddr, len) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE3(bind, "d:fpu", int, fd, const void *, uaddr, uint32_t, len)
{
	struct socket *s;
	uint8_t addr[SOCKADDR_MAX];
	long rc = sock_fd(fd, &s);
	if (rc == 0)
		rc = addr_in(uaddr, len, addr);
	return rc < 0 ? rc : s->ops->bind(s, addr, len);
}

SYSCALL_DEFINE3(connect, "d:fpu", int, fd, const void *, uaddr, uint32_t, len)
{
	struct socket *s;
	uint8_t addr[SOCKADDR_MAX];
	long rc = sock_fd(fd, &s);
	if (rc == 0)
		rc = addr_in(uaddr, len, addr);
	return rc < 0 ? rc : s->ops->connect(s, addr, len, nonblocking(s));
}

SYSCALL_DEFINE2(listen, "d:fd", int, fd, int, backlog)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	return rc < 0 ? rc : s->ops->listen(s, backlog);
}

/* Writes an address back to the app, truncated to its buffer; *ulen gets
 * the full length. */
static int addr_out(struct socket *s, void *uaddr, uint32_t *ulen, bool peer)
{
	if (!uaddr)
		return 0;
	uint32_t cap;
	if (copy_from_user(&cap, ulen, sizeof(cap)) < 0)
		return -EFAULT;
	if ((int32_t)cap < 0)
		return -EINVAL;
	uint8_t addr[SOCKADDR_MAX];
	size_t len = sizeof(addr);
	int rc = s->ops->getname(s, addr, &len, peer);
	if (rc < 0)
		return rc;
	if (copy_to_user(uaddr, addr, len < cap ? len : cap) < 0)
		return -EFAULT;
	uint32_t full = (uint32_t)len;
	return copy_to_user(ulen, &full, sizeof(full)) < 0 ? -EFAULT : 0;
}

static long do_accept(int fd, void *uaddr, uint32_t *ulen, int flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	struct socket *s, *ns;
	long rc = sock_fd(fd, &s);
	if (rc < 0)
		return rc;
	if (!s->ops->accept)
		return -EOPNOTSUPP;
	rc = s->ops->accept(s, &ns, nonblocking(s));
	if (rc < 0)
		return rc;
	ns->file->flags |= (unsigned)flags & SOCK_NONBLOCK;
	rc = addr_out(ns, uaddr, ulen, true);
	if (rc < 0) {
		file_put(ns->file);
		return rc;
	}
	return install(ns->file, (unsigned)flags);
}

SYSCALL_DEFINE3(accept, "d:fpp", int, fd, void *, addr, uint32_t *, len)
{
	return do_accept(fd, addr, len, 0);
}

SYSCALL_DEFINE4(accept4, "d:fppx", int, fd, void *, addr, uint32_t *, len, int, flags)
{
	return do_accept(fd, addr, len, flags);
}

SYSCALL_DEFINE3(getsockname, "d:fpp", int, fd, void *, addr, uint32_t *, len)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	return rc < 0 ? rc : addr_out(s, addr, len, false);
}

SYSCALL_DEFINE3(getpeername, "d:fpp", int, fd, void *, addr, uint32_t *, len)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	return rc < 0 ? rc : addr_out(s, addr, len, true);
}

SYSCALL_DEFINE2(shutdown, "d:fd", int, fd, int, how)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	return rc < 0 ? rc : s->ops->shutdown(s, how);
}

/* The kernel side of one message: copies of the app's name, iovec and
 * control; data stays in app memory. */
struct msg_buffers {
	uint8_t name[SOCKADDR_MAX];
	struct iovec *iov;
	struct iov_iter data;
	void *control;
};

static long msg_in(struct kmsg *k, struct msg_buffers *b, const struct user_msghdr *m, bool send)
{
	memset(k, 0, sizeof(*k));
	b->iov = NULL;
	b->control = NULL;
	if (m->iovlen > UIO_MAXIOV || m->controllen > CONTROL_MAX)
		return m->iovlen > UIO_MAXIOV ? -EMSGSIZE : -ENOBUFS;
	if (m->name) {
		if (m->namelen > SOCKADDR_MAX && send)
			return -EINVAL;
		k->name = b->name;
		k->namelen = m->namelen < SOCKADDR_MAX ? m->namelen : SOCKADDR_MAX;
		if (send && copy_from_user(b->name, m->name, k->namelen) < 0)
			return -EFAULT;
	}
	long rc = import_iovec(m->iov, m->iovlen, &b->iov, &b->data);
	if (rc < 0)
		return rc;
	k->data = &b->data;
	if (m->control && m->controllen) {
		b->control = kzalloc(m->controllen);
		if (!b->control)
			return -ENOMEM;
		if (send && copy_from_user(b->control, m->control, m->controllen) < 0)
			return -EFAULT;
		k->control = b->control;
		k->controllen = m->controllen;
	}
	return 0;
}

static void msg_free(struct msg_buffers *b)
{
	kfree(b->iov);
	kfree(b->control);
}

static long send_msg(struct socket *s, const struct user_msghdr *m, int flags)
{
	struct kmsg k;
	struct msg_buffers b;
	long rc = msg_in(&k, &b, m, true);
	if (rc == 0)
		rc = s->ops->sendmsg(s, &k, flags, nonblocking(s));
	msg_free(&b);
	return rc;
}

/* After a receive: the sender's address, control data and flags back. */
static long recv_msg(int fd, struct user_msghdr *m, int flags, uint32_t *namelen_out,
		     uint64_t *controllen_out, int32_t *flags_out)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	if (rc < 0)
		return rc;
	struct kmsg k;
	struct msg_buffers b;
	rc = msg_in(&k, &b, m, false);
	if (rc == 0)
		rc = s->ops->recvmsg(s, &k, flags, nonblocking(s));
	if (rc >= 0) {
		if (m->name && namelen_out) {
			uint32_t full = (uint32_t)k.namelen;
			if (copy_to_user(m->name, b.name, full < m->namelen ? full : m->namelen) < 0)
				rc = -EFAULT;
			*namelen_out = full;
		}
		if (controllen_out) {
			if (k.controllen && copy_to_user(m->control, b.control, k.controllen) < 0)
				rc = -EFAULT;
			*controllen_out = k.controllen;
		}
		if (flags_out)
			*flags_out = k.flags;
	}
	msg_free(&b);
	return rc;
}

SYSCALL_DEFINE6(sendto, "d:fbuxpu",
		int, fd, const void *, buf, size_t, len, int, flags, const void *, addr, uint32_t, addrlen)
{
	struct iov_iter data;
	iov_iter_ubuf(&data, (void *)buf, len);
	struct socket *s;
	long rc = sock_fd(fd, &s);
	if (rc < 0)
		return rc;
	struct kmsg k = { .data = &data };
	uint8_t name[SOCKADDR_MAX];
	if (addr) {
		if (addrlen > SOCKADDR_MAX)
			return -EINVAL;
		if (copy_from_user(name, addr, addrlen) < 0)
			return -EFAULT;
		k.name = name;
		k.namelen = addrlen;
	}
	return s->ops->sendmsg(s, &k, flags, nonblocking(s));
}

SYSCALL_DEFINE6(recvfrom, "d:fBuxpp",
		int, fd, void *, buf, size_t, len, int, flags, void *, addr, uint32_t *, addrlen)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	if (rc < 0)
		return rc;
	struct iov_iter data;
	iov_iter_ubuf(&data, buf, len);
	uint8_t name[SOCKADDR_MAX];
	struct kmsg k = { .data = &data };
	uint32_t cap = 0;
	if (addr) {
		if (copy_from_user(&cap, addrlen, sizeof(cap)) < 0)
			return -EFAULT;
		k.name = name;
		k.namelen = sizeof(name);
	}
	rc = s->ops->recvmsg(s, &k, flags, nonblocking(s));
	if (rc >= 0 && addr) {
		uint32_t full = (uint32_t)k.namelen;
		if (copy_to_user(addr, name, full < cap ? full : cap) < 0 ||
		    copy_to_user(addrlen, &full, sizeof(full)) < 0)
			return -EFAULT;
	}
	return rc;
}

SYSCALL_DEFINE3(sendmsg, "d:fpx", int, fd, const struct user_msghdr *, umsg, int, flags)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	if (rc < 0)
		return rc;
	struct user_msghdr m;
	if (copy_from_user(&m, umsg, sizeof(m)) < 0)
		return -EFAULT;
	return send_msg(s, &m, flags);
}

SYSCALL_DEFINE3(recvmsg, "d:fpx", int, fd, struct user_msghdr *, umsg, int, flags)
{
	struct user_msghdr m;
	if (copy_from_user(&m, umsg, sizeof(m)) < 0)
		return -EFAULT;
	uint32_t namelen = 0;
	uint64_t controllen = 0;
	int32_t out_flags = 0;
	long rc = recv_msg(fd, &m, flags, &namelen, &controllen, &out_flags);
	if (rc < 0)
		return rc;
	if ((m.name && copy_to_user(&umsg->namelen, &namelen, sizeof(namelen)) < 0) ||
	    copy_to_user(&umsg->controllen, &controllen, sizeof(controllen)) < 0 ||
	    copy_to_user(&umsg->flags, &out_flags, sizeof(out_flags)) < 0)
		return -EFAULT;
	return rc;
}

/* struct mmsghdr: a msghdr and the bytes sent or received for it. */
struct user_mmsghdr {
	struct user_msghdr hdr;
	uint32_t len;
	uint32_t pad;
};

/* sendmmsg(2): as many messages as go, in order (glibc's resolver sends its
 * A and AAAA queries with one call). The first one's error is the call's;
 * after that, the count sent so far. */
SYSCALL_DEFINE4(sendmmsg, "d:fpux",
		int, fd, struct user_mmsghdr *, uvec, uint32_t, vlen, int, flags)
{
	/* The socket is looked up (and held) once for all the messages, as
	 * Linux does: a lookup per message would hold one file per message. */
	struct socket *s;
	long err = sock_fd(fd, &s);
	if (err < 0)
		return err;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	uint32_t sent = 0;
	for (; sent < vlen; sent++) {
		struct user_msghdr m;
		if (copy_from_user(&m, &uvec[sent].hdr, sizeof(m)) < 0)
			return sent ? (long)sent : -EFAULT;
		long rc = send_msg(s, &m, flags);
		if (rc < 0)
			return sent ? (long)sent : rc;
		uint32_t len = (uint32_t)rc;
		if (copy_to_user(&uvec[sent].len, &len, sizeof(len)) < 0)
			return sent ? (long)sent : -EFAULT;
	}
	return (long)sent;
}

SYSCALL_DEFINE5(setsockopt, "d:fddpu",
		int, fd, int, level, int, name, const void *, uval, uint32_t, len)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	if (rc < 0)
		return rc;
	uint8_t val[64];
	if (len > sizeof(val))
		return -EINVAL;
	if (copy_from_user(val, uval, len) < 0)
		return -EFAULT;
	return s->ops->setsockopt(s, level, name, val, len);
}

SYSCALL_DEFINE5(getsockopt, "d:fddpp",
		int, fd, int, level, int, name, void *, uval, uint32_t *, ulen)
{
	struct socket *s;
	long rc = sock_fd(fd, &s);
	if (rc < 0)
		return rc;
	uint32_t cap;
	if (copy_from_user(&cap, ulen, sizeof(cap)) < 0)
		return -EFAULT;
	if ((int32_t)cap < 0)
		return -EINVAL;
	uint8_t val[256]; /* the largest option: struct tcp_info, 232 bytes */
	size_t len = cap < sizeof(val) ? cap : sizeof(val);
	rc = s->ops->getsockopt(s, level, name, val, &len);
	if (rc < 0)
		return rc;
	uint32_t out = (uint32_t)len;
	if (copy_to_user(uval, val, len) < 0 || copy_to_user(ulen, &out, sizeof(out)) < 0)
		return -EFAULT;
	return 0;
}
