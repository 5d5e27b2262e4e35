/* census.c: ./census -- PROGRAM ARGS: runs a program with census.so preloaded, every process it starts too, and prints each one's census when it is done. */
#define _GNU_SOURCE
#include "data.h"
#include "report.h"
#include "symbols.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What census.so reads (census-tool/record.h keeps the same names; this part does not include it). */
#define CENSUS_DIR_ENV "CENSUS_DIR"
#define CHECKPOINT_SIGNAL SIGUSR2
#define CENSUS_FRAMES_ENV "CENSUS_FRAMES"
#define TOP_SITES 10
#define MAX_FRAMES 8   /* census-tool/stacks.h's CENSUS_MAX_FRAMES */

struct options {
	const char *output;          /* -o FILE; NULL: standard error */
	const char *data_dir;        /* --data DIR */
	double interval;             /* --interval SECONDS; 0: none */
	int top;                     /* --top N */
	int frames;                  /* --frames N: a site's stack depth */
	bool totals;                 /* --totals: a line per process, as tests/oracle's scripts print */
	bool records;                /* --records: every figure a line, for a program to read */
	char **command;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: census [-o FILE] [--data DIR] [--interval SECONDS] [--top N]\n"
		"              [--frames N] [--totals] [--records] -- PROGRAM [ARGS...]\n"
		"Runs PROGRAM with census.so preloaded and prints, for it and every process it\n"
		"starts, its heap: calls, live blocks by function, call site and size, peak.\n"
		"  -o FILE              the report to FILE (default: standard error)\n"
		"  --data DIR           live bytes over time, DIR/census.dat (plots/census.gp)\n"
		"  --interval SECONDS   a checkpoint every SECONDS: what changed since the last\n"
		"  --top N              call sites shown in each table (default %d)\n"
		"  --frames N           a site is the stack N frames deep (1-%d; default 1, the\n"
		"                       caller alone: each deeper site costs an unwind)\n"
		"  --totals             only \"pid allocs frees bytes\" a line per process, in the\n"
		"                       order they started, as valgrind would count them\n"
		"  --records            the census as records, a figure a line, for a program\n"
		"                       to read (chapter 6 does); see print_records in census.c\n",
		TOP_SITES, MAX_FRAMES);
}

/* Parse the command line: 0, 1 for --help, or 2 (message printed) for anything wrong. */
static int parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .top = TOP_SITES, .frames = 1 };
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
		if (!strcmp(argv[i], "--totals")) {
			o->totals = true;
			continue;
		}
		if (!strcmp(argv[i], "--records")) {
			o->records = true;
			continue;
		}
		if (!value || !strcmp(value, "--")) {
			fprintf(stderr, "census: %s: unknown, or needs a value\n", argv[i]);
			return 2;
		}
		if (!strcmp(argv[i], "-o")) {
			o->output = value;
		} else if (!strcmp(argv[i], "--data")) {
			o->data_dir = value;
		} else if (!strcmp(argv[i], "--interval")) {
			errno = 0;
			o->interval = strtod(value, &end);
			if (errno || *end || !(o->interval > 0 && o->interval < 1e6)) {
				fprintf(stderr, "census: --interval %s: want seconds, more than 0\n", value);
				return 2;
			}
		} else if (!strcmp(argv[i], "--top")) {
			errno = 0;
			long top = strtol(value, &end, 10);
			if (errno || *end || top < 0 || top > INT_MAX) {
				fprintf(stderr, "census: --top %s: want a count, 0 or more\n", value);
				return 2;
			}
			o->top = (int)top;
		} else if (!strcmp(argv[i], "--frames")) {
			errno = 0;
			long frames = strtol(value, &end, 10);
			if (errno || *end || frames < 1 || frames > MAX_FRAMES) {
				fprintf(stderr, "census: --frames %s: want 1 to %d\n", value, MAX_FRAMES);
				return 2;
			}
			o->frames = (int)frames;
		} else {
			fprintf(stderr, "census: %s: unknown option\n", argv[i]);
			return 2;
		}
		i++;
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "census: no program to run: census [OPTIONS] -- PROGRAM [ARGS...]\n");
		return 2;
	}
	o->command = argv + i + 1;
	return 0;
}

/* census.so, beside this program. */
static int find_object(char *path, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", path, cap - 1);
	if (n <= 0)
		return -1;
	path[n] = '\0';
	char *slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) + sizeof "/census.so" > cap)
		return -1;
	strcpy(slash, "/census.so");
	return access(path, R_OK);
}

/*
 * `name` as execvp finds it, into `path`: itself when it holds a '/', else
 * the first executable file of that name along $PATH. 0, or -1.
 */
static int find_program(const char *name, char *path, size_t cap)
{
	if (strchr(name, '/'))
		return snprintf(path, cap, "%s", name) < (int)cap ? 0 : -1;
	const char *dirs = getenv("PATH");
	if (!dirs)
		dirs = "/bin:/usr/bin";   /* confstr(_CS_PATH), as execvp takes it */
	for (const char *dir = dirs;; dir++) {
		size_t len = strcspn(dir, ":");
		/* an empty entry is the current directory */
		int n = len ? snprintf(path, cap, "%.*s/%s", (int)len, dir, name)
			    : snprintf(path, cap, "%s", name);
		if (n > 0 && (size_t)n < cap && access(path, X_OK) == 0)
			return 0;
		dir += len;
		if (!*dir)
			return -1;
	}
}

/*
 * Start the program with census.so first in LD_PRELOAD, so its malloc is
 * the one bound: its pid, or -1 with why said and *exit_status set (127:
 * no such program). posix_spawnp, not fork and exec: a fork copies the
 * driver's page tables for a child that only execs, about 2 ms of a
 * census of `true` here. So what the child once set itself is set here
 * first: the variables census.so reads in this process's own environment
 * (which the driver reads no more; setenv leaves them where the child's
 * setenv did, so the program's environment is as long and in the same
 * order as before), and the signals in `defaults` (those the driver
 * ignores that census was not started with ignored) back to their
 * default in the child.
 */
static pid_t start_program(char **command, const char *object, const char *dir, int frames,
			   const sigset_t *defaults, int *exit_status)
{
	extern char **environ;
	const char *before = getenv("LD_PRELOAD");
	size_t len = strlen(object) + (before ? strlen(before) + 1 : 0) + 1;
	char *preload = malloc(len);
	*exit_status = 127;
	if (!preload || setenv(CENSUS_DIR_ENV, dir, 1) < 0) {
		free(preload);
		perror("census");
		return -1;
	}
	snprintf(preload, len, "%s%s%s", object, before ? " " : "", before ? before : "");
	int set = setenv("LD_PRELOAD", preload, 1);
	free(preload);
	/* only when asked: the program's environment stays as small as census can keep it */
	if (set == 0 && frames > 1) {
		char depth[16];
		snprintf(depth, sizeof depth, "%d", frames);
		set = setenv(CENSUS_FRAMES_ENV, depth, 1);
	}
	posix_spawnattr_t attr;
	if (set != 0 || posix_spawnattr_init(&attr) != 0) {
		perror("census");
		return -1;
	}
	posix_spawnattr_setsigdefault(&attr, defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	pid_t child = -1;
	int why = posix_spawnp(&child, command[0], NULL, &attr, command, environ);
	/*
	 * A file the kernel cannot run (a script with no #! line) execvp
	 * hands to /bin/sh, as the shell would; posix_spawnp does not.
	 */
	char path[4096];
	if (why == ENOEXEC && find_program(command[0], path, sizeof path) == 0) {
		size_t count = 0;
		while (command[count])
			count++;
		char **argv = calloc(count + 2, sizeof *argv);
		why = ENOMEM;
		if (argv) {
			argv[0] = "/bin/sh";
			argv[1] = path;
			memcpy(argv + 2, command + 1, count * sizeof *argv);   /* the NULL too */
			why = posix_spawn(&child, argv[0], NULL, &attr, argv, environ);
			free(argv);
		}
	}
	posix_spawnattr_destroy(&attr);
	if (why != 0) {
		fprintf(stderr, "census: cannot run %s: %s\n", command[0], strerror(why));
		*exit_status = why == ENOENT ? 127 : 126;
		return -1;
	}
	return child;
}

/* The data files in `dir`: names in `*names` (caller frees), their count, or -1. */
static int list_data(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int count = 0;
	*names = NULL;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len < 8 || strcmp(e->d_name + len - 7, ".census"))
			continue;
		char **grown = realloc(*names, (size_t)(count + 1) * sizeof **names);
		if (!grown)
			break;
		*names = grown;
		if (asprintf(&grown[count], "%s/%s", dir, e->d_name) < 0)
			break;
		count++;
	}
	closedir(d);
	return count;
}

static void free_names(char **names, int count)
{
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* The pid and image of a data file's name (<pid>.<image>.census): false if it has none. */
static bool name_ids(const char *path, long *pid, int *image)
{
	const char *base = strrchr(path, '/');
	return sscanf(base ? base + 1 : path, "%ld.%d", pid, image) == 2;
}

/* True if /proc says `pid` runs `exe` now. */
static bool runs(long pid, const char *exe)
{
	char link[64], now[4096];
	snprintf(link, sizeof link, "/proc/%ld/exe", pid);
	ssize_t n = readlink(link, now, sizeof now - 1);
	if (n <= 0 || !exe)
		return false;
	now[n] = '\0';
	return !strcmp(now, exe);
}

/*
 * Whether process `pid` catches the checkpoint signal now (SigCgt in
 * /proc/PID/status): a program may have set it back to its default since
 * it started (a shell's `trap - USR2`), and then the signal would end it.
 */
static bool catches_checkpoints(long pid)
{
	char path[64], status[8192];
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(status, 1, sizeof status - 1, f);
	fclose(f);
	status[n] = '\0';
	const char *at = strstr(status, "\nSigCgt:");
	if (!at)
		return false;
	unsigned long long caught = strtoull(at + strlen("\nSigCgt:"), NULL, 16);
	return caught >> (CHECKPOINT_SIGNAL - 1) & 1;
}

/*
 * A checkpoint asked of every process still running that can take one:
 * only the newest image of a pid (an older one's program was replaced
 * by exec), only if its file says census.so's handler is in place and
 * has no report yet, only while /proc still names its program (it may
 * have run exec into one without census.so since: env -i clears
 * LD_PRELOAD) and only while it still catches the signal: its default
 * action would end the process.
 */
static void ask_for_checkpoints(const char *dir)
{
	char **names;
	int count = list_data(dir, &names);
	for (int i = 0; i < count; i++) {
		long pid, other_pid;
		int image, other_image;
		bool newest = name_ids(names[i], &pid, &image);
		for (int j = 0; newest && j < count; j++)
			if (name_ids(names[j], &other_pid, &other_image) && other_pid == pid && other_image > image)
				newest = false;
		struct census_process p;
		char why[256];
		if (newest && census_data_read(names[i], &p, why, sizeof why) == 0) {
			if (p.pid == pid && p.takes_checkpoints && !p.ended && runs(pid, p.exe) &&
			    catches_checkpoints(pid))
				kill((pid_t)pid, CHECKPOINT_SIGNAL);
			census_data_free(&p);
		}
	}
	free_names(names, count);
}

/* Wait for the child, asking for a checkpoint every `interval` seconds if asked to. */
static int wait_for(pid_t child, double interval, const char *dir)
{
	int status;
	if (interval <= 0) {
		while (waitpid(child, &status, 0) < 0)
			if (errno != EINTR)
				return -1;
		return status;
	}
	struct timespec step = { (time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9) };
	struct timespec tick = { 0, 10000000 };   /* look for the child's end every 10 ms */
	struct timespec waited = { 0, 0 };
	for (;;) {
		pid_t done = waitpid(child, &status, WNOHANG);
		if (done == child)
			return status;
		if (done < 0 && errno != EINTR)
			return -1;
		nanosleep(&tick, NULL);
		waited.tv_nsec += tick.tv_nsec;
		if (waited.tv_nsec >= 1000000000) {
			waited.tv_sec++;
			waited.tv_nsec -= 1000000000;
		}
		if (waited.tv_sec > step.tv_sec || (waited.tv_sec == step.tv_sec && waited.tv_nsec >= step.tv_nsec)) {
			ask_for_checkpoints(dir);
			waited = (struct timespec){ 0, 0 };
		}
	}
}

static int by_start(const void *a, const void *b)
{
	const struct census_process *x = a, *y = b;
	if (x->started_ns != y->started_ns)
		return x->started_ns < y->started_ns ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Live bytes over time, one gnuplot data block per process, to DIR/census.dat. */
static int write_series(const char *dir, const struct census_process *ps, int count)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/census.dat", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	/* one clock for the whole family: ms since the first process started */
	uint64_t first = count ? ps[0].started_ns : 0;
	fprintf(f, "# live blocks and requested bytes over time, by process: ms blocks bytes\n");
	bool first_block = true;
	for (int i = 0; i < count; i++) {
		if (ps[i].replaced || !ps[i].sample_count)
			continue;
		/* two blank lines part gnuplot's blocks; none after the last, which would be an empty one */
		if (!first_block)
			fprintf(f, "\n\n");
		first_block = false;
		fprintf(f, "\"pid %ld %s\"\n", ps[i].pid, ps[i].arg_count ? ps[i].args[0] : "?");
		for (size_t s = 0; s < ps[i].sample_count; s++)
			fprintf(f, "%.3f %lld %lld\n",
				(double)(ps[i].started_ns - first + ps[i].samples[s].ns) / 1e6,
				(long long)ps[i].samples[s].blocks, (long long)ps[i].samples[s].bytes);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* `text` as one word of a record: "-" if empty, each space or control an '_'. */
static void put_word(FILE *out, const char *text)
{
	if (!*text)
		fputc('-', out);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		fputc(*c <= ' ' || *c == 0x7f ? '_' : *c, out);
}

/*
 * A process's census as records, one figure a line, for a program to
 * read rather than a person (chapter 6 reads them):
 *   process PID ENDED            ENDED 1 when the report at exit is there
 *   calls ALLOCS FREES BYTES     as valgrind counts them
 *   live BLOCKS BYTES            at exit, requested bytes
 *   peak BLOCKS BYTES
 *   class C BLOCKS BYTES         requests of size class C (0; 2^(C-1) to 2^C - 1)
 *   site BLOCKS BYTES ROW LINE OBJECT FUNCTION SOURCE
 *                                live at exit, by return address; LINE 0
 *                                and "-" where the file does not say
 *   sample NS BLOCKS BYTES       live over time, ns since the start
 *   after ALLOCS FREES           counted after the report, as it ended
 *   end
 */
static void print_records(FILE *out, const struct census_process *p, census_symbols *symbols)
{
	fprintf(out, "process %ld %d\n", p->pid, p->ended);
	if (p->ended) {
		fprintf(out, "calls %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", p->allocs, p->frees,
			p->bytes);
		fprintf(out, "live %" PRId64 " %" PRId64 "\npeak %" PRId64 " %" PRId64 "\n",
			p->all.blocks.current, p->all.bytes.current, p->all.blocks.peak,
			p->all.bytes.peak);
	}
	for (int c = 0; p->ended && c < CENSUS_DATA_CLASSES; c++)
		if (p->class_blocks[c])
			fprintf(out, "class %d %" PRIu64 " %" PRIu64 "\n", c, p->class_blocks[c],
				p->class_bytes[c]);
	for (size_t i = 0; p->ended && i < p->site_count; i++) {
		const struct census_site *s = &p->sites[i];
		const struct census_map *m = census_data_map_of(p, s->address);
		struct census_place place = { .line = 0 };
		if (m)
			census_symbols_find(symbols, m->path, s->address - m->from + m->offset, &place);
		fprintf(out, "site %" PRId64 " %" PRId64 " ", s->blocks, s->bytes);
		put_word(out, s->row);
		fprintf(out, " %d ", place.line);
		put_word(out, place.object);
		fputc(' ', out);
		put_word(out, place.function);
		fputc(' ', out);
		put_word(out, place.source);
		fputc('\n', out);
	}
	for (size_t i = 0; i < p->sample_count; i++)
		fprintf(out, "sample %" PRIu64 " %" PRId64 " %" PRId64 "\n", p->samples[i].ns,
			p->samples[i].blocks, p->samples[i].bytes);
	if (p->ended)
		fprintf(out, "after %" PRIu64 " %" PRIu64 "\n", p->after_allocs, p->after_frees);
	fprintf(out, "end\n");
}

/* Read, report and remove every data file in `dir`: 0, or -1 (message printed). */
static int report_all(const char *dir, const struct options *o, pid_t child, int status, FILE *out)
{
	char **names;
	int count = list_data(dir, &names);
	struct census_process *ps = calloc(count > 0 ? (size_t)count : 1, sizeof *ps);
	int result = count < 0 || !ps ? -1 : 0;
	int read = 0, unreadable = 0;
	for (int i = 0; i < count && ps; i++) {
		char why[512];
		if (census_data_read(names[i], &ps[read], why, sizeof why) < 0) {
			fprintf(stderr, "census: %s\n", why);
			census_data_free(&ps[read]);
			unreadable++;
			result = -1;
		} else {
			read++;
		}
		unlink(names[i]);
	}
	free_names(names, count);
	if (ps)
		qsort(ps, (size_t)read, sizeof *ps, by_start);
	census_data_link(ps, (size_t)read);
	/* the child's status is its last program's: exec keeps the pid, each program an image */
	int last_image = 0;
	for (int i = 0; i < read; i++)
		if (ps[i].pid == child && ps[i].image > last_image)
			last_image = ps[i].image;
	census_symbols *symbols = census_symbols_new();
	int forked_replaced = 0, replaced = 0, shown = 0;
	for (int i = 0; i < read; i++) {
		/* an image exec replaced left nothing to report; the program it became reports */
		if (ps[i].replaced) {
			if (ps[i].forked)
				forked_replaced++;
			else
				replaced++;
			continue;
		}
		struct census_report_opts ro = {
			.top = o->top,
			.exit_status = ps[i].pid == child && ps[i].image == last_image ? status : -1,
		};
		if (o->records) {
			print_records(out, &ps[i], symbols);
			continue;
		}
		if (o->totals) {
			if (ps[i].ended)
				fprintf(out, "%ld %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", ps[i].pid, ps[i].allocs,
					ps[i].frees, ps[i].bytes);
			else
				fprintf(out, "%ld - - -\n", ps[i].pid);
			continue;
		}
		if (shown++)
			fputc('\n', out);
		if (census_report_print(out, &ps[i], symbols, &ro) < 0) {
			fprintf(stderr, "census: cannot write the report: %s\n", strerror(errno));
			result = -1;
			break;
		}
	}
	/* files that were there but could not be read are no sign of a static program */
	if (!read && unreadable == 1)
		fprintf(out, "census: the data file left could not be read\n");
	else if (!read && unreadable)
		fprintf(out, "census: the %d data files left could not be read\n", unreadable);
	else if (!read)
		fprintf(out, "census: no process left a census\n"
			"(a static program, or one that clears LD_PRELOAD)\n");
	if (forked_replaced && !o->totals && !o->records)
		fprintf(out, "\n%d %s exec before %s could report (what %s allocated\n"
			"between fork and exec is not counted; valgrind does not count it either).\n",
			forked_replaced, forked_replaced == 1 ? "fork child ran" : "fork children ran",
			forked_replaced == 1 ? "it" : "they", forked_replaced == 1 ? "it" : "they");
	if (replaced && !o->totals && !o->records)
		fprintf(out, "\n%d %s exec before %s could report (what %s allocated\n"
			"before exec is not counted; the %s it became %s).\n",
			replaced, replaced == 1 ? "program ran" : "programs ran", replaced == 1 ? "it" : "they",
			replaced == 1 ? "it" : "they", replaced == 1 ? "program" : "programs",
			replaced == 1 ? "reports" : "report");
	if (o->data_dir && write_series(o->data_dir, ps, read) < 0) {
		fprintf(stderr, "census: cannot write %s/census.dat: %s\n", o->data_dir, strerror(errno));
		result = -1;
	}
	census_symbols_free(symbols);
	for (int i = 0; i < read; i++)
		census_data_free(&ps[i]);
	free(ps);
	return result;
}

int main(int argc, char **argv)
{
	struct options o;
	int parsed = parse(argc, argv, &o);
	if (parsed) {
		usage(parsed == 1 ? stdout : stderr);
		return parsed == 1 ? (fflush(stdout) || ferror(stdout) ? 1 : 0) : 2;
	}
	char object[4096];
	if (find_object(object, sizeof object) < 0) {
		fprintf(stderr, "census: census.so is not beside ./census (make census builds both)\n");
		return 1;
	}
	/* where the user keeps temporary files, as mktemp(1) looks for it */
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s/census.XXXXXX", tmp && *tmp ? tmp : "/tmp") >= (int)sizeof dir) {
		fprintf(stderr, "census: TMPDIR is too long\n");
		return 1;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "census: cannot make a directory for the data: %s\n", strerror(errno));
		return 1;
	}
	/* close-on-exec: with census's standard output closed it would be the program's */
	FILE *out = o.output ? fopen(o.output, "we") : stderr;
	if (!out) {
		fprintf(stderr, "census: cannot write %s: %s\n", o.output, strerror(errno));
		rmdir(dir);
		return 1;
	}
	/*
	 * A checkpoint asked of the program's whole family must not end the
	 * driver; and as system() does, a ^C the terminal sends the program
	 * ends it, and the census reports. The program gets each back as
	 * census found it: one ignored from the start (nohup, a shell's &)
	 * stays ignored, the rest go back to their default.
	 */
	static const int held[] = { CHECKPOINT_SIGNAL, SIGINT, SIGQUIT };
	sigset_t defaults;
	sigemptyset(&defaults);
	for (size_t i = 0; i < sizeof held / sizeof *held; i++) {
		struct sigaction ignore = { .sa_handler = SIG_IGN }, found;
		sigemptyset(&ignore.sa_mask);
		if (sigaction(held[i], &ignore, &found) < 0 || found.sa_handler != SIG_IGN)
			sigaddset(&defaults, held[i]);
	}
	int status;
	pid_t child = start_program(o.command, object, dir, o.frames, &defaults, &status);
	if (child > 0)
		status = wait_for(child, o.interval, dir);
	/* a program that never ran has no census: start_program said why */
	int reported = child > 0 ? report_all(dir, &o, child, status, out) : 0;
	rmdir(dir);
	if (o.output && fclose(out) != 0) {
		fprintf(stderr, "census: cannot write %s: %s\n", o.output, strerror(errno));
		reported = -1;
	}
	if (child < 0)
		return status;
	if (status < 0 || reported < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
