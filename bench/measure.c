/* measure.c: the benchmark's clock, seeded PRNG, medians and side-by-side repetitions. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdlib.h>
#include <time.h>

void *volatile bench_sink;

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_rng_next(struct bench_rng *rng)
{
	uint64_t z = (rng->state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t bench_rng_between(struct bench_rng *rng, uint32_t low, uint32_t high)
{
	return low + (uint32_t)(bench_rng_next(rng) % ((uint64_t)high - low + 1));
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_median(double *values, size_t n)
{
	qsort(values, n, sizeof *values, by_value);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

_Noreturn void bench_fail(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

void bench_interleave(double (*measure)(const void *workload, int side), const void *workload,
		      struct bench_interleaved *m)
{
	if (m->sides < 1 || m->sides > BENCH_MAX_SIDES || m->repetitions < 1 ||
	    m->repetitions > BENCH_MAX_REPETITIONS)
		bench_fail("bench_interleave: sides or repetitions out of range");
	for (int side = 0; side < m->sides && !m->warms_itself; side++)
		measure(workload, side);
	for (int r = 0; r < m->repetitions; r++)
		for (int k = 0; k < m->sides; k++) {
			int side = (r + k) % m->sides;
			m->cost[r][side] = measure(workload, side);
		}
}

enum versus { ALONE, RATIO, ADDED };

static double median_versus(const struct bench_interleaved *m, int side, int base,
			    enum versus how)
{
	double values[BENCH_MAX_REPETITIONS];
	for (int r = 0; r < m->repetitions; r++) {
		double cost = m->cost[r][side], against = m->cost[r][base];
		values[r] = how == RATIO ? cost / against : how == ADDED ? cost - against : cost;
	}
	return bench_median(values, (size_t)m->repetitions);
}

double bench_cost_median(const struct bench_interleaved *m, int side)
{
	return median_versus(m, side, side, ALONE);
}

double bench_ratio_median(const struct bench_interleaved *m, int side, int base)
{
	return median_versus(m, side, base, RATIO);
}

double bench_added_median(const struct bench_interleaved *m, int side, int base)
{
	return median_versus(m, side, base, ADDED);
}
