/* test_registry.c: the program-wide gauges, peaks, the reset, and the library's own bookkeeping. */
#include "test_util.h"

struct tr_small {
	int x, y;
};
struct tr_big {
	char data[200];
};
static MS_TYPE_LEAF(tr_small_type, struct tr_small);
static MS_TYPE_LEAF(tr_big_type, struct tr_big);
struct tr_once {
	char c;
};
static MS_TYPE_LEAF(tr_once_type, struct tr_once);

/* Invariants hold at every step: ms_stats().all equals the sum of the rows, peak >= current. */
static void test_totals_equal_sum_of_rows(void **state)
{
	(void)state;
	struct ms_stats st = ms_stats();
	/* nothing live at the start */
	assert_i64_equal(ms_live_blocks(), 0);
	assert_i64_equal(st.all.blocks.current, 0);

	void *p[30];
	for (int i = 0; i < 30; i++) {
		switch (i % 5) {
		case 0: p[i] = ms_alloc(&tr_small_type, (size_t)i); break;
		case 1: p[i] = ms_calloc(&tr_big_type, 2); break;
		case 2: p[i] = ms_alloc_bytes((size_t)(i * 13), "tr tag"); break;
		case 3: p[i] = ms_strdup("registry"); break;
		default: p[i] = ms_alloc(&ms_type_int, 3); break;
		}
		assert_non_null(p[i]);
		if (i % 7 == 6) {
			ms_free(p[i - 3]);
			p[i - 3] = NULL;
		}
		st = ms_stats();
		ms_summary *s = ms_summarize();
		assert_non_null(s);
		assert_gauges_sane(&st.all);
		assert_rows_sum_to(s, &st.all);
		assert_i64_equal(ms_live_blocks(), st.all.blocks.current);
		/* a row's peak never exceeds the program's (one thread, reset together) */
		for (size_t r = 0; r < ms_summary_count(s); r++) {
			const struct ms_summary_row *row = ms_summary_row(s, r);
			assert_gauges_sane(&row->g);
			assert_i64_le(row->g.blocks.peak, st.all.blocks.peak);
			for (int n = 0; n < MS_NOTION_COUNT; n++)
				assert_i64_le(row->g.bytes[n].peak, st.all.bytes[n].peak);
		}
		ms_summary_free(s);
	}
	/* exact: 30 allocated, 4 freed along the way */
	assert_i64_equal(st.all.blocks.current, 26);
	assert_i64_equal(st.all.blocks.total, 30);
	for (int i = 0; i < 30; i++)
		ms_free(p[i]);
	st = ms_stats();
	assert_i64_equal(st.all.blocks.current, 0);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(st.all.bytes[n].current, 0);
	assert_i64_equal(st.all.blocks.peak, 26);
	assert_i64_equal(st.all.blocks.total, 30);
	assert_i64_equal(st.misuse_count, 0);
}

/* Peaks: exact in one thread, restarted at the current value by ms_peak_reset. */
static void test_peaks_and_peak_reset(void **state)
{
	(void)state;
	void *a = ms_alloc(&tr_big_type, 1);
	void *b = ms_alloc(&tr_big_type, 1);
	void *c = ms_alloc(&tr_big_type, 1);
	void *d = ms_alloc(&tr_small_type, 10);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(d);
	ms_free(b);
	ms_free(c);

	struct ms_stats st = ms_stats();
	int64_t big = (int64_t)sizeof(struct tr_big), small = (int64_t)sizeof(struct tr_small);
	assert_gauges_sane(&st.all);
	assert_i64_equal(st.all.blocks.current, 2);
	assert_i64_equal(st.all.blocks.peak, 4);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].current, big + 10 * small);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].peak, 3 * big + 10 * small);

	ms_summary *s = ms_summarize();
	assert_non_null(s);
	const struct ms_summary_row *r = row_of(s, "struct tr_big");
	assert_i64_equal(r->g.blocks.current, 1);
	assert_i64_equal(r->g.blocks.peak, 3);
	assert_i64_equal(r->g.blocks.total, 3);
	ms_summary_free(s);

	ms_peak_reset();
	st = ms_stats();
	assert_i64_equal(st.all.blocks.peak, 2);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(st.all.bytes[n].peak, st.all.bytes[n].current);
	assert_i64_equal(st.all.blocks.total, 4);     /* totals are not peaks */
	s = ms_summarize();
	assert_non_null(s);
	r = row_of(s, "struct tr_big");
	assert_i64_equal(r->g.blocks.peak, 1);
	assert_i64_equal(r->g.bytes[MS_REQUESTED].peak, big);
	ms_summary_free(s);

	/* the peak climbs again from there */
	void *e = ms_alloc(&tr_big_type, 1);
	assert_non_null(e);
	ms_free(e);
	st = ms_stats();
	assert_i64_equal(st.all.blocks.peak, 3);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].peak, 2 * big + 10 * small);

	ms_free(a);
	ms_free(d);
}

/* ms_reset refuses (EBUSY) while a block is live and changes nothing; with nothing live it zeroes all. */
static void test_reset_busy_then_clean(void **state)
{
	(void)state;
	void *p = ms_alloc(&tr_small_type, 4);
	assert_non_null(p);
	struct ms_capture cap;
	ms_capture_start(&cap);
	ms_free(&cap);                          /* one misuse, to see it zeroed */
	ms_set_misuse_handler(NULL, NULL);
	struct ms_stats before = ms_stats();
	assert_i64_equal(before.misuse_count, 1);

	errno = 0;
	assert_int_equal(ms_reset(), -1);
	assert_int_equal(errno, EBUSY);
	struct ms_stats after = ms_stats();
	assert_gauges_equal(&after.all, &before.all);
	assert_i64_equal(after.misuse_count, 1);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_int_equal(info.seq, 1);

	ms_free(p);
	assert_i64_equal(ms_stats().all.blocks.total, 1);
	assert_int_equal(ms_reset(), 0);
	after = ms_stats();
	struct ms_gauges zero;
	memset(&zero, 0, sizeof zero);
	assert_gauges_equal(&after.all, &zero);
	assert_i64_equal(after.misuse_count, 0);
	assert_int_equal(after.rows, before.rows);   /* registered rows stay */

	/* a reset twice in a row is fine */
	assert_int_equal(ms_reset(), 0);
}

/* ms_live_blocks follows every allocating and freeing call. */
static void test_live_blocks(void **state)
{
	(void)state;
	assert_i64_equal(ms_live_blocks(), 0);
	void *p[100];
	for (int i = 0; i < 100; i++) {
		p[i] = ms_alloc_bytes((size_t)i, "tr live");
		assert_non_null(p[i]);
		assert_i64_equal(ms_live_blocks(), i + 1);
	}
	for (int i = 0; i < 100; i += 2)
		p[i] = ms_realloc(p[i], 1000);
	assert_i64_equal(ms_live_blocks(), 100);
	for (int i = 99; i >= 0; i--) {
		ms_free(p[i]);
		assert_i64_equal(ms_live_blocks(), i);
	}
}

/*
 * Bookkeeping is reported, not promised: header bytes grow with live
 * blocks and shrink back, bookkeeping covers headers and tables, and a
 * live summary is bookkeeping too.
 */
static void test_bookkeeping_relations(void **state)
{
	(void)state;
	void *first = ms_alloc(&tr_small_type, 1);
	assert_non_null(first);
	struct ms_stats s0 = ms_stats();
	assert_i64_gt(s0.bookkeeping_bytes, 0);
	assert_i64_gt(s0.header_bytes, 0);
	assert_i64_gt(s0.table_bytes, 0);
	assert_i64_ge(s0.bookkeeping_bytes, s0.header_bytes + s0.table_bytes);
	assert_int_not_equal(s0.rows, 0);
	assert_int_not_equal(s0.threads, 0);

	void *p[50];
	for (int i = 0; i < 50; i++) {
		p[i] = ms_alloc(&tr_small_type, 1);
		assert_non_null(p[i]);
	}
	struct ms_stats s1 = ms_stats();
	assert_i64_gt(s1.header_bytes, s0.header_bytes);
	assert_i64_ge(s1.bookkeeping_bytes, s1.header_bytes + s1.table_bytes);

	/* a summary is the library's memory: counted as tables, never in a row */
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	struct ms_stats s2 = ms_stats();
	assert_i64_gt(s2.table_bytes, s1.table_bytes);
	assert_i64_gt(s2.bookkeeping_bytes, s1.bookkeeping_bytes);
	assert_gauges_equal(&s2.all, &s1.all);
	ms_summary *again = ms_summarize();
	assert_non_null(again);
	ms_summary *d = ms_summary_diff(s, again);
	assert_non_null(d);
	assert_int_equal(ms_summary_count(d), 0);   /* the first summary is in no row */
	assert_int_equal(ms_summary_count(again), 1);
	ms_summary_free(d);
	ms_summary_free(again);
	ms_summary_free(s);
	struct ms_stats s3 = ms_stats();
	assert_i64_equal(s3.table_bytes, s1.table_bytes);   /* freed summaries are given back */

	for (int i = 0; i < 50; i++)
		ms_free(p[i]);
	struct ms_stats s4 = ms_stats();
	assert_i64_equal(s4.header_bytes, s0.header_bytes);
	assert_gauges_sane(&s4.all);
	ms_free(first);
	assert_i64_lt(ms_stats().header_bytes, s0.header_bytes);
}

/* A new type adds exactly one row, once; a new tag text too; a known one adds none. */
static void test_rows_registered_once(void **state)
{
	(void)state;
	size_t rows0 = ms_stats().rows;
	void *a = ms_alloc(&tr_once_type, 1);
	assert_non_null(a);
	assert_int_equal(ms_stats().rows, rows0 + 1);
	void *b = ms_alloc(&tr_once_type, 2);
	assert_non_null(b);
	assert_int_equal(ms_stats().rows, rows0 + 1);
	char tag[] = "tr once tag";
	void *c = ms_alloc_bytes(1, tag);
	assert_non_null(c);
	assert_int_equal(ms_stats().rows, rows0 + 2);
	void *d = ms_alloc_bytes(1, "tr once tag");
	assert_non_null(d);
	assert_int_equal(ms_stats().rows, rows0 + 2);
	ms_free(a);
	ms_free(b);
	ms_free(c);
	ms_free(d);
	/* rows outlive their blocks, but a summary lists only rows with live blocks */
	assert_int_equal(ms_stats().rows, rows0 + 2);
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_int_equal(ms_summary_count(s), 0);
	ms_summary_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_totals_equal_sum_of_rows),
		ms_test(test_peaks_and_peak_reset),
		ms_test(test_reset_busy_then_clean),
		ms_test(test_live_blocks),
		ms_test(test_bookkeeping_relations),
		ms_test(test_rows_registered_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
