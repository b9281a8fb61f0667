/*
 * Runs in the driver's receive callback and in a timer callback, which
 * never overlap (see net/tcp.c).
 */
#include "net/ip_defrag.h"

#include "core/clock.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/ip_stack.h"
#include "sched/timer.h"

#define ICMP_TIME_EXCEEDED 11
#define ICMP_EXC_FRAGTIME 1

/* Owned by this file: the pending datagrams of eth0, and their timer. */
static struct ip_reasm reasm;
static struct ktimer expiry;
static bool ready;

static void deliver(void *ctx, const uint8_t *packet, size_t len)
{
	ipv4_input(ctx, packet, len);
}

static bool is_icmp_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == 4 || type == 5 || type == ICMP_TIME_EXCEEDED ||
	       type == 12;
}

/* An ICMP time exceeded quoting the first fragment (its header and 8
 * bytes), to a unicast sender of a datagram to our own address, and never
 * about an ICMP error (RFC 1122 3.2.2). */
static void timed_out(void *ctx, const uint8_t *quote, size_t len)
{
	(void)ctx;
	const uint8_t *src = quote + 12, *dst = quote + 16;
	size_t ihl = (size_t)(quote[0] & 0xf) * 4;
	if (!ip_is_local_address(dst) || src[0] == 0 || src[0] == 127 || src[0] >= 224)
		return;
	if (quote[9] == IPPROTO_ICMP && (len <= ihl || is_icmp_error(quote[ihl])))
		return;
	uint8_t *frame = kmalloc(ETH_HLEN + IPV4_HLEN + ICMP_HLEN + len);
	if (!frame)
		return;
	uint8_t *icmp = frame + ETH_HLEN + IPV4_HLEN;
	memset(icmp, 0, ICMP_HLEN);
	icmp[0] = ICMP_TIME_EXCEEDED;
	icmp[1] = ICMP_EXC_FRAGTIME;
	memcpy(icmp + ICMP_HLEN, quote, len);
	icmp_finish(icmp, ICMP_HLEN + len);
	ip_send(dst, src, IPPROTO_ICMP, frame, ICMP_HLEN + len);
}

static void rearm(void)
{
	uint64_t at = ip_reasm_deadline(&reasm);
	if (!at)
		ktimer_cancel(&expiry);
	else if (!expiry.armed || expiry.deadline_ns != at)
		ktimer_arm(&expiry, at);
}

static void on_expiry(struct ktimer *t)
{
	(void)t;
	ip_reasm_expire(&reasm, clock_monotonic_ns());
	rearm();
}

void ip_defrag_input(struct ether_dev *dev, const uint8_t *p, const struct ipv4_hdr *h)
{
	if (!ready) {
		ip_reasm_init(&reasm, IP_REASM_BUDGET, IP_REASM_TIMEOUT_NS, deliver, timed_out, dev);
		expiry.fn = on_expiry;
		ready = true;
	}
	reasm.ctx = dev;
	ip_reasm_add(&reasm, h, p, clock_monotonic_ns());
	rearm();
}

const struct ip_reasm_stats *ip_defrag_stats(void)
{
	return &reasm.stats;
}
