/* two_threads.c: case 7, two threads churning at once, raw against tracked; it creates the process's first threads, so it runs last. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "memstats.h"

#include <pthread.h>
#include <stdlib.h>

#define THREADS 2
#define PAIRS_PER_THREAD 1000000
#define WINDOW 10000
#define THREAD_SEED UINT64_C(0x74687265616473)   /* "threads"; thread i adds i */
#define REPETITIONS 7

/* One thread's churn: its own trace and window, and when its pairs ran. */
struct worker {
	const struct churn_trace *trace;
	void **blocks;
	int tracked;
	pthread_barrier_t *start;
	uint64_t began, ended;
};

static void *churn_thread(void *arg)
{
	struct worker *w = arg;
	(w->tracked ? churn_fill_tracked : churn_fill_raw)(w->trace, w->blocks);
	pthread_barrier_wait(w->start);
	w->began = bench_now_ns();
	(w->tracked ? churn_pairs_tracked : churn_pairs_raw)(w->trace, w->blocks);
	w->ended = bench_now_ns();
	(w->tracked ? churn_drain_tracked : churn_drain_raw)(w->trace, w->blocks);
	return NULL;
}

/* What every run of the case shares: each thread's trace, and its window in `blocks`. */
struct threads_run {
	struct churn_trace traces[THREADS];
	void **blocks;
};

/* ns per pair, per thread, while all threads churn: first start to last end. */
static double time_threads(const void *workload, int tracked)
{
	const struct threads_run *run = workload;
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, THREADS);
	struct worker workers[THREADS];
	pthread_t ids[THREADS];
	for (int i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){ &run->traces[i], run->blocks + (size_t)i * WINDOW,
					      tracked, &start, 0, 0 };
		if (pthread_create(&ids[i], NULL, churn_thread, &workers[i]) != 0)
			bench_fail("pthread_create failed");
	}
	uint64_t began = UINT64_MAX, ended = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(ids[i], NULL);
		began = workers[i].began < began ? workers[i].began : began;
		ended = workers[i].ended > ended ? workers[i].ended : ended;
	}
	pthread_barrier_destroy(&start);
	return (double)(ended - began) / PAIRS_PER_THREAD;
}

void bench_two_threads(void)
{
	printf("case 7: %d threads churning at once, %d pairs each, %d live each, %d repetitions\n",
	       THREADS, PAIRS_PER_THREAD, WINDOW, REPETITIONS);
	fflush(stdout);
	struct threads_run run;
	for (int i = 0; i < THREADS; i++)
		churn_trace_make(&run.traces[i], PAIRS_PER_THREAD, WINDOW, THREAD_SEED + (uint64_t)i);
	run.blocks = malloc(THREADS * WINDOW * sizeof *run.blocks);
	if (!run.blocks)
		bench_fail("no memory for the churn windows");

	/* The untimed first runs also make each thread's arena and memstats state. */
	struct bench_interleaved threads = { .sides = 2, .repetitions = REPETITIONS };
	bench_interleave(time_threads, &run, &threads);
	double raw_ns = bench_cost_median(&threads, 0), tracked_ns = bench_cost_median(&threads, 1);
	bench_record("7 two threads", "raw malloc/free", raw_ns, "ns/pair", NO_TARGET);
	bench_record("7 two threads", "ms_alloc_bytes/ms_free", tracked_ns, "ns/pair", NO_TARGET);
	double ratio_median = bench_ratio_median(&threads, 1, 0);
	bench_record("7 two threads", "tracked / raw", ratio_median, "x", 2.5);
	bench_record_pair_cost("two threads", raw_ns, tracked_ns, ratio_median);
	free(run.blocks);
	for (int i = 0; i < THREADS; i++)
		churn_trace_free(&run.traces[i]);
}
