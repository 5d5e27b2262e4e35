/* test_chapter4.c: chapter 4 (leak checkpoints) keeps the tracker's invariants, frees its leak when asked, prints its expected lesson and measures sense. */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdbool.h>

#include "chapter4_leaks.h"
#include "golden.h"

/* Requested bytes of one record, and of one batch's good records. */
#define RECORD ((int64_t)sizeof(struct record))
#define GOOD_LINES (CHAPTER4_BATCH_LINES - CHAPTER4_BAD_LINES)
/* A job is next, buffer, size and id, padded to 32 bytes. */
#define JOB ((int64_t)32)
/* memstats' header in front of each block, part of what malloc is asked for. */
#define HEADER ((int64_t)32)
/* The records the chapter loses: its first import's, then each round's. */
#define LOST ((1 + CHAPTER4_ROUNDS) * CHAPTER4_BAD_LINES)

/*
 * Chapter 4 as its tests run it: with free_leaks set, so the records it
 * loses on purpose are freed at the end and nothing is left live.
 */
static int run_freeing_leaks(FILE *out, const struct chapter_opts *opts)
{
	struct chapter_opts freeing = { .data_dir = opts ? opts->data_dir : NULL,
					.free_leaks = true };
	return chapter4_run(out, &freeing);
}
static const struct chapter chapter4_in_process = { "chapter4", "leak checkpoints",
						    run_freeing_leaks };

/* A tracker, failing the test if it cannot be made. */
static ms_tracker *new_tracker(void)
{
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	return t;
}

/* The diff since `t`'s checkpoint (moving it) has no rows. */
static void assert_quiet(ms_tracker *t)
{
	ms_sites *sites = ms_tracker_sites(t);
	ms_summary *diff = ms_tracker_diff(t);
	assert_non_null(sites);
	assert_non_null(diff);
	assert_int_equal(ms_sites_count(sites), 0);
	assert_int_equal(ms_summary_count(diff), 0);
	ms_sites_free(sites);
	ms_summary_free(diff);
}

/* Row `i` of a site table is `file`:`line`, `name`, with these blocks and requested bytes. */
static void site_is(const ms_sites *sites, size_t i, const char *file, int line,
		    const char *name, int64_t blocks, int64_t requested, const char *tfile,
		    int tline)
{
	const struct ms_site_row *row = ms_sites_row(sites, i);
	if (!row || strcmp(row->file, file) != 0 || row->line != line ||
	    strcmp(row->name, name) != 0) {
		print_error("site row %zu is %s:%d %s, expected %s:%d %s\n", i,
			    row ? row->file : "(none)", row ? row->line : 0,
			    row ? row->name : "", file, line, name);
		_fail(tfile, tline);
	}
	ms_test_i64_check(row->blocks, blocks, MS_TEST_EQ, name, "blocks", tfile, tline);
	ms_test_i64_check(row->bytes[MS_REQUESTED], requested, MS_TEST_EQ, name,
			  "requested bytes", tfile, tline);
}
#define assert_site(sites, i, file, line, name, blocks, requested) \
	site_is((sites), (i), (file), (line), (name), (blocks), (requested), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* Tracker invariants                                                  */
/* ------------------------------------------------------------------ */

/* The very first diff is empty, whatever is live: a tracker never sees itself. */
static void test_first_diff_is_empty(void **state)
{
	(void)state;
	int *held = ms_alloc(&ms_type_int, 3);
	assert_non_null(held);
	struct ms_stats before = ms_stats();
	ms_tracker *t = new_tracker();
	struct ms_stats after = ms_stats();
	assert_gauges_equal(&after.all, &before.all);
	assert_i64_gt(after.bookkeeping_bytes, before.bookkeeping_bytes);
	struct ms_tracker_peak peak = ms_tracker_peak(t);
	assert_i64_equal(peak.blocks, 1);
	assert_i64_equal(peak.bytes[MS_REQUESTED], 3 * sizeof(int));
	assert_quiet(t);
	ms_tracker_free(t);
	ms_free(held);
}

/* Two checkpoints with nothing between them differ in nothing, again and again. */
static void test_quiet_checkpoints_are_empty(void **state)
{
	(void)state;
	ms_tracker *t = new_tracker();
	int *held = ms_alloc(&ms_type_int, 1);
	assert_non_null(held);
	ms_summary *diff = ms_tracker_diff(t);
	assert_row(diff, "int", 1, sizeof(int));
	ms_summary_free(diff);
	assert_quiet(t);
	assert_quiet(t);
	ms_free(held);
	ms_tracker_free(t);
}

/* Alloc n, free n: an empty diff, and a peak of exactly the n that came and went. */
static void test_come_and_go_shows_in_peak_only(void **state)
{
	(void)state;
	enum { N = 50 };
	int *kept = ms_alloc(&ms_type_int, 1);
	assert_non_null(kept);
	ms_tracker *t = new_tracker();
	void *r[N];
	for (size_t i = 0; i < N; i++)
		assert_non_null(r[i] = ms_alloc_bytes(sizeof(struct record), "record bytes"));
	for (size_t i = 0; i < N; i++)
		ms_free(r[i]);
	/* Another tracker and a program-wide reset do not touch this tracker's peak. */
	ms_tracker *other = new_tracker();
	ms_peak_reset();
	struct ms_tracker_peak peak = ms_tracker_peak(t);
	assert_i64_equal(peak.blocks, 1 + N);
	assert_i64_equal(peak.bytes[MS_REQUESTED], (int64_t)sizeof(int) + N * RECORD);
	struct ms_tracker_peak other_peak = ms_tracker_peak(other);
	assert_i64_equal(other_peak.blocks, 1);
	assert_quiet(t);
	/* The diff moved the checkpoint: the peak starts again from what is live. */
	peak = ms_tracker_peak(t);
	assert_i64_equal(peak.blocks, 1);
	assert_i64_equal(peak.bytes[MS_REQUESTED], sizeof(int));
	ms_tracker_free(other);
	ms_tracker_free(t);
	ms_free(kept);
}

/* Sites count exactly the blocks allocated since the checkpoint and still live, by line and row. */
static void test_site_grouping_exact(void **state)
{
	(void)state;
	const char *file = ms_test_base_name(__FILE__);
	int *older[2], *ints[3];
	char *tagged[2];
	struct record *records[5];
	const int older_line = __LINE__ + 2;
	for (size_t i = 0; i < 2; i++)
		assert_non_null(older[i] = ms_alloc(&ms_type_int, 1));
	ms_tracker *t = new_tracker();
	const int ints_line = __LINE__ + 2;
	for (size_t i = 0; i < 3; i++)
		assert_non_null(ints[i] = ms_alloc(&ms_type_int, 1));
	const int records_line = __LINE__ + 2;
	for (size_t i = 0; i < 5; i++)
		assert_non_null(records[i] = ms_alloc_bytes(sizeof(struct record), "record bytes"));
	const int tagged_line = __LINE__ + 2;
	for (size_t i = 0; i < 2; i++)
		assert_non_null(tagged[i] = ms_alloc_bytes(10, "short"));
	ms_free(records[4]);
	ms_free(older[1]);

	ms_sites *sites = ms_tracker_sites(t);
	assert_non_null(sites);
	assert_int_equal(ms_sites_count(sites), 3);
	assert_site(sites, 0, file, records_line, "record bytes", 4, 4 * RECORD);
	assert_site(sites, 1, file, tagged_line, "short", 2, 20);
	assert_site(sites, 2, file, ints_line, "int", 3, 3 * sizeof(int));
	/* The block older than the checkpoint is live but not new. */
	struct ms_block_info info;
	assert_int_equal(ms_block_info(older[0], &info), 0);
	assert_int_equal(info.line, older_line);
	ms_sites_free(sites);
	ms_tracker_free(t);

	ms_free(older[0]);
	for (size_t i = 0; i < 3; i++)
		ms_free(ints[i]);
	for (size_t i = 0; i < 4; i++)
		ms_free(records[i]);
	for (size_t i = 0; i < 2; i++)
		ms_free(tagged[i]);
}

/* ------------------------------------------------------------------ */
/* The chapter's experiments                                           */
/* ------------------------------------------------------------------ */

/* The leaking import loses one record per malformed line, all from one line of the parser. */
static void test_leaking_import_loses_the_bad_lines(void **state)
{
	(void)state;
	struct chapter4_lost lost = { { 0 }, 0 };
	ms_tracker *t = new_tracker();
	assert_int_equal(chapter4_import(CHAPTER4_LEAKING, &lost), GOOD_LINES);
	assert_int_equal(lost.count, CHAPTER4_BAD_LINES);
	struct chapter4_blocks blocks = chapter4_lost_blocks(&lost);
	assert_i64_equal(blocks.blocks, CHAPTER4_BAD_LINES);
	assert_i64_equal(blocks.requested, CHAPTER4_BAD_LINES * RECORD);
	assert_i64_equal(ms_live_blocks(), CHAPTER4_BAD_LINES);

	ms_sites *sites = ms_tracker_sites(t);
	struct ms_tracker_peak peak = ms_tracker_peak(t);
	ms_summary *diff = ms_tracker_diff(t);
	assert_int_equal(ms_summary_count(diff), 1);
	assert_row(diff, "struct record", CHAPTER4_BAD_LINES, CHAPTER4_BAD_LINES * RECORD);
	/* At its highest the batch held every line's record: the good and the lost. */
	assert_i64_equal(peak.blocks, CHAPTER4_BATCH_LINES);
	assert_int_equal(ms_sites_count(sites), 1);
	const struct ms_site_row *site = ms_sites_row(sites, 0);
	assert_string_equal(site->file, "chapter4_leaks.c");
	assert_string_equal(site->name, "struct record");
	assert_i64_equal(site->blocks, CHAPTER4_BAD_LINES);
	/* Every lost record is a live block from that line, and the note is not its address. */
	for (size_t i = 0; i < lost.count; i++) {
		void *record = chapter4_lost_at(&lost, i);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(record, &info), 0);
		assert_string_equal(info.type_name, "struct record");
		assert_int_equal(info.line, site->line);
		assert_i64_equal(info.bytes[MS_REQUESTED], RECORD);
		assert_true(lost.hidden[i] != (uintptr_t)record);
	}
	ms_summary_free(diff);
	ms_sites_free(sites);

	chapter4_lost_free(&lost);
	assert_int_equal(lost.count, 0);
	assert_i64_equal(ms_live_blocks(), 0);
	diff = ms_tracker_diff(t);
	assert_row(diff, "struct record", -CHAPTER4_BAD_LINES, -CHAPTER4_BAD_LINES * RECORD);
	ms_summary_free(diff);
	ms_tracker_free(t);
}

/* The fixed import leaves nothing, and its peak is the batch's good records. */
static void test_fixed_import_leaves_nothing(void **state)
{
	(void)state;
	ms_tracker *t = new_tracker();
	assert_int_equal(chapter4_import(CHAPTER4_FIXED, NULL), GOOD_LINES);
	struct ms_tracker_peak peak = ms_tracker_peak(t);
	assert_i64_equal(peak.blocks, GOOD_LINES);
	assert_i64_equal(peak.bytes[MS_REQUESTED], GOOD_LINES * RECORD);
	assert_quiet(t);
	ms_tracker_free(t);
}

/* A leak repeats its signature at every checkpoint; the fix shows nothing at any. */
static void test_leak_repeats_every_checkpoint(void **state)
{
	(void)state;
	struct chapter4_lost lost = { { 0 }, 0 };
	ms_tracker *t = new_tracker();
	for (int round = 1; round <= CHAPTER4_ROUNDS; round++) {
		assert_int_equal(chapter4_import(CHAPTER4_LEAKING, &lost), GOOD_LINES);
		ms_summary *diff = ms_tracker_diff(t);
		assert_int_equal(ms_summary_count(diff), 1);
		assert_row(diff, "struct record", CHAPTER4_BAD_LINES, CHAPTER4_BAD_LINES * RECORD);
		ms_summary_free(diff);
		assert_int_equal(chapter4_import(CHAPTER4_FIXED, NULL), GOOD_LINES);
		assert_quiet(t);
	}
	assert_int_equal(lost.count, CHAPTER4_ROUNDS * CHAPTER4_BAD_LINES);
	chapter4_lost_free(&lost);
	ms_tracker_free(t);
}

/*
 * A leaking import starts only with room to note every line it could
 * lose; without, it fails and makes nothing.
 */
static void test_full_lost_list_fails_cleanly(void **state)
{
	(void)state;
	struct chapter4_lost lost = { { 0 }, 0 };
	while (CHAPTER4_LOST_MAX - lost.count >= CHAPTER4_BATCH_LINES)
		assert_int_equal(chapter4_import(CHAPTER4_LEAKING, &lost), GOOD_LINES);
	size_t noted = lost.count;
	ms_tracker *t = new_tracker();
	assert_int_equal(chapter4_import(CHAPTER4_LEAKING, &lost), -1);
	assert_int_equal(lost.count, noted);
	struct ms_tracker_peak peak = ms_tracker_peak(t);
	assert_i64_equal(peak.blocks, (int64_t)noted);
	assert_quiet(t);
	ms_tracker_free(t);
	chapter4_lost_free(&lost);
}

/* Queued jobs hold their buffers; cancelling frees them; running them does the work and frees them. */
static void test_held_jobs(void **state)
{
	(void)state;
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	ms_tracker *t = new_tracker();
	assert_int_equal(chapter4_jobs_submit(&queue), 0);
	assert_int_equal(queue.length, CHAPTER4_JOBS);
	ms_summary *diff = ms_tracker_diff(t);
	assert_int_equal(ms_summary_count(diff), 2);
	assert_row(diff, "job buffer", CHAPTER4_JOBS, CHAPTER4_JOBS * CHAPTER4_JOB_BUFFER);
	assert_row(diff, "struct job", CHAPTER4_JOBS, CHAPTER4_JOBS * JOB);
	ms_summary_free(diff);

	chapter4_jobs_cancel(&queue);
	assert_int_equal(queue.length, 0);
	diff = ms_tracker_diff(t);
	assert_row(diff, "job buffer", -CHAPTER4_JOBS, -CHAPTER4_JOBS * CHAPTER4_JOB_BUFFER);
	ms_summary_free(diff);

	assert_int_equal(chapter4_jobs_submit(&queue), 0);
	/* Job i fills its buffer with the byte i: the sum is 4096 x (0 + 1 + ... + 7). */
	assert_int_equal(chapter4_jobs_run(&queue),
			 CHAPTER4_JOB_BUFFER * (CHAPTER4_JOBS - 1) * CHAPTER4_JOBS / 2);
	assert_int_equal(queue.length, 0);
	assert_quiet(t);
	ms_tracker_free(t);
}

/* The ring holds every job and buffer, each job pointed at by the one before it; freeing it leaves nothing. */
static void test_ring_of_jobs(void **state)
{
	(void)state;
	struct chapter4_dropped ring = { 0 };
	assert_int_equal(chapter4_ring_make(&ring), 0);
	assert_i64_equal(ms_live_blocks(), 2 * CHAPTER4_JOBS);
	void *job = chapter4_dropped_job(&ring);
	assert_true(ring.hidden != (uintptr_t)job);
	struct chapter4_blocks jobs, buffers;
	chapter4_dropped_blocks(&ring, &jobs, &buffers);
	assert_i64_equal(jobs.blocks, CHAPTER4_JOBS);
	assert_i64_equal(jobs.requested, CHAPTER4_JOBS * JOB);
	assert_i64_equal(buffers.blocks, CHAPTER4_JOBS);
	assert_i64_equal(buffers.requested, CHAPTER4_JOBS * CHAPTER4_JOB_BUFFER);
	/* Following next from any job meets every job once, then the first again. */
	struct ms_deep found;
	assert_i64_equal(ms_sizeof_deep_found(job, MS_REQUESTED, &found), CHAPTER4_JOBS * JOB);
	assert_i64_equal(found.blocks, CHAPTER4_JOBS);
	assert_i64_equal(found.shared, 1);
	chapter4_dropped_free(&ring);
	assert_null(chapter4_dropped_job(&ring));
	assert_i64_equal(ms_live_blocks(), 0);
	chapter4_dropped_free(&ring);
}

static void test_nothing_left_live(void **state)
{
	(void)state;
	golden_check_nothing_left(&chapter4_in_process);
}

/* ------------------------------------------------------------------ */
/* The lesson's output                                                 */
/* ------------------------------------------------------------------ */

/*
 * The row of valgrind's figures the chapter prints for `line` ("in use
 * at exit", "definitely lost", ...), "LINE | BYTES | BLOCKS" with the
 * cells right-aligned, once: its cells after the name, into `bytes`
 * (with any ">= " in front) and `blocks`. Fails the test if it is
 * missing or there twice.
 */
static void printed_figure(const char *text, const char *line, char bytes[32], long long *blocks)
{
	const char *found = NULL;
	for (const char *at = text; at; at = strchr(at, '\n')) {
		const char *name = at + strspn(at, "\n ");
		if (strncmp(name, line, strlen(line)) == 0 &&
		    strncmp(name + strlen(line), " | ", 3) == 0) {
			if (found)
				fail_msg("two \"%s\" rows", line);
			found = name + strlen(line) + 3;
		}
		at = name;
	}
	if (!found)
		fail_msg("no \"%s\" row", line);
	assert_int_equal(sscanf(found, " %31[^|] | %lld\n", bytes, blocks), 2);
	/* the scan set takes the spaces before the bar too */
	for (size_t end = strlen(bytes); end > 0 && bytes[end - 1] == ' '; end--)
		bytes[end - 1] = '\0';
}

/* The same for a row whose bytes are a count. */
static void printed_count(const char *text, const char *line, long long *bytes,
			  long long *blocks)
{
	char cell[32];
	printed_figure(text, line, cell, blocks);
	char *end;
	*bytes = strtoll(cell, &end, 10);
	if (end == cell || *end)
		fail_msg("the \"%s\" row's bytes read \"%s\"", line, cell);
}

/*
 * The leak summary valgrind must agree with is what the chapter left, as
 * the program asked for it, the same on every machine: the lost records
 * and one job of the ring definitely lost, though each job has a pointer
 * to it; the rest of the ring indirectly lost; nothing held.
 */
static void test_valgrind_leak_summary(void **state)
{
	(void)state;
	char *text = golden_run(&chapter4_in_process, NULL);
	const struct {
		const char *kind;
		int64_t bytes, blocks;
	} expected[] = {
		{ "definitely lost", LOST * RECORD + JOB, LOST + 1 },
		{ "indirectly lost", (CHAPTER4_JOBS - 1) * JOB + CHAPTER4_JOBS * CHAPTER4_JOB_BUFFER,
		  2 * CHAPTER4_JOBS - 1 },
		{ "possibly lost", 0, 0 },
		{ "still reachable", 0, 0 },
	};
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		long long bytes = -1, blocks = -1;
		printed_count(text, expected[i].kind, &bytes, &blocks);
		assert_i64_equal(bytes, expected[i].bytes);
		assert_i64_equal(blocks, expected[i].blocks);
	}
	assert_null(strstr(text, "On this machine"));
	free(text);
}

/*
 * valgrind's HEAP SUMMARY counts malloc's blocks, one per allocation,
 * header and request each (no request here is below malloc's smallest
 * block); its total heap usage counts each block the chapter allocated
 * twice as an allocation, once as a free.
 */
static void test_valgrind_heap_summary(void **state)
{
	(void)state;
	char *text = golden_run(&chapter4_in_process, NULL);
	long long bytes = -1, blocks = -1;
	printed_count(text, "in use at exit", &bytes, &blocks);
	assert_i64_equal(blocks, LOST + 2 * CHAPTER4_JOBS);
	assert_i64_equal(bytes, LOST * (RECORD + HEADER) +
					CHAPTER4_JOBS * (JOB + HEADER + CHAPTER4_JOB_BUFFER + HEADER));

	/* Imports: one leaking, one fixed, then each per round; jobs: held, completed, the ring. */
	const int64_t imports = 2 + 2 * CHAPTER4_ROUNDS;
	const int64_t made = imports * CHAPTER4_BATCH_LINES + 3 * 2 * CHAPTER4_JOBS;
	const int64_t requested = imports * CHAPTER4_BATCH_LINES * RECORD +
				  3 * CHAPTER4_JOBS * (JOB + CHAPTER4_JOB_BUFFER);
	char allocated[32];
	long long net = -1, at_least = -1;
	printed_figure(text, "total heap usage", allocated, &net);
	assert_int_equal(sscanf(allocated, ">= %lld", &at_least), 1);
	assert_i64_equal(net, blocks + made);
	assert_i64_equal(at_least, 2 * requested + made * HEADER);
	free(text);
}

/* The code the lesson shows is cut from the chapter's source, so it is the code that runs. */
static void test_code_shown_is_code_run(void **state)
{
	(void)state;
	golden_assert_code_from_source("chapters/chapter4_leaks.c");
}

static void test_output_rules(void **state)
{
	(void)state;
	golden_check_output_rules(&chapter4_in_process);
}

static void test_expected_output(void **state)
{
	(void)state;
	golden_check_expected(&chapter4_in_process);
}

static void test_lesson_shows_expected_output(void **state)
{
	(void)state;
	golden_assert_lesson_block(&chapter4_in_process);
}

static void test_same_bytes_every_run(void **state)
{
	(void)state;
	golden_check_repeatable(&chapter4_in_process, &chapter3);
}

static void test_program(void **state)
{
	(void)state;
	golden_check_program(&chapter4_in_process);
}

static void test_unwritable_data(void **state)
{
	(void)state;
	golden_check_unwritable_data(&chapter4_in_process);
}

static void test_write_failures(void **state)
{
	(void)state;
	golden_check_write_failures(&chapter4_in_process, "chapter4.dat");
}

/* ------------------------------------------------------------------ */
/* The data file and the plot                                          */
/* ------------------------------------------------------------------ */

/* Live bytes at each checkpoint, leaking against fixed, exactly as the import's arithmetic says. */
static void test_data_file(void **state)
{
	(void)state;
	char *data = golden_run_for_data(&chapter4_in_process);
	char *expected = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&expected, &size);
	assert_non_null(f);
	fprintf(f, "# chapter 4: requested bytes live at each checkpoint, above the first, "
		   "leaking against fixed\n"
		   "# checkpoint leaking_live leaking_peak fixed_live fixed_peak\n"
		   "0 0 0 0 0\n");
	for (int64_t k = 1; k <= CHAPTER4_ROUNDS; k++) {
		int64_t leaked_before = (k - 1) * CHAPTER4_BAD_LINES * RECORD;
		/* The leaking peak: what earlier rounds lost, and this batch's every record. */
		fprintf(f, "%" PRId64 " %" PRId64 " %" PRId64 " 0 %" PRId64 "\n", k,
			k * CHAPTER4_BAD_LINES * RECORD, leaked_before + CHAPTER4_BATCH_LINES * RECORD,
			GOOD_LINES * RECORD);
	}
	fprintf(f, "\n\n");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(data, expected);
	free(expected);
	free(data);
}

static void test_plot_renders(void **state)
{
	(void)state;
	golden_check_plot(&chapter4_in_process, "chapter4.dat", "plots/leak.gp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_first_diff_is_empty),
		ms_test(test_quiet_checkpoints_are_empty),
		ms_test(test_come_and_go_shows_in_peak_only),
		ms_test(test_site_grouping_exact),
		ms_test(test_leaking_import_loses_the_bad_lines),
		ms_test(test_fixed_import_leaves_nothing),
		ms_test(test_leak_repeats_every_checkpoint),
		ms_test(test_full_lost_list_fails_cleanly),
		ms_test(test_held_jobs),
		ms_test(test_ring_of_jobs),
		ms_test(test_nothing_left_live),
		ms_test(test_valgrind_leak_summary),
		ms_test(test_valgrind_heap_summary),
		ms_test(test_code_shown_is_code_run),
		ms_test(test_output_rules),
		ms_test(test_expected_output),
		ms_test(test_lesson_shows_expected_output),
		ms_test(test_same_bytes_every_run),
		ms_test(test_program),
		ms_test(test_unwritable_data),
		ms_test(test_write_failures),
		ms_test(test_data_file),
		ms_test(test_plot_renders),
	};
	return cmocka_run_group_tests_name("chapter4", tests, NULL, NULL);
}
