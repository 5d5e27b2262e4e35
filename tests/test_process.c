/* test_process.c: the process's own view (RSS, mallinfo2) set beside what memstats counts, by relation only. */
#include "test_util.h"

#include <unistd.h>

#define MIB ((int64_t)1 << 20)

/* RSS is positive, a whole number of pages, and grows when a tracked block is touched. */
static void test_rss(void **state)
{
	(void)state;
	struct ms_process p0, p1;
	assert_int_equal(ms_process_read(&p0), 0);
	assert_i64_gt(p0.rss_bytes, 0);
	assert_i64_equal(p0.rss_bytes % sysconf(_SC_PAGESIZE), 0);

	unsigned char *big = ms_alloc_bytes((size_t)(48 * MIB), "tp touched");
	assert_non_null(big);
	memset(big, 1, (size_t)(48 * MIB));
	assert_int_equal(ms_process_read(&p1), 0);
	assert_i64_ge(p1.rss_bytes - p0.rss_bytes, 32 * MIB);
	/* what memstats counts for it is at least what was asked */
	assert_i64_ge(ms_stats().all.bytes[MS_USABLE].current, 48 * MIB);
	ms_free(big);
}

/* With glibc's malloc: arena = used + free; tracked blocks show up in mallinfo2. */
static void test_mallinfo_relations(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	struct ms_process p0, p1, p2;
	assert_int_equal(ms_process_read(&p0), 0);
	assert_i64_equal(p0.heap_arena_bytes, p0.heap_used_bytes + p0.heap_free_bytes);

	/* 1000 small blocks live on the heap: used grows by at least their footprint */
	enum { N = 1000 };
	static void *small[N];
	for (int i = 0; i < N; i++) {
		small[i] = ms_alloc_bytes(100, "tp small");
		assert_non_null(small[i]);
	}
	/* 64 MiB is above glibc's largest mmap threshold: always its own mapping */
	void *huge = ms_alloc_bytes((size_t)(64 * MIB), "tp huge");
	assert_non_null(huge);
	assert_int_equal(ms_process_read(&p1), 0);

	int64_t blocks, requested;
	ms_test_row_now("tp small", &blocks, &requested);
	assert_i64_equal(blocks, N);
	assert_i64_equal(requested, 100 * N);
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	const struct ms_summary_row *rs = row_of(s, "tp small");
	const struct ms_summary_row *rh = row_of(s, "tp huge");
	assert_i64_equal(p1.heap_arena_bytes, p1.heap_used_bytes + p1.heap_free_bytes);
	assert_i64_ge(p1.heap_used_bytes - p0.heap_used_bytes,
		      rs->g.bytes[MS_FOOTPRINT].current);
	assert_i64_ge(p1.heap_used_bytes, rs->g.bytes[MS_USABLE].current);
	assert_i64_ge(p1.mmapped_bytes - p0.mmapped_bytes, rh->g.bytes[MS_FOOTPRINT].current);
	assert_i64_ge(rh->g.bytes[MS_FOOTPRINT].current, 64 * MIB);
	/* an mmapped chunk's header is 16 bytes, a heap chunk's 8 */
	assert_i64_equal(rh->g.bytes[MS_FOOTPRINT].current - rh->g.bytes[MS_USABLE].current, 16);
	assert_i64_equal(rs->g.bytes[MS_FOOTPRINT].current - rs->g.bytes[MS_USABLE].current,
			 8 * N);
	ms_summary_free(s);

	ms_free(huge);
	for (int i = 0; i < N; i++)
		ms_free(small[i]);
	assert_int_equal(ms_process_read(&p2), 0);
	assert_i64_lt(p2.mmapped_bytes, p1.mmapped_bytes);
	assert_i64_lt(p2.heap_used_bytes, p1.heap_used_bytes);
}

/*
 * What chapter 1 says of mallinfo2: a chunk freed into glibc's per-thread
 * cache still counts in uordblks, and a block malloc maps on its own
 * counts in hblkhd, not in uordblks.
 */
static void test_mallinfo_in_use_means(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	struct ms_process before, held, freed;
	/*
	 * Whether this malloc comes from the tcache or the heap's top, the free
	 * puts the chunk back in the tcache (malloc just made room there).
	 */
	void *p = ms_alloc_bytes(200, "tp cached");
	assert_non_null(p);
	assert_int_equal(ms_process_read(&held), 0);
	ms_free(p);
	assert_int_equal(ms_process_read(&freed), 0);
	assert_i64_equal(freed.heap_used_bytes, held.heap_used_bytes);

	assert_int_equal(ms_process_read(&before), 0);
	void *huge = ms_alloc_bytes((size_t)(64 * MIB), "tp mapped");
	assert_non_null(huge);
	assert_int_equal(ms_process_read(&held), 0);
	assert_i64_ge(held.mmapped_bytes - before.mmapped_bytes, 64 * MIB);
	assert_i64_lt(held.heap_used_bytes - before.heap_used_bytes, MIB);
	ms_free(huge);
}

/* Under ASan or valgrind malloc is replaced: mallinfo2's figures read 0, RSS still works. */
static void test_mallinfo_under_replaced_malloc(void **state)
{
	(void)state;
	ms_test_require_replaced_malloc("test_mallinfo_relations");
	void *p = ms_alloc_bytes(1000, "tp replaced");
	assert_non_null(p);
	struct ms_process pr;
	assert_int_equal(ms_process_read(&pr), 0);
	assert_i64_gt(pr.rss_bytes, 0);
	assert_i64_equal(pr.heap_arena_bytes, 0);
	assert_i64_equal(pr.heap_used_bytes, 0);
	assert_i64_equal(pr.heap_free_bytes, 0);
	assert_i64_equal(pr.mmapped_bytes, 0);
	ms_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_rss),
		ms_test(test_mallinfo_relations),
		ms_test(test_mallinfo_in_use_means),
		ms_test(test_mallinfo_under_replaced_malloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
