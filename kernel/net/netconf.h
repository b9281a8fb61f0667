/*
 * The network configuration the runner passes on the kernel command line
 * (no DHCP round trip at boot):
 *
 *     net=ADDR/PREFIX[,gw=ADDR][,dns=ADDR]...
 *     net=dhcp[,dns=ADDR]...     (ask a DHCP server at boot, net/dhcp.h)
 *
 * e.g. net=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3 for QEMU's user
 * networking. IPv4 only; at most NETCONF_MAX_DNS name servers. The first
 * Ethernet device gets the address (drivers/net/virtio_net.c). Portable:
 * the host's unit tests parse with it.
 */
#ifndef UPY_NET_NETCONF_H
#define UPY_NET_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETCONF_MAX_DNS 3

struct net_config {
	bool present; /* a net= token was there */
	bool dhcp;    /* net=dhcp: the address, gateway and DNS come from a lease */
	uint8_t addr[4];
	uint8_t prefixlen;
	bool has_gateway;
	uint8_t gateway[4];
	int n_dns;
	uint8_t dns[NETCONF_MAX_DNS][4];
};

/* Finds the net= token among the space-separated tokens of cmdline (len
 * bytes) and parses it into *c (zeroed first; c->present false when there
 * is none). 0, or -1 with *why set for a malformed one. */
int net_config_parse(const char *cmdline, size_t len, struct net_config *c, const char **why);

/* Parses a dotted-quad IPv4 address of exactly len bytes: 0 or -1. */
int net_parse_ipv4(const char *s, size_t len, uint8_t out[4]);

#endif
