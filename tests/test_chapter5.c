/* test_chapter5.c: chapter 5 (an object tracked as multiply() grows it) leaves nothing behind, prints its expected lesson, measures sense and says only what its tables show, in each Break it build too. */
#define _GNU_SOURCE
#include "test_util.h"

#include <limits.h>
#include <stdbool.h>
#include <unistd.h>

#include "chapter5_growth.h"
#include "chapters.h"
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
/* What the lesson says, against what it prints                        */
/* ------------------------------------------------------------------ */

/* The line after the one at `line`. */
static const char *after_line(const char *line)
{
	const char *end = strchr(line, '\n');
	assert_non_null(end);
	return end + 1;
}

/* A sized tree of my_class as the lesson prints it: the root, and a line per field. */
struct printed_tree {
	int64_t size, flat;
	size_t fields;
	struct printed_field {
		char name[16];
		int64_t size, flat;
		bool refused;    /* "(not counted: a block of another type)" */
	} field[3];
};

/* The `which`th tree of my_class in `text`: 0 before multiply, 1 after. */
static struct printed_tree printed_tree(const char *text, int which)
{
	const char *at = text;
	for (int i = 0; i <= which; i++) {
		at = strstr(at, "\nstruct test_class size=");
		assert_non_null(at);
		at++;
	}
	struct printed_tree tree = { 0 };
	assert_int_equal(sscanf(at, "struct test_class size=%" SCNd64 " flat=%" SCNd64, &tree.size,
				&tree.flat),
			 2);
	const char *line = after_line(at);
	for (; strncmp(line, "    ", 4) == 0; line = after_line(line)) {
		assert_true(tree.fields < 3);
		struct printed_field *f = &tree.field[tree.fields++];
		assert_int_equal(sscanf(line, "    %15s size=%" SCNd64 " flat=%" SCNd64, f->name,
					&f->size, &f->flat),
				 3);
		const char *note = strstr(line, " (not counted: a block of another type)\n");
		f->refused = note && note < strchr(line, '\n');
	}
	return tree;
}

/* A field of the tree, by name; fails if there is none. */
static const struct printed_field *tree_field(const struct printed_tree *tree, const char *name)
{
	for (size_t i = 0; i < tree->fields; i++)
		if (strcmp(tree->field[i].name, name) == 0)
			return &tree->field[i];
	fail_msg("the tree has no field %s", name);
	return NULL;
}

/* The fields of `tree` that hold a whole array of `bytes`, counted. */
static size_t fields_counted(const struct printed_tree *tree, int64_t bytes)
{
	size_t counted = 0;
	for (size_t i = 0; i < tree->fields; i++)
		counted += !tree->field[i].refused && tree->field[i].size == bytes &&
			   tree->field[i].flat == bytes;
	return counted;
}

/* Each snapshot of the summary: its pct column added up, and untouched's deep size. */
struct printed_snapshot {
	int pct_sum;
	size_t names;
	int64_t untouched;  /* -1 unless printed in bytes, "32     B" */
};

static void printed_summary(const char *text, struct printed_snapshot snapshot[2])
{
	const char *line = strstr(text, "\n" SUMMARY_FIRST);
	assert_non_null(line);
	int taken = -1;
	for (line = after_line(line + 1); *line != '-'; line = after_line(line)) {
		if (line[0] != ' ') {
			assert_true(++taken < 2);
			snapshot[taken] = (struct printed_snapshot){ 0, 0, -1 };
			continue;
		}
		assert_true(taken >= 0);
		char name[64], unit[4];
		size_t active;
		double size;
		int pct;
		const char *percent = strchr(line, '%');
		assert_non_null(percent);
		const char *pct_at = percent;
		while (pct_at[-1] != ' ')
			pct_at--;
		assert_int_equal(sscanf(line, "  %63s %zu %lf %3s", name, &active, &size, unit), 4);
		assert_int_equal(sscanf(pct_at, "%d%%", &pct), 1);
		snapshot[taken].pct_sum += pct;
		snapshot[taken].names++;
		if (strcmp(name, "untouched") == 0 && strcmp(unit, "B") == 0)
			snapshot[taken].untouched = (int64_t)size;
	}
	assert_int_equal(taken, 1);
}

/* The growth grid: n, flat and deep requested for each snapshot. */
struct printed_growth {
	size_t n[CHAPTER5_GROWTH_STEPS];
	int64_t flat[CHAPTER5_GROWTH_STEPS], deep[CHAPTER5_GROWTH_STEPS];
};

static struct printed_growth printed_growth(const char *text)
{
	const char *line = strstr(text, "|   deep / n\n");
	assert_non_null(line);
	line = after_line(after_line(line));  /* past the header and its rule */
	struct printed_growth grid;
	for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++, line = after_line(line))
		if (sscanf(line, "%zu | %" SCNd64 " | %" SCNd64 " |", &grid.n[step],
			   &grid.flat[step], &grid.deep[step]) != 3)
			fail_msg("growth row %zu reads: %.60s", step, line);
	return grid;
}

/* "three" as 3: the words the lesson counts with. */
static int64_t counted_word(const char *word)
{
	static const char *const words[] = { "no",   "one",  "two", "three", "four",
					     "five", "six", "seven", "eight", "nine" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(word, words[i]) == 0)
			return (int64_t)i;
	char *end;
	int64_t count = strtoll(word, &end, 10);
	if (*end)
		fail_msg("not a count: %s", word);
	return count;
}

/*
 * "my_class grew from B bytes, the struct alone, to A: F + K x N x S" and
 * "untouched is U bytes in both snapshots", against the trees and the
 * summary: B the tree before, nothing but the struct; A the tree after,
 * made of its struct F and K whole arrays, one for each field counted.
 */
static void assert_snapshot_claims(const char *prose)
{
	char *para = golden_paragraph(prose, "Each snapshot has a header line");
	struct printed_tree before = printed_tree(prose, 0), after = printed_tree(prose, 1);
	int64_t from, to, flat, arrays;
	size_t n, element;
	const char *grew = strstr(para, "my_class grew from ");
	if (!grew || sscanf(grew, "my_class grew from %" SCNd64 " bytes, the struct alone, to "
			    "%" SCNd64 ": %" SCNd64 " + %" SCNd64 " x %zu x %zu.",
			    &from, &to, &flat, &arrays, &n, &element) != 6)
		fail_msg("the sentence on my_class reads: %s", para);
	assert_i64_equal(from, before.size);
	assert_i64_equal(before.size, before.flat);
	assert_i64_equal(to, after.size);
	assert_i64_equal(flat, after.flat);
	assert_int_equal(n, CHAPTER5_MULTIPLY_N);
	assert_int_equal(element, sizeof(int));
	assert_i64_equal(flat + arrays * (int64_t)(n * element), to);
	assert_i64_equal(arrays, fields_counted(&after, (int64_t)(n * element)));

	struct printed_snapshot snapshot[2];
	printed_summary(prose, snapshot);
	int64_t untouched, untouched_after;
	const char *same = strstr(para, "untouched is ");
	const char *went = strstr(para, "untouched, which nobody changed, went from ");
	if (same &&
	    sscanf(same, "untouched is %" SCNd64 " bytes in both snapshots", &untouched) == 1) {
		assert_i64_equal(snapshot[0].untouched, untouched);
		assert_i64_equal(snapshot[1].untouched, untouched);
	} else if (went && sscanf(went, "untouched, which nobody changed, went from %" SCNd64
				  " bytes to %" SCNd64 ".", &untouched, &untouched_after) == 2) {
		assert_i64_equal(snapshot[0].untouched, untouched);
		assert_i64_equal(snapshot[1].untouched, untouched_after);
		assert_i64_not_equal(untouched, untouched_after);
	} else {
		fail_msg("the sentence on untouched reads: %s", para);
	}
	free(para);
}

/*
 * "adds up to about 100: P and Q here": the summary's pct columns added
 * up, each short of 100 by less than a point a name.
 */
static void assert_pct_claim(const char *prose)
{
	char *para = golden_paragraph(prose, "pct is each name's share");
	struct printed_snapshot snapshot[2];
	printed_summary(prose, snapshot);
	int said[2];
	const char *sums = strstr(para, "adds up to about 100: ");
	if (!sums || sscanf(sums, "adds up to about 100: %d and %d here.", &said[0], &said[1]) != 2)
		fail_msg("the sentence on pct reads: %s", para);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(said[i], snapshot[i].pct_sum);
		assert_true(said[i] <= 100);
		assert_true(said[i] > 100 - (int)snapshot[i].names);
	}
	free(para);
}

/*
 * Every name of `list` ("x", "y and z", "x, y and z") is a field of
 * `tree`, counted whole in `bytes` or left out as `counted` says: how many.
 */
static size_t assert_fields_listed(const struct printed_tree *tree, const char *list, bool counted,
				   int64_t bytes)
{
	char names[64];
	snprintf(names, sizeof names, "%s", list);
	size_t listed = 0;
	for (char *name = strtok(names, ", "); name; name = strtok(NULL, ", ")) {
		if (strcmp(name, "and") == 0)
			continue;
		const struct printed_field *f = tree_field(tree, name);
		assert_int_equal(f->refused, !counted);
		if (counted) {
			assert_i64_equal(f->size, bytes);
			assert_i64_equal(f->flat, bytes);
		}
		listed++;
	}
	return listed;
}

/*
 * The words of `text` between `before` and `after` (as in "counts x and y
 * whole"), into `words`: the end of `after` in `text`, or NULL if either
 * is missing.
 */
static const char *words_between(const char *text, const char *before, const char *after,
				 char *words, size_t size)
{
	const char *start = strstr(text, before);
	const char *end = start ? strstr(start += strlen(before), after) : NULL;
	if (!end || (size_t)(end - start) >= size)
		return NULL;
	snprintf(words, size, "%.*s", (int)(end - start), start);
	return end + strlen(after);
}

/* "Before, ... nothing to walk. After, each field leads to ...": against the two trees. */
static void assert_fields_claim(const char *prose)
{
	char *para = golden_paragraph(prose, "Before, the struct's three pointers are NULL");
	struct printed_tree before = printed_tree(prose, 0), after = printed_tree(prose, 1);
	assert_non_null(strstr(para, "and there is nothing to walk."));
	assert_int_equal(before.fields, 0);
	size_t n;
	int64_t bytes;
	char counted[64], refused[64];
	const char *each = strstr(para, "After, each field leads to ");
	const char *walk = words_between(para, "After, the walk counts ", " whole, each",
					 counted, sizeof counted);
	const char *left = walk ? words_between(walk, "it leaves out ", ", described as another "
						"type than its block's.", refused, sizeof refused)
				: NULL;
	if (each && sscanf(each, "After, each field leads to an array of %zu ints, %" SCNd64
			   " bytes, counted whole.", &n, &bytes) == 2) {
		assert_int_equal(fields_counted(&after, bytes), after.fields);
		assert_int_equal(after.fields, 3);
	} else if (left &&
		   sscanf(walk, " an array of %zu ints, %" SCNd64 " bytes;", &n, &bytes) == 2) {
		assert_int_equal(assert_fields_listed(&after, counted, true, bytes) +
					 assert_fields_listed(&after, refused, false, bytes),
				 after.fields);
	} else {
		fail_msg("the sentence on the fields reads: %s", para);
	}
	assert_int_equal(n, CHAPTER5_MULTIPLY_N);
	assert_i64_equal(bytes, (int64_t)(n * sizeof(int)));
	free(para);
}

/*
 * The paragraph after the growth grid, against it: either each row is the
 * struct plus the same bytes for each n, in the ints and blocks it names,
 * or the tracked block is gone (flat and deep 0) in the rows it names.
 */
static void assert_growth_claims(const char *prose)
{
	struct printed_growth grid = printed_growth(prose);
	struct printed_tree after = printed_tree(prose, 1);
	const size_t last = CHAPTER5_GROWTH_STEPS - 1;
	const char *every = strstr(prose, "\nIn every snapshot the tracked block is gone");
	const char *from_n = strstr(prose, "\nFrom n = ");
	if (every || from_n) {
		size_t from = 0;
		char *para = golden_paragraph(prose, every ? every + 1 : from_n + 1);
		if (!every && sscanf(para, "From n = %zu on", &from) != 1)
			fail_msg("the growth paragraph reads: %s", para);
		assert_non_null(
			strstr(para, " the tracked block is gone: active 0, and flat and deep 0."));
		for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++) {
			bool alive = grid.n[step] < from;
			assert_int_equal(grid.deep[step] > 0, alive);
			assert_int_equal(grid.flat[step] > 0, alive);
		}
		free(para);
		return;
	}
	char *para = golden_paragraph(prose, "Requested bytes grow by exactly ");
	int64_t per_n, flat, towards, first, lost_in;
	char ints[16], blocks[16], headers[16];
	size_t n_last;
	if (sscanf(para, "Requested bytes grow by exactly %" SCNd64 " for each n, %15s ints, "
			 "on top of the struct's %" SCNd64 ", so deep / n falls towards %" SCNd64
			 ":",
		   &per_n, ints, &flat, &towards) != 4)
		fail_msg("the growth paragraph reads: %s", para);
	for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++) {
		assert_i64_equal(grid.flat[step], flat);
		assert_i64_equal(grid.deep[step], flat + per_n * (int64_t)grid.n[step]);
	}
	const char *rest = strstr(para, "to each of the ");
	if (!rest || sscanf(rest, "to each of the %15s blocks. At n = 1 the program asks for "
			    "%" SCNd64 " bytes; by n = %zu the same %15s headers are lost in "
			    "%" SCNd64 " bytes.",
			    blocks, &first, &n_last, headers, &lost_in) != 5)
		fail_msg("the growth paragraph reads: %s", para);
	assert_i64_equal(towards, per_n);
	assert_i64_equal(counted_word(ints) * (int64_t)sizeof(int), per_n);
	/* the struct, and one block for each array the walk counted */
	assert_i64_equal(counted_word(blocks), 1 + counted_word(ints));
	int64_t array = CHAPTER5_MULTIPLY_N * (int64_t)sizeof(int);
	assert_i64_equal(counted_word(blocks), 1 + (int64_t)fields_counted(&after, array));
	assert_string_equal(headers, blocks);
	assert_i64_equal(first, grid.deep[0]);
	assert_int_equal(n_last, grid.n[last]);
	assert_i64_equal(lost_in, grid.deep[last]);
	free(para);
}

/*
 * What the lesson says of footprint over requested, against the "On this
 * machine" grid: a small object pays the most only where the ratio falls
 * from n = 1 to the last n, and the sentence that says so quotes its cells.
 */
static void assert_footprint_claims(const char *out)
{
	const char *grid = strstr(out, "\nOn this machine, the same snapshots' deep size");
	assert_non_null(grid);
	const char *row = after_line(after_line(after_line(grid + 1)));
	char ratio[CHAPTER5_GROWTH_STEPS][24];
	int64_t requested[CHAPTER5_GROWTH_STEPS];
	for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++, row = after_line(row))
		if (sscanf(row, "%*u | %" SCNd64 " | %*d | %*d | %23s", &requested[step],
			   ratio[step]) != 2)
			fail_msg("machine row %zu reads: %.60s", step, row);
	const size_t last = CHAPTER5_GROWTH_STEPS - 1;
	bool falls = requested[0] && requested[last] &&
		     strtod(ratio[0], NULL) > strtod(ratio[last], NULL);
	/* wherever the lesson says it, in its prose or on this machine, however wrapped */
	char *unwrapped = strdup(out);
	assert_non_null(unwrapped);
	for (char *c = unwrapped; *c; c++)
		if (*c == '\n')
			*c = ' ';
	bool pays = strstr(unwrapped, "pays the most for being made of blocks");
	free(unwrapped);
	if (pays && !falls)
		fail_msg("the lesson says a small object pays the most, but footprint / requested "
			 "goes from %s at n = 1 to %s", ratio[0], ratio[last]);

	const char *said =
		strstr(out, "\nOn this machine, the footprint against what was asked:\n");
	if (!said) {
		/* said beside the bytes each n adds, and only there */
		if (strstr(out, "Requested bytes grow by exactly "))
			fail_msg("the lesson says what each n adds, but not what the allocator "
				 "takes on top on this machine");
		return;
	}
	char small[24], large[24], tail[80];
	int64_t asked;
	size_t n_last;
	if (sscanf(after_line(said + 1), "At n = 1 the footprint is %23s times the %" SCNd64
		   " bytes asked for, at n = %zu %23s times: %79[^\n]",
		   small, &asked, &n_last, large, tail) != 5)
		fail_msg("the footprint sentence reads: %.160s", after_line(said + 1));
	assert_string_equal(small, ratio[0]);
	assert_string_equal(large, ratio[last]);
	assert_i64_equal(asked, requested[0]);
	assert_int_equal(n_last, CHAPTER5_GROWTH_N(last));
	assert_string_equal(tail, falls ? "a small object pays the most for being made of blocks."
					: "the same, as this malloc grants what is asked.");
}

/* Every claim the lesson `out` makes of what it measured agrees with the tables it printed. */
static void assert_prose_follows_tables(const char *out)
{
	char *prose = golden_strip_machine_blocks(out);
	assert_snapshot_claims(prose);
	assert_fields_claim(prose);
	assert_footprint_claims(out);
	assert_growth_claims(prose);
	assert_pct_claim(prose);
	free(prose);
}

/* As built: the lesson's sentences agree with its tables. */
static void test_prose_follows_tables(void **state)
{
	(void)state;
	char *out = golden_run(&chapter5, NULL);
	assert_prose_follows_tables(out);
	free(out);
}

/* ------------------------------------------------------------------ */
/* Breaks                                                              */
/* ------------------------------------------------------------------ */

/*
 * Each break has a test of its own, run on the build make made of it.
 * golden_test_breaks is not used: it runs every break as it is, and
 * free-first reads freed memory, so a plain run of it shows nothing a
 * test may rely on; its test runs it under valgrind instead.
 */

/*
 * The breaks chapter 5's source marks (#ifdef BREAK_<NAME>), as make
 * names them: each has a test below, and the lesson's Break it section
 * names each.
 */
static const char *const breaks[] = { "char-x", "free-first", "track-x" };
#define BREAK_COUNT (sizeof breaks / sizeof breaks[0])

/* The index of `name` in breaks[]; fails if it is not there. */
static size_t break_index(const char *name, const char *where)
{
	for (size_t i = 0; i < BREAK_COUNT; i++)
		if (strcmp(name, breaks[i]) == 0)
			return i;
	fail_msg("%s has a break \"%s\" the tests do not know", where, name);
	return BREAK_COUNT;
}

/* The source marks the breaks this test knows, the lesson names them: each, and no other. */
static void test_breaks_are_named(void **state)
{
	(void)state;
	bool marked[BREAK_COUNT] = { false }, named[BREAK_COUNT] = { false };
	char *source = golden_read_file("chapters/chapter5_growth.c");
	assert_non_null(source);
	/* as the Makefile finds them: a line starting #if that names BREAK_<NAME> */
	for (const char *line = source; *line; line = after_line(line)) {
		const char *mark = strstr(line, "BREAK_");
		if (strncmp(line, "#if", 3) != 0 || !mark || mark > strchr(line, '\n'))
			continue;
		char name[32];
		size_t length = strspn(mark + 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		assert_true(length > 0 && length < sizeof name);
		for (size_t i = 0; i < length; i++)
			name[i] = mark[6 + i] == '_' ? '-' : (char)(mark[6 + i] - 'A' + 'a');
		name[length] = '\0';
		marked[break_index(name, "chapters/chapter5_growth.c")] = true;
	}
	char *lesson = golden_read_file("chapters/chapter5_growth.md");
	assert_non_null(lesson);
	char *section = strstr(lesson, "\n## Break it\n");
	assert_non_null(section);
	char *end = strstr(section + 1, "\n## ");
	if (end)
		*end = '\0';
	for (const char *bullet = section; (bullet = strstr(bullet, "\n- `BREAK=")); bullet++) {
		char name[32];
		assert_int_equal(sscanf(bullet, "\n- `BREAK=%31[a-z0-9-]`", name), 1);
		named[break_index(name, "the Break it section")] = true;
	}
	for (size_t i = 0; i < BREAK_COUNT; i++) {
		if (!marked[i])
			fail_msg("the source marks no break %s", breaks[i]);
		if (!named[i])
			fail_msg("the Break it section names no BREAK=%s", breaks[i]);
	}
	free(lesson);
	free(source);
}

/* Break `name`, run as make built it: its prose agrees with its tables, and it says `says`. */
static void assert_break_says(const char *name, const char *says)
{
	char *out = golden_run_break(&chapter5, name);
	assert_prose_follows_tables(out);
	if (!strstr(out, says))
		fail_msg("BREAK=%s does not say \"%s\"", name, says);
	free(out);
}

/*
 * BREAK=char-x: x is described as char, so every walk refuses it; the
 * lesson counts y and z alone, and says so where it said x, y and z.
 */
static void test_break_char_x(void **state)
{
	(void)state;
	assert_break_says("char-x", "it leaves out x, described as another type");
}

/* BREAK=track-x: the block tracked is replaced before the first snapshot, so each finds it gone. */
static void test_break_track_x(void **state)
{
	(void)state;
	assert_break_says("track-x", "\nIn every snapshot the tracked block is gone");
}

/*
 * BREAK=free-first reads each old array after freeing it. Run plainly,
 * that is undefined; under valgrind the read is reported (three a
 * multiply, from the second of the growth series on, each in a block
 * multiply freed) and the bytes are left as they were, so the lesson
 * must still agree with itself.
 */
static void test_break_free_first(void **state)
{
	(void)state;
	char program[] = "build/break/free-first/chapter5";
	if (access(program, X_OK) != 0) {
		print_message("skipped: %s is not built (make test builds it)\n", program);
		skip();
	}
	struct golden_process result;
	golden_exec((char *[]){ "/usr/bin/env", "valgrind", program, NULL }, &result);
	if (result.exit_status == 127) {
		golden_process_free(&result);
		print_message("skipped: valgrind is not installed (make deps installs it)\n");
		skip();
	}
	assert_int_equal(result.exit_status, 0);
	char summary[64];
	snprintf(summary, sizeof summary, "ERROR SUMMARY: %d errors from 1 contexts",
		 3 * (CHAPTER5_GROWTH_STEPS - 1));
	if (!strstr(result.err, summary))
		fail_msg("valgrind did not say \"%s\":\n%s", summary, result.err);
	char read[64];
	snprintf(read, sizeof read, "Invalid read of size %zu\n", sizeof(int));
	const char *report = strstr(result.err, read);
	assert_non_null(report);
	assert_non_null(strstr(report, "chapter5_multiply"));
	const char *freed = strstr(report, " free'd\n");
	assert_non_null(freed);
	assert_non_null(strstr(freed, "ms_free_at"));
	golden_assert_output_rules(result.out);
	golden_assert_max_width(result.out, 80);
	assert_prose_follows_tables(result.out);
	golden_process_free(&result);
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
		ms_test(test_prose_follows_tables),
		ms_test(test_breaks_are_named),
		ms_test(test_break_char_x),
		ms_test(test_break_track_x),
		ms_test(test_break_free_first),
	};
	return cmocka_run_group_tests_name("chapter5", tests, NULL, NULL);
}
