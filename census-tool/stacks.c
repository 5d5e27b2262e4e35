/* stacks.c: keeps each call stack census.so meets once, in a table of its own mapped outside malloc, so a block's header can name its whole stack by one key. */
#define _GNU_SOURCE
#include "stacks.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unwind.h>

/*
 * A stack as kept: its frames and how many. A key is the address of one
 * of these, which no code address can be, so stacks_frames tells the two
 * apart by looking the address up in the table's range.
 */
struct stack {
	uint64_t hash;
	int depth;
	const void *frames[CENSUS_MAX_FRAMES];
};

/* Open addressing; when full, sites fall back to the caller alone. */
#define TABLE_SLOTS (1u << 16)

static int depth = 1;
static struct stack *table;       /* TABLE_SLOTS, mapped at the first deep site */
static size_t kept;
static bool table_failed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The unwinder is libgcc's, called directly: census.so links libgcc_s, so
 * the loader maps it before the program runs. glibc's backtrace() would
 * dlopen it on first use instead, and dlopen allocates: census.so's own
 * calls would be counted as the program's.
 */
struct trace {
	void **frames;
	int count, cap;
};

static _Unwind_Reason_Code take_frame(struct _Unwind_Context *context, void *arg)
{
	struct trace *t = arg;
	if (t->count == t->cap)
		return _URC_END_OF_STACK;
	t->frames[t->count++] = (void *)_Unwind_GetIP(context);
	return _URC_NO_REASON;
}

static int unwind(void **frames, int cap)
{
	struct trace t = { frames, 0, cap };
	_Unwind_Backtrace(take_frame, &t);
	return t.count;
}

/* A fork child must not inherit the table's lock held by a thread it does not have. */
static void before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&lock);
}

void stacks_set_depth(int frames)
{
	depth = frames < 1 ? 1 : frames > CENSUS_MAX_FRAMES ? CENSUS_MAX_FRAMES : frames;
	if (depth > 1)
		pthread_atfork(before_fork, after_fork, after_fork);
}

static uint64_t hash_frames(const void *const *frames, int n)
{
	uint64_t h = 1469598103934665603u;   /* FNV-1a over the addresses */
	for (int i = 0; i < n; i++) {
		h ^= (uint64_t)(uintptr_t)frames[i];
		h *= 1099511628211u;
	}
	return h;
}

/* The kept stack equal to `frames`, kept now if new; NULL when the table is full or cannot be mapped. */
static const struct stack *keep(const void *const *frames, int n)
{
	uint64_t h = hash_frames(frames, n);
	const struct stack *found = NULL;
	pthread_mutex_lock(&lock);
	if (!table && !table_failed) {
		void *mapped = mmap(NULL, TABLE_SLOTS * sizeof *table, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		table = mapped == MAP_FAILED ? NULL : mapped;
		table_failed = !table;
	}
	for (size_t i = h % TABLE_SLOTS, probes = 0; table && probes < TABLE_SLOTS;
	     i = (i + 1) % TABLE_SLOTS, probes++) {
		struct stack *s = &table[i];
		if (s->depth == 0) {
			if (kept >= TABLE_SLOTS / 2)   /* keep probes short: at most half full */
				break;
			s->hash = h;
			s->depth = n;
			memcpy(s->frames, frames, (size_t)n * sizeof *frames);
			kept++;
			found = s;
			break;
		}
		if (s->hash == h && s->depth == n && !memcmp(s->frames, frames, (size_t)n * sizeof *frames)) {
			found = s;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return found;
}

const void *stacks_site(const void *caller)
{
	if (depth == 1)
		return caller;
	void *trace[CENSUS_MAX_FRAMES + 4];
	int n = unwind(trace, (int)(sizeof trace / sizeof *trace));
	/* the frames inside census.so come first: the stack starts at the caller's return address */
	for (int i = 0; i < n; i++) {
		if (trace[i] != caller)
			continue;
		int frames = n - i < depth ? n - i : depth;
		const struct stack *s = frames > 1 ? keep((const void *const *)&trace[i], frames) : NULL;
		return s ? (const void *)s : caller;
	}
	return caller;
}

int stacks_frames(const void *site, const void *frames[CENSUS_MAX_FRAMES])
{
	uintptr_t at = (uintptr_t)site, start = (uintptr_t)table;
	if (!table || at < start || at >= start + TABLE_SLOTS * sizeof *table)
		return 0;
	const struct stack *s = site;
	memcpy(frames, s->frames, (size_t)s->depth * sizeof *frames);
	return s->depth;
}
