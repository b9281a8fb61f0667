#include "net/netdev.h"

#include "lib/string.h"

/* lo as Linux sets it up: no hardware address (six zero bytes), no
 * queueing discipline, an MTU of 64 KiB. */
static const struct netdev devices[] = {
	{
		.index = 1,
		.name = "lo",
		.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP,
		.type = ARPHRD_LOOPBACK,
		.mtu = 65536,
		.txqlen = 1000,
		.addr_len = 6,
		.qdisc = "noqueue",
	},
};

static const struct netdev_addr addrs[] = {
	{ 2, 1, { 127, 0, 0, 1 }, 8, RT_SCOPE_HOST, IFA_F_PERMANENT, "lo" },
	{ 10, 1, { [15] = 1 }, 128, RT_SCOPE_HOST, IFA_F_PERMANENT, NULL },
};

const struct netdev *netdev_at(size_t i)
{
	return i < sizeof(devices) / sizeof(devices[0]) ? &devices[i] : NULL;
}

const struct netdev_addr *netdev_addr_at(size_t i)
{
	return i < sizeof(addrs) / sizeof(addrs[0]) ? &addrs[i] : NULL;
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
