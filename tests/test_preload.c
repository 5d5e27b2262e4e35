/* test_preload.c: programs run under a small LD_PRELOAD object on build/preload's library (tests/preload/interpose.c), which must count them without calling itself back, on glibc's malloc and on others preloaded after it. */
#define _GNU_SOURCE
#include "test_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Built by make before this test (an order-only prerequisite); tests run from the top directory. */
static const char preload_object[] = "build/preload/tests/preload/interpose.so";
static const char dlsym_allocates[] = "build/preload/tests/preload/dlsym_allocates.so";

/* Allocators a census may stand on, preloaded after the object where installed. */
static const char jemalloc[] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
static const char mimalloc[] = "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2";
static const char tcmalloc[] = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";

/* What the object wrote at exit. */
struct tp_report {
	long long blocks;      /* blocks memstats counted */
	long long misuse;      /* calls it reported */
	long long reentered;   /* calls into the object from inside it */
	long long vm_peak_kb;
	long long vm_size_kb;
	long long footprint_of_1;   /* a 1-byte block's, at exit */
	long long aligned;          /* allocations through posix_memalign and its kin */
};

struct tp_run {
	int status;            /* the program's exit status, or -1 */
	char out[64];          /* the file holding its standard output */
	bool reported;         /* the object wrote its report */
	struct tp_report report;
};

/* A scratch file's name, made from `what` and this process's id. */
static void scratch(char *name, size_t cap, const char *what)
{
	snprintf(name, cap, "/tmp/ms-test-preload-%ld-%s", (long)getpid(), what);
}

/*
 * Run `argv` with standard input from `in` (or /dev/null), output to a
 * scratch file `what`, and, when `preload` names objects, LD_PRELOAD set
 * to them and the report read back.
 */
static struct tp_run run(const char *const argv[], const char *in, const char *preload,
			 const char *what)
{
	struct tp_run r = { .status = -1 };
	char report[64], env_preload[512], env_report[96];
	scratch(r.out, sizeof r.out, what);
	scratch(report, sizeof report, "report");
	unlink(report);
	snprintf(env_preload, sizeof env_preload, "LD_PRELOAD=%s", preload ? preload : "");
	snprintf(env_report, sizeof env_report, "MS_PRELOAD_REPORT=%s", report);
	char *envp[] = { env_preload, env_report, "LC_ALL=C", NULL };

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
	FILE *f = preload ? fopen(report, "r") : NULL;
	if (!f)      /* no report: the program did not get to exit */
		return r;
	r.reported = fscanf(f,
			    "blocks %lld misuse %lld reentered %lld vm_peak_kb %lld vm_size_kb %lld "
			    "footprint_of_1 %lld aligned %lld",
			    &r.report.blocks, &r.report.misuse, &r.report.reentered,
			    &r.report.vm_peak_kb, &r.report.vm_size_kb, &r.report.footprint_of_1,
			    &r.report.aligned) == 7;
	fclose(f);
	unlink(report);
	return r;
}

/* The two files hold the same bytes. */
static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
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

/* The object is there, and `allocator` (if any) installed: else the test is skipped, saying why. */
static const char *preload_list(char *list, size_t cap, const char *allocator)
{
	struct stat st;
	assert_int_equal(stat(preload_object, &st), 0);
	if (allocator && stat(allocator, &st) != 0) {
		printf("skipped: %s is not installed\n", allocator);
		return NULL;
	}
	snprintf(list, cap, "%s%s%s", preload_object, allocator ? ":" : "", allocator ? allocator : "");
	return list;
}

/*
 * `argv` run plainly and under the object (with `allocator` after it):
 * the same status and output, nothing reported as misuse (the object
 * passes blocks memstats did not make on), and the object's report.
 */
static struct tp_report run_both(const char *const argv[], const char *in, const char *allocator)
{
	char list[512];
	const char *preload = preload_list(list, sizeof list, allocator);
	if (!preload)
		skip();
	struct tp_run plain = run(argv, in, NULL, "plain");
	struct tp_run counted = run(argv, in, preload, "counted");
	assert_int_equal(plain.status, 0);
	assert_int_equal(counted.status, 0);
	assert_true(counted.reported);
	assert_true(same_file(plain.out, counted.out));
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
	assert_i64_equal(r.footprint_of_1, 32);
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
 * inside it are served from its arena, uncounted. It measures malloc
 * afterwards, on the allocator: a 1-byte block has glibc's 32-byte footprint.
 */
static void test_dlsym_that_allocates(void **state)
{
	(void)state;
	const char *const ls[] = { "/bin/ls", "-la", "/usr/bin", NULL };
	struct tp_report r = run_both(ls, NULL, dlsym_allocates);
	assert_i64_gt(r.reentered, 0);      /* dlsym's malloc and free, from inside memstats */
	assert_i64_gt(r.blocks, 1000);
	assert_i64_equal(r.footprint_of_1, 32);
}

/*
 * memstats' probe of malloc costs nothing a census would see: no large
 * block mapped and given back, which the peak virtual size keeps.
 */
static void test_no_probe_shows_in_peak(void **state)
{
	(void)state;
	char list[512];
	const char *const ls[] = { "/bin/ls", "/", NULL };
	struct tp_run r = run(ls, NULL, preload_list(list, sizeof list, NULL), "peak");
	unlink(r.out);
	assert_int_equal(r.status, 0);
	assert_true(r.reported);
	assert_i64_gt(r.report.blocks, 0);
	assert_i64_lt(r.report.vm_peak_kb - r.report.vm_size_kb, 16 * 1024);
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
