/* test_tracker.c: checkpoint trackers: empty diffs when nothing happened, exact site tables, a peak of each tracker's own, and print_diff's text. */
#include "test_util.h"

#include <pthread.h>
#include <stdbool.h>

struct tt_rec {
	long id;
	double v[3];
};
static MS_TYPE_LEAF(tt_rec_type, struct tt_rec);

/* One allocating line shared by calls made before and after a checkpoint. */
static struct tt_rec *make_records(size_t n) { return ms_alloc(&tt_rec_type, n); } enum { RECORD_LINE = __LINE__ };

/* The two header lines every by-type table starts with; alone, an empty diff. */
#define EMPTY_DIFF                                   \
	"  types |   # blocks |   requested size\n" \
	"======= | ========== | ================\n"

/* This file's name as the allocation macros record it. */
#define HERE ms_test_base_name(__FILE__)

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* `n` (at most 16) blocks of `size` bytes under `tag`, all live at once, then freed: a burst. */
static void come_and_go(int n, size_t size, const char *tag)
{
	void *p[16];
	assert_true(n <= 16);
	for (int i = 0; i < n; i++) {
		p[i] = ms_alloc_bytes(size, tag);
		assert_non_null(p[i]);
	}
	for (int i = 0; i < n; i++)
		ms_free(p[i]);
}

/* The measures of ms_stats().all: blocks, then bytes in each notion. */
#define MEASURES (1 + MS_NOTION_COUNT)

static const char *measure_name(int m)
{
	return m == 0 ? "blocks" : ms_notion_name((enum ms_notion)(m - 1));
}

static void stats_current(int64_t out[MEASURES])
{
	struct ms_stats st = ms_stats();
	out[0] = st.all.blocks.current;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		out[n + 1] = st.all.bytes[n].current;
}

static void stats_peak(int64_t out[MEASURES])
{
	struct ms_stats st = ms_stats();
	out[0] = st.all.blocks.peak;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		out[n + 1] = st.all.bytes[n].peak;
}

static void tracker_peak(ms_tracker *t, int64_t out[MEASURES])
{
	struct ms_tracker_peak p = ms_tracker_peak(t);
	out[0] = p.blocks;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		out[n + 1] = p.bytes[n];
}

/* Two measure vectors are equal, each measure named on failure. */
static void measures_equal(const int64_t got[MEASURES], const int64_t want[MEASURES],
			   const char *what, const char *file, int line)
{
	for (int m = 0; m < MEASURES; m++)
		if (got[m] != want[m]) {
			print_error("%s: %s is %" PRId64 ", expected %" PRId64 "\n", what,
				    measure_name(m), got[m], want[m]);
			_fail(file, line);
		}
}
#define assert_measures(got, want, what) measures_equal((got), (want), (what), __FILE__, __LINE__)

/* The tracker's peak equals `want` (blocks, then each notion). */
static void tracker_peak_is(ms_tracker *t, const int64_t want[MEASURES], const char *file,
			    int line)
{
	int64_t got[MEASURES];
	tracker_peak(t, got);
	measures_equal(got, want, "tracker peak", file, line);
}
#define assert_tracker_peak(t, want) tracker_peak_is((t), (want), __FILE__, __LINE__)

/* The tracker's peak is what is live now: nothing rose since its checkpoint. */
static void tracker_peak_is_current(ms_tracker *t, const char *file, int line)
{
	int64_t now[MEASURES];
	stats_current(now);
	tracker_peak_is(t, now, file, line);
}
#define assert_tracker_peak_current(t) tracker_peak_is_current((t), __FILE__, __LINE__)

/* peak >= current for the tracker (if any) and the program, every measure. */
static void peaks_sane(ms_tracker *t, const char *file, int line)
{
	int64_t now[MEASURES], prog[MEASURES], mine[MEASURES];
	stats_current(now);
	stats_peak(prog);
	if (t)
		tracker_peak(t, mine);
	for (int m = 0; m < MEASURES; m++) {
		ms_test_i64_check(prog[m], now[m], MS_TEST_GE, "program peak", "current", file,
				  line);
		if (t)
			ms_test_i64_check(mine[m], now[m], MS_TEST_GE, "tracker peak", "current",
					  file, line);
	}
}
#define assert_peaks_sane(t) peaks_sane((t), __FILE__, __LINE__)

/* The tracker's diff (which moves its checkpoint) has no rows. */
static void diff_is_empty(ms_tracker *t, const char *file, int line)
{
	ms_summary *d = ms_tracker_diff(t);
	if (!d) {
		print_error("ms_tracker_diff failed\n");
		_fail(file, line);
	}
	if (ms_summary_count(d) != 0) {
		print_error("the diff has %zu rows, expected none; the first is \"%s\" "
			    "(%" PRId64 " blocks, %" PRId64 " requested bytes)\n",
			    ms_summary_count(d), ms_summary_row(d, 0)->name,
			    ms_summary_row(d, 0)->g.blocks.current,
			    ms_summary_row(d, 0)->g.bytes[MS_REQUESTED].current);
		ms_summary_free(d);
		_fail(file, line);
	}
	ms_summary_free(d);
}
#define assert_diff_empty(t) diff_is_empty((t), __FILE__, __LINE__)

/* The tracker's site table has no rows (does not move the checkpoint). */
static void sites_are_empty(ms_tracker *t, const char *file, int line)
{
	ms_sites *s = ms_tracker_sites(t);
	if (!s) {
		print_error("ms_tracker_sites failed\n");
		_fail(file, line);
	}
	size_t count = ms_sites_count(s);
	if (count != 0) {
		const struct ms_site_row *r = ms_sites_row(s, 0);
		print_error("the site table has %zu rows, expected none; the first is %s:%d "
			    "\"%s\"\n", count, r->file, r->line, r->name);
		ms_sites_free(s);
		_fail(file, line);
	}
	ms_sites_free(s);
}
#define assert_sites_empty(t) sites_are_empty((t), __FILE__, __LINE__)

/* A site row is exactly (file, line, name, blocks, requested bytes). */
static void site_row_is(const ms_sites *s, size_t i, const char *file, int line_no,
			const char *name, int64_t blocks, int64_t requested, const char *tfile,
			int tline)
{
	const struct ms_site_row *r = ms_sites_row(s, i);
	if (!r) {
		print_error("no site row %zu (the table has %zu)\n", i, ms_sites_count(s));
		_fail(tfile, tline);
	}
	if (strcmp(r->file, file) != 0 || r->line != line_no || strcmp(r->name, name) != 0 ||
	    r->blocks != blocks || r->bytes[MS_REQUESTED] != requested) {
		print_error("site row %zu is %s:%d \"%s\" %" PRId64 " blocks %" PRId64
			    " requested;\nexpected %s:%d \"%s\" %" PRId64 " blocks %" PRId64
			    " requested\n", i, r->file, r->line, r->name, r->blocks,
			    r->bytes[MS_REQUESTED], file, line_no, name, blocks, requested);
		_fail(tfile, tline);
	}
}
#define assert_site(s, i, file, line, name, blocks, requested) \
	site_row_is((s), (i), (file), (line), (name), (blocks), (requested), __FILE__, __LINE__)

/* Site order: requested bytes desc, blocks desc, file, line (as a number), name. */
static void sites_sorted(const ms_sites *s, const char *file, int line)
{
	for (size_t i = 1; i < ms_sites_count(s); i++) {
		const struct ms_site_row *a = ms_sites_row(s, i - 1), *b = ms_sites_row(s, i);
		int before;
		if (a->bytes[MS_REQUESTED] != b->bytes[MS_REQUESTED])
			before = a->bytes[MS_REQUESTED] > b->bytes[MS_REQUESTED];
		else if (a->blocks != b->blocks)
			before = a->blocks > b->blocks;
		else if (strcmp(a->file, b->file) != 0)
			before = strcmp(a->file, b->file) < 0;
		else if (a->line != b->line)
			before = a->line < b->line;
		else
			before = strcmp(a->name, b->name) < 0;   /* equal would be a split group */
		if (!before) {
			print_error("site rows %zu (%s:%d \"%s\") and %zu (%s:%d \"%s\") are out of "
				    "order or one group split in two\n", i - 1, a->file, a->line,
				    a->name, i, b->file, b->line, b->name);
			_fail(file, line);
		}
	}
}
#define assert_sites_sorted(s) sites_sorted((s), __FILE__, __LINE__)

/* Sum of the blocks' sizes in every notion, read through ms_block_info. */
static void add_block_sizes(int64_t sum[MS_NOTION_COUNT], const void *p)
{
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		sum[n] += ms_test_block_bytes(p, (enum ms_notion)n);
}

/* Site row `i` holds exactly `sum` in every notion. */
static void site_sizes_are(const ms_sites *s, size_t i, const int64_t sum[MS_NOTION_COUNT],
			   const char *file, int line)
{
	const struct ms_site_row *r = ms_test_found(ms_sites_row(s, i), file, line,
						    "no site row %zu\n", i);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		ms_test_i64_check(r->bytes[n], sum[n], MS_TEST_EQ, ms_notion_name((enum ms_notion)n),
				  "the blocks' own sizes", file, line);
}
#define assert_site_sizes(s, i, sum) site_sizes_are((s), (i), (sum), __FILE__, __LINE__)

/* The tracker's printers as ms_test_printers, for ms_test_printed and assert_write_fails. */
static int print_diff_to(FILE *out, void *tracker)
{
	return ms_tracker_print_diff(tracker, out);
}

static int print_sites_to(FILE *out, void *sites)
{
	return ms_sites_print(sites, out, NULL);
}

static void print_diff_is(ms_tracker *t, const char *want, const char *file, int line)
{
	char *got = ms_test_printed(print_diff_to, t);
	if (strcmp(got, want) != 0) {
		print_error("ms_tracker_print_diff printed:\n%s---- expected:\n%s----\n", got, want);
		free(got);
		_fail(file, line);
	}
	free(got);
}
#define assert_print_diff(t, want) print_diff_is((t), (want), __FILE__, __LINE__)

/*
 * The site table part of print_diff's text for rows at this file's lines
 * `lines` (rows already in order), in the summary's shape: each column
 * right-aligned to its widest cell plus 2. `rest[i]` is row i's text after
 * its site cell (" |   tt leak |          3 |        120     B");
 * `types_header` and `types_rule` are the types column's header cell and
 * rule, already padded to that column's width.
 */
static void site_table_text(char *out, size_t cap, size_t count, const int lines[],
			    const char *const rest[], const char *types_header,
			    const char *types_rule)
{
	char cell[8][64];
	int width = (int)strlen("site");
	assert_true(count <= 8);
	for (size_t i = 0; i < count; i++) {
		snprintf(cell[i], sizeof cell[i], "test_tracker.c:%d", lines[i]);
		if ((int)strlen(cell[i]) > width)
			width = (int)strlen(cell[i]);
	}
	width += 2;
	char rule[80];
	assert_true((size_t)width < sizeof rule);
	memset(rule, '=', (size_t)width);
	rule[width] = '\0';
	size_t used = (size_t)snprintf(out, cap,
				       "Allocated since the checkpoint and still live, by site:\n"
				       "%*s | %s |   # blocks |   requested size\n"
				       "%s | %s | ========== | ================\n",
				       width, "site", types_header, rule, types_rule);
	for (size_t i = 0; i < count && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%*s%s\n", width, cell[i], rest[i]);
	assert_true(used < cap);
}

/* ------------------------------------------------------------------ */
/* Invariants: a tracker sees nothing when nothing happened             */
/* ------------------------------------------------------------------ */

/* The first diff is empty, with nothing live and with live blocks, summaries and other trackers around. */
static void test_first_diff_is_empty(void **state)
{
	(void)state;
	/* nothing live at all */
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	assert_diff_empty(t);
	ms_tracker_free(t);

	/* live blocks of several rows, a summary and another tracker already there */
	void *keep[4];
	keep[0] = ms_alloc_bytes(100, "tt first a");
	keep[1] = ms_alloc_bytes(7, "tt first b");
	keep[2] = ms_alloc(&tt_rec_type, 3);
	keep[3] = ms_strdup("kept");
	for (int i = 0; i < 4; i++)
		assert_non_null(keep[i]);
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	ms_tracker *older = ms_tracker_new();
	assert_non_null(older);

	struct ms_stats before = ms_stats();
	t = ms_tracker_new();
	assert_non_null(t);
	/* a tracker is bookkeeping: the program's gauges do not move, peaks included */
	struct ms_stats with = ms_stats();
	assert_gauges_equal(&with.all, &before.all);
	assert_sites_empty(t);
	assert_tracker_peak_current(t);
	assert_diff_empty(t);
	/* the older tracker sees neither the new one nor the new one's diff */
	assert_diff_empty(older);
	assert_sites_empty(older);
	assert_tracker_peak_current(older);
	/* nor does the new one see the older one's diff or a fresh summary */
	ms_summary *s2 = ms_summarize();
	assert_non_null(s2);
	assert_diff_empty(t);
	ms_summary_free(s2);
	struct ms_stats after = ms_stats();
	assert_gauges_equal(&after.all, &before.all);
	assert_peaks_sane(t);

	ms_tracker_free(t);
	ms_tracker_free(older);
	ms_tracker_free(NULL);   /* documented no-op */
	ms_summary_free(s);
	for (int i = 0; i < 4; i++)
		ms_free(keep[i]);
}

/* Checkpoints with nothing between them give empty diffs, however many in a row. */
static void test_back_to_back_checkpoints(void **state)
{
	(void)state;
	void *keep = ms_alloc_bytes(300, "tt b2b");
	assert_non_null(keep);
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	for (int i = 0; i < 5; i++) {
		assert_diff_empty(t);
		assert_sites_empty(t);
		assert_tracker_peak_current(t);
	}
	/* a change, its diff, then nothing again */
	void *more = ms_alloc_bytes(20, "tt b2b");
	assert_non_null(more);
	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 1);
	assert_row(d, "tt b2b", 1, 20);
	ms_summary_free(d);
	assert_diff_empty(t);
	assert_diff_empty(t);
	ms_tracker_free(t);
	ms_free(more);
	ms_free(keep);
}

/*
 * A row with a past: its totals in a tracker's diff count only what
 * happened since the checkpoint, when the row comes back and when it
 * empties again.
 */
static void test_diff_totals_since_the_checkpoint(void **state)
{
	(void)state;
	for (int i = 0; i < 100; i++)
		ms_free(ms_alloc_bytes(8, "tt past"));
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	void *p = ms_alloc_bytes(8, "tt past");
	assert_non_null(p);
	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	const struct ms_summary_row *r = assert_row(d, "tt past", 1, 8);
	assert_i64_equal(r->g.blocks.total, 1);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].total, 8);
	ms_summary_free(d);

	ms_free(p);
	d = ms_tracker_diff(t);
	assert_non_null(d);
	r = assert_row(d, "tt past", -1, -8);
	assert_i64_equal(r->g.blocks.total, 0);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].total, 0);
	ms_summary_free(d);
	assert_diff_empty(t);
	ms_tracker_free(t);
}

/* Alloc n, free n: an empty diff and no sites, but a peak that shows the n blocks and their bytes. */
static void test_alloc_free_leaves_peak(void **state)
{
	(void)state;
	void *keep[2] = { ms_alloc_bytes(10, "tt churn keep"), ms_alloc_bytes(10, "tt churn keep") };
	assert_non_null(keep[0]);
	assert_non_null(keep[1]);
	int64_t at_checkpoint[MEASURES];
	stats_current(at_checkpoint);
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);

	enum { N = 8 };
	static const size_t sizes[N] = { 1, 16, 24, 100, 1000, 4000, 0, 333 };
	void *p[N];
	int64_t sum[MS_NOTION_COUNT] = { 0 };
	int64_t requested = 0;
	for (int i = 0; i < N; i++) {
		p[i] = ms_alloc_bytes(sizes[i], i % 2 ? "tt churn a" : "tt churn b");
		assert_non_null(p[i]);
		add_block_sizes(sum, p[i]);
		requested += (int64_t)sizes[i];
		assert_peaks_sane(t);
	}
	assert_i64_equal(sum[MS_REQUESTED], requested);
	for (int i = 0; i < N; i++) {
		ms_free(p[i]);
		assert_peaks_sane(t);
	}

	/* invariants: peak >= current; sites and diff empty */
	assert_peaks_sane(t);
	assert_sites_empty(t);
	/* exact: the peak is the checkpoint's live figures plus all n blocks at once */
	int64_t want[MEASURES];
	want[0] = at_checkpoint[0] + N;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		want[n + 1] = at_checkpoint[n + 1] + sum[n];
	assert_i64_equal(want[0], 2 + N);
	assert_i64_equal(want[1 + MS_REQUESTED], 20 + requested);
	assert_tracker_peak(t, want);
	assert_tracker_peak(t, want);       /* reading the peak does not move anything */
	assert_diff_empty(t);
	/* the diff moved the checkpoint: the peak restarts at what is live */
	assert_tracker_peak(t, at_checkpoint);

	/* each measure's peak is its own highest point: many small, then one big */
	come_and_go(10, 8, "tt churn a");
	void *big = ms_alloc_bytes(5000, "tt churn b");
	assert_non_null(big);
	ms_free(big);
	struct ms_tracker_peak pk = ms_tracker_peak(t);
	assert_i64_equal(pk.blocks, 2 + 10);
	assert_i64_equal(pk.bytes[MS_REQUESTED], 20 + 5000);
	assert_peaks_sane(t);
	assert_diff_empty(t);

	ms_tracker_free(t);
	ms_free(keep[0]);
	ms_free(keep[1]);
}

/* The diff moves the checkpoint; the peak and the site table do not. */
static void test_diff_moves_checkpoint(void **state)
{
	(void)state;
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	const int line = __LINE__; void *a = ms_alloc_bytes(40, "tt move"), *b = ms_alloc_bytes(60, "tt move");
	assert_non_null(a);
	assert_non_null(b);
	void *gone = ms_alloc_bytes(500, "tt move gone");
	assert_non_null(gone);
	ms_free(gone);

	for (int round = 0; round < 2; round++) {   /* asking twice changes nothing */
		struct ms_tracker_peak pk = ms_tracker_peak(t);
		assert_i64_equal(pk.blocks, 3);
		assert_i64_equal(pk.bytes[MS_REQUESTED], 600);
		ms_sites *s = ms_tracker_sites(t);
		assert_non_null(s);
		assert_int_equal(ms_sites_count(s), 1);
		assert_site(s, 0, HERE, line, "tt move", 2, 100);
		ms_sites_free(s);
	}

	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 1);   /* "tt move gone" came and went */
	assert_row(d, "tt move", 2, 100);
	ms_summary_free(d);

	/* moved: nothing since, so an empty diff, no sites, a peak at current */
	assert_sites_empty(t);
	assert_tracker_peak_current(t);
	assert_diff_empty(t);

	ms_tracker_free(t);
	ms_free(a);
	ms_free(b);
}

/* ------------------------------------------------------------------ */
/* The site table                                                        */
/* ------------------------------------------------------------------ */

/* Rows group by (file, line, row) with exact counts; blocks from before the checkpoint and freed blocks are left out. */
static void test_sites_group_exactly(void **state)
{
	(void)state;
	/* before the checkpoint: three records at RECORD_LINE, a tagged block */
	struct tt_rec *old[3];
	for (int i = 0; i < 3; i++) {
		old[i] = make_records(1);
		assert_non_null(old[i]);
	}
	const int line_pre = __LINE__; void *pre = ms_alloc_bytes(64, "tt group a");
	assert_non_null(pre);

	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	assert_sites_empty(t);

	/* after it */
	int64_t sz_rec[MS_NOTION_COUNT] = { 0 }, sz_loop[MS_NOTION_COUNT] = { 0 };
	int64_t sz_two_a[MS_NOTION_COUNT] = { 0 }, sz_two_b[MS_NOTION_COUNT] = { 0 };
	int64_t sz_else[MS_NOTION_COUNT] = { 0 }, sz_int[MS_NOTION_COUNT] = { 0 };
	int64_t sz_dup[MS_NOTION_COUNT] = { 0 };
	struct tt_rec *fresh[2];
	for (int i = 0; i < 2; i++) {
		fresh[i] = make_records(2);
		assert_non_null(fresh[i]);
		add_block_sizes(sz_rec, fresh[i]);
	}
	void *loop[5];
	const int line_loop = __LINE__; for (int i = 0; i < 5; i++) loop[i] = ms_alloc_bytes(16, "tt group a");
	for (int i = 0; i < 5; i++) {
		assert_non_null(loop[i]);
		add_block_sizes(sz_loop, loop[i]);
	}
	const int line_two = __LINE__; void *two_a = ms_alloc_bytes(16, "tt group a"), *two_b = ms_alloc_bytes(16, "tt group b");
	assert_non_null(two_a);
	assert_non_null(two_b);
	add_block_sizes(sz_two_a, two_a);
	add_block_sizes(sz_two_b, two_b);
	/* one site named by two distinct strings of equal text is one site */
	static const char else1[] = "elsewhere.c", else2[] = "elsewhere.c";
	assert_ptr_not_equal(else1, else2);
	void *e1 = ms_alloc_bytes_at(8, "tt group b", else1, 7);
	void *e2 = ms_alloc_bytes_at(8, "tt group b", else2, 7);
	assert_non_null(e1);
	assert_non_null(e2);
	add_block_sizes(sz_else, e1);
	add_block_sizes(sz_else, e2);
	const int line_calloc = __LINE__; int *ints = ms_calloc(&ms_type_int, 10);
	assert_non_null(ints);
	add_block_sizes(sz_int, ints);
	const int line_dup = __LINE__; char *dup = ms_strdup("hello");
	assert_non_null(dup);
	add_block_sizes(sz_dup, dup);
	/* allocated and freed since: not live, so not listed */
	come_and_go(4, 100, "tt group a");
	/* freeing a block from before the checkpoint changes no site row */
	ms_free(old[2]);

	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	/* invariants: sorted, one row per group, rows sum to what the diff gained */
	assert_sites_sorted(s);
	int64_t blocks = 0, requested = 0;
	for (size_t i = 0; i < ms_sites_count(s); i++) {
		blocks += ms_sites_row(s, i)->blocks;
		requested += ms_sites_row(s, i)->bytes[MS_REQUESTED];
	}
	assert_i64_equal(blocks, 2 + 5 + 2 + 2 + 1 + 1);
	/* exact */
	const int64_t rec = (int64_t)sizeof(struct tt_rec);
	assert_i64_equal(requested, 4 * rec + 80 + 32 + 16 + 40 + 6);
	assert_int_equal(ms_sites_count(s), 7);
	assert_site(s, 0, HERE, RECORD_LINE, "struct tt_rec", 2, 4 * rec);
	assert_site_sizes(s, 0, sz_rec);
	assert_site(s, 1, HERE, line_loop, "tt group a", 5, 80);
	assert_site_sizes(s, 1, sz_loop);
	assert_site(s, 2, HERE, line_calloc, "int", 1, 40);
	assert_site_sizes(s, 2, sz_int);
	assert_site(s, 3, "elsewhere.c", 7, "tt group b", 2, 16);   /* 16 bytes, but 2 blocks */
	assert_site_sizes(s, 3, sz_else);
	assert_site(s, 4, HERE, line_two, "tt group a", 1, 16);     /* same site: by name */
	assert_site_sizes(s, 4, sz_two_a);
	assert_site(s, 5, HERE, line_two, "tt group b", 1, 16);
	assert_site_sizes(s, 5, sz_two_b);
	assert_site(s, 6, HERE, line_dup, "char", 1, 6);
	assert_site_sizes(s, 6, sz_dup);
	assert_null(ms_sites_row(s, 7));
	for (size_t i = 0; i < ms_sites_count(s); i++)
		assert_int_not_equal(ms_sites_row(s, i)->line, line_pre);
	ms_sites_free(s);

	/* the by-type diff agrees: records +2 -1 = +1 block, 4 rec - 1 rec bytes */
	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	assert_row(d, "struct tt_rec", 1, 3 * rec);
	assert_row(d, "tt group a", 6, 96);
	assert_row(d, "tt group b", 3, 32);
	assert_row(d, "int", 1, 40);
	assert_row(d, "char", 1, 6);
	assert_int_equal(ms_summary_count(d), 5);
	ms_summary_free(d);
	assert_sites_empty(t);

	ms_tracker_free(t);
	for (int i = 0; i < 2; i++) {
		ms_free(old[i]);
		ms_free(fresh[i]);
	}
	for (int i = 0; i < 5; i++)
		ms_free(loop[i]);
	ms_free(pre);
	ms_free(two_a);
	ms_free(two_b);
	ms_free(e1);
	ms_free(e2);
	ms_free(ints);
	ms_free(dup);
}

/*
 * Thousands of live blocks over a hundred sites, new ones among older
 * ones: every site exact. The walk reads blocks in batches and its site
 * table grows several times, so batch edges and growth are crossed.
 */
static void test_sites_many_blocks(void **state)
{
	(void)state;
	enum { OLD = 1000, SITES = 100, PER_SITE = 30, FRESH = SITES * PER_SITE };
	static const char *const tags[] = { "tt many a", "tt many b" };
	static void *old[OLD], *fresh[FRESH];
	for (int i = 0; i < OLD; i++) {
		old[i] = ms_alloc_bytes_at(8, tags[i % 2], "many.c", i % SITES + 1);
		assert_non_null(old[i]);
	}
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	/* site k (line k + 1) gets blocks of k + 1 bytes; freeing old blocks meanwhile lets new ones land among them */
	for (int i = 0; i < FRESH; i++) {
		int k = i % SITES;
		fresh[i] = ms_alloc_bytes_at((size_t)k + 1, tags[k % 2], "many.c", k + 1);
		assert_non_null(fresh[i]);
		if (i < OLD && i % 3 == 0) {
			ms_free(old[i]);
			old[i] = NULL;
		}
	}
	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_int_equal(ms_sites_count(s), SITES);
	for (int r = 0; r < SITES; r++) {   /* largest requested first: line SITES first */
		int line = SITES - r;
		assert_site(s, (size_t)r, "many.c", line, tags[(line - 1) % 2], PER_SITE,
			    (int64_t)PER_SITE * line);
	}
	ms_sites_free(s);
	for (int i = 0; i < FRESH; i++)
		ms_free(fresh[i]);
	for (int i = 0; i < OLD; i++)
		ms_free(old[i]);
	assert_sites_empty(t);
	ms_tracker_free(t);
}

/* A block whose header the program overwrote is left out of the site table, not trusted. */
static void test_sites_leave_out_overwritten_header(void **state)
{
	(void)state;
	/* under ASan the header is poisoned: the underflow is ASan's to catch */
	ms_test_require_glibc_malloc_for("; writing over a header is checked with plain malloc");
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	unsigned char *kept = ms_alloc_bytes_at(24, "tt overwritten", "over.c", 1);
	unsigned char *hit = ms_alloc_bytes_at(40, "tt overwritten", "over.c", 2);
	assert_non_null(kept);
	assert_non_null(hit);
	/* the bytes in front of the block, memstats' header: an underflow writes there */
	struct ms_block_info info;
	assert_int_equal(ms_block_info(hit, &info), 0);
	size_t header = info.header_bytes;
	unsigned char saved[32];
	assert_true(header <= sizeof saved);
	memcpy(saved, hit - header, header);
	memset(hit - header, 0xA5, header);

	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_int_equal(ms_sites_count(s), 1);
	assert_site(s, 0, "over.c", 1, "tt overwritten", 1, 24);
	ms_sites_free(s);

	/* put the header back: the block is listed again */
	memcpy(hit - header, saved, header);
	s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_int_equal(ms_sites_count(s), 2);
	assert_site(s, 0, "over.c", 2, "tt overwritten", 1, 40);
	assert_site(s, 1, "over.c", 1, "tt overwritten", 1, 24);
	ms_sites_free(s);
	ms_free(kept);
	ms_free(hit);
	ms_tracker_free(t);
}

/* Ties: equal requested bytes go by blocks, then file, then line (as a number), then row name. */
static void test_sites_order(void **state)
{
	(void)state;
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	void *p[8];
	p[0] = ms_alloc_bytes_at(32, "tt sort", "b.c", 1);
	p[1] = ms_alloc_bytes_at(32, "tt sort", "a.c", 20);
	p[2] = ms_alloc_bytes_at(32, "tt sort", "a.c", 5);
	p[3] = ms_alloc_bytes_at(16, "tt sort", "z.c", 1);
	p[4] = ms_alloc_bytes_at(16, "tt sort", "z.c", 1);
	p[5] = ms_alloc_bytes_at(33, "tt sort", "z.c", 2);
	p[6] = ms_alloc_bytes_at(32, "tt sort b", "a.c", 5);
	p[7] = ms_alloc_bytes_at(32, "tt sort a", "a.c", 5);
	for (int i = 0; i < 8; i++)
		assert_non_null(p[i]);
	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_sites_sorted(s);
	assert_int_equal(ms_sites_count(s), 7);
	assert_site(s, 0, "z.c", 2, "tt sort", 1, 33);
	assert_site(s, 1, "z.c", 1, "tt sort", 2, 32);
	assert_site(s, 2, "a.c", 5, "tt sort", 1, 32);    /* line 5 before 20, though "20" < "5" as text */
	assert_site(s, 3, "a.c", 5, "tt sort a", 1, 32);
	assert_site(s, 4, "a.c", 5, "tt sort b", 1, 32);
	assert_site(s, 5, "a.c", 20, "tt sort", 1, 32);
	assert_site(s, 6, "b.c", 1, "tt sort", 1, 32);

	/* the table prints in the summary's shape; limit and columns apply */
	struct ms_print_opts o = { 2, 0 };
	char *text = ms_test_print_sites(s, &o);
	assert_string_equal(text,
		"   site |     types |   # blocks\n"
		"======= | ========= | ==========\n"
		"  z.c:2 |   tt sort |          1\n"
		"  z.c:1 |   tt sort |          2\n");
	free(text);
	ms_sites_free(s);
	ms_tracker_free(t);
	for (int i = 0; i < 8; i++)
		ms_free(p[i]);
}

/* A realloc since the checkpoint is a new allocation at the realloc's site, whenever the block was first made. */
static void test_sites_include_realloc(void **state)
{
	(void)state;
	void *old = ms_alloc_bytes(100, "tt re");
	void *untouched = ms_alloc_bytes(50, "tt re");
	assert_non_null(old);
	assert_non_null(untouched);
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);

	const int line_r1 = __LINE__; old = ms_realloc(old, 300);
	assert_non_null(old);
	const int line_new = __LINE__; void *q = ms_alloc_bytes(10, "tt re");
	assert_non_null(q);
	const int line_r2 = __LINE__; q = ms_realloc(q, 20);
	assert_non_null(q);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(old, &info), 0);
	assert_int_equal(info.line, line_r1);   /* the block's site is its last realloc's */

	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_sites_sorted(s);
	assert_int_equal(ms_sites_count(s), 2);
	assert_site(s, 0, HERE, line_r1, "tt re", 1, 300);
	assert_site(s, 1, HERE, line_r2, "tt re", 1, 20);
	for (size_t i = 0; i < ms_sites_count(s); i++)
		assert_int_not_equal(ms_sites_row(s, i)->line, line_new);
	ms_sites_free(s);

	/* by type: one block more (q), 200 + 20 bytes more */
	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 1);
	assert_row(d, "tt re", 1, 220);
	ms_summary_free(d);

	/* a realloc of a block from before this checkpoint, to a smaller size */
	const int line_r3 = __LINE__; untouched = ms_realloc(untouched, 30);
	assert_non_null(untouched);
	s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_int_equal(ms_sites_count(s), 1);
	assert_site(s, 0, HERE, line_r3, "tt re", 1, 30);
	ms_sites_free(s);
	d = ms_tracker_diff(t);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 1);
	assert_row(d, "tt re", 0, -20);
	ms_summary_free(d);

	ms_tracker_free(t);
	ms_free(old);
	ms_free(q);
	ms_free(untouched);
}

/* A worker thread: allocates `n` blocks at one line, frees them if asked. */
struct worker {
	int n;
	bool free_them;
	void *p[16];
	int line;       /* the line that allocated them */
	int failed;     /* allocations that returned NULL (checked by the main thread) */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	w->line = __LINE__; for (int i = 0; i < w->n; i++) w->p[i] = ms_alloc_bytes(48, "tt worker");
	for (int i = 0; i < w->n; i++)
		w->failed += w->p[i] == NULL;
	if (w->free_them)
		for (int i = 0; i < w->n; i++) {
			ms_free(w->p[i]);
			w->p[i] = NULL;
		}
	return NULL;
}

static void run_worker(struct worker *w, int n, bool free_them)
{
	memset(w, 0, sizeof *w);
	w->n = n;
	w->free_them = free_them;
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, worker_main, w), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w->failed, 0);
}

/* Blocks another thread allocated since the checkpoint show up, also from a thread that took over an ended thread's slot. */
static void test_sites_other_threads(void **state)
{
	(void)state;
	struct worker w0, w1, w2, w3;
	run_worker(&w0, 2, false);   /* before the checkpoint, still live */
	run_worker(&w1, 3, true);    /* before the checkpoint, gone */
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	assert_sites_empty(t);
	run_worker(&w2, 4, false);   /* since, still live (its thread slot likely reused) */
	run_worker(&w3, 5, true);    /* since, gone */

	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_int_equal(ms_sites_count(s), 1);
	assert_site(s, 0, HERE, w2.line, "tt worker", 4, 4 * 48);
	ms_sites_free(s);

	/* the peak: 2 + 4 + 5 were live at once; with several threads it may only be higher */
	struct ms_tracker_peak pk = ms_tracker_peak(t);
	assert_i64_ge(pk.blocks, 2 + 4 + 5);
	assert_i64_ge(pk.bytes[MS_REQUESTED], 11 * 48);
	assert_peaks_sane(t);

	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 1);
	assert_row(d, "tt worker", 4, 4 * 48);
	ms_summary_free(d);

	ms_tracker_free(t);
	for (int i = 0; i < 2; i++)
		ms_free(w0.p[i]);
	for (int i = 0; i < 4; i++)
		ms_free(w2.p[i]);
}

/* ------------------------------------------------------------------ */
/* Peaks                                                                */
/* ------------------------------------------------------------------ */

/* Each tracker's peak is its own: other trackers, their diffs and ms_peak_reset do not touch it. */
static void test_peaks_per_tracker(void **state)
{
	(void)state;
	void *keep = ms_alloc_bytes(100, "tt peak keep");
	assert_non_null(keep);
	ms_tracker *a = ms_tracker_new();
	ms_tracker *c = ms_tracker_new();
	assert_non_null(a);
	assert_non_null(c);

	/* a burst: 10 blocks of 50 bytes, all live at once, then gone */
	come_and_go(10, 50, "tt peak burst");
	struct ms_stats st = ms_stats();
	assert_i64_equal(st.all.blocks.peak, 11);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].peak, 600);

	/* a new tracker does not restart the program's peak */
	ms_tracker *b = ms_tracker_new();
	assert_non_null(b);
	st = ms_stats();
	assert_i64_equal(st.all.blocks.peak, 11);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].peak, 600);

	ms_peak_reset();
	/* the program's peak restarts at current */
	st = ms_stats();
	assert_i64_equal(st.all.blocks.peak, st.all.blocks.current);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(st.all.bytes[n].peak, st.all.bytes[n].current);
	assert_i64_equal(st.all.blocks.peak, 1);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].peak, 100);

	ms_tracker *late = ms_tracker_new();   /* after the burst and the reset */
	assert_non_null(late);

	/* a and c started before the burst and still show it; b and late do not */
	struct ms_tracker_peak pa = ms_tracker_peak(a);
	assert_i64_equal(pa.blocks, 11);
	assert_i64_equal(pa.bytes[MS_REQUESTED], 600);
	assert_tracker_peak_current(b);
	assert_tracker_peak_current(late);

	/* a's diff restarts a's peak, not c's */
	assert_diff_empty(a);
	assert_tracker_peak_current(a);
	struct ms_tracker_peak pc = ms_tracker_peak(c);
	assert_i64_equal(pc.blocks, 11);
	assert_i64_equal(pc.bytes[MS_REQUESTED], 600);

	/* a smaller second burst: every tracker sees it, c keeps its higher peak */
	come_and_go(3, 20, "tt peak burst");
	ms_tracker *all[] = { a, b, late };
	for (int i = 0; i < 3; i++) {
		struct ms_tracker_peak pk = ms_tracker_peak(all[i]);
		assert_i64_equal(pk.blocks, 4);
		assert_i64_equal(pk.bytes[MS_REQUESTED], 160);
		assert_peaks_sane(all[i]);
	}
	pc = ms_tracker_peak(c);
	assert_i64_equal(pc.blocks, 11);
	assert_i64_equal(pc.bytes[MS_REQUESTED], 600);
	st = ms_stats();
	assert_i64_equal(st.all.blocks.peak, 4);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].peak, 160);

	/* freeing one tracker leaves the others' peaks alone */
	ms_tracker_free(c);
	pa = ms_tracker_peak(a);
	assert_i64_equal(pa.blocks, 4);
	ms_tracker_free(late);
	ms_tracker_free(b);
	ms_tracker_free(a);
	ms_free(keep);
}

/* A small xorshift PRNG: the same sequence every run. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A model of a peak: the highest current seen since it started. */
struct peak_model {
	int64_t peak[MEASURES];
};

static void model_start(struct peak_model *m)
{
	stats_current(m->peak);
}

static void model_see(struct peak_model *m, const int64_t now[MEASURES])
{
	for (int i = 0; i < MEASURES; i++)
		if (now[i] > m->peak[i])
			m->peak[i] = now[i];
}

/* Under random churn, peak >= current at every step, and each peak is exactly the highest point since its own start. */
static void test_peaks_follow_a_model(void **state)
{
	(void)state;
	enum { SLOTS = 64, STEPS = 1500 };
	void *slot[SLOTS] = { NULL };
	uint64_t rng = 0x9e3779b97f4a7c15u;
	struct peak_model prog, ma, mb;
	int64_t now[MEASURES], got[MEASURES];
	stats_current(prog.peak);   /* the setup reset everything: 0 */
	ms_tracker *a = ms_tracker_new();
	assert_non_null(a);
	model_start(&ma);
	ms_tracker *b = NULL;

	for (int step = 0; step < STEPS; step++) {
		int i = (int)(rng_next(&rng) % SLOTS);
		uint64_t r = rng_next(&rng);
		size_t size = (size_t)(r % 3000);
		if (!slot[i]) {
			slot[i] = ms_alloc_bytes(size, "tt model");
			assert_non_null(slot[i]);
		} else if (r % 4 == 0) {
			slot[i] = ms_realloc(slot[i], size);
			assert_non_null(slot[i]);
		} else {
			ms_free(slot[i]);
			slot[i] = NULL;
		}
		stats_current(now);
		model_see(&prog, now);
		model_see(&ma, now);
		if (b)
			model_see(&mb, now);

		if (step == 400) {
			b = ms_tracker_new();
			assert_non_null(b);
			model_start(&mb);
		}
		if (step == 700) {
			ms_peak_reset();
			model_start(&prog);
		}
		if (step == 1000) {
			ms_summary *d = ms_tracker_diff(a);
			assert_non_null(d);
			ms_summary_free(d);
			model_start(&ma);
		}
		if (step % 50 == 0 || step == STEPS - 1) {
			assert_peaks_sane(a);
			assert_peaks_sane(b);
			stats_peak(got);
			assert_measures(got, prog.peak, "program peak");
			assert_tracker_peak(a, ma.peak);
			if (b)
				assert_tracker_peak(b, mb.peak);
		}
	}
	ms_tracker_free(a);
	ms_tracker_free(b);
	for (int i = 0; i < SLOTS; i++)
		ms_free(slot[i]);
}

/* ------------------------------------------------------------------ */
/* print_diff                                                            */
/* ------------------------------------------------------------------ */

/* print_diff's exact text: empty, a leak with its sites and peak, churn with only a peak, frees; it moves the checkpoint. */
static void test_print_diff_text(void **state)
{
	(void)state;
	/* nothing live: just the header */
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	assert_print_diff(t, EMPTY_DIFF);
	ms_tracker_free(t);

	/* blocks live before the checkpoint change nothing either */
	void *old[2] = { ms_alloc_bytes(10, "tt old"), ms_alloc_bytes(10, "tt old") };
	assert_non_null(old[0]);
	assert_non_null(old[1]);
	t = ms_tracker_new();
	assert_non_null(t);
	assert_print_diff(t, EMPTY_DIFF);

	/* a leak: 3 x 40 at one line, 2000 at another, 5000 that came and went */
	void *leak[3];
	const int line_leak = __LINE__; for (int i = 0; i < 3; i++) leak[i] = ms_alloc_bytes(40, "tt leak");
	const int line_buf = __LINE__; void *buf = ms_alloc_bytes(2000, "tt buf");
	void *tmp = ms_alloc_bytes(5000, "tt tmp");
	for (int i = 0; i < 3; i++)
		assert_non_null(leak[i]);
	assert_non_null(buf);
	assert_non_null(tmp);
	ms_free(tmp);
	/*
	 * peak: 2 old + 3 + 1 + 1 blocks = 7, and 20 + 120 + 2000 + 5000 = 7140
	 * bytes (6.97 KB); the checkpoint had 2, so 5 more. 2000 B is 1.95 KB.
	 */
	assert_string_equal(HERE, "test_tracker.c");
	char sites[1024], want[2048];
	const int leak_lines[] = { line_buf, line_leak };
	const char *const leak_rest[] = { " |    tt buf |          1 |          1.95 KB",
					  " |   tt leak |          3 |        120     B" };
	site_table_text(sites, sizeof sites, 2, leak_lines, leak_rest, "    types", "=========");
	snprintf(want, sizeof want,
		 "    types |   # blocks |   requested size\n"
		 "========= | ========== | ================\n"
		 "   tt buf |          1 |          1.95 KB\n"
		 "  tt leak |          3 |        120     B\n"
		 "%s"
		 "Peak since the checkpoint: 7 blocks, 6.97 KB requested\n"
		 "(at the checkpoint: 2 blocks, 20 B requested)\n",
		 sites);
	assert_print_diff(t, want);
	/* it moved the checkpoint: nothing since */
	assert_print_diff(t, EMPTY_DIFF);
	assert_sites_empty(t);
	assert_tracker_peak_current(t);

	/* churn: 4 x 300 B alloc'ed and freed; 6 blocks (2140 B) live, so the peak is 10 blocks, 3340 B */
	come_and_go(4, 300, "tt churn");
	assert_print_diff(t, EMPTY_DIFF
		"Peak since the checkpoint: 10 blocks, 3.26 KB requested\n"
		"(at the checkpoint: 6 blocks, 2.09 KB requested)\n");

	/* frees only: negative rows, no sites, no peak line */
	for (int i = 0; i < 3; i++)
		ms_free(leak[i]);
	ms_free(buf);
	ms_free(old[1]);
	assert_print_diff(t,
		"    types |   # blocks |   requested size\n"
		"========= | ========== | ================\n"
		"   tt buf |         -1 |         -1.95 KB\n"
		"  tt leak |         -3 |       -120     B\n"
		"   tt old |         -1 |        -10     B\n");
	assert_print_diff(t, EMPTY_DIFF);

	/* a block grown by realloc: more bytes, no more blocks */
	const int line_grow = __LINE__; old[0] = ms_realloc(old[0], 1000);
	assert_non_null(old[0]);
	const int grow_lines[] = { line_grow };
	const char *const grow_rest[] = { " |   tt old |          1 |       1000     B" };
	site_table_text(sites, sizeof sites, 1, grow_lines, grow_rest, "   types", "========");
	snprintf(want, sizeof want,
		 "   types |   # blocks |   requested size\n"
		 "======== | ========== | ================\n"
		 "  tt old |          0 |        990     B\n"
		 "%s"
		 "Peak since the checkpoint: 1 blocks, 1000 B requested\n"
		 "(at the checkpoint: 1 blocks, 10 B requested)\n",
		 sites);
	assert_print_diff(t, want);

	ms_tracker_free(t);
	ms_free(old[0]);
}

/*
 * A site table or a print_diff that cannot be written (a full disk, a
 * stream not open for writing) fails with the stream's errno, and
 * print_diff keeps its checkpoint: the next print still shows the change.
 */
static void test_print_write_fails_keeps_checkpoint(void **state)
{
	(void)state;
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	const int line = __LINE__; void *kept = ms_alloc_bytes(40, "tt unwritten");
	assert_non_null(kept);
	ms_sites *sites = ms_tracker_sites(t);
	assert_non_null(sites);
	assert_write_fails(print_sites_to, sites);
	ms_sites_free(sites);

	assert_write_fails(print_diff_to, t);
	char site_part[1024], want[2048];
	const char *const rest[] = { " |   tt unwritten |          1 |         40     B" };
	site_table_text(site_part, sizeof site_part, 1, &line, rest, "         types",
			"==============");
	snprintf(want, sizeof want,
		 "         types |   # blocks |   requested size\n"
		 "============== | ========== | ================\n"
		 "  tt unwritten |          1 |         40     B\n"
		 "%s"
		 "Peak since the checkpoint: 1 blocks, 40 B requested\n"
		 "(at the checkpoint: 0 blocks, 0 B requested)\n",
		 site_part);
	assert_print_diff(t, want);
	assert_print_diff(t, EMPTY_DIFF);     /* printed at last, so the checkpoint moved */

	ms_tracker_free(t);
	ms_free(kept);
}

/* ------------------------------------------------------------------ */
/* Bookkeeping and bad arguments                                         */
/* ------------------------------------------------------------------ */

/* A tracker's memory is bookkeeping: table_bytes rises while it lives and falls back when it is freed. */
static void test_bookkeeping(void **state)
{
	(void)state;
	/* register the row first: a row's tables are permanent */
	void *warm = ms_alloc_bytes(64, "tt book");
	assert_non_null(warm);
	ms_free(warm);

	int64_t base = ms_stats().table_bytes;
	/* a tracker holds a summary of what is live, and more: its marks and its peak */
	ms_summary *alone = ms_summarize();
	assert_non_null(alone);
	int64_t summary_cost = ms_stats().table_bytes - base;
	assert_i64_gt(summary_cost, 0);
	ms_summary_free(alone);
	assert_i64_equal(ms_stats().table_bytes, base);
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	int64_t with = ms_stats().table_bytes;
	assert_i64_gt(with, base + summary_cost);

	/* allocations may grow memstats' permanent maps: measure that apart */
	int64_t before_alloc = ms_stats().table_bytes;
	void *p[6];
	for (int i = 0; i < 6; i++) {
		p[i] = ms_alloc_bytes(64, "tt book");
		assert_non_null(p[i]);
	}
	int64_t permanent = ms_stats().table_bytes - before_alloc;
	assert_i64_ge(permanent, 0);

	/* a site table is bookkeeping too, and given back */
	int64_t outside = ms_stats().table_bytes;
	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_i64_gt(ms_stats().table_bytes, outside);
	ms_sites_free(s);
	assert_i64_equal(ms_stats().table_bytes, outside);

	char *text = ms_test_printed(print_diff_to, t);
	free(text);
	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	ms_summary_free(d);
	assert_i64_gt(ms_stats().table_bytes, base + permanent);
	for (int i = 0; i < 6; i++)
		ms_free(p[i]);
	ms_tracker_free(t);
	assert_i64_equal(ms_stats().table_bytes, base + permanent);
	struct ms_stats st = ms_stats();
	assert_i64_equal(st.bookkeeping_bytes, st.header_bytes + st.table_bytes);
}

/* NULL arguments: -1 or NULL with errno = EINVAL, and a failed print_diff leaves the checkpoint alone. */
static void test_null_arguments(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ms_tracker_diff(NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ms_tracker_sites(NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ms_tracker_print_diff(NULL, stderr), -1);
	assert_int_equal(errno, EINVAL);

	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	void *p = ms_alloc_bytes(12, "tt null");
	assert_non_null(p);
	errno = 0;
	assert_int_equal(ms_tracker_print_diff(t, NULL), -1);
	assert_int_equal(errno, EINVAL);
	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	errno = 0;
	assert_int_equal(ms_sites_print(s, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ms_sites_print(NULL, stderr, NULL), -1);
	assert_int_equal(errno, EINVAL);
	ms_sites_free(s);
	/* the refused print_diff did not move the checkpoint */
	ms_summary *d = ms_tracker_diff(t);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 1);
	assert_row(d, "tt null", 1, 12);
	ms_summary_free(d);

	/* a write error: -1 with errno set */
	FILE *ro = fopen("/dev/null", "r");
	assert_non_null(ro);
	void *q = ms_alloc_bytes(5, "tt null");
	assert_non_null(q);
	errno = 0;
	assert_int_equal(ms_tracker_print_diff(t, ro), -1);
	assert_int_not_equal(errno, 0);
	fclose(ro);

	ms_tracker_free(t);
	ms_tracker_free(NULL);
	ms_free(p);
	ms_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_first_diff_is_empty),
		ms_test(test_back_to_back_checkpoints),
		ms_test(test_alloc_free_leaves_peak),
		ms_test(test_diff_totals_since_the_checkpoint),
		ms_test(test_diff_moves_checkpoint),
		ms_test(test_sites_group_exactly),
		ms_test(test_sites_many_blocks),
		ms_test(test_sites_leave_out_overwritten_header),
		ms_test(test_sites_order),
		ms_test(test_sites_include_realloc),
		ms_test(test_sites_other_threads),
		ms_test(test_peaks_per_tracker),
		ms_test(test_peaks_follow_a_model),
		ms_test(test_print_diff_text),
		ms_test(test_print_write_fails_keeps_checkpoint),
		ms_test(test_bookkeeping),
		ms_test(test_null_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
