/* churn.c: the churn workload, raw malloc/free against ms_alloc_bytes/ms_free, over one seeded trace. */
#include "bench.h"
#include "memstats.h"

#include <stdlib.h>

/* Every tracked churn block is counted under this one tag. */
static const char churn_tag[] = "churn";

void churn_trace_make(struct churn_trace *trace, size_t pairs, size_t window, uint64_t seed)
{
	struct bench_rng rng = { seed };
	trace->pairs = pairs;
	trace->window = window;
	trace->slot = malloc(pairs * sizeof *trace->slot);
	trace->size = malloc(pairs * sizeof *trace->size);
	trace->fill_size = malloc(window * sizeof *trace->fill_size);
	if (!trace->slot || !trace->size || !trace->fill_size)
		bench_fail("no memory for the churn trace");
	for (size_t i = 0; i < window; i++)
		trace->fill_size[i] = (uint16_t)bench_rng_between(&rng, CHURN_MIN_SIZE, CHURN_MAX_SIZE);
	for (size_t i = 0; i < pairs; i++) {
		trace->slot[i] = bench_rng_between(&rng, 0, (uint32_t)window - 1);
		trace->size[i] = (uint16_t)bench_rng_between(&rng, CHURN_MIN_SIZE, CHURN_MAX_SIZE);
	}
}

void churn_trace_free(struct churn_trace *trace)
{
	free(trace->slot);
	free(trace->size);
	free(trace->fill_size);
}

void churn_fill_raw(const struct churn_trace *trace, void **blocks)
{
	for (size_t i = 0; i < trace->window; i++)
		if (!(blocks[i] = malloc(trace->fill_size[i])))
			bench_fail("malloc failed");
}

void churn_pairs_raw(const struct churn_trace *trace, void **blocks)
{
	for (size_t i = 0; i < trace->pairs; i++) {
		void **at = &blocks[trace->slot[i]];
		free(*at);
		if (!(*at = malloc(trace->size[i])))
			bench_fail("malloc failed");
	}
}

void churn_drain_raw(const struct churn_trace *trace, void **blocks)
{
	for (size_t i = 0; i < trace->window; i++)
		free(blocks[i]);
}

void churn_fill_tracked(const struct churn_trace *trace, void **blocks)
{
	for (size_t i = 0; i < trace->window; i++)
		if (!(blocks[i] = ms_alloc_bytes(trace->fill_size[i], churn_tag)))
			bench_fail("ms_alloc_bytes failed");
}

void churn_pairs_tracked(const struct churn_trace *trace, void **blocks)
{
	for (size_t i = 0; i < trace->pairs; i++) {
		void **at = &blocks[trace->slot[i]];
		ms_free(*at);
		if (!(*at = ms_alloc_bytes(trace->size[i], churn_tag)))
			bench_fail("ms_alloc_bytes failed");
	}
}

void churn_drain_tracked(const struct churn_trace *trace, void **blocks)
{
	for (size_t i = 0; i < trace->window; i++)
		ms_free(blocks[i]);
}
