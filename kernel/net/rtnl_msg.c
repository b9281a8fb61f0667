#include "net/rtnl_msg.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/netdev.h"

#define AF_INET 2
#define AF_INET6 10

/* What Linux puts in one dump datagram before the app has read any
 * (NLMSG_GOODSIZE with 4 KiB pages): glibc reads with a page-sized
 * buffer and gives up on a truncated datagram. */
#define DUMP_GOODSIZE 3776

#define INFINITY_LIFE_TIME 0xffffffffu

/* A request answered by starting a dump: no acknowledgement follows. */
#define DUMP_STARTED 1

/* --- building messages --- */

/* An answer being written; with p NULL, only measured. */
struct nlbuf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct nlbuf *b, const void *data, size_t n)
{
	if (b->p && b->len + n <= b->cap) {
		if (data)
			memcpy(b->p + b->len, data, n);
		else
			memset(b->p + b->len, 0, n);
	}
	b->len += n;
}

static void pad(struct nlbuf *b)
{
	put(b, NULL, NLMSG_ALIGN(b->len) - b->len);
}

/* Starts a message; msg_end sets its length. Returns where it starts. */
static size_t msg_begin(struct nlbuf *b, uint16_t type, uint16_t flags, uint32_t seq,
			uint32_t portid)
{
	size_t at = b->len;
	struct nlmsghdr h = { 0, type, flags, seq, portid };
	put(b, &h, sizeof(h));
	return at;
}

static void msg_end(struct nlbuf *b, size_t at)
{
	pad(b);
	if (b->p && b->len <= b->cap) {
		uint32_t len = (uint32_t)(b->len - at);
		memcpy(b->p + at, &len, sizeof(len));
	}
}

static void attr(struct nlbuf *b, uint16_t type, const void *data, size_t n)
{
	struct nlattr a = { (uint16_t)(NLA_HDRLEN + n), type };
	put(b, &a, sizeof(a));
	put(b, data, n);
	pad(b);
}

static void attr_u32(struct nlbuf *b, uint16_t type, uint32_t v)
{
	attr(b, type, &v, sizeof(v));
}

static void attr_u8(struct nlbuf *b, uint16_t type, uint8_t v)
{
	attr(b, type, &v, sizeof(v));
}

static void attr_str(struct nlbuf *b, uint16_t type, const char *s)
{
	attr(b, type, s, strlen(s) + 1);
}

/* RTM_NEWLINK for one interface: what `ip link` shows. Traffic counters
 * (IFLA_STATS, IFLA_STATS64) are left out: loopback traffic here moves
 * between sockets without packets to count. */
static void fill_link(struct nlbuf *b, const struct netdev *d, uint16_t flags, uint32_t seq,
		      uint32_t portid)
{
	size_t at = msg_begin(b, RTM_NEWLINK, flags, seq, portid);
	struct ifinfomsg ifi = { 0, 0, d->type, d->index, d->flags, 0 };
	put(b, &ifi, sizeof(ifi));
	attr_str(b, IFLA_IFNAME, d->name);
	attr_u32(b, IFLA_TXQLEN, d->txqlen);
	/* lo reports "unknown"; an Ethernet device up or down with its carrier. */
	uint8_t oper = d->type == ARPHRD_LOOPBACK   ? IF_OPER_UNKNOWN
		       : (d->flags & IFF_LOWER_UP) ? IF_OPER_UP
						    : IF_OPER_DOWN;
	attr_u8(b, IFLA_OPERSTATE, oper);
	attr_u8(b, IFLA_LINKMODE, 0);
	attr_u32(b, IFLA_MTU, d->mtu);
	attr_u32(b, IFLA_MIN_MTU, d->min_mtu); /* lo sets no bounds */
	attr_u32(b, IFLA_MAX_MTU, d->max_mtu);
	attr_u32(b, IFLA_GROUP, 0);
	attr_u32(b, IFLA_PROMISCUITY, 0);
	attr_u32(b, IFLA_NUM_TX_QUEUES, 1);
	attr_u32(b, IFLA_NUM_RX_QUEUES, 1);
	attr_u8(b, IFLA_CARRIER, (d->flags & IFF_LOWER_UP) != 0);
	attr_u32(b, IFLA_CARRIER_CHANGES, 0);
	attr_u32(b, IFLA_CARRIER_UP_COUNT, 0);
	attr_u32(b, IFLA_CARRIER_DOWN_COUNT, 0);
	attr_u8(b, IFLA_PROTO_DOWN, 0);
	attr(b, IFLA_ADDRESS, d->hwaddr, d->addr_len);
	attr(b, IFLA_BROADCAST, d->broadcast, d->addr_len);
	attr_str(b, IFLA_QDISC, d->qdisc);
	attr(b, IFLA_MAP, NULL, 32); /* struct rtnl_link_ifmap: no I/O ports, IRQ or DMA */
	msg_end(b, at);
}

struct ifa_cacheinfo {
	uint32_t prefered, valid;
	uint32_t cstamp, tstamp; /* created, updated: hundredths of a second since boot */
};

/* RTM_NEWADDR for one address, with the attributes Linux gives each
 * family (IPv4: the local address and the label too). */
static void fill_addr(struct nlbuf *b, const struct netdev_addr *a, uint16_t flags, uint32_t seq,
		      uint32_t portid)
{
	size_t at = msg_begin(b, RTM_NEWADDR, flags, seq, portid);
	struct ifaddrmsg ifa = { (uint8_t)a->family, a->prefixlen, (uint8_t)a->flags, a->scope,
				 (uint32_t)a->index };
	put(b, &ifa, sizeof(ifa));
	size_t n = netdev_addr_size(a->family);
	/* Permanent, and there since boot. */
	struct ifa_cacheinfo ci = { INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, 0, 0 };
	attr(b, IFA_ADDRESS, a->addr, n);
	if (a->family == AF_INET) {
		attr(b, IFA_LOCAL, a->addr, n);
		const struct netdev *d = netdev_by_index(a->index);
		if (d && (d->flags & IFF_BROADCAST) && a->prefixlen < 31) {
			uint8_t brd[4];
			netdev_v4_broadcast(a, brd);
			attr(b, IFA_BROADCAST, brd, 4);
		}
		if (a->label)
			attr_str(b, IFA_LABEL, a->label);
		attr_u32(b, IFA_FLAGS, a->flags);
		attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
	} else {
		attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
		attr_u32(b, IFA_FLAGS, a->flags);
	}
	msg_end(b, at);
}

/* After a measuring pass: room for what it measured, to write it again. */
static int nlbuf_alloc(struct nlbuf *b)
{
	b->p = kmalloc(b->len ? b->len : 1);
	if (!b->p)
		return -ENOMEM;
	b->cap = b->len;
	b->len = 0;
	return 0;
}

/* --- errors and acknowledgements --- */

/* NLMSG_ERROR for a request, as Linux's netlink_ack: an error carries the
 * whole request back unless the socket capped it (NETLINK_CAP_ACK); an
 * acknowledgement (err 0) only its header. With NETLINK_EXT_ACK, the
 * reason follows as NLMSGERR_ATTR_MSG. */
static void fill_ack(struct nlbuf *b, const struct rtnl_sock *s, const uint8_t *req, int err,
		     const char *why)
{
	struct nlmsghdr h;
	memcpy(&h, req, sizeof(h));
	bool capped = err == 0 || s->cap_ack;
	bool tlv = err && s->ext_ack && why;
	uint16_t flags = (capped ? NLM_F_CAPPED : 0) | (tlv ? NLM_F_ACK_TLVS : 0);
	size_t at = msg_begin(b, NLMSG_ERROR, flags, h.nlmsg_seq, s->portid);
	int32_t e = err;
	put(b, &e, sizeof(e));
	put(b, req, capped ? NLMSG_HDRLEN : h.nlmsg_len);
	pad(b);
	if (tlv)
		attr_str(b, NLMSGERR_ATTR_MSG, why);
	msg_end(b, at);
}

static void send_ack(struct rtnl_sock *s, const uint8_t *req, int err, const char *why)
{
	struct nlbuf b = { 0 };
	fill_ack(&b, s, req, err, why);
	if (nlbuf_alloc(&b) < 0)
		return;
	fill_ack(&b, s, req, err, why);
	s->deliver(s, b.p, b.len);
}

/* --- attributes of a request --- */

/* Finds the attributes in a request's payload after its fixed header
 * (hdrlen bytes): tb[type] is the last one of each type up to max. As
 * Linux's parsing of old-style requests, a malformed attribute ends the
 * list; in strict mode (NETLINK_GET_STRICT_CHK) it, trailing bytes or an
 * unknown type make the request invalid. */
static int parse_attrs(const uint8_t *msg, size_t hdrlen, const struct nlattr **tb, int max,
		       bool strict)
{
	struct nlmsghdr h;
	memcpy(&h, msg, sizeof(h));
	for (int i = 0; i <= max; i++)
		tb[i] = NULL;
	if (h.nlmsg_len < NLMSG_HDRLEN + hdrlen)
		return -EINVAL;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	size_t end = h.nlmsg_len;
	while (off + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)(msg + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > end - off)
			break;
		int type = a->nla_type & NLA_TYPE_MASK;
		if (type > max && strict)
			return -EINVAL;
		if (type <= max)
			tb[type] = a;
		off += NLMSG_ALIGN(a->nla_len);
	}
	if (strict && off < end)
		return -EINVAL;
	return 0;
}

static size_t attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static const uint8_t *attr_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

/* An interface name attribute, as Linux checks NLA_STRING: not empty, at
 * most IFNAMSIZ-1 bytes before an optional NUL. */
static int attr_name(const struct nlattr *a, size_t max, const char **name, size_t *len)
{
	size_t n = attr_len(a);
	const char *s = (const char *)attr_data(a);
	if (n == 0)
		return -ERANGE;
	if (s[n - 1] == '\0')
		n--;
	if (n > max)
		return -ERANGE;
	*name = s;
	*len = strnlen(s, n);
	return 0;
}

/* --- single objects --- */

/* RTM_GETLINK for one interface, by index or name. */
static int get_link(struct rtnl_sock *s, const uint8_t *msg, const char **why)
{
	struct nlmsghdr h;
	struct ifinfomsg ifi;
	const struct nlattr *tb[IFLA_MAX + 1];
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_len < NLMSG_HDRLEN + sizeof(ifi)) {
		*why = "Invalid header for get link";
		return -EINVAL;
	}
	memcpy(&ifi, msg + NLMSG_HDRLEN, sizeof(ifi));
	if (s->strict && (ifi.ifi_pad || ifi.ifi_type || ifi.ifi_flags || ifi.ifi_change)) {
		*why = "Invalid values in header for get link request";
		return -EINVAL;
	}
	int rc = parse_attrs(msg, sizeof(ifi), tb, IFLA_MAX, s->strict);
	if (rc < 0)
		return rc;
	for (int i = 0; s->strict && i <= IFLA_MAX; i++) {
		if (tb[i] && i != IFLA_IFNAME && i != IFLA_ALT_IFNAME && i != 29 /* EXT_MASK */ &&
		    i != 46 /* TARGET_NETNSID */) {
			*why = "Unsupported attribute in get link request";
			return -EINVAL;
		}
	}
	const struct netdev *d;
	if (ifi.ifi_index > 0) {
		d = netdev_by_index(ifi.ifi_index);
	} else if (tb[IFLA_IFNAME] || tb[IFLA_ALT_IFNAME]) {
		const char *name;
		size_t len;
		const struct nlattr *a = tb[IFLA_IFNAME] ? tb[IFLA_IFNAME] : tb[IFLA_ALT_IFNAME];
		rc = attr_name(a, tb[IFLA_IFNAME] ? IFNAMSIZ - 1 : 127, &name, &len);
		if (rc < 0)
			return rc;
		d = netdev_by_name(name, len);
	} else {
		return -EINVAL;
	}
	if (!d)
		return -ENODEV;
	struct nlbuf b = { 0 };
	fill_link(&b, d, 0, h.nlmsg_seq, s->portid);
	if ((rc = nlbuf_alloc(&b)) < 0)
		return rc;
	fill_link(&b, d, 0, h.nlmsg_seq, s->portid);
	return s->deliver(s, b.p, b.len);
}

/* RTM_GETADDR for one IPv6 address (Linux answers no other family). */
static int get_addr6(struct rtnl_sock *s, const uint8_t *msg, const char **why)
{
	struct nlmsghdr h;
	struct ifaddrmsg ifa;
	const struct nlattr *tb[IFA_MAX + 1];
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_len < NLMSG_HDRLEN + sizeof(ifa)) {
		*why = "Invalid header for get address request";
		return -EINVAL;
	}
	memcpy(&ifa, msg + NLMSG_HDRLEN, sizeof(ifa));
	if (s->strict && (ifa.ifa_prefixlen || ifa.ifa_flags || ifa.ifa_scope)) {
		*why = "Invalid values in header for get address request";
		return -EINVAL;
	}
	int rc = parse_attrs(msg, sizeof(ifa), tb, IFA_MAX, s->strict);
	if (rc < 0)
		return rc;
	for (int i = 0; s->strict && i <= IFA_MAX; i++) {
		if (tb[i] && i != IFA_ADDRESS && i != IFA_LOCAL) {
			*why = "Unsupported attribute in get address request";
			return -EINVAL;
		}
	}
	for (int i = IFA_ADDRESS; i <= IFA_LOCAL; i++)
		if (tb[i] && attr_len(tb[i]) < 16)
			return -ERANGE;
	const struct nlattr *want = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!want)
		return -EINVAL;
	/* An index names the interface to look on, unless there is none. */
	const struct netdev *d = ifa.ifa_index ? netdev_by_index((int)ifa.ifa_index) : NULL;
	const struct netdev_addr *a;
	for (size_t i = 0; (a = netdev_addr_at(i)); i++) {
		if (a->family == AF_INET6 && memcmp(a->addr, attr_data(want), 16) == 0 &&
		    (!d || d->index == a->index))
			break;
	}
	if (!a)
		return -EADDRNOTAVAIL;
	struct nlbuf b = { 0 };
	fill_addr(&b, a, 0, h.nlmsg_seq, s->portid);
	if ((rc = nlbuf_alloc(&b)) < 0)
		return rc;
	fill_addr(&b, a, 0, h.nlmsg_seq, s->portid);
	return s->deliver(s, b.p, b.len);
}

/* --- dumps --- */

/* Checks a link dump request (rtnl_dump_ifinfo): errors end the dump. */
static void check_link_dump(struct rtnl_sock *s, const uint8_t *msg, struct rtnl_dump *d)
{
	struct nlmsghdr h;
	struct ifinfomsg ifi = { 0 };
	const struct nlattr *tb[IFLA_MAX + 1];
	memcpy(&h, msg, sizeof(h));
	size_t payload = h.nlmsg_len - NLMSG_HDRLEN;
	if (s->strict) {
		if (payload < sizeof(ifi)) {
			d->error = -EINVAL;
			d->why = "Invalid header for link dump";
			return;
		}
		memcpy(&ifi, msg + NLMSG_HDRLEN, sizeof(ifi));
		if (ifi.ifi_pad || ifi.ifi_type || ifi.ifi_flags || ifi.ifi_change) {
			d->error = -EINVAL;
			d->why = "Invalid values in header for link dump request";
			return;
		}
		if (ifi.ifi_index) {
			d->error = -EINVAL;
			d->why = "Filter by device index not supported for link dumps";
			return;
		}
	}
	/* Before Linux 3.9 the header was a struct rtgenmsg (one byte); a
	 * shorter request is one of those. */
	size_t hdrlen = payload < sizeof(ifi) ? 1 : sizeof(ifi);
	int rc = parse_attrs(msg, hdrlen, tb, IFLA_MAX, s->strict);
	if (rc < 0) {
		if (s->strict)
			d->error = rc;
		return; /* old-style requests list everything anyway */
	}
	uint32_t master = 0;
	if (tb[IFLA_MASTER] && attr_len(tb[IFLA_MASTER]) >= 4)
		memcpy(&master, attr_data(tb[IFLA_MASTER]), 4);
	if (master) {
		/* Only the ports of that master: lo is nobody's port. */
		d->none = true;
		d->flags |= NLM_F_DUMP_FILTERED;
	}
}

/* Checks an address dump request (inet_dump_ifaddr, inet6_dump_addr).
 * Only strict requests are checked, and may filter by interface. */
static void check_addr_dump(struct rtnl_sock *s, const uint8_t *msg, struct rtnl_dump *d)
{
	struct nlmsghdr h;
	struct ifaddrmsg ifa;
	const struct nlattr *tb[IFA_MAX + 1];
	if (!s->strict)
		return;
	memcpy(&h, msg, sizeof(h));
	bool v6 = d->family == AF_INET6;
	if (h.nlmsg_len < NLMSG_HDRLEN + sizeof(ifa)) {
		d->error = -EINVAL;
		d->why = v6 ? "Invalid header for address dump request"
			    : "ipv4: Invalid header for address dump request";
		return;
	}
	memcpy(&ifa, msg + NLMSG_HDRLEN, sizeof(ifa));
	if (ifa.ifa_prefixlen || ifa.ifa_flags || ifa.ifa_scope) {
		d->error = -EINVAL;
		d->why = v6 ? "Invalid values in header for address dump request"
			    : "ipv4: Invalid values in header for address dump request";
		return;
	}
	if (ifa.ifa_index) {
		d->index = (int)ifa.ifa_index;
		d->flags |= NLM_F_DUMP_FILTERED;
	}
	int rc = parse_attrs(msg, sizeof(ifa), tb, IFA_MAX, true);
	if (rc < 0) {
		d->error = rc;
		return;
	}
	for (int i = 0; i <= IFA_MAX; i++) {
		if (tb[i]) {
			/* IFA_TARGET_NETNSID names a namespace; there are none. */
			d->error = -EINVAL;
			d->why = v6 ? "Invalid attribute in address dump request"
				    : "ipv4: Unsupported attribute in dump request";
			return;
		}
	}
	if (d->index && !netdev_by_index(d->index))
		d->error = -ENODEV;
}

static int start_dump(struct rtnl_sock *s, const uint8_t *msg)
{
	struct nlmsghdr h;
	memcpy(&h, msg, sizeof(h));
	if (s->dump.running)
		return -EBUSY; /* one dump at a time per socket */
	struct rtnl_dump *d = &s->dump;
	memset(d, 0, sizeof(*d));
	d->type = h.nlmsg_type;
	d->seq = h.nlmsg_seq;
	if (h.nlmsg_type == RTM_GETLINK) {
		check_link_dump(s, msg, d);
	} else {
		uint8_t family = msg[NLMSG_HDRLEN];
		/* A family without addresses of its own lists all of them. */
		d->family = family == AF_INET || family == AF_INET6 ? family : 0;
		check_addr_dump(s, msg, d);
	}
	d->running = true;
	int rc = rtnl_dump_continue(s);
	return rc < 0 ? rc : DUMP_STARTED;
}

/* The i-th object of a dump (links in table order; addresses IPv4 first,
 * then IPv6, as Linux walks the families), or false past the last. */
static bool dump_object(const struct rtnl_dump *d, size_t i, const struct netdev **link,
			const struct netdev_addr **addr)
{
	if (d->none)
		return false;
	if (d->type == RTM_GETLINK) {
		*link = netdev_at(i);
		return *link != NULL;
	}
	static const int families[] = { AF_INET, AF_INET6 };
	for (size_t f = 0; f < 2; f++) {
		if (d->family && d->family != families[f])
			continue;
		const struct netdev_addr *a;
		for (size_t j = 0; (a = netdev_addr_at(j)); j++) {
			if (a->family != families[f] || (d->index && a->index != d->index))
				continue;
			if (i-- == 0) {
				*addr = a;
				return true;
			}
		}
	}
	return false;
}

static void fill_object(struct nlbuf *b, const struct rtnl_dump *d, const struct netdev *link,
			const struct netdev_addr *addr, uint32_t portid)
{
	uint16_t flags = NLM_F_MULTI | d->flags;
	if (d->type == RTM_GETLINK)
		fill_link(b, link, flags, d->seq, portid);
	else
		fill_addr(b, addr, flags, d->seq, portid);
}

/* NLMSG_DONE: the dump's outcome (0, or why it failed). */
static void fill_done(struct nlbuf *b, const struct rtnl_sock *s, const struct rtnl_dump *d)
{
	bool tlv = d->error && d->why && s->ext_ack;
	size_t at = msg_begin(b, NLMSG_DONE, NLM_F_MULTI | d->flags | (tlv ? NLM_F_ACK_TLVS : 0),
			      d->seq, s->portid);
	int32_t e = d->error;
	put(b, &e, sizeof(e));
	if (tlv)
		attr_str(b, NLMSGERR_ATTR_MSG, d->why);
	msg_end(b, at);
}

/* Measures (b->p NULL) or writes the next datagram: the objects from
 * d->next that fit in DUMP_GOODSIZE (at least one), or NLMSG_DONE. */
static size_t fill_dump(struct nlbuf *b, const struct rtnl_sock *s, const struct rtnl_dump *d)
{
	const struct netdev *link = NULL;
	const struct netdev_addr *addr = NULL;
	size_t i = d->next, n = 0;
	while (!d->error && dump_object(d, i, &link, &addr)) {
		struct nlbuf m = { 0 };
		fill_object(&m, d, link, addr, s->portid);
		if (n && b->len + m.len > DUMP_GOODSIZE)
			break;
		fill_object(b, d, link, addr, s->portid);
		i++, n++;
	}
	if (n == 0)
		fill_done(b, s, d);
	return n;
}

int rtnl_dump_continue(struct rtnl_sock *s)
{
	struct rtnl_dump *d = &s->dump;
	if (!d->running)
		return 0;
	struct nlbuf b = { 0 };
	fill_dump(&b, s, d);
	int rc = nlbuf_alloc(&b);
	if (rc < 0)
		return rc;
	size_t n = fill_dump(&b, s, d);
	rc = s->deliver(s, b.p, b.len);
	if (rc < 0)
		return rc;
	d->next += n;
	if (n == 0)
		d->running = false;
	return 0;
}

/* --- requests --- */

/* One request (rtnetlink_rcv_msg): 0 when done (an acknowledgement
 * follows if asked for), DUMP_STARTED, or a negative errno for
 * NLMSG_ERROR. */
static int request(struct rtnl_sock *s, const uint8_t *msg, const char **why)
{
	struct nlmsghdr h;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_type > RTM_MAX)
		return -EOPNOTSUPP;
	if (h.nlmsg_len < NLMSG_HDRLEN + 1)
		return 0; /* Linux ignores a request without its family byte */
	int kind = (h.nlmsg_type - RTM_BASE) & 3;
	if (kind != 2) {
		/* NEW, DEL and SET change the configuration. Root may ask; the
		 * interfaces here are fixed, so it is not supported. */
		return s->admin ? -EOPNOTSUPP : -EPERM;
	}
	uint8_t family = msg[NLMSG_HDRLEN];
	if (h.nlmsg_flags & NLM_F_DUMP) {
		if (h.nlmsg_type == RTM_GETLINK || h.nlmsg_type == RTM_GETADDR)
			return start_dump(s, msg);
		return -EOPNOTSUPP; /* routes, neighbours, rules...: not kept here */
	}
	if (h.nlmsg_type == RTM_GETLINK)
		return get_link(s, msg, why);
	if (h.nlmsg_type == RTM_GETADDR && family == AF_INET6)
		return get_addr6(s, msg, why);
	return -EOPNOTSUPP;
}

void rtnl_input(struct rtnl_sock *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return; /* the rest is not a whole message: dropped */
		int rc = 0;
		const char *why = NULL;
		/* Only requests are for the kernel; control messages
		 * (NLMSG_NOOP, NLMSG_DONE...) are only acknowledged. */
		if ((h.nlmsg_flags & NLM_F_REQUEST) && h.nlmsg_type >= NLMSG_MIN_TYPE)
			rc = request(s, p, &why);
		if (rc != DUMP_STARTED && (rc || (h.nlmsg_flags & NLM_F_ACK)))
			send_ack(s, p, rc, why);
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len)
			step = len;
		p += step;
		len -= step;
	}
}
