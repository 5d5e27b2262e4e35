/* test_foreign.c: pointers memstats did not hand out, given to ms_free and ms_realloc: reported by default, handed to the allocator beneath under MS_FOREIGN_PASS. */
#define _GNU_SOURCE
#include "test_util.h"

#include <malloc.h>

/*
 * Bytes glibc's heap holds in use (0 under another malloc), and a check
 * that it holds `bytes` fewer than `held`: a passed-on free happened.
 * Where glibc does not serve, LeakSanitizer (make check) would see a
 * block that was not freed. Blocks are larger than glibc's per-thread
 * cache takes (1032 bytes), whose blocks count as in use.
 */
static size_t heap_in_use(void)
{
	const char *why;
	return ms_test_glibc_malloc(&why) ? mallinfo2().uordblks : 0;
}

static void assert_heap_gave_back(size_t held, size_t bytes)
{
	const char *why;
	if (ms_test_glibc_malloc(&why))
		assert_true(mallinfo2().uordblks + bytes <= held);
}

/*
 * ms_free(p) of a foreign block `bytes` long, under MS_FOREIGN_PASS:
 * nothing reported, no gauge or misuse count moved, the block given back
 * to the allocator beneath.
 */
static void assert_freed_beneath(void *p, size_t bytes)
{
	size_t held = heap_in_use();
	struct ms_stats was = ms_stats();
	struct ms_capture cap;
	ms_capture_start(&cap);
	ms_free(p);
	assert_int_equal(cap.count, 0);
	struct ms_stats now = ms_stats();
	assert_gauges_equal(&now.all, &was.all);
	assert_i64_equal(now.misuse_count, was.misuse_count);
	assert_heap_gave_back(held, bytes);
}

/* By default a malloc block given to ms_free or ms_realloc is reported and left alone. */
static void test_reported_by_default(void **state)
{
	(void)state;
	assert_int_equal(ms_set_foreign_policy(MS_FOREIGN_REPORT), MS_FOREIGN_REPORT);
	char *p = malloc(40);
	assert_non_null(p);
	strcpy(p, "foreign");
	void *q;
	struct ms_probe pr;
	ms_probe(&pr, ms_free(p));
	assert_probe(&pr, MS_MISUSE_NOT_LIVE, "ms_free");
	ms_probe(&pr, q = ms_realloc(p, 80));
	assert_probe_refused(&pr, q, MS_MISUSE_NOT_LIVE, "ms_realloc", EINVAL);
	assert_string_equal(p, "foreign");
	free(p);
}

/* Under MS_FOREIGN_PASS, ms_free frees a malloc block, silently and uncounted. */
static void test_pass_frees(void **state)
{
	(void)state;
	assert_int_equal(ms_set_foreign_policy(MS_FOREIGN_PASS), MS_FOREIGN_REPORT);
	char *p = malloc(4000);
	assert_non_null(p);
	memset(p, 1, 4000);
	assert_freed_beneath(p, 4000);
}

/*
 * ms_beneath_malloc's block is the allocator beneath's, uncounted: no
 * gauge moves as it is made, it is no live block of memstats', and under
 * MS_FOREIGN_PASS ms_free hands it back there, unreported.
 */
static void test_beneath_is_uncounted(void **state)
{
	(void)state;
	assert_int_equal(ms_set_foreign_policy(MS_FOREIGN_PASS), MS_FOREIGN_REPORT);
	struct ms_stats was = ms_stats();
	char *p = ms_beneath_malloc(4000);
	assert_non_null(p);
	memset(p, 1, 4000);
	struct ms_stats made = ms_stats();
	assert_gauges_equal(&made.all, &was.all);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), -1);
	assert_freed_beneath(p, 4000);
}

/* Under MS_FOREIGN_PASS, ms_realloc is realloc, its count bytes, and its block as foreign as before. */
static void test_pass_reallocs(void **state)
{
	(void)state;
	ms_set_foreign_policy(MS_FOREIGN_PASS);
	char *p = malloc(16);
	assert_non_null(p);
	strcpy(p, "foreign");
	struct ms_capture cap;
	ms_capture_start(&cap);
	char *q = ms_realloc(p, 4096);
	assert_non_null(q);
	assert_string_equal(q, "foreign");
	memset(q + 8, 2, 4088);      /* all 4096 bytes are the program's */
	struct ms_block_info info;
	assert_int_equal(ms_block_info(q, &info), -1);
	assert_nothing_counted();
	size_t held = heap_in_use();
	ms_free(q);
	assert_int_equal(cap.count, 0);
	assert_heap_gave_back(held, 4096);
}

/*
 * What memstats knows is still reported under MS_FOREIGN_PASS, and its
 * own blocks are freed and counted as ever.
 */
static void test_pass_still_reports_what_it_knows(void **state)
{
	(void)state;
	ms_set_foreign_policy(MS_FOREIGN_PASS);
	char *b = ms_alloc_bytes(24, "tf known");
	assert_non_null(b);
	ms_free(b);
	assert_nothing_counted();
	struct ms_probe pr;
	ms_probe(&pr, ms_free(b));
	assert_probe(&pr, MS_MISUSE_DOUBLE_FREE, "ms_free");
	char *c = ms_alloc_bytes(64, "tf known");
	assert_non_null(c);
	void *q;
	ms_probe(&pr, q = ms_realloc(c + 16, 10));
	assert_probe_refused(&pr, q, MS_MISUSE_INTERIOR, "ms_realloc", EINVAL);
	ms_free(c);
}

/* An unknown policy leaves the one in force, with errno = EINVAL. */
static void test_unknown_policy(void **state)
{
	(void)state;
	ms_set_foreign_policy(MS_FOREIGN_PASS);
	errno = 0;
	assert_int_equal(ms_set_foreign_policy((enum ms_foreign_policy)7), MS_FOREIGN_PASS);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ms_set_foreign_policy(MS_FOREIGN_REPORT), MS_FOREIGN_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_reported_by_default),
		ms_test(test_pass_frees),
		ms_test(test_pass_reallocs),
		ms_test(test_beneath_is_uncounted),
		ms_test(test_pass_still_reports_what_it_knows),
		ms_test(test_unknown_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
