/* chapter2_diff.c: lesson 2, the diff of two summaries, over the tutorial's x = [2] * 10 done three ways in C. */
#include "chapter2_diff.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chapters.h"
#include "lesson.h"
#include "lesson_code.h"
#include "memstats.h"

/* lesson code: x_constants */
/* The ten 2s of x = [2] * 10. */
#define X_LENGTH 10
#define X_VALUE 2
/* end lesson code */
/* Enough small blocks for the come-and-go experiment to be plain to see. */
#define CHURN_BLOCKS 100

/*
 * A count as the prose says it. A struct, so that say() can return one:
 * the array in a returned struct lives to the end of the full expression,
 * the call that prints it.
 */
struct said {
	char text[24];
};

/* `n` in words up to twelve, else its digits; capitalised to begin a sentence. */
static struct said say(int64_t n, bool capital)
{
	static const char *const words[] = {
		"no", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "ten", "eleven", "twelve",
	};
	struct said said;
	if (n >= 0 && n < (int64_t)(sizeof words / sizeof *words))
		snprintf(said.text, sizeof said.text, "%s", words[n]);
	else
		snprintf(said.text, sizeof said.text, "%" PRId64, n);
	if (capital)
		said.text[0] = (char)toupper((unsigned char)said.text[0]);
	return said;
}

/* The "s" of a plural noun. */
static const char *plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

/* What a diff holds in one row, as the prose tells it. */
struct row_figures {
	int64_t blocks;
	int64_t bytes;      /* requested */
	int64_t elements;   /* bytes over the size of one */
};

/* What a variant's diff holds, for its paragraph to say. */
struct chapter2_figures {
	int64_t blocks;                /* in all rows */
	struct row_figures ints;       /* the row of ms_type_int */
	struct row_figures pointers;   /* the row of lesson_int_pointer_type */
};

/* The figures of `diff`'s row of `type`; all zero if it has none. */
static struct row_figures row_figures(const ms_summary *diff, const ms_type *type)
{
	const struct ms_summary_row *row = ms_summary_find(diff, type->name);
	if (!row)
		return (struct row_figures){ 0, 0, 0 };
	int64_t bytes = row->g.bytes[MS_REQUESTED].current;
	return (struct row_figures){ row->g.blocks.current, bytes, bytes / (int64_t)type->size };
}

/* The figures of `diff`, a diff around one variant's build. */
static struct chapter2_figures figures_of(const ms_summary *diff)
{
	struct chapter2_figures f = { 0, row_figures(diff, &ms_type_int),
				      row_figures(diff, &lesson_int_pointer_type) };
	for (size_t i = 0; i < ms_summary_count(diff); i++)
		f.blocks += ms_summary_row(diff, i)->g.blocks.current;
	return f;
}

/* (a) One block holding the ten values themselves. */
static void *build_value_array(void)
{
	/* lesson code: value_array */
	int *x = ms_alloc(&ms_type_int, X_LENGTH);
	if (x)
		for (int i = 0; i < X_LENGTH; i++)
			x[i] = X_VALUE;
	return x;
	/* end lesson code */
}

static void release_value_array(void *x)
{
	ms_free(x);
}

static void show_value_array_code(struct lesson *lesson)
{
	lesson_code(lesson, LESSON_CODE_value_array);
}

static void explain_value_array(struct lesson *lesson, const struct chapter2_figures *f)
{
	lesson_para(lesson,
		    "This is what C means by an array of %s ints: %s block%s of %" PRId64
		    " bytes that hold%s the values themselves, with no pointer and no "
		    "object per element.",
		    say(f->ints.elements, false).text, say(f->ints.blocks, false).text,
		    plural(f->ints.blocks), f->ints.bytes, f->ints.blocks == 1 ? "s" : "");
}

/* (b) Ten pointers, all to one int: what Python's list repetition builds. */
static void *build_shared_pointers(void)
{
	/* lesson code: shared_pointers */
	int *two = ms_alloc(&ms_type_int, 1);
	int **x = two ? ms_alloc(&lesson_int_pointer_type, X_LENGTH) : NULL;
	if (!x) {
		ms_free(two);
		return NULL;
	}
	*two = X_VALUE;
	for (int i = 0; i < X_LENGTH; i++)
		x[i] = two;
	return x;
	/* end lesson code */
}

static void release_shared_pointers(void *pointers)
{
	int **x = pointers;
#ifdef BREAK_FREE_SHARED_TEN_TIMES
	/* As (c) frees: every x[i], so the one shared int ten times. */
	for (int i = 0; i < X_LENGTH; i++)
		ms_free(x[i]);
#else
	/* The one int is shared: free it once, through any of the ten. */
	ms_free(x[0]);
#endif
	ms_free(x);
}

static void show_shared_pointers_code(struct lesson *lesson)
{
	lesson_para(lesson,
		    "lesson_int_pointer_type describes a block of int * to memstats "
		    "(MS_TYPE_POINTER, each element pointing at an int), so it counts "
		    "in the row \"int *\":");
	lesson_code(lesson, LESSON_CODE_shared_pointers);
}

static void explain_shared_pointers(struct lesson *lesson, const struct chapter2_figures *f)
{
	lesson_para(lesson,
		    "This is what Python builds for [2] * 10: %s block%s of %s references, "
		    "all to the same int, and nothing else. %s block%s in all: *two = 3 "
		    "would change what all %s see.",
		    say(f->pointers.blocks, false).text, plural(f->pointers.blocks),
		    say(f->pointers.elements, false).text, say(f->blocks, true).text,
		    plural(f->blocks), say(f->pointers.elements, false).text);
}

/* (c) Ten pointers, each to an int of its own. */
static void *build_own_pointers(void)
{
	/* lesson code: own_pointers */
	int **x = ms_alloc(&lesson_int_pointer_type, X_LENGTH);
	if (!x)
		return NULL;
	for (int i = 0; i < X_LENGTH; i++) {
		x[i] = ms_alloc(&ms_type_int, 1);
		if (!x[i]) {
			while (i-- > 0)
				ms_free(x[i]);
			ms_free(x);
			return NULL;
		}
		*x[i] = X_VALUE;
	}
	return x;
	/* end lesson code */
}

static void release_own_pointers(void *pointers)
{
	int **x = pointers;
	for (int i = 0; i < X_LENGTH; i++)
		ms_free(x[i]);
	ms_free(x);
}

static void show_own_pointers_code(struct lesson *lesson)
{
	lesson_code(lesson, LESSON_CODE_own_pointers);
}

static void explain_own_pointers(struct lesson *lesson, const struct chapter2_figures *f)
{
	lesson_para(lesson,
		    "%s block%s: %s ints of %zu bytes and the block of pointers. The "
		    "requested bytes say %" PRId64 " for the ints, but every small block "
		    "is a chunk of its own with the allocator's rounding and header: "
		    "compare the footprint of the int row here and in (a) on this machine.",
		    say(f->blocks, true).text, plural(f->blocks), say(f->ints.blocks, false).text,
		    ms_type_int.size, f->ints.bytes);
}

const struct chapter2_variant chapter2_variants[CHAPTER2_VARIANT_COUNT] = {
	{ "(a) A value array: ten ints in one block",
	  build_value_array, release_value_array, show_value_array_code, explain_value_array },
	{ "(b) Ten pointers to one shared int",
	  build_shared_pointers, release_shared_pointers, show_shared_pointers_code,
	  explain_shared_pointers },
	{ "(c) Ten pointers to ten ints of their own",
	  build_own_pointers, release_own_pointers, show_own_pointers_code, explain_own_pointers },
};

/* What changed since `before`: its diff with a fresh summary; NULL if out of memory. */
static ms_summary *diff_since(const ms_summary *before)
{
	ms_summary *after = ms_summarize();
	ms_summary *diff = after ? ms_summary_diff(before, after) : NULL;
	ms_summary_free(after);
	return diff;
}

/* Two summaries with nothing in between: 0, or -1 if out of memory. */
static int show_quiet_diff(struct lesson *lesson)
{
	ms_summary *before = ms_summarize();
	ms_summary *diff = before ? diff_since(before) : NULL;
	ms_summary_free(before);
	if (!diff)
		return -1;
	lesson_para(lesson, "First, the diff of two summaries taken one right after the other:");
	lesson_table(lesson, diff);
	lesson_para(lesson,
		    "Nothing changed, so the diff is empty: just the two header lines, "
		    "the tutorial's sign that nothing leaked. memstats keeps summaries in "
		    "its own bookkeeping, never in a row. Pympler's first diff is full of "
		    "list and str rows instead: they are the rows of the first summary "
		    "itself, and the tutorial's ten-element list is lost among them. "
		    "Pympler's get_diff also keeps every row that did not change, as 0 "
		    "objects and 0 B, unless the caller sweeps them out "
		    "(SummaryTracker's print_diff does); a memstats diff holds only the "
		    "rows whose live blocks or bytes changed.");
	ms_summary_free(diff);
	return 0;
}

/* Blocks that come and go between two summaries: 0, or -1 if out of memory. */
static int show_churn_diff(struct lesson *lesson)
{
	int *held[CHURN_BLOCKS] = { NULL };
	ms_summary *before = ms_summarize();
	if (!before)
		return -1;
	bool all_held = true;   /* else the lesson would claim blocks that never came */
	for (int i = 0; i < CHURN_BLOCKS; i++)
		all_held &= (held[i] = ms_alloc(&ms_type_int, 1)) != NULL;
	for (int i = 0; i < CHURN_BLOCKS; i++)
		ms_free(held[i]);
	ms_summary *diff = all_held ? diff_since(before) : NULL;
	ms_summary_free(before);
	if (!diff)
		return -1;
	lesson_para(lesson,
		    "Next, %d ints allocated one by one and freed again, between two "
		    "summaries:", CHURN_BLOCKS);
	lesson_table(lesson, diff);
	lesson_para(lesson,
		    "A diff compares what is live at its two points, so work that came "
		    "and went in between leaves nothing behind.");
	ms_summary_free(diff);
	return 0;
}

/*
 * One variant between two summaries, and its diff; written to `data` too
 * if set, and counted in `*empty_diffs` if it came out empty.
 */
static int show_variant(struct lesson *lesson, FILE *data, const struct chapter2_variant *variant,
			size_t *empty_diffs)
{
	ms_summary *before = ms_summarize();
	void *x = before ? variant->build() : NULL;
	ms_summary *diff = NULL;
	if (x) {
#ifdef BREAK_RELEASE_BEFORE_DIFF
		/* freed before the second summary: live at neither point */
		variant->release(x);
		diff = diff_since(before);
#else
		diff = diff_since(before);
		variant->release(x);
#endif
	}
	ms_summary_free(before);
	if (!diff)
		return -1;
	lesson_subheading(lesson, variant->title);
	variant->show_code(lesson);
	lesson_table(lesson, diff);
	lesson_machine_table(lesson, "the same diff with the allocator's columns", diff);
	if (ms_summary_count(diff) > 0) {
		struct chapter2_figures figures = figures_of(diff);
		variant->explain(lesson, &figures);
	} else {
		/* the variant's paragraph would read rows that are not there */
		lesson_para(lesson,
			    "The diff is empty, though x was built between the two summaries: "
			    "none of its blocks was still live at the second one, and a diff "
			    "sees only what is live at its two points.");
		(*empty_diffs)++;
	}
	if (data)
		lesson_data_table(data, variant->title, diff);
	ms_summary_free(diff);
	return 0;
}

/* The heading, what the lesson does, and the constants its code builds x from. */
static void print_intro(struct lesson *lesson)
{
	lesson_heading(lesson, &chapter2);
	lesson_para(lesson,
		    "A diff subtracts one summary from another and keeps only the rows "
		    "that changed. The tutorial takes a summary, runs x = [2] * 10 and "
		    "prints the diff. Here the same ten 2s are built three ways in C, "
		    "each between two summaries by a function that returns x, or NULL "
		    "with nothing left live if memory runs out. In their code the ten "
		    "2s are two constants:");
	lesson_code(lesson, LESSON_CODE_x_constants);
}

/*
 * The tutorial's claim about [2] * 10, put right, and what the diffs
 * showed of the three variants, `empty_diffs` of them empty.
 */
static void print_what_python_does(struct lesson *lesson, size_t empty_diffs)
{
	lesson_subheading(lesson, "What Python really does");
	lesson_para(lesson,
		    "The tutorial says only the first 2 uses its full memory because "
		    "Python shares identical small ints. The sharing is not the ints' "
		    "doing: list repetition copies one reference ten times, for any "
		    "element. [[]] * 10 is ten references to one empty list, so appending "
		    "to x[0] shows up in all ten. That is variant (b).");
	lesson_para(lesson,
		    "Small-int caching only means that the int 2 already existed, so "
		    "Python makes no new int object at all. asizeof counts a shared "
		    "object once: its 168 bytes are the list (56 + 10 x 8 = 136) plus one "
		    "int (32), and the other nine references print as size=0.");
	char empty[160] = ".";
	if (empty_diffs > 0)
		snprintf(empty, sizeof empty,
			 " only while x is still live at its second summary: here %s of the %s "
			 "diffs came out empty.",
			 say((int64_t)empty_diffs, false).text,
			 say(CHAPTER2_VARIANT_COUNT, false).text);
	lesson_para(lesson,
		    "C makes the choice visible: (a) copies values, (b) shares one object, "
		    "(c) gives each element its own. A diff shows what each costs in blocks "
		    "and bytes%s", empty);
}

int chapter2_run(FILE *out, const struct chapter_opts *opts)
{
	int failed = 0;
	FILE *data = lesson_data_open(opts, chapter2.name, chapter2.name, &failed);
	if (failed)
		return 1;

	struct lesson lesson = LESSON_INIT(out);
	print_intro(&lesson);
	int status = show_quiet_diff(&lesson);
	if (status == 0)
		status = show_churn_diff(&lesson);
	size_t empty_diffs = 0;
	for (size_t i = 0; status == 0 && i < CHAPTER2_VARIANT_COUNT; i++)
		status = show_variant(&lesson, data, &chapter2_variants[i], &empty_diffs);
	if (status == 0)
		print_what_python_does(&lesson, empty_diffs);
	else
		fprintf(stderr, "chapter2: out of memory\n");

	if (lesson_finish(&lesson, chapter2.name) != 0)
		status = -1;
	if (data && lesson_data_close(data, chapter2.name) != 0)
		status = -1;
	return status == 0 ? 0 : 1;
}

const struct chapter chapter2 = { "chapter2", "diff of two summaries", chapter2_run };

#ifndef MS_NO_MAIN
int main(int argc, char **argv)
{
	return chapter_main(argc, argv, &chapter2);
}
#endif
