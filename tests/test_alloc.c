/* test_alloc.c: the allocation calls, their function forms, call sites, sequence numbers and the three sizes of a block. */
#define _GNU_SOURCE
#include "test_util.h"

#include <malloc.h>

struct ta_rec {
	int a;
	double b;
	char tail[20];
};
static MS_TYPE_LEAF(ta_rec_type, struct ta_rec);

/* Each allocation form records its row, count, requested size and call site; seq counts from 1. */
static void test_alloc_forms_record_blocks(void **state)
{
	(void)state;
	struct ta_rec *r = ms_alloc(&ta_rec_type, 3); const int line_r = __LINE__;
	int *z = ms_calloc(&ms_type_int, 5); const int line_z = __LINE__;
	void *b = ms_alloc_bytes(77, "ta bytes"); const int line_b = __LINE__;
	char *s = ms_strdup("hello"); const int line_s = __LINE__;
	assert_non_null(r);
	assert_non_null(z);
	assert_non_null(b);
	assert_non_null(s);
	assert_string_equal(s, "hello");

	struct ms_block_info ir, iz, ib, is;
	assert_int_equal(ms_block_info(r, &ir), 0);
	assert_int_equal(ms_block_info(z, &iz), 0);
	assert_int_equal(ms_block_info(b, &ib), 0);
	assert_int_equal(ms_block_info(s, &is), 0);

	/* invariants: seq strictly increases; usable >= requested; footprint >= usable */
	assert_true(ir.seq < iz.seq && iz.seq < ib.seq && ib.seq < is.seq);
	const struct ms_block_info *all[] = { &ir, &iz, &ib, &is };
	for (int i = 0; i < 4; i++) {
		assert_i64_ge(all[i]->bytes[MS_USABLE], all[i]->bytes[MS_REQUESTED]);
		assert_i64_ge(all[i]->bytes[MS_FOOTPRINT], all[i]->bytes[MS_USABLE]);
		assert_int_equal(all[i]->thread, ir.thread);
	}

	/* exact: the registry was reset by setup, so this thread counts from 1 */
	assert_int_equal(ir.seq, 1);
	assert_int_equal(iz.seq, 2);
	assert_int_equal(ib.seq, 3);
	assert_int_equal(is.seq, 4);

	assert_string_equal(ir.type_name, "struct ta_rec");
	assert_ptr_equal(ir.type, &ta_rec_type);
	assert_int_equal(ir.count, 3);
	assert_i64_equal(ir.bytes[MS_REQUESTED], 3 * (int64_t)sizeof(struct ta_rec));
	assert_string_equal(ir.file, "test_alloc.c");
	assert_int_equal(ir.line, line_r);

	assert_string_equal(iz.type_name, "int");
	assert_ptr_equal(iz.type, &ms_type_int);
	assert_int_equal(iz.count, 5);
	assert_i64_equal(iz.bytes[MS_REQUESTED], 5 * (int64_t)sizeof(int));
	assert_string_equal(iz.file, "test_alloc.c");
	assert_int_equal(iz.line, line_z);

	assert_string_equal(ib.type_name, "ta bytes");
	assert_null(ib.type);
	assert_int_equal(ib.count, 77);
	assert_i64_equal(ib.bytes[MS_REQUESTED], 77);
	assert_string_equal(ib.file, "test_alloc.c");
	assert_int_equal(ib.line, line_b);

	assert_string_equal(is.type_name, "char");
	assert_ptr_equal(is.type, &ms_type_char);
	assert_int_equal(is.count, 6);
	assert_i64_equal(is.bytes[MS_REQUESTED], 6);
	assert_string_equal(is.file, "test_alloc.c");
	assert_int_equal(is.line, line_s);

	/* the program-wide gauges are the sum of the four blocks */
	struct ms_stats st = ms_stats();
	assert_i64_equal(st.all.blocks.current, 4);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(st.all.bytes[n].current,
				 ir.bytes[n] + iz.bytes[n] + ib.bytes[n] + is.bytes[n]);

	ms_free(r);
	ms_free(z);
	ms_free(b);
	ms_free(s);
	st = ms_stats();
	assert_i64_equal(st.all.blocks.current, 0);
	assert_i64_equal(st.all.blocks.peak, 4);
	assert_i64_equal(st.all.blocks.total, 4);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].total,
			 3 * (int64_t)sizeof(struct ta_rec) + 5 * (int64_t)sizeof(int) + 77 + 6);
	/* freeing NULL is a no-op, not misuse */
	ms_free(NULL);
	assert_i64_equal(ms_stats().misuse_count, 0);
}

/* The _at forms are real functions: callable through pointers, with the site they are given. */
static void test_at_forms_as_function_pointers(void **state)
{
	(void)state;
	void *(*alloc_fn)(ms_type *, size_t, const char *, int) = ms_alloc_at;
	void *(*calloc_fn)(ms_type *, size_t, const char *, int) = ms_calloc_at;
	void *(*bytes_fn)(size_t, const char *, const char *, int) = ms_alloc_bytes_at;
	void *(*realloc_fn)(void *, size_t, const char *, int) = ms_realloc_at;
	char *(*strdup_fn)(const char *, const char *, int) = ms_strdup_at;
	void (*free_fn)(void *, const char *, int) = ms_free_at;

	void *a = alloc_fn(&ta_rec_type, 2, "fp.c", 11);
	int *c = calloc_fn(&ms_type_int, 4, "fp.c", 12);
	void *b = bytes_fn(9, "ta fp", "fp.c", 13);
	char *s = strdup_fn("xyz", "fp.c", 14);
	assert_non_null(a);
	assert_non_null(c);
	assert_non_null(b);
	assert_non_null(s);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c[i], 0);
	assert_string_equal(s, "xyz");

	struct ms_block_info info;
	assert_int_equal(ms_block_info(a, &info), 0);
	assert_string_equal(info.file, "fp.c");
	assert_int_equal(info.line, 11);
	assert_int_equal(info.count, 2);
	assert_int_equal(ms_block_info(c, &info), 0);
	assert_int_equal(info.line, 12);
	assert_int_equal(ms_block_info(b, &info), 0);
	assert_int_equal(info.line, 13);
	assert_string_equal(info.type_name, "ta fp");
	assert_int_equal(ms_block_info(s, &info), 0);
	assert_int_equal(info.line, 14);

	a = realloc_fn(a, 5, "fp.c", 15);
	assert_non_null(a);
	assert_int_equal(ms_block_info(a, &info), 0);
	assert_int_equal(info.line, 15);
	assert_int_equal(info.count, 5);
	assert_i64_equal(ms_live_blocks(), 4);

	free_fn(a, "fp.c", 16);
	free_fn(c, "fp.c", 17);
	free_fn(b, "fp.c", 18);
	free_fn(s, "fp.c", 19);
	assert_i64_equal(ms_live_blocks(), 0);
	assert_i64_equal(ms_stats().misuse_count, 0);
}

/* ms_calloc zero-fills, even where malloc hands back a dirty chunk. */
static void test_calloc_zeroes(void **state)
{
	(void)state;
	static const size_t counts[] = { 1, 6, 64, 1000, 70000 };
	for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
		size_t n = counts[k];
		int *dirty = ms_alloc(&ms_type_int, n);
		assert_non_null(dirty);
		memset(dirty, 0xA5, n * sizeof(int));
		ms_free(dirty);
		int *clean = ms_calloc(&ms_type_int, n);
		assert_non_null(clean);
		size_t nonzero = 0;
		for (size_t i = 0; i < n; i++)
			nonzero += clean[i] != 0;
		assert_int_equal(nonzero, 0);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(clean, &info), 0);
		assert_int_equal(info.count, n);
		ms_free(clean);
	}
}

/* ms_realloc keeps the contents, the type and the row; the block gets a new seq and the realloc's site. */
static void test_realloc_keeps_contents_and_type(void **state)
{
	(void)state;
	struct ta_rec *r = ms_alloc(&ta_rec_type, 4);
	assert_non_null(r);
	for (int i = 0; i < 4; i++) {
		r[i].a = i * 7;
		r[i].b = i + 0.5;
		snprintf(r[i].tail, sizeof r[i].tail, "rec %d", i);
	}
	struct ms_block_info before;
	assert_int_equal(ms_block_info(r, &before), 0);

	r = ms_realloc(r, 5000); const int line_grow = __LINE__;
	assert_non_null(r);
	struct ms_block_info grown;
	assert_int_equal(ms_block_info(r, &grown), 0);
	/* invariants */
	assert_true(grown.seq > before.seq);
	assert_i64_ge(grown.bytes[MS_USABLE], grown.bytes[MS_REQUESTED]);
	/* exact */
	for (int i = 0; i < 4; i++) {
		char want[20];
		snprintf(want, sizeof want, "rec %d", i);
		assert_int_equal(r[i].a, i * 7);
		assert_true(r[i].b == i + 0.5);
		assert_string_equal(r[i].tail, want);
	}
	assert_ptr_equal(grown.type, &ta_rec_type);
	assert_string_equal(grown.type_name, "struct ta_rec");
	assert_int_equal(grown.count, 5000);
	assert_i64_equal(grown.bytes[MS_REQUESTED], 5000 * (int64_t)sizeof(struct ta_rec));
	assert_string_equal(grown.file, "test_alloc.c");
	assert_int_equal(grown.line, line_grow);

	int64_t blocks, requested;
	ms_test_row_now("struct ta_rec", &blocks, &requested);
	assert_i64_equal(blocks, 1);
	assert_i64_equal(requested, 5000 * (int64_t)sizeof(struct ta_rec));

	r = ms_realloc(r, 2);
	assert_non_null(r);
	assert_int_equal(r[1].a, 7);
	assert_string_equal(r[1].tail, "rec 1");
	ms_test_row_now("struct ta_rec", &blocks, &requested);
	assert_i64_equal(blocks, 1);
	assert_i64_equal(requested, 2 * (int64_t)sizeof(struct ta_rec));

	/* a tagged block resizes in bytes and keeps its tag */
	unsigned char *b = ms_alloc_bytes(10, "ta grow");
	assert_non_null(b);
	memcpy(b, "0123456789", 10);
	b = ms_realloc(b, 300);
	assert_non_null(b);
	assert_memory_equal(b, "0123456789", 10);
	struct ms_block_info ib;
	assert_int_equal(ms_block_info(b, &ib), 0);
	assert_string_equal(ib.type_name, "ta grow");
	assert_null(ib.type);
	assert_int_equal(ib.count, 300);
	assert_i64_equal(ib.bytes[MS_REQUESTED], 300);

	/* a strdup'ed string stays a char block */
	char *s = ms_strdup("abc");
	assert_non_null(s);
	s = ms_realloc(s, 40);
	assert_non_null(s);
	assert_string_equal(s, "abc");
	struct ms_block_info is;
	assert_int_equal(ms_block_info(s, &is), 0);
	assert_string_equal(is.type_name, "char");
	assert_int_equal(is.count, 40);

	assert_i64_equal(ms_live_blocks(), 3);
	ms_free(r);
	ms_free(b);
	ms_free(s);
}

/* A zero count or size gives a live, unique block of 0 requested bytes, counted as a block. */
static void test_zero_size_requests(void **state)
{
	(void)state;
	void *p[5];
	p[0] = ms_alloc(&ta_rec_type, 0);
	p[1] = ms_alloc(&ta_rec_type, 0);
	p[2] = ms_calloc(&ta_rec_type, 0);
	p[3] = ms_alloc_bytes(0, "ta empty");
	p[4] = ms_alloc(&ta_rec_type, 3);
	for (int i = 0; i < 5; i++)
		assert_non_null(p[i]);
	p[4] = ms_realloc(p[4], 0);   /* keeps a 0-byte block; does not free */
	assert_non_null(p[4]);

	/* invariants: all distinct, all live */
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			assert_ptr_not_equal(p[i], p[j]);
	for (int i = 0; i < 5; i++) {
		struct ms_block_info info;
		assert_int_equal(ms_block_info(p[i], &info), 0);
		assert_int_equal(info.count, 0);
		assert_i64_equal(info.bytes[MS_REQUESTED], 0);
		assert_i64_ge(info.bytes[MS_USABLE], 1);
		assert_i64_ge(info.bytes[MS_FOOTPRINT], info.bytes[MS_USABLE]);
	}

	/* exact: a summary shows the rows, with blocks and 0 bytes */
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_int_equal(ms_summary_count(s), 2);
	assert_row(s, "struct ta_rec", 4, 0);
	assert_row(s, "ta empty", 1, 0);
	ms_summary_free(s);
	assert_i64_equal(ms_live_blocks(), 5);
	assert_i64_equal(ms_stats().misuse_count, 0);

	for (int i = 0; i < 5; i++)
		ms_free(p[i]);
}

/* Sizes of blocks requested at many sizes: usable >= requested, footprint > usable on glibc. */
static void test_sizes_relations(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 100,
					1000, 4095, 4096, 65536, 300000 };
	enum { N = sizeof sizes / sizeof sizes[0] };
	void *p[N];
	int64_t sum[MS_NOTION_COUNT] = { 0 };
	for (size_t i = 0; i < N; i++) {
		p[i] = ms_alloc_bytes(sizes[i], "ta sizes");
		assert_non_null(p[i]);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(p[i], &info), 0);
		assert_i64_equal(info.bytes[MS_REQUESTED], sizes[i]);
		assert_i64_ge(info.bytes[MS_USABLE], sizes[i]);
		assert_i64_ge(info.bytes[MS_USABLE], 1);
		/* glibc's chunk header; a replaced malloc (ASan, valgrind) has none */
		const char *why;
		if (ms_test_glibc_malloc(&why))
			assert_i64_gt(info.bytes[MS_FOOTPRINT], info.bytes[MS_USABLE]);
		else
			assert_i64_equal(info.bytes[MS_FOOTPRINT], info.bytes[MS_USABLE]);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			sum[n] += info.bytes[n];
		/* every usable byte can be written */
		memset(p[i], 0x5A, (size_t)info.bytes[MS_USABLE]);
	}
	/* the row's gauges are the sum of its blocks */
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	const struct ms_summary_row *r = row_of(s, "ta sizes");
	assert_i64_equal(r->g.blocks.current, N);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(r->g.bytes[n].current, sum[n]);
	ms_summary_free(s);
	for (size_t i = 0; i < N; i++)
		ms_free(p[i]);
}

/*
 * On glibc a tracked block's usable size is what malloc(n) alone grants,
 * and its footprint adds the 8-byte chunk header of a heap chunk.
 */
static void test_usable_matches_raw_malloc(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	static const size_t sizes[] = { 0, 1, 8, 16, 23, 24, 25, 40, 41, 56, 57, 100, 1000,
					1024, 4000, 4096, 10000, 65536 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		void *raw = malloc(n);
		assert_non_null(raw);
		size_t raw_usable = malloc_usable_size(raw);
		free(raw);

		void *p = ms_alloc_bytes(n, "ta raw");
		assert_non_null(p);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(p, &info), 0);
		if (info.bytes[MS_USABLE] != (int64_t)raw_usable)
			print_error("n = %zu\n", n);
		assert_i64_equal(info.bytes[MS_USABLE], raw_usable);
		/* a heap chunk: usable % 16 == 8 and an 8-byte header */
		assert_int_equal(raw_usable % 16, 8);
		assert_i64_equal(info.bytes[MS_FOOTPRINT], info.bytes[MS_USABLE] + 8);
		ms_free(p);
	}
}

/*
 * A block past glibc's largest mmap threshold (32 MiB) is mmapped, with a
 * 16-byte chunk header: memstats reads that from the chunk's size word as
 * malloc_usable_size would, less its own 32-byte header.
 */
static void test_usable_of_mmapped_block(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	size_t n = (size_t)64 << 20;
	unsigned char *p = ms_alloc_bytes(n, "ta mmapped");
	assert_non_null(p);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	size_t malloc_usable = malloc_usable_size(p - 32);
	assert_int_equal(malloc_usable % 16, 0);            /* mmapped, not a heap chunk */
	assert_i64_equal(info.bytes[MS_USABLE], (int64_t)malloc_usable - 32);
	assert_i64_equal(info.bytes[MS_FOOTPRINT], info.bytes[MS_USABLE] + 16);
	assert_true(info.bytes[MS_USABLE] >= (int64_t)n);
	ms_free(p);
}

/* Under ASan or valgrind malloc grants what is asked: usable = max(requested, 1). */
static void test_usable_under_replaced_malloc(void **state)
{
	(void)state;
	ms_test_require_replaced_malloc("test_usable_matches_raw_malloc");
	static const size_t sizes[] = { 0, 1, 7, 24, 25, 100, 4097 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		void *p = ms_alloc_bytes(sizes[i], "ta replaced");
		assert_non_null(p);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(p, &info), 0);
		assert_i64_equal(info.bytes[MS_USABLE], sizes[i] ? sizes[i] : 1);
		ms_free(p);
	}
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>

/* Under ASan: the header before p and the bytes past its request are poisoned, its own are not. */
static void assert_poisoned_around(const char *p, size_t requested)
{
	for (size_t back = 1; back <= 32; back++)
		assert_true(__asan_address_is_poisoned(p - back));
	assert_null(__asan_region_is_poisoned((void *)p, requested));
	/* a 0-byte request is padded to malloc's minimum, ASan's 1 byte */
	assert_true(__asan_address_is_poisoned(p + (requested ? requested : 1)));
}
#endif

/*
 * ASan cannot be told the header is not the program's, only poisoned: a
 * read of p[-1] is an error, as before a plain malloc block. Every path
 * that writes or reads a header must leave it poisoned again.
 */
static void test_header_poisoned_under_asan(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	char *p = ms_alloc_bytes(40, "ta poisoned");
	assert_non_null(p);
	assert_poisoned_around(p, 40);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);          /* reads the header */
	assert_poisoned_around(p, 40);
	p = ms_realloc(p, 400);                                /* moves, most likely */
	assert_non_null(p);
	assert_poisoned_around(p, 400);
	p = ms_realloc(p, 4);
	assert_non_null(p);
	assert_poisoned_around(p, 4);
	ms_free(p);
	char *z = ms_calloc(&ms_type_char, 0);
	assert_non_null(z);
	assert_poisoned_around(z, 0);
	ms_free(z);
#else
	print_message("skipped: built without ASan (make check runs it with ASan)\n");
	skip();
#endif
}

/* Sequence numbers: strictly increasing, a new one for a realloc, from 1 again after ms_reset. */
static void test_sequence_numbers(void **state)
{
	(void)state;
	uint64_t last = 0;
	void *p[10];
	struct ms_block_info info;
	for (int i = 0; i < 10; i++) {
		p[i] = i % 2 ? ms_alloc(&ms_type_int, (size_t)i) : ms_alloc_bytes((size_t)i, "ta seq");
		assert_non_null(p[i]);
		assert_int_equal(ms_block_info(p[i], &info), 0);
		assert_true(info.seq > last);
		last = info.seq;
	}
	assert_int_equal(last, 10);
	/* a failed allocation takes no number */
	struct ms_capture cap;
	ms_capture_start(&cap);
	assert_null(ms_alloc(&ms_type_int, SIZE_MAX / 2));
	ms_set_misuse_handler(NULL, NULL);
	p[0] = ms_realloc(p[0], 100);
	assert_non_null(p[0]);
	assert_int_equal(ms_block_info(p[0], &info), 0);
	assert_int_equal(info.seq, 11);
	/* an untouched block keeps its number */
	assert_int_equal(ms_block_info(p[5], &info), 0);
	assert_int_equal(info.seq, 6);
	for (int i = 0; i < 10; i++)
		ms_free(p[i]);

	assert_int_equal(ms_reset(), 0);
	void *q = ms_alloc(&ms_type_int, 1);
	assert_non_null(q);
	assert_int_equal(ms_block_info(q, &info), 0);
	assert_int_equal(info.seq, 1);
	ms_free(q);
}

/* ms_block_info says -1/EINVAL, and reports nothing, for anything but a live block's start. */
static void test_block_info_rejects_non_blocks(void **state)
{
	(void)state;
	struct ms_capture cap;
	ms_capture_start(&cap);
	struct ms_block_info info;
	int local = 0;
	char *raw = malloc(64);
	assert_non_null(raw);
	char *p = ms_alloc_bytes(64, "ta info");
	assert_non_null(p);
	char *gone = ms_alloc_bytes(64, "ta info");
	assert_non_null(gone);
	ms_free(gone);

	const void *bad[] = { NULL, &local, raw, p + 1, p + 16, gone };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		assert_int_equal(ms_block_info(bad[i], &info), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(ms_block_info(p, &info), 0);
	ms_set_misuse_handler(NULL, NULL);
	assert_int_equal(cap.count, 0);
	assert_i64_equal(ms_stats().misuse_count, 0);
	free(raw);
	ms_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_alloc_forms_record_blocks),
		ms_test(test_at_forms_as_function_pointers),
		ms_test(test_calloc_zeroes),
		ms_test(test_realloc_keeps_contents_and_type),
		ms_test(test_zero_size_requests),
		ms_test(test_sizes_relations),
		ms_test(test_usable_matches_raw_malloc),
		ms_test(test_usable_of_mmapped_block),
		ms_test(test_header_poisoned_under_asan),
		ms_test(test_usable_under_replaced_malloc),
		ms_test(test_sequence_numbers),
		ms_test(test_block_info_rejects_non_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
