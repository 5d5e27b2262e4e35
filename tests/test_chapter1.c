/* test_chapter1.c: chapter 1 (a summary by type of a word index) leaves nothing behind, prints its expected lesson and measures sense. */
#define _GNU_SOURCE
#include "test_util.h"

#include "chapter1_summary.h"
#include "chapters.h"
#include "golden.h"

/* The checks every chapter makes; chapter 2 runs in between for repeatability. */
static const struct golden_case golden = { &chapter1, &chapter2, "chapter1.dat", "plots/summary.gp" };

/* The rows the word index is made of. */
#define ENTRY_ROW "struct word_entry"
#define WORD_ROW "char"
#define LINES_ROW "int"
#define BUCKET_ROW "struct bucket"
#define INDEX_ROW "struct word_index"

/* The word index, built, and a summary taken while it is live. */
struct built_index {
	struct word_index *index;
	ms_summary *s;
};

static void build_and_summarize(struct built_index *b)
{
	b->index = chapter1_index_build();
	assert_non_null(b->index);
	b->s = ms_summarize();
	assert_non_null(b->s);
}

static void free_built_index(struct built_index *b)
{
	ms_summary_free(b->s);
	chapter1_index_free(b->index);
}

/* Every row is sized in all three notions, each at least the one before, and the rows add up to the totals. */
static void test_rows_add_up_to_totals(void **state)
{
	(void)state;
	struct built_index built;
	build_and_summarize(&built);
	const ms_summary *s = built.s;
	struct ms_stats stats = ms_stats();

	for (size_t i = 0; i < ms_summary_count(s); i++) {
		const struct ms_summary_row *row = ms_summary_row(s, i);
		assert_i64_le(row->g.bytes[MS_REQUESTED].current, row->g.bytes[MS_USABLE].current);
		assert_i64_le(row->g.bytes[MS_USABLE].current, row->g.bytes[MS_FOOTPRINT].current);
	}
	assert_rows_sum_to(s, &stats.all);
	assert_i64_equal(stats.all.blocks.current, ms_live_blocks());

	free_built_index(&built);
}

/* The index's shape: three blocks per distinct word, one table, one index. */
static void test_index_shape(void **state)
{
	(void)state;
	struct built_index built;
	build_and_summarize(&built);
	const ms_summary *s = built.s;

	assert_int_equal(ms_summary_count(s), 5);
	int64_t words = row_of(s, ENTRY_ROW)->g.blocks.current;
	assert_i64_equal(row_of(s, WORD_ROW)->g.blocks.current, words);
	assert_i64_equal(row_of(s, LINES_ROW)->g.blocks.current, words);
	assert_i64_equal(row_of(s, BUCKET_ROW)->g.blocks.current, 1);
	assert_i64_equal(row_of(s, INDEX_ROW)->g.blocks.current, 1);
	assert_i64_equal(ms_live_blocks(), 3 * words + 2);
	/* An entry is five pointer-sized members; each line array holds whole ints. */
	assert_i64_equal(row_of(s, ENTRY_ROW)->g.bytes[MS_REQUESTED].current,
			 words * 5 * (int64_t)sizeof(void *));
	assert_i64_equal(row_of(s, LINES_ROW)->g.bytes[MS_REQUESTED].current % (int64_t)sizeof(int),
			 0);
	/* Every word has at least one letter and a NUL. */
	assert_i64_le(2 * words, row_of(s, WORD_ROW)->g.bytes[MS_REQUESTED].current);

	free_built_index(&built);
}

/* What the allocator and the kernel report holds at least what memstats tracks. */
static void test_machine_figures_relate(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	struct word_index *index = chapter1_index_build();
	assert_non_null(index);
	struct ms_stats stats = ms_stats();
	struct ms_process process;
	assert_int_equal(ms_process_read(&process), 0);

	const struct ms_gauges *all = &stats.all;
	/* glibc puts an 8-byte header in front of every heap chunk. */
	assert_i64_le(all->bytes[MS_USABLE].current + 8 * all->blocks.current,
		      all->bytes[MS_FOOTPRINT].current);
	/* each tracked block is a chunk: its footprint and memstats' header, heap or mapped */
	assert_i64_le(all->bytes[MS_FOOTPRINT].current + stats.header_bytes,
		      process.heap_used_bytes + process.mmapped_bytes);
	assert_i64_le(process.heap_used_bytes, process.heap_arena_bytes);
	assert_i64_le(all->bytes[MS_FOOTPRINT].current, process.rss_bytes);
	assert_i64_le(stats.header_bytes + stats.table_bytes, stats.bookkeeping_bytes);
	assert_i64_le(1, stats.header_bytes);

	chapter1_index_free(index);
}

/* The figure after `label` in `text` (a "  label    figure" line); fails the test if absent. */
static int64_t figure_after(const char *text, const char *label)
{
	const char *at = strstr(text, label);
	if (!at)
		print_error("no line \"%s\" in the output\n", label);
	assert_non_null(at);
	long long figure;
	assert_int_equal(sscanf(at + strlen(label), "%lld", &figure), 1);
	return figure;
}

/*
 * The block that sets malloc's "in use" beside the tracked chunks says
 * what it computes: its tracked figure is the totals block's footprint
 * plus headers, and its last line the difference, never negative.
 */
static void test_heap_in_use_is_reconciled(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	char *out = golden_run(&chapter1, NULL);
	int64_t footprint = figure_after(out, "tracked, footprint");
	int64_t headers = figure_after(out, "of which block headers");
	int64_t used = figure_after(out, "malloc heap in use");
	int64_t mapped = figure_after(out, "malloc mmapped blocks");
	int64_t in_use = figure_after(out, "in use: uordblks + hblkhd");
	int64_t tracked = figure_after(out, "tracked: footprint + headers");
	int64_t rest = figure_after(out, "in use, not tracked");
	assert_i64_equal(in_use, used + mapped);
	assert_i64_equal(tracked, footprint + headers);
	assert_i64_equal(rest, in_use - tracked);
	assert_i64_ge(rest, 0);
	free(out);
}

/*
 * The sentence on the most spread word, from `out`: its lines, the
 * capacities its array passed through (into `steps`), its slots, and the
 * unused ones it names.
 */
struct spread_sentence {
	size_t lines, slots, unused;
	char steps[128];
};

static struct spread_sentence spread_sentence(const char *out)
{
	char *para = golden_paragraph(out, "The word \"");
	struct spread_sentence s = { 0, 0, 0, "" };
	char unused[32];
	if (sscanf(para, "The word \"%*[a-z]\" is on %zu lines, more than any other; as it "
			 "filled, its array grew to %127[0-9, and] slots, and now has %zu, %31[^.]",
		   &s.lines, s.steps, &s.slots, unused) != 4)
		fail_msg("the sentence on the most spread word reads: %s", para);
	/* the scan set takes the space before "slots" too */
	for (size_t end = strlen(s.steps); end > 0 && s.steps[end - 1] == ' '; end--)
		s.steps[end - 1] = '\0';
	if (strcmp(unused, "none unused") != 0 && sscanf(unused, "%zu of them unused", &s.unused) != 1)
		fail_msg("unused slots read: %s", unused);
	free(para);
	return s;
}

/* The array's figures agree with each other: the slots hold the lines, the rest is unused. */
static void assert_spread_sentence_agrees(const struct spread_sentence *s)
{
	assert_true(s->slots >= s->lines);
	assert_int_equal(s->unused, s->slots - s->lines);
	/* the steps end at the slots it has */
	char last[32];
	snprintf(last, sizeof last, " %zu", s->slots);
	size_t steps = strlen(s->steps);
	assert_true(steps >= strlen(last));
	assert_string_equal(s->steps + steps - strlen(last), last);
}

/* As built, the array doubles: 1, 2, 4, 8 and 16 slots for "she"'s 9 lines. */
static void test_spread_sentence_as_built(void **state)
{
	(void)state;
	char *out = golden_run(&chapter1, NULL);
	struct spread_sentence s = spread_sentence(out);
	assert_spread_sentence_agrees(&s);
	assert_string_equal(s.steps, "1, 2, 4, 8 and 16");
	free(out);
}

/* BREAK=grow-by-one: one slot at a time, so as many slots as lines and none unused. */
static void test_break_grow_by_one(void **state)
{
	(void)state;
	char *out = golden_run_break(&chapter1, "grow-by-one");
	struct spread_sentence s = spread_sentence(out);
	assert_spread_sentence_agrees(&s);
	assert_int_equal(s.slots, s.lines);
	assert_string_equal(s.steps, "1, 2, 3, 4, 5, 6, 7, 8 and 9");
	/* and nothing still says the array doubled */
	assert_null(strstr(out, "doubled"));
	free(out);
}

/* BREAK=leak-words: the lesson reads the same; only what is left at exit differs. */
static void test_break_leak_words(void **state)
{
	(void)state;
	char *broken = golden_run_break(&chapter1, "leak-words");
	char *out = golden_run(&chapter1, NULL);
	char *a = golden_strip_machine_blocks(broken), *b = golden_strip_machine_blocks(out);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(out);
	free(broken);
}

/* The lesson puts every allocator figure inside "On this machine" blocks. */
static void test_machine_blocks_hold_allocator_columns(void **state)
{
	(void)state;
	golden_check_machine_blocks(&chapter1,
				    (const char *const[]){ "\nOn this machine, the same summary",
							   "\nOn this machine, the program as a whole",
							   "|       usable |", NULL },
				    (const char *const[]){ "usable |", "footprint\n", NULL });
}

/* --data writes the summary's deterministic columns, row for row. */
static void test_data_file_is_the_summary(void **state)
{
	(void)state;
	char *data = golden_run_for_data(&chapter1);

	struct built_index built;
	build_and_summarize(&built);
	const ms_summary *s = built.s;
	char *expected = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&expected, &size);
	assert_non_null(f);
	fprintf(f, "# chapter 1: live memory of the word index by type\n");
	fprintf(f, "# type blocks requested\n");
	for (size_t i = 0; i < ms_summary_count(s); i++) {
		const struct ms_summary_row *row = ms_summary_row(s, i);
		fprintf(f, "\"%s\" %" PRId64 " %" PRId64 "\n", row->name, row->g.blocks.current,
			row->g.bytes[MS_REQUESTED].current);
	}
	fprintf(f, "\n\n");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(data, expected);

	free(expected);
	free_built_index(&built);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		golden_test(golden_test_nothing_left, &golden),
		ms_test(test_rows_add_up_to_totals),
		ms_test(test_index_shape),
		ms_test(test_machine_figures_relate),
		ms_test(test_heap_in_use_is_reconciled),
		ms_test(test_machine_blocks_hold_allocator_columns),
		golden_test(golden_test_output_rules, &golden),
		golden_test(golden_test_expected, &golden),
		golden_test(golden_test_lesson_block, &golden),
		golden_test(golden_test_repeatable, &golden),
		ms_test(test_data_file_is_the_summary),
		golden_test(golden_test_program, &golden),
		golden_test(golden_test_unwritable_data, &golden),
		golden_test(golden_test_write_failures, &golden),
		golden_test(golden_test_plot, &golden),
		ms_test(test_spread_sentence_as_built),
		ms_test(test_break_grow_by_one),
		ms_test(test_break_leak_words),
		golden_test(golden_test_breaks, &golden),
	};
	return cmocka_run_group_tests_name("chapter1", tests, NULL, NULL);
}
