/* test_util.c: the helpers tests/test_util.h declares, linked into every test program. */
#define _GNU_SOURCE /* open_memstream */
#include "test_util.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

void ms_test_i64_check(int64_t a, int64_t b, enum ms_test_rel rel, const char *as, const char *bs,
		       const char *file, int line)
{
	static const char *const ops[] = { "==", "!=", ">=", ">", "<=", "<" };
	int ok = 0;
	switch (rel) {
	case MS_TEST_EQ: ok = a == b; break;
	case MS_TEST_NE: ok = a != b; break;
	case MS_TEST_GE: ok = a >= b; break;
	case MS_TEST_GT: ok = a > b; break;
	case MS_TEST_LE: ok = a <= b; break;
	case MS_TEST_LT: ok = a < b; break;
	}
	if (!ok) {
		print_error("expected %s %s %s, got %" PRId64 " and %" PRId64 "\n", as, ops[rel], bs,
			    a, b);
		_fail(file, line);
	}
}

void ms_test_gauges_equal(const struct ms_gauges *a, const struct ms_gauges *b, const char *file,
			  int line)
{
	const struct ms_gauge *ga[1 + MS_NOTION_COUNT], *gb[1 + MS_NOTION_COUNT];
	ga[0] = &a->blocks;
	gb[0] = &b->blocks;
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		ga[n + 1] = &a->bytes[n];
		gb[n + 1] = &b->bytes[n];
	}
	for (int i = 0; i < 1 + MS_NOTION_COUNT; i++) {
		const char *what = i == 0 ? "blocks" : ms_notion_name((enum ms_notion)(i - 1));
		ms_test_i64_check(ga[i]->current, gb[i]->current, MS_TEST_EQ, what, "current", file,
				  line);
		ms_test_i64_check(ga[i]->peak, gb[i]->peak, MS_TEST_EQ, what, "peak", file, line);
		ms_test_i64_check(ga[i]->total, gb[i]->total, MS_TEST_EQ, what, "total", file, line);
	}
}

void ms_test_gauges_sane(const struct ms_gauges *g, const char *file, int line)
{
	const struct ms_gauge *all[1 + MS_NOTION_COUNT] = { &g->blocks };
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		all[n + 1] = &g->bytes[n];
	for (int i = 0; i < 1 + MS_NOTION_COUNT; i++) {
		ms_test_i64_check(all[i]->current, 0, MS_TEST_GE, "current", "0", file, line);
		ms_test_i64_check(all[i]->peak, all[i]->current, MS_TEST_GE, "peak", "current",
				  file, line);
		ms_test_i64_check(all[i]->total, all[i]->current, MS_TEST_GE, "total", "current",
				  file, line);
	}
}

void ms_capture_handler(const struct ms_misuse *m, void *context)
{
	struct ms_capture *c = context;
	c->count++;
	c->kind = m->kind;
	snprintf(c->function, sizeof c->function, "%s", m->function ? m->function : "(null)");
	snprintf(c->file, sizeof c->file, "%s", m->file ? m->file : "(null)");
	c->line = m->line;
	snprintf(c->message, sizeof c->message, "%s", m->message ? m->message : "(null)");
}

void ms_count_handler(const struct ms_misuse *m, void *counts)
{
	int *count = counts;
	if ((unsigned)m->kind < MS_MISUSE_KIND_COUNT)
		count[m->kind]++;
}

void ms_capture_start(struct ms_capture *c)
{
	memset(c, 0, sizeof *c);
	ms_set_misuse_handler(ms_capture_handler, c);
}

void ms_test_capture_is(const struct ms_capture *c, enum ms_misuse_kind kind, const char *function,
			const char *file, int line, const char *tfile, int tline)
{
	char prefix[512];
	ms_test_i64_check(c->count, 1, MS_TEST_EQ, "misuse reports", "1", tfile, tline);
	if (c->kind != kind) {
		print_error("misuse kind %d (%s), expected %d (%s)\n", (int)c->kind,
			    ms_misuse_kind_name(c->kind), (int)kind, ms_misuse_kind_name(kind));
		_fail(tfile, tline);
	}
	snprintf(prefix, sizeof prefix, "memstats: %s:%d: %s: ", file, line, function);
	if (strcmp(c->function, function) != 0 || strcmp(c->file, file) != 0 || c->line != line ||
	    strncmp(c->message, prefix, strlen(prefix)) != 0 || strchr(c->message, '\n') ||
	    strlen(c->message) <= strlen(prefix)) {
		print_error("misuse reported as function \"%s\" file \"%s\" line %d message \"%s\";\n"
			    "expected function \"%s\" file \"%s\" line %d, message \"%s...\"\n",
			    c->function, c->file, c->line, c->message, function, file, line,
			    prefix);
		_fail(tfile, tline);
	}
}

void ms_probe_start(struct ms_probe *p)
{
	p->before = ms_stats();
	ms_capture_start(&p->cap);
}

const char *ms_test_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

void ms_test_probe_is(struct ms_probe *p, enum ms_misuse_kind kind, const char *function,
		      const char *tfile, int tline)
{
	ms_test_probe_reports(p, 1, kind, kind, function, tfile, tline);
}

void ms_test_probe_reports(struct ms_probe *p, int reports, enum ms_misuse_kind kind,
			   enum ms_misuse_kind alt, const char *function, const char *tfile,
			   int tline)
{
	ms_set_misuse_handler(NULL, NULL);
	p->after = ms_stats();
	ms_test_gauges_equal(&p->after.all, &p->before.all, tfile, tline);
	ms_test_i64_check(p->after.misuse_count, p->before.misuse_count + reports, MS_TEST_EQ,
			  "misuse_count after", "before + reports", tfile, tline);
	ms_test_i64_check(p->cap.count, reports, MS_TEST_EQ, "misuse reports", "expected reports",
			  tfile, tline);
	/* the capture keeps the last report: check it as the one */
	struct ms_capture last = p->cap;
	last.count = 1;
	ms_test_capture_is(&last, last.kind == alt ? alt : kind, function, ms_test_base_name(tfile),
			   p->line, tfile, tline);
}

void ms_test_probe_refused(struct ms_probe *p, const void *result, enum ms_misuse_kind kind,
			   const char *function, int err, const char *errs, const char *tfile,
			   int tline)
{
	ms_test_probe_is(p, kind, function, tfile, tline);
	if (result != NULL) {
		print_error("the probed call returned %p, expected NULL\n", result);
		_fail(tfile, tline);
	}
	ms_test_i64_check(p->err, err, MS_TEST_EQ, "errno after the call", errs, tfile, tline);
}

const void *ms_test_found(const void *p, const char *file, int line, const char *format, ...)
{
	if (!p) {
		va_list args;
		va_start(args, format);
		vprint_error(format, args);
		va_end(args);
		_fail(file, line);
	}
	return p;
}

int ms_test_setup(void **state)
{
	(void)state;
	ms_set_misuse_handler(NULL, NULL);
	if (ms_live_blocks() != 0) {
		print_error("setup: %" PRId64 " blocks live before the test (left by an earlier "
			    "failing test?)\n", ms_live_blocks());
		return -1;
	}
	if (ms_reset() != 0) {
		print_error("setup: ms_reset failed with nothing live\n");
		return -1;
	}
	return 0;
}

int ms_test_teardown(void **state)
{
	(void)state;
	ms_set_misuse_handler(NULL, NULL);
	ms_set_foreign_policy(MS_FOREIGN_REPORT);
	int64_t live = ms_live_blocks();
	if (live != 0) {
		print_error("teardown: the test left %" PRId64 " blocks live\n", live);
		return -1;
	}
	struct ms_stats st = ms_stats();
	if (st.all.blocks.current != 0) {
		print_error("teardown: ms_stats() counts %" PRId64 " live blocks\n",
			    st.all.blocks.current);
		return -1;
	}
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		if (st.all.bytes[n].current != 0) {
			print_error("teardown: %" PRId64 " %s bytes still counted\n",
				    st.all.bytes[n].current, ms_notion_name((enum ms_notion)n));
			return -1;
		}
	if (ms_reset() != 0) {
		print_error("teardown: ms_reset failed with nothing live\n");
		return -1;
	}
	return 0;
}

void ms_test_nothing_counted(const char *file, int line)
{
	struct ms_stats st = ms_stats();
	ms_test_i64_check(st.all.blocks.current, 0, MS_TEST_EQ, "live blocks", "0", file, line);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		ms_test_i64_check(st.all.bytes[n].current, 0, MS_TEST_EQ,
				  ms_notion_name((enum ms_notion)n), "0", file, line);
}

uint64_t ms_test_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int ms_test_glibc_malloc(const char **why)
{
#if defined(__SANITIZE_ADDRESS__)
	*why = "AddressSanitizer replaces malloc";
	return 0;
#else
#if defined(MS_TEST_HAVE_VALGRIND_H)
	if (RUNNING_ON_VALGRIND) {
		*why = "valgrind replaces malloc";
		return 0;
	}
#endif
#if !defined(__GLIBC__)
	*why = "not glibc";
	return 0;
#else
	*why = NULL;
	return 1;
#endif
#endif
}

void ms_test_skip_unless_glibc_malloc(const char *so, const char *file, int line)
{
	const char *why;
	if (!ms_test_glibc_malloc(&why)) {
		print_message("skipped: %s%s\n", why, so);
		_skip(file, line);
	}
}

void ms_test_skip_unless_replaced_malloc(const char *covered_by, const char *file, int line)
{
	const char *why;
	if (ms_test_glibc_malloc(&why)) {
		print_message("skipped: glibc's malloc is in use (%s covers it)\n", covered_by);
		_skip(file, line);
	}
}

char *ms_test_printed(ms_test_printer *print, void *what)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	assert_non_null(f);
	int rc = print(f, what);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rc, 0);
	assert_non_null(text);
	return text;
}

/* A table the library prints with options: a summary, or else a site table. */
struct table_print {
	const ms_summary *summary;
	const ms_sites *sites;
	const struct ms_print_opts *opts;
};

static int table_to(FILE *out, void *what)
{
	const struct table_print *tp = what;
	return tp->summary ? ms_summary_print(tp->summary, out, tp->opts)
			   : ms_sites_print(tp->sites, out, tp->opts);
}

char *ms_test_print(const ms_summary *s, const struct ms_print_opts *opts)
{
	struct table_print tp = { s, NULL, opts };
	return ms_test_printed(table_to, &tp);
}

char *ms_test_print_sites(const ms_sites *s, const struct ms_print_opts *opts)
{
	struct table_print tp = { NULL, s, opts };
	return ms_test_printed(table_to, &tp);
}

void ms_test_write_fails(ms_test_printer *print, void *what, const char *file, int line)
{
	static const struct {
		const char *path, *mode;
		int err;
	} streams[] = { { "/dev/full", "w", ENOSPC }, { "/dev/null", "r", EBADF } };
	for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
		FILE *out = fopen(streams[i].path, streams[i].mode);
		if (!out) {
			print_error("cannot open %s: %s\n", streams[i].path, strerror(errno));
			_fail(file, line);
		}
		errno = 0;
		int rc = print(out, what);
		int err = errno;
		fclose(out);
		if (rc != -1 || err != streams[i].err) {
			print_error("printing to %s opened \"%s\" returned %d with errno %d (%s); "
				    "expected -1 with errno %d (%s)\n",
				    streams[i].path, streams[i].mode, rc, err, strerror(err),
				    streams[i].err, strerror(streams[i].err));
			_fail(file, line);
		}
	}
}

int64_t ms_test_block_bytes(const void *p, enum ms_notion notion)
{
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	return info.bytes[notion];
}

const struct ms_summary_row *ms_test_row_figures(const ms_summary *s, const char *name,
						 int64_t *blocks, int64_t *requested)
{
	const struct ms_summary_row *r = ms_summary_find(s, name);
	*blocks = r ? r->g.blocks.current : 0;
	*requested = r ? r->g.bytes[MS_REQUESTED].current : 0;
	return r;
}

void ms_test_row_now(const char *name, int64_t *blocks, int64_t *requested)
{
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	ms_test_row_figures(s, name, blocks, requested);
	ms_summary_free(s);
}

const struct ms_summary_row *ms_test_row_of(const ms_summary *s, const char *name,
					    const char *file, int line)
{
	return ms_test_found(ms_summary_find(s, name), file, line, "the summary has no row \"%s\"\n",
			     name);
}

const struct ms_summary_row *ms_test_row_is(const ms_summary *s, const char *name, int64_t blocks,
					    int64_t requested, const char *file, int line)
{
	const struct ms_summary_row *r = ms_test_row_of(s, name, file, line);
	ms_test_i64_check(r->g.blocks.current, blocks, MS_TEST_EQ, name, "blocks", file, line);
	ms_test_i64_check(r->g.bytes[MS_REQUESTED].current, requested, MS_TEST_EQ, name,
			  "requested bytes", file, line);
	return r;
}

void ms_test_summary_sorted(const ms_summary *s, const char *file, int line)
{
	for (size_t i = 1; i < ms_summary_count(s); i++) {
		const struct ms_summary_row *a = ms_summary_row(s, i - 1), *b = ms_summary_row(s, i);
		int64_t ra = a->g.bytes[MS_REQUESTED].current, rb = b->g.bytes[MS_REQUESTED].current;
		if (!(ra > rb || (ra == rb && (a->g.blocks.current > b->g.blocks.current ||
					       (a->g.blocks.current == b->g.blocks.current &&
						strcmp(a->name, b->name) < 0))))) {
			print_error("rows %zu \"%s\" and %zu \"%s\" are out of order\n", i - 1,
				    a->name, i, b->name);
			_fail(file, line);
		}
	}
}

void ms_test_rows_sum_to(const ms_summary *s, const struct ms_gauges *g, const char *file,
			 int line)
{
	struct ms_gauges sum;
	memset(&sum, 0, sizeof sum);
	for (size_t i = 0; i < ms_summary_count(s); i++) {
		const struct ms_summary_row *r = ms_summary_row(s, i);
		sum.blocks.current += r->g.blocks.current;
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			sum.bytes[n].current += r->g.bytes[n].current;
	}
	ms_test_i64_check(sum.blocks.current, g->blocks.current, MS_TEST_EQ, "the rows' blocks",
			  "current blocks", file, line);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		ms_test_i64_check(sum.bytes[n].current, g->bytes[n].current, MS_TEST_EQ,
				  ms_notion_name((enum ms_notion)n), "current bytes", file, line);
}

bool ms_test_same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	assert_non_null(fa);
	assert_non_null(fb);
	int ca, cb;
	do {
		ca = getc(fa);
		cb = getc(fb);
	} while (ca == cb && ca != EOF);
	fclose(fa);
	fclose(fb);
	return ca == cb;
}

char ms_test_symbol_cache[64];

int ms_test_remove_flat_dir(const char *dir)
{
	DIR *listing = opendir(dir);
	if (listing == NULL)
		return -1;
	char path[4096];
	for (struct dirent *entry; (entry = readdir(listing));) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
		unlink(path);
	}
	closedir(listing);
	return rmdir(dir);
}

int ms_test_symbol_cache_setup(void **state)
{
	(void)state;
	snprintf(ms_test_symbol_cache, sizeof ms_test_symbol_cache, "/tmp/ms-test-symbols-XXXXXX");
	if (mkdtemp(ms_test_symbol_cache) == NULL ||
	    setenv("CENSUS_SYMBOL_CACHE", ms_test_symbol_cache, 1) != 0) {
		print_error("cannot make a symbol cache directory: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int ms_test_symbol_cache_teardown(void **state)
{
	(void)state;
	unsetenv("CENSUS_SYMBOL_CACHE");
	if (ms_test_remove_flat_dir(ms_test_symbol_cache) != 0) {
		print_error("cannot remove %s: %s\n", ms_test_symbol_cache, strerror(errno));
		return -1;
	}
	return 0;
}

void ms_test_child_passes(void (*child)(void), const char *file, int line)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		child();
		_exit(0);   /* not reached: the child exits itself */
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		print_error("could not run the child: %s\n", strerror(errno));
		_fail(file, line);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			print_error("the child was killed by signal %d\n", WTERMSIG(status));
		else
			print_error("the child exited with status %d\n", WEXITSTATUS(status));
		_fail(file, line);
	}
}
