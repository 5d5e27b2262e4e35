/* test_summary.c: summaries and diffs: their rows, their order, and their tables in Pympler's shape. */
#include "test_util.h"

struct ts_item {
	long id;
	char name[16];
};
static MS_TYPE_LEAF(ts_item_type, struct ts_item);

/* Blocks held by a test, freed together. */
struct held {
	void *p[64];
	int n;
};

static void hold(struct held *h, void *p)
{
	assert_non_null(p);
	assert_true(h->n < 64);
	h->p[h->n++] = p;
}

static void release(struct held *h)
{
	for (int i = 0; i < h->n; i++)
		ms_free(h->p[i]);
	h->n = 0;
}

/*
 * Six rows whose order exercises every sort key (requested, then blocks,
 * then name): makes their blocks, held in `h`, and returns a summary of
 * them (the caller frees it).
 */
static ms_summary *summarize_sort_case(struct held *h)
{
	hold(h, ms_alloc_bytes(20, "ts tie y"));
	hold(h, ms_alloc_bytes(20, "ts tie y"));
	hold(h, ms_alloc_bytes(0, "ts empty"));
	hold(h, ms_alloc_bytes(48, "ts mid b"));
	hold(h, ms_alloc_bytes(48, "ts mid b"));
	hold(h, ms_alloc_bytes(20, "ts tie x"));
	hold(h, ms_alloc_bytes(20, "ts tie x"));
	hold(h, ms_alloc_bytes(3000, "ts big"));
	for (int i = 0; i < 3; i++)
		hold(h, ms_alloc_bytes(32, "ts mid a"));
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	return s;
}

/*
 * The diff scenario: two `keep_size`-byte "ts d keep" blocks and a
 * 5000-byte "ts d gone" block, then a summary; the gone block and one
 * keep block freed and three 1000-byte "ts d new" blocks made, then a
 * second summary and the diff from the first to it.
 */
struct diff_case {
	void *keep[2], *gone, *fresh[3];
	struct ms_block_info gone_info, keep_info;   /* gone's and keep[1]'s, before their free */
	int64_t fresh_sum[MS_NOTION_COUNT];          /* the three new blocks' bytes, by notion */
	ms_summary *before, *after, *d;              /* d = diff(before, after) */
};

static void make_diff_case(struct diff_case *c, size_t keep_size)
{
	memset(c, 0, sizeof *c);
	c->keep[0] = ms_alloc_bytes(keep_size, "ts d keep");
	c->keep[1] = ms_alloc_bytes(keep_size, "ts d keep");
	c->gone = ms_alloc_bytes(5000, "ts d gone");
	assert_non_null(c->keep[0]);
	assert_non_null(c->keep[1]);
	assert_non_null(c->gone);
	assert_int_equal(ms_block_info(c->gone, &c->gone_info), 0);
	assert_int_equal(ms_block_info(c->keep[1], &c->keep_info), 0);
	c->before = ms_summarize();
	assert_non_null(c->before);

	ms_free(c->gone);
	ms_free(c->keep[1]);
	for (int i = 0; i < 3; i++) {
		c->fresh[i] = ms_alloc_bytes(1000, "ts d new");
		assert_non_null(c->fresh[i]);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(c->fresh[i], &info), 0);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			c->fresh_sum[n] += info.bytes[n];
	}
	c->after = ms_summarize();
	assert_non_null(c->after);
	c->d = ms_summary_diff(c->before, c->after);
	assert_non_null(c->d);
}

/* Frees the summaries, the diff and the blocks still live. */
static void free_diff_case(struct diff_case *c)
{
	ms_summary_free(c->d);
	ms_summary_free(c->before);
	ms_summary_free(c->after);
	ms_free(c->keep[0]);
	for (int i = 0; i < 3; i++)
		ms_free(c->fresh[i]);
}

/* How many lines `text` has: its '\n' characters. */
static size_t count_lines(const char *text)
{
	size_t lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	return lines;
}

/* ms_summary_print(s, opts) prints exactly `expected` (failing at the caller's line). */
static void summary_prints(const ms_summary *s, const struct ms_print_opts *opts,
			   const char *expected, const char *file, int line)
{
	char *text = ms_test_print(s, opts);
	_assert_string_equal(text, expected, file, line);
	free(text);
}
#define assert_prints(s, opts, expected) summary_prints((s), (opts), (expected), __FILE__, __LINE__)

/* A summary is sorted by requested bytes, then blocks (both descending), then name. */
static void test_summary_sort_order(void **state)
{
	(void)state;
	struct held h = { .n = 0 };
	ms_summary *s = summarize_sort_case(&h);

	/* invariant: the order is a total order on (requested desc, blocks desc, name asc) */
	assert_summary_sorted(s);
	/* exact */
	static const struct {
		const char *name;
		int64_t blocks, requested;
	} want[] = {
		{ "ts big", 1, 3000 },  { "ts mid a", 3, 96 }, { "ts mid b", 2, 96 },
		{ "ts tie x", 2, 40 },  { "ts tie y", 2, 40 }, { "ts empty", 1, 0 },
	};
	assert_int_equal(ms_summary_count(s), 6);
	for (size_t i = 0; i < 6; i++) {
		const struct ms_summary_row *r = ms_summary_row(s, i);
		assert_non_null(r);
		assert_string_equal(r->name, want[i].name);
		assert_i64_equal(r->g.blocks.current, want[i].blocks);
		assert_i64_equal(r->g.bytes[MS_REQUESTED].current, want[i].requested);
		assert_ptr_equal(ms_summary_find(s, want[i].name), r);
	}
	ms_summary_free(s);
	release(&h);
}

/* Accessors: a count, rows by index (NULL past the end), rows by name (NULL when absent). */
static void test_summary_accessors(void **state)
{
	(void)state;
	struct ts_item *it = ms_alloc(&ts_item_type, 4);
	assert_non_null(it);
	char *str = ms_strdup("abcdefg");
	assert_non_null(str);
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_int_equal(ms_summary_count(s), 2);
	assert_non_null(ms_summary_row(s, 0));
	assert_non_null(ms_summary_row(s, 1));
	assert_null(ms_summary_row(s, 2));
	assert_null(ms_summary_row(s, (size_t)-1));
	assert_null(ms_summary_find(s, "struct ts_missing"));
	assert_null(ms_summary_find(s, "int"));   /* registered elsewhere maybe, but not live */

	const struct ms_summary_row *r = row_of(s, "struct ts_item");
	assert_ptr_equal(r, ms_summary_row(s, 0));
	assert_gauges_sane(&r->g);
	assert_i64_equal(r->g.blocks.current, 1);
	assert_i64_equal(r->g.blocks.peak, 1);
	assert_i64_equal(r->g.blocks.total, 1);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].current, 4 * (int64_t)sizeof(struct ts_item));
	struct ms_block_info info;
	assert_int_equal(ms_block_info(it, &info), 0);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(r->g.bytes[n].current, info.bytes[n]);

	r = row_of(s, "char");
	assert_i64_equal(r->g.bytes[MS_REQUESTED].current, 8);

	/* a summary is a value: later calls do not change it */
	ms_free(str);
	struct ts_item *more = ms_alloc(&ts_item_type, 100);
	assert_non_null(more);
	assert_int_equal(ms_summary_count(s), 2);
	r = ms_summary_find(s, "struct ts_item");
	assert_i64_equal(r->g.blocks.current, 1);
	assert_non_null(ms_summary_find(s, "char"));
	ms_summary_free(s);
	ms_summary_free(NULL);
	ms_free(more);
	ms_free(it);

	assert_string_equal(ms_notion_name(MS_REQUESTED), "requested");
	assert_string_equal(ms_notion_name(MS_USABLE), "usable");
	assert_string_equal(ms_notion_name(MS_FOOTPRINT), "footprint");
	assert_null(ms_notion_name(MS_NOTION_COUNT));
}

/* diff(a, a) is empty; so is alloc n then free n, even on rows that stay live. */
static void test_diff_of_equal_states_is_empty(void **state)
{
	(void)state;
	struct held h = { .n = 0 };
	ms_summary *a = summarize_sort_case(&h);
	ms_summary *d = ms_summary_diff(a, a);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 0);
	ms_summary_free(d);

	/* alloc n, free n: on live rows, on a new row, and by realloc there and back */
	void *tmp[20];
	for (int i = 0; i < 20; i++) {
		tmp[i] = i % 2 ? ms_alloc_bytes(100, "ts tie x") : ms_alloc(&ts_item_type, 3);
		assert_non_null(tmp[i]);
	}
	h.p[0] = ms_realloc(h.p[0], 5000);
	assert_non_null(h.p[0]);
	h.p[0] = ms_realloc(h.p[0], 20);
	assert_non_null(h.p[0]);
	for (int i = 0; i < 20; i++)
		ms_free(tmp[i]);

	ms_summary *b = ms_summarize();
	assert_non_null(b);
	d = ms_summary_diff(a, b);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 0);
	ms_summary_free(d);
	d = ms_summary_diff(b, a);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 0);
	ms_summary_free(d);
	ms_summary_free(a);
	ms_summary_free(b);
	release(&h);
}

/* Diff rows are signed differences of current figures; peak is after's; sorted by |change|. */
static void test_diff_rows_are_signed_differences(void **state)
{
	(void)state;
	struct diff_case c;
	make_diff_case(&c, 50);
	const ms_summary *d = c.d;

	/* invariant: sorted by |requested change| descending */
	for (size_t i = 1; i < ms_summary_count(d); i++) {
		int64_t x = ms_summary_row(d, i - 1)->g.bytes[MS_REQUESTED].current;
		int64_t y = ms_summary_row(d, i)->g.bytes[MS_REQUESTED].current;
		assert_i64_ge(x < 0 ? -x : x, y < 0 ? -y : y);
	}
	/* exact */
	assert_int_equal(ms_summary_count(d), 3);
	const struct ms_summary_row *r = ms_summary_row(d, 0);
	assert_string_equal(r->name, "ts d gone");
	assert_i64_equal(r->g.blocks.current, -1);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(r->g.bytes[n].current, -c.gone_info.bytes[n]);

	r = ms_summary_row(d, 1);
	assert_string_equal(r->name, "ts d new");
	assert_i64_equal(r->g.blocks.current, 3);
	assert_i64_equal(r->g.blocks.total, 3);
	assert_i64_equal(r->g.blocks.peak, 3);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(r->g.bytes[n].current, c.fresh_sum[n]);

	r = ms_summary_row(d, 2);
	assert_string_equal(r->name, "ts d keep");
	assert_i64_equal(r->g.blocks.current, -1);
	assert_i64_equal(r->g.blocks.total, 0);      /* nothing new was added to it */
	assert_i64_equal(r->g.blocks.peak, 2);       /* after's peak */
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(r->g.bytes[n].current, -c.keep_info.bytes[n]);

	/* the reverse diff negates every current figure */
	ms_summary *back = ms_summary_diff(c.after, c.before);
	assert_non_null(back);
	assert_int_equal(ms_summary_count(back), 3);
	for (size_t i = 0; i < 3; i++) {
		const struct ms_summary_row *f = ms_summary_row(d, i);
		const struct ms_summary_row *b = ms_summary_find(back, f->name);
		assert_non_null(b);
		assert_i64_equal(b->g.blocks.current, -f->g.blocks.current);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			assert_i64_equal(b->g.bytes[n].current, -f->g.bytes[n].current);
	}
	ms_summary_free(back);
	free_diff_case(&c);
}

/* Ties in a diff: equal |requested| change, then the larger |block| change, then name. */
static void test_diff_tie_order(void **state)
{
	(void)state;
	void *down[2];
	down[0] = ms_alloc_bytes(20, "ts t down");
	down[1] = ms_alloc_bytes(20, "ts t down");
	assert_non_null(down[0]);
	assert_non_null(down[1]);
	ms_summary *before = ms_summarize();
	assert_non_null(before);
	ms_free(down[0]);
	ms_free(down[1]);
	void *one = ms_alloc_bytes(40, "ts t one");
	void *b1 = ms_alloc_bytes(20, "ts t b");
	void *b2 = ms_alloc_bytes(20, "ts t b");
	void *a1 = ms_alloc_bytes(20, "ts t a");
	void *a2 = ms_alloc_bytes(20, "ts t a");
	ms_summary *after = ms_summarize();
	assert_non_null(after);
	ms_summary *d = ms_summary_diff(before, after);
	assert_non_null(d);
	/* all four changed by 40 bytes; one block for "ts t one", two for the rest */
	static const char *const want[] = { "ts t a", "ts t b", "ts t down", "ts t one" };
	assert_int_equal(ms_summary_count(d), 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(ms_summary_row(d, i)->name, want[i]);
	assert_i64_equal(ms_summary_find(d, "ts t down")->g.bytes[MS_REQUESTED].current, -40);
	ms_summary_free(d);
	ms_summary_free(before);
	ms_summary_free(after);
	ms_free(one);
	ms_free(a1);
	ms_free(a2);
	ms_free(b1);
	ms_free(b2);
}

/* The default table: Pympler's shape, every row when there are fewer than 15. */
static void test_print_default_table(void **state)
{
	(void)state;
	struct held h = { .n = 0 };
	ms_summary *s = summarize_sort_case(&h);
	char *text = ms_test_print(s, NULL);
	/* invariants: no trailing spaces, every line ends in \n, ASCII */
	for (const char *c = text; *c; c++) {
		assert_false(*c == ' ' && (c[1] == '\n' || c[1] == '\0'));
		assert_true((unsigned char)*c < 128);
	}
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_string_equal(text,
		"     types |   # blocks |   requested size\n"
		"========== | ========== | ================\n"
		"    ts big |          1 |          2.93 KB\n"
		"  ts mid a |          3 |         96     B\n"
		"  ts mid b |          2 |         96     B\n"
		"  ts tie x |          2 |         40     B\n"
		"  ts tie y |          2 |         40     B\n"
		"  ts empty |          1 |          0     B\n");
	/* NULL options are MS_PRINT_DEFAULTS */
	struct ms_print_opts defaults = MS_PRINT_DEFAULTS;
	char *text2 = ms_test_print(s, &defaults);
	assert_string_equal(text2, text);
	free(text2);
	free(text);
	ms_summary_free(s);
	release(&h);
}

/* limit: at most `limit` rows; 0 prints the header and rule only; negative prints all. */
static void test_print_limit(void **state)
{
	(void)state;
	struct held h = { .n = 0 };
	ms_summary *s = summarize_sort_case(&h);

	struct ms_print_opts o = { 3, MS_COLUMN(MS_REQUESTED) };
	assert_prints(s, &o,
		"     types |   # blocks |   requested size\n"
		"========== | ========== | ================\n"
		"    ts big |          1 |          2.93 KB\n"
		"  ts mid a |          3 |         96     B\n"
		"  ts mid b |          2 |         96     B\n");

	o.limit = 0;
	assert_prints(s, &o,
		"  types |   # blocks |   requested size\n"
		"======= | ========== | ================\n");

	o.limit = -1;
	char *text = ms_test_print(s, &o);
	char *all = ms_test_print(s, NULL);   /* 6 rows: the default limit of 15 shows all */
	assert_string_equal(text, all);
	free(all);
	free(text);
	ms_summary_free(s);
	release(&h);

	/* 20 rows: the default prints 15, a negative limit all 20 */
	void *p[20];
	char tag[20][16];
	for (int i = 0; i < 20; i++) {
		snprintf(tag[i], sizeof tag[i], "ts many %02d", i);
		p[i] = ms_alloc_bytes((size_t)(100 + i), tag[i]);
		assert_non_null(p[i]);
	}
	s = ms_summarize();
	assert_non_null(s);
	assert_int_equal(ms_summary_count(s), 20);
	text = ms_test_print(s, NULL);
	assert_int_equal(count_lines(text), 2 + 15);
	assert_non_null(strstr(text, "ts many 19 |          1 |        119     B\n"));
	assert_non_null(strstr(text, "ts many 05 |"));
	assert_null(strstr(text, "ts many 04"));   /* the smallest five are cut */
	free(text);
	o.limit = -5;
	text = ms_test_print(s, &o);
	assert_int_equal(count_lines(text), 2 + 20);
	free(text);
	ms_summary_free(s);
	for (int i = 0; i < 20; i++)
		ms_free(p[i]);
}

/*
 * The columns option picks size columns, in notion order, each headed by
 * its notion: the header alone, the short name when there are several.
 */
static void test_print_columns(void **state)
{
	(void)state;
	/* 24 and 40 bytes are usable sizes on glibc, ASan and valgrind alike */
	void *a1 = ms_alloc_bytes(24, "ts col a");
	void *a2 = ms_alloc_bytes(24, "ts col a");
	void *b = ms_alloc_bytes(40, "ts col b");
	assert_non_null(a1);
	assert_non_null(a2);
	assert_non_null(b);
	ms_summary *s = ms_summarize();
	assert_non_null(s);

	struct ms_print_opts o = { -1, MS_COLUMN(MS_USABLE) | MS_COLUMN(MS_REQUESTED) };
	assert_prints(s, &o,
		"     types |   # blocks |    requested |       usable\n"
		"========== | ========== | ============ | ============\n"
		"  ts col a |          2 |     48     B |     48     B\n"
		"  ts col b |          1 |     40     B |     40     B\n");

	o.columns = MS_COLUMN(MS_USABLE);
	assert_prints(s, &o,
		"     types |   # blocks |   usable size\n"
		"========== | ========== | =============\n"
		"  ts col a |          2 |      48     B\n"
		"  ts col b |          1 |      40     B\n");

	o.columns = 0;
	assert_prints(s, &o,
		"     types |   # blocks\n"
		"========== | ==========\n"
		"  ts col a |          2\n"
		"  ts col b |          1\n");

	/* footprint: allocator-dependent, so checked against the row it prints */
	o.columns = MS_COLUMN(MS_FOOTPRINT);
	char *text = ms_test_print(s, &o);
	char cell[32], line[128];
	ms_format_size(ms_summary_find(s, "ts col a")->g.bytes[MS_FOOTPRINT].current, cell,
		       sizeof cell);
	snprintf(line, sizeof line, "  ts col a |          2 |   %s\n", cell);
	assert_non_null(strstr(text, "     types |   # blocks |    footprint\n"));
	assert_non_null(strstr(text, line));
	free(text);

	ms_summary_free(s);
	ms_free(a1);
	ms_free(a2);
	ms_free(b);
}

/* A diff prints like a summary, negative sizes scaled; an empty diff prints the 2 header lines. */
static void test_print_diff(void **state)
{
	(void)state;
	ms_summary *a = ms_summarize();
	assert_non_null(a);
	ms_summary *d = ms_summary_diff(a, a);
	assert_non_null(d);
	assert_prints(d, NULL,
		"  types |   # blocks |   requested size\n"
		"======= | ========== | ================\n");
	ms_summary_free(d);
	ms_summary_free(a);

	struct diff_case c;
	make_diff_case(&c, 100);
	assert_prints(c.d, NULL,
		"      types |   # blocks |   requested size\n"
		"=========== | ========== | ================\n"
		"  ts d gone |         -1 |         -4.88 KB\n"
		"   ts d new |          3 |          2.93 KB\n"
		"  ts d keep |         -1 |       -100     B\n");
	free_diff_case(&c);
}

/*
 * Tags that would break a table or drive the terminal print escaped:
 * "\n", "\t", "\\", "\xNN" for other control bytes (C1 controls too) and
 * bytes that are not well-formed UTF-8; well-formed UTF-8 prints as it
 * is. Columns are as wide as the escaped text, a character a column.
 */
static void test_print_escapes_names(void **state)
{
	(void)state;
	static const char *const tags[] = {
		"ts nl\nx", "ts\ttab", "ts \x1b[0m", "ts del\x7f", "ts \\",
		"ts c1 \xc2\x9b",                 /* U+009B, a C1 control */
		"ts bad \xff\xc3(",               /* a byte never in UTF-8; a lead byte alone */
		"ts \xed\xa0\x80\xc0\xaf",        /* a surrogate; an overlong '/' */
		"ts caf\xc3\xa9 \xe2\x82\xac",    /* "caf\u00e9 \u20ac": 9 characters in 12 bytes */
	};
	struct held h = { .n = 0 };
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		hold(&h, ms_alloc_bytes(90 - 10 * i, tags[i]));
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_prints(s, NULL,
		"                    types |   # blocks |   requested size\n"
		"========================= | ========== | ================\n"
		"                 ts nl\\nx |          1 |         90     B\n"
		"                  ts\\ttab |          1 |         80     B\n"
		"               ts \\x1b[0m |          1 |         70     B\n"
		"               ts del\\x7f |          1 |         60     B\n"
		"                    ts \\\\ |          1 |         50     B\n"
		"           ts c1 \\xc2\\x9b |          1 |         40     B\n"
		"         ts bad \\xff\\xc3( |          1 |         30     B\n"
		"  ts \\xed\\xa0\\x80\\xc0\\xaf |          1 |         20     B\n"
		"                ts caf\xc3\xa9 \xe2\x82\xac |          1 |         10     B\n");
	/* the rows keep their names as given */
	assert_row(s, "ts nl\nx", 1, 90);
	ms_summary_free(s);
	release(&h);
}

static int print_summary_to(FILE *out, void *summary)
{
	return ms_summary_print(summary, out, NULL);
}

/* A write that fails, even one only the flush makes, is reported: -1 with the stream's errno. */
static void test_print_write_error(void **state)
{
	(void)state;
	void *p = ms_alloc(&ts_item_type, 1);
	assert_non_null(p);
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_write_fails(print_summary_to, s);
	ms_summary_free(s);
	ms_free(p);
}

/* A table for ms_table_print: its cells and how to lay them out. */
struct table_case {
	size_t columns, rows;
	const char *const *cells;
	const struct ms_table_style *style;
};

static int print_table_to(FILE *out, void *what)
{
	const struct table_case *t = what;
	return ms_table_print(out, t->columns, t->rows, t->cells, t->style);
}

/* What ms_table_print prints for `cells`, in a fresh string the caller frees. */
static char *table_text(size_t columns, size_t rows, const char *const *cells,
			const struct ms_table_style *style)
{
	struct table_case t = { columns, rows, cells, style };
	return ms_test_printed(print_table_to, &t);
}

/*
 * ms_table_print: Pympler's shape by default; padding and left alignment
 * as a style asks; no line ending in a space the table put there; names
 * escaped and measured escaped; a NULL cell empty.
 */
static void test_table_print(void **state)
{
	(void)state;
	const char *const cells[] = { "name", "bytes", "a", "1024", "longer", "" };
	char *text = table_text(2, 3, cells, NULL);
	assert_string_equal(text,
		"    name |   bytes\n"
		"======== | =======\n"
		"       a |    1024\n"
		"  longer |\n");
	free(text);
	const struct ms_table_style pympler = MS_TABLE_PYMPLER;
	text = table_text(2, 3, cells, &pympler);
	char *by_default = table_text(2, 3, cells, NULL);
	assert_string_equal(text, by_default);
	free(by_default);
	free(text);

	const struct ms_table_style tight = { 0, 0 };
	text = table_text(2, 3, cells, &tight);
	assert_string_equal(text,
		"  name | bytes\n"
		"====== | =====\n"
		"     a |  1024\n"
		"longer |\n");
	free(text);

	/* left-aligned columns end with no padding, and an empty last cell leaves the separator's '|' last */
	const char *const figures[] = { "case", "value", "met?", "churn", "2.16x", "yes",
					"tight loop", "15.1", NULL };
	const struct ms_table_style report = { 0, MS_TABLE_COLUMN(0) | MS_TABLE_COLUMN(2) };
	text = table_text(3, 3, figures, &report);
	assert_string_equal(text,
		"case       | value | met?\n"
		"========== | ===== | ====\n"
		"churn      | 2.16x | yes\n"
		"tight loop |  15.1 |\n");
	free(text);

	/* a name is escaped and measured escaped */
	const char *const escaped[] = { "tag", "a\tb" };
	text = table_text(1, 2, escaped, &tight);
	assert_string_equal(text,
		" tag\n"
		"====\n"
		"a\\tb\n");
	free(text);

	/* no rows or no columns print nothing; NULL where there is something to print is EINVAL */
	text = table_text(0, 3, NULL, NULL);
	assert_string_equal(text, "");
	free(text);
	errno = 0;
	assert_int_equal(ms_table_print(stdout, 2, 1, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ms_table_print(NULL, 2, 3, cells, NULL), -1);
	assert_int_equal(errno, EINVAL);
	struct table_case t = { 2, 3, cells, NULL };
	assert_write_fails(print_table_to, &t);
}

/* ms_format_size_text: the same figure without padding, one space before the unit. */
static void test_format_size_text(void **state)
{
	(void)state;
	static const struct {
		int64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0 B" }, { 100, "100 B" }, { 1024, "1024 B" }, { 5089, "4.97 KB" },
		{ -2048, "-2.00 KB" }, { INT64_MIN, "-8388608.00 TB" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[32];
		assert_ptr_equal(ms_format_size_text(cases[i].bytes, buf, sizeof buf), buf);
		assert_string_equal(buf, cases[i].text);
	}
	char small[4];
	assert_string_equal(ms_format_size_text(5089, small, sizeof small), "4.9");
}

/* ms_format_size: Pympler's pp(), 10 wide, units to TB, negatives scaled too. */
static void test_format_size(void **state)
{
	(void)state;
	static const struct {
		int64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "   0     B" },
		{ 1, "   1     B" },
		{ 1023, "1023     B" },
		{ 1024, "1024     B" },
		{ 1025, "   1.00 KB" },
		{ 1536, "   1.50 KB" },
		{ 1048576, "1024.00 KB" },
		{ 1048577, "   1.00 MB" },
		{ INT64_C(1) << 30, "1024.00 MB" },
		{ INT64_C(1) << 40, "1024.00 GB" },
		{ (INT64_C(1) << 40) * 3 / 2, "   1.50 TB" },
		{ INT64_C(1) << 50, "1024.00 TB" },
		{ (INT64_C(1) << 50) + 1, "1024.00 TB" },   /* no PB, and not Pympler's EB */
		{ INT64_C(1) << 60, "1048576.00 TB" },
		{ INT64_MAX, "8388608.00 TB" },
		{ -1, "  -1     B" },
		{ -1023, "-1023     B" },
		{ -1025, "  -1.00 KB" },
		{ -2048, "  -2.00 KB" },
		{ -1048577, "  -1.00 MB" },
		{ INT64_MIN, "-8388608.00 TB" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[32];
		memset(buf, '#', sizeof buf);
		char *got = ms_format_size(cases[i].bytes, buf, sizeof buf);
		assert_ptr_equal(got, buf);
		if (strcmp(buf, cases[i].text) != 0)
			print_error("bytes %" PRId64 "\n", cases[i].bytes);
		assert_string_equal(buf, cases[i].text);
		/* invariant: at least 10 characters, the width the tables count on */
		assert_true(strlen(buf) >= 10);
	}
	/* cap bounds the write, NUL included */
	char small[8];
	memset(small, '#', sizeof small);
	ms_format_size(1025, small, 5);
	assert_string_equal(small, "   1");
	assert_memory_equal(small + 5, "###", 3);
}

/*
 * A row that appears or empties between two summaries counts only what
 * happened between them, not its whole history: its earlier blocks were
 * allocated and freed before the first summary.
 */
static void test_diff_totals_of_a_row_that_comes_and_goes(void **state)
{
	(void)state;
	for (int i = 0; i < 100; i++)
		ms_free(ms_alloc_bytes(8, "ts d again"));
	ms_summary *a = ms_summarize();
	void *p = ms_alloc_bytes(8, "ts d again");
	assert_non_null(p);
	ms_summary *b = ms_summarize();
	ms_free(p);
	ms_summary *c = ms_summarize();
	assert_true(a && b && c);
	/* invariant: the row is listed only while it has a live block */
	assert_int_equal(ms_summary_count(a), 0);
	assert_int_equal(ms_summary_count(b), 1);
	assert_int_equal(ms_summary_count(c), 0);

	ms_summary *came = ms_summary_diff(a, b);
	assert_non_null(came);
	assert_int_equal(ms_summary_count(came), 1);
	const struct ms_summary_row *r = row_of(came, "ts d again");
	assert_i64_equal(r->g.blocks.current, 1);
	assert_i64_equal(r->g.blocks.total, 1);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].total, 8);
	assert_i64_equal(r->g.blocks.peak, 1);

	ms_summary *went = ms_summary_diff(b, c);
	assert_non_null(went);
	assert_int_equal(ms_summary_count(went), 1);
	r = row_of(went, "ts d again");
	assert_i64_equal(r->g.blocks.current, -1);
	assert_i64_equal(r->g.blocks.total, 0);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].total, 0);
	assert_i64_equal(r->g.blocks.peak, 1);   /* after's: the row's peak is still 1 */

	/* across the whole round trip nothing current changed: an empty diff */
	ms_summary *round = ms_summary_diff(a, c);
	assert_non_null(round);
	assert_int_equal(ms_summary_count(round), 0);
	ms_summary_free(round);
	ms_summary_free(went);
	ms_summary_free(came);
	ms_summary_free(c);
	ms_summary_free(b);
	ms_summary_free(a);
}

/* A row whose last block is gone keeps its peak and total, readable by name. */
static void test_find_reads_a_row_with_nothing_live(void **state)
{
	(void)state;
	void *p[3];
	for (int i = 0; i < 3; i++)
		assert_non_null(p[i] = ms_alloc_bytes(100, "ts done"));
	for (int i = 0; i < 3; i++)
		ms_free(p[i]);
	ms_free(ms_alloc_bytes(10, "ts done"));
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_int_equal(ms_summary_count(s), 0);
	assert_null(ms_summary_row(s, 0));
	const struct ms_summary_row *r = ms_summary_find(s, "ts done");
	assert_non_null(r);
	assert_gauges_sane(&r->g);
	assert_i64_equal(r->g.blocks.current, 0);
	assert_i64_equal(r->g.blocks.peak, 3);
	assert_i64_equal(r->g.blocks.total, 4);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].current, 0);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].peak, 300);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].total, 310);
	/* a row never counted since the reset is still absent */
	assert_null(ms_summary_find(s, "char"));
	/* and nothing unlisted reaches the table */
	char *text = ms_test_print(s, NULL);
	assert_null(strstr(text, "ts done"));
	free(text);
	ms_summary_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_summary_sort_order),
		ms_test(test_summary_accessors),
		ms_test(test_diff_of_equal_states_is_empty),
		ms_test(test_diff_rows_are_signed_differences),
		ms_test(test_diff_tie_order),
		ms_test(test_diff_totals_of_a_row_that_comes_and_goes),
		ms_test(test_find_reads_a_row_with_nothing_live),
		ms_test(test_print_default_table),
		ms_test(test_print_limit),
		ms_test(test_print_columns),
		ms_test(test_print_diff),
		ms_test(test_print_escapes_names),
		ms_test(test_print_write_error),
		ms_test(test_table_print),
		ms_test(test_format_size),
		ms_test(test_format_size_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
