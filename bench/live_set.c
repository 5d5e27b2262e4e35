/* live_set.c: cases 3 to 5, what a live set growing to 1M blocks costs to keep, to summarize, to diff and to list by site. */
#include "bench.h"
#include "memstats.h"

#include <stdlib.h>
#include <string.h>

#define LIVE_MAX 1000000
#define LIVE_SEED UINT64_C(0x6c697665)   /* "live" */
#define DIFF_CHECKPOINT 100000           /* live blocks when the diff's checkpoint is taken */
#define TIMING_BATCHES 21                /* a median over batches of calls */
#define CALLS_PER_BATCH 100
#define SITE_REPETITIONS 5

/* The live set's blocks are counted under a tag per 64-byte size band: 8 rows. */
static const char *const band_tags[] = {
	"live 16-79",   "live 80-143",  "live 144-207", "live 208-271",
	"live 272-335", "live 336-399", "live 400-463", "live 464-512",
};

static const char *tag_of(uint16_t size)
{
	return band_tags[(size - CHURN_MIN_SIZE) / 64];
}

static int64_t rss_now(void)
{
	struct ms_process p;
	if (ms_process_read(&p) != 0)
		bench_fail("cannot read /proc/self/statm");
	return p.rss_bytes;
}

/* An array of `n` pointers, its pages touched now so they are not counted later as growth. */
static void **pointer_array(size_t n)
{
	void **a = malloc(n * sizeof *a);
	if (!a)
		bench_fail("no memory for the live set's pointers");
	memset(a, 0, n * sizeof *a);
	return a;
}

/* Microseconds per ms_summarize (and ms_summary_free) call: a median over batches. */
static double time_summary(void)
{
	double batch_us[TIMING_BATCHES];
	for (int b = 0; b < TIMING_BATCHES; b++) {
		uint64_t start = bench_now_ns();
		for (int i = 0; i < CALLS_PER_BATCH; i++) {
			ms_summary *s = ms_summarize();
			if (!s)
				bench_fail("ms_summarize failed");
			ms_summary_free(s);
		}
		batch_us[b] = (double)(bench_now_ns() - start) / CALLS_PER_BATCH / 1000.0;
	}
	return bench_median(batch_us, TIMING_BATCHES);
}

/* Microseconds per checkpoint diff (ms_tracker_diff, then freeing the diff). */
static double time_checkpoint_diff(ms_tracker *tracker)
{
	double batch_us[TIMING_BATCHES];
	for (int b = 0; b < TIMING_BATCHES; b++) {
		uint64_t start = bench_now_ns();
		for (int i = 0; i < CALLS_PER_BATCH; i++) {
			ms_summary *d = ms_tracker_diff(tracker);
			if (!d)
				bench_fail("ms_tracker_diff failed");
			ms_summary_free(d);
		}
		batch_us[b] = (double)(bench_now_ns() - start) / CALLS_PER_BATCH / 1000.0;
	}
	return bench_median(batch_us, TIMING_BATCHES);
}

/* ns per live block of one site table, every live block allocated since the checkpoint. */
static double time_site_table(ms_tracker *tracker, int64_t live)
{
	double ns[SITE_REPETITIONS];
	for (int r = 0; r < SITE_REPETITIONS; r++) {
		uint64_t start = bench_now_ns();
		ms_sites *sites = ms_tracker_sites(tracker);
		uint64_t elapsed = bench_now_ns() - start;
		if (!sites)
			bench_fail("ms_tracker_sites failed");
		int64_t blocks = 0;
		for (size_t i = 0; i < ms_sites_count(sites); i++)
			blocks += ms_sites_row(sites, i)->blocks;
		if (blocks != live)
			bench_fail("the site table does not hold every live block");
		ms_sites_free(sites);
		ns[r] = (double)elapsed / (double)live;
	}
	return bench_median(ns, SITE_REPETITIONS);
}

/* The live set's sizes at which a summary is timed, and their rows in the table. */
static const int64_t summary_points[] = { 1000, 10000, 100000, LIVE_MAX };
static const char *const summary_measures[] = {
	"ms_summarize, 1k live", "ms_summarize, 10k live", "ms_summarize, 100k live",
	"ms_summarize, 1M live",
};
#define SUMMARY_POINTS (sizeof summary_points / sizeof summary_points[0])

void bench_live_set(void)
{
	uint16_t *sizes = malloc(LIVE_MAX * sizeof *sizes);
	if (!sizes)
		bench_fail("no memory for the live set's sizes");
	struct bench_rng rng = { LIVE_SEED };
	for (size_t i = 0; i < LIVE_MAX; i++)
		sizes[i] = (uint16_t)bench_rng_between(&rng, CHURN_MIN_SIZE, CHURN_MAX_SIZE);
	void **tracked = pointer_array(LIVE_MAX);
	void **raw = pointer_array(LIVE_MAX);

	printf("cases 3-5: a live set growing to %d blocks, sizes %d..%d\n", LIVE_MAX,
	       CHURN_MIN_SIZE, CHURN_MAX_SIZE);
	fflush(stdout);
	ms_tracker *since_empty = ms_tracker_new();   /* the site table lists everything */
	ms_tracker *checkpoint = NULL;                 /* taken at DIFF_CHECKPOINT live */
	if (!since_empty)
		bench_fail("ms_tracker_new failed");
	int64_t rss_before = rss_now();
	int64_t live = 0;
	double summary_us[SUMMARY_POINTS];
	for (size_t step = 0; step < SUMMARY_POINTS; step++) {
		for (; live < summary_points[step]; live++)
			if (!(tracked[live] = ms_alloc_bytes(sizes[live], tag_of(sizes[live]))))
				bench_fail("ms_alloc_bytes failed");
		if (live == DIFF_CHECKPOINT && !(checkpoint = ms_tracker_new()))
			bench_fail("ms_tracker_new failed");
		summary_us[step] = time_summary();
		bench_record_summary_time(live, summary_us[step]);
		bench_record("4 summary", summary_measures[step], summary_us[step], "us", 2.0);
	}
	/* "Flat from 1k to 1M", read as: within 1.5x of the 1k time. */
	bench_record("4 summary", "1M live / 1k live", summary_us[SUMMARY_POINTS - 1] / summary_us[0],
		     "x", 1.5);
	int64_t tracked_growth = rss_now() - rss_before;

	struct ms_stats stats = ms_stats();
	if (stats.all.blocks.current != LIVE_MAX)
		bench_fail("ms_stats does not count the live set");
	double bookkeeping = (double)stats.bookkeeping_bytes / LIVE_MAX;
	bench_record("3 bookkeeping", "ms_stats bytes per live block", bookkeeping, "B/block",
		     40.0);
	int64_t rss_raw_before = rss_now();
	for (size_t i = 0; i < LIVE_MAX; i++)
		if (!(raw[i] = malloc(sizes[i])))
			bench_fail("malloc failed");
	int64_t raw_growth = rss_now() - rss_raw_before;
	for (size_t i = 0; i < LIVE_MAX; i++)
		free(raw[i]);
	bench_record_check("3 bookkeeping", "RSS per block, tracked - raw",
			   (double)(tracked_growth - raw_growth) / LIVE_MAX, "B/block", bookkeeping,
			   0.15);

	bench_record("5 diff and sites", "ms_tracker_diff, 1M live",
		     time_checkpoint_diff(checkpoint), "us", 5.0);
	bench_record("5 diff and sites", "ms_tracker_sites, 1M live",
		     time_site_table(since_empty, live), "ns/block", 20.0);

	for (int64_t i = 0; i < live; i++)
		ms_free(tracked[i]);
	ms_tracker_free(checkpoint);
	ms_tracker_free(since_empty);
	free(raw);
	free(tracked);
	free(sizes);
}
