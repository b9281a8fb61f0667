/* The ChaCha20 block function (RFC 8439), for the kernel's random numbers. */
#ifndef UPY_LIB_CHACHA20_H
#define UPY_LIB_CHACHA20_H

#include <stdint.h>

/* One 64-byte keystream block for key (32 bytes), counter and nonce (12 bytes). */
void chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		    uint8_t out[64]);

#endif
