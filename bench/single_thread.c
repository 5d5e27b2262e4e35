/* single_thread.c: cases 1 and 2, churn and a tight alloc+free loop, raw and tracked interleaved before any thread exists. */
#include "bench.h"
#include "memstats.h"

#include <stdlib.h>

#define CHURN_PAIRS 2000000
#define CHURN_WINDOW 10000
#define CHURN_SEED UINT64_C(0x6d656d7374617473)   /* "memstats" */
#define TIGHT_PAIRS 5000000
#define TIGHT_SIZES 1024                            /* a power of two: index with a mask */
#define TIGHT_SEED UINT64_C(0x7469676874)           /* "tight" */
#define REPETITIONS 7

static const char tight_tag[] = "tight loop";

/* One churn run's inputs. */
struct churn_run {
	struct churn_trace trace;
	void **blocks;
};

/* ns per pair of one churn run, the pairs alone timed. */
static double time_churn(const void *workload, int tracked)
{
	const struct churn_run *run = workload;
	(tracked ? churn_fill_tracked : churn_fill_raw)(&run->trace, run->blocks);
	uint64_t start = bench_now_ns();
	(tracked ? churn_pairs_tracked : churn_pairs_raw)(&run->trace, run->blocks);
	uint64_t elapsed = bench_now_ns() - start;
	(tracked ? churn_drain_tracked : churn_drain_raw)(&run->trace, run->blocks);
	return (double)elapsed / (double)run->trace.pairs;
}

static void tight_raw(const uint16_t *sizes)
{
	for (size_t i = 0; i < TIGHT_PAIRS; i++) {
		void *p = malloc(sizes[i & (TIGHT_SIZES - 1)]);
		if (!p)
			bench_fail("malloc failed");
		bench_sink = p;
		free(p);
	}
}

static void tight_tracked(const uint16_t *sizes)
{
	for (size_t i = 0; i < TIGHT_PAIRS; i++) {
		void *p = ms_alloc_bytes(sizes[i & (TIGHT_SIZES - 1)], tight_tag);
		if (!p)
			bench_fail("ms_alloc_bytes failed");
		bench_sink = p;
		ms_free(p);
	}
}

/* ns per pair of one tight loop over `workload`, TIGHT_SIZES sizes. */
static double time_tight(const void *workload, int tracked)
{
	uint64_t start = bench_now_ns();
	(tracked ? tight_tracked : tight_raw)(workload);
	return (double)(bench_now_ns() - start) / TIGHT_PAIRS;
}

double bench_single_thread(void)
{
	struct churn_run run;
	churn_trace_make(&run.trace, CHURN_PAIRS, CHURN_WINDOW, CHURN_SEED);
	run.blocks = malloc(CHURN_WINDOW * sizeof *run.blocks);
	if (!run.blocks)
		bench_fail("no memory for the churn window");

	printf("case 1: churn, %d free+malloc pairs, sizes %d..%d, %d live, %d repetitions\n",
	       CHURN_PAIRS, CHURN_MIN_SIZE, CHURN_MAX_SIZE, CHURN_WINDOW, REPETITIONS);
	fflush(stdout);
	struct bench_interleaved churn = { .sides = 2, .repetitions = REPETITIONS };
	bench_interleave(time_churn, &run, &churn);
	double churn_raw = bench_cost_median(&churn, 0);
	double churn_tracked = bench_cost_median(&churn, 1);
	double churn_ratio = bench_ratio_median(&churn, 1, 0);
	bench_record("1 churn", "raw malloc/free", churn_raw, "ns/pair", NO_TARGET);
	bench_record("1 churn", "ms_alloc_bytes/ms_free", churn_tracked, "ns/pair", NO_TARGET);
	bench_record("1 churn", "tracked / raw", churn_ratio, "x", 2.2);
	bench_record_pair_cost("churn", churn_raw, churn_tracked, churn_ratio);
	free(run.blocks);
	churn_trace_free(&run.trace);

	uint16_t sizes[TIGHT_SIZES];
	struct bench_rng rng = { TIGHT_SEED };
	for (size_t i = 0; i < TIGHT_SIZES; i++)
		sizes[i] = (uint16_t)bench_rng_between(&rng, CHURN_MIN_SIZE, CHURN_MAX_SIZE);
	printf("case 2: tight loop, %d malloc+free pairs, sizes %d..%d, %d repetitions\n",
	       TIGHT_PAIRS, CHURN_MIN_SIZE, CHURN_MAX_SIZE, REPETITIONS);
	fflush(stdout);
	struct bench_interleaved tight = { .sides = 2, .repetitions = REPETITIONS };
	bench_interleave(time_tight, sizes, &tight);
	double tight_raw_ns = bench_cost_median(&tight, 0);
	double tight_tracked_ns = bench_cost_median(&tight, 1);
	bench_record("2 tight loop", "raw malloc/free", tight_raw_ns, "ns/pair", NO_TARGET);
	bench_record("2 tight loop", "ms_alloc_bytes/ms_free", tight_tracked_ns, "ns/pair",
		     NO_TARGET);
	bench_record("2 tight loop", "added by tracking", bench_added_median(&tight, 1, 0),
		     "ns/pair", 8.0);
	bench_record_pair_cost("tight loop", tight_raw_ns, tight_tracked_ns,
			       bench_ratio_median(&tight, 1, 0));
	return churn_ratio;
}
