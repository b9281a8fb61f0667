/*
 * ARP for IPv4 over Ethernet (RFC 826): the packet format, and the cache
 * of neighbours' hardware addresses. Portable (host unit tests). The
 * cache keeps ARP_CACHE_SIZE entries; a resolved one lives
 * ARP_REACHABLE_NS (Linux's base_reachable_time, 30 s, without the
 * randomisation), then is asked for again; an unanswered resolution is
 * retried ARP_RETRIES times, ARP_RETRY_NS apart (Linux's mcast_solicit 3,
 * retrans_time 1 s), then fails.
 */
#ifndef UPY_NET_ARP_H
#define UPY_NET_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_CACHE_SIZE 16
#define ARP_REACHABLE_NS 30000000000ull
#define ARP_RETRY_NS 1000000000ull
#define ARP_RETRIES 3

struct arp_packet {
	uint16_t op;
	uint8_t sha[6], spa[4]; /* sender */
	uint8_t tha[6], tpa[4]; /* target */
};

/* Parses an ARP packet (the Ethernet payload, len bytes): 0, or -1 when it
 * is not Ethernet/IPv4 ARP, is truncated or has another opcode than
 * request or reply. */
int arp_parse(const uint8_t *p, size_t len, struct arp_packet *out);
/* Writes ARP_LEN bytes. */
void arp_build(uint8_t *p, const struct arp_packet *a);

enum arp_state { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE, ARP_FAILED };

struct arp_entry {
	enum arp_state state;
	uint8_t ip[4];
	uint8_t mac[6];
	uint64_t when;   /* REACHABLE: when confirmed; INCOMPLETE: when last asked */
	int asked;       /* requests sent for this resolution */
};

struct arp_cache {
	struct arp_entry e[ARP_CACHE_SIZE];
};

/* The entry for ip (not FREE), or NULL. */
struct arp_entry *arp_lookup(struct arp_cache *c, const uint8_t ip[4]);
/* Learns ip -> mac (a reply, or a request for us naming its sender), now
 * being the time in ns. With create false only an existing entry is
 * updated (RFC 826's merge rule). Returns the entry, or NULL. */
struct arp_entry *arp_learn(struct arp_cache *c, const uint8_t ip[4], const uint8_t mac[6],
			    uint64_t now, bool create);
/* Starts or continues resolving ip: the entry, INCOMPLETE unless already
 * known; an unused slot, the oldest failed or the least recently confirmed
 * one is taken for a new address. */
struct arp_entry *arp_resolve(struct arp_cache *c, const uint8_t ip[4], uint64_t now);
/* Whether a REACHABLE entry has expired at now. */
bool arp_expired(const struct arp_entry *e, uint64_t now);

#endif
