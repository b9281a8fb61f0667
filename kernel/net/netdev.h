/*
 * The network interfaces, as rtnetlink (net/rtnl_msg.c) and the interface
 * ioctls (net/dev_ioctl.c) describe them: the loopback `lo`, up since boot
 * with 127.0.0.1/8 and ::1/128, and the Ethernet devices their drivers add
 * at boot (drivers/net/virtio_net.c: eth0, with the address the runner put
 * on the command line, net/netconf.h). Apps cannot add, remove or
 * reconfigure an interface; a driver changes only its link state. Plain
 * data and lookups, so the host's unit tests build it.
 */
#ifndef UPY_NET_NETDEV_H
#define UPY_NET_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFNAMSIZ 16

/* Interface flags (netdevice(7)). */
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_MULTICAST 0x1000
#define IFF_RUNNING 0x40
#define IFF_LOWER_UP 0x10000 /* rtnetlink only: SIOCGIFFLAGS has 16 bits */

#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

/* Address scopes (rtnetlink(7)). */
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_HOST 254

/* Address flags. */
#define IFA_F_PERMANENT 0x80

struct netdev {
	int index;
	const char *name;
	uint32_t flags;    /* IFF_* */
	uint16_t type;     /* ARPHRD_* */
	uint32_t mtu;
	uint32_t txqlen;
	uint8_t addr_len;  /* hardware address length */
	uint8_t hwaddr[6]; /* lo: all zero */
	uint8_t broadcast[6];
	const char *qdisc;
	uint32_t min_mtu, max_mtu; /* rtnetlink's IFLA_MIN_MTU/MAX_MTU; lo: 0, 0 */
};

#define NETDEV_MAX 4
#define NETDEV_ADDR_MAX 8

struct netdev_addr {
	int family;         /* 2 (AF_INET) or 10 (AF_INET6) */
	int index;          /* of its interface */
	uint8_t addr[16];   /* 4 or 16 bytes, network order */
	uint8_t prefixlen;
	uint8_t scope;      /* RT_SCOPE_* */
	uint32_t flags;     /* IFA_F_* */
	const char *label;  /* IPv4 only: the interface name or an alias */
};

/* The i-th interface or address (i from 0), or NULL past the last one. */
const struct netdev *netdev_at(size_t i);
const struct netdev_addr *netdev_addr_at(size_t i);

/* The interface with this index, or with this name (at most IFNAMSIZ-1
 * bytes; an alias "lo:1" is not a name), or NULL. */
const struct netdev *netdev_by_index(int index);
const struct netdev *netdev_by_name(const char *name, size_t len);

/* Adds an interface (its index is the next free one; name, qdisc and label
 * strings must outlive the table) and returns its entry, or NULL when the
 * table is full. Boot only. */
struct netdev *netdev_add(const struct netdev *d);
/* Adds an address (a->index names its interface); -1 when full. */
int netdev_add_addr(const struct netdev_addr *a);
/* The driver saw the link go up or down: IFF_RUNNING and IFF_LOWER_UP. */
void netdev_set_carrier(struct netdev *d, bool up);
/* Forgets every interface but lo (for the unit tests). */
void netdev_reset(void);

/* The IPv4 broadcast address of a's subnet. */
static inline void netdev_v4_broadcast(const struct netdev_addr *a, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		int bits = a->prefixlen - 8 * i;
		uint8_t host = bits >= 8 ? 0 : bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);
		out[i] = a->addr[i] | host;
	}
}

static inline size_t netdev_addr_size(int family)
{
	return family == 2 ? 4 : 16;
}

#endif
