/* test_aligned.c: ms_alloc_aligned: every power-of-two alignment kept with the header in front, the block found, sized, resized and freed from the program's pointer, and misuse for the rest. */
#define _GNU_SOURCE
#include "test_util.h"

#include <malloc.h>
#include <unistd.h>

#define TAG "ta aligned"

/* Sizes tried at each alignment: none, below malloc's minimum, small, a page, and glibc-mapped. */
static const size_t ta_sizes[] = { 0, 1, 24, 100, 1000, 4096, 300000 };
#define TA_SIZES (sizeof ta_sizes / sizeof ta_sizes[0])

/*
 * How far into its malloc block memstats puts `n` bytes at `alignment`
 * (block.h): malloc's alignment, a compact header under 32 KiB and a full
 * one from there; 32, a full header; past it, the alignment itself.
 */
static size_t front_of(size_t alignment, size_t n)
{
	if (alignment <= 16)
		return n < 32768 ? 16 : 32;
	return alignment > 32 ? alignment : 32;
}

/*
 * The block `p`, of `n` bytes at `alignment`, as memstats reports it:
 * aligned, live, its sizes the malloc block's past the program's
 * pointer, and the header and padding in front counted as bookkeeping.
 */
static void check_block(void *p, size_t alignment, size_t n)
{
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % alignment, 0);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_string_equal(info.type_name, TAG);
	assert_int_equal(info.count, n);
	assert_i64_equal(info.bytes[MS_REQUESTED], (int64_t)n);
	assert_i64_equal(ms_sizeof_flat(p, MS_REQUESTED), (int64_t)n);
	size_t front = front_of(alignment, n);
	assert_int_equal(info.header_bytes, front);
	void *block = (char *)p - front;
	struct ms_malloc_block m;
	assert_int_equal(ms_malloc_block_info(block, &m), 0);
	int64_t room = (int64_t)m.usable - (int64_t)front;
	int64_t usable = info.bytes[MS_USABLE];
	assert_i64_ge(usable, (int64_t)n);
	if (m.mapped)      /* glibc's mapping, held to malloc(n)'s */
		assert_i64_le(usable, room);
	else
		assert_i64_equal(usable, room);
	assert_i64_equal(info.bytes[MS_FOOTPRINT] - usable, (int64_t)(m.footprint - m.usable));
	assert_i64_equal(ms_stats().header_bytes, (int64_t)front);
	memset(p, 0x5a, (size_t)usable);      /* the program's to use, all of it */
}

/* Every power of two from 16 to 64 KiB, and the page, at each size: kept, counted, freed. */
static void test_every_alignment(void **state)
{
	(void)state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	for (size_t alignment = 16; alignment <= 65536 * 2; alignment *= 2) {
		size_t a = alignment > 65536 ? page : alignment;
		for (size_t i = 0; i < TA_SIZES; i++) {
			void *p = ms_alloc_aligned(a, ta_sizes[i], TAG);
			check_block(p, a, ta_sizes[i]);
			ms_free(p);
			assert_nothing_counted();
			assert_i64_equal(ms_stats().header_bytes, 0);
		}
	}
}

/* Alignments up to 16 are malloc's own: a block like any tagged one. */
static void test_small_alignments_are_plain(void **state)
{
	(void)state;
	for (size_t a = 1; a <= 16; a *= 2) {
		char *p = ms_alloc_aligned(a, 40, TAG);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(p, &info), 0);
		assert_i64_equal(info.bytes[MS_REQUESTED], 40);
		ms_free(p);
	}
	assert_nothing_counted();
}

/* An alignment that is not a power of two is misuse; one past 2^40 cannot be met. */
static void test_bad_alignments(void **state)
{
	(void)state;
	static const size_t bad[] = { 0, 3, 24, 48, 4095 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		void *p;
		struct ms_probe pr;
		ms_probe(&pr, p = ms_alloc_aligned(bad[i], 64, TAG));
		assert_probe_refused(&pr, p, MS_MISUSE_ALIGNMENT, "ms_alloc_aligned", EINVAL);
	}
	void *p;
	struct ms_probe pr;
	ms_probe(&pr, p = ms_alloc_aligned((size_t)1 << 41, 64, TAG));
	assert_probe_refused(&pr, p, MS_MISUSE_NO_MEMORY, "ms_alloc_aligned", ENOMEM);
	assert_string_equal(ms_misuse_kind_name(MS_MISUSE_ALIGNMENT), "bad alignment");
}

/* The gauges count an aligned block as they count a tagged block of its sizes. */
static void test_counted_in_its_row(void **state)
{
	(void)state;
	void *p = ms_alloc_aligned(4096, 500, TAG);
	assert_non_null(p);
	int64_t blocks, requested;
	ms_test_row_now(TAG, &blocks, &requested);
	assert_i64_equal(blocks, 1);
	assert_i64_equal(requested, 500);
	struct ms_stats s = ms_stats();
	assert_i64_equal(s.all.bytes[MS_USABLE].current, ms_test_block_bytes(p, MS_USABLE));
	assert_i64_equal(s.all.bytes[MS_FOOTPRINT].current, ms_test_block_bytes(p, MS_FOOTPRINT));
	ms_free(p);
	assert_nothing_counted();
}

/* ms_realloc moves an aligned block to malloc's alignment, its bytes with it. */
static void test_realloc_moves_to_malloc_alignment(void **state)
{
	(void)state;
	for (size_t a = 32; a <= 8192; a *= 4) {
		unsigned char *p = ms_alloc_aligned(a, 300, TAG);
		assert_non_null(p);
		for (int i = 0; i < 300; i++)
			p[i] = (unsigned char)i;
		unsigned char *q = ms_realloc(p, 5000);
		assert_non_null(q);
		for (int i = 0; i < 300; i++)
			assert_int_equal(q[i], (unsigned char)i);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(q, &info), 0);
		assert_i64_equal(info.bytes[MS_REQUESTED], 5000);
		assert_string_equal(info.type_name, TAG);
		assert_i64_equal(ms_live_blocks(), 1);
		/*
		 * At 32 the block is a plain one with a full header, which realloc
		 * keeps; past it, the block moved to a new one of 5000 bytes, whose
		 * header is compact.
		 */
		assert_i64_equal(ms_stats().header_bytes, a == 32 ? 32 : 16);
		q = ms_realloc(q, 10);
		assert_non_null(q);
		assert_int_equal(q[9], 9);
		ms_free(q);
	}
	assert_nothing_counted();
}

/* A pointer into an aligned block, and a second free of one, are named as for any block. */
static void test_misuse_names_the_block(void **state)
{
	(void)state;
	char *p = ms_alloc_aligned(256, 100, TAG);
	assert_non_null(p);
	struct ms_probe pr;
	ms_probe(&pr, ms_free(p + 40));
	assert_probe(&pr, MS_MISUSE_INTERIOR, "ms_free");
	assert_non_null(strstr(pr.cap.message, "40 bytes into a live block of '" TAG "'"));
	ms_free(p);
	ms_probe(&pr, ms_free(p));
	assert_probe(&pr, MS_MISUSE_DOUBLE_FREE, "ms_free");
	assert_nothing_counted();
}

/* A tracker's site table walks the page map and reads an aligned block's header too. */
static void test_site_table_lists_it(void **state)
{
	(void)state;
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	void *p = ms_alloc_aligned(1024, 77, TAG); const int line = __LINE__;
	assert_non_null(p);
	ms_sites *sites = ms_tracker_sites(t);
	assert_non_null(sites);
	assert_int_equal(ms_sites_count(sites), 1);
	const struct ms_site_row *row = ms_sites_row(sites, 0);
	assert_string_equal(row->name, TAG);
	assert_int_equal(row->line, line);
	assert_i64_equal(row->blocks, 1);
	assert_i64_equal(row->bytes[MS_REQUESTED], 77);
	ms_sites_free(sites);
	ms_tracker_free(t);
	ms_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_every_alignment),
		ms_test(test_small_alignments_are_plain),
		ms_test(test_bad_alignments),
		ms_test(test_counted_in_its_row),
		ms_test(test_realloc_moves_to_malloc_alignment),
		ms_test(test_misuse_names_the_block),
		ms_test(test_site_table_lists_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
