#include "core/random.h"

#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "lib/chacha20.h"
#include "lib/string.h"

/* The generator's key; owned by this file, replaced after every request
 * so earlier output cannot be recomputed from a later state. */
static uint8_t key[32];
static uint64_t requests;
/* RANDOM_SOURCE_* bits credited, and how many inputs were mixed (each
 * mix uses its own nonce). Owned by this file. */
static unsigned sources;
static uint64_t mixes;

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

/* key = ChaCha20(key ^ chunk) for each 32-byte chunk: a one-way step, so
 * the key depends on every input bit and reveals none. */
static void mix(const void *buf, size_t len)
{
	const uint8_t *in = buf;
	do {
		uint8_t k[32], nonce[12] = { 'm', 'i', 'x' }, out[64];
		memcpy(k, key, 32);
		for (size_t i = 0; i < 32 && i < len; i++)
			k[i] ^= in[i];
		memcpy(nonce + 4, &mixes, sizeof(mixes));
		mixes++;
		chacha20_block(k, 0, nonce, out);
		memcpy(key, out, 32);
		memset(k, 0, sizeof(k));
		memset(out, 0, sizeof(out));
		size_t n = len < 32 ? len : 32;
		in += n;
		len -= n;
	} while (len);
}

void random_add_entropy(const void *buf, size_t len, unsigned source)
{
	if (!len)
		return;
	mix(buf, len);
	sources |= source;
}

static bool cpu_has_rdseed(void)
{
	return cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & (1u << 18));
}

static bool cpu_has_rdrand(void)
{
	return cpuid(1, 0).ecx & (1u << 30);
}

void random_init(void)
{
	/* TSC jitter: the time of a few hundred reads of the TSC itself, which
	 * varies with the host's scheduling and caches. Guessable in part, so it
	 * is mixed in but credited to no source. */
	uint64_t jitter[16];
	for (int i = 0; i < 16; i++) {
		uint64_t acc = rdtsc();
		for (int k = 0; k < 16; k++) {
			uint64_t t0 = rdtsc();
			uint64_t t1 = rdtsc();
			acc = acc * 31 + (t1 - t0);
		}
		jitter[i] = acc;
	}
	mix(jitter, sizeof(jitter));

	bool rdseed = cpu_has_rdseed(), rdrand = cpu_has_rdrand();
	for (int i = 0; i < 8; i++) {
		uint64_t v;
		if (rdseed && hw_random(&v, true))
			random_add_entropy(&v, sizeof(v), RANDOM_SOURCE_RDSEED);
		if (rdrand && hw_random(&v, false))
			random_add_entropy(&v, sizeof(v), RANDOM_SOURCE_RDRAND);
		v = 0;
	}
}

unsigned random_sources(void)
{
	return sources;
}

void random_report(bool verbose)
{
	if (!sources) {
		kprintf("warning: no entropy source (no virtio-rng device, no RDRAND/RDSEED): "
			"random numbers come from TSC jitter only and may be guessable\n");
		return;
	}
	if (verbose)
		kprintf("random: seeded from%s%s%s\n",
			sources & RANDOM_SOURCE_VIRTIO_RNG ? " virtio-rng" : "",
			sources & RANDOM_SOURCE_RDSEED ? " RDSEED" : "",
			sources & RANDOM_SOURCE_RDRAND ? " RDRAND" : "");
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
