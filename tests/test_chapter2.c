/* test_chapter2.c: chapter 2 (diffs around x = [2] * 10) leaves nothing behind, prints its expected lesson and measures sense. */
#define _GNU_SOURCE
#include "test_util.h"

#include "chapter2_diff.h"
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
	};
	return cmocka_run_group_tests_name("chapter2", tests, NULL, NULL);
}
