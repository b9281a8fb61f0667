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

struct ether_dev {
	struct netdev *nd;
	/* Sends one whole frame (header included, at most ETH_FRAME_MAX bytes;
	 * the driver pads it). 0 or a negative errno (-ENOBUFS: ring full). */
	int (*xmit)(struct ether_dev *dev, const void *frame, size_t len);
	void *priv;
	struct ether_stats stats;
	uint8_t ipv4[4];   /* the interface's address (0.0.0.0: none) */
	uint8_t prefixlen;
	bool has_gateway;
	uint8_t gateway[4];
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
 * once this returns). */
void ether_input(struct ether_dev *dev, const uint8_t *frame, size_t len);

/* The driver brought the interface up: the stack introduces itself
 * (ARP for the gateway). */
void ether_up(struct ether_dev *dev);

#endif
