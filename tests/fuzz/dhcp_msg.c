/*
 * libFuzzer harness for the DHCP client's parser of a server's messages
 * (net/dhcp_msg.c): any host on the network can send one, so every message
 * must parse to an error or a sane lease, never a read past it. The input is
 *   1 byte    bit 0: the client's transaction id and address are the
 *             message's own (so it is "ours" and its options are read)
 *   4 bytes   else the transaction id, then 6 bytes the client's address
 *   the rest  the UDP payload, in a buffer of exactly its size
 * A parsed reply must be an OFFER, ACK or NAK with a prefix length of at
 * most 32, at most DHCP_MAX_DNS servers and T1 <= T2 <= the lease.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dhcp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 11)
		return 0;
	uint32_t xid;
	uint8_t mac[6];
	memcpy(&xid, data + 1, 4);
	memcpy(mac, data + 5, 6);
	size_t len = size - 11;
	uint8_t *msg = malloc(len ? len : 1);
	memcpy(msg, data + 11, len);
	if ((data[0] & 1) && len >= 34) {
		/* The client's own: xid[4] at 4 (network order), chaddr at 28. */
		xid = (uint32_t)msg[4] << 24 | (uint32_t)msg[5] << 16 | (uint32_t)msg[6] << 8 | msg[7];
		memcpy(mac, msg + 28, 6);
	}
	struct dhcp_reply r;
	memset(&r, 0xa5, sizeof(r));
	enum dhcp_parse_error e = dhcp_parse(msg, len, xid, mac, &r);
	if (e > DHCP_BAD_LEASE)
		abort();
	if (e == DHCP_OK) {
		if (r.type != DHCPOFFER && r.type != DHCPACK && r.type != DHCPNAK)
			abort();
		if (r.type != DHCPNAK && (r.prefixlen > 32 || r.n_dns < 0 || r.n_dns > DHCP_MAX_DNS))
			abort();
		if (r.type != DHCPNAK && !(r.t1_s <= r.t2_s && r.t2_s <= r.lease_s))
			abort(); /* the client renews, then rebinds, before the lease ends */
	}
	free(msg);
	return 0;
}
