/*
 * Ethernet II framing and the interface an Ethernet driver gives the
 * stack (drivers/net/virtio_net.c is the one driver). Frames carry no FCS
 * (the device adds and checks it). Header parsing is portable: the host's
 * unit tests drive it (tests/unit/test_ether_arp.py).
 */
#ifndef UPY_NET_ETHER_H
#define UPY_NET_ETHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/netconf.h"
#include "net/netdev.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_MIN_FRAME 60 /* without the FCS: shorter frames are padded */
#define ETH_DATA_LEN 1500
#define ETH_FRAME_MAX (ETH_HLEN + ETH_DATA_LEN)
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd

struct ether_hdr {
	uint8_t dst[ETH_ALEN];
	uint8_t src[ETH_ALEN];
	uint16_t type; /* network order */
};

/* Counters of frames taken and dropped, per interface (the driver's). */
struct ether_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t rx_dropped;   /* not for us, of a type we do not speak, malformed */
	uint64_t tx_dropped;   /* no room in the device's ring */
};

/* What the device is to finish in a TCP/IPv4 frame the stack left partial
 * (only on a device that offers it: ether_dev's tx_csum and tso_max). */
struct ether_tx_offload {
	bool tcp_csum;    /* the TCP checksum holds the pseudo header's sum only */
	uint16_t gso_mss; /* cut the segment into pieces of this size; 0: it is one */
};

struct ether_dev {
	struct netdev *nd;
	/* Sends one whole frame (header included, at most ETH_FRAME_MAX bytes,
	 * or an IPv4 datagram's 64 KB with off->gso_mss; the driver pads it).
	 * off: NULL for a finished frame. 0 or a negative errno (-ENOBUFS:
	 * ring full). */
	int (*xmit)(struct ether_dev *dev, const void *frame, size_t len,
		    const struct ether_tx_offload *off);
	bool tx_csum;     /* the device completes TCP checksums */
	uint32_t tso_max; /* the longest TCP payload it cuts to the MSS; 0: none */
	void *priv;
	struct ether_stats stats;
	uint8_t ipv4[4];   /* the interface's address (0.0.0.0: none) */
	uint8_t prefixlen;
	bool has_gateway;
	uint8_t gateway[4];
	int n_dns;         /* the name servers of net= or the lease (/etc/resolv.conf) */
	uint8_t dns[NETCONF_MAX_DNS][4];
	bool dhcp;         /* net=dhcp: the address comes from a lease (net/dhcp.h) */
	/* Set by the driver for the frame it is handing to ether_input: the
	 * device vouched for its TCP/UDP checksum (virtio-net's GUEST_CSUM). */
	bool rx_csum_ok;
};

static const uint8_t ether_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The one Ethernet interface (eth0), or NULL when the machine has none. */
extern struct ether_dev *ether_eth0;

/* Checks a received frame's header: its payload type in *type and the
 * payload's offset, or -1 (too short for a header, not for us: neither our
 * address, broadcast nor multicast). */
int ether_parse(const uint8_t *frame, size_t len, const uint8_t our_mac[ETH_ALEN], uint16_t *type);

/* Writes an Ethernet header at frame. */
void ether_build(uint8_t *frame, const uint8_t dst[ETH_ALEN], const uint8_t src[ETH_ALEN],
		 uint16_t type);

/* A frame the driver received (interrupt context; the buffer is reused
 * once this returns). With GUEST_TSO4 a TCP frame may pass the MTU: at
 * most an IPv4 datagram of 64 KB. */
void ether_input(struct ether_dev *dev, const uint8_t *frame, size_t len);

/* The driver brought the interface up: the stack introduces itself
 * (ARP for the gateway). */
void ether_up(struct ether_dev *dev);

#endif
