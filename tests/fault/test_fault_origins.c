/* test_fault_origins.c: where the memory to number a new site fails, its block is made with a full header all the same, counted and freed as any, and the site is numbered at a later call. */
#define _GNU_SOURCE
#include "../test_util.h"

#include <stdbool.h>
#include <unistd.h>

#include "fault.h"

/*
 * A block under 32 KiB gets a compact header only if its origin (site and
 * row, lib/origins.h) has a number; numbering a new one may need memory:
 * the index of origins is rebuilt twice as large each time it is half
 * full, and numbers are kept in chunks of 1024, each a mapping of its own.
 * If that memory cannot be had, the block gets a full header, which holds
 * the site itself. Nothing else an allocation needs can fail without
 * failing the call, so a call that succeeds although one of its
 * allocations failed is one whose origin could not be numbered.
 */

#define TAG "fo tag"
#define FILE_NAME "fo_site.c"
/* Sites new to the library: more than 2048, so two chunks of origins are begun and the index rebuilt. */
#define SITES 2200
#define FIRST_LINE 1000

/* What the sweeps of the sites saw. */
struct tally {
	size_t calls_failed;     /* an allocation the call could not do without: NULL */
	size_t origins_failed;   /* the origin's memory: a block with a full header */
};

/* The size of the block from line `line`: under 32 KiB, so compact once numbered. */
static size_t size_at(int line)
{
	return (size_t)line * 13 % 4000;
}

/* Stop the check at hand with the message in `why`, returning false. */
#define CHECK(cond, ...)                                 \
	do {                                             \
		if (!(cond)) {                           \
			snprintf(why, cap, __VA_ARGS__); \
			return false;                    \
		}                                        \
	} while (0)

/* The block `p` of `size` bytes names line `line` of FILE_NAME and TAG and has a `header`-byte header. */
static bool block_is(const void *p, int line, size_t size, size_t header, char *why, size_t cap)
{
	struct ms_block_info info;
	CHECK(ms_block_info(p, &info) == 0, "line %d: ms_block_info refused the block", line);
	CHECK(info.file && strcmp(info.file, FILE_NAME) == 0 && info.line == line &&
		      strcmp(info.type_name, TAG) == 0 && info.count == size &&
		      info.bytes[MS_REQUESTED] == (int64_t)size && info.header_bytes == header,
	      "line %d: the block says %s:%d \"%s\", %zu bytes, a %zu-byte header; expected "
	      "%s:%d \"%s\", %zu bytes, a %zu-byte header", line, info.file, info.line,
	      info.type_name, info.count, info.header_bytes, FILE_NAME, line, TAG, size, header);
	return true;
}

/* The current gauges of `a` are `b`'s with `blocks` more blocks of `requested` more bytes. */
static bool counted(const struct ms_stats *a, const struct ms_stats *b, int64_t blocks,
		    int64_t requested, int64_t header_bytes, char *why, size_t cap)
{
	CHECK(a->all.blocks.current == b->all.blocks.current + blocks &&
		      a->all.bytes[MS_REQUESTED].current ==
			      b->all.bytes[MS_REQUESTED].current + requested &&
		      a->header_bytes == b->header_bytes + header_bytes,
	      "%" PRId64 " blocks of %" PRId64 " bytes, %" PRId64 " header bytes; expected %" PRId64
	      " of %" PRId64 ", %" PRId64, a->all.blocks.current, a->all.bytes[MS_REQUESTED].current,
	      a->header_bytes, b->all.blocks.current + blocks,
	      b->all.bytes[MS_REQUESTED].current + requested, b->header_bytes + header_bytes);
	return true;
}

/*
 * A block from line `line`, a site new to the library, with each of the
 * call's allocations failing in turn, then with none failing: a failure
 * the call cannot do without is reported and counts nothing; the origin's
 * memory failing gives a block with a full header, naming its site,
 * counted, then freed; once nothing fails the site has its number and
 * the block a compact header. Returns that last block in `*made`, live;
 * false, and why in `why`, if anything was not so.
 */
static bool sweep_site(int line, struct tally *tally, void **made, char *why, size_t cap)
{
	size_t size = size_at(line);
	for (uint64_t k = 1;; k++) {
		struct ms_stats before = ms_stats();
		int64_t row_blocks, row_bytes, row_blocks_after, row_bytes_after;
		ms_test_row_now(TAG, &row_blocks, &row_bytes);
		struct ms_capture report;
		ms_capture_start(&report);
		ms_fault_fail_at(k);
		void *p = ms_alloc_bytes_at(size, TAG, FILE_NAME, line);
		uint64_t calls = ms_fault_calls();
		ms_fault_fail_at(0);
		ms_set_misuse_handler(NULL, NULL);
		struct ms_stats after = ms_stats();
		if (!p) {
			CHECK(calls >= k, "line %d: NULL with nothing failing", line);
			CHECK(report.count == 1 && report.kind == MS_MISUSE_NO_MEMORY,
			      "line %d, allocation %" PRIu64 " failing: %d reports, the last of kind %d",
			      line, k, report.count, (int)report.kind);
			CHECK(counted(&after, &before, 0, 0, 0, why, cap), "line %d: NULL, yet counted",
			      line);
			tally->calls_failed++;
			continue;
		}
		CHECK(report.count == 0, "line %d, allocation %" PRIu64 " failing: reported \"%.200s\"",
		      line, k, report.message);
		if (calls < k) {     /* nothing failed */
			*made = p;
			return block_is(p, line, size, 16, why, cap) &&
			       counted(&after, &before, 1, (int64_t)size, 16, why, cap);
		}
		if (!block_is(p, line, size, 32, why, cap) ||
		    !counted(&after, &before, 1, (int64_t)size, 32, why, cap))
			return false;
		ms_test_row_now(TAG, &row_blocks_after, &row_bytes_after);
		CHECK(row_blocks_after == row_blocks + 1 && row_bytes_after == row_bytes + (int64_t)size,
		      "line %d: the row has %" PRId64 " blocks of %" PRId64 " bytes, expected %" PRId64
		      " of %" PRId64, line, row_blocks_after, row_bytes_after, row_blocks + 1,
		      row_bytes + (int64_t)size);
		ms_free(p);
		CHECK(ms_stats().misuse_count == before.misuse_count, "line %d: its free was refused",
		      line);
		struct ms_stats freed = ms_stats();
		if (!counted(&freed, &before, 0, 0, 0, why, cap))
			return false;
		tally->origins_failed++;
	}
}

/* Each of `n` blocks `p[i]` still names its line from `first` on, with a compact header. */
static bool blocks_named(void *const *p, size_t n, int first, char *why, size_t cap)
{
	for (size_t i = 0; i < n; i++)
		if (!block_is(p[i], first + (int)i, size_at(first + (int)i), 16, why, cap))
			return false;
	return true;
}

/*
 * Sweeps of SITES new sites, in one thread: the new chunk of origins at
 * 1024 and at 2048, and the index's rebuilds past 1024 and 2048, are
 * mappings of their own, so at least four origins fail to be numbered
 * (more where a smaller index is carved from a fresh mapping). Every
 * block made along the way still names its site at the end.
 */
static void test_blocks_of_unnumbered_origins(void **state)
{
	(void)state;
	void *tag_row = ms_alloc_bytes(1, TAG);   /* the row first: its registration is not swept */
	assert_non_null(tag_row);
	ms_free(tag_row);
	void **blocks = calloc(SITES, sizeof *blocks);
	assert_non_null(blocks);
	struct tally tally = { 0, 0 };
	char why[400];
	for (size_t i = 0; i < SITES; i++)
		if (!sweep_site(FIRST_LINE + (int)i, &tally, &blocks[i], why, sizeof why))
			fail_msg("%s", why);
	if (!blocks_named(blocks, SITES, FIRST_LINE, why, sizeof why))
		fail_msg("%s", why);
	assert_i64_ge(tally.origins_failed, 4);
	assert_i64_ge(tally.calls_failed, SITES);
	assert_i64_equal(ms_stats().header_bytes, SITES * 16);
	for (size_t i = 0; i < SITES; i++)
		ms_free(blocks[i]);
	free(blocks);
	assert_nothing_counted();
	assert_i64_equal(ms_stats().header_bytes, 0);
	/* the calls that failed, each reported once, and nothing else */
	assert_i64_equal(ms_stats().misuse_count, (int64_t)tally.calls_failed);
}

/* The child of test_first_origin_under_fault: 0 if all was as it should be, else 1 and why on stderr. */
static void first_origin_child(void)
{
	/* a block of 32 KiB needs no origin: the row, the thread's state and the page map first */
	void *large = ms_alloc_bytes(40000, TAG);
	if (!large)
		_exit(2);
	ms_free(large);
	struct tally tally = { 0, 0 };
	char why[400];
	void *p = NULL;
	bool ok = sweep_site(FIRST_LINE, &tally, &p, why, sizeof why);
	if (ok && tally.origins_failed == 0) {
		snprintf(why, sizeof why, "the first origin's memory never failed");
		ok = false;
	}
	ms_free(p);
	if (!ok)
		fprintf(stderr, "%s\n", why);
	_exit(ok ? 0 : 1);
}

/*
 * The first origin of all, with the first index of origins made for it:
 * in a fresh process, where nothing has been numbered yet, each of the
 * allocations failing in turn.
 */
static void test_first_origin_under_fault(void **state)
{
	(void)state;
	assert_child_passes(first_origin_child);
}

int main(void)
{
	/* Before anything numbers an origin: the first must be numbered in the child. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_origin_under_fault),
		ms_test(test_blocks_of_unnumbered_origins),
	};
	return cmocka_run_group_tests_name("fault: origins", tests, NULL, NULL);
}
