/*
 * The kernel's random numbers (getrandom, /dev/urandom, AT_RANDOM): a
 * ChaCha20 generator with fast key erasure. Seeded at boot from, in turn:
 * the seed the host runner passes on the command line (from the host's
 * os.urandom), RDSEED or RDRAND when the CPU has them, and the TSC. With
 * none of the first two the output is predictable; the kernel then says so.
 */
#ifndef UPY_CORE_RANDOM_H
#define UPY_CORE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* host_seed may be NULL. */
void random_init(const uint8_t *host_seed, size_t len);
void random_bytes(void *out, size_t len);

#endif
