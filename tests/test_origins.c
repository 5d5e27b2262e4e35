/* test_origins.c: blocks from thousands of call sites, from one thread and from several at once: each names its own site and row, and the site table lists each site once. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */
#include "test_util.h"

#include "origins.h"   /* ms_origins_end */

#include <pthread.h>
#include <stdbool.h>

/*
 * A compact header names its site and row by a number (lib/origins.h):
 * the first 512 numbers fit the first index, which is rebuilt twice as
 * large each time it is half full, and numbers are kept in chunks of
 * 1024. LINES * TAGS sites, 2700, take it through three rebuilds and into
 * a third chunk. Every line is used with each tag, so only the row tells
 * three origins of one line apart.
 */
#define FILES 3
#define TAGS 3
#define LINES 900
#define SITES (LINES * TAGS)
#define NTHREADS 4

static const char *const files[FILES] = { "to_first.c", "to_second.c", "to_third.c" };
static const char *const tags[TAGS] = { "to tag a", "to tag b", "to tag c" };

/* Lines the tests begin their sites at, so that each test's (and each round's) are new to the library. */
#define ONE_THREAD_LINES 1000
#define THREADED_LINES 100000

struct site {
	const char *file;
	int line;
	const char *tag;
	size_t size;      /* under 32 KiB: a compact header */
};

/* Site `i` of the sites numbered from line `first`. */
static struct site site_at(int first, size_t i)
{
	size_t l = i / TAGS;
	return (struct site){ files[l % FILES], first + (int)l, tags[i % TAGS], i * 37 % 500 };
}

static void *alloc_at(struct site s)
{
	return ms_alloc_bytes_at(s.size, s.tag, s.file, s.line);
}

/* Block `p` names site `s` and has a compact header: false, and why in `why`, if not. */
static bool names_site(const void *p, struct site s, char *why, size_t cap)
{
	struct ms_block_info info;
	if (ms_block_info(p, &info) != 0) {
		snprintf(why, cap, "ms_block_info refused it");
		return false;
	}
	if (!info.file || strcmp(info.file, s.file) != 0 || info.line != s.line ||
	    strcmp(info.type_name, s.tag) != 0 || info.count != s.size || info.header_bytes != 16) {
		snprintf(why, cap, "it says %s:%d \"%s\", %zu bytes, a %zu-byte header", info.file,
			 info.line, info.type_name, info.count, info.header_bytes);
		return false;
	}
	return true;
}

/* Each of the SITES blocks `p[i]` names site_at(first, i). */
static void assert_blocks_name_sites(void *const *p, int first)
{
	for (size_t i = 0; i < SITES; i++) {
		struct site s = site_at(first, i);
		char why[200];
		if (!names_site(p[i], s, why, sizeof why))
			fail_msg("the block of site %zu, %s:%d \"%s\", %zu bytes: %s", i, s.file, s.line,
				 s.tag, s.size, why);
	}
}

/*
 * The tracker's site table has a row for each site from line `first` on,
 * and nothing else, each with `per_site` blocks of the site's size.
 */
static void assert_each_site_listed(ms_tracker *t, int first, int per_site)
{
	ms_sites *sites = ms_tracker_sites(t);
	assert_non_null(sites);
	assert_int_equal(ms_sites_count(sites), SITES);
	bool *seen = calloc(SITES, sizeof *seen);
	assert_non_null(seen);
	for (size_t r = 0; r < SITES; r++) {
		const struct ms_site_row *row = ms_sites_row(sites, r);
		size_t tag = 0;
		while (tag < TAGS && strcmp(row->name, tags[tag]) != 0)
			tag++;
		size_t l = (size_t)(row->line - first);
		if (tag == TAGS || row->line < first || l >= LINES)
			fail_msg("site row %zu, %s:%d \"%s\", is none of the test's", r, row->file,
				 row->line, row->name);
		size_t i = l * TAGS + tag;
		struct site s = site_at(first, i);
		if (seen[i] || strcmp(row->file, s.file) != 0 || row->blocks != per_site ||
		    row->bytes[MS_REQUESTED] != per_site * (int64_t)s.size)
			fail_msg("site row %zu is %s:%d \"%s\", %" PRId64 " blocks, %" PRId64
				 " bytes%s; expected %s, %d blocks, %zu bytes", r, row->file, row->line,
				 row->name, row->blocks, row->bytes[MS_REQUESTED],
				 seen[i] ? ", listed twice" : "", s.file, per_site, per_site * s.size);
		seen[i] = true;
	}
	free(seen);
	ms_sites_free(sites);
}

/* Free the SITES blocks `p[i]`. */
static void free_blocks(void **p)
{
	for (size_t i = 0; i < SITES; i++)
		ms_free(p[i]);
}

/* Origins numbered so far (lib/origins.h). */
static uint32_t origins_numbered(void)
{
	return atomic_load(&ms_origins_end) - 1;
}

/*
 * One thread allocates from each site in turn, then from each again:
 * every block names its own site and row, those made before the index
 * of origins was rebuilt too, and the site table has each site once.
 * Each site is numbered once, when first met; met again, it is found.
 */
static void test_many_sites_one_thread(void **state)
{
	(void)state;
	void **first = calloc(SITES, sizeof *first);
	void **again = calloc(SITES, sizeof *again);
	assert_non_null(first);
	assert_non_null(again);
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	uint32_t before = origins_numbered();
	for (size_t i = 0; i < SITES; i++) {
		first[i] = alloc_at(site_at(ONE_THREAD_LINES, i));
		assert_non_null(first[i]);
	}
	assert_blocks_name_sites(first, ONE_THREAD_LINES);
	assert_int_equal(origins_numbered(), before + SITES);
	/* the sites again, last first, each now found in the index rather than numbered */
	for (size_t i = SITES; i-- > 0;) {
		again[i] = alloc_at(site_at(ONE_THREAD_LINES, i));
		assert_non_null(again[i]);
	}
	assert_int_equal(origins_numbered(), before + SITES);
	assert_blocks_name_sites(again, ONE_THREAD_LINES);
	assert_blocks_name_sites(first, ONE_THREAD_LINES);
	assert_each_site_listed(t, ONE_THREAD_LINES, 2);
	assert_i64_equal(ms_stats().header_bytes, 2 * SITES * 16);
	ms_tracker_free(t);
	free_blocks(first);
	free_blocks(again);
	free(first);
	free(again);
}

/* One of the threads of test_many_sites_threads: its blocks, one per site, and what went wrong. */
struct site_worker {
	int id;
	int first;                 /* the round's sites are site_at(first, i) */
	pthread_barrier_t *step;   /* every RACE_STEP sites */
	void *blocks[SITES];
	size_t failures;           /* a block not made, or not naming its site */
	char first_failure[300];
};

/*
 * Each worker allocates from every site: two go forwards from the first
 * site and two backwards from the last, and all four wait for each other
 * every RACE_STEP sites, so that two start each stretch of new sites
 * together and race to number them.
 */
#define RACE_STEP 4
/* Rounds of test_many_sites_threads, each on sites of its own: a race is not met every time. */
#define ROUNDS 4

static void *site_worker_main(void *arg)
{
	struct site_worker *w = arg;
	for (size_t j = 0; j < SITES; j++) {
		if (j % RACE_STEP == 0)
			pthread_barrier_wait(w->step);
		size_t i = w->id % 2 ? SITES - 1 - j : j;
		struct site s = site_at(w->first, i);
		w->blocks[i] = alloc_at(s);
		char why[200] = "NULL";
		if (!w->blocks[i] || !names_site(w->blocks[i], s, why, sizeof why)) {
			if (!w->failures++)
				snprintf(w->first_failure, sizeof w->first_failure,
					 "site %zu, %s:%d \"%s\": %s", i, s.file, s.line, s.tag, why);
		}
	}
	return NULL;
}

/*
 * Four threads at once allocate from the same sites, each new to the
 * library, so they race to number them: every block names its own site
 * and row, each site is numbered once, and the site table has each site
 * once, with four blocks.
 */
static void test_many_sites_threads(void **state)
{
	(void)state;
	static struct site_worker workers[NTHREADS];
	for (int round = 0; round < ROUNDS; round++) {
		int first = THREADED_LINES + round * 2 * LINES;
		pthread_barrier_t step;
		assert_int_equal(pthread_barrier_init(&step, NULL, NTHREADS), 0);
		ms_tracker *t = ms_tracker_new();
		assert_non_null(t);
		uint32_t before = origins_numbered();
		pthread_t threads[NTHREADS];
		for (int k = 0; k < NTHREADS; k++) {
			workers[k] = (struct site_worker){ .id = k, .first = first, .step = &step };
			assert_int_equal(pthread_create(&threads[k], NULL, site_worker_main, &workers[k]),
					 0);
		}
		for (int k = 0; k < NTHREADS; k++)
			assert_int_equal(pthread_join(threads[k], NULL), 0);
		pthread_barrier_destroy(&step);
		for (int k = 0; k < NTHREADS; k++)
			if (workers[k].failures)
				fail_msg("round %d, thread %d: %zu blocks wrong, the first at %s", round, k,
					 workers[k].failures, workers[k].first_failure);
		for (int k = 0; k < NTHREADS; k++)
			assert_blocks_name_sites(workers[k].blocks, first);
		/* each numbered once, by whichever thread met it first */
		assert_int_equal(origins_numbered(), before + SITES);
		assert_each_site_listed(t, first, NTHREADS);
		ms_tracker_free(t);
		for (int k = 0; k < NTHREADS; k++)
			free_blocks(workers[k].blocks);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_many_sites_one_thread),
		ms_test(test_many_sites_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
