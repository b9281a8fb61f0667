/*
 * The interface ioctls of netdevice(7) (SIOCGIFINDEX, SIOCGIFNAME,
 * SIOCGIFFLAGS, SIOCGIFCONF...), which work on a socket of any family,
 * answered from the interface table (net/netdev.h). As on Linux, the
 * IPv4 address ones (SIOCGIFADDR...) are AF_INET's, and an unknown
 * interface is ENODEV. Changes are refused with EPERM, what Linux tells a
 * process without CAP_NET_ADMIN: the interfaces here are fixed.
 */
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/uaccess.h"
#include "net/netdev.h"
#include "net/socket.h"

#define SIOCADDRT 0x890b
#define SIOCDELRT 0x890c
#define SIOCGIFNAME 0x8910
#define SIOCSIFLINK 0x8911
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCSIFADDR 0x8916
#define SIOCGIFDSTADDR 0x8917
#define SIOCSIFDSTADDR 0x8918
#define SIOCGIFBRDADDR 0x8919
#define SIOCSIFBRDADDR 0x891a
#define SIOCGIFNETMASK 0x891b
#define SIOCSIFNETMASK 0x891c
#define SIOCGIFMETRIC 0x891d
#define SIOCSIFMETRIC 0x891e
#define SIOCGIFMTU 0x8921
#define SIOCSIFMTU 0x8922
#define SIOCSIFNAME 0x8923
#define SIOCSIFHWADDR 0x8924
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFSLAVE 0x8929
#define SIOCSIFSLAVE 0x8930
#define SIOCADDMULTI 0x8931
#define SIOCDELMULTI 0x8932
#define SIOCGIFINDEX 0x8933
#define SIOCSIFPFLAGS 0x8934
#define SIOCGIFPFLAGS 0x8935
#define SIOCDIFADDR 0x8936
#define SIOCSIFHWBROADCAST 0x8937
#define SIOCGIFTXQLEN 0x8942
#define SIOCSIFTXQLEN 0x8943
#define SIOCGIFMAP 0x8970
#define SIOCSIFMAP 0x8971

#define SOCK_IOC_TYPE 0x89

/* struct ifreq: a name, then one of several values. */
struct ifreq {
	char name[IFNAMSIZ];
	union {
		uint8_t raw[24];
		int32_t ivalue; /* ifr_ifindex, ifr_mtu, ifr_metric, ifr_qlen */
		int16_t flags;
		struct {
			uint16_t family;
			uint8_t data[14];
		} addr;
	} u;
};

struct ifconf {
	int32_t len;
	uint32_t pad;
	uint64_t buf;
};

struct sockaddr_in {
	uint16_t family;
	uint16_t port;
	uint8_t addr[4];
	uint8_t zero[8];
};

/* The IPv4 address labelled `label` (the interface's name or an alias
 * "lo:1"), preferring the one the app named, as Linux's devinet_ioctl. */
static const struct netdev_addr *find_v4(const char *label, const struct ifreq *ifr)
{
	const struct netdev_addr *a, *by_label = NULL;
	for (size_t i = 0; (a = netdev_addr_at(i)); i++) {
		if (a->family != AF_INET || !a->label || strcmp(a->label, label) != 0)
			continue;
		if (ifr->u.addr.family == AF_INET && memcmp(ifr->u.addr.data + 2, a->addr, 4) == 0)
			return a;
		if (!by_label)
			by_label = a;
	}
	return by_label;
}

static uint32_t v4_mask(int prefixlen)
{
	return prefixlen ? ~(uint32_t)0 << (32 - prefixlen) : 0;
}

/* SIOCGIFADDR and friends on an AF_INET socket. */
static int inet_addr_ioctl(unsigned long cmd, struct ifreq *ifr)
{
	char label[IFNAMSIZ];
	memcpy(label, ifr->name, IFNAMSIZ);
	char *colon = strchr(label, ':');
	size_t devlen = colon ? (size_t)(colon - label) : strlen(label);
	if (!netdev_by_name(label, devlen))
		return -ENODEV;
	const struct netdev_addr *a = find_v4(label, ifr);
	if (!a)
		return -EADDRNOTAVAIL;
	struct sockaddr_in sin = { .family = AF_INET };
	uint32_t v;
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR: /* lo is no point-to-point link: its own address */
		memcpy(sin.addr, a->addr, 4);
		break;
	case SIOCGIFNETMASK:
		v = __builtin_bswap32(v4_mask(a->prefixlen));
		memcpy(sin.addr, &v, 4);
		break;
	default: /* SIOCGIFBRDADDR: lo has none (zeros), an Ethernet subnet its own */
		if (netdev_by_name(label, devlen)->flags & IFF_BROADCAST)
			netdev_v4_broadcast(a, sin.addr);
		break;
	}
	memcpy(ifr->u.raw, &sin, sizeof(sin));
	return 0;
}

/* What an AF_INET or AF_INET6 socket takes itself: -ENOTTY if not one. */
static int family_ioctl(int family, unsigned long cmd, struct ifreq *ifr)
{
	if (family == AF_INET) {
		switch (cmd) {
		case SIOCGIFADDR:
		case SIOCGIFDSTADDR:
		case SIOCGIFBRDADDR:
		case SIOCGIFNETMASK:
			return inet_addr_ioctl(cmd, ifr);
		case SIOCSIFADDR:
		case SIOCSIFDSTADDR:
		case SIOCSIFBRDADDR:
		case SIOCSIFNETMASK:
		case SIOCSIFFLAGS:
		case SIOCADDRT:
		case SIOCDELRT:
			return -EPERM;
		case SIOCGIFPFLAGS:
		case SIOCSIFPFLAGS:
			return -EINVAL; /* devinet_ioctl knows them not */
		}
	} else if (family == AF_INET6) {
		switch (cmd) {
		case SIOCSIFADDR:
		case SIOCDIFADDR:
		case SIOCSIFDSTADDR:
		case SIOCADDRT:
		case SIOCDELRT:
			return -EPERM;
		}
	}
	return -ENOTTY;
}

/* The ioctls of any socket (Linux's dev_ioctl). */
static int dev_ioctl(unsigned long cmd, struct ifreq *ifr)
{
	const struct netdev *d;
	if (cmd == SIOCGIFNAME) {
		d = netdev_by_index(ifr->u.ivalue);
		if (!d)
			return -ENODEV;
		memcpy(ifr->name, d->name, strlen(d->name) + 1);
		return 0;
	}
	switch (cmd) {
	case SIOCGIFFLAGS:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFSLAVE:
	case SIOCGIFMAP:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCGIFHWADDR:
		break;
	case SIOCSIFFLAGS:
	case SIOCSIFMETRIC:
	case SIOCSIFMTU:
	case SIOCSIFNAME:
	case SIOCSIFHWADDR:
	case SIOCSIFSLAVE:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
	case SIOCSIFHWBROADCAST:
	case SIOCSIFTXQLEN:
	case SIOCSIFMAP:
	case SIOCSIFLINK:
		return -EPERM;
	default:
		return -ENOTTY;
	}
	/* An alias "lo:1" means its interface here. */
	char *colon = strchr(ifr->name, ':');
	d = netdev_by_name(ifr->name, colon ? (size_t)(colon - ifr->name) : IFNAMSIZ);
	if (!d)
		return -ENODEV;
	switch (cmd) {
	case SIOCGIFFLAGS:
		ifr->u.flags = (int16_t)(d->flags & 0xffff); /* without IFF_LOWER_UP */
		return 0;
	case SIOCGIFMETRIC:
		ifr->u.ivalue = 0;
		return 0;
	case SIOCGIFMTU:
		ifr->u.ivalue = (int32_t)d->mtu;
		return 0;
	case SIOCGIFINDEX:
		ifr->u.ivalue = d->index;
		return 0;
	case SIOCGIFTXQLEN:
		ifr->u.ivalue = (int32_t)d->txqlen;
		return 0;
	case SIOCGIFMAP:
		memset(ifr->u.raw, 0, sizeof(ifr->u.raw)); /* no memory, I/O port, IRQ or DMA */
		return 0;
	case SIOCGIFHWADDR:
		ifr->u.addr.family = d->type;
		memcpy(ifr->u.addr.data, d->hwaddr, d->addr_len);
		return 0;
	default: /* SIOCGIFSLAVE: no bonding */
		return -EINVAL;
	}
}

/* SIOCGIFCONF: an ifreq with the label and address of each IPv4 address,
 * as many whole ones as fit; with no buffer, the length they need. */
static int ifconf(unsigned long arg)
{
	struct ifconf ifc;
	if (copy_from_user(&ifc, (void *)arg, sizeof(ifc)) < 0)
		return -EFAULT;
	int32_t total = 0;
	const struct netdev_addr *a;
	for (size_t i = 0; (a = netdev_addr_at(i)); i++) {
		if (a->family != AF_INET)
			continue;
		if (ifc.buf) {
			if (ifc.len - total < (int32_t)sizeof(struct ifreq))
				break;
			struct ifreq ifr;
			memset(&ifr, 0, sizeof(ifr));
			memcpy(ifr.name, a->label, strlen(a->label) + 1);
			struct sockaddr_in sin = { .family = AF_INET };
			memcpy(sin.addr, a->addr, 4);
			memcpy(ifr.u.raw, &sin, sizeof(sin));
			if (copy_to_user((void *)(ifc.buf + (uint64_t)total), &ifr, sizeof(ifr)) < 0)
				return -EFAULT;
		}
		total += (int32_t)sizeof(struct ifreq);
	}
	return copy_to_user((void *)arg, &total, sizeof(total)) < 0 ? -EFAULT : 0;
}

int netdev_ioctl(int family, unsigned long cmd, unsigned long arg)
{
	if ((cmd >> 8 & 0xff) != SOCK_IOC_TYPE)
		return -ENOTTY;
	if (cmd == SIOCGIFCONF)
		return ifconf(arg);
	struct ifreq ifr;
	if (copy_from_user(&ifr, (void *)arg, sizeof(ifr)) < 0)
		return -EFAULT;
	ifr.name[IFNAMSIZ - 1] = '\0';
	int rc = family_ioctl(family, cmd, &ifr);
	if (rc == -ENOTTY)
		rc = dev_ioctl(cmd, &ifr);
	if (rc == 0 && copy_to_user((void *)arg, &ifr, sizeof(ifr)) < 0)
		return -EFAULT;
	return rc;
}
