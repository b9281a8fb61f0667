/*
 * libFuzzer harness for rtnetlink (net/rtnl_msg.c): whatever an app sends
 * to a NETLINK_ROUTE socket, with every socket option combination, a
 * queue that fills (ENOBUFS) and dumps continued as the app reads. The
 * interfaces are lo and an eth0 with IPv4 and IPv6 addresses. Input: one
 * byte of options, one of queue room, then the requests. Every answer must
 * be a well-formed run of netlink messages whose attributes lie inside
 * them; a dump must end. Built and run by tools/fuzz.py.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_heap.h"
#include "net/netdev.h"
#include "net/rtnl_msg.h"

static int room;

static void check_attrs(const uint8_t *p, size_t len)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		memcpy(&a, p, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
			abort();
		size_t step = NLMSG_ALIGN(a.nla_len);
		if (step >= len)
			return;
		p += step;
		len -= step;
	}
	if (len)
		abort();
}

/* An answer: messages back to back, each inside the datagram. */
static int deliver(struct rtnl_sock *s, void *dgram, size_t len)
{
	const uint8_t *p = dgram;
	size_t left = len;
	if (len == 0)
		abort();
	while (left) {
		struct nlmsghdr h;
		if (left < NLMSG_HDRLEN)
			abort();
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left || h.nlmsg_pid != s->portid)
			abort();
		size_t fixed = h.nlmsg_type == RTM_NEWLINK ? sizeof(struct ifinfomsg)
			     : h.nlmsg_type == RTM_NEWADDR ? sizeof(struct ifaddrmsg) : 0;
		if (fixed) {
			if (h.nlmsg_len < NLMSG_HDRLEN + fixed)
				abort();
			check_attrs(p + NLMSG_HDRLEN + fixed, h.nlmsg_len - NLMSG_HDRLEN - fixed);
		}
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	volatile uint8_t sum = 0; /* all of it is initialized (MSan would say more) */
	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)dgram)[i];
	free(dgram);
	if (room == 0)
		return -105; /* ENOBUFS */
	room--;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct netdev eth = {
		.name = "eth0", .flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING,
		.type = ARPHRD_ETHER, .mtu = 1500, .txqlen = 1000, .addr_len = 6,
		.hwaddr = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, .broadcast = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		.qdisc = "pfifo_fast", .min_mtu = 68, .max_mtu = 65535,
	};
	struct netdev *d = netdev_add(&eth);
	struct netdev_addr v4 = { 2, d->index, { 10, 0, 2, 15 }, 24, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT, "eth0" };
	struct netdev_addr v6 = { 10, d->index, { 0xfe, 0x80, [15] = 1 }, 64, RT_SCOPE_UNIVERSE, 0, NULL };
	netdev_add_addr(&v4);
	netdev_add_addr(&v6);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct rtnl_sock s = {
		.portid = 4242, .strict = data[0] & 1, .cap_ack = data[0] & 2,
		.ext_ack = data[0] & 4, .admin = data[0] & 8, .deliver = deliver,
	};
	room = data[1] & 0x80 ? -1 : data[1] & 7;
	uint8_t *buf = malloc(size - 2 ? size - 2 : 1);
	memcpy(buf, data + 2, size - 2);
	rtnl_input(&s, buf, size - 2);
	free(buf);
	for (int reads = 0; s.dump.running; reads++) {
		if (reads > 64)
			abort(); /* a dump of two interfaces and four addresses ends */
		if (room == 0)
			room = 1; /* the app read a datagram */
		rtnl_dump_continue(&s);
	}
	return 0;
}
