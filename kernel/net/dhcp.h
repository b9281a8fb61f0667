/*
 * The DHCP client of eth0 (net=dhcp, RFC 2131): at boot it asks for a
 * lease (DISCOVER, OFFER, REQUEST, ACK) and waits for at most
 * DHCP_BOOT_WAIT_NS; an interface that gets no lease says so on the
 * console and stays without an address, and the app starts anyway. A
 * lease is renewed at T1 (unicast to its server) and rebound at T2
 * (broadcast); the address stays until a server answers DHCPNAK.
 */
#ifndef UPY_NET_DHCP_H
#define UPY_NET_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ether.h"

#define DHCP_BOOT_WAIT_NS 7000000000ull

/* Gets d a lease; blocks the boot thread. true once bound. */
bool dhcp_boot(struct ether_dev *d);

/* A UDP datagram from port 67 to port 68 (ip_stack.c): true if the
 * client took it. */
bool dhcp_input(const uint8_t *data, size_t len);

/* Whether the client is waiting for a server's answer to reach it before
 * the interface has an address (ip_stack.c then takes it). */
bool dhcp_wants_unbound_input(void);

#endif
