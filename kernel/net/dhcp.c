/*
 * The DHCP client's state machine (net/dhcp.h); the messages are
 * net/dhcp_msg.c's. Runs in the boot thread, in the driver's receive
 * callback and in timer callbacks, which never overlap (net/tcp.c).
 */
#include "net/dhcp.h"

#include "core/clock.h"
#include "core/console.h"
#include "core/random.h"
#include "lib/string.h"
#include "net/dhcp_msg.h"
#include "net/ip_stack.h"
#include "sched/sched.h"
#include "sched/timer.h"

#define SEC 1000000000ull
#define RETRY_NS (60 * SEC) /* between renewals that got no answer */

enum dhcp_state { IDLE, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING };

static struct {
	enum dhcp_state state;
	struct ether_dev *dev;
	uint32_t xid;
	uint64_t started_ns;
	struct dhcp_reply offer; /* the offer taken, then the lease */
	uint64_t bound_ns;
	struct waitq wq;         /* the boot thread, until bound */
	struct ktimer timer;     /* renewal and rebinding */
} cl;

static const uint8_t zero[4], all_ones[4] = { 255, 255, 255, 255 };

static void send_msg(enum dhcp_type type)
{
	struct dhcp_request rq = { .type = type, .xid = cl.xid, .hostname = "unipython" };
	uint64_t secs = (clock_monotonic_ns() - cl.started_ns) / SEC;
	rq.secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
	memcpy(rq.mac, cl.dev->nd->hwaddr, 6);
	if (cl.state == RENEWING || cl.state == REBINDING) {
		memcpy(rq.ciaddr, cl.dev->ipv4, 4); /* RFC 2131 4.3.2: no options 50, 54 */
	} else if (type == DHCPREQUEST) {
		rq.has_requested = true;
		memcpy(rq.requested, cl.offer.yiaddr, 4);
		rq.has_server = cl.offer.has_server;
		memcpy(rq.server, cl.offer.server, 4);
	}
	uint8_t msg[DHCP_MSG_MAX];
	size_t n = dhcp_build(&rq, msg, sizeof(msg));
	if (cl.state == RENEWING && cl.offer.has_server) /* else broadcast, as rebinding */
		ip_send_udp(cl.dev->ipv4, DHCP_CLIENT_PORT, cl.offer.server, DHCP_SERVER_PORT, msg,
			    n, 64, 0);
	else
		ip_send_udp(cl.state == REBINDING ? cl.dev->ipv4 : zero, DHCP_CLIENT_PORT, all_ones,
			    DHCP_SERVER_PORT, msg, n, 64, 0);
}

static void new_transaction(void)
{
	random_bytes(&cl.xid, sizeof(cl.xid));
	cl.started_ns = clock_monotonic_ns();
}

/* The lease's times from when it was bound (0xffffffff: never). */
static uint64_t lease_at(uint32_t seconds)
{
	return seconds == 0xffffffffu ? 0 : cl.bound_ns + (uint64_t)seconds * SEC;
}

static void arm_renewal(void)
{
	uint64_t now = clock_monotonic_ns();
	uint64_t t1 = lease_at(cl.offer.t1_s), t2 = lease_at(cl.offer.t2_s);
	uint64_t at = cl.state == BOUND ? t1 : now + RETRY_NS;
	if (cl.state == RENEWING && t2 && at > t2)
		at = t2;
	if (at)
		ktimer_arm(&cl.timer, at);
}

static void on_timer(struct ktimer *k)
{
	(void)k;
	uint64_t now = clock_monotonic_ns();
	uint64_t t2 = lease_at(cl.offer.t2_s), end = lease_at(cl.offer.lease_s);
	if (cl.state == BOUND) {
		cl.state = RENEWING;
		new_transaction();
	} else if (cl.state == RENEWING && t2 && now >= t2) {
		cl.state = REBINDING;
		new_transaction();
	}
	if (end && now >= end)
		kprintf("dhcp: eth0's lease of %u.%u.%u.%u ran out and no server renewed it; "
			"the address stays\n", cl.dev->ipv4[0], cl.dev->ipv4[1], cl.dev->ipv4[2],
			cl.dev->ipv4[3]);
	send_msg(DHCPREQUEST);
	arm_renewal();
}

/* The address, subnet, gateway and name servers of the lease on eth0. */
static void apply_lease(const struct dhcp_reply *r)
{
	struct ether_dev *d = cl.dev;
	memcpy(d->ipv4, r->yiaddr, 4);
	d->prefixlen = r->prefixlen;
	d->has_gateway = r->has_router;
	memcpy(d->gateway, r->router, 4);
	if (r->n_dns) {
		d->n_dns = r->n_dns > NETCONF_MAX_DNS ? NETCONF_MAX_DNS : r->n_dns;
		memcpy(d->dns, r->dns, (size_t)d->n_dns * 4);
	}
	struct netdev_addr a = { .family = 2, .index = d->nd->index, .prefixlen = r->prefixlen,
				 .scope = RT_SCOPE_UNIVERSE, .label = "eth0" };
	memcpy(a.addr, r->yiaddr, 4);
	if (netdev_add_addr(&a) < 0)
		kprintf("dhcp: no memory to list eth0's address for netlink\n");
	ether_up(d); /* introduce ourselves at the new address (ARP for the gateway) */
}

bool dhcp_wants_unbound_input(void)
{
	return cl.state == SELECTING || cl.state == REQUESTING;
}

bool dhcp_input(const uint8_t *data, size_t len)
{
	if (cl.state == IDLE || cl.state == BOUND)
		return false;
	struct dhcp_reply r;
	if (dhcp_parse(data, len, cl.xid, cl.dev->nd->hwaddr, &r) != DHCP_OK)
		return false;
	switch (cl.state) {
	case SELECTING:
		if (r.type != DHCPOFFER)
			return true;
		cl.offer = r;
		cl.state = REQUESTING;
		send_msg(DHCPREQUEST);
		return true;
	case REQUESTING:
		if (r.type == DHCPNAK) {
			cl.state = SELECTING; /* start over at the next retry */
			new_transaction();
			return true;
		}
		if (r.type != DHCPACK)
			return true;
		cl.offer = r;
		cl.bound_ns = clock_monotonic_ns();
		cl.state = BOUND;
		apply_lease(&r);
		arm_renewal();
		sched_wake(&cl.wq, -1);
		return true;
	case RENEWING:
	case REBINDING:
		if (r.type == DHCPNAK) {
			kprintf("dhcp: the server refused to renew eth0's lease (DHCPNAK); the "
				"address stays but may be taken by another machine\n");
			ktimer_cancel(&cl.timer);
			cl.state = IDLE;
			return true;
		}
		if (r.type != DHCPACK)
			return true;
		if (memcmp(r.yiaddr, cl.dev->ipv4, 4) != 0) {
			kprintf("dhcp: the renewal offers another address; eth0 keeps its own\n");
			return true;
		}
		cl.offer = r;
		cl.bound_ns = clock_monotonic_ns();
		cl.state = BOUND;
		ktimer_cancel(&cl.timer);
		arm_renewal();
		return true;
	default:
		return false;
	}
}

bool dhcp_boot(struct ether_dev *d)
{
	cl.dev = d;
	cl.timer.fn = on_timer;
	cl.state = SELECTING;
	new_transaction();
	uint64_t start = clock_monotonic_ns(), end = start + DHCP_BOOT_WAIT_NS;
	uint64_t wait = SEC;
	while (cl.state != BOUND) {
		uint64_t now = clock_monotonic_ns();
		if (now >= end)
			break;
		send_msg(cl.state == REQUESTING ? DHCPREQUEST : DHCPDISCOVER);
		uint64_t until = now + wait < end ? now + wait : end;
		while (cl.state != BOUND && clock_monotonic_ns() < until)
			sched_wait(&cl.wq, until, false, "dhcp", 0);
		wait *= 2; /* RFC 2131 4.1: exponential backoff */
	}
	if (cl.state == BOUND)
		return true;
	cl.state = IDLE;
	kprintf("dhcp: eth0 got no lease in %u s (no DHCP server answered); it has no "
		"address\n", (unsigned)(DHCP_BOOT_WAIT_NS / SEC));
	return false;
}
