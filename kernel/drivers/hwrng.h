/*
 * The hardware random number generator that /dev/hwrng reads, as Linux's
 * hw_random core: one device driver (virtio-rng) registers it at boot,
 * before /dev is made. Without one there is no /dev/hwrng (as on a Linux
 * without a hardware RNG driver).
 */
#ifndef UPY_DRIVERS_HWRNG_H
#define UPY_DRIVERS_HWRNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hwrng {
	const char *name;
	/* Reads 1..len bytes into the kernel buffer buf: waits for the device
	 * unless nonblock (then -EAGAIN when it has nothing yet); -EINTR when a
	 * signal comes first. */
	int64_t (*read)(void *buf, size_t len, bool nonblock);
};

void hwrng_register(const struct hwrng *rng);
/* The registered generator, or NULL. */
const struct hwrng *hwrng_get(void);

#endif
