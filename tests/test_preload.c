/* test_preload.c: programs run under census.so, build/preload's library in an LD_PRELOAD object, which must count them without calling itself back, on glibc's malloc and on others preloaded after it. */
#define _GNU_SOURCE
#include "test_util.h"

#include "data.h"
#include "golden.h"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Built by make before this test (an order-only prerequisite); tests run from the top directory. */
static const char preload_object[] = "census.so";
static const char dlsym_allocates[] = "build/preload/tests/preload/dlsym_allocates.so";

/* Allocators a census may stand on, preloaded after the object where installed. */
static const char jemalloc[] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
static const char mimalloc[] = "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2";
static const char tcmalloc[] = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";

/* What census.so's data file says at exit. */
struct tp_report {
	long long blocks;      /* blocks memstats counted */
	long long misuse;      /* calls it reported */
	/*
	 * Allocations census.so counted that memstats did not: those memstats
	 * served from its own arena while it looked its allocator up, which
	 * is where a call into the object from inside it lands.
	 */
	long long reentered;
	long long aligned;     /* allocations through posix_memalign and its kin: the "aligned" row */
};

struct tp_run {
	int status;            /* the program's exit status, or -1 */
	char out[64];          /* the file holding its standard output */
	bool reported;         /* census.so wrote its report, in one data file */
	struct tp_report report;
};

/* A scratch file's name, made from `what` and this process's id. */
static void scratch(char *name, size_t cap, const char *what)
{
	snprintf(name, cap, "/tmp/ms-test-preload-%ld-%s", (long)getpid(), what);
}

/* The report in the one data file census.so left in `dir`, which is emptied and removed. */
static bool read_report(const char *dir, struct tp_report *report)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int files = 0;
	bool ended = false;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[512], why[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct census_process p;
		if (census_data_read(path, &p, why, sizeof why) < 0)
			fail_msg("%s", why);
		files++;
		ended = p.ended;
		*report = (struct tp_report){
			.blocks = p.all.blocks.total,
			.misuse = p.misuse,
			.reentered = (long long)p.allocs - p.all.blocks.total,
		};
		for (size_t i = 0; i < p.row_count; i++)
			if (!strcmp(p.rows[i].name, "aligned"))
				report->aligned = p.rows[i].blocks.total;
		census_data_free(&p);
		unlink(path);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	return files == 1 && ended;
}

/*
 * Run `argv` with standard input from `in` (or /dev/null), output to a
 * scratch file `what`, and, when `preload` names objects, LD_PRELOAD set
 * to them, census.so's data file written to a fresh directory and its
 * report read back.
 */
static struct tp_run run(const char *const argv[], const char *in, const char *preload,
			 const char *what)
{
	struct tp_run r = { .status = -1 };
	char dir[64], env_preload[512], env_dir[96];
	scratch(r.out, sizeof r.out, what);
	scratch(dir, sizeof dir, "census");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(env_preload, sizeof env_preload, "LD_PRELOAD=%s", preload ? preload : "");
	snprintf(env_dir, sizeof env_dir, "CENSUS_DIR=%s", dir);
	char *envp[] = { env_preload, env_dir, "LC_ALL=C", NULL };

	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, in ? in : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, r.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	int spawned = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv,
				  preload ? envp : envp + 1);
	posix_spawn_file_actions_destroy(&actions);
	assert_int_equal(spawned, 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r.reported = read_report(dir, &r.report);
	return r;
}

/*
 * The object's whole path (a name without a slash would be looked for
 * among the libraries), and `allocator` (if any) after it, installed:
 * else the test is skipped, saying why.
 */
static const char *preload_list(char *list, size_t cap, const char *allocator)
{
	struct stat st;
	char object[4096];
	assert_non_null(realpath(preload_object, object));
	if (allocator && stat(allocator, &st) != 0) {
		printf("skipped: %s is not installed\n", allocator);
		return NULL;
	}
	snprintf(list, cap, "%s%s%s", object, allocator ? ":" : "", allocator ? allocator : "");
	return list;
}

/*
 * `argv` run plainly and under the object (with `allocator` after it):
 * the same status and output, nothing reported as misuse (the object
 * passes blocks memstats did not make on), and the object's report.
 */
static struct tp_report run_both(const char *const argv[], const char *in, const char *allocator)
{
	char list[4608];
	const char *preload = preload_list(list, sizeof list, allocator);
	if (!preload)
		skip();
	struct tp_run plain = run(argv, in, NULL, "plain");
	struct tp_run counted = run(argv, in, preload, "counted");
	assert_int_equal(plain.status, 0);
	assert_int_equal(counted.status, 0);
	assert_true(counted.reported);
	assert_true(ms_test_same_file(plain.out, counted.out));
	unlink(plain.out);
	unlink(counted.out);
	assert_i64_equal(counted.report.misuse, 0);
	return counted.report;
}

/* A program that allocates nothing, and one that allocates a few thousand blocks. */
static void test_true_and_ls(void **state)
{
	(void)state;
	const char *const truth[] = { "/bin/true", NULL };
	assert_i64_equal(run_both(truth, NULL, NULL).reentered, 0);
	const char *const ls[] = { "/bin/ls", "-la", "/usr/bin", NULL };
	struct tp_report r = run_both(ls, NULL, NULL);
	assert_i64_gt(r.blocks, 1000);
	assert_i64_equal(r.reentered, 0);
}

/* Lines for sort: enough that GNU sort sorts them in two threads, in memory. */
static void write_lines(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	uint64_t x = 88172645463325252u;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fprintf(f, "%016llx %d\n", (unsigned long long)x, i);
	}
	assert_int_equal(fclose(f), 0);
}

/*
 * On glibc's malloc and on each other allocator installed, preloaded
 * after the object: sort, which sorts in two threads, and cat -v, whose
 * buffers are page-aligned (aligned_alloc; plain cat copies a file to a
 * file with copy_file_range, no buffer).
 */
static void programs_on(const char *allocator)
{
	char in[64];
	scratch(in, sizeof in, "lines");
	write_lines(in);
	const char *const sort[] = { "/usr/bin/sort", "--parallel=2", NULL };
	struct tp_report r = run_both(sort, in, allocator);
	assert_i64_gt(r.blocks, 0);
	assert_i64_equal(r.reentered, 0);
	const char *const cat[] = { "/bin/cat", "-v", in, NULL };
	r = run_both(cat, NULL, allocator);
	unlink(in);
	assert_i64_gt(r.aligned, 0);
	assert_i64_equal(r.reentered, 0);
}

static void test_programs_on_glibc(void **state)
{
	(void)state;
	programs_on(NULL);
}

static void test_programs_on_jemalloc(void **state)
{
	(void)state;
	programs_on(jemalloc);
}

static void test_programs_on_mimalloc(void **state)
{
	(void)state;
	programs_on(mimalloc);
}

static void test_programs_on_tcmalloc(void **state)
{
	(void)state;
	programs_on(tcmalloc);
}

/*
 * A dlsym that allocates, preloaded after the object: memstats looks its
 * next allocator up with dlsym, and the malloc and free coming back from
 * inside it are served from its arena, uncounted by memstats (census.so
 * still counts the calls, so they are what its count has over memstats').
 */
static void test_dlsym_that_allocates(void **state)
{
	(void)state;
	const char *const ls[] = { "/bin/ls", "-la", "/usr/bin", NULL };
	struct tp_report r = run_both(ls, NULL, dlsym_allocates);
	assert_i64_gt(r.reentered, 0);      /* dlsym's malloc and free, from inside memstats */
	assert_i64_gt(r.blocks, 1000);
}

/* A figure of a /proc/PID/status text in kB ("VmPeak:"); fails the test if it is missing. */
static long long status_kb(const char *status, const char *name)
{
	const char *at = strstr(status, name);
	if (!at)
		fail_msg("no %s in:\n%s", name, status);
	return strtoll(at + strlen(name), NULL, 10);
}

/*
 * memstats' probe of malloc costs nothing a census would see: no large
 * block mapped and given back, which the peak virtual size keeps. cat
 * reads its own status under census.so, long after its first malloc
 * (where memstats probes), since census's data holds no virtual sizes.
 */
static void test_no_probe_shows_in_peak(void **state)
{
	(void)state;
	char list[4608];
	const char *const cat[] = { "/bin/cat", "/proc/self/status", NULL };
	struct tp_run r = run(cat, NULL, preload_list(list, sizeof list, NULL), "peak");
	char *status = golden_read_file(r.out);
	unlink(r.out);
	assert_non_null(status);
	assert_int_equal(r.status, 0);
	assert_true(r.reported);
	assert_i64_gt(r.report.blocks, 0);
	assert_i64_lt(status_kb(status, "VmPeak:") - status_kb(status, "VmSize:"), 16 * 1024);
	free(status);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_true_and_ls),
		cmocka_unit_test(test_programs_on_glibc),
		cmocka_unit_test(test_programs_on_jemalloc),
		cmocka_unit_test(test_programs_on_mimalloc),
		cmocka_unit_test(test_programs_on_tcmalloc),
		cmocka_unit_test(test_dlsym_that_allocates),
		cmocka_unit_test(test_no_probe_shows_in_peak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
