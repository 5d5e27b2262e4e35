/* record.c: census.so's counts of one process beyond memstats' (calls, size classes, a time series, checkpoints), and the data file it writes for ./census as the process starts, at each checkpoint and at exit. */
#define _GNU_SOURCE
#include "record.h"
#include "stacks.h"
#include "memstats.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Counts of calls: a thread's, or several added up. */
struct counts {
	uint64_t allocs;            /* as valgrind counts them: a resize is one of each */
	uint64_t frees;
	uint64_t bytes;             /* requested by every allocation and resize */
	uint64_t class_blocks[CENSUS_CLASSES];
	uint64_t class_bytes[CENSUS_CLASSES];
};

/*
 * One thread's counts, in its own thread-local storage so the hot path
 * touches no shared line: added up under `lock` when a sample, a
 * checkpoint or the report needs them, and folded into `retired` as the
 * thread ends. Other threads read them while this one adds, so each is
 * atomic, written with a relaxed load and store (a plain add, no locked
 * instruction: only this thread writes it).
 */
struct thread_counts {
	_Atomic uint64_t allocs, frees, bytes;
	_Atomic uint64_t class_blocks[CENSUS_CLASSES];
	_Atomic uint64_t class_bytes[CENSUS_CLASSES];
	unsigned until_look;        /* events until this thread looks at the clock */
	bool listed;
	bool ended;                 /* its key destructor has run: what it counts now goes to `retired` */
	struct thread_counts *next;
	struct thread_counts *prev;
};

/* Add `n` to this thread's counter `c`. */
#define BUMP(c, n) \
	atomic_store_explicit(&(c), atomic_load_explicit(&(c), memory_order_relaxed) + (n), \
			      memory_order_relaxed)

/* How many events a thread counts between looks at the clock and the checkpoint flag. */
#define EVENTS_PER_LOOK 64

/* The time series: at most this many samples, thinned to every other when full. */
#define SERIES_MAX 512
#define FIRST_STEP_NS 1000000u   /* 1 ms between samples, doubling as the series thins */

struct sample {
	uint64_t ns;                /* since the process started */
	int64_t blocks;
	int64_t bytes;              /* requested, live */
};

static _Thread_local struct thread_counts mine;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;  /* everything below */
_Thread_local bool record_busy;
static struct thread_counts *listed;                      /* threads alive that counted */
static struct counts retired;                             /* the counts of threads that ended */
static pthread_key_t thread_end;
static bool have_thread_end;

static struct sample series[SERIES_MAX];
static size_t samples;
static uint64_t step_ns = FIRST_STEP_NS;
static _Atomic uint64_t next_sample_ns;
static uint64_t start_ns;

static int data_fd = -1;              /* the data file, or -1: no census asked for */
static char data_path[4096];          /* its name, to open it again if the program closes it */
static dev_t data_dev;                /* and its identity, to know it is still the one at data_fd */
static ino_t data_ino;
static pid_t owner;                   /* the process the file is of: a vfork child is not */
static ms_tracker *since_checkpoint;  /* checkpoints: what changed since the last */
static unsigned checkpoints;
/* Atomic: set by the signal handler (a lock-free store is safe there), read by every thread. */
static _Atomic int checkpoint_wanted;
/* A forked child that has not begun its file: the first thread to see it begins it. */
static _Atomic bool fork_pending;

/*
 * After the report is written the process may still allocate and free:
 * glibc and libraries unloaded after census.so clean up at exit. Those are
 * counted here and kept current in the file's last line, rewritten in
 * place at `after_at`.
 */
static _Atomic bool reported;
static _Atomic uint64_t after_allocs, after_frees;
static off_t after_at;

/* The first misuse memstats reported, kept for the report (the program's stderr stays its own). */
static char first_misuse[256];

/* Take `lock`, and mark this thread's mallocs census.so's own until release (record.h). */
static void hold(void)
{
	pthread_mutex_lock(&lock);
	record_busy = true;
}

static void release(void)
{
	record_busy = false;
	pthread_mutex_unlock(&lock);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Writing the data file: write(2) from a static buffer, since stdio    */
/* would allocate through the very functions being counted.            */
/* ------------------------------------------------------------------ */

static char out[8192];
static size_t out_used;

/*
 * `fd` moved to a high number, out of the way of the program's own
 * descriptors, which take the lowest free: a program whose stdout is
 * closed would otherwise write its output into the data file.
 */
static int out_of_the_way(int fd)
{
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	if (high < 0)
		return fd;
	close(fd);
	return high;
}

/*
 * data_fd is still the data file, or is made so again: a program may
 * close every descriptor it did not open, or close one and open a file of
 * its own on the same number, and the census must not write into it.
 */
static bool file_is_ours(void)
{
	struct stat st;
	if (data_fd >= 0 && fstat(data_fd, &st) == 0 && st.st_dev == data_dev && st.st_ino == data_ino)
		return true;
	int fd = open(data_path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		data_fd = -1;
		return false;
	}
	data_fd = out_of_the_way(fd);
	lseek(data_fd, 0, SEEK_END);
	return true;
}

static void out_flush(void)
{
	size_t done = 0;
	if (!out_used || !file_is_ours()) {
		out_used = 0;
		return;
	}
	while (done < out_used && data_fd >= 0) {
		ssize_t n = write(data_fd, out + done, out_used - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;   /* a full disk: the driver sees a file without its end line */
		done += (size_t)n;
	}
	out_used = 0;
}

__attribute__((format(printf, 1, 2))) static void put(const char *format, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, format);
	int n = vsnprintf(line, sizeof line, format, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (out_used + len > sizeof out)
		out_flush();
	memcpy(out + out_used, line, len);
	out_used += len;
}

/*
 * `prefix` and a name, as one line: spaces and controls in the name would
 * split it, so they go as %XX.
 */
static void put_name(const char *prefix, const char *name)
{
	char text[600];
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)name; *c && n + 4 < sizeof text; c++) {
		if (*c <= ' ' || *c == '%' || *c == 0x7f)
			n += (size_t)snprintf(text + n, sizeof text - n, "%%%02X", *c);
		else
			text[n++] = (char)*c;
	}
	text[n] = '\0';
	put("%s%s\n", prefix, text);
}

/* ------------------------------------------------------------------ */
/* Counting                                                            */
/* ------------------------------------------------------------------ */

#define READ(c) atomic_load_explicit(&(c), memory_order_relaxed)

static void add_counts(struct counts *sum, struct thread_counts *t)
{
	sum->allocs += READ(t->allocs);
	sum->frees += READ(t->frees);
	sum->bytes += READ(t->bytes);
	for (int c = 0; c < CENSUS_CLASSES; c++) {
		sum->class_blocks[c] += READ(t->class_blocks[c]);
		sum->class_bytes[c] += READ(t->class_bytes[c]);
	}
}

/* This thread's own counts back to 0 (added elsewhere first). */
static void zero_counts(struct thread_counts *t)
{
	atomic_store_explicit(&t->allocs, 0, memory_order_relaxed);
	atomic_store_explicit(&t->frees, 0, memory_order_relaxed);
	atomic_store_explicit(&t->bytes, 0, memory_order_relaxed);
	for (int c = 0; c < CENSUS_CLASSES; c++) {
		atomic_store_explicit(&t->class_blocks[c], 0, memory_order_relaxed);
		atomic_store_explicit(&t->class_bytes[c], 0, memory_order_relaxed);
	}
}

/* Every thread's counts, added up; `lock` held. */
static struct counts total_counts(void)
{
	struct counts sum = retired;
	for (struct thread_counts *t = listed; t; t = t->next)
		add_counts(&sum, t);
	return sum;
}

static void unlist(struct thread_counts *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		listed = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->listed = false;
}

/*
 * A thread ends: its counts go to `retired`, as its storage is about to.
 * glibc still frees after this (a thread's strerror buffer): the thread
 * is marked ended, so those events go to `retired` too and it is never
 * listed again; its stack, the counts in it, may already be a new
 * thread's.
 */
static void thread_ended(void *counts)
{
	struct thread_counts *t = counts;
	hold();
	if (t->listed) {
		add_counts(&retired, t);
		unlist(t);
		zero_counts(t);
	}
	t->ended = true;
	release();
}

/*
 * This thread's first event: list its counts, and have them folded in
 * when it ends; or, once it has ended, fold them in now.
 */
static void list_this_thread(void)
{
	if (mine.ended) {
		hold();
		add_counts(&retired, &mine);
		zero_counts(&mine);
		release();
		return;
	}
	mine.listed = true;   /* first, as pthread_setspecific may call malloc */
	hold();
	mine.prev = NULL;
	mine.next = listed;
	if (listed)
		listed->prev = &mine;
	listed = &mine;
	release();
	if (have_thread_end)
		pthread_setspecific(thread_end, &mine);
}

static int size_class(size_t size)
{
	int c = size ? 64 - __builtin_clzll((unsigned long long)size) : 0;
	return c < CENSUS_CLASSES ? c : CENSUS_CLASSES - 1;   /* no allocation of 2^48 bytes succeeds */
}

static void take_sample(uint64_t now);
static void take_checkpoint(void);
static void start_census(const char *how);

/* Every EVENTS_PER_LOOK events: a sample if one is due, a checkpoint if one was asked for. */
static void look_around(void)
{
	mine.until_look = EVENTS_PER_LOOK;
	/* a load first: the exchange is a locked instruction, and a fork child's file is rare */
	if (atomic_load_explicit(&fork_pending, memory_order_relaxed) &&
	    atomic_exchange(&fork_pending, false))
		start_census("fork");
	if (data_fd < 0 || atomic_load_explicit(&reported, memory_order_relaxed))
		return;
	uint64_t now = now_ns();
	if (now >= atomic_load_explicit(&next_sample_ns, memory_order_relaxed))
		take_sample(now);
	if (atomic_load_explicit(&checkpoint_wanted, memory_order_relaxed))
		take_checkpoint();
}

static inline void count_event(void)
{
	if (__builtin_expect(!mine.listed, 0))
		list_this_thread();
	if (__builtin_expect(mine.until_look-- == 0, 0))
		look_around();
}

/* After the report: count, and keep the file's last line current. */
static void count_after(_Atomic uint64_t *counter);

void record_alloc(const void *p, size_t size)
{
	if (!p)
		return;
	if (__builtin_expect(atomic_load_explicit(&reported, memory_order_relaxed), 0)) {
		count_after(&after_allocs);
		return;
	}
	int c = size_class(size);
	BUMP(mine.allocs, 1);
	BUMP(mine.bytes, size);
	BUMP(mine.class_blocks[c], 1);
	BUMP(mine.class_bytes[c], size);
	count_event();
}

void record_free(void)
{
	if (__builtin_expect(atomic_load_explicit(&reported, memory_order_relaxed), 0)) {
		count_after(&after_frees);
		return;
	}
	BUMP(mine.frees, 1);
	count_event();
}

void record_resize(const void *old, const void *p, size_t size)
{
	if (!old) {
		record_alloc(p, size);
	} else if (size == 0) {
		record_free();
	} else if (p) {
		record_free();
		record_alloc(p, size);
	}
}

/* ------------------------------------------------------------------ */
/* The time series and checkpoints                                     */
/* ------------------------------------------------------------------ */

/* `lock` held. */
static void append_sample(uint64_t now)
{
	struct ms_stats s = ms_stats();
	if (samples == SERIES_MAX) {
		for (size_t i = 0; i < SERIES_MAX / 2; i++)
			series[i] = series[2 * i];
		samples = SERIES_MAX / 2;
		step_ns *= 2;
	}
	series[samples++] = (struct sample){
		.ns = now - start_ns,
		.blocks = s.all.blocks.current,
		.bytes = s.all.bytes[MS_REQUESTED].current,
	};
	atomic_store_explicit(&next_sample_ns, now + step_ns, memory_order_relaxed);
}

static void take_sample(uint64_t now)
{
	hold();
	/* another thread may have taken it while this one waited */
	if (now >= atomic_load_explicit(&next_sample_ns, memory_order_relaxed))
		append_sample(now);
	release();
}

static void checkpoint_asked(int signal)
{
	(void)signal;
	atomic_store_explicit(&checkpoint_wanted, 1, memory_order_relaxed);
}

static void put_gauges(const char *kind, const char *name, const struct ms_gauges *g)
{
	put("%s %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, kind,
	    g->blocks.current, g->bytes[MS_REQUESTED].current, g->blocks.peak,
	    g->bytes[MS_REQUESTED].peak, g->blocks.total, g->bytes[MS_REQUESTED].total);
	put_name(" ", name);
}

/* The threads this process has now (/proc/self/status), or 0 if unknown. */
static long threads_now(void);
static ssize_t read_small_file(const char *path, char *buf, size_t cap);

/*
 * Live blocks by site and row, since the tracker's checkpoint. The walk
 * reads every live block's header, which another thread could free, and
 * glibc unmap, meanwhile: with other threads running it is not taken,
 * and the file says how many there were.
 */
static void put_sites(ms_tracker *t)
{
	long threads = threads_now();
	if (threads != 1) {
		put("sites-skipped %ld\n", threads > 0 ? threads : -1);   /* -1: not known */
		return;
	}
	ms_sites *sites = ms_tracker_sites(t);
	size_t n = ms_sites_count(sites);
	for (size_t i = 0; i < n; i++) {
		const struct ms_site_row *r = ms_sites_row(sites, i);
		put("site %" PRIxPTR " %" PRId64 " %" PRId64, (uintptr_t)r->return_address,
		    r->blocks, r->bytes[MS_REQUESTED]);
		put_name(" ", r->name);
		const void *frames[CENSUS_MAX_FRAMES];
		int depth = stacks_frames(r->return_address, frames);
		if (depth) {
			put("stack %d", depth);
			for (int f = 0; f < depth; f++)
				put(" %" PRIxPTR, (uintptr_t)frames[f]);
			put("\n");
		}
	}
	ms_sites_free(sites);
}

/*
 * A checkpoint: the rows' change since the last one (or the start), and
 * the blocks allocated since that are still live, by site. Walks the live
 * blocks (ms_tracker_sites), so it is taken by the thread that allocates
 * next, never in the signal handler.
 */
static void take_checkpoint(void)
{
	hold();
	if (since_checkpoint && atomic_exchange(&checkpoint_wanted, 0)) {
		uint64_t now = now_ns();
		append_sample(now);
		put("checkpoint %u %" PRIu64 "\n", ++checkpoints, now - start_ns);
		put_sites(since_checkpoint);
		ms_summary *diff = ms_tracker_diff(since_checkpoint);
		for (size_t i = 0; i < ms_summary_count(diff); i++) {
			const struct ms_summary_row *r = ms_summary_row(diff, i);
			put_gauges("change", r->name, &r->g);
		}
		ms_summary_free(diff);
		put("end-checkpoint\n");
		out_flush();
	}
	release();
}

/* ------------------------------------------------------------------ */
/* The data file: opened as the process starts, its report at exit     */
/* ------------------------------------------------------------------ */

static void quiet_misuse(const struct ms_misuse *m, void *context)
{
	(void)context;
	if (!first_misuse[0])
		snprintf(first_misuse, sizeof first_misuse, "%s", m->message);
}

/* A small file read whole into `buf` (NUL-terminated); its length, or -1. */
static ssize_t read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t used = 0;
	ssize_t n;
	while (used + 1 < cap && (n = read(fd, buf + used, cap - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	buf[used] = '\0';
	return (ssize_t)used;
}

static long threads_now(void)
{
	char status[4096];
	if (read_small_file("/proc/self/status", status, sizeof status) < 0)
		return 0;
	const char *at = strstr(status, "\nThreads:");
	return at ? strtol(at + strlen("\nThreads:"), NULL, 10) : 0;
}

/* Who this process is: pid, parent, program and arguments. */
static void put_identity(const char *how)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	path[n > 0 ? n : 0] = '\0';
	put("%s\n", CENSUS_FORMAT);
	put("pid %ld\nppid %ld\nstart %s %" PRIu64 "\n", (long)getpid(), (long)getppid(), how,
	    start_ns);
	put_name("exe ", path);
	/* the driver asks for checkpoints only of a process that says it can take them */
	struct sigaction now;
	if (sigaction(CENSUS_CHECKPOINT_SIGNAL, NULL, &now) == 0 && now.sa_handler == checkpoint_asked)
		put("checkpoint-signal\n");
	static char cmdline[8192];
	ssize_t len = read_small_file("/proc/self/cmdline", cmdline, sizeof cmdline);
	for (ssize_t at = 0; at < len; at += (ssize_t)strlen(cmdline + at) + 1)
		put_name("arg ", cmdline + at);
	out_flush();
}

/*
 * Open $CENSUS_DIR/<pid>.<image>.census, the first <image> not taken, on a
 * high descriptor (a program whose stdout is closed would otherwise have
 * its output land in it), and note its name and identity (file_is_ours).
 */
static int open_data_file(void)
{
	const char *dir = getenv(CENSUS_DIR_ENV);
	if (!dir || !*dir)
		return -1;
	for (int image = 0; image < 1000; image++) {
		snprintf(data_path, sizeof data_path, "%s/%ld.%d%s", dir, (long)getpid(), image,
			 CENSUS_FILE_SUFFIX);
		int fd = open(data_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -1;
		fd = out_of_the_way(fd);
		struct stat st;
		if (fstat(fd, &st) != 0) {
			close(fd);
			return -1;
		}
		data_dev = st.st_dev;
		data_ino = st.st_ino;
		owner = getpid();
		return fd;
	}
	return -1;
}

/* A hex number at *at, *at moved past it and the one separator after it. */
static unsigned long long hex_field(char **at)
{
	unsigned long long value = 0;
	for (char *c = *at;; c++) {
		int digit = *c >= '0' && *c <= '9' ? *c - '0'
			    : *c >= 'a' && *c <= 'f' ? *c - 'a' + 10 : -1;
		if (digit < 0) {
			*at = *c ? c + 1 : c;
			return value;
		}
		value = value << 4 | (unsigned)digit;
	}
}

/* *at moved past the next space (or to the line's end). */
static void skip_field(char **at)
{
	while (**at && **at != ' ')
		++*at;
	if (**at)
		++*at;
}

/*
 * The executable mappings, so the driver can name each site's address
 * from its file. Read by hand, not sscanf: sscanf was 200,000 of the
 * 470,000 instructions a census of true takes.
 */
static void put_maps(void)
{
	static char maps[1 << 20];
	if (read_small_file("/proc/self/maps", maps, sizeof maps) < 0)
		return;
	for (char *line = maps, *next; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = '\0', next + 1) : line + strlen(line);
		/* from-to perms offset dev inode   name */
		char *at = line;
		unsigned long long from = hex_field(&at), to = hex_field(&at);
		const char *perms = at;
		skip_field(&at);
		if (at - perms < 4 || perms[2] != 'x')
			continue;
		unsigned long long offset = hex_field(&at);
		skip_field(&at);   /* device */
		skip_field(&at);   /* inode */
		while (*at == ' ')
			at++;
		if (*at != '/')
			continue;
		put("map %llx %llx %llx", from, to, offset);
		put_name(" ", at);
	}
}

/* Every thread's counts of calls and size classes; `lock` held. */
static void put_counts(void)
{
	struct counts sum = total_counts();
	put("allocs %" PRIu64 "\nfrees %" PRIu64 "\nbytes %" PRIu64 "\n", sum.allocs, sum.frees,
	    sum.bytes);
	for (int c = 0; c < CENSUS_CLASSES; c++)
		if (sum.class_blocks[c])
			put("class %d %" PRIu64 " %" PRIu64 "\n", c, sum.class_blocks[c], sum.class_bytes[c]);
}

/* The state of memstats' counts: the whole, its rows, live blocks by site. */
static void put_memstats(ms_tracker *everything)
{
	struct ms_stats s = ms_stats();
	put_gauges("all", "all", &s.all);
	put("misuse %" PRId64 "\n", s.misuse_count);
	if (first_misuse[0])
		put_name("first-misuse ", first_misuse);
	ms_summary *rows = ms_summarize();
	for (size_t i = 0; i < ms_summary_count(rows); i++) {
		const struct ms_summary_row *r = ms_summary_row(rows, i);
		put_gauges("row", r->name, &r->g);
	}
	/*
	 * A summary lists only rows with live blocks; one whose blocks were
	 * all freed (cat -v's aligned buffers) is found by name, so the rows
	 * still add up to every allocation. The names are preload.c's rows.
	 */
	static const char *const row_names[] = { "malloc", "calloc", "realloc", "aligned" };
	for (size_t i = 0; i < sizeof row_names / sizeof *row_names; i++) {
		const struct ms_summary_row *r = ms_summary_find(rows, row_names[i]);
		if (r && !r->g.blocks.current && r->g.blocks.total)
			put_gauges("row", r->name, &r->g);
	}
	ms_summary_free(rows);
	put_sites(everything);
}

static ms_tracker *everything;   /* checkpoint at the start: its sites are every live block */

static void start_census(const char *how)
{
	data_fd = open_data_file();
	if (data_fd < 0)
		return;
	start_ns = now_ns();
	samples = 0;
	step_ns = FIRST_STEP_NS;
	append_sample(start_ns);
	put_identity(how);
}

/* The child of a fork: a process of its own, with its own file; its counts go on from its parent's. */
static void before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void after_fork_in_parent(void)
{
	pthread_mutex_unlock(&lock);
}

/*
 * memstats' own fork handlers may run after this one and still hold its
 * locks, so the child's file is begun at its first event (or its exit),
 * not here: a child that only execs leaves no file of its own.
 */
static atomic_flag reporting = ATOMIC_FLAG_INIT;   /* census_end has begun, in some thread */

static void after_fork_in_child(void)
{
	/*
	 * The child has only this thread. The others' counts stay in its
	 * totals, as valgrind's child keeps its parent's, but not their list
	 * entries: glibc hands their stacks, and the thread-local counts in
	 * them, to the child's new threads, which would list them again.
	 */
	for (struct thread_counts *t = listed, *next; t; t = next) {
		next = t->next;
		if (t != &mine)
			add_counts(&retired, t);
	}
	listed = mine.listed ? &mine : NULL;
	mine.prev = mine.next = NULL;
	pthread_mutex_unlock(&lock);
	if (data_fd < 0)
		return;
	close(data_fd);
	data_fd = -1;
	out_used = 0;
	atomic_flag_clear(&reporting);
	atomic_store(&fork_pending, true);
	mine.until_look = 0;
}

__extension__ __attribute__((constructor)) static void census_begin(void)
{
	ms_set_misuse_handler(quiet_misuse, NULL);
	/* blocks malloc made before census.so was bound, or under another name */
	ms_set_foreign_policy(MS_FOREIGN_PASS);
	have_thread_end = pthread_key_create(&thread_end, thread_ended) == 0;
	const char *frames = getenv(CENSUS_FRAMES_ENV);
	if (frames)
		stacks_set_depth(atoi(frames));
	pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
	const char *dir = getenv(CENSUS_DIR_ENV);
	if (!dir || !*dir)
		return;
	/* before the file says it can take them (put_identity) */
	struct sigaction asked = { .sa_handler = checkpoint_asked, .sa_flags = SA_RESTART };
	sigemptyset(&asked.sa_mask);
	sigaction(CENSUS_CHECKPOINT_SIGNAL, &asked, NULL);
	start_census("exec");
	if (data_fd < 0)
		return;
	everything = ms_tracker_new();
	since_checkpoint = ms_tracker_new();
}

/*
 * `counter` NULL: write the line as it stands. Only the process the file
 * is of writes it: a vfork child runs in its parent's memory, this flag
 * included, until it execs or exits.
 */
static void count_after(_Atomic uint64_t *counter)
{
	if (getpid() != owner)
		return;
	if (counter)
		atomic_fetch_add(counter, 1);
	char line[64];
	/* fixed width, so each rewrite covers the last */
	int n = snprintf(line, sizeof line, "after %20" PRIu64 " %20" PRIu64 "\n",
			 atomic_load(&after_allocs), atomic_load(&after_frees));
	if (n > 0 && file_is_ours() && pwrite(data_fd, line, (size_t)n, after_at) != n)
		return;   /* the report stands without it */
}

/*
 * The report: written once, by the process the file is of (a vfork
 * child's _exit runs in its parent's memory and must not write it), and
 * never by a call that interrupted it (a signal handler's _exit). When
 * `may_wait` is false (from _exit, which a signal handler may call while
 * this thread holds `lock`), a busy lock means no report.
 */
static void report(bool may_wait)
{
	if (owner != getpid() && atomic_exchange(&fork_pending, false))
		start_census("fork");
	if (data_fd < 0 || owner != getpid() || atomic_flag_test_and_set(&reporting))
		return;
	if (may_wait)
		hold();
	else if (pthread_mutex_trylock(&lock) == 0)
		record_busy = true;
	else
		return;
	if (atomic_load(&reported)) {
		release();
		return;
	}
	append_sample(now_ns());
	put_counts();
	put_memstats(everything);
	put_maps();
	for (size_t i = 0; i < samples; i++)
		put("sample %" PRIu64 " %" PRId64 " %" PRId64 "\n", series[i].ns, series[i].blocks,
		    series[i].bytes);
	put("end\n");
	out_flush();
	after_at = data_fd >= 0 ? lseek(data_fd, 0, SEEK_CUR) : 0;
	atomic_store(&reported, true);
	release();
	count_after(NULL);   /* the line, with nothing counted yet */
}

/*
 * The report as census.so is unloaded at exit: after the program's
 * atexit handlers and the destructors of the objects loaded after it.
 */
__extension__ __attribute__((destructor)) static void census_end(void)
{
	report(true);
}

/*
 * _exit and _Exit skip the destructors: the report is written first (dash
 * leaves by _exit), then the process ends as the C library's _exit ends
 * it, all its threads at once.
 */
void _exit(int status)
{
	report(false);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

void _Exit(int status)
{
	_exit(status);
}
