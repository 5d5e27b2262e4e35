/* test_fault_chapters.c: every chapter run again and again with its k-th allocation failing, each run in a forked child: no crash, an error or the whole lesson, counts back to 0, no leak. */
#define _GNU_SOURCE
#include "../test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chapters.h"
#include "fault.h"
#include "../golden.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* More allocations than this and the runs fail at this many values of k, spread evenly. */
#define MAX_RUNS 1000
/* Children at a time: the machines this runs on have two cores. */
#define PARALLEL 2
/* The child's exit status when LeakSanitizer found a leak (ASan's own errors exit 1). */
#define LEAKED 23

/* What a child saw of its own run, sent to the parent through a pipe. */
struct run_result {
	int status;                 /* what chapterN_run returned */
	uint64_t calls;             /* underlying allocations made, before and after the failure */
	int64_t live_blocks;        /* ms_live_blocks() after the run */
	struct ms_gauges all;       /* ms_stats().all after the run */
	int64_t misuse_count;       /* reports since the child started */
};

/* Room for a child's lesson and its stderr; more is cut. */
#define TEXT_SIZE 65536

/*
 * What the parent learnt of one child. Its lesson and stderr are kept in
 * the struct, not on the heap: a failing check leaves the test at once,
 * and a heap copy left behind would be inherited by the next child as a
 * leak.
 */
struct run {
	uint64_t k;                 /* the allocation made to fail (0: none) */
	pid_t pid;
	int result_fd;              /* the pipe the child writes its result to */
	FILE *lesson_file, *err_file;
	struct run_result result;
	bool got_result;            /* the child wrote a whole result */
	int wait_status;
	char lesson[TEXT_SIZE];
	char err[TEXT_SIZE];
};

/* Leaks are checked now rather than at exit, so the exit status can say so. */
static bool leaked_now(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __lsan_do_recoverable_leak_check() != 0;
#else
	return false;
#endif
}

/*
 * The child: run `chapter` with the k-th allocation failing (k = 0: none),
 * its lesson into `lesson`, chapter 4's deliberate leak freed; send what
 * it saw to `fd`, then exit LEAKED if LeakSanitizer finds a leak.
 */
static void child_run(const struct chapter *chapter, uint64_t k, FILE *lesson, int fd)
{
	struct run_result r = { 0 };
	const struct chapter_opts opts = { .data_dir = NULL, .free_leaks = true };
	int64_t misuse_before = ms_stats().misuse_count;
	ms_fault_fail_at(k);
	r.status = chapter->run(lesson, &opts);
	r.calls = ms_fault_calls();
	ms_fault_fail_at(0);
	fflush(lesson);
	struct ms_stats st = ms_stats();
	r.live_blocks = ms_live_blocks();
	r.all = st.all;
	r.misuse_count = st.misuse_count - misuse_before;
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(125);
	close(fd);
	_exit(leaked_now() ? LEAKED : 0);
}

/* `file` from its start into `text` (`size` bytes), cut to fit and NUL-terminated. */
static void read_into(FILE *file, char *text, size_t size)
{
	rewind(file);
	size_t got = fread(text, 1, size - 1, file);
	text[got] = '\0';
}

/* Start `chapter` failing at k in a forked child, its lesson and stderr going to files. */
static void start_run(const struct chapter *chapter, uint64_t k, struct run *run)
{
	int fds[2];
	run->k = k;
	run->lesson_file = tmpfile();
	run->err_file = tmpfile();
	assert_non_null(run->lesson_file);
	assert_non_null(run->err_file);
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	run->pid = fork();
	assert_true(run->pid >= 0);
	if (run->pid == 0) {
		/* cmocka's handlers would carry on with the next test in the child: a crash must kill it. */
		static const int crashes[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
		for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++)
			signal(crashes[i], SIG_DFL);
		close(fds[0]);
		if (!freopen("/dev/null", "w", stdout))
			_exit(124);
		dup2(fileno(run->err_file), STDERR_FILENO);
		child_run(chapter, k, run->lesson_file, fds[1]);
	}
	close(fds[1]);
	run->result_fd = fds[0];
}

/* Wait for the child of start_run and take in what it left. */
static void finish_run(struct run *run)
{
	ssize_t got = read(run->result_fd, &run->result, sizeof run->result);
	run->got_result = got == (ssize_t)sizeof run->result;
	close(run->result_fd);
	assert_int_equal(waitpid(run->pid, &run->wait_status, 0), run->pid);
	read_into(run->lesson_file, run->lesson, sizeof run->lesson);
	read_into(run->err_file, run->err, sizeof run->err);
	fclose(run->lesson_file);
	fclose(run->err_file);
}

/*
 * Whether two lessons are the same but for their "On this machine"
 * blocks (RSS, bookkeeping); if not, the first line that differs goes
 * into `line` (`size` bytes).
 */
static bool same_lesson(const char *a, const char *b, char *line, size_t size)
{
	char *x = golden_strip_machine_blocks(a), *y = golden_strip_machine_blocks(b);
	size_t at = 0;
	while (x[at] && x[at] == y[at])
		at++;
	bool same = x[at] == y[at];
	while (at > 0 && x[at - 1] != '\n')
		at--;
	snprintf(line, size, "expected \"%.*s\", got \"%.*s\"", (int)strcspn(x + at, "\n"),
		 x + at, (int)strcspn(y + at, "\n"), y + at);
	free(x);
	free(y);
	return same;
}

/* Lines of `text` that begin with `prefix`. */
static int64_t lines_starting(const char *text, const char *prefix)
{
	int64_t n = 0;
	for (const char *line = text; *line; line += strcspn(line, "\n"), line += *line == '\n')
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	return n;
}

/*
 * The checks on one run: `clean` is the run with nothing failing (NULL
 * while checking that one), k the allocation made to fail (0: none) of
 * the clean run's `count`.
 */
static void check_run(const struct chapter *chapter, uint64_t k, uint64_t count,
		      const struct run *clean, const struct run *run)
{
	const struct run_result *r = &run->result;
	char what[96];
	snprintf(what, sizeof what, "%s with allocation %" PRIu64 " of %" PRIu64 " failing",
		 chapter->name, k, count);
	if (WIFSIGNALED(run->wait_status))
		fail_msg("%s: killed by signal %d (%s); its stderr:\n%s", what,
			 WTERMSIG(run->wait_status), strsignal(WTERMSIG(run->wait_status)), run->err);
	int code = WEXITSTATUS(run->wait_status);
	if (code == LEAKED)
		fail_msg("%s: LeakSanitizer found a leak:\n%s", what, run->err);
	if (code != 0 || !run->got_result)
		fail_msg("%s: the child exited %d (a sanitizer error?); its stderr:\n%s", what, code,
			 run->err);

	/* Either it stops with its own error, or it prints the whole lesson. */
	bool one_failed = k > 0 && r->calls >= k;
	char chapter_prefix[32], line[512];
	snprintf(chapter_prefix, sizeof chapter_prefix, "%s: ", chapter->name);
	if (!one_failed && (r->status != 0 || run->err[0]))
		fail_msg("%s: nothing failed (%" PRIu64 " allocations), yet it returned %d and "
			 "said:\n%s", what, r->calls, r->status, run->err);
	if (r->status != 0 && lines_starting(run->err, chapter_prefix) == 0)
		fail_msg("%s: returned %d without a line \"%s...\" on stderr; it said:\n%s", what,
			 r->status, chapter_prefix, run->err);
	if (r->status == 0 && clean && !same_lesson(clean->lesson, run->lesson, line, sizeof line))
		fail_msg("%s: returned 0 with a lesson unlike the clean run's (%s); its stderr:\n%s",
			 what, line, run->err);

	if (r->live_blocks != 0 || r->all.blocks.current != 0)
		fail_msg("%s: %" PRId64 " blocks left live (%" PRId64 " counted); its stderr:\n%s",
			 what, r->live_blocks, r->all.blocks.current, run->err);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		if (r->all.bytes[n].current != 0)
			fail_msg("%s: %" PRId64 " %s bytes still counted", what,
				 r->all.bytes[n].current, ms_notion_name((enum ms_notion)n));
	assert_gauges_sane(&r->all);
	/* Every report reached stderr, but for those the chapter keeps off it on purpose. */
	int64_t reports = lines_starting(run->err, "memstats: ");
	int64_t kept = clean ? clean->result.misuse_count : r->misuse_count;
	if (r->misuse_count < reports || r->misuse_count > reports + kept)
		fail_msg("%s: misuse_count is %" PRId64 " for %" PRId64 " reports on stderr "
			 "(and %" PRId64 " the chapter keeps)", what, r->misuse_count, reports, kept);
}

/* The k of run `i` of `runs` over allocations 1..count: every one, or evenly spread. */
static uint64_t nth_k(uint64_t i, uint64_t runs, uint64_t count)
{
	return runs == count ? i + 1 : 1 + i * (count - 1) / (runs - 1);
}

static void check_chapter(const struct chapter *chapter)
{
	/* The clean run: it is what the failing runs count their allocations against. */
	static struct run clean, pool[PARALLEL];
	start_run(chapter, 0, &clean);
	finish_run(&clean);
	check_run(chapter, 0, 0, NULL, &clean);
	uint64_t count = clean.result.calls;
	assert_true(count > 0);

	/* PARALLEL children at a time; each is checked when its turn to start comes round again. */
	uint64_t runs = count < MAX_RUNS ? count : MAX_RUNS;
	uint64_t errors = 0, finished = 0;
	for (uint64_t i = 0; i < runs + PARALLEL; i++) {
		struct run *run = &pool[i % PARALLEL];
		if (i >= PARALLEL) {
			finish_run(run);
			check_run(chapter, run->k, count, &clean, run);
			errors += run->result.status != 0;
			finished += run->result.status == 0;
		}
		if (i < runs)
			start_run(chapter, nth_k(i, runs, count), run);
	}
	print_message("%s: %" PRIu64 " allocations; failing %" PRIu64 " of them in turn, "
		      "%" PRIu64 " runs stopped with an error, %" PRIu64 " printed the whole lesson\n",
		      chapter->name, count, runs, errors, finished);
}

/* One chapter under fault; the test's state is the chapter. */
static void test_chapter_under_fault(void **state)
{
	check_chapter(*state);
}

/* A table entry named after its chapter, which it takes as its state. */
#define CHAPTER_UNDER_FAULT(c) { #c, test_chapter_under_fault, NULL, NULL, (void *)&(c) }

int main(void)
{
	const struct CMUnitTest tests[] = {
		CHAPTER_UNDER_FAULT(chapter1),
		CHAPTER_UNDER_FAULT(chapter2),
		CHAPTER_UNDER_FAULT(chapter3),
		CHAPTER_UNDER_FAULT(chapter4),
		CHAPTER_UNDER_FAULT(chapter5),
		CHAPTER_UNDER_FAULT(chapter6),
	};
	/* chapter 6 runs ./census: its symbol cache goes to a directory of the run's own */
	return cmocka_run_group_tests_name("fault: chapters", tests, ms_test_symbol_cache_setup,
					   ms_test_symbol_cache_teardown);
}
