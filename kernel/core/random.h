/*
 * The kernel's random numbers (getrandom, /dev/urandom, AT_RANDOM): a
 * ChaCha20 generator with fast key erasure. Seeded at boot from the
 * entropy sources the machine has: RDSEED and RDRAND when the CPU offers
 * them, and virtio-rng (drivers/virtio/rng.c) when the VMM attaches one.
 * Never from the host's command line, which any local user can read in
 * /proc/PID/cmdline. TSC jitter is always mixed in but counts as nothing;
 * with no real source the kernel warns that the output is guessable.
 */
#ifndef UPY_CORE_RANDOM_H
#define UPY_CORE_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RANDOM_SOURCE_RDSEED (1u << 0)
#define RANDOM_SOURCE_RDRAND (1u << 1)
#define RANDOM_SOURCE_VIRTIO_RNG (1u << 2)

/* Keys the generator from the CPU's sources and TSC jitter. */
void random_init(void);
/* Mixes len bytes from an entropy source into the key (credited to it). */
void random_add_entropy(const void *buf, size_t len, unsigned source);
/* After the devices: warns on the console when no source was credited;
 * verbose: names the sources used. */
void random_report(bool verbose);
/* The sources credited so far (RANDOM_SOURCE_* bits). */
unsigned random_sources(void);
void random_bytes(void *out, size_t len);

#endif
