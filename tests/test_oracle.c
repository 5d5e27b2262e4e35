/* test_oracle.c: ./census --totals held to valgrind's and heaptrack's heap totals (the scripts in tests/oracle) for real programs run in environments made equal, process by process, and the programs' output under census held to their plain runs'. */
#define _GNU_SOURCE
#include "test_util.h"

#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Tests run from the top directory, where make test has built ./census
 * and census.so (the Makefile makes them order-only prerequisites of this
 * test) and the threaded workload.
 */
static const char census[] = "./census";
static const char census_object[] = "census.so";
static const char valgrind_totals[] = "tests/oracle/valgrind-totals.sh";
static const char heaptrack_totals[] = "tests/oracle/heaptrack-totals.sh";
static const char threads_program[] = "build/plain/tests/oracle/threads";
static const char python[] = "/usr/bin/python3";

/*
 * What heaptrack counts of its own in the process it traces: its
 * libstdc++'s emergency exception pool, one allocation never freed until
 * libstdc++ is unloaded (measured with heaptrack 1.4 on `true`).
 */
#define HEAPTRACK_OWN_BYTES 72704

/*
 * What a thread's start costs under census and not under valgrind:
 * census.so holds thread-local counts, so it is one more module with
 * thread-local storage, and glibc sizes each new thread's vector of
 * modules (its DTV, calloc'd by pthread_create) one 16-byte entry longer.
 * valgrind's preloaded objects have no thread-local storage. The program
 * really asks for those bytes; census counts them as valgrind would count
 * them for a program that loaded one more such library itself.
 */
#define DTV_ENTRY_BYTES 16

/*
 * cc1's own tables, whose number depends on where its pages are mapped.
 * GCC's garbage-collected heap (ggc-page.cc) maps pages with mmap and
 * finds a page's entry through a table indexed by address: per 4 GiB
 * region its pages fall in, a node of 2 + 256 pointers (xcalloc(1, 2064),
 * GGC_PAGE_NODE_BYTES), and per 16 MiB region a leaf of 4096 pointers
 * (xcalloc(4096, 8), GGC_PAGE_LEAF_BYTES); neither is ever freed. So cc1
 * makes one allocation more or fewer as its mappings straddle a 16 MiB or
 * 4 GiB line or not, which the address space decides: from run to run
 * under census (address-space randomisation), and differently under
 * valgrind, which places every mapping itself. `gcc -c -x c /dev/null`
 * measured cc1 at 3975, 3976 and 3977 allocations under census in runs
 * from the same shell, and 3976 (two leaves, one node, seen with
 * valgrind --trace-malloc=yes) under valgrind; the frees never differ.
 * Not an allocation census misses: ./census counts each of them.
 */
#define GGC_PAGE_LEAF_BYTES 32768
#define GGC_PAGE_NODE_BYTES 2064
#define GGC_PAGE_TABLES_APART 2   /* at most this many of each kind more or fewer */

#define MAX_PROCESSES 8
#define MAX_VARS 32

/* One line of --totals or of the oracle scripts: pid allocs frees bytes. */
struct totals {
	long pid;
	long long allocs;
	long long frees;
	long long bytes;
};

/* Every process of one run, in the order they started. */
struct family {
	int count;
	struct totals p[MAX_PROCESSES];
};

/* An environment: NAME=VALUE strings, NULL-terminated, each malloc'd. */
struct env {
	int count;
	char *vars[MAX_VARS + 1];
};

/* Scratch files of this test process: /tmp/ms-oracle-<pid>/<name>. */
static char scratch_dir[64];

static const char *scratch(char *path, size_t cap, const char *name)
{
	snprintf(path, cap, "%s/%s", scratch_dir, name);
	return path;
}

static void env_add(struct env *e, const char *name, const char *value)
{
	assert_true(e->count < MAX_VARS);
	assert_true(asprintf(&e->vars[e->count], "%s=%s", name, value) >= 0);
	e->vars[++e->count] = NULL;
}

static void env_free(struct env *e)
{
	for (int i = 0; i < e->count; i++)
		free(e->vars[i]);
	e->count = 0;
	e->vars[0] = NULL;
}

static bool on_path(const char *tool)
{
	char path[PATH_MAX];
	for (const char *dir = "/usr/bin", *next; dir; dir = next) {
		next = strcmp(dir, "/usr/bin") ? NULL : "/bin";
		snprintf(path, sizeof path, "%s/%s", dir, tool);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Run `argv` (argv[0] a path) in `env`, standard input from /dev/null,
 * output to the file `out` and errors to `err`; its exit status, or -1.
 */
static int spawn(const char *const argv[], const struct env *env, const char *out, const char *err)
{
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	int spawned = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv,
				  (char *const *)env->vars);
	posix_spawn_file_actions_destroy(&actions);
	assert_int_equal(spawned, 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `prefix` then `command`, as one argument vector (at most 24 words). */
static void join(const char **argv, const char *const prefix[], const char *const command[])
{
	int n = 0;
	for (int i = 0; prefix[i]; i++)
		argv[n++] = prefix[i];
	for (int i = 0; command[i]; i++)
		argv[n++] = command[i];
	assert_true(n < 24);
	argv[n] = NULL;
}

/* Read "pid allocs frees bytes" lines; a process without totals ("-") fails the test. */
static struct family read_family(const char *path, const char *tool)
{
	struct family f = { 0 };
	FILE *in = fopen(path, "r");
	assert_non_null(in);
	char line[256];
	while (fgets(line, sizeof line, in)) {
		assert_true(f.count < MAX_PROCESSES);
		struct totals *t = &f.p[f.count++];
		if (sscanf(line, "%ld %lld %lld %lld", &t->pid, &t->allocs, &t->frees, &t->bytes) != 4)
			fail_msg("%s: a process without totals: %s", tool, line);
	}
	fclose(in);
	return f;
}

static void print_family(const char *tool, const struct family *f)
{
	for (int i = 0; i < f->count; i++)
		printf("  %-9s process %d: %lld allocs, %lld frees, %lld bytes\n", tool, i,
		       f->p[i].allocs, f->p[i].frees, f->p[i].bytes);
}

static long file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

/* ------------------------------------------------------------------ */
/* Environments made equal                                             */
/* ------------------------------------------------------------------ */

/*
 * The programs get no environment of the caller's. Both runs start from
 * these variables; each tool then adds its own, and the runs are given
 * what the other tool adds, so every variable is in both and of the same
 * length. Lengths matter, values cannot all: programs that copy their
 * environment (the gcc driver, python's os.environ, git) allocate by its
 * length, and census.so's path is not valgrind's.
 */
static struct env base_env(void)
{
	struct env e = { 0 };
	char top[PATH_MAX];
	assert_non_null(getcwd(top, sizeof top));
	env_add(&e, "PATH", "/usr/bin:/bin");
	env_add(&e, "LC_ALL", "C");
	env_add(&e, "TZ", "UTC");
	env_add(&e, "HOME", "/nonexistent");
	env_add(&e, "PYTHONHASHSEED", "0");   /* python's dicts the same in every run */
	/* valgrind's wrapper is a shell script, and the shell exports PWD */
	env_add(&e, "PWD", top);
	return e;
}

/* `count` colons: an LD_PRELOAD list of that many empty entries, which the loader skips. */
static char *colons(int count)
{
	assert_true(count >= 1 && count < 4096);
	char *s = malloc((size_t)count + 1);
	assert_non_null(s);
	memset(s, ':', (size_t)count);
	s[count] = '\0';
	return s;
}

/* The two environments, and the oracle's own check that they match. */
struct envs {
	struct env census;     /* given to ./census, which adds CENSUS_DIR and LD_PRELOAD */
	struct env valgrind;   /* given to valgrind-totals.sh */
	struct env plain;      /* a plain run's, for output compared with census's */
};

/* NAME=VALUE lines of /usr/bin/env's output, as name and value length, sorted. */
static int env_shape(const char *path, char shape[][80], int cap)
{
	FILE *in = fopen(path, "r");
	assert_non_null(in);
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof line, in)) {
		char *eq = strchr(line, '=');
		assert_non_null(eq);
		assert_true(n < cap);
		snprintf(shape[n++], 80, "%.*s %zu", (int)(eq - line), line, strcspn(eq + 1, "\n"));
	}
	fclose(in);
	qsort(shape, (size_t)n, sizeof shape[0], (int (*)(const void *, const void *))strcmp);
	return n;
}

/*
 * What valgrind adds, learnt by running /usr/bin/env under it: Debian's
 * wrapper sets LD_LIBRARY_PATH=/usr/lib/debug, GLIBCPP_FORCE_NEW and
 * GLIBCXX_FORCE_NEW (and its shell PWD, in the base already), and
 * valgrind puts its two preloaded objects in front of LD_PRELOAD. The
 * census run gets the same; the valgrind run gets CENSUS_DIR, as long as
 * the one census makes (/tmp/census.XXXXXX). Then LD_PRELOAD is padded
 * with empty entries on both sides to one length.
 */
static struct envs make_envs(void)
{
	struct envs e = { base_env(), base_env(), base_env() };
	env_add(&e.valgrind, "CENSUS_DIR", "/tmp/census.oracle");
	char out[PATH_MAX], err[PATH_MAX];
	scratch(out, sizeof out, "env.valgrind");
	scratch(err, sizeof err, "env.valgrind.err");
	const char *probe[] = { "/bin/sh", valgrind_totals, "--", "/usr/bin/env", NULL };
	assert_int_equal(spawn(probe, &e.valgrind, out, err), 0);

	/* The program's output is on the script's standard error. */
	FILE *in = fopen(err, "r");
	assert_non_null(in);
	char line[4096];
	size_t valgrind_preload = 0;
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (!strcmp(line, "LD_PRELOAD")) {
			valgrind_preload = strlen(eq + 1);
			continue;
		}
		bool known = false;
		for (int i = 0; i < e.valgrind.count; i++)
			known |= !strncmp(e.valgrind.vars[i], line, strlen(line)) &&
				 e.valgrind.vars[i][strlen(line)] == '=';
		if (!known)
			env_add(&e.census, line, eq + 1);
	}
	fclose(in);
	assert_true(valgrind_preload > 0);

	/*
	 * census: "<top>/census.so" + " " + LD_PRELOAD; valgrind: its two
	 * objects + ":" + LD_PRELOAD. Each gets at least one colon.
	 */
	char top[PATH_MAX];
	assert_non_null(getcwd(top, sizeof top));
	size_t object = strlen(top) + 1 + strlen(census_object);
	size_t target = (object > valgrind_preload ? object : valgrind_preload) + 2;
	char *pad = colons((int)(target - object - 1));
	env_add(&e.census, "LD_PRELOAD", pad);
	free(pad);
	pad = colons((int)(target - valgrind_preload - 1));
	env_add(&e.valgrind, "LD_PRELOAD", pad);
	free(pad);
	/* a plain run: census's, without the padding */
	env_free(&e.plain);
	for (int i = 0; i < e.census.count; i++) {
		char *eq = strchr(e.census.vars[i], '=');
		if (strncmp(e.census.vars[i], "LD_PRELOAD=", 11)) {
			*eq = '\0';
			env_add(&e.plain, e.census.vars[i], eq + 1);
			*eq = '=';
		}
	}

	/* The check: a program sees the same names, each value of the same length. */
	char census_out[PATH_MAX];
	scratch(census_out, sizeof census_out, "env.census");
	scratch(err, sizeof err, "env.census.err");
	const char *run[] = { census, "--totals", "-o", "/dev/null", "--", "/usr/bin/env", NULL };
	assert_int_equal(spawn(run, &e.census, census_out, err), 0);
	const char *again[] = { "/bin/sh", valgrind_totals, "--", "/usr/bin/env", NULL };
	scratch(err, sizeof err, "env.valgrind.err");
	assert_int_equal(spawn(again, &e.valgrind, out, err), 0);
	static char seen_census[MAX_VARS][80], seen_valgrind[MAX_VARS][80];
	int n = env_shape(census_out, seen_census, MAX_VARS);
	int m = env_shape(err, seen_valgrind, MAX_VARS);
	bool same = n == m;
	for (int i = 0; same && i < n; i++)
		same = !strcmp(seen_census[i], seen_valgrind[i]);
	if (!same) {
		printf("  a program's environment, name and length of value:\n");
		for (int i = 0; i < n || i < m; i++)
			printf("    census: %-32s valgrind: %s\n", i < n ? seen_census[i] : "",
			       i < m ? seen_valgrind[i] : "");
		fail_msg("census and valgrind give a program environments of different shape");
	}
	return e;
}

static void free_envs(struct envs *e)
{
	env_free(&e->census);
	env_free(&e->valgrind);
	env_free(&e->plain);
}

/* ------------------------------------------------------------------ */
/* Running a command under each tool                                   */
/* ------------------------------------------------------------------ */

/* `command` under ./census --totals; its standard output kept in scratch file `stdout_name`. */
static struct family under_census(const char *const command[], const struct envs *e,
				  const char *stdout_name)
{
	char totals[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
	scratch(totals, sizeof totals, "census.totals");
	scratch(out, sizeof out, stdout_name);
	scratch(err, sizeof err, "census.err");
	const char *prefix[] = { census, "--totals", "-o", totals, "--", NULL };
	const char *argv[24];
	join(argv, prefix, command);
	int status = spawn(argv, &e->census, out, err);
	if (status != 0)
		fail_msg("%s under census exited with %d (its errors: %s)", command[0], status, err);
	return read_family(totals, "census");
}

static struct family under_valgrind(const char *const command[], const struct envs *e)
{
	char totals[PATH_MAX], err[PATH_MAX];
	scratch(totals, sizeof totals, "valgrind.totals");
	scratch(err, sizeof err, "valgrind.err");
	const char *prefix[] = { "/bin/sh", valgrind_totals, "--", NULL };
	const char *argv[24];
	join(argv, prefix, command);
	int status = spawn(argv, &e->valgrind, totals, err);
	if (status != 0)
		fail_msg("%s under valgrind exited with %d (its output: %s)", command[0], status, err);
	return read_family(totals, "valgrind");
}

/* The command run plainly, its output in scratch file `name`; its exit status. */
static int plain_run(const char *const command[], const struct envs *e, const char *name)
{
	char out[PATH_MAX], err[PATH_MAX], path[PATH_MAX];
	scratch(out, sizeof out, name);
	scratch(err, sizeof err, "plain.err");
	const char *argv[24];
	const char *none[] = { NULL };
	/* posix_spawn takes a path: the command's name found on the base PATH */
	snprintf(path, sizeof path, "%s%s", command[0][0] == '/' || command[0][0] == '.' ? "" : "/usr/bin/",
		 command[0]);
	join(argv, none, command);
	argv[0] = path;
	return spawn(argv, &e->plain, out, err);
}

/* Invariants of any family of processes, before any exact value. */
static void assert_sane(const struct family *f, int processes, const char *tool)
{
	if (f->count != processes)
		fail_msg("%s counted %d processes, not %d", tool, f->count, processes);
	for (int i = 0; i < f->count; i++) {
		assert_i64_gt(f->p[i].allocs, 0);
		assert_i64_le(f->p[i].frees, f->p[i].allocs);
		assert_i64_ge(f->p[i].bytes, 0);
	}
}

/* Process `i` the same in both: allocations, frees and bytes (less `extra_bytes` under census). */
static void assert_same_process(const struct family *c, const struct family *v, int i,
				long long extra_bytes)
{
	assert_i64_equal(c->p[i].allocs, v->p[i].allocs);
	assert_i64_equal(c->p[i].frees, v->p[i].frees);
	assert_i64_equal(c->p[i].bytes - extra_bytes, v->p[i].bytes);
}

/* One command's totals under each tool. */
struct compared {
	struct family census;
	struct family valgrind;
};

/* `command` under both tools, in their environments: `processes` processes each, each sane. */
static struct compared compare(const char *const command[], const struct envs *e, int processes,
			       const char *stdout_name)
{
	struct compared r;
	r.census = under_census(command, e, stdout_name);
	r.valgrind = under_valgrind(command, e);
	printf("  %s:\n", command[0]);
	print_family("census", &r.census);
	print_family("valgrind", &r.valgrind);
	assert_sane(&r.census, processes, "census");
	assert_sane(&r.valgrind, processes, "valgrind");
	return r;
}

/* Skip, saying why, unless valgrind can be run. */
static void need_valgrind(void)
{
	if (!on_path("valgrind")) {
		printf("skipped: valgrind is not installed (make deps installs it)\n");
		skip();
	}
}

/* Census and its object are built: a missing one fails (make test builds both). */
static void need_census(void)
{
	if (access(census, X_OK) != 0 || access(census_object, R_OK) != 0)
		fail_msg("no ./census or census.so: make census builds them");
}

/* The census run's standard output is the plain run's, byte for byte. */
static void assert_output_unchanged(const char *const command[], const struct envs *e,
				    const char *census_stdout)
{
	assert_int_equal(plain_run(command, e, "plain.out"), 0);
	char a[PATH_MAX], b[PATH_MAX];
	scratch(a, sizeof a, "plain.out");
	scratch(b, sizeof b, census_stdout);
	assert_i64_gt(file_size(a), 0);
	if (!ms_test_same_file(a, b))
		fail_msg("%s printed something else under census than run plainly", command[0]);
}

/*
 * heaptrack's totals of the first process, less its own pool, are census's.
 * It traces only the process it starts, and bytes of ls and sort do not
 * hang on the environment (neither copies it), so it gets the plain one.
 */
static void assert_heaptrack_agrees(const char *const command[], const struct envs *e,
				    const struct family *c)
{
	if (!on_path("heaptrack") || !on_path("heaptrack_print") || !on_path("zstd")) {
		printf("  heaptrack is not installed (make deps installs it): its comparison skipped\n");
		return;
	}
	char totals[PATH_MAX], err[PATH_MAX];
	scratch(totals, sizeof totals, "heaptrack.totals");
	scratch(err, sizeof err, "heaptrack.err");
	const char *prefix[] = { "/bin/sh", heaptrack_totals, "--", NULL };
	const char *argv[24];
	join(argv, prefix, command);
	assert_int_equal(spawn(argv, &e->plain, totals, err), 0);
	struct family h = read_family(totals, "heaptrack");
	print_family("heaptrack", &h);
	assert_int_equal(h.count, 1);
	assert_i64_equal(c->p[0].allocs, h.p[0].allocs - 1);
	assert_i64_equal(c->p[0].frees, h.p[0].frees - 1);
	assert_i64_equal(c->p[0].bytes, h.p[0].bytes - HEAPTRACK_OWN_BYTES);
}

/* ------------------------------------------------------------------ */
/* The programs                                                        */
/* ------------------------------------------------------------------ */

static struct envs envs;

static int group_setup(void **state)
{
	(void)state;
	snprintf(scratch_dir, sizeof scratch_dir, "/tmp/ms-oracle-%ld", (long)getpid());
	if (mkdir(scratch_dir, 0700) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free_envs(&envs);
	char command[128];
	snprintf(command, sizeof command, "rm -rf '%s'", scratch_dir);
	return system(command) == 0 ? 0 : -1;
}

/* The first test to need them makes the environments (one valgrind run each way). */
static const struct envs *environments(void)
{
	need_census();
	need_valgrind();
	if (!envs.census.count)
		envs = make_envs();
	return &envs;
}

/* ls and sort copy no environment: every figure must be the same, bytes too. */
static void test_ls(void **state)
{
	(void)state;
	const struct envs *e = environments();
	const char *const command[] = { "ls", "-l", "/usr/share", NULL };
	struct compared r = compare(command, e, 1, "ls.out");
	assert_same_process(&r.census, &r.valgrind, 0, 0);
	assert_output_unchanged(command, e, "ls.out");
	assert_heaptrack_agrees(command, e, &r.census);
}

static void test_sort(void **state)
{
	(void)state;
	const struct envs *e = environments();
	char input[PATH_MAX];
	scratch(input, sizeof input, "lines.txt");
	FILE *f = fopen(input, "w");
	assert_non_null(f);
	uint64_t seed = 10000;
	for (int i = 0; i < 10000; i++)
		fprintf(f, "%" PRIu64 " line %d\n", ms_test_splitmix64(&seed) % 1000000, i);
	assert_int_equal(fclose(f), 0);
	const char *const command[] = { "sort", input, NULL };
	struct compared r = compare(command, e, 1, "sort.out");
	assert_same_process(&r.census, &r.valgrind, 0, 0);
	assert_output_unchanged(command, e, "sort.out");
	assert_heaptrack_agrees(command, e, &r.census);
}

/*
 * python copies its environment into os.environ: its bytes are the same
 * only because every variable is of the same length in both runs.
 */
static void test_python(void **state)
{
	(void)state;
	if (access(python, X_OK) != 0) {
		printf("skipped: no %s\n", python);
		skip();
	}
	const struct envs *e = environments();
	const char *const command[] = {
		python, "-c",
		"import json; print(len(json.dumps({str(i): [i] * (i % 7) for i in range(5000)})))",
		NULL
	};
	struct compared r = compare(command, e, 1, "python.out");
	assert_same_process(&r.census, &r.valgrind, 0, 0);
}

/*
 * cc1's page tables (GGC_PAGE_*): census's count of cc1 may be that many
 * allocations away from valgrind's, and its bytes exactly that many
 * tables' away; its frees are the same.
 */
static void assert_ggc_page_tables(const struct totals *c, const struct totals *v)
{
	assert_i64_equal(c->frees, v->frees);
	long long allocs = c->allocs - v->allocs, bytes = c->bytes - v->bytes;
	for (int leaves = -GGC_PAGE_TABLES_APART; leaves <= GGC_PAGE_TABLES_APART; leaves++)
		for (int nodes = -GGC_PAGE_TABLES_APART; nodes <= GGC_PAGE_TABLES_APART; nodes++)
			if (leaves + nodes == allocs &&
			    (long long)leaves * GGC_PAGE_LEAF_BYTES +
					    (long long)nodes * GGC_PAGE_NODE_BYTES == bytes) {
				printf("  cc1: census counted %+d page-table leaves and %+d nodes\n", leaves,
				       nodes);
				return;
			}
	fail_msg("cc1: census is %lld allocations and %lld bytes from valgrind, not page tables",
		 allocs, bytes);
}

/*
 * gcc -c is three processes: the driver, cc1, as. The driver copies its
 * environment (it puts COLLECT_GCC and its options there for cc1 and as),
 * so its bytes hang on the lengths made equal; cc1's count hangs on its
 * address space (GGC_PAGE_*); as's on nothing but its input.
 */
static void test_gcc(void **state)
{
	(void)state;
	const struct envs *e = environments();
	char source[PATH_MAX], object[PATH_MAX];
	scratch(source, sizeof source, "small.c");
	scratch(object, sizeof object, "small.o");
	FILE *f = fopen(source, "w");
	assert_non_null(f);
	fprintf(f, "int twice(int x)\n{\n\treturn 2 * x;\n}\n");
	assert_int_equal(fclose(f), 0);
	const char *const command[] = { "gcc", "-c", source, "-o", object, NULL };
	struct compared r = compare(command, e, 3, "gcc.out");
	assert_same_process(&r.census, &r.valgrind, 0, 0);
	assert_ggc_page_tables(&r.census.p[1], &r.valgrind.p[1]);
	assert_same_process(&r.census, &r.valgrind, 2, 0);
}

/* git log in this repository: git reads its environment, so its bytes, like python's. */
static void test_git_log(void **state)
{
	(void)state;
	const struct envs *e = environments();
	const char *const command[] = { "git", "log", "-n", "50", NULL };
	if (access(".git", F_OK) != 0 || plain_run(command, e, "plain.out") != 0) {
		printf("skipped: not a git checkout, or git cannot read it\n");
		skip();
	}
	struct compared r = compare(command, e, 1, "git.out");
	assert_same_process(&r.census, &r.valgrind, 0, 0);
	assert_output_unchanged(command, e, "git.out");
}

/*
 * Four threads at once: census counts in each thread's own storage and
 * adds up as threads end, so a lost or doubled count shows here. What the
 * program itself called (it prints it) is a floor under both tools'.
 */
static void test_threads(void **state)
{
	(void)state;
	const struct envs *e = environments();
	if (access(threads_program, X_OK) != 0)
		fail_msg("no %s: make %s builds it", threads_program, threads_program);
	const char *const command[] = { threads_program, NULL };
	struct compared r = compare(command, e, 1, "threads.out");
	char out[PATH_MAX];
	FILE *f = fopen(scratch(out, sizeof out, "threads.out"), "r");
	assert_non_null(f);
	long long allocs, frees, bytes;
	assert_int_equal(fscanf(f, "%lld %lld %lld", &allocs, &frees, &bytes), 3);
	fclose(f);
	assert_i64_ge(r.census.p[0].allocs, allocs);
	assert_i64_ge(r.census.p[0].frees, frees);
	assert_i64_ge(r.census.p[0].bytes, bytes);
	assert_same_process(&r.census, &r.valgrind, 0, 4 * DTV_ENTRY_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ls),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_python),
		cmocka_unit_test(test_gcc),
		cmocka_unit_test(test_git_log),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
