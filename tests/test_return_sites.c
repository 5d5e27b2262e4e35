/* test_return_sites.c: call sites by return address, as an interposed malloc records them: kept per block, grouped apart in site tables, printed as object+offset, and freed. */
#define _GNU_SOURCE
#include "test_util.h"

#include <dlfcn.h>

#define TAG "tr census"

/*
 * What an interposed malloc and free do: pass on the address their caller
 * returns to. noinline (a GNU attribute, which -Wpedantic accepts), so
 * that the address is in the test that calls them, as it would be in the
 * program that calls malloc; `last_return` keeps it for the test.
 */
static const void *last_return;

__attribute__((noinline)) static void *census_malloc(size_t size)
{
	last_return = __builtin_return_address(0);
	return ms_alloc_bytes_ret(size, TAG, last_return);
}

__attribute__((noinline)) static void *census_realloc(void *p, size_t size)
{
	last_return = __builtin_return_address(0);
	return ms_realloc_bytes_ret(p, size, TAG, last_return);
}

__attribute__((noinline)) static void census_free(void *p)
{
	last_return = __builtin_return_address(0);
	ms_free_ret(p, last_return);
}

/* The site `address` as a site table prints it, worked out here with dladdr. */
static void site_text(const void *address, char *buf, size_t cap)
{
	Dl_info info;
	assert_true(dladdr(address, &info));
	assert_non_null(info.dli_fname);
	snprintf(buf, cap, "%s+0x%" PRIxPTR, ms_test_base_name(info.dli_fname),
		 (uintptr_t)address - (uintptr_t)info.dli_fbase);
}

/* The return address recorded for `p`: its caller's, within the function `caller`. */
static const void *recorded_site(const void *p, uintptr_t caller)
{
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_null(info.file);
	assert_int_equal(info.line, 0);
	assert_non_null(info.return_address);
	/* past the caller's entry, within its body: a test function is far shorter than 4 KiB */
	assert_true((uintptr_t)info.return_address > caller);
	assert_true((uintptr_t)info.return_address < caller + 4096);
	return info.return_address;
}

/* Blocks from two call sites in one function: two sites, each block's its caller's return address. */
static void test_two_sites_grouped_apart(void **state)
{
	(void)state;
	uintptr_t here = (uintptr_t)test_two_sites_grouped_apart;
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	void *a[3], *b[2];
	const void *site_a = NULL, *site_b = NULL;
	/*
	 * Trip counts the compiler cannot see, so each loop keeps its one call
	 * to census_malloc: unrolled, each copy of the call would be a site.
	 */
	volatile int count_a = 3, count_b = 2;
	for (int i = 0; i < count_a; i++) {
		a[i] = census_malloc(100);
		assert_ptr_equal(recorded_site(a[i], here), last_return);
		site_a = last_return;
	}
	for (int i = 0; i < count_b; i++) {
		b[i] = census_malloc(40);
		assert_ptr_equal(recorded_site(b[i], here), last_return);
		site_b = last_return;
	}
	assert_ptr_not_equal(site_a, site_b);

	ms_sites *sites = ms_tracker_sites(t);
	assert_non_null(sites);
	assert_int_equal(ms_sites_count(sites), 2);
	const void *want[] = { site_a, site_b };
	const int64_t blocks[] = { 3, 2 }, bytes[] = { 300, 80 };
	for (size_t i = 0; i < 2; i++) {
		const struct ms_site_row *row = ms_sites_row(sites, i);
		char text[512];
		site_text(want[i], text, sizeof text);
		assert_ptr_equal(row->return_address, want[i]);
		assert_int_equal(row->line, 0);
		assert_string_equal(row->name, TAG);
		assert_i64_equal(row->blocks, blocks[i]);
		assert_i64_equal(row->bytes[MS_REQUESTED], bytes[i]);
		char *printed;
		assert_true(asprintf(&printed, "%s+0x%" PRIxPTR, row->file, row->offset) > 0);
		assert_string_equal(printed, text);
		free(printed);
	}
	ms_sites_free(sites);
	ms_tracker_free(t);
	for (int i = 0; i < 3; i++)
		census_free(a[i]);
	for (int i = 0; i < 2; i++)
		census_free(b[i]);
	assert_nothing_counted();
}

/* A site table prints an address site as object+offset, the same each time. */
static void test_site_table_prints_stably(void **state)
{
	(void)state;
	ms_tracker *t = ms_tracker_new();
	assert_non_null(t);
	void *p = census_malloc(1000);
	const void *site = last_return;
	char text[512];
	site_text(site, text, sizeof text);
	/* the program, named by its path as dladdr gives it: no load address in the text */
	assert_int_equal(strncmp(text, "test_return_sites+0x", strlen("test_return_sites+0x")), 0);
	ms_sites *sites = ms_tracker_sites(t);
	assert_non_null(sites);
	char *printed[2];
	size_t size;
	for (int i = 0; i < 2; i++) {
		FILE *out = open_memstream(&printed[i], &size);
		assert_non_null(out);
		assert_int_equal(ms_sites_print(sites, out, NULL), 0);
		assert_int_equal(fclose(out), 0);
	}
	assert_string_equal(printed[0], printed[1]);
	/* Pympler's shape: each column its widest cell and two, right-aligned */
	int w = (int)strlen(text) > 4 ? (int)strlen(text) + 2 : 6;
	char rule[600];
	memset(rule, '=', (size_t)w);
	rule[w] = '\0';
	char *want;
	assert_true(asprintf(&want,
			     "%*s |       types |   # blocks |   requested size\n"
			     "%s | =========== | ========== | ================\n"
			     "%*s |   " TAG " |          1 |       1000     B\n",
			     w, "site", rule, w, text) > 0);
	assert_string_equal(printed[0], want);
	free(want);
	free(printed[0]);
	free(printed[1]);
	ms_sites_free(sites);
	ms_tracker_free(t);
	census_free(p);
	assert_nothing_counted();
}

/* A realloc through an address site renumbers the block at the new site; a double free names it. */
static void test_realloc_and_double_free(void **state)
{
	(void)state;
	uintptr_t here = (uintptr_t)test_realloc_and_double_free;
	void *p = census_malloc(10);
	const void *made = recorded_site(p, here);
	p = census_realloc(p, 5000);
	assert_non_null(p);
	const void *moved = recorded_site(p, here);
	assert_ptr_equal(moved, last_return);
	assert_ptr_not_equal(moved, made);
	assert_int_equal(ms_size(p), 5000);
	census_free(p);
	char freed_at[512];
	site_text(last_return, freed_at, sizeof freed_at);
	assert_nothing_counted();

	struct ms_capture cap;
	ms_capture_start(&cap);
	census_free(p);
	ms_set_misuse_handler(NULL, NULL);
	char second[512];
	site_text(last_return, second, sizeof second);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.kind, MS_MISUSE_DOUBLE_FREE);
	assert_string_equal(cap.file, second);
	assert_int_equal(cap.line, 0);
	char *want;
	assert_true(asprintf(&want, "memstats: %s: ms_free: double free: this block of '" TAG
				    "' was already freed at %s", second, freed_at) > 0);
	assert_string_equal(cap.message, want);
	free(want);
}

/* The header `p` has in front of it: compact or full (ms_block_info). */
static size_t header_of(const void *p)
{
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	return info.header_bytes;
}

/*
 * An address site is kept whichever header holds it: a compact one, whose
 * origin numbers it, under 32 KiB; a full one when a realloc takes the
 * block to 32 KiB, and when it shrinks the block again. Each names the
 * realloc that made it.
 */
static void test_address_site_in_either_header(void **state)
{
	(void)state;
	uintptr_t here = (uintptr_t)test_address_site_in_either_header;
	unsigned char *p = census_malloc(100);
	assert_non_null(p);
	assert_ptr_equal(recorded_site(p, here), last_return);
	assert_int_equal(header_of(p), 16);
	memset(p, 7, 100);
	p = census_realloc(p, 40000);
	assert_non_null(p);
	assert_ptr_equal(recorded_site(p, here), last_return);
	assert_int_equal(header_of(p), 32);
	const void *grown = last_return;
	p = census_realloc(p, 50);
	assert_non_null(p);
	assert_ptr_equal(recorded_site(p, here), last_return);
	assert_ptr_not_equal(last_return, grown);
	assert_int_equal(header_of(p), 32);
	for (int i = 0; i < 50; i++)
		assert_int_equal(p[i], 7);
	assert_int_equal(ms_size(p), 50);
	census_free(p);
	assert_nothing_counted();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_two_sites_grouped_apart),
		ms_test(test_site_table_prints_stably),
		ms_test(test_realloc_and_double_free),
		ms_test(test_address_site_in_either_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
