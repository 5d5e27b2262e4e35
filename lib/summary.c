/* summary.c: snapshots of live memory by row, their differences, and their tables. */
#include "memstats.h"
#include "bookkeeping.h"
#include "fault.h"
#include "gauges.h"
#include "table.h"
#include "types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct ms_summary_row row;   /* first, so a row pointer is an entry pointer */
	uint32_t id;                 /* the row number, to match rows across summaries */
};

/*
 * A summary lists the rows with live blocks, and keeps after them every
 * row counted since the last reset that has none now: a diff needs their
 * totals (a row that comes or goes is not new history), and a reader
 * their peak and total once a library has freed its last block.
 */
struct ms_summary {
	size_t bytes;                /* this allocation, counted as bookkeeping */
	size_t count;                /* rows listed: live ones, or a diff's changes */
	size_t held;                 /* rows kept: count, then the rows with none live */
	struct entry entries[];
};

static ms_summary *new_summary(size_t capacity)
{
	size_t bytes = sizeof(ms_summary) + capacity * sizeof(struct entry);
	ms_summary *s = ms_raw_malloc(bytes);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->bytes = bytes;
	s->count = 0;
	s->held = 0;
	ms_bookkeeping_add((int64_t)bytes);
	return s;
}

void ms_summary_free(ms_summary *s)
{
	if (!s)
		return;
	ms_bookkeeping_add(-(int64_t)s->bytes);
	ms_raw_free(s);
}

static int64_t magnitude(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Order by a key descending, then by name: a total order on deterministic keys. */
static int compare_keys(int64_t bytes_a, int64_t bytes_b, int64_t blocks_a, int64_t blocks_b,
			const char *name_a, const char *name_b)
{
	if (bytes_a != bytes_b)
		return bytes_a > bytes_b ? -1 : 1;
	if (blocks_a != blocks_b)
		return blocks_a > blocks_b ? -1 : 1;
	return strcmp(name_a, name_b);
}

/* True if any current figure of `g` is not zero. */
static bool has_current(const struct ms_gauges *g)
{
	bool any = g->blocks.current != 0;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		any |= g->bytes[n].current != 0;
	return any;
}

/* Rows with live blocks first; among them, and among the rest, by requested bytes. */
static int by_requested(const void *a, const void *b)
{
	const struct ms_gauges *x = &((const struct entry *)a)->row.g;
	const struct ms_gauges *y = &((const struct entry *)b)->row.g;
	bool live_x = has_current(x), live_y = has_current(y);
	if (live_x != live_y)
		return live_x ? -1 : 1;
	return compare_keys(x->bytes[MS_REQUESTED].current, y->bytes[MS_REQUESTED].current,
			    x->blocks.current, y->blocks.current,
			    ((const struct entry *)a)->row.name, ((const struct entry *)b)->row.name);
}

static int by_change(const void *a, const void *b)
{
	const struct ms_gauges *x = &((const struct entry *)a)->row.g;
	const struct ms_gauges *y = &((const struct entry *)b)->row.g;
	return compare_keys(magnitude(x->bytes[MS_REQUESTED].current),
			    magnitude(y->bytes[MS_REQUESTED].current), magnitude(x->blocks.current),
			    magnitude(y->blocks.current), ((const struct entry *)a)->row.name,
			    ((const struct entry *)b)->row.name);
}

ms_summary *ms_summarize(void)
{
	uint32_t rows = ms_row_count();
	ms_summary *s = new_summary(rows);
	if (!s)
		return NULL;
	for (uint32_t id = 0; id < rows; id++) {
		struct entry *e = &s->entries[s->held];
		ms_gauges_sum(id, &e->row.g);
		if (!has_current(&e->row.g) && e->row.g.blocks.total == 0)
			continue;            /* not counted since the last reset */
		e->row.name = ms_row_get(id)->name;
		e->id = id;
		s->held++;
		s->count += has_current(&e->row.g);
	}
	qsort(s->entries, s->held, sizeof s->entries[0], by_requested);
	return s;
}

static void subtract(struct ms_gauge *out, const struct ms_gauge *before,
		     const struct ms_gauge *after)
{
	out->current = after->current - before->current;
	out->total = after->total - before->total;
	out->peak = after->peak;
}

/* Append the change from `b` to `a` to `d`, unless nothing current changed. */
static void add_change(ms_summary *d, const struct entry *b, const struct entry *a,
		       const struct entry *named)
{
	struct entry *out = &d->entries[d->count];
	subtract(&out->row.g.blocks, &b->row.g.blocks, &a->row.g.blocks);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		subtract(&out->row.g.bytes[n], &b->row.g.bytes[n], &a->row.g.bytes[n]);
	if (!has_current(&out->row.g))
		return;
	out->row.name = named->row.name;
	out->id = named->id;
	d->count++;
	d->held++;
}

ms_summary *ms_summary_diff(const ms_summary *before, const ms_summary *after)
{
	if (!before || !after) {
		errno = EINVAL;
		return NULL;
	}
	/* Rows are matched by number through a table indexed by it: O(rows). */
	uint32_t rows = ms_row_count();
	const struct entry **unmatched = ms_raw_calloc(rows ? rows : 1, sizeof *unmatched);
	ms_summary *d = new_summary(before->held + after->held);
	if (!unmatched || !d) {
		ms_raw_free(unmatched);
		ms_summary_free(d);
		errno = ENOMEM;
		return NULL;
	}
	static const struct entry absent;
	for (size_t i = 0; i < before->held; i++)
		unmatched[before->entries[i].id] = &before->entries[i];
	for (size_t i = 0; i < after->held; i++) {
		const struct entry *a = &after->entries[i];
		const struct entry *b = unmatched[a->id];
		add_change(d, b ? b : &absent, a, a);
		unmatched[a->id] = NULL;
	}
	for (size_t i = 0; i < before->held; i++) {
		const struct entry *b = &before->entries[i];
		if (unmatched[b->id])        /* not counted in `after`: a reset came between */
			add_change(d, b, &absent, b);
	}
	ms_raw_free(unmatched);
	qsort(d->entries, d->count, sizeof d->entries[0], by_change);
	return d;
}

size_t ms_summary_count(const ms_summary *s)
{
	return s ? s->count : 0;
}

const struct ms_summary_row *ms_summary_row(const ms_summary *s, size_t i)
{
	return s && i < s->count ? &s->entries[i].row : NULL;
}

const struct ms_summary_row *ms_summary_find(const ms_summary *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->held; i++)
		if (strcmp(s->entries[i].row.name, name) == 0)
			return &s->entries[i].row;
	return NULL;
}

/* Row `r` of a summary's table: the name, its live blocks and its current sizes. */
static void summary_cells(struct ms_cells *t, const void *what, size_t r)
{
	const struct ms_summary_row *row = &((const ms_summary *)what)->entries[r].row;
	int64_t bytes[MS_NOTION_COUNT];
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		bytes[n] = row->g.bytes[n].current;
	ms_cells_put(t, row->name);
	ms_cells_printf(t, "%lld", (long long)row->g.blocks.current);
	ms_cells_sizes(t, bytes);
}

int ms_summary_print(const ms_summary *s, FILE *out, const struct ms_print_opts *opts)
{
	static const char *const header[] = { "types", "# blocks", NULL };
	return ms_cells_print(out, s, s ? s->count : 0, header, opts, summary_cells);
}
