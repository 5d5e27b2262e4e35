/* test_chapter4.c: chapter 4 (leak checkpoints) keeps the tracker's invariants, frees its leak when asked, prints its expected lesson, and says what it measured in every Break it build. */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdbool.h>

#include "chapter4_leaks.h"
#include "chapters.h"
#include "golden.h"

/* Requested bytes of one record, and of one batch's good records. */
#define RECORD ((int64_t)sizeof(struct record))
#define GOOD_LINES (CHAPTER4_BATCH_LINES - CHAPTER4_BAD_LINES)
/* A job is next, buffer, size and id, padded to 32 bytes. */
#define JOB ((int64_t)32)
/*
 * memstats' header in front of each block, part of what malloc is asked
 * for: every block of the chapter is under 32 KiB, so its header is the
 * compact one (lib/block.h).
 */
#define HEADER ((int64_t)16)
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
static const struct golden_case golden = { &chapter4_in_process, &chapter3, "chapter4.dat",
					   "plots/leak.gp" };

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

/* A queue dropped with its jobs in it: noted, counted as the ring is, freed to the last job. */
static void test_dropped_queue(void **state)
{
	(void)state;
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	struct chapter4_dropped dropped = { 0 };
	chapter4_queue_drop(&queue, &dropped);
	assert_null(chapter4_dropped_job(&dropped));
	assert_int_equal(chapter4_jobs_submit(&queue), 0);
	void *first = queue.head;
	chapter4_queue_drop(&queue, &dropped);
	assert_null(queue.head);
	assert_int_equal(queue.length, 0);
	assert_ptr_equal(chapter4_dropped_job(&dropped), first);
	assert_true(dropped.hidden != (uintptr_t)first);
	struct chapter4_blocks jobs, buffers;
	chapter4_dropped_blocks(&dropped, &jobs, &buffers);
	assert_i64_equal(jobs.blocks, CHAPTER4_JOBS);
	assert_i64_equal(buffers.requested, CHAPTER4_JOBS * CHAPTER4_JOB_BUFFER);
	chapter4_dropped_free(&dropped);
	assert_null(chapter4_dropped_job(&dropped));
	assert_i64_equal(ms_live_blocks(), 0);
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
/* What the lesson says agrees with what it printed, in every build    */
/* ------------------------------------------------------------------ */

/*
 * The part of a lesson under the subheading `title` (a line over a rule
 * of '-'), up to the next subheading, its line breaks turned to spaces
 * so a sentence reads whole (the caller frees).
 */
static char *section(const char *lesson, const char *title)
{
	char *heading = NULL;
	assert_true(asprintf(&heading, "\n%s\n%.*s\n", title, (int)strlen(title),
			     "------------------------------------------------------------") > 0);
	const char *start = strstr(lesson, heading);
	if (!start)
		fail_msg("no section \"%s\"", title);
	start += strlen(heading);
	free(heading);
	/* up to the next subheading: a line of text over a line of '-' alone */
	const char *end = start;
	while (*end) {
		const char *next = strchr(end, '\n');
		if (!next)
			next = end + strlen(end) - 1;
		size_t rule = strspn(next + 1, "-");
		if (next > end && rule > 0 && next[1 + rule] == '\n')
			break;
		end = next + 1;
	}
	char *text = strndup(start, (size_t)(end - start));
	assert_non_null(text);
	return text;
}

/* A copy of `text` with each line break a space (the caller frees). */
static char *flat(const char *text)
{
	char *copy = strdup(text);
	assert_non_null(copy);
	for (char *at = copy; (at = strchr(at, '\n'));)
		*at = ' ';
	return copy;
}

/* Whether `text`, its line breaks as spaces, says `words`. */
static bool says(const char *text, const char *words)
{
	char *f = flat(text);
	bool found = strstr(f, words) != NULL;
	free(f);
	return found;
}

/* Read what follows `words` in `text` (line breaks as spaces) with `format`; fails if missing. */
static void read_after(const char *text, const char *words, const char *format, int count, ...)
{
	char *f = flat(text);
	const char *at = strstr(f, words);
	if (!at)
		fail_msg("the lesson does not say \"%s\"", words);
	va_list args;
	va_start(args, count);
	int got = vsscanf(at + strlen(words), format, args);
	va_end(args);
	if (got != count)
		fail_msg("after \"%s\": %.80s", words, at + strlen(words));
	free(f);
}

/* A diff table as printed: its rows, their blocks added up, and its peak line. */
struct printed_diff {
	int rows;
	long long blocks;
	long long peak_blocks;   /* 0: "nothing above" */
	bool sites;              /* a site table follows */
};

/*
 * The `n`-th diff table of `text` (from 0) and what follows it up to the
 * next: the site table, if any, and the peak line.
 */
static struct printed_diff diff_at(const char *text, int n)
{
	const char *at = text;
	for (int i = 0; i <= n; i++) {
		at = strstr(at, "types |   # blocks |");
		if (!at)
			fail_msg("no diff table %d", n);
		/* a site table's header has "site |" before "types |" */
		const char *line = at;
		while (line > text && line[-1] != '\n')
			line--;
		if (strncmp(line + strspn(line, " "), "site |", 6) == 0)
			i--;
		at++;
	}
	struct printed_diff d = { 0, 0, 0, false };
	const char *row = strchr(strchr(at, '\n') + 1, '\n') + 1;   /* past the rule */
	for (; *row != '\n'; row = strchr(row, '\n') + 1) {
		long long blocks;
		const char *bar = strchr(row, '|');
		assert_non_null(bar);
		assert_int_equal(sscanf(bar + 1, "%lld", &blocks), 1);
		d.rows++;
		d.blocks += blocks;
	}
	const char *peak = strstr(row, "Peak since the checkpoint: ");
	assert_non_null(peak);
	const char *sites = strstr(row, "site |");
	d.sites = sites && sites < peak;
	if (sscanf(peak, "Peak since the checkpoint: %lld blocks", &d.peak_blocks) != 1)
		assert_true(strncmp(peak, "Peak since the checkpoint: nothing above", 40) == 0);
	return d;
}

/* The rounds' grid: checkpoint, leaking live and peak, fixed live and peak. */
struct rounds {
	long long figure[1 + CHAPTER4_ROUNDS][5];
};

static struct rounds rounds_printed(const char *text)
{
	const char *at = strstr(text, "checkpoint |   leaking live |");
	assert_non_null(at);
	at = strchr(strchr(at, '\n') + 1, '\n') + 1;
	struct rounds r;
	for (int round = 0; round <= CHAPTER4_ROUNDS; round++) {
		long long *f = r.figure[round];
		assert_int_equal(sscanf(at, " %lld | %lld | %lld | %lld | %lld", &f[0], &f[1], &f[2],
					&f[3], &f[4]),
				 5);
		assert_i64_equal(f[0], round);
		at = strchr(at, '\n') + 1;
	}
	return r;
}

/* The tutorial's two diffs are empty, and the lesson says so. */
static void assert_tutorial_agrees(const char *lesson)
{
	char *text = section(lesson, "What the tutorial measured");
	struct printed_diff first = diff_at(text, 0), second = diff_at(text, 1);
	assert_i64_equal(first.rows + second.rows, 0);
	assert_i64_equal(first.peak_blocks + second.peak_blocks, 0);
	assert_true(says(text, "Both are empty."));
	free(text);
}

/*
 * The leak's diff, site table and peak against what the lesson says of
 * them: the records it lost, one per malformed line, or nothing. Returns
 * the records lost.
 */
static long long assert_leak_agrees(const char *lesson)
{
	char *text = section(lesson, "A real leak");
	struct printed_diff d = diff_at(text, 0);
	int lines, every;
	read_after(text, "One import parses a batch of ", "%d lines, of which every %dth", 2, &lines,
		   &every);
	assert_i64_equal(lines, CHAPTER4_BATCH_LINES);
	long long peak, good;
	read_after(text, "The peak shows what no diff can: ",
		   "%lld records were live at once, before the %lld good", 2, &peak, &good);
	assert_i64_equal(peak, d.peak_blocks);
	assert_i64_equal(good, lines - lines / every);
	if (d.rows > 0) {
		long long records;
		read_after(text, "The diff shows ", "%lld records, one per malformed line", 1, &records);
		assert_i64_equal(records, d.blocks);
		assert_i64_equal(records, lines / every);
		assert_true(d.sites);
		/* the site it names is the site table's */
		const char *row = strstr(text, "chapter4_leaks.c:");
		int line = 0, named = 0;
		assert_int_equal(sscanf(row, "chapter4_leaks.c:%d", &line), 1);
		read_after(text, "names the line that allocated them, chapter4_leaks.c:", "%d", 1, &named);
		assert_i64_equal(named, line);
	} else {
		assert_false(d.sites);
		assert_true(says(text, "The diff is empty, and there is no site table: this import "
				       "lost nothing."));
		assert_false(says(text, "The diff shows"));
		/* it made no record for a bad line only if the peak is the good ones */
		assert_i64_equal(says(text, "made no record for a malformed line"), peak == good);
	}
	free(text);
	return d.blocks;
}

/*
 * The held jobs' two checkpoints against what the lesson says: gone, or
 * not cancelled and still live. Returns whether they were cancelled.
 */
static bool assert_held_agrees(const char *lesson, bool leaked)
{
	char *text = section(lesson, "Memory held by work that never finishes");
	struct printed_diff held = diff_at(text, 0), after = diff_at(text, 1);
	assert_i64_equal(held.blocks, 2 * CHAPTER4_JOBS);
	assert_i64_equal(says(text, "by type and by site, as it did for the leak."), leaked);
	bool cancelled = after.blocks == -held.blocks;
	long long blocks = 0;
	if (cancelled) {
		read_after(text, "The jobs are gone, all ", "%lld blocks", 1, &blocks);
		assert_false(says(text, "not cancelled"));
	} else {
		assert_i64_equal(after.rows, 0);
		read_after(text, "The jobs were not cancelled: all ", "%lld of their blocks are still live",
			   1, &blocks);
		assert_false(says(text, "The jobs are gone"));
	}
	assert_i64_equal(blocks, held.blocks);
	free(text);
	return cancelled;
}

/* The fixes' two checkpoints: empty, with the good records and the jobs at their peaks. */
static void assert_fixes_agree(const char *lesson)
{
	char *text = section(lesson, "The fixes");
	struct printed_diff parsed = diff_at(text, 0), finished = diff_at(text, 1);
	assert_i64_equal(parsed.rows + finished.rows, 0);
	long long good, jobs;
	read_after(text, "The diff is empty: nothing allocated since the checkpoint is still live, so "
			 "there is no site table either. The peak still shows the work, the ",
		   "%lld good records", 1, &good);
	assert_i64_equal(good, parsed.peak_blocks);
	read_after(text, "Empty again, and the peak is the ", "%lld jobs with their buffers", 1, &jobs);
	assert_i64_equal(2 * jobs, finished.peak_blocks);
	free(text);
}

/*
 * The rounds' grid against the sentence under it: the same row at every
 * leaking checkpoint, its bytes the climb of the live column, or empty
 * diffs and a flat column; the fixed column flat; the leaking peak above
 * the fixed one exactly when there is a leak. Returns the records the
 * rounds lost.
 */
static long long assert_rounds_agree(const char *lesson)
{
	char *text = section(lesson, "Checkpoint after checkpoint");
	struct rounds r = rounds_printed(text);
	long long climb = r.figure[1][1], blocks = 0, bytes = 0;
	for (int round = 1; round <= CHAPTER4_ROUNDS; round++) {
		assert_i64_equal(r.figure[round][1] - r.figure[round - 1][1], climb);
		assert_i64_equal(r.figure[round][3], 0);
		/* the leaking peak carries the good records too, and any leak on top */
		assert_true(r.figure[round][2] >= r.figure[round][4]);
	}
	if (climb > 0) {
		read_after(text, "Each leaking diff is the same row, ",
			   "%lld struct record blocks of %lld bytes, the records of the malformed lines", 2,
			   &blocks, &bytes);
		assert_i64_equal(bytes, climb);
		assert_i64_equal(bytes, blocks * RECORD);
		assert_true(says(text, "the leaking one rides on its leak."));
	} else {
		assert_true(says(text, "Each leaking diff is empty: the leaking version loses nothing "
				       "here, and its live bytes stay at 0."));
		for (int round = 1; round <= CHAPTER4_ROUNDS; round++)
			assert_i64_equal(r.figure[round][2], r.figure[round][4]);
		assert_true(says(text, "with no leak to ride on, the leaking one is no higher."));
	}
	assert_true(says(text, "The fixed version's stay at 0."));
	free(text);
	return blocks * CHAPTER4_ROUNDS;
}

/*
 * valgrind's figures against the lesson's sentences and the blocks the
 * earlier sections left: the records lost, the held jobs if they were
 * not cancelled, and the ring; one definitely lost job for each lost
 * queue or ring, the rest of their jobs and every buffer indirectly lost.
 */
static void assert_valgrind_agrees(const char *lesson, long long records, bool cancelled)
{
	char *text = section(lesson, "What valgrind will say");
	long long queues = cancelled ? 1 : 2;
	if (records > 0) {
		long long said, bytes;
		read_after(text, "Its leaking imports lost ", "%lld records, %lld bytes requested", 2,
			   &said, &bytes);
		assert_i64_equal(said, records);
		assert_i64_equal(bytes, records * RECORD);
		assert_true(says(text, "valgrind counts the records"));
	} else {
		assert_true(says(text, "Its leaking imports lost no record."));
		assert_true(says(text, "valgrind counts one job of the ring definitely lost"));
	}
	assert_i64_equal(says(text, "jobs it held were never cancelled"), !cancelled);
	assert_i64_equal(says(text, "since the held jobs were cancelled."), cancelled);
	long long other_jobs, buffers;
	read_after(text, " definitely lost; the other ", "%lld jobs and the %lld buffers", 2,
		   &other_jobs, &buffers);
	assert_i64_equal(other_jobs, queues * (CHAPTER4_JOBS - 1));
	assert_i64_equal(buffers, queues * CHAPTER4_JOBS);

	long long bytes, blocks;
	printed_count(text, "definitely lost", &bytes, &blocks);
	assert_i64_equal(blocks, records + queues);
	assert_i64_equal(bytes, (records + queues) * RECORD);
	long long indirect_bytes, indirect_blocks;
	printed_count(text, "indirectly lost", &indirect_bytes, &indirect_blocks);
	assert_i64_equal(indirect_blocks, other_jobs + buffers);
	assert_i64_equal(indirect_bytes, other_jobs * JOB + buffers * CHAPTER4_JOB_BUFFER);
	/* the heap summary's sentence and row say the same, and hold every lost block */
	long long in_use_bytes, in_use, said_in_use, said_bytes, net, said_net;
	printed_count(text, "in use at exit", &in_use_bytes, &in_use);
	assert_i64_equal(in_use, blocks + indirect_blocks);
	assert_i64_equal(in_use_bytes, bytes + indirect_bytes + in_use * HEADER);
	read_after(text, "in use at exit are the ", "%lld blocks left, with the %lld bytes", 2,
		   &said_in_use, &said_bytes);
	assert_i64_equal(said_in_use, in_use);
	assert_i64_equal(said_bytes, in_use_bytes);
	char allocated[32];
	printed_figure(text, "total heap usage", allocated, &net);
	read_after(text, "allocs exceed its frees by ", "%lld", 1, &said_net);
	assert_i64_equal(said_net, net);
	free(text);
}

/*
 * Every sentence of the lesson that states a measured figure against the
 * tables and figures it printed: what `lesson` says is what it shows.
 */
static void assert_lesson_agrees(const char *lesson)
{
	assert_tutorial_agrees(lesson);
	long long lost = assert_leak_agrees(lesson);
	bool cancelled = assert_held_agrees(lesson, lost > 0);
	assert_fixes_agree(lesson);
	lost += assert_rounds_agree(lesson);
	assert_valgrind_agrees(lesson, lost, cancelled);
}

/* The blocks of valgrind's figure row `line` in `lesson`. */
static long long figure_blocks(const char *lesson, const char *line)
{
	long long bytes, blocks;
	printed_count(lesson, line, &bytes, &blocks);
	return blocks;
}

/* The leak's diff as `lesson` printed it. */
static struct printed_diff leak_diff(const char *lesson)
{
	char *text = section(lesson, "A real leak");
	struct printed_diff d = diff_at(text, 0);
	free(text);
	return d;
}

/* As built: a leak of 10 records an import, the held jobs cancelled. */
static void test_lesson_agrees_as_built(void **state)
{
	(void)state;
	char *out = golden_run(&chapter4_in_process, NULL);
	assert_lesson_agrees(out);
	assert_i64_equal(leak_diff(out).blocks, CHAPTER4_BAD_LINES);
	free(out);
}

/* BREAK=check-first: a line is checked before its record is made; only the ring is lost. */
static void test_break_check_first(void **state)
{
	(void)state;
	char *out = golden_run_break(&chapter4, "check-first");
	assert_lesson_agrees(out);
	struct printed_diff d = leak_diff(out);
	assert_i64_equal(d.rows, 0);
	assert_i64_equal(d.peak_blocks, GOOD_LINES);
	/* the ring's one job */
	assert_i64_equal(figure_blocks(out, "definitely lost"), 1);
	free(out);
}

/* BREAK=no-cancel: the held jobs stay queued, and are lost with their queue. */
static void test_break_no_cancel(void **state)
{
	(void)state;
	char *out = golden_run_break(&chapter4, "no-cancel");
	assert_lesson_agrees(out);
	/* the records, the held queue's first job, the ring's one; the rest of both */
	assert_i64_equal(figure_blocks(out, "definitely lost"), LOST + 2);
	assert_i64_equal(figure_blocks(out, "indirectly lost"), 2 * (2 * CHAPTER4_JOBS - 1));
	free(out);
}

/* BREAK=bad-every-5: twice the malformed lines, twice the leak. */
static void test_break_bad_every_5(void **state)
{
	(void)state;
	char *out = golden_run_break(&chapter4, "bad-every-5");
	assert_lesson_agrees(out);
	assert_true(says(out, "of which every 5th is malformed"));
	assert_i64_equal(figure_blocks(out, "definitely lost"), 2 * LOST + 1);
	free(out);
}

/*
 * valgrind's report on each break holds to the figures it prints, as
 * make check holds ./chapter4's (tests/valgrind-check.sh). Skips where
 * valgrind or a break is missing.
 */
static void test_breaks_under_valgrind(void **state)
{
	(void)state;
	if (system("valgrind --version > /dev/null 2>&1") != 0) {
		print_message("skipped: valgrind is not installed (make deps installs it)\n");
		skip();
	}
	static const char *const breaks[] = { "check-first", "no-cancel", "bad-every-5" };
	for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
		char *program = NULL;
		assert_true(asprintf(&program, "build/break/%s/chapter4", breaks[i]) > 0);
		/* golden_run_break skips, saying why, if it is not built */
		free(golden_run_break(&chapter4, breaks[i]));
		struct golden_process result;
		golden_exec((char *[]){ "/bin/sh", "tests/valgrind-check.sh", program, NULL }, &result);
		if (result.exit_status != 0)
			fail_msg("%s", result.out);
		golden_process_free(&result);
		free(program);
	}
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
		ms_test(test_dropped_queue),
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
		ms_test(test_lesson_agrees_as_built),
		ms_test(test_break_check_first),
		ms_test(test_break_no_cancel),
		ms_test(test_break_bad_every_5),
		ms_test(test_breaks_under_valgrind),
		golden_test(golden_test_breaks, &golden),
	};
	return cmocka_run_group_tests_name("chapter4", tests, NULL, NULL);
}
