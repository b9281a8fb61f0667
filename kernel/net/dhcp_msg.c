#include "net/dhcp_msg.h"

#include "lib/string.h"

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define FLAG_BROADCAST 0x8000 /* we have no address yet to take a unicast */

#define OPT_PAD 0
#define OPT_SUBNET_MASK 1
#define OPT_ROUTER 3
#define OPT_DNS 6
#define OPT_HOSTNAME 12
#define OPT_REQUESTED_IP 50
#define OPT_LEASE_TIME 51
#define OPT_MSG_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_PARAMS 55
#define OPT_MAX_SIZE 57
#define OPT_T1 58
#define OPT_T2 59
#define OPT_END 255

static const uint8_t cookie[4] = { 99, 130, 83, 99 };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t put_opt(uint8_t *out, size_t at, uint8_t code, const void *data, size_t len)
{
	out[at] = code;
	out[at + 1] = (uint8_t)len;
	memcpy(out + at + 2, data, len);
	return at + 2 + len;
}

size_t dhcp_build(const struct dhcp_request *rq, uint8_t *out, size_t cap)
{
	if (cap < DHCP_MSG_MAX)
		return 0;
	memset(out, 0, DHCP_MSG_MAX);
	out[0] = BOOTREQUEST;
	out[1] = HTYPE_ETHER;
	out[2] = 6;
	put32(out + 4, rq->xid);
	out[8] = (uint8_t)(rq->secs >> 8);
	out[9] = (uint8_t)rq->secs;
	bool renewing = rq->ciaddr[0] | rq->ciaddr[1] | rq->ciaddr[2] | rq->ciaddr[3];
	if (!renewing) {
		out[10] = FLAG_BROADCAST >> 8;
	}
	memcpy(out + 12, rq->ciaddr, 4);
	memcpy(out + 28, rq->mac, 6);
	memcpy(out + 236, cookie, 4);
	size_t at = DHCP_FIXED_LEN;
	uint8_t type = (uint8_t)rq->type;
	at = put_opt(out, at, OPT_MSG_TYPE, &type, 1);
	if (rq->has_requested)
		at = put_opt(out, at, OPT_REQUESTED_IP, rq->requested, 4);
	if (rq->has_server)
		at = put_opt(out, at, OPT_SERVER_ID, rq->server, 4);
	static const uint8_t params[] = { OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME,
					  OPT_T1, OPT_T2 };
	at = put_opt(out, at, OPT_PARAMS, params, sizeof(params));
	uint8_t max[2] = { DHCP_MSG_MAX >> 8, DHCP_MSG_MAX & 0xff };
	at = put_opt(out, at, OPT_MAX_SIZE, max, 2);
	if (rq->hostname) {
		size_t n = strlen(rq->hostname);
		if (n > 63)
			n = 63;
		at = put_opt(out, at, OPT_HOSTNAME, rq->hostname, n);
	}
	out[at++] = OPT_END;
	/* Pad to BOOTP's 300 bytes: some relays drop shorter messages. */
	return at < 300 ? 300 : at;
}

/* The prefix length of a contiguous netmask, or -1. */
static int mask_prefix(const uint8_t m[4])
{
	uint32_t v = get32(m);
	int n = 0;
	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	uint32_t want = n ? ~0u << (32 - n) : 0;
	return v == want ? n : -1;
}

/* RFC 2131 leaves a missing mask to the client: the address's class. */
static uint8_t class_prefix(const uint8_t a[4])
{
	return a[0] < 128 ? 8 : a[0] < 192 ? 16 : 24;
}

static bool usable_unicast(const uint8_t a[4])
{
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

enum dhcp_parse_error dhcp_parse(const uint8_t *p, size_t len, uint32_t xid,
				 const uint8_t mac[6], struct dhcp_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (len < DHCP_FIXED_LEN)
		return DHCP_TOO_SHORT;
	if (p[0] != BOOTREPLY || p[1] != HTYPE_ETHER || p[2] != 6)
		return DHCP_NOT_A_REPLY;
	if (get32(p + 4) != xid || memcmp(p + 28, mac, 6) != 0)
		return DHCP_NOT_OURS;
	if (memcmp(p + 236, cookie, 4) != 0)
		return DHCP_BAD_COOKIE;
	memcpy(out->yiaddr, p + 16, 4);
	bool has_mask = false, has_lease = false, has_t1 = false, has_t2 = false;
	uint8_t mask[4];
	size_t i = DHCP_FIXED_LEN;
	while (i < len) {
		uint8_t code = p[i];
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			break;
		if (i + 2 > len || i + 2 + p[i + 1] > len)
			return DHCP_BAD_OPTIONS;
		uint8_t n = p[i + 1];
		const uint8_t *v = p + i + 2;
		switch (code) {
		case OPT_MSG_TYPE:
			if (n == 1)
				out->type = (enum dhcp_type)v[0];
			break;
		case OPT_SUBNET_MASK:
			if (n == 4) {
				memcpy(mask, v, 4);
				has_mask = true;
			}
			break;
		case OPT_ROUTER:
			if (n >= 4 && !out->has_router) {
				memcpy(out->router, v, 4);
				out->has_router = true;
			}
			break;
		case OPT_DNS:
			for (size_t k = 0; k + 4 <= n && out->n_dns < DHCP_MAX_DNS; k += 4)
				memcpy(out->dns[out->n_dns++], v + k, 4);
			break;
		case OPT_SERVER_ID:
			if (n == 4) {
				memcpy(out->server, v, 4);
				out->has_server = true;
			}
			break;
		case OPT_LEASE_TIME:
			if (n == 4) {
				out->lease_s = get32(v);
				has_lease = true;
			}
			break;
		case OPT_T1:
			if (n == 4) {
				out->t1_s = get32(v);
				has_t1 = true;
			}
			break;
		case OPT_T2:
			if (n == 4) {
				out->t2_s = get32(v);
				has_t2 = true;
			}
			break;
		default:
			break; /* what we did not ask for */
		}
		i += 2u + n;
	}
	if (out->type != DHCPOFFER && out->type != DHCPACK && out->type != DHCPNAK)
		return DHCP_NO_TYPE;
	if (out->type == DHCPNAK)
		return DHCP_OK;
	if (!usable_unicast(out->yiaddr))
		return DHCP_BAD_LEASE;
	if (has_mask) {
		int prefix = mask_prefix(mask);
		if (prefix < 1 || prefix > 30)
			return DHCP_BAD_LEASE;
		out->prefixlen = (uint8_t)prefix;
	} else {
		out->prefixlen = class_prefix(out->yiaddr);
	}
	/* RFC 2131 4.4.5's defaults: renew at half the lease, rebind at 7/8. */
	if (!has_lease)
		out->lease_s = 0xffffffffu;
	if (!has_t1 || out->t1_s > out->lease_s)
		out->t1_s = out->lease_s == 0xffffffffu ? out->lease_s : out->lease_s / 2;
	if (!has_t2 || out->t2_s > out->lease_s || out->t2_s < out->t1_s)
		out->t2_s = out->lease_s == 0xffffffffu ? out->lease_s
			    : (uint32_t)((uint64_t)out->lease_s * 7 / 8);
	if (out->t1_s > out->t2_s)
		out->t1_s = out->t2_s;
	return DHCP_OK;
}
