/* test_alloc.c: the allocation calls, their function forms, call sites, sequence numbers and the three sizes of a block. */
#include "test_util.h"

#include <malloc.h>
#include <stdbool.h>
#include <unistd.h>

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

/* glibc's heap chunk for malloc(n): n and its 8-byte size word, rounded up to 16, at least 32. */
static int64_t glibc_heap_chunk(size_t n)
{
	size_t chunk = (n + 8 + 15) & ~(size_t)15;
	return chunk < 32 ? 32 : (int64_t)chunk;
}

/* glibc's mapping for malloc(n) on its own: that chunk and 8 bytes more, in whole pages. */
static int64_t glibc_mapping(size_t n)
{
	int64_t page = sysconf(_SC_PAGESIZE);
	return (glibc_heap_chunk(n) + 8 + page - 1) / page * page;
}

/* A block's kind and sizes, as malloc_usable_size and glibc's chunk headers give them. */
struct chunk_figures {
	bool mapped;
	int64_t usable;
	int64_t footprint;
};

/* What malloc(n) alone is granted and takes in a heap chunk, or mapped on its own. */
static struct chunk_figures malloc_alone(size_t n, bool mapped)
{
	int64_t footprint = mapped ? glibc_mapping(n) : glibc_heap_chunk(n);
	return (struct chunk_figures){ mapped, footprint - (mapped ? 16 : 8), footprint };
}

/* A plain malloc block's figures: its usable size is 8 modulo 16 in a heap chunk, 0 in a mapped one. */
static struct chunk_figures raw_figures(void *raw)
{
	int64_t usable = (int64_t)malloc_usable_size(raw);
	bool mapped = usable % 16 == 0;
	return (struct chunk_figures){ mapped, usable, usable + (mapped ? 16 : 8) };
}

/* A tracked block's figures: a heap chunk's header is 8 bytes, a mapped one's 16. */
static struct chunk_figures tracked_figures(const void *p, struct ms_block_info *info)
{
	assert_int_equal(ms_block_info(p, info), 0);
	int64_t usable = info->bytes[MS_USABLE], footprint = info->bytes[MS_FOOTPRINT];
	return (struct chunk_figures){ footprint - usable == 16, usable, footprint };
}

/* Fail, naming n and the two figures, unless `got` is `want`. */
static void assert_figures(size_t n, const char *what, struct chunk_figures got,
			   struct chunk_figures want)
{
	if (got.mapped != want.mapped || got.usable != want.usable ||
	    got.footprint != want.footprint)
		fail_msg("n = %zu: %s: %s chunk, usable %" PRId64 ", footprint %" PRId64
			 "; expected %s chunk, usable %" PRId64 ", footprint %" PRId64,
			 n, what, got.mapped ? "mapped" : "heap", got.usable, got.footprint,
			 want.mapped ? "mapped" : "heap", want.usable, want.footprint);
}

/*
 * ms_alloc_bytes(n) and a plain malloc(n) beside it, both live at once
 * (freeing a mapped block raises glibc's mmap threshold before the other
 * is made). Where both got the same kind of chunk they report the same
 * usable size and footprint. The kinds can differ: the first of the two
 * may take the top of the heap that the second then lacks, and the
 * header tips a request just under the threshold over it. Either way
 * each is what malloc(n) alone gets in its kind, the tracked block can
 * use every byte it reports, and a mapped footprint is whole pages.
 */
static void assert_matches_malloc_beside(size_t n)
{
	char *raw = malloc(n);
	char *p = ms_alloc_bytes(n, "ta beside");
	assert_non_null(raw);
	assert_non_null(p);
	struct ms_block_info info;
	struct chunk_figures plain = raw_figures(raw), tracked = tracked_figures(p, &info);
	if (tracked.mapped == plain.mapped)
		assert_figures(n, "tracked beside plain", tracked, plain);
	assert_figures(n, "plain malloc", plain, malloc_alone(n, plain.mapped));
	assert_figures(n, "tracked", tracked, malloc_alone(n, tracked.mapped));
	if (tracked.mapped)
		assert_i64_equal(tracked.footprint % sysconf(_SC_PAGESIZE), 0);
	/* memstats got what it asked for, and the header and every usable byte fit in it */
	size_t front = info.header_bytes;
	assert_int_equal(front, n < 32768 ? 16 : 32);
	assert_i64_ge(malloc_usable_size(p - front), info.malloc_bytes);
	assert_i64_ge(malloc_usable_size(p - front), tracked.usable + (int64_t)front);
	p[0] = p[tracked.usable - 1] = 1;
	ms_free(p);
	free(raw);
}

/* On glibc a tracked block of n bytes is granted and takes what malloc(n) alone does, for small n. */
static void test_small_sizes_match_malloc_beside(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	for (size_t n = 0; n <= 4096; n++)
		assert_matches_malloc_beside(n);
}

/*
 * The same on both sides of the mmap threshold (128 KiB at first, raised
 * by each mapped block freed, up to 32 MiB): around it, past it, and for
 * every offset into a page beyond 32 MiB, where glibc always maps.
 */
static void test_large_sizes_match_malloc_beside(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	static const size_t sizes[] = { 126976, 131000, 131016, 131024, 131032, 131040, 131048,
					131056, 131064, 131072, 131073, 135120, 135152, 135168,
					200000, 262144, 262145, 266208, 266224, 266240, 300000,
					1048576, 1052656, 2097152, 4194304 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		assert_matches_malloc_beside(sizes[i]);
	for (size_t n = (size_t)32 << 20; n <= ((size_t)32 << 20) + 4096; n += 8)
		assert_matches_malloc_beside(n);
}

/*
 * A block grown past the threshold by ms_realloc is mapped like malloc(n)
 * alone, and keeps its contents; shrunk again, glibc keeps it mapped, in
 * the pages the smaller request needs.
 */
static void test_realloc_into_a_mapping(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	size_t large = (size_t)40 << 20, small = 100000;
	char *p = ms_alloc_bytes(64, "ta remapped");
	assert_non_null(p);
	memset(p, 7, 64);
	struct ms_block_info info;
	for (size_t i = 0; i < 2; i++) {
		size_t n = i == 0 ? large : small;
		p = ms_realloc(p, n);
		assert_non_null(p);
		struct chunk_figures tracked = tracked_figures(p, &info);
		assert_figures(n, "realloc'd", tracked, malloc_alone(n, true));
		assert_true(p[0] == 7 && p[63] == 7);
		p[tracked.usable - 1] = 1;
	}
	ms_free(p);
}

/* Under ASan or valgrind malloc grants what is asked: usable = max(requested, 1). */
static void test_usable_under_replaced_malloc(void **state)
{
	(void)state;
	ms_test_require_replaced_malloc("test_small_sizes_match_malloc_beside");
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

/* The sum of ms_block_info's header_bytes over the `n` live blocks `p` (NULL: freed). */
static int64_t header_bytes_of(void *const *p, size_t n)
{
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		struct ms_block_info info;
		if (!p[i])
			continue;
		assert_int_equal(ms_block_info(p[i], &info), 0);
		sum += (int64_t)info.header_bytes;
	}
	return sum;
}

/*
 * ms_stats' header_bytes is the sum of the live blocks' header_bytes, for
 * compact headers (under 32 KiB), full ones (from 32 KiB, and at an
 * alignment of 32) and aligned blocks' fronts, as they come and go.
 */
static void test_header_bytes_add_up(void **state)
{
	(void)state;
	static const struct {
		size_t alignment;   /* 0: ms_alloc_bytes */
		size_t size;
		size_t header;      /* what ms_block_info must say */
	} made[] = {
		{ 0, 0, 16 },      { 0, 1, 16 },      { 0, 24, 16 },     { 0, 32767, 16 },
		{ 0, 32768, 32 },  { 0, 100000, 32 }, { 16, 100, 16 },   { 16, 40000, 32 },
		{ 32, 100, 32 },   { 64, 0, 64 },     { 128, 32767, 128 }, { 4096, 100000, 4096 },
	};
	enum { MADE = sizeof made / sizeof made[0], ALL = MADE + 2 };
	void *p[ALL] = { NULL };
	int64_t expected = 0;
	for (size_t i = 0; i < MADE; i++) {
		p[i] = made[i].alignment ? ms_alloc_aligned(made[i].alignment, made[i].size, "ta front")
					 : ms_alloc_bytes(made[i].size, "ta front");
		assert_non_null(p[i]);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(p[i], &info), 0);
		assert_int_equal(info.header_bytes, made[i].header);
		expected += (int64_t)made[i].header;
		assert_i64_equal(ms_stats().header_bytes, expected);
	}
	/* a described type's elements on either side of the limit: 8191 ints, then 8192 */
	p[MADE] = ms_alloc(&ms_type_int, 8191);
	p[MADE + 1] = ms_alloc(&ms_type_int, 8192);
	assert_non_null(p[MADE]);
	assert_non_null(p[MADE + 1]);
	assert_i64_equal(header_bytes_of(p, ALL), expected + 16 + 32);
	assert_i64_equal(ms_stats().header_bytes, header_bytes_of(p, ALL));

	/* freed from both ends towards the middle, the sum checked after each */
	for (size_t i = 0; i < ALL; i++) {
		size_t at = i % 2 ? ALL - 1 - i / 2 : i / 2;
		ms_free(p[at]);
		p[at] = NULL;
		assert_i64_equal(ms_stats().header_bytes, header_bytes_of(p, ALL));
	}
	assert_i64_equal(ms_stats().header_bytes, 0);
}

/* The first `n` bytes of `p` hold pattern (i * 7 + seed) & 0xff. */
static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static void assert_pattern(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + seed))
			fail_msg("byte %zu is %u, not %u", i, p[i], (unsigned char)(i * 7 + seed));
}

/* Block `p` is `size` bytes of "ta limit" with a `header`-byte header, from this file's `line`. */
static void assert_limit_block(const void *p, size_t size, size_t header, int line)
{
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_int_equal(info.header_bytes, header);
	assert_int_equal(info.count, size);
	assert_i64_equal(info.bytes[MS_REQUESTED], (int64_t)size);
	assert_string_equal(info.type_name, "ta limit");
	assert_string_equal(info.file, "test_alloc.c");
	assert_int_equal(info.line, line);
}

/*
 * Realloc keeps a block's header, except where a compact one cannot hold
 * the new size: a compact block grown to 32 KiB moves to a block with a
 * full header, with its bytes, and the old address is freed; a full block
 * shrunk under the limit keeps its full header; a compact block resized
 * within the limit stays compact, named after the realloc.
 */
static void test_realloc_across_compact_limit(void **state)
{
	(void)state;
	unsigned char *small = ms_alloc_bytes(100, "ta limit"); const int line_small = __LINE__;
	assert_non_null(small);
	fill_pattern(small, 100, 3);
	assert_limit_block(small, 100, 16, line_small);

	unsigned char *big = ms_realloc_bytes(small, 40000, "ta limit"); const int line_big = __LINE__;
	assert_non_null(big);
	assert_ptr_not_equal(big, small);
	assert_pattern(big, 100, 3);
	big[39999] = 1;
	assert_limit_block(big, 40000, 32, line_big);
	struct ms_stats st = ms_stats();
	assert_i64_equal(st.all.blocks.current, 1);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].current, 40000);
	assert_i64_equal(st.header_bytes, 32);
	int64_t blocks, requested;
	ms_test_row_now("ta limit", &blocks, &requested);
	assert_i64_equal(blocks, 1);
	assert_i64_equal(requested, 40000);

	/* the old address is a block freed by the realloc */
	struct ms_probe pr;
	ms_probe(&pr, ms_free(small));
	assert_probe(&pr, MS_MISUSE_DOUBLE_FREE, "ms_free");
	char site[64];
	snprintf(site, sizeof site, "already freed at test_alloc.c:%d", line_big);
	if (!strstr(pr.cap.message, site))
		fail_msg("\"%s\" does not say \"%s\"", pr.cap.message, site);

	/* a full block shrunk under the limit stays full */
	unsigned char *shrunk = ms_realloc_bytes(big, 10, "ta limit"); const int line_shrunk = __LINE__;
	assert_non_null(shrunk);
	assert_pattern(shrunk, 10, 3);
	assert_limit_block(shrunk, 10, 32, line_shrunk);
	assert_i64_equal(ms_stats().header_bytes, 32);

	/* a compact block resized within the limit stays compact, at the realloc's site */
	unsigned char *c = ms_alloc_bytes(100, "ta limit");
	assert_non_null(c);
	fill_pattern(c, 100, 5);
	c = ms_realloc_bytes(c, 5000, "ta limit"); const int line_grown = __LINE__;
	assert_non_null(c);
	assert_pattern(c, 100, 5);
	assert_limit_block(c, 5000, 16, line_grown);
	c = ms_realloc_bytes(c, 32767, "ta limit"); const int line_most = __LINE__;
	assert_non_null(c);
	assert_pattern(c, 100, 5);
	assert_limit_block(c, 32767, 16, line_most);
	c = ms_realloc_bytes(c, 50, "ta limit"); const int line_least = __LINE__;
	assert_non_null(c);
	assert_pattern(c, 50, 5);
	assert_limit_block(c, 50, 16, line_least);

	st = ms_stats();
	assert_i64_equal(st.all.blocks.current, 2);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].current, 60);
	assert_i64_equal(st.header_bytes, 32 + 16);
	assert_i64_equal(st.misuse_count, 1);
	ms_free(shrunk);
	ms_free(c);
	assert_i64_equal(ms_stats().header_bytes, 0);
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

/*
 * A caller that names no file: its blocks, in either header, are made,
 * named "?", listed in a site table and freed, with nothing reported.
 */
static void test_no_file_named(void **state)
{
	(void)state;
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	int64_t misuse = ms_stats().misuse_count;
	static const size_t sizes[] = { 100, 40000 };      /* a compact header, a full one */
	char *p[2];
	for (int i = 0; i < 2; i++) {
		p[i] = ms_alloc_bytes_at(sizes[i], "ta no file", NULL, 0);
		assert_non_null(p[i]);
		struct ms_block_info info;
		assert_int_equal(ms_block_info(p[i], &info), 0);
		assert_int_equal(info.header_bytes, i ? 32 : 16);
		assert_string_equal(info.file, "?");
	}
	p[0] = ms_realloc_bytes_at(p[0], 50000, "ta no file", NULL, 0);     /* to a full header */
	assert_non_null(p[0]);
	ms_sites *s = ms_tracker_sites(t);
	assert_non_null(s);
	assert_int_equal(ms_sites_count(s), 1);
	assert_string_equal(ms_sites_row(s, 0)->file, "?");
	assert_i64_equal(ms_sites_row(s, 0)->blocks, 2);
	ms_sites_free(s);
	/* a NULL return address: the file "?", no address */
	void *q = ms_alloc_bytes_ret(10, "ta no file", NULL);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(q, &info), 0);
	assert_string_equal(info.file, "?");
	assert_null(info.return_address);
	ms_free(q);
	ms_free_at(p[0], NULL, 0);
	ms_free(p[1]);
	assert_i64_equal(ms_stats().misuse_count, misuse);
	assert_nothing_counted();
	/* a free that named no file is still remembered: freeing again is a double free */
	struct ms_probe pr;
	ms_probe(&pr, ms_free(p[0]));
	assert_probe(&pr, MS_MISUSE_DOUBLE_FREE, "ms_free");
	ms_tracker_free(t);
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
		ms_test(test_small_sizes_match_malloc_beside),
		ms_test(test_large_sizes_match_malloc_beside),
		ms_test(test_realloc_into_a_mapping),
		ms_test(test_header_poisoned_under_asan),
		ms_test(test_usable_under_replaced_malloc),
		ms_test(test_sequence_numbers),
		ms_test(test_header_bytes_add_up),
		ms_test(test_realloc_across_compact_limit),
		ms_test(test_no_file_named),
		ms_test(test_block_info_rejects_non_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
