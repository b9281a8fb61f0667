/*
 * Internet socket addresses, kept in one form for both families: an IPv6
 * address, where an IPv4 one is v4-mapped (::ffff:a.b.c.d), and a port.
 * Plain functions of their arguments, so the host's unit tests build them.
 */
#ifndef UPY_NET_INET_ADDR_H
#define UPY_NET_INET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INET_AF_INET 2
#define INET_AF_INET6 10
#define INET_SOCKADDR_IN_LEN 16
#define INET_SOCKADDR_IN6_LEN 28

struct inet_endpoint {
	uint8_t addr[16];
	uint16_t port; /* host byte order */
	uint32_t flowinfo, scope_id;
};

/* One bound socket, as far as sharing a port goes. */
struct inet_binding {
	int domain;
	bool v6only;
	const uint8_t *addr;
};

bool inet_is_v4(const uint8_t a[16]);
bool inet_is_any(const uint8_t a[16]);
bool inet_is_loopback(const uint8_t a[16]);

/* Reads the sockaddr an app gives a socket of `domain` (bind, connect,
 * sendto): -EINVAL for a short one, -EAFNOSUPPORT for another family. */
int inet_endpoint_read(const void *sa, size_t len, int domain, struct inet_endpoint *out);
/* Writes the sockaddr a socket of `domain` reports; returns its length. */
size_t inet_endpoint_write(const struct inet_endpoint *e, int domain, void *sa);

/* The wildcard address of a domain ("0.0.0.0" or "::"). */
void inet_any(int domain, uint8_t out[16]);
/* The loopback address a flow to `dest` starts from. */
void inet_loopback_for(const uint8_t dest[16], uint8_t out[16]);

/* Can two sockets not both have the same port? (Before SO_REUSE*.) */
bool inet_bindings_clash(const struct inet_binding *a, const struct inet_binding *b);
/* Does a socket bound as `b` receive what is sent to `dest`? */
bool inet_binding_accepts(const struct inet_binding *b, const uint8_t dest[16]);

#endif
