#include "net/netconf.h"

#include "lib/string.h"

int net_parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		unsigned v = 0;
		size_t start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		/* No empty part, no leading zero (it would mean octal to inet_aton). */
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -1;
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* ADDR/PREFIX */
static int parse_addr_prefix(const char *s, size_t len, struct net_config *c)
{
	const char *slash = memchr(s, '/', len);
	if (!slash || net_parse_ipv4(s, (size_t)(slash - s), c->addr) < 0)
		return -1;
	size_t n = len - (size_t)(slash - s) - 1;
	const char *p = slash + 1;
	if (n == 0 || n > 2)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > 32)
		return -1;
	c->prefixlen = (uint8_t)v;
	return 0;
}

static int parse_value(const char *s, size_t len, struct net_config *c, const char **why)
{
	/* Comma-separated fields: the address first, then gw= and dns=. */
	size_t i = 0;
	for (int field = 0; i <= len; field++) {
		const char *comma = memchr(s + i, ',', len - i);
		size_t end = comma ? (size_t)(comma - s) : len;
		const char *f = s + i;
		size_t flen = end - i;
		if (field == 0 && flen == 4 && memcmp(f, "dhcp", 4) == 0) {
			c->dhcp = true;
		} else if (field == 0) {
			if (parse_addr_prefix(f, flen, c) < 0) {
				*why = "net= wants ADDR/PREFIX or dhcp first (e.g. 10.0.2.15/24)";
				return -1;
			}
		} else if (starts_with(f, flen, "gw=")) {
			if (c->dhcp || c->has_gateway || net_parse_ipv4(f + 3, flen - 3, c->gateway) < 0) {
				*why = "a bad or second gw= in net=";
				return -1;
			}
			c->has_gateway = true;
		} else if (starts_with(f, flen, "dns=")) {
			if (c->n_dns == NETCONF_MAX_DNS ||
			    net_parse_ipv4(f + 4, flen - 4, c->dns[c->n_dns]) < 0) {
				*why = "a bad or excess dns= in net=";
				return -1;
			}
			c->n_dns++;
		} else {
			*why = "an unknown field in net= (ADDR/PREFIX,gw=ADDR,dns=ADDR)";
			return -1;
		}
		if (!comma)
			return 0;
		i = end + 1;
	}
	return 0;
}

int net_config_parse(const char *cmdline, size_t len, struct net_config *c, const char **why)
{
	memset(c, 0, sizeof(*c));
	size_t i = 0;
	while (i < len) {
		while (i < len && cmdline[i] == ' ')
			i++;
		size_t start = i;
		while (i < len && cmdline[i] != ' ' && cmdline[i] != '\0')
			i++;
		const char *tok = cmdline + start;
		size_t tlen = i - start;
		if (starts_with(tok, tlen, "net=")) {
			if (c->present) {
				*why = "net= given twice";
				return -1;
			}
			if (parse_value(tok + 4, tlen - 4, c, why) < 0)
				return -1;
			c->present = true;
		}
		if (i < len && cmdline[i] == '\0')
			break;
	}
	return 0;
}
