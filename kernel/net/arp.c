#include "net/arp.h"

#include "lib/string.h"

#define HTYPE_ETHER 1
#define PTYPE_IPV4 0x0800

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int arp_parse(const uint8_t *p, size_t len, struct arp_packet *out)
{
	if (len < ARP_LEN || get16(p) != HTYPE_ETHER || get16(p + 2) != PTYPE_IPV4 || p[4] != 6 ||
	    p[5] != 4)
		return -1;
	out->op = get16(p + 6);
	if (out->op != ARP_OP_REQUEST && out->op != ARP_OP_REPLY)
		return -1;
	memcpy(out->sha, p + 8, 6);
	memcpy(out->spa, p + 14, 4);
	memcpy(out->tha, p + 18, 6);
	memcpy(out->tpa, p + 24, 4);
	return 0;
}

void arp_build(uint8_t *p, const struct arp_packet *a)
{
	put16(p, HTYPE_ETHER);
	put16(p + 2, PTYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, a->op);
	memcpy(p + 8, a->sha, 6);
	memcpy(p + 14, a->spa, 4);
	memcpy(p + 18, a->tha, 6);
	memcpy(p + 24, a->tpa, 4);
}

struct arp_entry *arp_lookup(struct arp_cache *c, const uint8_t ip[4])
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++)
		if (c->e[i].state != ARP_FREE && memcmp(c->e[i].ip, ip, 4) == 0)
			return &c->e[i];
	return NULL;
}

bool arp_expired(const struct arp_entry *e, uint64_t now)
{
	return e->state == ARP_REACHABLE && now - e->when >= ARP_REACHABLE_NS;
}

/* A slot for a new address: a free one, else a failed one, else the one
 * confirmed longest ago (a resolution in progress is never taken). */
static struct arp_entry *victim(struct arp_cache *c)
{
	struct arp_entry *best = NULL;
	for (int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &c->e[i];
		if (e->state == ARP_FREE)
			return e;
		if (e->state == ARP_FAILED && (!best || best->state != ARP_FAILED))
			best = e;
		else if (e->state == ARP_REACHABLE && (!best || (best->state == ARP_REACHABLE &&
								 e->when < best->when)))
			best = e;
	}
	return best;
}

struct arp_entry *arp_learn(struct arp_cache *c, const uint8_t ip[4], const uint8_t mac[6],
			    uint64_t now, bool create)
{
	struct arp_entry *e = arp_lookup(c, ip);
	if (!e && create)
		e = victim(c);
	if (!e)
		return NULL;
	e->state = ARP_REACHABLE;
	memcpy(e->ip, ip, 4);
	memcpy(e->mac, mac, 6);
	e->when = now;
	e->asked = 0;
	return e;
}

struct arp_entry *arp_resolve(struct arp_cache *c, const uint8_t ip[4], uint64_t now)
{
	struct arp_entry *e = arp_lookup(c, ip);
	if (e && !(e->state == ARP_FAILED || arp_expired(e, now)))
		return e;
	if (!e)
		e = victim(c);
	if (!e)
		return NULL;
	e->state = ARP_INCOMPLETE;
	memcpy(e->ip, ip, 4);
	memset(e->mac, 0, 6);
	e->when = now;
	e->asked = 0;
	return e;
}
