/* pin.c: the single-threaded cases run on one CPU, the one a short raw malloc loop finds fastest, so raw and tracked share a core. */
#define _GNU_SOURCE
#include "bench.h"

#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

#define CALIBRATION_PAIRS 2000000
#define CALIBRATION_SIZE 64
#define MAX_CPUS_TRIED 64

static cpu_set_t original;
static bool pinned;

/* ns per raw malloc+free pair of a fixed size, on the CPU the caller runs on. */
static double calibrate(void)
{
	uint64_t start = bench_now_ns();
	for (size_t i = 0; i < CALIBRATION_PAIRS; i++) {
		void *p = malloc(CALIBRATION_SIZE);
		if (!p)
			bench_fail("malloc failed");
		bench_sink = p;
		free(p);
	}
	return (double)(bench_now_ns() - start) / CALIBRATION_PAIRS;
}

static bool pin_to(int cpu)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof one, &one) == 0;
}

/*
 * On a shared virtual machine one CPU can run at half speed for a while
 * (another guest on its physical core): a ratio measured there says more
 * about the neighbour than about memstats, and one measured across a
 * migration mixes two speeds. So the single-threaded cases stay on one
 * CPU, the fastest at a raw loop, and the choice is printed.
 */
void bench_pin_fastest_cpu(void)
{
	if (sched_getaffinity(0, sizeof original, &original) != 0)
		return;
	int best = -1;
	double best_ns = 0;
	printf("calibration, raw malloc+free of %d bytes:", CALIBRATION_SIZE);
	for (int cpu = 0; cpu < MAX_CPUS_TRIED; cpu++) {
		if (!CPU_ISSET(cpu, &original) || !pin_to(cpu))
			continue;
		calibrate();                      /* warm this CPU's caches and the heap */
		double ns = calibrate();
		printf(" cpu%d %.1f ns", cpu, ns);
		if (best < 0 || ns < best_ns) {
			best = cpu;
			best_ns = ns;
		}
	}
	pinned = best >= 0 && pin_to(best);
	if (pinned)
		printf("; single-threaded cases on cpu%d\n", best);
	else
		printf("; not pinned\n");
	fflush(stdout);
}

void bench_unpin(void)
{
	if (pinned)
		sched_setaffinity(0, sizeof original, &original);
	pinned = false;
}
