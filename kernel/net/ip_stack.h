/*
 * IPv4 on the Ethernet interface: routing (the interface's subnet and the
 * default gateway go out eth0; anything else has no route), input (ICMP
 * echo answered, port unreachable both ways, UDP to the sockets of
 * net/inet.c, TCP to net/tcp.c) and output through the ARP cache (net/neigh.c), which holds
 * packets while their next hop is being resolved.
 */
#ifndef UPY_NET_IP_STACK_H
#define UPY_NET_IP_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ether.h"
#include "net/ipv4.h"

/* Headroom in front of a packet's payload: Ethernet, IPv4 and UDP headers. */
#define IP_STACK_HEADROOM (ETH_HLEN + IPV4_HLEN + UDP_HLEN)

/* Packets dropped on input, by reason (enum ipv4_drop), and others. */
struct ip_stats {
	uint64_t ipv4_drops[IPV4_N_DROPS];
	uint64_t not_for_us, bad_udp, bad_icmp, udp_no_port, arp_queue_full;
};
extern struct ip_stats ip_stats;

/* Whether a v4 destination has a route out of eth0 (false: ENETUNREACH). */
bool ip_route_ok(const uint8_t dst[4]);
/* eth0's address (false when there is none). */
bool ip_local_address(uint8_t out[4]);
bool ip_is_local_address(const uint8_t a[4]);

/* Sends the IPv4 packet whose payload (len bytes) sits at frame +
 * ETH_HLEN + IPV4_HLEN (TTL 64, TOS 0); frame is kmalloc'ed and given away.
 * 0, -ENETUNREACH, -EMSGSIZE, -ENOMEM or -ENOBUFS (the device is full). */
int ip_send(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint8_t *frame, size_t len);
/* ip_send for a TCP segment the device finishes (off: NULL for none; with
 * off->gso_mss the segment may pass the MTU, up to eth0's tso_max). */
int ip_send_tcp(const uint8_t src[4], const uint8_t dst[4], uint8_t *frame, size_t len,
		const struct ether_tx_offload *off);

/* Sends a UDP datagram from src:sport to dst:dport. 0, -ENETUNREACH,
 * -ENOMEM or -ENOBUFS. */
int ip_send_udp(const uint8_t src[4], uint16_t sport, const uint8_t dst[4], uint16_t dport,
		const uint8_t *data, size_t len, uint8_t ttl, uint8_t tos);

/* Called by ether_input for an IPv4 frame's payload. */
void ipv4_input(struct ether_dev *dev, const uint8_t *p, size_t len);

/* neigh.c: sends a whole frame (Ethernet header to be filled) to next_hop,
 * holding it while ARP resolves. Takes ownership of frame (kmalloc'ed). */
int neigh_output(struct ether_dev *dev, const uint8_t next_hop[4], uint8_t *frame, size_t len,
		 const struct ether_tx_offload *off);

/* inet.c: a UDP datagram for dst:dport (false: no socket has that port);
 * an ICMP port unreachable for what src:sport sent to dst:dport. */
bool inet_udp_deliver(const uint8_t src[4], uint16_t sport, const uint8_t dst[4], uint16_t dport,
		      const uint8_t *data, size_t len, uint8_t ttl, uint8_t tos);
void inet_udp_refused(const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
		      uint16_t dport);

#endif
