#include "net/ether.h"

#include "lib/string.h"

int ether_parse(const uint8_t *frame, size_t len, const uint8_t our_mac[ETH_ALEN], uint16_t *type)
{
	if (len < ETH_HLEN)
		return -1;
	/* Ours, broadcast, or multicast (the group bit). */
	if (memcmp(frame, our_mac, ETH_ALEN) != 0 && !(frame[0] & 1))
		return -1;
	*type = (uint16_t)(frame[12] << 8 | frame[13]);
	return ETH_HLEN;
}

void ether_build(uint8_t *frame, const uint8_t dst[ETH_ALEN], const uint8_t src[ETH_ALEN],
		 uint16_t type)
{
	memcpy(frame, dst, ETH_ALEN);
	memcpy(frame + 6, src, ETH_ALEN);
	frame[12] = (uint8_t)(type >> 8);
	frame[13] = (uint8_t)type;
}
