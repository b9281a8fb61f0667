/*
 * Sockets: the family-independent part. A socket is an open file whose ops
 * forward to its family's socket_ops (AF_UNIX in net/unix.c, AF_INET and
 * AF_INET6 over loopback in net/inet.c, AF_NETLINK's NETLINK_ROUTE in
 * net/netlink.c; other families fail with EAFNOSUPPORT). An ioctl the
 * family does not know may be an interface one (net/dev_ioctl.c). The
 * syscalls live in linux/sys_socket.c.
 */
#ifndef UPY_NET_SOCKET_H
#define UPY_NET_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/vfs.h"

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_PACKET 17

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_MAX 11 /* types from here to SOCK_TYPE_MASK are invalid */
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

#define SOL_SOCKET 1
#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39

#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2

/* A message as the kernel sees it: addresses and control in kernel memory
 * (copied by the syscall layer), the data in a buffer of app or kernel
 * memory (copy_from_iter_at, copy_to_iter_at: families copy at offsets). */
struct kmsg {
	void *name;              /* peer address (in for send, out for receive) */
	size_t namelen;
	struct iov_iter *data;   /* all of the message's data: iov_iter_count(data) bytes */
	void *control;           /* ancillary data */
	size_t controllen;
	int flags;               /* out: MSG_TRUNC, MSG_CTRUNC */
};

struct socket;

struct socket_ops {
	int (*bind)(struct socket *s, const void *addr, size_t len);
	int (*connect)(struct socket *s, const void *addr, size_t len, bool nonblock);
	int (*listen)(struct socket *s, int backlog);
	int (*accept)(struct socket *s, struct socket **out, bool nonblock);
	int64_t (*sendmsg)(struct socket *s, struct kmsg *m, int flags, bool nonblock);
	int64_t (*recvmsg)(struct socket *s, struct kmsg *m, int flags, bool nonblock);
	int (*shutdown)(struct socket *s, int how);
	/* Writes the local (peer = false) or remote address; *len in and out. */
	int (*getname)(struct socket *s, void *addr, size_t *len, bool peer);
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, size_t len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val, size_t *len);
	unsigned (*poll)(struct socket *s);
	uint64_t (*poll_generation)(struct socket *s);
	/* -ENOTTY for a command the family does not know. */
	int (*ioctl)(struct socket *s, unsigned long cmd, unsigned long arg);
	void (*release)(struct socket *s);
};

struct socket {
	int family, type, protocol;
	const struct socket_ops *ops;
	struct file *file; /* the open file it belongs to (not a reference) */
	void *priv;        /* the family's state */
};

/* A new socket with its open file (*file holds the reference). */
int socket_create_file(int family, int type, int protocol, void *priv,
		       const struct socket_ops *ops, unsigned file_flags, struct socket **out,
		       struct file **file);
/* The socket behind an open file, or NULL. */
struct socket *socket_of(struct file *f);

/* Families. */
int unix_socket_create(int type, int protocol, unsigned file_flags, struct file **out);
int unix_socketpair(int type, int protocol, unsigned file_flags, struct file **a, struct file **b);
int inet_socket_create(int domain, int type, int protocol, unsigned file_flags, struct file **out);
int netlink_socket_create(int type, int protocol, unsigned file_flags, struct file **out);

/* The interface ioctls (SIOCGIFINDEX...) on a socket of `family`. */
int netdev_ioctl(int family, unsigned long cmd, unsigned long arg);

#endif
