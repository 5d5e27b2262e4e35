/* test_chapter5.c: chapter 5 (an object tracked as multiply() grows it) leaves nothing behind, prints its expected lesson and measures sense. */
#define _GNU_SOURCE
#include "test_util.h"

#include <limits.h>
#include <stdbool.h>

#include "chapter5_growth.h"
#include "golden.h"

/* The data file chapter 5's plot is drawn from. */
#define DATA_FILE CHAPTER5_DATA_NAME ".dat"

/* The checks every chapter makes; chapter 3 runs in between for repeatability. */
static const struct golden_case golden = { &chapter5, &chapter3, DATA_FILE, "plots/growth.gp" };

/* Pympler's print_summary is 79 columns wide, and so is memstats'. */
#define SUMMARY_WIDTH 79
#define SUMMARY_FIRST "---- SUMMARY "

/* The deep size in requested bytes of a test_class whose arrays hold n ints each. */
static int64_t deep_requested_for(size_t n)
{
	return (int64_t)(sizeof(struct test_class) + 3 * n * sizeof(int));
}

/* ------------------------------------------------------------------ */
/* Invariants                                                          */
/* ------------------------------------------------------------------ */

/* Two snapshots with nothing done in between are equal, object by object and in total. */
static void test_untouched_snapshots_equal(void **state)
{
	(void)state;
	struct test_class *fresh = chapter5_test_class_new();
	struct test_class *grown = chapter5_test_class_new();
	assert_non_null(fresh);
	assert_non_null(grown);
	assert_int_equal(chapter5_multiply(grown, 100), 0);
	ms_objtracker *tracker = ms_objtracker_new();
	assert_non_null(tracker);
	assert_int_equal(ms_objtracker_track(tracker, fresh, "fresh"), 0);
	assert_int_equal(ms_objtracker_track(tracker, grown, "grown"), 1);
	assert_int_equal(ms_objtracker_snapshot(tracker, "first"), 0);
	assert_int_equal(ms_objtracker_snapshot(tracker, "second"), 0);

	for (size_t object = 0; object < 2; object++) {
		const struct ms_objsample *a = ms_objtracker_sample(tracker, 0, object);
		const struct ms_objsample *b = ms_objtracker_sample(tracker, 1, object);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(a->alive && b->alive);
		for (int n = 0; n < MS_NOTION_COUNT; n++) {
			assert_i64_equal(a->flat[n], b->flat[n]);
			assert_i64_equal(a->deep[n], b->deep[n]);
		}
	}
	const struct ms_objsnapshot *first = ms_objtracker_totals(tracker, 0);
	const struct ms_objsnapshot *second = ms_objtracker_totals(tracker, 1);
	assert_int_equal(first->active, 2);
	assert_int_equal(second->active, 2);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(first->deep[n], second->deep[n]);
	assert_i64_equal(first->deep[MS_REQUESTED], deep_requested_for(0) + deep_requested_for(100));

	ms_objtracker_free(tracker);
	chapter5_test_class_free(grown);
	chapter5_test_class_free(fresh);
}

/* multiply(n) adds at least 3 * n ints to the deep size in every notion, exactly that requested. */
static void test_multiply_grows_deep_size(void **state)
{
	(void)state;
	const size_t ns[] = { 1, 7, CHAPTER5_MULTIPLY_N, CHAPTER5_GROWTH_N(CHAPTER5_GROWTH_STEPS - 1) };
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		struct test_class *obj = chapter5_test_class_new();
		assert_non_null(obj);
		int64_t before[MS_NOTION_COUNT];
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			before[n] = ms_sizeof_deep(obj, (enum ms_notion)n);
		assert_int_equal(chapter5_multiply(obj, ns[i]), 0);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			assert_i64_ge(ms_sizeof_deep(obj, (enum ms_notion)n) - before[n],
				      3 * ns[i] * sizeof(int));
		assert_i64_equal(before[MS_REQUESTED], sizeof(struct test_class));
		assert_i64_equal(ms_sizeof_deep(obj, MS_REQUESTED), deep_requested_for(ns[i]));
		/* The struct, and one block each for x, y and z. */
		assert_i64_equal(ms_live_blocks(), 4);
		chapter5_test_class_free(obj);
	}
}

/* Every element is a copy of the value, by value, in an int block of its own per field. */
static void assert_copies(const struct test_class *obj, size_t n)
{
	const int *const field[] = { obj->x, obj->y, obj->z };
	const int value[] = { CHAPTER5_CLASS_X, CHAPTER5_CLASS_Y, CHAPTER5_CLASS_Z };
	assert_int_equal(obj->len, n);
	for (size_t f = 0; f < 3; f++) {
		struct ms_block_info info;
		assert_int_equal(ms_block_info(field[f], &info), 0);
		assert_string_equal(info.type_name, "int");
		assert_int_equal(info.count, n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(field[f][i], value[f]);
	}
}

/* Until multiply the values are the class's; each multiply keeps them, growing or shrinking. */
static void test_multiply_copies_values(void **state)
{
	(void)state;
	struct test_class *obj = chapter5_test_class_new();
	assert_non_null(obj);
	assert_int_equal(obj->len, 0);
	assert_null(obj->x);
	assert_null(obj->y);
	assert_null(obj->z);
	const size_t ns[] = { 3, CHAPTER5_MULTIPLY_N, 2 };
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		assert_int_equal(chapter5_multiply(obj, ns[i]), 0);
		assert_copies(obj, ns[i]);
		assert_i64_equal(ms_live_blocks(), 4);
	}
	chapter5_test_class_free(obj);
}

/* A multiply that cannot allocate fails cleanly: the object as it was, nothing new live. */
static void test_failed_multiply_leaves_object(void **state)
{
	(void)state;
	struct test_class *obj = chapter5_test_class_new();
	assert_non_null(obj);
	assert_int_equal(chapter5_multiply(obj, 5), 0);
	struct test_class was = *obj;
	struct ms_capture capture;
	ms_capture_start(&capture);
	errno = 0;
	/* n ints overflow size_t: the first allocation is refused. */
	int status = chapter5_multiply(obj, SIZE_MAX / 2);
	int err = errno;
	ms_set_misuse_handler(NULL, NULL);
	assert_int_equal(status, -1);
	assert_int_equal(err, ENOMEM);
	assert_int_equal(capture.count, 1);
	assert_int_equal(capture.kind, MS_MISUSE_OVERFLOW);
	assert_memory_equal(obj, &was, sizeof was);
	assert_copies(obj, 5);
	assert_i64_equal(ms_live_blocks(), 4);
	chapter5_test_class_free(obj);
}

/* ------------------------------------------------------------------ */
/* The lesson's output                                                 */
/* ------------------------------------------------------------------ */

/* The code the lesson shows is cut from the chapter's source, so it is the code that runs. */
static void test_code_shown_is_code_run(void **state)
{
	(void)state;
	golden_assert_code_from_source("chapters/chapter5_growth.c");
}

/* Allocator figures appear only inside the "On this machine" block. */
static void test_machine_block_holds_allocator_figures(void **state)
{
	(void)state;
	golden_check_machine_blocks(&chapter5,
				    (const char *const[]){ "\nOn this machine, the same snapshots",
							   "|   footprint / requested\n", NULL },
				    (const char *const[]){ "usable |", "footprint |", NULL });
}

/*
 * `text` without the object tracker's summary (from its "---- SUMMARY"
 * line through its closing rule), each of whose lines is checked to be
 * at most SUMMARY_WIDTH columns; the caller frees.
 */
static char *without_summary(const char *text)
{
	const char *start = strstr(text, "\n" SUMMARY_FIRST);
	assert_non_null(start);
	start++;
	const char *line = start;
	for (;;) {
		size_t length = strcspn(line, "\n");
		assert_true(length <= SUMMARY_WIDTH);
		bool closing = length == SUMMARY_WIDTH && strspn(line, "-") == SUMMARY_WIDTH;
		line += length;
		assert_true(*line == '\n');
		line++;
		if (closing)
			break;
	}
	char *rest = NULL;
	if (asprintf(&rest, "%.*s%s", (int)(start - text), text, line) < 0)
		fail_msg("out of memory");
	return rest;
}

/* The output rules; prose and tables at most 78 columns, Pympler's 79-column summary apart. */
static void test_output_rules(void **state)
{
	(void)state;
	char *text = golden_run(&chapter5, NULL);
	golden_assert_output_rules(text);
	char *stripped = golden_strip_machine_blocks(text);
	char *rest = without_summary(stripped);
	golden_assert_max_width(rest, 78);
	free(rest);
	free(stripped);
	free(text);
}

/* ------------------------------------------------------------------ */
/* The data file and the plot                                          */
/* ------------------------------------------------------------------ */

/* One row per snapshot: n and the requested columns exactly, the allocator's by relation. */
static void test_data_file(void **state)
{
	(void)state;
	const char *why_not_glibc;
	bool glibc = ms_test_glibc_malloc(&why_not_glibc);
	char *data = golden_run_for_data_file(&chapter5, DATA_FILE);
	const char *header = "# chapter 5: obj after multiply(obj, n), one row per snapshot\n"
			     "# n flat_requested deep_requested deep_usable deep_footprint\n";
	assert_memory_equal(data, header, strlen(header));
	const char *line = data + strlen(header);
	int64_t previous[MS_NOTION_COUNT] = { 0 };
	for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++) {
		size_t n;
		int64_t flat, deep[MS_NOTION_COUNT];
		int length = 0;
		if (sscanf(line, "%zu %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 "\n%n", &n, &flat,
			   &deep[MS_REQUESTED], &deep[MS_USABLE], &deep[MS_FOOTPRINT],
			   &length) != 5 || length == 0)
			fail_msg("row %zu of %s does not read as five numbers", step, DATA_FILE);
		assert_int_equal(n, CHAPTER5_GROWTH_N(step));
		assert_i64_equal(flat, sizeof(struct test_class));
		assert_i64_equal(deep[MS_REQUESTED], deep_requested_for(n));
		assert_i64_ge(deep[MS_USABLE], deep[MS_REQUESTED]);
		assert_i64_ge(deep[MS_FOOTPRINT], deep[MS_USABLE]);
		/* glibc puts an 8-byte header in front of each of the four chunks. */
		if (glibc)
			assert_i64_ge(deep[MS_FOOTPRINT], deep[MS_USABLE] + 4 * 8);
		/*
		 * The object only grows over the series, in every notion. Where
		 * ASan or valgrind replaced malloc, memstats still guesses each
		 * block's header from glibc's usable % 16 rule (8 bytes when
		 * raw usable % 16 == 8, else 16), so a 1-int array reads a
		 * footprint of 20 and a 2-int one of 16: footprint is checked
		 * on glibc only.
		 */
		for (int notion = 0; notion < MS_NOTION_COUNT; notion++) {
			if (glibc || notion != MS_FOOTPRINT)
				assert_i64_ge(deep[notion], previous[notion]);
			previous[notion] = deep[notion];
		}
		line += length;
	}
	golden_assert_data_set_ends(data, line);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		golden_test(golden_test_nothing_left, &golden),
		ms_test(test_untouched_snapshots_equal),
		ms_test(test_multiply_grows_deep_size),
		ms_test(test_multiply_copies_values),
		ms_test(test_failed_multiply_leaves_object),
		ms_test(test_machine_block_holds_allocator_figures),
		ms_test(test_code_shown_is_code_run),
		ms_test(test_output_rules),
		golden_test(golden_test_expected, &golden),
		golden_test(golden_test_lesson_block, &golden),
		golden_test(golden_test_repeatable, &golden),
		golden_test(golden_test_program, &golden),
		golden_test(golden_test_unwritable_data, &golden),
		golden_test(golden_test_write_failures, &golden),
		ms_test(test_data_file),
		golden_test(golden_test_plot, &golden),
	};
	return cmocka_run_group_tests_name("chapter5", tests, NULL, NULL);
}
