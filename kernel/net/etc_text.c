#include "net/etc_text.h"

#include "lib/fmt.h"
#include "lib/string.h"

bool etc_text_replaceable(const char *head, size_t n)
{
	size_t m = sizeof(ETC_TEXT_MARKER) - 1;
	return n >= m && memcmp(head, ETC_TEXT_MARKER, m) == 0;
}

/* Appends the formatted text at *at; false once it no longer fits. */
static bool add(char *buf, size_t cap, size_t *at, bool ok, const char *fmt, ...)
{
	if (!ok)
		return false;
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buf + *at, cap - *at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *at)
		return false;
	*at += (size_t)n;
	return true;
}

size_t etc_resolv_conf(char *buf, size_t cap, const uint8_t (*dns)[4], int n_dns,
		       const char *how)
{
	size_t at = 0;
	bool ok = cap > 0;
	ok = add(buf, cap, &at, ok, "%s by the kernel from eth0's %s\n", ETC_TEXT_MARKER, how);
	if (n_dns == 0)
		ok = add(buf, cap, &at, ok, "# no name server was given\n");
	for (int i = 0; i < n_dns; i++)
		ok = add(buf, cap, &at, ok, "nameserver %u.%u.%u.%u\n", dns[i][0], dns[i][1],
			 dns[i][2], dns[i][3]);
	return ok ? at : 0;
}

size_t etc_hosts(char *buf, size_t cap, const uint8_t addr[4], const char *hostname,
		 const char *how)
{
	size_t at = 0;
	bool ok = cap > 0;
	ok = add(buf, cap, &at, ok, "%s by the kernel from eth0's %s\n", ETC_TEXT_MARKER, how);
	ok = add(buf, cap, &at, ok, "127.0.0.1\tlocalhost\n");
	ok = add(buf, cap, &at, ok, "%u.%u.%u.%u\t%s\n", addr[0], addr[1], addr[2], addr[3],
		 hostname);
	ok = add(buf, cap, &at, ok, "::1\tlocalhost ip6-localhost ip6-loopback\n");
	return ok ? at : 0;
}
