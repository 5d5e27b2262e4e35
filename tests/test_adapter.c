/* test_adapter.c: the calls an allocator adapter maps malloc's onto one to one: ms_size, the requested bytes of a block, ms_calloc_bytes, C's calloc, and ms_realloc_bytes, C's realloc under a tag. */
#define _GNU_SOURCE
#include "test_util.h"

#include <malloc.h>
#include <stdbool.h>

#define TAG "tad adapter"

/* ms_size is what was asked for, in every kind of block. */
static void test_size_is_requested(void **state)
{
	(void)state;
	void *blocks[] = {
		ms_alloc_bytes(77, TAG),
		ms_alloc_bytes(0, TAG),
		ms_alloc(&ms_type_int, 5),
		ms_calloc(&ms_type_int, 3),
		ms_strdup("hello"),
		ms_alloc_aligned(64, 100, TAG),
		ms_alloc_aligned(4096, 10, TAG),
		ms_alloc_bytes(300000, TAG),      /* glibc maps it */
	};
	const size_t want[] = { 77, 0, 5 * sizeof(int), 3 * sizeof(int), 6, 100, 10, 300000 };
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		assert_non_null(blocks[i]);
		errno = 0;
		assert_int_equal(ms_size(blocks[i]), want[i]);
		assert_int_equal(errno, 0);
		assert_i64_equal(ms_size(blocks[i]), ms_test_block_bytes(blocks[i], MS_REQUESTED));
	}
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		ms_free(blocks[i]);
}

/* NULL is 0; anything else that is no live block is 0 with EINVAL, and not reported. */
static void test_size_of_no_block(void **state)
{
	(void)state;
	assert_int_equal(ms_size(NULL), 0);
	char *p = ms_alloc_bytes(64, TAG);
	assert_non_null(p);
	int on_stack;
	char *foreign = malloc(64);
	assert_non_null(foreign);
	const void *bad[] = { &on_stack, p + 16, foreign };
	struct ms_capture cap;
	ms_capture_start(&cap);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		assert_int_equal(ms_size(bad[i]), 0);
		assert_int_equal(errno, EINVAL);
	}
	ms_free(p);
	errno = 0;
	assert_int_equal(ms_size(p), 0);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cap.count, 0);
	free(foreign);
}

/* Under MS_FOREIGN_PASS a foreign block's size is the allocator's. */
static void test_size_of_foreign_under_pass(void **state)
{
	(void)state;
	char *foreign = malloc(100);
	assert_non_null(foreign);
	ms_set_foreign_policy(MS_FOREIGN_PASS);
	assert_int_equal(ms_size(foreign), malloc_usable_size(foreign));
	free(foreign);
}

/* ms_size follows a block through each resize. */
static void test_size_after_resize(void **state)
{
	(void)state;
	int *p = ms_alloc(&ms_type_int, 2);
	assert_non_null(p);
	p = ms_realloc(p, 9);
	assert_non_null(p);
	assert_int_equal(ms_size(p), 9 * sizeof(int));
	p = ms_realloc_bytes(p, 6, TAG);      /* a typed block resized in bytes keeps its row */
	assert_non_null(p);
	assert_int_equal(ms_size(p), 6);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_string_equal(info.type_name, "int");
	assert_int_equal(info.count, 1);
	ms_free(p);
}

/* NULL allocates under the tag, at the call's site. */
static void test_realloc_bytes_of_null_allocates(void **state)
{
	(void)state;
	char *p = ms_realloc_bytes(NULL, 40, TAG); const int line = __LINE__;
	assert_non_null(p);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_string_equal(info.type_name, TAG);
	assert_i64_equal(info.bytes[MS_REQUESTED], 40);
	assert_string_equal(info.file, "test_adapter.c");
	assert_int_equal(info.line, line);
	ms_free(p);
}

/* 0 bytes frees the block and returns NULL, as glibc's realloc does: a later free is a double free. */
static void test_realloc_bytes_to_zero_frees(void **state)
{
	(void)state;
	char *p = ms_alloc_bytes(40, TAG);
	assert_non_null(p);
	assert_null(ms_realloc_bytes(p, 0, TAG));
	assert_nothing_counted();
	struct ms_probe pr;
	ms_probe(&pr, ms_free(p));
	assert_probe(&pr, MS_MISUSE_DOUBLE_FREE, "ms_free");
	void *q;
	ms_probe(&pr, q = ms_realloc_bytes(p, 0, TAG));
	assert_probe_reports(&pr, 1, MS_MISUSE_DOUBLE_FREE, "ms_realloc_bytes");
	assert_null(q);
}

/* A resize keeps the bytes and the row, whatever the tag says, and counts as realloc does. */
static void test_realloc_bytes_resizes(void **state)
{
	(void)state;
	unsigned char *p = ms_alloc_bytes(100, TAG);
	assert_non_null(p);
	for (int i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	unsigned char *q = ms_realloc_bytes(p, 70000, "tad another tag");
	assert_non_null(q);
	for (int i = 0; i < 100; i++)
		assert_int_equal(q[i], (unsigned char)i);
	int64_t blocks, requested;
	ms_test_row_now(TAG, &blocks, &requested);
	assert_i64_equal(blocks, 1);
	assert_i64_equal(requested, 70000);
	assert_i64_equal(ms_stats().all.blocks.total, 2);      /* a realloc is one more block */
	q = ms_realloc_bytes(q, 3, TAG);
	assert_non_null(q);
	assert_int_equal(q[2], 2);
	assert_int_equal(ms_size(q), 3);
	ms_free(q);
}

/* A pointer memstats did not hand out is reported; under MS_FOREIGN_PASS it is realloc's. */
static void test_realloc_bytes_of_foreign(void **state)
{
	(void)state;
	int on_stack;
	void *q;
	struct ms_probe pr;
	ms_probe(&pr, q = ms_realloc_bytes(&on_stack, 10, TAG));
	assert_probe_refused(&pr, q, MS_MISUSE_NOT_LIVE, "ms_realloc_bytes", EINVAL);
	char *foreign = malloc(10);
	assert_non_null(foreign);
	strcpy(foreign, "foreign");
	ms_set_foreign_policy(MS_FOREIGN_PASS);
	char *moved = ms_realloc_bytes(foreign, 5000, TAG);
	assert_non_null(moved);
	assert_string_equal(moved, "foreign");
	assert_nothing_counted();
	assert_null(ms_realloc_bytes(moved, 0, TAG));      /* freed, or LeakSanitizer says */
}

/* Every byte of `p`, `n` long, is 0. */
static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * ms_calloc_bytes zeroes what it hands out, though malloc hands back the
 * chunk just freed dirty: a block filled with 0xff and freed, then the
 * same size asked again (glibc's tcache returns the same chunk).
 */
static void test_calloc_bytes_zeroes_a_reused_block(void **state)
{
	(void)state;
	const size_t sizes[] = { 1, 24, 100, 4000, 300000 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *dirty = ms_alloc_bytes(sizes[i], TAG);
		assert_non_null(dirty);
		memset(dirty, 0xff, sizes[i]);
		ms_free(dirty);
		unsigned char *clean = ms_calloc_bytes(sizes[i], TAG);
		assert_non_null(clean);
		assert_true(all_zero(clean, sizes[i]));
		assert_int_equal(ms_size(clean), sizes[i]);
		ms_free(clean);
	}
}

/* A zeroed block is counted as any other: its row, its requested bytes, and gone when freed. */
static void test_calloc_bytes_counted(void **state)
{
	(void)state;
	struct ms_stats before = ms_stats();
	void *p = ms_calloc_bytes(100, TAG);
	assert_non_null(p);
	struct ms_stats during = ms_stats();
	assert_i64_equal(during.all.blocks.current, before.all.blocks.current + 1);
	assert_i64_equal(during.all.bytes[MS_REQUESTED].current,
			 before.all.bytes[MS_REQUESTED].current + 100);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_string_equal(info.type_name, TAG);
	ms_free(p);
	assert_nothing_counted();
}

/* An empty tag is refused as for ms_alloc_bytes, naming ms_calloc_bytes. */
static void test_calloc_bytes_refuses_empty_tag(void **state)
{
	(void)state;
	void *q;
	struct ms_probe pr;
	ms_probe(&pr, q = ms_calloc_bytes(10, ""));
	assert_probe_refused(&pr, q, MS_MISUSE_BAD_TYPE, "ms_calloc_bytes", EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_size_is_requested),
		ms_test(test_size_of_no_block),
		ms_test(test_size_of_foreign_under_pass),
		ms_test(test_size_after_resize),
		ms_test(test_realloc_bytes_of_null_allocates),
		ms_test(test_realloc_bytes_to_zero_frees),
		ms_test(test_realloc_bytes_resizes),
		ms_test(test_realloc_bytes_of_foreign),
		ms_test(test_calloc_bytes_zeroes_a_reused_block),
		ms_test(test_calloc_bytes_counted),
		ms_test(test_calloc_bytes_refuses_empty_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
