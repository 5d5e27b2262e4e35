/* test_util.h: helpers every memstats unit test shares: signed asserts, misuse capture and probes, row checks, setup and teardown. */
#ifndef MS_TEST_UTIL_H
#define MS_TEST_UTIL_H

/*
 * Defined in tests/test_util.c, which the Makefile links into every test
 * program of every build tree, beside golden.c. The asserts are macros
 * only so that a failure names the test's own file and line.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memstats.h"

/* A test that asks valgrind itself (RUNNING_ON_VALGRIND) finds it here, where it is installed. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define MS_TEST_HAVE_VALGRIND_H 1
#endif
#endif

/* ------------------------------------------------------------------ */
/* Signed and ordered asserts (cmocka 1.1.5 prints hex, unsigned).      */
/* ------------------------------------------------------------------ */

enum ms_test_rel { MS_TEST_EQ, MS_TEST_NE, MS_TEST_GE, MS_TEST_GT, MS_TEST_LE, MS_TEST_LT };

/* Fail at `file`:`line` unless `a` `rel` `b`, printing both in decimal, named `as` and `bs`. */
void ms_test_i64_check(int64_t a, int64_t b, enum ms_test_rel rel, const char *as, const char *bs,
		       const char *file, int line);

#define MS_I64_CHECK_(a, b, rel) \
	ms_test_i64_check((int64_t)(a), (int64_t)(b), (rel), #a, #b, __FILE__, __LINE__)
/* a == b as signed 64-bit integers, printed in decimal on failure. */
#define assert_i64_equal(a, b) MS_I64_CHECK_(a, b, MS_TEST_EQ)
#define assert_i64_not_equal(a, b) MS_I64_CHECK_(a, b, MS_TEST_NE)
#define assert_i64_ge(a, b) MS_I64_CHECK_(a, b, MS_TEST_GE)
#define assert_i64_gt(a, b) MS_I64_CHECK_(a, b, MS_TEST_GT)
#define assert_i64_le(a, b) MS_I64_CHECK_(a, b, MS_TEST_LE)
#define assert_i64_lt(a, b) MS_I64_CHECK_(a, b, MS_TEST_LT)

/* Two gauge sets are identical, field by field (named on failure). */
void ms_test_gauges_equal(const struct ms_gauges *a, const struct ms_gauges *b, const char *file,
			  int line);
#define assert_gauges_equal(a, b) ms_test_gauges_equal((a), (b), __FILE__, __LINE__)

/* peak >= current and total >= current for blocks and every notion. */
void ms_test_gauges_sane(const struct ms_gauges *g, const char *file, int line);
#define assert_gauges_sane(g) ms_test_gauges_sane((g), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* A misuse handler that records what it was told.                     */
/* ------------------------------------------------------------------ */

struct ms_capture {
	int count;
	enum ms_misuse_kind kind;
	char function[64];
	char file[256];
	int line;
	char message[512];
};

/* Copy the report (it is valid only during the call) into `context`. */
void ms_capture_handler(const struct ms_misuse *m, void *context);

/* Count the report in `counts` (an int per ms_misuse_kind): for calls checked by how often. */
void ms_count_handler(const struct ms_misuse *m, void *counts);

/* Start recording misuse into a zeroed `c`. */
void ms_capture_start(struct ms_capture *c);

/*
 * Exactly one report since ms_capture_start, of `kind`, from `function`,
 * at `file`:`line`, whose message is one line beginning
 * "memstats: FILE:LINE: FUNCTION: ".
 */
void ms_test_capture_is(const struct ms_capture *c, enum ms_misuse_kind kind, const char *function,
			const char *file, int line, const char *tfile, int tline);
#define assert_misuse(c, kind, function, file, line) \
	ms_test_capture_is((c), (kind), (function), (file), (line), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* A probe around one bad call: the stats before, the report captured.  */
/* ------------------------------------------------------------------ */

struct ms_probe {
	struct ms_stats before;   /* ms_stats() just before the call */
	struct ms_stats after;    /* ms_stats() once assert_probe has run */
	struct ms_capture cap;    /* what the misuse handler was told */
	int line;                 /* the line the call stood on */
	int err;                  /* errno just after the call (cleared before it) */
};

/* Take the stats and start capturing misuse: the first half of ms_probe. */
void ms_probe_start(struct ms_probe *p);

/*
 * Make one call inside the probe `p`: `call` is a statement, such as
 * `q = ms_realloc(b, 9)` or `ms_free(b)`. errno is cleared before it and
 * kept after it, and the line is kept as the call's site, so the whole
 * ms_probe(...) must stand on one line.
 */
#define ms_probe(p, call)               \
	do {                            \
		ms_probe_start(p);      \
		errno = 0;              \
		call;                   \
		(p)->err = errno;       \
		(p)->line = __LINE__;   \
	} while (0)

/* `path` without its directories: the file name the library reports for a site. */
const char *ms_test_base_name(const char *path);

/* The files at `a` and `b` hold the same bytes (each must open). */
bool ms_test_same_file(const char *a, const char *b);

/*
 * The probed call was reported once as `kind` from `function` at its own
 * line of the calling test's file; the ms_stats() gauges are identical;
 * misuse_count went up by one. Restores the default handler and fills
 * p->after.
 */
void ms_test_probe_is(struct ms_probe *p, enum ms_misuse_kind kind, const char *function,
		      const char *tfile, int tline);
#define assert_probe(p, kind, function) \
	ms_test_probe_is((p), (kind), (function), __FILE__, __LINE__)

/*
 * As assert_probe, for a call that reported `reports` times, the last
 * report of `kind` or of `alt` (a pointer some calls may name either way).
 */
void ms_test_probe_reports(struct ms_probe *p, int reports, enum ms_misuse_kind kind,
			   enum ms_misuse_kind alt, const char *function, const char *tfile,
			   int tline);
#define assert_probe_reports(p, reports, kind, function) \
	ms_test_probe_reports((p), (reports), (kind), (kind), (function), __FILE__, __LINE__)

/* As assert_probe, and the call failed: it returned NULL (`result`) and set errno to `err`. */
void ms_test_probe_refused(struct ms_probe *p, const void *result, enum ms_misuse_kind kind,
			   const char *function, int err, const char *errs, const char *tfile,
			   int tline);
#define assert_probe_refused(p, result, kind, function, err) \
	ms_test_probe_refused((p), (result), (kind), (function), (err), #err, __FILE__, __LINE__)

/*
 * `p`, or if it is NULL a failure at `file`:`line` saying so in the
 * printf-style `format`: for the look-ups that a test needs to succeed.
 */
__attribute__((format(printf, 4, 5)))
const void *ms_test_found(const void *p, const char *file, int line, const char *format, ...);

/* ------------------------------------------------------------------ */
/* Setup and teardown: every test starts and ends with nothing live.    */
/* ------------------------------------------------------------------ */

/* Fails the test (before it runs) if anything is live; else resets the registry. */
int ms_test_setup(void **state);

/* Fails the test if it left a block live; restores the default handler and foreign policy. */
int ms_test_teardown(void **state);

#define ms_test(f) cmocka_unit_test_setup_teardown(f, ms_test_setup, ms_test_teardown)

/* ms_stats() counts no live block and no byte in any notion. */
void ms_test_nothing_counted(const char *file, int line);
#define assert_nothing_counted() ms_test_nothing_counted(__FILE__, __LINE__)

/*
 * A group setup and teardown for the tests that run ./census (or a chapter
 * that runs it): CENSUS_SYMBOL_CACHE names a fresh directory under /tmp for
 * the group, so the symboliser's cache files go there and never into the
 * user's ~/.cache/census; the teardown removes the directory and its files
 * and unsets the variable. The directory's path is in ms_test_symbol_cache.
 */
extern char ms_test_symbol_cache[64];
int ms_test_symbol_cache_setup(void **state);
int ms_test_symbol_cache_teardown(void **state);

/* Remove every file in `dir`, then `dir` itself: 0, or -1 with errno set. */
int ms_test_remove_flat_dir(const char *dir);

/*
 * Run `child` in a forked process, which ends with _exit(0) if all was
 * as it should be: the test fails at `file`:`line` unless it did. In
 * the child SIGSEGV kills, since cmocka's handler would carry on there
 * with the next test; for a check that must start from a fresh library.
 */
void ms_test_child_passes(void (*child)(void), const char *file, int line);
#define assert_child_passes(child) ms_test_child_passes((child), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* Environment and output helpers                                      */
/* ------------------------------------------------------------------ */

/* splitmix64: small, seeded, the same sequence everywhere; advances `*state`. */
uint64_t ms_test_splitmix64(uint64_t *state);

/*
 * 1 when glibc's own malloc serves this process (so usable sizes and
 * mallinfo2 are glibc's), else 0 with `*why` saying what replaced it.
 */
int ms_test_glibc_malloc(const char **why);

/*
 * Skip the test at `file`:`line` unless glibc's malloc is in use, printing
 * what replaced it followed by `so`, the rest of the sentence.
 */
void ms_test_skip_unless_glibc_malloc(const char *so, const char *file, int line);
/* Skip the calling test, printing why, unless glibc's malloc is in use. */
#define ms_test_require_glibc_malloc() \
	ms_test_skip_unless_glibc_malloc(", so allocator figures are not glibc's", __FILE__, __LINE__)
/* The same, where the test needs glibc's malloc for the reason `so` gives. */
#define ms_test_require_glibc_malloc_for(so) \
	ms_test_skip_unless_glibc_malloc((so), __FILE__, __LINE__)

/* Skip the test at `file`:`line` unless malloc is replaced; `covered_by` covers glibc's. */
void ms_test_skip_unless_replaced_malloc(const char *covered_by, const char *file, int line);
#define ms_test_require_replaced_malloc(covered_by) \
	ms_test_skip_unless_replaced_malloc((covered_by), __FILE__, __LINE__)

/* A printer under test: prints `what` to `out`, returning 0 or -1 with errno set. */
typedef int ms_test_printer(FILE *out, void *what);

/*
 * What `print` writes for `what`, as a fresh NUL-terminated string (raw
 * malloc, untracked; the caller frees it with free()); the printer must succeed.
 */
char *ms_test_printed(ms_test_printer *print, void *what);

/* ms_summary_print of `s` with `opts`, as ms_test_printed gives it. */
char *ms_test_print(const ms_summary *s, const struct ms_print_opts *opts);

/* ms_sites_print of `s` with `opts`, as ms_test_printed gives it. */
char *ms_test_print_sites(const ms_sites *s, const struct ms_print_opts *opts);

/*
 * `print` fails on each kind of stream a write fails on, with -1 and errno
 * as the stream set it: "/dev/full" opened with fopen is fully buffered,
 * so its ENOSPC comes only when the buffer is written out (the printer
 * must flush to see it); a file opened for reading fails each write at
 * once with EBADF (glibc).
 */
void ms_test_write_fails(ms_test_printer *print, void *what, const char *file, int line);
#define assert_write_fails(print, what) ms_test_write_fails((print), (what), __FILE__, __LINE__)

/* The size in `notion` of the live block at `p`, as ms_block_info reports it. */
int64_t ms_test_block_bytes(const void *p, enum ms_notion notion);

/* ------------------------------------------------------------------ */
/* Summary rows                                                         */
/* ------------------------------------------------------------------ */

/*
 * The row `name` of `s` (NULL if absent), with its current blocks and
 * requested bytes in `*blocks` and `*requested` (0 and 0 if absent).
 */
const struct ms_summary_row *ms_test_row_figures(const ms_summary *s, const char *name,
						 int64_t *blocks, int64_t *requested);

/* The row named `name` in a fresh summary: its current blocks and requested bytes (0, 0 if absent). */
void ms_test_row_now(const char *name, int64_t *blocks, int64_t *requested);

/* The row `name` of `s`, failing the test (at the caller's line) if it is missing. */
const struct ms_summary_row *ms_test_row_of(const ms_summary *s, const char *name,
					    const char *file, int line);
#define row_of(s, name) ms_test_row_of((s), (name), __FILE__, __LINE__)

/* The row `name` of `s` exists and holds `blocks` current blocks of `requested` requested bytes. */
const struct ms_summary_row *ms_test_row_is(const ms_summary *s, const char *name, int64_t blocks,
					    int64_t requested, const char *file, int line);
#define assert_row(s, name, blocks, requested) \
	ms_test_row_is((s), (name), (blocks), (requested), __FILE__, __LINE__)

/* `s` is in summary order: requested bytes, then blocks (both descending), then name. */
void ms_test_summary_sorted(const ms_summary *s, const char *file, int line);
#define assert_summary_sorted(s) ms_test_summary_sorted((s), __FILE__, __LINE__)

/* The rows of `s` add up to `g`'s current blocks and its current bytes in every notion. */
void ms_test_rows_sum_to(const ms_summary *s, const struct ms_gauges *g, const char *file,
			 int line);
#define assert_rows_sum_to(s, g) ms_test_rows_sum_to((s), (g), __FILE__, __LINE__)

#endif
