/* strategies.c: the comparison program: every reference strategy on the same traces, then the growth policies and the struct layouts, each as a table. */
#include "strategies.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "03_growth/growth.h"
#include "04_layout/layout.h"
#include "lesson.h"
#include "memstats.h"

/* --data DIR writes DIR/strategies.dat. */
#define DATA_NAME "strategies"

struct strategy *strategies_make(enum strategy_id id, enum trace_id trace,
				 union strategy_storage *storage)
{
	switch (id) {
	case STRATEGY_MALLOC:
		malloc_strategy_init(&storage->malloc_each);
		return &storage->malloc_each;
	case STRATEGY_ARENA:
		arena_init(&storage->arena, STRATEGY_BLOCK_SIZE);
		return &storage->arena.base;
	case STRATEGY_POOL:
		if (trace_object_size(trace) == 0)
			return NULL;
		pool_init(&storage->pool, "pool", trace_object_size(trace), STRATEGY_BLOCK_SIZE);
		return &storage->pool.base;
	case STRATEGY_SIZE_CLASSES:
		size_classes_init(&storage->size_classes, STRATEGY_BLOCK_SIZE);
		return &storage->size_classes.base;
	case STRATEGY_COUNT:
		break;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

/* The most rows a table here has, header included, and the room for a cell's text. */
#define TABLE_ROWS (1 + TRACE_COUNT * STRATEGY_COUNT)
#define CELL LESSON_CELL_SIZE

/* A grid of the lesson kit, filled a row at a time. */
struct table {
	size_t columns;
	size_t rows;
	struct lesson_grid_row row[TABLE_ROWS];
};
_Static_assert(LESSON_GRID_COLUMNS >= 7, "the widest table here has seven columns");

/* Start `t` with a header of `columns` cells. */
static void table_start(struct table *t, size_t columns, const char *const *header)
{
	t->columns = columns;
	t->rows = 1;
	for (size_t c = 0; c < columns; c++)
		snprintf(t->row[0].cell[c], CELL, "%s", header[c]);
}

/* A new row at the end of `t`, its cells to be filled with snprintf(row[c], CELL, ...). */
static char (*table_row(struct table *t))[CELL]
{
	return t->row[t->rows++].cell;
}

/* `bytes` as Pympler's pp() scales it, without the leading spaces: "2.29 MB", "0     B". */
static void size_cell(char *cell, int64_t bytes)
{
	char text[CELL];
	ms_format_size(bytes, text, sizeof text);
	snprintf(cell, CELL, "%s", text + strspn(text, " "));
}

/*
 * Pympler's shape without its padding of two, which would take the
 * seven-column table past 78 columns.
 */
static const struct ms_table_style tight = { 0, 0 };

static void print_table(struct lesson *lesson, const struct table *t)
{
	lesson_grid_styled(lesson, NULL, &tight, t->columns, t->rows, t->row);
}

/* `t` in an "On this machine, <what>:" block. */
static void print_machine_table(struct lesson *lesson, const char *what, const struct table *t)
{
	lesson_grid_styled(lesson, what, &tight, t->columns, t->rows, t->row);
}

/* ------------------------------------------------------------------ */
/* The strategies                                                      */
/* ------------------------------------------------------------------ */

/*
 * Every case runs this many times. One run's time can be ten times
 * another's on a busy machine, so a table shows the median with the
 * least and the most beside it; the counts must agree on every run.
 */
#define RUNS 7

/* How the "On this machine" blocks name their varying figures, RUNS spelt out. */
#define SPELT_(n) #n
#define SPELT(n) SPELT_(n)
#define VARYING_WHAT "median (least-most) of " SPELT(RUNS) " runs"

/* One figure of a case, run after run. */
struct varying {
	int64_t runs[RUNS];
};

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The median of `v`'s runs; the least and most in *least and *most if they are set. */
static int64_t varying_median(const struct varying *v, int64_t *least, int64_t *most)
{
	int64_t sorted[RUNS];
	memcpy(sorted, v->runs, sizeof sorted);
	qsort(sorted, RUNS, sizeof sorted[0], by_value);
	if (least && most) {
		*least = sorted[0];
		*most = sorted[RUNS - 1];
	}
	return sorted[RUNS / 2];
}

/* "median (least-most)" of `v`'s runs, each divided by `per`, in whole units. */
static void varying_cell(char *cell, const struct varying *v, double per)
{
	int64_t least, most;
	int64_t median = varying_median(v, &least, &most);
	snprintf(cell, CELL, "%.0f (%.0f-%.0f)", (double)median / per, (double)least / per,
		 (double)most / per);
}

/* One strategy on one trace, RUNS times: its counts, and its times from every run. */
struct strategy_result {
	enum trace_id trace;
	const char *name;
	struct trace_figures f;              /* the counts; the times are the medians */
	struct varying run_ns, teardown_ns;
};

/* True if two runs of one case counted the same. */
static bool same_counts(const struct trace_figures *a, const struct trace_figures *b)
{
	bool same = true;
#define SAME_COUNT_(field, what) same &= a->field == b->field;
	TRACE_COUNTS(SAME_COUNT_)
#undef SAME_COUNT_
	return same;
}

/*
 * Run strategy `id` on `trace` RUNS times into `r`: 0; 1 if it cannot run
 * that trace; -1 with a message on stderr if a run failed.
 */
static int run_case(enum strategy_id id, enum trace_id trace, struct strategy_result *r)
{
	for (int run = 0; run < RUNS; run++) {
		union strategy_storage storage;
		struct strategy *s = strategies_make(id, trace, &storage);
		if (!s)
			return 1;
		struct trace_figures f;
		r->trace = trace;
		r->name = s->name;
		if (trace_run(trace, s, &f) != 0)
			return -1;
		if (run == 0) {
			r->f = f;
		} else if (!same_counts(&f, &r->f)) {
			fprintf(stderr, "strategies: %s on the %s trace counted differently in run %d\n",
				r->name, trace_name(trace), run + 1);
			return -1;
		}
		r->run_ns.runs[run] = f.run_ns;
		r->teardown_ns.runs[run] = f.teardown_ns;
	}
	r->f.run_ns = varying_median(&r->run_ns, NULL, NULL);
	r->f.teardown_ns = varying_median(&r->teardown_ns, NULL, NULL);
	return 0;
}

/* Run every strategy on every trace it can run, into `results`; returns how many ran, or -1. */
static int run_every_strategy(struct strategy_result *results)
{
	int count = 0;
	for (int trace = 0; trace < TRACE_COUNT; trace++)
		for (int id = 0; id < STRATEGY_COUNT; id++) {
			int status = run_case(id, trace, &results[count]);
			if (status < 0)
				return -1;
			count += status == 0;
		}
	return count;
}

static void show_traces(struct lesson *lesson)
{
	lesson_subheading(lesson, "The traces");
	for (int trace = 0; trace < TRACE_COUNT; trace++) {
		char description[256];
		lesson_para(lesson, "%s", trace_describe(trace, description, sizeof description));
	}
}

/* What one block of the arena, the pool and the size classes holds, from their own shapes. */
static void show_block_contents(struct lesson *lesson)
{
	size_t room = STRATEGY_BLOCK_SIZE - sizeof(struct arena_chunk);
	_Static_assert(sizeof(struct arena_chunk) == sizeof(struct pool_slab),
		       "the text says the arena's and the pool's blocks have one header size");
	size_t node_slot = size_class_bytes(size_class_index(TREE_NODE_SIZE));
	size_t object_slot = size_class_bytes(size_class_index(CHURN_OBJECT_SIZE));
	lesson_para(lesson,
		    "A block of %d bytes, less a %zu-byte header, holds %zu tree nodes in "
		    "the arena or the pool, and %zu churn objects in the pool. The size "
		    "classes put a %d-byte node in a %zu-byte slot and a %d-byte object in "
		    "a %zu-byte one, so a block holds %zu or %zu of them.",
		    STRATEGY_BLOCK_SIZE, sizeof(struct arena_chunk), room / TREE_NODE_SIZE,
		    room / CHURN_OBJECT_SIZE, TREE_NODE_SIZE, node_slot, CHURN_OBJECT_SIZE,
		    object_slot, room / node_slot, room / object_slot);
}

static void show_comparison(struct lesson *lesson, const struct strategy_result *results, int count)
{
	lesson_subheading(lesson, "The strategies on each trace");
	lesson_para(lesson,
		    "calls: blocks the strategy took from memstats. peak held: the most "
		    "bytes it held at once. unused: bytes it held when the trace ended "
		    "that held no live object. reuse: object bytes it handed out for each "
		    "byte it took. teardown frees: objects the program then freed one at "
		    "a time; a strategy with a reset drops them all at once instead.");
	struct table t;
	table_start(&t, 7, (const char *const[]){ "trace", "strategy", "calls", "peak held",
						  "unused", "reuse", "teardown frees" });
	for (int i = 0; i < count; i++) {
		const struct trace_figures *f = &results[i].f;
		char(*row)[CELL] = table_row(&t);
		snprintf(row[0], CELL, "%s", trace_name(results[i].trace));
		snprintf(row[1], CELL, "%s", results[i].name);
		snprintf(row[2], CELL, "%" PRId64, f->calls);
		size_cell(row[3], f->peak_held);
		size_cell(row[4], f->held_at_end - f->live_at_end);
		snprintf(row[5], CELL, "%.2f", (double)f->handed_out / (double)f->taken);
		snprintf(row[6], CELL, "%" PRId64, f->teardown_frees);
	}
	print_table(lesson, &t);
	show_block_contents(lesson);

	table_start(&t, 5, (const char *const[]){ "trace", "strategy", "footprint peak",
						  "ns per object", "teardown us" });
	for (int i = 0; i < count; i++) {
		const struct trace_figures *f = &results[i].f;
		char(*row)[CELL] = table_row(&t);
		snprintf(row[0], CELL, "%s", trace_name(results[i].trace));
		snprintf(row[1], CELL, "%s", results[i].name);
		size_cell(row[2], f->footprint_peak);
		varying_cell(row[3], &results[i].run_ns, (double)f->objects);
		varying_cell(row[4], &results[i].teardown_ns, 1000.0);
	}
	print_machine_table(lesson, "footprint peak and times, " VARYING_WHAT, &t);
}

/* Write every run as a row of the data file: the counts exactly, then the machine figures. */
static void write_results(FILE *data, const struct strategy_result *results, int count)
{
#define FIGURE_NAME_(field, what) " " #field
	lesson_data_begin(data, "strategies: every reference strategy on the same traces",
			  "trace strategy" TRACE_COUNTS(FIGURE_NAME_) TRACE_MACHINE_FIGURES(FIGURE_NAME_));
#undef FIGURE_NAME_
	for (int i = 0; i < count; i++) {
		const struct trace_figures *f = &results[i].f;
		fprintf(data, "%s %s", trace_name(results[i].trace), results[i].name);
#define FIGURE_VALUE_(field, what) fprintf(data, " %" PRId64, f->field);
		TRACE_COUNTS(FIGURE_VALUE_)
		TRACE_MACHINE_FIGURES(FIGURE_VALUE_)
#undef FIGURE_VALUE_
		fputc('\n', data);
	}
	lesson_data_end(data);
}

/* ------------------------------------------------------------------ */
/* Growth policies and struct layouts                                  */
/* ------------------------------------------------------------------ */

/*
 * Push through `policy` RUNS times: the counts in `f`, the moves and times
 * of every run in `moved` and `ns`. 0, or -1 with a message on stderr.
 */
static int run_growth(const struct growth_policy *policy, struct growth_figures *f,
		      struct varying *moved, struct varying *ns)
{
	for (int run = 0; run < RUNS; run++) {
		struct growth_figures g;
		if (growth_run(policy, GROWTH_PUSHES, &g) != 0)
			return -1;
		if (run == 0) {
			*f = g;
		} else if (g.reallocations != f->reallocations || g.copied != f->copied ||
			   g.peak_capacity != f->peak_capacity || g.unused_at_end != f->unused_at_end) {
			fprintf(stderr, "strategies: growth policy %s counted differently in run %d\n",
				policy->name, run + 1);
			return -1;
		}
		moved->runs[run] = g.moved;
		ns->runs[run] = g.ns;
	}
	return 0;
}

static int show_growth(struct lesson *lesson)
{
	lesson_subheading(lesson, "Growth policies for a dynamic array");
	lesson_para(lesson,
		    "%d elements of 8 bytes pushed one at a time into an empty array, "
		    "which grows by its policy whenever it is full. A growth copies the "
		    "elements the array holds then: counted so whether or not realloc "
		    "moved the block, since any allocator may move it.",
		    GROWTH_PUSHES);
	struct table counts, machine;
	table_start(&counts, 5, (const char *const[]){ "policy", "reallocations", "elements copied",
						       "peak capacity", "unused at end" });
	table_start(&machine, 3, (const char *const[]){ "policy", "moved by realloc", "time us" });
	for (int p = 0; p < GROWTH_POLICY_COUNT; p++) {
		struct growth_figures f;
		struct varying moved, ns;
		if (run_growth(&growth_policies[p], &f, &moved, &ns) != 0)
			return -1;
		char(*row)[CELL] = table_row(&counts);
		snprintf(row[0], CELL, "%s", growth_policies[p].name);
		snprintf(row[1], CELL, "%" PRId64, f.reallocations);
		snprintf(row[2], CELL, "%" PRId64, f.copied);
		snprintf(row[3], CELL, "%" PRId64, f.peak_capacity);
		snprintf(row[4], CELL, "%" PRId64, f.unused_at_end);
		row = table_row(&machine);
		snprintf(row[0], CELL, "%s", growth_policies[p].name);
		varying_cell(row[1], &moved, 1.0);
		varying_cell(row[2], &ns, 1000.0);
	}
	print_table(lesson, &counts);
	print_machine_table(lesson, "realloc's moves and time, " VARYING_WHAT, &machine);
	return 0;
}

/* The footprint of one malloc'd instance of `size` bytes: -1 if memory ran out. */
static int64_t instance_footprint(size_t size)
{
	void *instance = ms_alloc_bytes(size, "layout");
	int64_t footprint = instance ? ms_sizeof_flat(instance, MS_FOOTPRINT) : -1;
	ms_free(instance);
	return footprint;
}

static int show_layouts(struct lesson *lesson)
{
	lesson_subheading(lesson, "Struct layouts");
	lesson_para(lesson,
		    "Three structs with their fields in the order they came to mind, and "
		    "the same fields largest alignment first. sizeof is fixed by the "
		    "x86_64 ABI, not by the allocator, so these figures are the same on "
		    "every run.");
	struct table counts, machine;
	table_start(&counts, 5, (const char *const[]){ "struct", "as given", "reordered",
						       "saved each", "saved over 1000000" });
	table_start(&machine, 3, (const char *const[]){ "struct", "as given", "reordered" });
	_Static_assert(LAYOUT_INSTANCES == 1000000, "the header says how many instances");
	for (int i = 0; i < LAYOUT_COUNT; i++) {
		const struct layout *given = layouts_given[i], *reordered = layouts_reordered[i];
		int64_t saved = (int64_t)(given->size - reordered->size);
		char(*row)[CELL] = table_row(&counts);
		snprintf(row[0], CELL, "%s", reordered->name);
		snprintf(row[1], CELL, "%zu", given->size);
		snprintf(row[2], CELL, "%zu", reordered->size);
		snprintf(row[3], CELL, "%" PRId64, saved);
		size_cell(row[4], saved * LAYOUT_INSTANCES);
		int64_t given_footprint = instance_footprint(given->size);
		int64_t reordered_footprint = instance_footprint(reordered->size);
		if (given_footprint < 0 || reordered_footprint < 0)
			return -1;
		row = table_row(&machine);
		snprintf(row[0], CELL, "%s", reordered->name);
		snprintf(row[1], CELL, "%" PRId64, given_footprint);
		snprintf(row[2], CELL, "%" PRId64, reordered_footprint);
	}
	print_table(lesson, &counts);
	print_machine_table(lesson, "the footprint of one instance from malloc", &machine);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The program                                                         */
/* ------------------------------------------------------------------ */

int strategies_run(FILE *out, const struct chapter_opts *opts)
{
	int failed = 0;
	FILE *data = lesson_data_open(opts, "strategies", DATA_NAME, &failed);
	if (failed)
		return 1;
	struct lesson lesson = LESSON_INIT(out);
	lesson_title(&lesson, "Allocation strategies, compared");
#ifdef STRATEGIES_MINE
	/* make strategies MINE=1 names the exercises whose code is the reader's. */
	if (STRATEGIES_MINE[0])
		lesson_para(&lesson, "Built with MINE=1: your exercise.c for %s, the reference "
				     "for every other exercise.", STRATEGIES_MINE);
	else
		lesson_para(&lesson, "Built with MINE=1, but no exercise.c of yours passes its "
				     "test yet: every strategy here is the reference.");
#endif
	lesson_para(&lesson,
		    "Each strategy takes its memory from memstats with ms_alloc_bytes, "
		    "tagged with its name, so memstats counts the blocks of every one the "
		    "same way. The arena, the pool and the size classes take %d bytes at "
		    "a time; malloc takes one block per object. The traces are fixed and "
		    "seeded, so every count outside the \"On this machine\" blocks is the "
		    "same on every machine.",
		    STRATEGY_BLOCK_SIZE);
	show_traces(&lesson);

	struct strategy_result results[TRACE_COUNT * STRATEGY_COUNT];
	int count = run_every_strategy(results);
	int status = count < 0 ? -1 : 0;
	if (status == 0) {
		show_comparison(&lesson, results, count);
		if (data)
			write_results(data, results, count);
		status = show_growth(&lesson);
	}
	if (status == 0)
		status = show_layouts(&lesson);
	if (status != 0)
		fprintf(stderr, "strategies: a run failed (see above)\n");
	if (lesson_finish(&lesson, "strategies") != 0)
		status = -1;
	if (data && lesson_data_close(data, "strategies") != 0)
		status = -1;
	return status == 0 ? 0 : 1;
}

const struct chapter strategies_program = { "strategies", "allocation strategies compared",
					     strategies_run };

#ifndef MS_NO_MAIN
static void print_usage(FILE *out)
{
	fputs("usage: strategies [--data DIR] [--help]\n"
	      "Every reference allocation strategy of the memstats exercises on the same\n"
	      "traces, then the growth policies and the struct layouts.\n"
	      "  --data DIR  also write strategies.dat, the numbers plots/strategies.gp draws\n"
	      "  -h, --help  print this help and exit\n",
	      out);
}

int main(int argc, char **argv)
{
	struct chapter_opts opts = { .data_dir = NULL };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(stdout);
			return lesson_flush(stdout, "strategies", "standard output") == 0 ? 0 : 1;
		}
		if (strcmp(argv[i], "--data") != 0 || i + 1 == argc) {
			fprintf(stderr, "strategies: unknown or incomplete argument '%s'\n", argv[i]);
			print_usage(stderr);
			return 2;
		}
		opts.data_dir = argv[++i];
	}
	/* strategies_run() flushes stdout itself and says if writing failed. */
	return strategies_run(stdout, &opts);
}
#endif
