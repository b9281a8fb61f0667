/* Prints the rate of the host's time-stamp counter in kHz: rdtsc against
 * CLOCK_MONOTONIC_RAW over 200 ms, the best of 3. Under TCG a guest's rdtsc
 * reads the host's counter, so this is the rate the Linux guest is told
 * (tsc_early_khz=) instead of calibrating it against the emulated PIT, which
 * fails now and then when the host is busy. */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(void)
{
	double best = 0;

	for (int i = 0; i < 3; i++) {
		double t0 = now();
		unsigned long long c0 = __rdtsc();
		double t1;

		while ((t1 = now()) - t0 < 0.2)
			;
		unsigned long long c1 = __rdtsc();
		double khz = (double)(c1 - c0) / (t1 - t0) / 1000.0;
		/* Preemption between the two reads only lengthens the time: the
		 * rate closest to the truth is the highest. */
		if (khz > best)
			best = khz;
	}
	printf("%.0f\n", best);
	return 0;
}
