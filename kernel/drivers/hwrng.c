#include "drivers/hwrng.h"

/* The one generator; set at boot by its driver. */
static const struct hwrng *current_rng;

void hwrng_register(const struct hwrng *rng)
{
	if (!current_rng)
		current_rng = rng;
}

const struct hwrng *hwrng_get(void)
{
	return current_rng;
}
