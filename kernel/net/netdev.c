#include "net/netdev.h"

#include "lib/string.h"

/* lo as Linux sets it up: no hardware address (six zero bytes), no
 * queueing discipline, an MTU of 64 KiB. (Initializers as macros: ISO C,
 * and so clang, takes no const object as a static initializer.) */
#define LOOPBACK                                                                   \
	{ .index = 1, .name = "lo", .flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP, \
	  .type = ARPHRD_LOOPBACK, .mtu = 65536, .txqlen = 1000, .addr_len = 6,            \
	  .qdisc = "noqueue" }
#define LOOPBACK_V4 { 2, 1, { 127, 0, 0, 1 }, 8, RT_SCOPE_HOST, IFA_F_PERMANENT, "lo" }
#define LOOPBACK_V6 { 10, 1, { [15] = 1 }, 128, RT_SCOPE_HOST, IFA_F_PERMANENT, NULL }

static const struct netdev loopback = LOOPBACK;
static const struct netdev_addr loopback_addrs[] = { LOOPBACK_V4, LOOPBACK_V6 };
#define N_LOOPBACK_ADDRS (sizeof(loopback_addrs) / sizeof(loopback_addrs[0]))

/* Filled at boot (netdev_reset's state first), read-only afterwards but
 * for the carrier flags. */
static struct netdev devices[NETDEV_MAX] = { LOOPBACK };
static size_t n_devices = 1;
static struct netdev_addr addrs[NETDEV_ADDR_MAX] = { LOOPBACK_V4, LOOPBACK_V6 };
static size_t n_addrs = N_LOOPBACK_ADDRS;

void netdev_reset(void)
{
	memset(devices, 0, sizeof(devices));
	memset(addrs, 0, sizeof(addrs));
	devices[0] = loopback;
	n_devices = 1;
	memcpy(addrs, loopback_addrs, sizeof(loopback_addrs));
	n_addrs = N_LOOPBACK_ADDRS;
}

struct netdev *netdev_add(const struct netdev *d)
{
	if (n_devices == NETDEV_MAX)
		return NULL;
	struct netdev *n = &devices[n_devices];
	*n = *d;
	n->index = devices[n_devices - 1].index + 1;
	n_devices++;
	return n;
}

int netdev_add_addr(const struct netdev_addr *a)
{
	if (n_addrs == NETDEV_ADDR_MAX || !netdev_by_index(a->index))
		return -1;
	/* Linux lists an interface's IPv4 addresses before the IPv6 ones of
	 * all interfaces: keep the IPv4 ones together, ahead of ::1. */
	size_t at = n_addrs;
	if (a->family == 2)
		while (at > 0 && addrs[at - 1].family != 2)
			at--;
	memmove(&addrs[at + 1], &addrs[at], (n_addrs - at) * sizeof(addrs[0]));
	addrs[at] = *a;
	n_addrs++;
	return 0;
}

void netdev_set_carrier(struct netdev *d, bool up)
{
	if (up)
		d->flags |= IFF_RUNNING | IFF_LOWER_UP;
	else
		d->flags &= ~(uint32_t)(IFF_RUNNING | IFF_LOWER_UP);
}

const struct netdev *netdev_at(size_t i)
{
	return i < n_devices ? &devices[i] : NULL;
}

const struct netdev_addr *netdev_addr_at(size_t i)
{
	return i < n_addrs ? &addrs[i] : NULL;
}

const struct netdev *netdev_by_index(int index)
{
	const struct netdev *d;
	for (size_t i = 0; (d = netdev_at(i)); i++)
		if (d->index == index)
			return d;
	return NULL;
}

const struct netdev *netdev_by_name(const char *name, size_t len)
{
	const struct netdev *d;
	len = strnlen(name, len);
	for (size_t i = 0; (d = netdev_at(i)); i++)
		if (strlen(d->name) == len && memcmp(d->name, name, len) == 0)
			return d;
	return NULL;
}
