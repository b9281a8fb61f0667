#include "net/inet_addr.h"

#include "lib/string.h"
#include "uapi/errno.h"

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool inet_is_v4(const uint8_t a[16])
{
	return memcmp(a, v4_prefix, 12) == 0;
}

bool inet_is_any(const uint8_t a[16])
{
	static const uint8_t zero[16];
	if (inet_is_v4(a))
		return memcmp(a + 12, zero, 4) == 0;
	return memcmp(a, zero, 16) == 0;
}

bool inet_is_loopback(const uint8_t a[16])
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	if (inet_is_v4(a))
		return a[12] == 127;
	return memcmp(a, v6_loopback, 16) == 0;
}

void inet_any(int domain, uint8_t out[16])
{
	memset(out, 0, 16);
	if (domain == INET_AF_INET)
		memcpy(out, v4_prefix, 12);
}

void inet_loopback_for(const uint8_t dest[16], uint8_t out[16])
{
	bool v4 = inet_is_v4(dest); /* out may be dest */
	memset(out, 0, 16);
	if (v4) {
		memcpy(out, v4_prefix, 12);
		out[12] = 127;
		out[15] = 1;
	} else {
		out[15] = 1;
	}
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

int inet_endpoint_read(const void *sa, size_t len, int domain, struct inet_endpoint *out)
{
	const uint8_t *b = sa;
	memset(out, 0, sizeof(*out));
	if (len < 2)
		return -EINVAL;
	unsigned family = (unsigned)(b[0] | b[1] << 8);
	if (domain == INET_AF_INET) {
		if (len < INET_SOCKADDR_IN_LEN)
			return -EINVAL;
		if (family != INET_AF_INET)
			return -EAFNOSUPPORT;
		memcpy(out->addr, v4_prefix, 12);
		memcpy(out->addr + 12, b + 4, 4);
		out->port = be16(b + 2);
		return 0;
	}
	/* Linux takes the RFC 2133 sockaddr_in6, without scope id (24 bytes). */
	if (len < 24)
		return -EINVAL;
	if (family != INET_AF_INET6)
		return -EAFNOSUPPORT;
	out->port = be16(b + 2);
	out->flowinfo = le32(b + 4);
	memcpy(out->addr, b + 8, 16);
	if (len >= INET_SOCKADDR_IN6_LEN)
		out->scope_id = le32(b + 24);
	return 0;
}

size_t inet_endpoint_write(const struct inet_endpoint *e, int domain, void *sa)
{
	uint8_t *b = sa;
	if (domain == INET_AF_INET) {
		memset(b, 0, INET_SOCKADDR_IN_LEN);
		b[0] = INET_AF_INET;
		b[2] = (uint8_t)(e->port >> 8);
		b[3] = (uint8_t)e->port;
		if (inet_is_v4(e->addr))
			memcpy(b + 4, e->addr + 12, 4);
		return INET_SOCKADDR_IN_LEN;
	}
	memset(b, 0, INET_SOCKADDR_IN6_LEN);
	b[0] = INET_AF_INET6;
	b[2] = (uint8_t)(e->port >> 8);
	b[3] = (uint8_t)e->port;
	memcpy(b + 4, &e->flowinfo, 4);
	memcpy(b + 8, e->addr, 16);
	memcpy(b + 24, &e->scope_id, 4);
	return INET_SOCKADDR_IN6_LEN;
}

/* Which addresses a binding covers: an IPv4 socket's are IPv4 ones; an
 * IPv6 socket bound to "::" also covers IPv4 unless it is v6only. */
static bool covers_v4(const struct inet_binding *b)
{
	if (b->domain == INET_AF_INET)
		return true;
	return inet_is_v4(b->addr) || (inet_is_any(b->addr) && !b->v6only);
}

static bool covers_v6(const struct inet_binding *b)
{
	return b->domain == INET_AF_INET6 && !inet_is_v4(b->addr);
}

bool inet_bindings_clash(const struct inet_binding *a, const struct inet_binding *b)
{
	bool a_any = inet_is_any(a->addr), b_any = inet_is_any(b->addr);
	bool v4 = covers_v4(a) && covers_v4(b);
	bool v6 = covers_v6(a) && covers_v6(b);
	if (!v4 && !v6)
		return false;
	if (a_any || b_any)
		return true;
	/* Two specific addresses clash only when they are the same one. */
	return memcmp(a->addr, b->addr, 16) == 0;
}

bool inet_binding_accepts(const struct inet_binding *b, const uint8_t dest[16])
{
	if (inet_is_v4(dest) ? !covers_v4(b) : !covers_v6(b))
		return false;
	if (inet_is_any(b->addr))
		return true;
	return memcmp(b->addr, dest, 16) == 0;
}
