/*
 * DHCP messages (RFC 2131, options of RFC 2132) as a client sends and
 * reads them: DHCPDISCOVER and DHCPREQUEST out, DHCPOFFER, DHCPACK and
 * DHCPNAK in. Portable: the host's unit tests (tests/unit/test_dhcp_msg.py)
 * drive it with hypothesis. Option overloading into the sname and file
 * fields (option 52) is not read: servers use it only when the options
 * area is full, which the options asked for here never fill.
 */
#ifndef UPY_NET_DHCP_MSG_H
#define UPY_NET_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 240 /* the BOOTP header and the magic cookie */
#define DHCP_MSG_MAX 576   /* what every client must take (RFC 2131 2) */
#define DHCP_MAX_DNS 3

enum dhcp_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
};

/* What a client puts in a message. */
struct dhcp_request {
	enum dhcp_type type;
	uint32_t xid;
	uint16_t secs;
	uint8_t mac[6];
	uint8_t ciaddr[4];     /* renewing: the address we have; else 0 */
	bool has_requested;    /* option 50: the address we want */
	uint8_t requested[4];
	bool has_server;       /* option 54: the server whose offer we take */
	uint8_t server[4];
	const char *hostname;  /* option 12, or NULL */
};

/* What a server's answer says. */
struct dhcp_reply {
	enum dhcp_type type;
	uint8_t yiaddr[4];
	bool has_server;
	uint8_t server[4];
	uint8_t prefixlen;     /* from option 1, or the address's class */
	bool has_router;
	uint8_t router[4];
	int n_dns;
	uint8_t dns[DHCP_MAX_DNS][4];
	uint32_t lease_s, t1_s, t2_s; /* 0xffffffff: infinite */
};

/* Writes the message into out (cap >= DHCP_MSG_MAX bytes): its length. */
size_t dhcp_build(const struct dhcp_request *rq, uint8_t *out, size_t cap);

enum dhcp_parse_error {
	DHCP_OK,
	DHCP_TOO_SHORT,
	DHCP_NOT_A_REPLY,   /* op is not BOOTREPLY, or not Ethernet */
	DHCP_NOT_OURS,      /* another transaction or another client */
	DHCP_BAD_COOKIE,
	DHCP_BAD_OPTIONS,   /* an option runs past the end */
	DHCP_NO_TYPE,       /* no message type, or one a server does not send */
	DHCP_BAD_LEASE,     /* an offer or ACK without a usable address or mask */
};

/* Reads a server's message of len bytes for transaction xid of the client
 * with address mac. */
enum dhcp_parse_error dhcp_parse(const uint8_t *p, size_t len, uint32_t xid,
				 const uint8_t mac[6], struct dhcp_reply *out);

#endif
