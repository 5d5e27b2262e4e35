/* report.c: prints one process's census: its calls, what is live at exit by function, by call site and by size class, its peak, its checkpoints and its life over time. */
#define _GNU_SOURCE
#include "report.h"
#include "memstats.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Cells of a table being filled in: `columns` per row, each up to CELL bytes. */
#define CELL 64
struct grid {
	size_t columns, rows, cap;
	char (*text)[CELL];
	const char **cells;
};

static int grid_init(struct grid *g, size_t columns, size_t max_rows)
{
	g->columns = columns;
	g->rows = 0;
	g->cap = max_rows;
	g->text = calloc(columns * max_rows, CELL);
	g->cells = calloc(columns * max_rows, sizeof *g->cells);
	return g->text && g->cells ? 0 : -1;
}

/* The next row's cell `c`, formatted. */
__attribute__((format(printf, 3, 4))) static void cell(struct grid *g, size_t c, const char *format, ...)
{
	size_t i = g->rows * g->columns + c;
	va_list ap;
	va_start(ap, format);
	vsnprintf(g->text[i], CELL, format, ap);
	va_end(ap);
	g->cells[i] = g->text[i];
}

static void next_row(struct grid *g)
{
	g->rows++;
}

static int grid_print(FILE *out, struct grid *g, const struct ms_table_style *style)
{
	int result = ms_table_print(out, g->columns, g->rows, g->cells, style);
	free(g->text);
	free(g->cells);
	return result;
}

void census_report_site(const struct census_process *p, census_symbols *symbols, uint64_t address,
			char *buf, size_t cap)
{
	const struct census_map *m = census_data_map_of(p, address);
	if (!m) {
		snprintf(buf, cap, "0x%" PRIx64, address);
		return;
	}
	struct census_place place;
	census_symbols_find(symbols, m->path, address - m->from + m->offset, &place);
	census_place_format(&place, buf, cap);
}

/* The command line as one string, cut to fit. */
static void command_text(const struct census_process *p, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->arg_count && used + 1 < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "", p->args[i]);
	if (used >= cap && cap > 4)
		memcpy(buf + cap - 4, "...", 4);
}

/* The report's width: every line fits it. */
#define WIDTH 80

/* `text` on a line of its own, its start cut ("...") so its end fits WIDTH: a path's file name. */
static void print_cut_left(FILE *out, const char *text)
{
	size_t len = strlen(text);
	if (len > WIDTH)
		fprintf(out, "...%s\n", text + len - (WIDTH - 3));
	else
		fprintf(out, "%s\n", text);
}

/* `text` wrapped at spaces to WIDTH; a word longer than that is cut where it must be. */
static void print_wrapped(FILE *out, const char *text)
{
	while (strlen(text) > WIDTH) {
		size_t cut = WIDTH;
		while (cut > 0 && text[cut] != ' ')
			cut--;
		if (!cut)
			cut = WIDTH;
		fprintf(out, "%.*s\n", (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
	fprintf(out, "%s\n", text);
}

/* "1 site", "2 sites". */
static const char *plural(uint64_t n, const char *one, const char *more)
{
	return n == 1 ? one : more;
}

/* Why the live blocks were not walked: "3 threads were running", or, -1, that none could tell. */
static const char *threads_running(long threads, char *buf, size_t cap)
{
	if (threads < 0)
		snprintf(buf, cap, "the threads running could not be counted");
	else
		snprintf(buf, cap, "%ld %s running", threads,
			 plural((uint64_t)threads, "thread was", "threads were"));
	return buf;
}

static void print_heading(FILE *out, const struct census_process *p, const struct census_report_opts *opts)
{
	char command[60];
	command_text(p, command, sizeof command);
	fprintf(out, "== pid %ld: %s ==\n", p->pid, command);
	print_cut_left(out, p->exe ? p->exe : "?");
	fprintf(out, "Started by %s of pid %ld",
		p->forked ? "fork" : p->fork_then_exec ? "fork and exec" : "exec", p->ppid);
	if (opts->exit_status >= 0 && WIFEXITED(opts->exit_status))
		fprintf(out, ", exited with %d.\n", WEXITSTATUS(opts->exit_status));
	else if (opts->exit_status >= 0 && WIFSIGNALED(opts->exit_status))
		fprintf(out, ", killed by signal %d.\n", WTERMSIG(opts->exit_status));
	else
		fprintf(out, p->ended ? ", ended by exit.\n" : ".\n");
}

static void print_totals(FILE *out, const struct census_process *p)
{
	char live[32], peak[32], all[32];
	fprintf(out, "\n%" PRIu64 " %s and %" PRIu64 " %s, %s requested in all.\n",
		p->allocs, plural(p->allocs, "allocation", "allocations"), p->frees,
		plural(p->frees, "free", "frees"), ms_format_size_text((int64_t)p->bytes, all, sizeof all));
	fprintf(out, "Live at exit: %" PRId64 " %s, %s. Peak: %" PRId64 " %s, %s.\n",
		p->all.blocks.current, plural((uint64_t)p->all.blocks.current, "block", "blocks"),
		ms_format_size_text(p->all.bytes.current, live, sizeof live), p->all.blocks.peak,
		plural((uint64_t)p->all.blocks.peak, "block", "blocks"),
		ms_format_size_text(p->all.bytes.peak, peak, sizeof peak));
}

/*
 * memstats' summary: by the function that made each block. memstats keeps
 * a block's row when it is resized, as it keeps a typed block's type, so a
 * block malloc made and realloc grew stays in "malloc" (its site is the
 * realloc's).
 */
static int print_rows(FILE *out, const struct census_process *p)
{
	struct grid g;
	if (grid_init(&g, 5, p->row_count + 1) < 0)
		return -1;
	cell(&g, 0, "function");
	cell(&g, 1, "# live");
	cell(&g, 2, "live size");
	cell(&g, 3, "peak size");
	cell(&g, 4, "# all");
	next_row(&g);
	for (size_t i = 0; i < p->row_count; i++) {
		const struct census_row *r = &p->rows[i];
		char size[32];
		cell(&g, 0, "%s", r->name);
		cell(&g, 1, "%" PRId64, r->blocks.current);
		cell(&g, 2, "%s", ms_format_size(r->bytes.current, size, sizeof size));
		cell(&g, 3, "%s", ms_format_size(r->bytes.peak, size, sizeof size));
		cell(&g, 4, "%" PRId64, r->blocks.total);
		next_row(&g);
	}
	fprintf(out, "\nBy function, the call that made each block (a resize keeps it):\n");
	return grid_print(out, &g, NULL);
}

/* The stacks of the first `shown` sites, a frame a line, innermost first. */
static void print_stacks(FILE *out, const struct census_process *p, census_symbols *symbols,
			 const struct census_site *sites, size_t shown)
{
	fprintf(out, "Their call stacks, innermost frame first:\n");
	for (size_t i = 0; i < shown; i++) {
		for (int f = 0; f < sites[i].depth; f++) {
			char frame[WIDTH - 5];
			census_report_site(p, symbols, sites[i].frames[f], frame, sizeof frame);
			if (f)
				fprintf(out, "      %s\n", frame);
			else
				fprintf(out, "%4zu. %s\n", i + 1, frame);
		}
	}
}

/*
 * Site texts are cut to this, so a site table fits WIDTH: the other
 * columns take 45 ("   function" and the rest, with their " | "), and
 * the site column its padding of 2.
 */
#define SITE_WIDTH (WIDTH - 45 - 2)

/*
 * `site` cut to `width`: a long function name loses its end, so the
 * place after it ("(file.c:12)") still shows, as far as it fits.
 */
static void cut_site(char *site, size_t width)
{
	size_t len = strlen(site);
	if (len <= width)
		return;
	const char *place = strrchr(site, '(');
	size_t place_len = place ? strlen(place) : 0;
	if (place && place > site && place_len + 4 <= width) {
		size_t keep = width - place_len - 4;   /* "... " before the place */
		memmove(site + keep + 4, place, place_len + 1);
		memcpy(site + keep, "... ", 4);
	} else {
		memcpy(site + width - 3, "...", 4);
	}
}

/*
 * A site table; `unseen_blocks` and `unseen_bytes`, when not 0, are live
 * blocks no site holds (made before census.so's constructor ran, by the
 * libraries loaded with it), shown as a row so the table adds up.
 */
static int print_sites(FILE *out, const struct census_process *p, census_symbols *symbols,
		       const struct census_site *sites, size_t count, int top, int64_t unseen_blocks,
		       int64_t unseen_bytes)
{
	size_t shown = top >= 0 && (size_t)top < count ? (size_t)top : count;
	bool stacks = false;
	struct grid g;
	if (grid_init(&g, 4, shown + 3) < 0)
		return -1;
	cell(&g, 0, "site");
	cell(&g, 1, "function");
	cell(&g, 2, "# blocks");
	cell(&g, 3, "requested size");
	next_row(&g);
	int64_t rest_blocks = 0, rest_bytes = 0;
	for (size_t i = 0; i < count; i++) {
		char size[32];
		if (i >= shown) {
			rest_blocks += sites[i].blocks;
			rest_bytes += sites[i].bytes;
			continue;
		}
		char site[256];
		const struct census_site *s = &sites[i];
		census_report_site(p, symbols, s->depth ? s->frames[0] : s->address, site, sizeof site);
		stacks |= s->depth > 1;
		/* with stacks, a number ties the row to its stack below the table */
		char number[24] = "";
		if (s->depth > 1)
			snprintf(number, sizeof number, "%zu. ", i + 1);
		cut_site(site, SITE_WIDTH - strlen(number));
		cell(&g, 0, "%s%s", number, site);
		cell(&g, 1, "%s", s->row);
		cell(&g, 2, "%" PRId64, s->blocks);
		cell(&g, 3, "%s", ms_format_size(s->bytes, size, sizeof size));
		next_row(&g);
	}
	if (shown < count) {
		char size[32];
		cell(&g, 0, "%zu more %s", count - shown, plural(count - shown, "site", "sites"));
		cell(&g, 2, "%" PRId64, rest_blocks);
		cell(&g, 3, "%s", ms_format_size(rest_bytes, size, sizeof size));
		next_row(&g);
	}
	if (unseen_blocks || unseen_bytes) {
		char size[32];
		cell(&g, 0, "before census.so began");
		cell(&g, 2, "%" PRId64, unseen_blocks);
		cell(&g, 3, "%s", ms_format_size(unseen_bytes, size, sizeof size));
		next_row(&g);
	}
	struct ms_table_style style = { 2, MS_TABLE_COLUMN(0) };
	if (grid_print(out, &g, &style) < 0)
		return -1;
	if (stacks)
		print_stacks(out, p, symbols, sites, shown);
	return 0;
}

/* The bounds of size class `c` in bytes: 0, then 2^(c-1) to 2^c - 1. */
static void class_text(int c, char *buf, size_t cap)
{
	if (c == 0) {
		snprintf(buf, cap, "0");
		return;
	}
	uint64_t low = UINT64_C(1) << (c - 1);
	snprintf(buf, cap, "%" PRIu64 " - %" PRIu64, low, (low << 1) - 1);
}

static int print_classes(FILE *out, const struct census_process *p)
{
	struct grid g;
	if (grid_init(&g, 4, CENSUS_DATA_CLASSES + 1) < 0)
		return -1;
	cell(&g, 0, "bytes asked");
	cell(&g, 1, "# blocks");
	cell(&g, 2, "requested size");
	cell(&g, 3, "%% of blocks");
	next_row(&g);
	for (int c = 0; c < CENSUS_DATA_CLASSES; c++) {
		if (!p->class_blocks[c])
			continue;
		char text[64], size[32];
		class_text(c, text, sizeof text);
		cell(&g, 0, "%s", text);
		cell(&g, 1, "%" PRIu64, p->class_blocks[c]);
		cell(&g, 2, "%s", ms_format_size((int64_t)p->class_bytes[c], size, sizeof size));
		cell(&g, 3, "%.1f", 100.0 * (double)p->class_blocks[c] / (double)(p->allocs ? p->allocs : 1));
		next_row(&g);
	}
	fprintf(out, "\nRequests by size, every allocation and resize:\n");
	return grid_print(out, &g, NULL);
}

static void print_series(FILE *out, const struct census_process *p)
{
	if (!p->sample_count)
		return;
	const struct census_sample *last = &p->samples[p->sample_count - 1];
	size_t most = 0;
	for (size_t i = 1; i < p->sample_count; i++)
		if (p->samples[i].bytes > p->samples[most].bytes)
			most = i;
	char size[32], text[256];
	snprintf(text, sizeof text, "Live bytes over %.1f ms, %zu %s: the most seen %s at %.1f ms "
		 "(--data DIR plots them).", (double)last->ns / 1e6, p->sample_count,
		 plural(p->sample_count, "sample", "samples"),
		 ms_format_size_text(p->samples[most].bytes, size, sizeof size), (double)p->samples[most].ns / 1e6);
	fputc('\n', out);
	print_wrapped(out, text);
}

static int print_checkpoints(FILE *out, const struct census_process *p, census_symbols *symbols, int top)
{
	for (size_t i = 0; i < p->checkpoint_count; i++) {
		const struct census_checkpoint *cp = &p->checkpoints[i];
		char text[160];
		int at = snprintf(text, sizeof text, "Checkpoint %zu at %.1f ms: ", i + 1, (double)cp->ns / 1e6);
		if (!cp->change_count)
			snprintf(text + at, sizeof text - (size_t)at, "nothing changed since the %s.",
				 i ? "last" : "start");
		else
			snprintf(text + at, sizeof text - (size_t)at,
				 "the change since the %s; new blocks live by site:", i ? "last" : "start");
		fputc('\n', out);
		print_wrapped(out, text);
		if (!cp->change_count)
			continue;
		struct grid g;
		if (grid_init(&g, 3, cp->change_count + 1) < 0)
			return -1;
		cell(&g, 0, "function");
		cell(&g, 1, "# blocks");
		cell(&g, 2, "requested size");
		next_row(&g);
		for (size_t r = 0; r < cp->change_count; r++) {
			char size[32];
			cell(&g, 0, "%s", cp->changes[r].name);
			cell(&g, 1, "%+" PRId64, cp->changes[r].blocks.current);
			cell(&g, 2, "%s", ms_format_size(cp->changes[r].bytes.current, size, sizeof size));
			next_row(&g);
		}
		if (grid_print(out, &g, NULL) < 0)
			return -1;
		if (cp->sites_skipped) {
			char why[64];
			fprintf(out, "(%s: no walk of live blocks by site)\n",
				threads_running(cp->sites_skipped, why, sizeof why));
		}
		if (cp->site_count && print_sites(out, p, symbols, cp->sites, cp->site_count, top, 0, 0) < 0)
			return -1;
	}
	return 0;
}

int census_report_print(FILE *out, const struct census_process *p, census_symbols *symbols,
			const struct census_report_opts *opts)
{
	print_heading(out, p, opts);
	if (!p->ended) {
		fprintf(out, "It left no report: it ended without exit (by exec or a signal).\n");
		return fflush(out) || ferror(out) ? -1 : 0;
	}
	print_totals(out, p);
	if (p->misuse) {
		char text[512];
		snprintf(text, sizeof text, "memstats found %" PRId64 " bad %s; the first: %s", p->misuse,
			 plural((uint64_t)p->misuse, "call", "calls"), p->first_misuse ? p->first_misuse : "?");
		print_wrapped(out, text);
	}
	if (print_rows(out, p) < 0)
		return -1;
	if (p->sites_skipped) {
		char why[64];
		fprintf(out, "\nLive at exit by call site: not walked, as %s\n"
			"(one could free a block, and glibc unmap it, while it was read).\n",
			threads_running(p->sites_skipped, why, sizeof why));
	}
	int64_t unseen_blocks = p->all.blocks.current, unseen_bytes = p->all.bytes.current;
	for (size_t i = 0; i < p->site_count; i++) {
		unseen_blocks -= p->sites[i].blocks;
		unseen_bytes -= p->sites[i].bytes;
	}
	if (p->site_count || (unseen_blocks && !p->sites_skipped)) {
		fprintf(out, "\nLive at exit, by call site (%zu %s):\n", p->site_count,
			plural(p->site_count, "site", "sites"));
		if (print_sites(out, p, symbols, p->sites, p->site_count, opts->top, unseen_blocks,
				unseen_bytes) < 0)
			return -1;
	}
	if (print_classes(out, p) < 0 || print_checkpoints(out, p, symbols, opts->top) < 0)
		return -1;
	print_series(out, p);
	if (p->after_allocs || p->after_frees) {
		char text[256];
		/* counted, not explained: exit's cleanup, or a thread still running, may have made them */
		snprintf(text, sizeof text, "After this report was written, the process made %" PRIu64
			 " %s and %" PRIu64 " %s more before it ended.", p->after_allocs,
			 plural(p->after_allocs, "allocation", "allocations"), p->after_frees,
			 plural(p->after_frees, "free", "frees"));
		fputc('\n', out);
		print_wrapped(out, text);
	}
	return fflush(out) || ferror(out) ? -1 : 0;
}
