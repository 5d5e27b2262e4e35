/* report.c: the benchmark's results, printed as a table and written as a data file for plots/bench.gp. */
#include "bench.h"

#include <math.h>
#include <string.h>

#include "lesson.h"
#include "memstats.h"

#define MAX_FIGURES 32
#define MAX_PAIR_COSTS 4
#define MAX_SUMMARY_TIMES 8

struct figure {
	const char *case_name, *measure, *unit;
	double value;
	double target;       /* met when value <= target; NO_TARGET: none */
	double reference;    /* a cross-check: agrees when within tolerance of this */
	double tolerance;    /* a fraction of reference; 0: not a cross-check */
};

struct pair_cost {
	const char *case_name;
	double raw_ns, tracked_ns, ratio;
};

struct summary_time {
	int64_t live_blocks;
	double us;
};

static struct figure figures[MAX_FIGURES];
static size_t figure_count;
static struct pair_cost pair_costs[MAX_PAIR_COSTS];
static size_t pair_cost_count;
static struct summary_time summary_times[MAX_SUMMARY_TIMES];
static size_t summary_time_count;

/* Keep figures in case order ("1 churn" < "2 tight loop" ...), in recording order within a case. */
static void add_figure(struct figure f)
{
	if (figure_count == MAX_FIGURES)
		bench_fail("too many figures: raise MAX_FIGURES");
	size_t at = figure_count++;
	for (; at > 0 && strcmp(figures[at - 1].case_name, f.case_name) > 0; at--)
		figures[at] = figures[at - 1];
	figures[at] = f;
}

void bench_record(const char *case_name, const char *measure, double value, const char *unit,
		  double target)
{
	add_figure((struct figure){ case_name, measure, unit, value, target, 0, 0 });
}

void bench_record_check(const char *case_name, const char *measure, double value,
			const char *unit, double reference, double tolerance)
{
	add_figure((struct figure){ case_name, measure, unit, value, NO_TARGET, reference,
				    tolerance });
}

void bench_record_pair_cost(const char *case_name, double raw_ns, double tracked_ns,
			    double ratio)
{
	if (pair_cost_count == MAX_PAIR_COSTS)
		bench_fail("too many pair costs: raise MAX_PAIR_COSTS");
	pair_costs[pair_cost_count++] = (struct pair_cost){ case_name, raw_ns, tracked_ns, ratio };
}

void bench_record_summary_time(int64_t live_blocks, double us)
{
	if (summary_time_count == MAX_SUMMARY_TIMES)
		bench_fail("too many summary times: raise MAX_SUMMARY_TIMES");
	summary_times[summary_time_count++] = (struct summary_time){ live_blocks, us };
}

/* The target column: "<= 2.2", "about 34.0" for a cross-check, "" for none. */
static void target_text(const struct figure *f, char *buf, size_t cap)
{
	if (f->tolerance > 0)
		snprintf(buf, cap, "about %.1f", f->reference);
	else if (f->target != NO_TARGET)
		snprintf(buf, cap, "<= %g", f->target);
	else
		snprintf(buf, cap, "%s", "");
}

/* The met? column: "yes", "no (+35%)", "agrees", "differs", "" for none. */
static void met_text(const struct figure *f, char *buf, size_t cap)
{
	if (f->tolerance > 0)
		snprintf(buf, cap, "%s",
			 fabs(f->value - f->reference) <= f->tolerance * f->reference ? "agrees"
										   : "differs");
	else if (f->target == NO_TARGET)
		snprintf(buf, cap, "%s", "");
	else if (f->value <= f->target)
		snprintf(buf, cap, "%s", "yes");
	else
		snprintf(buf, cap, "no (+%.0f%%)", 100 * (f->value / f->target - 1));
}

#define CELL 48
#define COLUMNS 5

int bench_print_table(FILE *out)
{
	static char text[MAX_FIGURES][COLUMNS][CELL];
	static const char *cells[(1 + MAX_FIGURES) * COLUMNS] = { "case", "measure", "value", "target",
								 "met?" };
	for (size_t i = 0; i < figure_count; i++) {
		const struct figure *f = &figures[i];
		snprintf(text[i][0], CELL, "%s", f->case_name);
		snprintf(text[i][1], CELL, "%s", f->measure);
		snprintf(text[i][2], CELL, "%.2f %s", f->value, f->unit);
		target_text(f, text[i][3], CELL);
		met_text(f, text[i][4], CELL);
		for (int c = 0; c < COLUMNS; c++)
			cells[(1 + i) * COLUMNS + c] = text[i][c];
	}
	/* Names and verdicts read from the left; the values line up on their units. */
	static const struct ms_table_style style = {
		0, MS_TABLE_COLUMN(0) | MS_TABLE_COLUMN(1) | MS_TABLE_COLUMN(3) | MS_TABLE_COLUMN(4)
	};
	return ms_table_print(out, COLUMNS, 1 + figure_count, cells, &style);
}

int bench_write_data(const char *dir)
{
	/* The chapters' data files, opened and closed as the chapters do, with their messages. */
	const struct chapter_opts opts = { .data_dir = dir };
	int failed;
	FILE *out = lesson_data_open(&opts, "bench", "bench", &failed);
	if (!out)
		return -1;
	fputs("# bench.dat: what make bench measured (bench/), drawn by plots/bench.gp.\n"
	      "# Times are this machine's; each is the median of several repetitions.\n\n"
	      "# index 0, cost of one allocation+free pair: case raw_ns tracked_ns ratio\n"
	      "# (ratio: the median of each repetition's tracked / raw)\n",
	      out);
	for (size_t i = 0; i < pair_cost_count; i++)
		fprintf(out, "\"%s\" %.3f %.3f %.3f\n", pair_costs[i].case_name, pair_costs[i].raw_ns,
			pair_costs[i].tracked_ns, pair_costs[i].ratio);
	fputs("\n\n# index 1, one ms_summarize call: live_blocks us\n", out);
	for (size_t i = 0; i < summary_time_count; i++)
		fprintf(out, "%lld %.4f\n", (long long)summary_times[i].live_blocks,
			summary_times[i].us);
	fputs("\n\n# index 2, every figure: case measure value unit target met\n", out);
	for (size_t i = 0; i < figure_count; i++) {
		const struct figure *f = &figures[i];
		char target[CELL], met[CELL];
		target_text(f, target, sizeof target);
		met_text(f, met, sizeof met);
		fprintf(out, "\"%s\" \"%s\" %.4f \"%s\" \"%s\" \"%s\"\n", f->case_name, f->measure,
			f->value, f->unit, target, met);
	}
	return lesson_data_close(out, "bench");
}
