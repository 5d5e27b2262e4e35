/* test_census.c: ./census run on workloads of known allocations (tests/census/ programs), its report held first to what must hold of any census, then to each workload's exact figures. */
#define _GNU_SOURCE
#include "test_util.h"
#include "golden.h"
#include "data.h"
#include "report.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

/* Built by make before this test (order-only prerequisites); tests run from the top directory. */
#define WORKLOADS "build/plain/tests/census/"
static const char single[] = WORKLOADS "single";
static const char family[] = WORKLOADS "family";
static const char threads[] = WORKLOADS "threads";
static const char interval[] = WORKLOADS "interval";
static const char strerror_threads[] = WORKLOADS "strerror_threads";
static const char closefds[] = WORKLOADS "closefds";
static const char vfork_workload[] = WORKLOADS "vfork";
static const char stdout_closed[] = WORKLOADS "stdout_closed";
static const char many_sites[] = WORKLOADS "many_sites";

/* A run that has not ended by then hangs: it is killed and the test fails (a bound, not a timing). */
#define HANG_SECONDS 60

/* Allocators census may stand on, put after census.so by it. */
static const char *const allocators[] = {
	"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
	"/usr/lib/x86_64-linux-gnu/libmimalloc.so.2",
	"/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
};

/* ------------------------------------------------------------------ */
/* Running ./census                                                     */
/* ------------------------------------------------------------------ */

struct run {
	int status;        /* census's exit status */
	char *out, *err;   /* the program's (and census's) standard output and error */
	char *report;      /* what -o wrote */
};

#define MAX_ARGS 16

/*
 * ./census -o FILE `options` -- `program`, both NULL-terminated, with
 * census's standard output closed (and so the program's) when
 * `closed_stdout`. Every report census writes must fit 80 columns, so
 * each run is held to that.
 */
static struct run census_run(bool closed_stdout, const char *const options[],
			     const char *const program[])
{
	char report[64];
	snprintf(report, sizeof report, "/tmp/ms-test-census-%ld.report", (long)getpid());
	const char *argv[MAX_ARGS * 2 + 8];
	size_t n = 0;
	if (closed_stdout) {
		argv[n++] = "/bin/sh";
		argv[n++] = "-c";
		argv[n++] = "exec \"$@\" >&-";
		argv[n++] = "sh";
	}
	argv[n++] = "./census";
	argv[n++] = "-o";
	argv[n++] = report;
	for (size_t i = 0; options && options[i]; i++)
		argv[n++] = options[i];
	argv[n++] = "--";
	for (size_t i = 0; program[i]; i++)
		argv[n++] = program[i];
	argv[n] = NULL;
	struct golden_process p;
	unlink(report);
	golden_exec_within((char *const *)argv, HANG_SECONDS, &p);
	struct run r = { p.exit_status, p.out, p.err, golden_read_file(report) };
	unlink(report);
	if (!r.report)
		fail_msg("census wrote no report; its stderr: %s", r.err);
	golden_assert_max_width(r.report, 80);
	return r;
}

static struct run census(const char *const options[], const char *const program[])
{
	return census_run(false, options, program);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	free(r->report);
}

/* ------------------------------------------------------------------ */
/* Reading a report                                                    */
/* ------------------------------------------------------------------ */

/* A copy of process `i`'s report (from its "== pid" line to the next), or NULL past the last. */
static char *process_report(const char *report, int i)
{
	const char *at = report;
	for (int k = 0; (at = strstr(at, "== pid ")); at++, k++)
		if (k == i) {
			const char *end = strstr(at + 1, "\n== pid ");
			return strndup(at, end ? (size_t)(end - at) : strlen(at));
		}
	return NULL;
}

/* The pid in a process report's heading. */
static long pid_of(const char *process)
{
	long pid = -1;
	assert_int_equal(sscanf(process, "== pid %ld:", &pid), 1);
	return pid;
}

/* The line of `text` that contains `what` (a copy the caller frees), failing if there is none. */
static char *line_with(const char *text, const char *what)
{
	const char *at = strstr(text, what);
	if (!at)
		fail_msg("no line with \"%s\" in:\n%s", what, text);
	while (at > text && at[-1] != '\n')
		at--;
	return strndup(at, strcspn(at, "\n"));
}

/* "N allocations and M frees" and "Live at exit: L blocks" of a process report. */
struct calls {
	long long allocs, frees, live, peak;
};

static struct calls calls_of(const char *process)
{
	struct calls c;
	char *line = line_with(process, " requested in all.");
	assert_int_equal(sscanf(line, "%lld %*s and %lld", &c.allocs, &c.frees), 2);
	free(line);
	line = line_with(process, "Live at exit: ");
	const char *peak = strstr(line, "Peak: ");
	assert_non_null(peak);
	assert_int_equal(sscanf(line, "Live at exit: %lld blocks", &c.live), 1);
	assert_int_equal(sscanf(peak, "Peak: %lld blocks", &c.peak), 1);
	free(line);
	return c;
}

/* The cells of a table line ("a | b | c"), trimmed, into `cells`; how many. */
#define MAX_CELLS 6
static int cells_of(const char *line, char cells[MAX_CELLS][64])
{
	int n = 0;
	for (const char *at = line; at && n < MAX_CELLS; n++) {
		const char *bar = strstr(at, " | ");
		size_t len = bar ? (size_t)(bar - at) : strcspn(at, "\n");
		while (len && at[len - 1] == ' ')
			len--;
		while (*at == ' ' && len)
			at++, len--;
		snprintf(cells[n], 64, "%.*s", (int)len, at);
		at = bar ? bar + 3 : NULL;
	}
	return n;
}

/*
 * The table under the line containing `title` (its header, its ====
 * line, then rows to the first blank line): calls `row` for each row
 * with its cells.
 */
typedef void table_row(char cells[MAX_CELLS][64], int count, void *context);

static void each_row(const char *text, const char *title, table_row *row, void *context)
{
	const char *at = strstr(text, title);
	if (!at)
		fail_msg("no \"%s\" in:\n%s", title, text);
	at = strstr(at, "\n===");
	assert_non_null(at);
	at = strchr(at + 1, '\n');
	while (at && at[1] && at[1] != '\n') {
		at++;
		char line[256];
		snprintf(line, sizeof line, "%.*s", (int)strcspn(at, "\n"), at);
		/* a table's end: a line that is no row, or the header of a table right after it */
		const char *next = strchr(at, '\n');
		if (!strstr(line, " | ") || (next && next[1] == '='))
			break;
		char cells[MAX_CELLS][64];
		row(cells, cells_of(line, cells), context);
		at = strchr(at, '\n');
	}
}

/* A "By function" row: # live, live size, # all. */
struct function_row {
	const char *name;
	long long live;
	const char *size;
	long long all;
};

struct function_rows {
	struct function_row rows[8];
	int count;
	long long live, all;   /* summed over the rows */
};

static void take_function_row(char cells[MAX_CELLS][64], int count, void *context)
{
	struct function_rows *f = context;
	assert_int_equal(count, 5);
	struct function_row *r = &f->rows[f->count++];
	r->name = strdup(cells[0]);
	r->live = atoll(cells[1]);
	r->size = strdup(cells[2]);
	r->all = atoll(cells[4]);
	f->live += r->live;
	f->all += r->all;
}

static struct function_rows function_rows(const char *process)
{
	struct function_rows f = { .count = 0 };
	each_row(process, "By function", take_function_row, &f);
	return f;
}

static void function_rows_free(struct function_rows *f)
{
	for (int i = 0; i < f->count; i++) {
		free((char *)f->rows[i].name);
		free((char *)f->rows[i].size);
	}
}

/* The row `name` is there with `live` blocks of `size` now and `all` ever. */
static void assert_function_row(const struct function_rows *f, const char *name, long long live,
				const char *size, long long all)
{
	for (int i = 0; i < f->count; i++)
		if (!strcmp(f->rows[i].name, name)) {
			assert_i64_equal(f->rows[i].live, live);
			assert_string_equal(f->rows[i].size, size);
			assert_i64_equal(f->rows[i].all, all);
			return;
		}
	fail_msg("no \"%s\" row in By function", name);
}

/* Size classes: the blocks of each, summed. */
struct classes {
	long long blocks;
	char text[1024];   /* "bounds blocks size; ..." */
};

static void take_class(char cells[MAX_CELLS][64], int count, void *context)
{
	struct classes *c = context;
	assert_int_equal(count, 4);
	c->blocks += atoll(cells[1]);
	size_t used = strlen(c->text);
	snprintf(c->text + used, sizeof c->text - used, "%s%s: %s, %s", used ? "; " : "", cells[0],
		 cells[1], cells[2]);
}

static struct classes classes_of(const char *process)
{
	struct classes c = { .blocks = 0 };
	each_row(process, "Requests by size", take_class, &c);
	return c;
}

static void add_site_blocks(char cells[MAX_CELLS][64], int count, void *context)
{
	assert_int_equal(count, 4);
	*(long long *)context += atoll(cells[2]);
}

/* The blocks of the exit's site table, summed (its "more sites" row too). */
static long long site_blocks(const char *process)
{
	long long blocks = 0;
	each_row(process, "Live at exit, by call site", add_site_blocks, &blocks);
	return blocks;
}

/*
 * What must hold of every process that reported, whatever it ran: its
 * allocations less its frees are its live blocks (none of our workloads
 * frees a block it did not allocate), the "By function" rows add up to
 * the live blocks and every allocation, the size classes to every
 * allocation, and the site table to the live blocks.
 */
static struct calls assert_invariants(const char *process)
{
	struct calls c = calls_of(process);
	assert_i64_equal(c.allocs - c.frees, c.live);
	assert_i64_ge(c.peak, c.live);
	struct function_rows f = function_rows(process);
	assert_i64_equal(f.live, c.live);
	assert_i64_equal(f.all, c.allocs);
	function_rows_free(&f);
	assert_i64_equal(classes_of(process).blocks, c.allocs);
	if (c.live)
		assert_i64_equal(site_blocks(process), c.live);
	return c;
}

/* "pid allocs frees bytes" lines of --totals, as read from `text`. */
struct totals {
	long pid;
	long long allocs, frees, bytes;
};

static int totals_of(const char *text, struct totals *t, int max)
{
	int n = 0, used = 0;
	while (n < max && sscanf(text, "%ld %lld %lld %lld\n%n", &t[n].pid, &t[n].allocs, &t[n].frees,
				 &t[n].bytes, &used) == 4) {
		text += used;
		n++;
	}
	return n;
}

/* The line number of the "site: `name`" comment in tests/census/`file`. */
static int site_line(const char *file, const char *name)
{
	char path[128], mark[64];
	snprintf(path, sizeof path, "tests/census/%s", file);
	snprintf(mark, sizeof mark, "/* site: %s */", name);
	char *text = golden_read_file(path);
	assert_non_null(text);
	const char *at = strstr(text, mark);
	if (!at)
		fail_msg("%s has no \"%s\"", path, mark);
	int line = 1;
	for (const char *c = text; c < at; c++)
		line += *c == '\n';
	free(text);
	return line;
}

/* ------------------------------------------------------------------ */
/* One thread, every call                                               */
/* ------------------------------------------------------------------ */

static const char *const single_argv[] = { single, NULL };

/* The invariants, then the exact calls: 22 allocations (a resize is one of each), 6 frees. */
static void test_single_counts(void **state)
{
	(void)state;
	struct run r = census(NULL, single_argv);
	assert_int_equal(r.status, 0);   /* the workload's own checks passed, alignment among them */
	char *p = process_report(r.report, 0);
	assert_non_null(p);
	assert_null(process_report(r.report, 1));
	struct calls c = assert_invariants(p);
	assert_i64_equal(c.allocs, 22);
	assert_i64_equal(c.frees, 6);
	assert_i64_equal(c.live, 16);
	assert_non_null(strstr(p, ", exited with 0.\n"));
	free(p);
	run_free(&r);

	const char *const totals[] = { "--totals", NULL };
	r = census(totals, single_argv);
	struct totals t[2];
	assert_int_equal(totals_of(r.report, t, 2), 1);
	assert_i64_equal(t[0].allocs, 22);
	assert_i64_equal(t[0].frees, 6);
	/* 10x100 + 3x128 + 10 + 200 + 100 + 50 + 100 + 512 + 48 + 300 + 8192 (pvalloc: 2 pages) */
	assert_i64_equal(t[0].bytes, 10896);
	run_free(&r);
}

/* The rows by the call that made each block: a block keeps its row when realloc resizes it. */
static void test_single_functions(void **state)
{
	(void)state;
	struct run r = census(NULL, single_argv);
	char *p = process_report(r.report, 0);
	struct function_rows f = function_rows(p);
	assert_int_equal(f.count, 4);
	/* 10 nodes, 4 freed; the 10-byte buffer, grown to 200 */
	assert_function_row(&f, "malloc", 7, "800     B", 12);
	assert_function_row(&f, "calloc", 3, "384     B", 3);
	/* reallocarray's 100 bytes; realloc(NULL, 50) freed by realloc(p, 0) */
	assert_function_row(&f, "realloc", 1, "100     B", 2);
	/* 100 + 512 + 48 + 300 + 8192 */
	assert_function_row(&f, "aligned", 5, "8.94 KB", 5);
	function_rows_free(&f);
	free(p);
	run_free(&r);
}

/* A live site, as the site table shows it. */
struct site {
	const char *marker;    /* its "site:" comment in single.c */
	const char *function;  /* the function the call is in */
	const char *row;
	const char *blocks, *size;
};

struct site_search {
	const struct site *want;
	char text[64];         /* "function (single.c:N)" */
	int found;
};

static void find_site(char cells[MAX_CELLS][64], int count, void *context)
{
	struct site_search *s = context;
	assert_int_equal(count, 4);
	if (strcmp(cells[0], s->text))
		return;
	s->found++;
	assert_string_equal(cells[1], s->want->row);
	assert_string_equal(cells[2], s->want->blocks);
	assert_string_equal(cells[3], s->want->size);
}

/* Each live site named by function and source line (the workload is built with -g). */
static void test_single_sites(void **state)
{
	(void)state;
	static const struct site sites[] = {
		{ "nodes", "make_nodes", "malloc", "6", "600     B" },
		{ "tables", "make_tables", "calloc", "3", "384     B" },
		{ "grown", "grow_buffer", "malloc", "1", "200     B" },   /* realloc's site, malloc's row */
		{ "array", "grow_buffer", "realloc", "1", "100     B" },
		{ "posix_memalign", "make_aligned", "aligned", "1", "100     B" },
	};
	struct run r = census(NULL, single_argv);
	char *p = process_report(r.report, 0);
	assert_non_null(strstr(p, "Live at exit, by call site (9 sites):"));
	for (size_t i = 0; i < sizeof sites / sizeof *sites; i++) {
		struct site_search s = { .want = &sites[i] };
		snprintf(s.text, sizeof s.text, "%s (single.c:%d)", sites[i].function,
			 site_line("single.c", sites[i].marker));
		each_row(p, "by call site", find_site, &s);
		if (s.found != 1)
			fail_msg("site %s found %d times in:\n%s", s.text, s.found, p);
	}
	/* the 10-byte buffer is no site: realloc moved it */
	char buffer[64];
	snprintf(buffer, sizeof buffer, "(single.c:%d)", site_line("single.c", "buffer"));
	assert_null(strstr(p, buffer));
	free(p);
	run_free(&r);
}

/* Requests by size: 0, then one class per bit length. */
static void test_single_classes(void **state)
{
	(void)state;
	struct run r = census(NULL, single_argv);
	char *p = process_report(r.report, 0);
	struct classes c = classes_of(p);
	assert_string_equal(c.text, "8 - 15: 1, 10     B; 32 - 63: 2, 98     B; 64 - 127: 12, 1.17 KB; "
				    "128 - 255: 4, 584     B; 256 - 511: 1, 300     B; "
				    "512 - 1023: 1, 512     B; 8192 - 16383: 1, 8.00 KB");
	free(p);
	run_free(&r);
}

/* A row whose blocks were all freed is still a row: the rows add up to every allocation. */
static void test_row_with_nothing_live(void **state)
{
	(void)state;
	const char *const argv[] = { family, "freed", NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 0);
	char *p = process_report(r.report, 0);
	struct calls c = assert_invariants(p);
	assert_i64_equal(c.allocs, 3);
	assert_i64_equal(c.frees, 2);
	struct function_rows f = function_rows(p);
	assert_int_equal(f.count, 2);
	assert_function_row(&f, "malloc", 1, "30     B", 1);
	assert_function_row(&f, "calloc", 0, "0     B", 2);
	function_rows_free(&f);
	free(p);
	run_free(&r);
}

/* ------------------------------------------------------------------ */
/* Processes: fork, exec, _exit, a signal                              */
/* ------------------------------------------------------------------ */

/*
 * family `mode` under census: two processes, the parent first, each
 * holding the invariants, with `parent_allocs` and `child_allocs`, no
 * frees, and the child saying it was started by `how` of the parent's
 * pid. The report, for more checks (the caller frees it with run_free).
 */
static struct run parent_and_child(const char *mode, long long parent_allocs, long long child_allocs,
				   const char *how)
{
	const char *const argv[] = { family, mode, NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 0);
	char *parent = process_report(r.report, 0), *child = process_report(r.report, 1);
	assert_non_null(parent);
	assert_non_null(child);
	assert_null(process_report(r.report, 2));
	struct calls pc = assert_invariants(parent), cc = assert_invariants(child);
	assert_i64_equal(pc.allocs, parent_allocs);
	assert_i64_equal(cc.allocs, child_allocs);
	assert_i64_equal(pc.frees + cc.frees, 0);
	char started[64];
	snprintf(started, sizeof started, "Started by %s of pid %ld,", how, pid_of(parent));
	assert_non_null(strstr(child, started));
	assert_true(pid_of(child) != pid_of(parent));
	free(parent);
	free(child);
	return r;
}

/* The child of a fork reports as its own pid, its counts going on from its parent's. */
static void test_fork(void **state)
{
	(void)state;
	struct run r = parent_and_child("fork", 3 + 4, 3 + 2, "fork");
	run_free(&r);
}

/*
 * A fork child that runs exec: its first image is folded (said in one
 * line), the program it became reports its own 6, the 3 + 5 before exec gone.
 */
static void test_fork_and_exec(void **state)
{
	(void)state;
	struct run r = parent_and_child("exec", 3, 6, "fork and exec");
	assert_non_null(strstr(r.report, "family exit ==\n"));
	assert_non_null(strstr(r.report, "\n1 fork child ran exec before it could report"));
	run_free(&r);
}

/* _exit skips the destructors: census.so writes the report from it, and the status is census's. */
static void test_exit_by__exit(void **state)
{
	(void)state;
	const char *const argv[] = { family, "_exit", NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 5);
	char *p = process_report(r.report, 0);
	struct calls c = assert_invariants(p);
	assert_i64_equal(c.allocs, 7);
	assert_non_null(strstr(p, ", exited with 5.\n"));
	free(p);
	run_free(&r);
}

/* A process killed by a signal writes nothing more, and the report says so. */
static void test_killed_by_signal(void **state)
{
	(void)state;
	const char *const argv[] = { family, "signal", NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 128 + 15);
	char *p = process_report(r.report, 0);
	assert_non_null(strstr(p, ", killed by signal 15.\nIt left no report: it ended without exit"));
	assert_null(strstr(p, "allocations and"));
	free(p);
	run_free(&r);
	const char *const totals[] = { "--totals", NULL };
	r = census(totals, argv);
	assert_non_null(strstr(r.report, " - - -\n"));
	run_free(&r);
}

/* Four threads, each 1000 blocks and 500 frees: the counts of threads that ended are summed. */
static void test_threads(void **state)
{
	(void)state;
	const char *const argv[] = { threads, NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 0);
	char *p = process_report(r.report, 0);
	struct calls c = assert_invariants(p);
	/* glibc's calloc of each thread's TLS vector comes in too: one per thread */
	assert_i64_equal(c.allocs, 4 * 1000 + 4);
	assert_i64_equal(c.frees, 4 * 500);
	char site[64];
	snprintf(site, sizeof site, "work (threads.c:%d)", site_line("threads.c", "work"));
	char *line = line_with(p, site);
	char cells[MAX_CELLS][64];
	assert_int_equal(cells_of(line, cells), 4);
	assert_string_equal(cells[2], "2000");
	/* 500 live blocks of 16, 17, 18 and 19 bytes */
	assert_string_equal(cells[3], "34.18 KB");
	free(line);
	free(p);
	run_free(&r);
}

/* ------------------------------------------------------------------ */
/* Programs that do what census.so must live through                    */
/* ------------------------------------------------------------------ */

/*
 * 200 threads, each ending with a buffer glibc frees after the thread's
 * key destructors (strerror's): the census ends, and the threads' counts
 * are all there once, each thread's malloc and strerror's buffer freed.
 */
static void test_frees_after_thread_end(void **state)
{
	(void)state;
	const char *const argv[] = { strerror_threads, NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "ok\n");
	char *p = process_report(r.report, 0);
	assert_non_null(p);
	struct calls c = assert_invariants(p);
	/*
	 * Exactly what valgrind counts for it (tests/oracle/valgrind-totals.sh
	 * prints 602 and 600, run after run): a dead thread's counts listed
	 * again would count some twice.
	 */
	assert_i64_equal(c.allocs, 602);
	assert_i64_equal(c.frees, 600);
	free(p);
	run_free(&r);
}

/*
 * A program that closes descriptors 3 to 1023 and opens a file of its own
 * (on the number census.so's file had): its file holds only what it wrote,
 * and its report is there, with its 10 blocks, 5 still live at exit.
 */
static void test_program_closes_descriptors(void **state)
{
	(void)state;
	char own[64];
	snprintf(own, sizeof own, "/tmp/ms-test-census-%ld.own", (long)getpid());
	const char *const argv[] = { closefds, own, NULL };
	struct run r = census(NULL, argv);
	char *text = golden_read_file(own);
	unlink(own);
	assert_int_equal(r.status, 0);
	assert_non_null(text);
	assert_string_equal(text, "first line\nlast line\n");
	free(text);
	char *p = process_report(r.report, 0);
	assert_non_null(p);
	struct calls c = assert_invariants(p);
	assert_i64_ge(c.allocs, 10);
	char site[64];
	snprintf(site, sizeof site, "main (closefds.c:%d)", site_line("closefds.c", "blocks"));
	char *line = line_with(p, site);
	char cells[MAX_CELLS][64];
	assert_int_equal(cells_of(line, cells), 4);
	assert_string_equal(cells[2], "5");
	free(line);
	free(p);
	run_free(&r);
}

/*
 * A vfork child whose exec fails and that leaves by _exit(127), in its
 * parent's memory until then: the parent's report is the parent's, all
 * of its 1002 allocations and 1000 frees, written as it exits.
 */
static void test_vfork_exec_fails(void **state)
{
	(void)state;
	const char *const argv[] = { vfork_workload, NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 0);
	char *p = process_report(r.report, 0);
	assert_non_null(p);
	assert_non_null(strstr(p, ", exited with 0.\n"));
	struct calls c = assert_invariants(p);
	assert_i64_equal(c.allocs, 1002);
	assert_i64_equal(c.frees, 1000);
	assert_i64_equal(c.live, 2);
	free(p);
	run_free(&r);
}

/* ------------------------------------------------------------------ */
/* Checkpoints, the data file, the command line                         */
/* ------------------------------------------------------------------ */

/* The change rows of checkpoint `n` in `process`, summed into `rows` by name ("name blocks size"). */
struct change {
	long long malloc_blocks, calloc_blocks, other_blocks;
	char calloc_size[64];
	bool empty;
};

static void take_change(char cells[MAX_CELLS][64], int count, void *context)
{
	struct change *c = context;
	assert_int_equal(count, 3);
	long long blocks = atoll(cells[1]);
	if (!strcmp(cells[0], "malloc"))
		c->malloc_blocks += blocks;
	else if (!strcmp(cells[0], "calloc")) {
		c->calloc_blocks += blocks;
		snprintf(c->calloc_size, sizeof c->calloc_size, "%s", cells[2]);
	} else
		c->other_blocks += blocks;
}

static void add_checkpoint(const char *process, int n, struct change *c)
{
	char title[64];
	snprintf(title, sizeof title, "\nCheckpoint %d at ", n);
	const char *at = strstr(process, title);
	if (!at)
		fail_msg("no checkpoint %d in:\n%s", n, process);
	char *line = line_with(at + 1, "Checkpoint");
	c->empty = strstr(line, ": nothing changed since the last.") != NULL;
	free(line);
	if (!c->empty)
		each_row(at + 1, "the change since", take_change, c);
}

/*
 * --interval: the workload allocates 5 blocks by malloc, waits for a
 * checkpoint, 3 by calloc, waits for one more, and then for one with
 * nothing allocated (it says which numbers it saw). What the checkpoints
 * after the first saw, up to the second, is what it allocated in between;
 * the third is empty.
 */
static void test_interval_checkpoints(void **state)
{
	(void)state;
	const char *const options[] = { "--interval", "0.05", NULL };
	const char *const argv[] = { interval, NULL };
	struct run r = census(options, argv);
	assert_int_equal(r.status, 0);
	int before, after, idle;
	assert_int_equal(sscanf(r.out, "before %d\nafter %d\nidle %d", &before, &after, &idle), 3);
	assert_int_equal(before, 1);
	assert_true(after > before && idle > after);
	char *p = process_report(r.report, 0);
	assert_invariants(p);
	struct change first = { .empty = false };
	add_checkpoint(p, 1, &first);
	assert_i64_equal(first.malloc_blocks, 5);
	assert_i64_equal(first.other_blocks, 1);   /* the block it resizes while it waits, in realloc's row */
	assert_i64_equal(first.calloc_blocks, 0);
	struct change between = { .empty = false };
	for (int n = before + 1; n <= after; n++)
		add_checkpoint(p, n, &between);
	assert_i64_equal(between.malloc_blocks + between.other_blocks, 0);
	assert_i64_equal(between.calloc_blocks, 3);
	if (after == before + 1)
		assert_string_equal(between.calloc_size, "900     B");
	struct change nothing = { .empty = false };
	add_checkpoint(p, idle, &nothing);
	assert_true(nothing.empty);
	free(p);
	run_free(&r);
}

/* --data DIR: census.dat, one gnuplot block ("pid N program", rows, two blank lines) per process. */
static void test_data_dir(void **state)
{
	(void)state;
	char dir[] = "/tmp/ms-test-census-XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *const options[] = { "--data", dir, NULL };
	const char *const argv[] = { family, "fork", NULL };
	struct run r = census(options, argv);
	assert_int_equal(r.status, 0);
	char path[128];
	snprintf(path, sizeof path, "%s/census.dat", dir);
	char *data = golden_read_file(path);
	assert_non_null(data);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_true(data[0] == '#');
	int blocks = 0;
	long long last_blocks = -1;
	for (const char *at = data; (at = strstr(at, "\n\"pid ")); at++) {
		long pid;
		assert_int_equal(sscanf(at, "\n\"pid %ld ", &pid), 1);
		blocks++;
		/* each row: ms blocks bytes; the last is the process's end */
		const char *row = strchr(at + 1, '\n') + 1;
		double ms;
		long long b, bytes;
		int rows = 0, used;
		/* not "\n" in the format: it would take the blank lines too */
		while (sscanf(row, "%lf %lld %lld%n", &ms, &b, &bytes, &used) == 3 && row[used] == '\n') {
			rows++;
			last_blocks = b;
			row += used + 1;
		}
		assert_true(rows >= 2);   /* at the start and at exit */
		/* blocks are parted by two blank lines (the first ends the last row); the last ends the file */
		assert_true(!strncmp(row, "\n", 1) || !*row);
		assert_true(last_blocks == 7 || last_blocks == 5);   /* the parent's, the child's */
	}
	assert_int_equal(blocks, 2);
	free(data);
	run_free(&r);
}

/* -o FILE takes the report; without it, it goes to standard error, and the program's output is its own. */
static void test_output_file(void **state)
{
	(void)state;
	const char *const argv[] = { "/bin/echo", "hello", NULL };
	struct run r = census(NULL, argv);
	assert_string_equal(r.out, "hello\n");
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.report, "== pid "));
	run_free(&r);
	struct golden_process p;
	golden_exec((char *const[]){ "./census", "--", "/bin/echo", "hello", NULL }, &p);
	assert_int_equal(p.exit_status, 0);
	assert_string_equal(p.out, "hello\n");
	assert_non_null(strstr(p.err, "== pid "));
	golden_process_free(&p);
}

/* Bad arguments: exit 2, a line saying what is wrong, and the usage, all on stderr. */
static void test_bad_arguments(void **state)
{
	(void)state;
	static const char *const bad[][6] = {
		{ "./census", NULL },
		{ "./census", "--", NULL },
		{ "./census", "--frobnicate", "1", "--", "/bin/true", NULL },
		{ "./census", "--top", "-1", "--", "/bin/true", NULL },
		{ "./census", "--interval", "0", "--", "/bin/true", NULL },
		{ "./census", "--interval", "soon", "--", "/bin/true", NULL },
		{ "./census", "-o", "--", "/bin/true", NULL },
		{ "./census", "/bin/true", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct golden_process p;
		golden_exec((char *const *)bad[i], &p);
		assert_int_equal(p.exit_status, 2);
		assert_string_equal(p.out, "");
		assert_true(!strncmp(p.err, "census: ", 8));
		assert_non_null(strstr(p.err, "\nusage: census "));
		golden_process_free(&p);
	}
	struct golden_process help;
	golden_exec((char *const[]){ "./census", "--help", NULL }, &help);
	assert_int_equal(help.exit_status, 0);
	assert_true(!strncmp(help.out, "usage: census ", 14));
	golden_assert_max_width(help.out, 80);
	golden_process_free(&help);
}

/* A program that is not there: 127, one clear line, no report. */
static void test_missing_program(void **state)
{
	(void)state;
	struct golden_process p;
	golden_exec((char *const[]){ "./census", "--", "/nonexistent/program", NULL }, &p);
	assert_int_equal(p.exit_status, 127);
	assert_string_equal(p.err, "census: cannot run /nonexistent/program: No such file or directory\n");
	golden_process_free(&p);
}

/* The program's exit status is census's, whatever it is. */
static void test_exit_status(void **state)
{
	(void)state;
	const char *const argv[] = { "/bin/sh", "-c", "exit 42", NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 42);
	run_free(&r);
	const char *const no_mode[] = { family, NULL };
	r = census(NULL, no_mode);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.report, ", exited with 2.\n"));
	run_free(&r);
}

/* Live blocks at exit by site, split into the workload's own (single.c) and the rest. */
struct own_sites {
	long long own, other;
	char text[1024];   /* the workload's rows, as printed */
};

static void take_own_site(char cells[MAX_CELLS][64], int count, void *context)
{
	struct own_sites *s = context;
	assert_int_equal(count, 4);
	if (!strstr(cells[0], "(single.c:")) {   /* "before census.so began" among them */
		s->other += atoll(cells[2]);
		return;
	}
	s->own += atoll(cells[2]);
	size_t used = strlen(s->text);
	snprintf(s->text + used, sizeof s->text - used, "%s %s %s %s\n", cells[0], cells[1], cells[2], cells[3]);
}

static struct own_sites own_sites(const struct run *r)
{
	char *p = process_report(r->report, 0);
	assert_non_null(p);
	assert_null(process_report(r->report, 1));
	assert_invariants(p);
	struct own_sites s = { .own = 0 };
	each_row(p, "by call site", take_own_site, &s);
	free(p);
	return s;
}

/*
 * With another malloc preloaded (LD_PRELOAD in census's environment),
 * census puts census.so first and the workload runs on that allocator,
 * alignment kept (the workload checks it): the same calls from its own
 * sites, and besides them only blocks the allocator's own libraries
 * allocated as they loaded and kept (libstdc++'s 72704-byte pool for
 * exceptions under jemalloc and tcmalloc), never freed.
 */
static void test_other_allocators(void **state)
{
	(void)state;
	const char *const options[] = { "--top", "100", NULL };
	struct run plain = census(options, single_argv);
	struct own_sites on_glibc = own_sites(&plain);
	assert_i64_equal(on_glibc.own, 16);
	assert_i64_equal(on_glibc.other, 0);
	run_free(&plain);
	int ran = 0;
	for (size_t i = 0; i < sizeof allocators / sizeof *allocators; i++) {
		struct stat st;
		if (stat(allocators[i], &st) != 0) {
			print_message("skipped: %s is not installed\n", allocators[i]);
			continue;
		}
		assert_int_equal(setenv("LD_PRELOAD", allocators[i], 1), 0);
		struct run r = census(options, single_argv);
		unsetenv("LD_PRELOAD");
		assert_int_equal(r.status, 0);
		char *p = process_report(r.report, 0);
		struct calls c = calls_of(p);
		free(p);
		struct own_sites on_other = own_sites(&r);
		assert_string_equal(on_other.text, on_glibc.text);
		assert_i64_equal(c.frees, 6);
		assert_i64_equal(c.allocs - 22, on_other.other);
		run_free(&r);
		ran++;
	}
	if (!ran)
		skip();
}

/* A real program's report, its sites in libraries with long names, still fits 80 columns (census() checks). */
static void test_report_fits(void **state)
{
	(void)state;
	const char *const argv[] = { "/bin/ls", "-l", "/usr/share", NULL };
	const char *const options[] = { "--top", "30", NULL };
	struct run r = census(options, argv);
	assert_int_equal(r.status, 0);
	char *p = process_report(r.report, 0);
	assert_invariants(p);
	free(p);
	run_free(&r);
}

/* ------------------------------------------------------------------ */
/* The data file read back: files census.so would never write         */
/* ------------------------------------------------------------------ */

/* The lines every data file opens with, before what a test adds. */
#define DATA_HEAD "census-data 1\npid 5\nppid 1\nstart exec 100\n"

/*
 * census_data_read on a file holding exactly `text` (no newline added):
 * its result, with `p` filled (the caller frees it with census_data_free).
 */
static int read_data(const char *text, struct census_process *p)
{
	char path[64], why[512];
	snprintf(path, sizeof path, "/tmp/ms-test-census-%ld.census", (long)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	int result = census_data_read(path, p, why, sizeof why);
	unlink(path);
	if (result < 0)
		assert_non_null(strstr(why, path));   /* the message names the file */
	return result;
}

/*
 * A name's %XX are decoded, and only where two hex digits follow: a '%'
 * at the end, as a file cut short by a full disk leaves it, stays a '%'
 * (decoding it read past the line's end).
 */
static void test_data_names(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ DATA_HEAD "arg aaaa%4\n", "aaaa%4" },
		{ DATA_HEAD "arg aaaa%\n", "aaaa%" },
		{ DATA_HEAD "arg a%4g\n", "a%4g" },
		{ DATA_HEAD "arg a%g1\n", "a%g1" },
		{ DATA_HEAD "arg x%20y%25z\n", "x y%z" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct census_process p;
		assert_int_equal(read_data(cases[i][0], &p), 0);
		assert_int_equal(p.arg_count, 1);
		assert_string_equal(p.args[0], cases[i][1]);
		census_data_free(&p);
	}
	/* a last line without its newline was cut short: left out, never read in part */
	static const char *const cut[] = { DATA_HEAD "arg aaaa%4", DATA_HEAD "arg aaaa%" };
	for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
		struct census_process p;
		assert_int_equal(read_data(cut[i], &p), 0);
		assert_int_equal(p.arg_count, 0);
		census_data_free(&p);
	}
}

/* A data file with every kind of line, as census.so writes them. */
static const char whole_data[] =
	DATA_HEAD
	"exe /bin/prog%20x\n"
	"arg prog\n"
	"arg -v\n"
	"checkpoint-signal\n"
	"checkpoint 1 2000\n"
	"site 7f00 2 64 malloc\n"
	"stack 2 7f00 7f10\n"
	"change 2 64 2 64 2 64 malloc\n"
	"end-checkpoint\n"
	"allocs 12\n"
	"frees 4\n"
	"bytes 300\n"
	"class 0 1 0\n"
	"class 5 11 300\n"
	"all 8 200 9 250 12 300 all\n"
	"misuse 1\n"
	"first-misuse free%28%29 of a pointer\n"
	"row 8 200 9 250 12 300 malloc\n"
	"site 7f00 8 200 malloc\n"
	"map 7f00 8000 1000 /bin/prog%20x\n"
	"sample 0 0 0\n"
	"sample 5000 8 200\n"
	"end\n"
	"after                    3                    2\n";

/* Every kind of line read into its place. */
static void test_data_whole(void **state)
{
	(void)state;
	struct census_process p;
	assert_int_equal(read_data(whole_data, &p), 0);
	assert_int_equal(p.pid, 5);
	assert_int_equal(p.ppid, 1);
	assert_false(p.forked);
	assert_i64_equal(p.started_ns, 100);
	assert_string_equal(p.exe, "/bin/prog x");
	assert_int_equal(p.arg_count, 2);
	assert_string_equal(p.args[1], "-v");
	assert_true(p.takes_checkpoints);
	assert_int_equal(p.checkpoint_count, 1);
	assert_i64_equal(p.checkpoints[0].ns, 2000);
	assert_int_equal(p.checkpoints[0].site_count, 1);
	assert_int_equal(p.checkpoints[0].sites[0].depth, 2);
	assert_i64_equal(p.checkpoints[0].sites[0].frames[1], 0x7f10);
	assert_int_equal(p.checkpoints[0].change_count, 1);
	assert_i64_equal(p.allocs, 12);
	assert_i64_equal(p.frees, 4);
	assert_i64_equal(p.bytes, 300);
	assert_i64_equal(p.class_blocks[5], 11);
	assert_i64_equal(p.all.blocks.peak, 9);
	assert_i64_equal(p.misuse, 1);
	assert_string_equal(p.first_misuse, "free() of a pointer");
	assert_int_equal(p.row_count, 1);
	assert_int_equal(p.site_count, 1);
	assert_string_equal(p.sites[0].row, "malloc");
	assert_int_equal(p.map_count, 1);
	assert_i64_equal(p.maps[0].offset, 0x1000);
	assert_int_equal(p.sample_count, 2);
	assert_true(p.ended);
	assert_i64_equal(p.after_allocs, 3);
	assert_i64_equal(p.after_frees, 2);
	census_data_free(&p);
}

/*
 * Lines census.so never writes are refused, the file with them: a number
 * with more after it, a sign on a count, a line after "end" but "after",
 * a line that comes once come twice, a file without its pid or start.
 */
static void test_data_garbage(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"census-data 1\n",
		"census-data 2\n" "pid 5\nstart exec 100\n",
		"census-data 1\nstart exec 100\n",
		"census-data 1\npid 5\n",
		"census-data 1\npid 12abc\nstart exec 100\n",
		"census-data 1\npid -5\nstart exec 100\n",
		"census-data 1\npid 5\nstart exec 100x\n",
		"census-data 1\npid 5\nstart later 100\n",
		"census-data 1\npid 5\npid 5\nstart exec 100\n",
		DATA_HEAD "start exec 100\n",
		DATA_HEAD "allocs -5\n",
		DATA_HEAD "allocs +5\n",
		DATA_HEAD "allocs 18446744073709551616\n",
		DATA_HEAD "allocs\n",
		DATA_HEAD "frees 3 trailing garbage\n",
		DATA_HEAD "frees 3\nfrees 3\n",
		DATA_HEAD "bytes 0x10\n",
		DATA_HEAD "misuse 1.5\n",
		DATA_HEAD "class 49 1 1\n",
		DATA_HEAD "class 3 1 1\nclass 3 1 1\n",
		DATA_HEAD "class 3 1\n",
		DATA_HEAD "all 1 2 3 4 5 x6 all\n",
		DATA_HEAD "row 1 2 3 4 5\n",
		DATA_HEAD "site 7g00 1 1 malloc\n",
		DATA_HEAD "site 7f00 1 1 malloc\nstack 2 7f00\n",
		DATA_HEAD "site 7f00 1 1 malloc\nstack 1 7f00 7f10\n",
		DATA_HEAD "stack 1 7f00\n",
		DATA_HEAD "map 1 2 3\n",
		DATA_HEAD "sample 1 2\n",
		DATA_HEAD "sample 1 2 3 4\n",
		DATA_HEAD "sites-skipped 2\nsites-skipped 2\n",
		DATA_HEAD "exe /a\nexe /b\n",
		DATA_HEAD "checkpoint-signal\ncheckpoint-signal\n",
		DATA_HEAD "checkpoint-signal 1\n",
		DATA_HEAD "checkpoint 1 5\nsites-skipped 2\nsites-skipped 2\nend-checkpoint\n",
		DATA_HEAD "checkpoint 1 5\nend\n",
		DATA_HEAD "checkpoint 1 5 7\nend-checkpoint\n",
		DATA_HEAD "end-checkpoint\n",
		DATA_HEAD "after 1 2\n",
		DATA_HEAD "end\nend\n",
		DATA_HEAD "end\npid 99\n",
		DATA_HEAD "end\nafter 1 2\nafter 1 2\n",
		DATA_HEAD "end\nafter 1\n",
		DATA_HEAD "bogus\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct census_process p;
		int result = read_data(bad[i], &p);
		census_data_free(&p);
		if (result != -1)
			fail_msg("read as census data:\n%s", bad[i]);
	}
	/* cut short, with no "end": a process that did not exit */
	struct census_process p;
	assert_int_equal(read_data(DATA_HEAD "allocs 3\n", &p), 0);
	assert_false(p.ended);
	census_data_free(&p);
}

/*
 * With census's standard output closed, the report file must not become
 * the program's: opened without close-on-exec, it took fd 1 and the
 * program's output landed in the report.
 */
static void test_report_not_inherited(void **state)
{
	(void)state;
	char report[64], command[256];
	snprintf(report, sizeof report, "/tmp/ms-test-census-%ld.closed", (long)getpid());
	/* printf, so the words it prints are not the report's command line */
	snprintf(command, sizeof command, "./census -o %s -- /usr/bin/printf %%s%%s to- stdout >&-",
		 report);
	struct golden_process p;
	golden_exec((char *const[]){ "/bin/sh", "-c", command, NULL }, &p);
	char *text = golden_read_file(report);
	unlink(report);
	assert_non_null(text);
	assert_non_null(strstr(text, "== pid "));
	assert_null(strstr(text, "to-stdout"));
	free(text);
	golden_process_free(&p);
}

/*
 * --interval asks for checkpoints only of processes that can take them: a
 * program that ran exec into one without census.so (env -i clears
 * LD_PRELOAD) has SIGUSR2 at its default, which would end it.
 */
static void test_interval_spares_others(void **state)
{
	(void)state;
	const char *const options[] = { "--interval", "0.02", NULL };
	const char *const argv[] = { "/usr/bin/env", "-i", "/bin/sleep", "0.3", NULL };
	struct run r = census(options, argv);
	assert_int_equal(r.status, 0);
	run_free(&r);
}

/* The SigIgn mask a program run under census sees, with SIGINT and SIGQUIT ignored in census or not. */
static unsigned long long ignored_in_program(bool ignore)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	if (ignore) {
		sigaction(SIGINT, &ign, &old_int);
		sigaction(SIGQUIT, &ign, &old_quit);
	}
	const char *const argv[] = { "/bin/cat", "/proc/self/status", NULL };
	struct run r = census(NULL, argv);
	if (ignore) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
	}
	assert_int_equal(r.status, 0);
	unsigned long long mask = 0;
	const char *at = strstr(r.out, "\nSigIgn:");
	assert_non_null(at);
	assert_int_equal(sscanf(at, "\nSigIgn: %llx", &mask), 1);
	run_free(&r);
	return mask;
}

/*
 * census ignores ^C and ^\ while the program runs, as system() does, and
 * gives the program the dispositions census itself was started with: a
 * program started under nohup, or in the background, keeps them ignored.
 */
static void test_signals_as_started(void **state)
{
	(void)state;
	unsigned long long int_quit = 1ull << (SIGINT - 1) | 1ull << (SIGQUIT - 1);
	assert_true((ignored_in_program(false) & int_quit) == 0);
	assert_true((ignored_in_program(true) & int_quit) == int_quit);
}

/* Data files there but none readable: the report says so, not that none was left. */
static void test_unreadable_files(void **state)
{
	(void)state;
	const char *const argv[] = {
		"/bin/sh", "-c", "for f in \"$CENSUS_DIR\"/*.census; do echo garbage > \"$f\"; done", NULL
	};
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, ":1: not census data: garbage\n"));
	assert_null(strstr(r.report, "no process left a census"));
	assert_non_null(strstr(r.report, "census: the data file left could not be read\n"));
	run_free(&r);
}

/*
 * A program that runs exec with no fork before it: the program it became
 * reports, with the exit status (the pid's newest image ended the
 * process), and the line on the image exec replaced says nothing of fork.
 */
static void test_exec_without_fork(void **state)
{
	(void)state;
	const char *const argv[] = { "/bin/sh", "-c", "exec /bin/sh -c 'exit 3'", NULL };
	struct run r = census(NULL, argv);
	assert_int_equal(r.status, 3);
	char *p = process_report(r.report, 0);
	assert_non_null(p);
	assert_null(process_report(r.report, 1));
	assert_non_null(strstr(p, "Started by exec of pid "));
	assert_non_null(strstr(p, ", exited with 3.\n"));
	assert_null(strstr(r.report, "fork"));
	assert_non_null(strstr(r.report, "\n1 program ran exec before it could report"));
	free(p);
	run_free(&r);
}

/* The report census prints of `text`, read as a data file (the caller frees it). */
static char *report_of(const char *text)
{
	struct census_process p;
	assert_int_equal(read_data(text, &p), 0);
	char *report = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&report, &size);
	assert_non_null(out);
	census_symbols *symbols = census_symbols_new();
	struct census_report_opts opts = { .top = 10, .exit_status = -1 };
	assert_int_equal(census_report_print(out, &p, symbols, &opts), 0);
	census_symbols_free(symbols);
	assert_int_equal(fclose(out), 0);
	census_data_free(&p);
	golden_assert_max_width(report, 80);
	return report;
}

/*
 * A count is printed with its noun in the singular for one; the line on
 * what came after the report says what was counted, and claims no cause.
 */
static void test_report_words(void **state)
{
	(void)state;
	const char *const argv[] = { family, "freed", NULL };
	struct run r = census(NULL, argv);
	char *p = process_report(r.report, 0);
	assert_non_null(strstr(p, "\nLive at exit: 1 block, 30 B. Peak: 1 block, "));
	free(p);
	run_free(&r);

	char *report = report_of(whole_data);
	assert_null(strstr(report, "cleanup"));
	assert_non_null(strstr(report, "\n\nAfter this report was written, the process made 3 allocations "
				       "and 2 frees more\nbefore it ended.\n"));
	free(report);
	report = report_of(DATA_HEAD "allocs 1\nfrees 1\nbytes 5\nall 0 0 1 5 1 5 all\n"
			   "row 0 0 1 5 1 5 malloc\nend\nafter 1 1\n");
	assert_non_null(strstr(report, "\n1 allocation and 1 free, 5 B requested in all.\n"));
	assert_non_null(strstr(report, "\nLive at exit: 0 blocks, 0 B. Peak: 1 block, 5 B.\n"));
	assert_non_null(strstr(report, "the process made 1 allocation and 1 free more"));
	free(report);
}

/* The usage's synopsis names every option, and the data goes where $TMPDIR says (else /tmp). */
static void test_usage_and_tmpdir(void **state)
{
	(void)state;
	struct golden_process help;
	golden_exec((char *const[]){ "./census", "--help", NULL }, &help);
	const char *runs = strstr(help.out, "\nRuns PROGRAM");
	assert_non_null(runs);
	char *synopsis = strndup(help.out, (size_t)(runs - help.out));
	static const char *const options[] = { "-o", "--data", "--interval", "--top", "--frames",
					       "--totals", "--records" };
	for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
		char option[32];
		snprintf(option, sizeof option, "[%s", options[i]);
		if (!strstr(synopsis, option))
			fail_msg("%s is not in the synopsis:\n%s", options[i], synopsis);
	}
	free(synopsis);
	golden_process_free(&help);

	char dir[] = "/tmp/ms-test-census-tmpdir-XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *const argv[] = { "/bin/sh", "-c", "echo \"$CENSUS_DIR\"", NULL };
	assert_int_equal(setenv("TMPDIR", dir, 1), 0);
	struct run r = census(NULL, argv);
	unsetenv("TMPDIR");
	assert_int_equal(rmdir(dir), 0);   /* census removed its own directory in it */
	char want[64];
	snprintf(want, sizeof want, "%s/census.", dir);
	assert_true(!strncmp(r.out, want, strlen(want)));
	run_free(&r);
	r = census(NULL, argv);
	assert_true(!strncmp(r.out, "/tmp/census.", 12));
	run_free(&r);
}

/*
 * Started with standard output closed, a program still gets its report,
 * and what it writes to its standard output lands in none of census's
 * files: census.so's data file takes a high descriptor, not the free 1.
 */
static void test_stdout_closed(void **state)
{
	(void)state;
	const char *const argv[] = { stdout_closed, NULL };
	struct run r = census_run(true, NULL, argv);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.report, "written to standard output"));
	char *p = process_report(r.report, 0);
	assert_non_null(p);
	struct calls c = assert_invariants(p);
	assert_i64_equal(c.allocs, 4);
	assert_i64_equal(c.frees, 1);
	free(p);
	run_free(&r);
}

/*
 * The report sorts the site table with qsort, which takes a buffer from
 * malloc once the table is large: census.so's own, taken beneath and not
 * counted, under census.so's lock. When it came back through the
 * program's malloc it waited for that lock, held by the same thread,
 * whenever a sample fell due in the sort: the census hung at exit. Where
 * in the countdown to a sample the sort falls moves with the blocks made
 * before it, so a run of counts is tried; each must end, counted exactly.
 */
static void test_report_sorts_many_sites(void **state)
{
	(void)state;
	for (int extra = 24; extra <= 44; extra++) {
		char count[16];
		snprintf(count, sizeof count, "%d", extra);
		const char *const options[] = { "--totals", NULL };
		const char *const argv[] = { many_sites, count, NULL };
		struct run r = census(options, argv);
		assert_int_equal(r.status, 0);
		long pid;
		unsigned long long allocs, frees, bytes;
		assert_int_equal(sscanf(r.report, "%ld %llu %llu %llu", &pid, &allocs, &frees, &bytes), 4);
		assert_int_equal(allocs, 200000 + (unsigned)extra + 100);
		assert_int_equal(frees, 0);
		run_free(&r);
	}
}

/*
 * A program that sets the checkpoint signal back to its default after it
 * started is asked for no checkpoint: the signal's default action would
 * end it (a shell's `trap - USR2`).
 */
static void test_interval_spares_a_reset_handler(void **state)
{
	(void)state;
	const char *const options[] = { "--interval", "0.02", NULL };
	const char *const argv[] = { "/bin/sh", "-c", "trap - USR2; sleep 0.3; echo survived", NULL };
	struct run r = census(options, argv);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "survived\n");
	assert_null(strstr(r.report, "killed by signal"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_counts),
		cmocka_unit_test(test_single_functions),
		cmocka_unit_test(test_single_sites),
		cmocka_unit_test(test_single_classes),
		cmocka_unit_test(test_row_with_nothing_live),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_fork_and_exec),
		cmocka_unit_test(test_exit_by__exit),
		cmocka_unit_test(test_killed_by_signal),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_frees_after_thread_end),
		cmocka_unit_test(test_program_closes_descriptors),
		cmocka_unit_test(test_vfork_exec_fails),
		cmocka_unit_test(test_interval_checkpoints),
		cmocka_unit_test(test_stdout_closed),
		cmocka_unit_test(test_interval_spares_a_reset_handler),
		cmocka_unit_test(test_report_sorts_many_sites),
		cmocka_unit_test(test_data_dir),
		cmocka_unit_test(test_output_file),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_other_allocators),
		cmocka_unit_test(test_report_fits),
		cmocka_unit_test(test_data_names),
		cmocka_unit_test(test_data_whole),
		cmocka_unit_test(test_data_garbage),
		cmocka_unit_test(test_report_not_inherited),
		cmocka_unit_test(test_interval_spares_others),
		cmocka_unit_test(test_signals_as_started),
		cmocka_unit_test(test_unreadable_files),
		cmocka_unit_test(test_exec_without_fork),
		cmocka_unit_test(test_report_words),
		cmocka_unit_test(test_usage_and_tmpdir),
	};
	/* the symboliser's cache in a directory of the run's own, not ~/.cache/census */
	return cmocka_run_group_tests(tests, ms_test_symbol_cache_setup, ms_test_symbol_cache_teardown);
}
