/*
 * rtnetlink, the kernel's side of NETLINK_ROUTE (netlink(7),
 * rtnetlink(7)): it reads the requests an app sends to port 0 and builds
 * the answers, which the socket (net/netlink.c) queues. It answers what
 * glibc and tools ask about interfaces: RTM_GETLINK and RTM_GETADDR, one
 * object or a dump of all, from the table of net/netdev.h. Any other
 * request gets the NLMSG_ERROR Linux would send (EOPNOTSUPP for what
 * this kernel does not do). Portable: the host's unit tests drive it.
 */
#ifndef UPY_NET_RTNL_MSG_H
#define UPY_NET_RTNL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message layout. */
#define NLMSG_ALIGN(n) (((n) + 3u) & ~3u)
#define NLMSG_HDRLEN 16
#define NLA_HDRLEN 4
#define NLA_TYPE_MASK 0x3fff /* without NLA_F_NESTED and NLA_F_NET_BYTEORDER */

struct nlmsghdr {
	uint32_t nlmsg_len; /* header and payload, without the final padding */
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid; /* in an answer: the requester's port */
};

struct nlmsgerr {
	int32_t error; /* negative errno; 0 for an acknowledgement */
	struct nlmsghdr msg; /* the request's header (and its payload, unless capped) */
};

struct nlattr {
	uint16_t nla_len; /* header and data, without the final padding */
	uint16_t nla_type;
};

struct ifinfomsg {
	uint8_t ifi_family;
	uint8_t ifi_pad;
	uint16_t ifi_type;
	int32_t ifi_index;
	uint32_t ifi_flags;
	uint32_t ifi_change;
};

struct ifaddrmsg {
	uint8_t ifa_family;
	uint8_t ifa_prefixlen;
	uint8_t ifa_flags;
	uint8_t ifa_scope;
	uint32_t ifa_index;
};

/* Message types. */
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 0x10
#define RTM_BASE 16
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_MAX 123 /* Linux 6.1 */

/* Flags. */
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_DUMP_FILTERED 0x20
#define NLM_F_DUMP 0x300 /* NLM_F_ROOT | NLM_F_MATCH: either asks for a dump */
#define NLM_F_CAPPED 0x100   /* in NLMSG_ERROR: the request's payload is left out */
#define NLM_F_ACK_TLVS 0x200 /* in NLMSG_ERROR and NLMSG_DONE: attributes follow */
#define NLMSGERR_ATTR_MSG 1

/* Link attributes. */
#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_QDISC 6
#define IFLA_MASTER 10
#define IFLA_TXQLEN 13
#define IFLA_MAP 14
#define IFLA_OPERSTATE 16
#define IFLA_LINKMODE 17
#define IFLA_GROUP 27
#define IFLA_PROMISCUITY 30
#define IFLA_NUM_TX_QUEUES 31
#define IFLA_NUM_RX_QUEUES 32
#define IFLA_CARRIER 33
#define IFLA_CARRIER_CHANGES 35
#define IFLA_PROTO_DOWN 39
#define IFLA_GSO_MAX_SEGS 40
#define IFLA_GSO_MAX_SIZE 41
#define IFLA_CARRIER_UP_COUNT 47
#define IFLA_CARRIER_DOWN_COUNT 48
#define IFLA_MIN_MTU 50
#define IFLA_MAX_MTU 51
#define IFLA_ALT_IFNAME 53
#define IFLA_MAX 60 /* Linux 6.1 */

/* Address attributes. */
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define IFA_MAX 11 /* Linux 6.1 */

#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6

/* A dump in progress: what was asked, and how far the answer got. Linux
 * builds a dump a datagram at a time as the app reads; so does this. */
struct rtnl_dump {
	bool running;
	uint16_t type;      /* RTM_GETLINK or RTM_GETADDR */
	uint8_t family;     /* RTM_GETADDR: AF_INET, AF_INET6 or all (0) */
	int index;          /* only this interface's objects (0: all) */
	bool none;          /* a filter no interface passes */
	uint16_t flags;     /* NLM_F_DUMP_FILTERED, when a filter applies */
	uint32_t seq;
	int error;          /* an invalid request: NLMSG_DONE carries it */
	const char *why;    /* and says why (extended ack) */
	size_t next;        /* objects already sent */
};

/* What rtnetlink knows of the socket it answers. */
struct rtnl_sock {
	uint32_t portid;
	bool strict;  /* NETLINK_GET_STRICT_CHK: dump requests are checked */
	bool cap_ack; /* NETLINK_CAP_ACK: errors leave out the request */
	bool ext_ack; /* NETLINK_EXT_ACK: errors say why */
	bool admin;   /* CAP_NET_ADMIN: may ask for changes */
	struct rtnl_dump dump;
	/* Queues one datagram for the socket: a kmalloc'd buffer, which it
	 * owns from then on (freed if not queued: -ENOBUFS when the socket's
	 * queue is full). */
	int (*deliver)(struct rtnl_sock *s, void *dgram, size_t len);
};

/* Handles what the app sent, as Linux's netlink_rcv_skb: each request in
 * buf gets its answer (an object, an error, an acknowledgement, or the
 * first datagram of a dump), in order. Malformed trailing bytes are
 * ignored, as Linux does. */
void rtnl_input(struct rtnl_sock *s, const void *buf, size_t len);

/* Queues the next datagram of the running dump (after the last object:
 * NLMSG_DONE, which ends it). 0, or -ENOBUFS / -ENOMEM. */
int rtnl_dump_continue(struct rtnl_sock *s);

#endif
