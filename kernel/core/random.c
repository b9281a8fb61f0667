#include "core/random.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "lib/chacha20.h"
#include "lib/string.h"

/* The generator's key; owned by this file, replaced after every request
 * so earlier output cannot be recomputed from a later state. */
static uint8_t key[32];
static uint64_t requests;

static bool hw_random(uint64_t *out, bool seed)
{
	for (int tries = 0; tries < 10; tries++) {
		uint8_t ok;
		if (seed)
			__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
		else
			__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

void random_init(const uint8_t *host_seed, size_t len)
{
	uint8_t pool[64] = { 0 };
	bool strong = false;
	for (size_t i = 0; host_seed && i < len; i++)
		pool[i % 32] ^= host_seed[i];
	strong = host_seed && len >= 16;

	bool has_rdseed = cpuid(7, 0).ebx & (1u << 18);
	bool has_rdrand = cpuid(1, 0).ecx & (1u << 30);
	for (int i = 0; i < 4; i++) {
		uint64_t v;
		if ((has_rdseed && hw_random(&v, true)) || (has_rdrand && hw_random(&v, false))) {
			memcpy(pool + 32 + 8 * i, &v, 8);
			strong = true;
		}
	}
	uint64_t t = rdtsc();
	memcpy(pool + 24, &t, 8); /* folded in, but not counted as entropy */

	/* Mix: one ChaCha20 block keyed by the pool's first half. */
	uint8_t out[64];
	chacha20_block(pool, 0, pool + 32, out);
	for (int i = 0; i < 32; i++)
		key[i] = out[i] ^ pool[32 + i % 32];
	if (!strong)
		kprintf("warning: no entropy source (no host seed, no RDRAND): random numbers are predictable\n");
}

void random_bytes(void *out, size_t len)
{
	uint8_t nonce[12] = { 0 };
	memcpy(nonce, &requests, sizeof(requests));
	requests++;
	/* One block gives the next key and this request's stream key. */
	uint8_t block[64], stream_key[32];
	chacha20_block(key, 0, nonce, block);
	memcpy(key, block, 32);
	memcpy(stream_key, block + 32, 32);
	uint8_t *dst = out;
	for (uint32_t counter = 0; len; counter++) {
		chacha20_block(stream_key, counter, nonce, block);
		size_t n = len < 64 ? len : 64;
		memcpy(dst, block, n);
		dst += n;
		len -= n;
	}
	memset(block, 0, sizeof(block));
	memset(stream_key, 0, sizeof(stream_key));
}
