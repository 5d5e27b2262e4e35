/* test_chapter2.c: chapter 2 (diffs around x = [2] * 10) leaves nothing behind, prints its expected lesson, shows the code it runs and says what each diff holds, in its Break it builds too. */
#define _GNU_SOURCE
#include "test_util.h"

#include "chapter2_diff.h"
#include "chapters.h"
#include "golden.h"

/* The checks every chapter makes; chapter 1 runs in between for repeatability. */
static const struct golden_case golden = { &chapter2, &chapter1, "chapter2.dat", "plots/diff.gp" };

/* A row a diff should hold. */
struct expected_row {
	const char *name;
	int64_t blocks;
	int64_t requested;
};

/* What each variant's diff holds, in the diff's order; a NULL name ends it. */
static const struct expected_row variant_rows[CHAPTER2_VARIANT_COUNT][3] = {
	{ { "int", 1, 10 * sizeof(int) }, { NULL, 0, 0 } },
	{ { "int *", 1, 10 * sizeof(int *) }, { "int", 1, sizeof(int) }, { NULL, 0, 0 } },
	{ { "int *", 1, 10 * sizeof(int *) }, { "int", 10, 10 * sizeof(int) }, { NULL, 0, 0 } },
};

/* The diff of the summaries around building `variant` (the caller frees it); x is released. */
static ms_summary *diff_around(const struct chapter2_variant *variant)
{
	ms_summary *before = ms_summarize();
	assert_non_null(before);
	void *x = variant->build();
	assert_non_null(x);
	ms_summary *after = ms_summarize();
	assert_non_null(after);
	variant->release(x);
	ms_summary *diff = ms_summary_diff(before, after);
	assert_non_null(diff);
	ms_summary_free(before);
	ms_summary_free(after);
	return diff;
}

/* Two summaries with nothing in between differ in nothing, and a summary from itself neither. */
static void test_quiet_diff_is_empty(void **state)
{
	(void)state;
	int *held = ms_alloc(&ms_type_int, 3);
	ms_summary *a = ms_summarize();
	ms_summary *b = ms_summarize();
	assert_non_null(a);
	assert_non_null(b);
	ms_summary *a_a = ms_summary_diff(a, a);
	ms_summary *a_b = ms_summary_diff(a, b);
	assert_int_equal(ms_summary_count(a_a), 0);
	assert_int_equal(ms_summary_count(a_b), 0);
	ms_summary_free(a_a);
	ms_summary_free(a_b);
	ms_summary_free(a);
	ms_summary_free(b);
	ms_free(held);
}

/* Blocks allocated and freed between two summaries leave no row. */
static void test_come_and_go_diff_is_empty(void **state)
{
	(void)state;
	int *held[100];
	ms_summary *before = ms_summarize();
	assert_non_null(before);
	for (size_t i = 0; i < 100; i++)
		assert_non_null(held[i] = ms_alloc(&ms_type_int, 1));
	for (size_t i = 0; i < 100; i++)
		ms_free(held[i]);
	ms_summary *after = ms_summarize();
	ms_summary *diff = ms_summary_diff(before, after);
	assert_int_equal(ms_summary_count(diff), 0);
	ms_summary_free(diff);
	ms_summary_free(after);
	ms_summary_free(before);
}

/* Each variant's diff has exactly its rows: (c) shows ten int blocks of 40 bytes in all. */
static void test_variant_diffs(void **state)
{
	(void)state;
	for (size_t v = 0; v < CHAPTER2_VARIANT_COUNT; v++) {
		ms_summary *diff = diff_around(&chapter2_variants[v]);
		size_t rows = 0;
		for (const struct expected_row *want = variant_rows[v]; want->name; want++, rows++) {
			const struct ms_summary_row *row = ms_summary_row(diff, rows);
			assert_non_null(row);
			assert_string_equal(row->name, want->name);
			assert_i64_equal(row->g.blocks.current, want->blocks);
			assert_i64_equal(row->g.bytes[MS_REQUESTED].current, want->requested);
		}
		assert_int_equal(ms_summary_count(diff), rows);
		ms_summary_free(diff);
		assert_i64_equal(ms_live_blocks(), 0);
	}
}

/* On this machine: ten small ints cost more than the ten values in one block. */
static void test_small_blocks_cost_more(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	ms_summary *one_block = diff_around(&chapter2_variants[0]);
	ms_summary *ten_blocks = diff_around(&chapter2_variants[2]);
	const struct ms_summary_row *values = ms_summary_find(one_block, "int");
	const struct ms_summary_row *ints = ms_summary_find(ten_blocks, "int");
	assert_non_null(values);
	assert_non_null(ints);
	/* glibc's smallest chunk holds 24 bytes and has an 8-byte header. */
	assert_i64_le(10 * 24, ints->g.bytes[MS_USABLE].current);
	assert_i64_le(ints->g.bytes[MS_USABLE].current + 10 * 8, ints->g.bytes[MS_FOOTPRINT].current);
	assert_i64_le(values->g.bytes[MS_FOOTPRINT].current + 1, ints->g.bytes[MS_FOOTPRINT].current);
	ms_summary_free(one_block);
	ms_summary_free(ten_blocks);
}

/* The lesson prints each variant's diff, and its allocator columns only on this machine. */
static void test_machine_blocks_hold_allocator_columns(void **state)
{
	(void)state;
	char *text = golden_run(&chapter2, NULL);
	char *stripped = golden_strip_machine_blocks(text);
	size_t blocks = 0;
	for (const char *at = text; (at = strstr(at, "\nOn this machine, ")); at++)
		blocks++;
	assert_int_equal(blocks, CHAPTER2_VARIANT_COUNT);
	assert_null(strstr(stripped, "On this machine"));
	assert_null(strstr(stripped, "usable |"));
	for (size_t v = 0; v < CHAPTER2_VARIANT_COUNT; v++)
		assert_non_null(strstr(stripped, chapter2_variants[v].title));
	free(stripped);
	free(text);
}

/* The code the lesson shows is cut from the chapter's source, so it is the code that runs. */
static void test_code_shown_is_code_run(void **state)
{
	(void)state;
	golden_assert_code_from_source("chapters/chapter2_diff.c");
}

/* --data writes one data set per variant, each the diff's deterministic columns. */
static void test_data_file_has_each_diff(void **state)
{
	(void)state;
	char *data = golden_run_for_data(&chapter2);
	char *expected = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&expected, &size);
	assert_non_null(f);
	for (size_t v = 0; v < CHAPTER2_VARIANT_COUNT; v++) {
		fprintf(f, "# %s\n# type blocks requested\n", chapter2_variants[v].title);
		for (const struct expected_row *want = variant_rows[v]; want->name; want++)
			fprintf(f, "\"%s\" %" PRId64 " %" PRId64 "\n", want->name, want->blocks,
				want->requested);
		fprintf(f, "\n\n");
	}
	assert_int_equal(fclose(f), 0);
	assert_string_equal(data, expected);
	free(expected);
	free(data);
}

/* ------------------------------------------------------------------ */
/* What the lesson says against the diffs it prints                     */
/* ------------------------------------------------------------------ */

/* The most rows a variant's diff may print before the reading gives up. */
#define SECTION_ROWS 4

/* A row of a diff as printed. */
struct printed_row {
	char name[16];
	int64_t blocks;
	int64_t requested;
};

/* One variant's section as printed: its diff's rows and the paragraph under them. */
struct section {
	size_t rows;
	struct printed_row row[SECTION_ROWS];
	int64_t blocks;      /* in all rows */
	char para[1024];     /* the paragraph after the table, lines joined */
};

/* The paragraph that begins at `at`, its lines joined by spaces, into `para`. */
static void read_para(const char *at, char *para, size_t size)
{
	size_t n = 0;
	for (; at[n] && !(at[n] == '\n' && (at[n + 1] == '\n' || !at[n + 1])) && n + 1 < size;
	     n++)
		para[n] = at[n] == '\n' ? ' ' : at[n];
	para[n] = '\0';
}

/*
 * Variant `v`'s section of `stripped` (the lesson without its "On this
 * machine" blocks): the rows of its table and the paragraph after it.
 */
static struct section read_section(const char *stripped, size_t v)
{
	struct section s = { .rows = 0 };
	const char *at = strstr(stripped, chapter2_variants[v].title);
	assert_non_null(at);
	at = strstr(at, "\n=");
	assert_non_null(at);
	for (at = strchr(at + 1, '\n') + 1; *at != '\n'; at = strchr(at, '\n') + 1) {
		assert_true(s.rows < SECTION_ROWS);
		struct printed_row *row = &s.row[s.rows++];
		if (sscanf(at, " %15[^|]| %" SCNd64 " | %" SCNd64 " B", row->name, &row->blocks,
			   &row->requested) != 3)
			fail_msg("a row of %s reads: %.60s", chapter2_variants[v].title, at);
		row->name[strlen(row->name) - 1] = '\0';  /* the space before the bar */
		s.blocks += row->blocks;
	}
	read_para(at + 1, s.para, sizeof s.para);
	return s;
}

/* Section `s`'s row named `name`; a row of no blocks if the diff has none. */
static struct printed_row section_row(const struct section *s, const char *name)
{
	for (size_t i = 0; i < s->rows; i++)
		if (strcmp(s->row[i].name, name) == 0)
			return s->row[i];
	return (struct printed_row){ "", 0, 0 };
}

/* A count as the lesson writes it, "one" to "twelve" (capitalised or not); -1 if none. */
static int64_t count_of(const char *word)
{
	static const char *const words[] = {
		"no", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "ten", "eleven", "twelve",
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasecmp(word, words[i]) == 0)
			return (int64_t)i;
	return -1;
}

/* (a)'s paragraph names its int row: "an array of ten ints: one block of 40 bytes". */
static void assert_value_array_agrees(const struct section *s)
{
	char ints[16], blocks[16];
	int64_t bytes = 0;
	if (sscanf(s->para, "This is what C means by an array of %15s ints: %15s %*s of %" SCNd64
			    " bytes that holds the values themselves",
		   ints, blocks, &bytes) != 3)
		fail_msg("(a) says: %s", s->para);
	struct printed_row row = section_row(s, "int");
	assert_i64_equal(count_of(ints), row.requested / (int64_t)sizeof(int));
	assert_i64_equal(count_of(blocks), row.blocks);
	assert_i64_equal(bytes, row.requested);
}

/* (b)'s: one block of ten references, all to one int and nothing else, two blocks in all. */
static void assert_shared_pointers_agrees(const struct section *s)
{
	char blocks[16], references[16], in_all[16], all[16];
	if (sscanf(s->para, "This is what Python builds for [2] * 10: %15s %*s of %15s references, "
			    "all to the same int, and nothing else. %15s %*s in all: *two = 3 would "
			    "change what all %15[a-z] see.",
		   blocks, references, in_all, all) != 4)
		fail_msg("(b) says: %s", s->para);
	struct printed_row pointers = section_row(s, "int *");
	assert_i64_equal(count_of(blocks), pointers.blocks);
	assert_i64_equal(count_of(references), pointers.requested / (int64_t)sizeof(int *));
	assert_i64_equal(count_of(all), count_of(references));
	assert_i64_equal(section_row(s, "int").blocks, 1);
	assert_int_equal(s->rows, 2);
	assert_i64_equal(count_of(in_all), s->blocks);
}

/* (c)'s: eleven blocks, ten ints of 4 bytes, 40 bytes for the ints, one block of pointers. */
static void assert_own_pointers_agrees(const struct section *s)
{
	char in_all[16], ints[16];
	int64_t each = 0, bytes = 0;
	if (sscanf(s->para, "%15s %*s %15s ints of %" SCNd64 " bytes and the block of pointers. "
			    "The requested bytes say %" SCNd64 " for the ints",
		   in_all, ints, &each, &bytes) != 4)
		fail_msg("(c) says: %s", s->para);
	struct printed_row values = section_row(s, "int");
	assert_i64_equal(count_of(in_all), s->blocks);
	assert_i64_equal(count_of(ints), values.blocks);
	assert_i64_equal(each * values.blocks, values.requested);
	assert_i64_equal(bytes, values.requested);
	assert_i64_equal(section_row(s, "int *").blocks, 1);
}

/*
 * Each variant's paragraph says what its diff printed, an empty diff
 * included, and the closing paragraph how many diffs were empty. Returns
 * that number.
 */
static size_t assert_lesson_agrees(const char *out)
{
	static void (*const agrees[CHAPTER2_VARIANT_COUNT])(const struct section *) = {
		assert_value_array_agrees, assert_shared_pointers_agrees, assert_own_pointers_agrees,
	};
	static const char empty_says[] = "The diff is empty, though x was built";
	char *stripped = golden_strip_machine_blocks(out);
	size_t empty = 0;
	for (size_t v = 0; v < CHAPTER2_VARIANT_COUNT; v++) {
		struct section s = read_section(stripped, v);
		if (s.rows > 0) {
			agrees[v](&s);
		} else {
			empty++;
			if (strncmp(s.para, empty_says, strlen(empty_says)) != 0)
				fail_msg("%s printed an empty diff and says: %s",
					 chapter2_variants[v].title, s.para);
		}
	}
	char closing[512];
	const char *at = strstr(stripped, "C makes the choice visible");
	assert_non_null(at);
	read_para(at, closing, sizeof closing);
	const char *costs = "A diff shows what each costs in blocks and bytes";
	at = strstr(closing, costs);
	assert_non_null(at);
	at += strlen(costs);
	if (empty == 0) {
		assert_string_equal(at, ".");
	} else {
		char how_many[16];
		char of[16];
		if (sscanf(at, " only while x is still live at its second summary: here %15s of the "
			       "%15s diffs came out empty.", how_many, of) != 2)
			fail_msg("the closing paragraph says: %s", closing);
		assert_i64_equal(count_of(how_many), empty);
		assert_i64_equal(count_of(of), CHAPTER2_VARIANT_COUNT);
	}
	free(stripped);
	return empty;
}

/* As built, every diff shows its x, and each paragraph says so with the table's figures. */
static void test_lesson_agrees_as_built(void **state)
{
	(void)state;
	char *out = golden_run(&chapter2, NULL);
	assert_int_equal(assert_lesson_agrees(out), 0);
	free(out);
}

/*
 * BREAK=release-before-diff: x is freed before the second summary, so
 * every diff is empty, and the lesson says so.
 */
static void test_break_release_before_diff(void **state)
{
	(void)state;
	char *out = golden_run_break(&chapter2, "release-before-diff");
	assert_int_equal(assert_lesson_agrees(out), CHAPTER2_VARIANT_COUNT);
	free(out);
}

/*
 * BREAK=free-shared-ten-times: (b) frees its shared int through all ten
 * pointers. The nine frees after the first are each reported on stderr as
 * a double free at that one line and ignored, so the lesson reads as it
 * does unbroken and the program exits 0.
 */
static void test_break_free_shared_ten_times(void **state)
{
	(void)state;
	char *out = golden_run_break(&chapter2, "free-shared-ten-times");
	assert_int_equal(assert_lesson_agrees(out), 0);
	char *plain = golden_run(&chapter2, NULL);
	char *a = golden_strip_machine_blocks(out), *b = golden_strip_machine_blocks(plain);
	assert_string_equal(a, b);

	struct golden_process broken;
	golden_exec((char *[]){ "build/break/free-shared-ten-times/chapter2", NULL }, &broken);
	assert_int_equal(broken.exit_status, 0);
	size_t reports = 0;
	for (const char *line = broken.err; *line; line = strchr(line, '\n') + 1, reports++) {
		int at = 0, before = 0, end = 0;
		if (sscanf(line, "memstats: chapter2_diff.c:%d: ms_free: double free: this block of "
				 "'int' was already freed at chapter2_diff.c:%d%n",
			   &at, &before, &end) != 2 || line[end] != '\n')
			fail_msg("stderr reads: %s", line);
		assert_int_equal(at, before);
	}
	/* ten pointers to one int: one free, then nine double frees */
	assert_int_equal(reports, 10 - 1);
	golden_process_free(&broken);
	free(a);
	free(b);
	free(plain);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		golden_test(golden_test_nothing_left, &golden),
		ms_test(test_quiet_diff_is_empty),
		ms_test(test_come_and_go_diff_is_empty),
		ms_test(test_variant_diffs),
		ms_test(test_small_blocks_cost_more),
		ms_test(test_machine_blocks_hold_allocator_columns),
		ms_test(test_code_shown_is_code_run),
		golden_test(golden_test_output_rules, &golden),
		golden_test(golden_test_expected, &golden),
		golden_test(golden_test_lesson_block, &golden),
		golden_test(golden_test_repeatable, &golden),
		ms_test(test_data_file_has_each_diff),
		golden_test(golden_test_program, &golden),
		golden_test(golden_test_unwritable_data, &golden),
		golden_test(golden_test_write_failures, &golden),
		golden_test(golden_test_plot, &golden),
		ms_test(test_lesson_agrees_as_built),
		ms_test(test_break_release_before_diff),
		ms_test(test_break_free_shared_ten_times),
		golden_test(golden_test_breaks, &golden),
	};
	return cmocka_run_group_tests_name("chapter2", tests, NULL, NULL);
}
