/* gauges.c: per-thread counters of blocks and bytes, summed when someone asks. */
#include "gauges.h"
#include "bookkeeping.h"
#include "fork.h"
#include "types.h"

#include <pthread.h>
#include <string.h>

/*
 * Each thread that allocates gets a state: a gauge row for the whole
 * program, one per row of the type table (in chunks made on demand), and
 * its own sequence numbers. States are never freed: when a thread ends,
 * its state is marked free and the next new thread takes it over, counts
 * and all, so the sums stay right without folding anything.
 */
_Thread_local struct ms_thread *ms_thread_current;

static _Atomic(struct ms_thread *) first_thread;
static _Atomic uint32_t slots_taken;   /* a slot whose state could not be made included */
static _Atomic uint32_t states_made;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static bool exit_key_made;

/* Runs as a thread ends: its state becomes free for the next thread. */
static void release_state(void *state)
{
	struct ms_thread *t = state;
	ms_thread_current = NULL;
	atomic_store_explicit(&t->in_use, false, memory_order_release);
}

static void make_exit_key(void)
{
	exit_key_made = pthread_key_create(&exit_key, release_state) == 0;
}

static struct ms_thread *claim_free_state(void)
{
	for (struct ms_thread *t = ms_thread_first(); t; t = t->next) {
		bool in_use = false;
		if (!atomic_load_explicit(&t->in_use, memory_order_relaxed) &&
		    atomic_compare_exchange_strong_explicit(&t->in_use, &in_use, true,
							    memory_order_acquire,
							    memory_order_relaxed))
			return t;
	}
	return NULL;
}

static struct ms_thread *new_state(void)
{
	uint32_t slot = atomic_fetch_add_explicit(&slots_taken, 1, memory_order_relaxed);
	if (slot >= MS_MAX_THREADS)
		return NULL;
	struct ms_thread *t = ms_bookkeeping_alloc(sizeof *t);
	if (!t)
		return NULL;
	t->slot = slot;
	atomic_store_explicit(&t->next_seq, t->slot << MS_SEQ_BITS, memory_order_relaxed);
	atomic_store_explicit(&t->in_use, true, memory_order_relaxed);
	struct ms_thread *head = atomic_load_explicit(&first_thread, memory_order_relaxed);
	do
		t->next = head;
	while (!atomic_compare_exchange_weak_explicit(&first_thread, &head, t,
						      memory_order_release, memory_order_relaxed));
	atomic_fetch_add_explicit(&states_made, 1, memory_order_relaxed);
	return t;
}

struct ms_thread *ms_thread_self_slow(void)
{
	ms_fork_handlers_once();   /* a child must free the states of the threads it leaves */
	pthread_once(&exit_key_once, make_exit_key);
	struct ms_thread *t = claim_free_state();
	if (!t)
		t = new_state();
	if (!t)
		return NULL;
	ms_thread_current = t;
	if (exit_key_made)
		pthread_setspecific(exit_key, t);
	return t;
}

/*
 * After a fork only the forking thread runs in the child. The other
 * threads' states keep their counts: the blocks those threads counted are
 * in the child's copy of the heap, still live, and the child may free
 * them, which takes them back out of the sums (zeroed counts would then
 * go below zero). But those threads will never end in the child, so their
 * exit key would never free their states: they are freed here, to be
 * taken over, counts and all, by the child's new threads, as the state of
 * a thread that ended is. Their caches are emptied first: the fork may
 * have caught one half written (a tag's row beside another tag's gauges,
 * a site beside another site's origin), which a new thread would trust.
 */
void ms_thread_states_after_fork(void)
{
	for (struct ms_thread *t = ms_thread_first(); t; t = t->next)
		if (t != ms_thread_current) {
			t->last_tag = 0;
			memset(t->origins_seen, 0, sizeof t->origins_seen);
			atomic_store_explicit(&t->in_use, false, memory_order_relaxed);
		}
}

struct ms_thread *ms_thread_first(void)
{
	return atomic_load_explicit(&first_thread, memory_order_acquire);
}

struct ms_gauge_row *ms_thread_row_slow(struct ms_thread *t, uint32_t row)
{
	/* Only the owning thread makes its chunks, so no race to install. */
	struct ms_gauge_row *chunk = ms_bookkeeping_alloc(MS_ROWS_PER_CHUNK * sizeof *chunk);
	if (!chunk)
		return NULL;
	atomic_store_explicit(&t->chunks[row / MS_ROWS_PER_CHUNK], chunk, memory_order_release);
	return &chunk[row % MS_ROWS_PER_CHUNK];
}

/* Thread `t`'s gauges for `row`, or NULL if it never counted in that row's chunk. */
static struct ms_gauge_row *existing_row(struct ms_thread *t, uint32_t row)
{
	struct ms_gauge_row *chunk =
		atomic_load_explicit(&t->chunks[row / MS_ROWS_PER_CHUNK], memory_order_acquire);
	return chunk ? &chunk[row % MS_ROWS_PER_CHUNK] : NULL;
}

/* Measure `m` of a sum of gauges. */
static struct ms_gauge *measure(struct ms_gauges *g, int m)
{
	return m == 0 ? &g->blocks : &g->bytes[m - 1];
}

/* Add thread `t`'s whole-program counters to `out`: its rows' totals, its own current and peak. */
static void add_program(struct ms_thread *t, struct ms_gauges *out)
{
	for (int m = 0; m < MS_MEASURES; m++) {
		measure(out, m)->current += ms_gauge_load(&t->all.current[m]);
		measure(out, m)->peak += ms_gauge_load(&t->all.peak[m]);
	}
	for (uint32_t r = 0, rows = ms_row_count(); r < rows; r++) {
		struct ms_gauge_row *g = existing_row(t, r);
		for (int m = 0; g && m < MS_MEASURES; m++)
			measure(out, m)->total += ms_gauge_load(&g->total[m]);
	}
}

void ms_program_now(int64_t current[MS_MEASURES], int64_t peak[MS_MEASURES])
{
	for (int m = 0; m < MS_MEASURES; m++)
		current[m] = peak[m] = 0;
	for (struct ms_thread *t = ms_thread_first(); t; t = t->next)
		for (int m = 0; m < MS_MEASURES; m++) {
			current[m] += ms_gauge_load(&t->all.current[m]);
			peak[m] += ms_gauge_load(&t->all.peak[m]);
		}
}

void ms_gauges_sum(uint32_t row, struct ms_gauges *out)
{
	*out = (struct ms_gauges){ { 0, 0, 0 }, { { 0, 0, 0 } } };
	for (struct ms_thread *t = ms_thread_first(); t; t = t->next) {
		if (row == UINT32_MAX) {
			add_program(t, out);
			continue;
		}
		struct ms_gauge_row *g = existing_row(t, row);
		for (int m = 0; g && m < MS_MEASURES; m++) {
			measure(out, m)->current += ms_gauge_load(&g->current[m]);
			measure(out, m)->peak += ms_gauge_load(&g->peak[m]);
			measure(out, m)->total += ms_gauge_load(&g->total[m]);
		}
	}
}

/* Restart each peak at its current value, or zero both if `zero`. */
static void reset_peaks(_Atomic int64_t *current, _Atomic int64_t *peak, bool zero)
{
	for (int m = 0; m < MS_MEASURES; m++) {
		if (zero)
			ms_gauge_store(&current[m], 0);
		ms_gauge_store(&peak[m], ms_gauge_load(&current[m]));
	}
}

void ms_gauges_reset(enum ms_gauges_reset_what what)
{
	bool zero = what == MS_ZERO_EVERYTHING;
	uint32_t rows = what == MS_RESTART_PROGRAM_PEAKS ? 0 : ms_row_count();
	for (struct ms_thread *t = ms_thread_first(); t; t = t->next) {
		reset_peaks(t->all.current, t->all.peak, zero);
		for (uint32_t r = 0; r < rows; r++) {
			struct ms_gauge_row *g = existing_row(t, r);
			if (!g)
				continue;
			reset_peaks(g->current, g->peak, zero);
			for (int m = 0; zero && m < MS_MEASURES; m++)
				ms_gauge_store(&g->total[m], 0);
		}
		if (zero) {
			atomic_store_explicit(&t->next_seq, t->slot << MS_SEQ_BITS,
					      memory_order_relaxed);
			ms_gauge_store(&t->front_beyond_compact, 0);
		}
	}
}

int64_t ms_front_beyond_compact(void)
{
	int64_t sum = 0;
	for (struct ms_thread *t = ms_thread_first(); t; t = t->next)
		sum += ms_gauge_load(&t->front_beyond_compact);
	return sum;
}

size_t ms_thread_slots(void)
{
	uint32_t taken = atomic_load_explicit(&slots_taken, memory_order_relaxed);
	return taken < MS_MAX_THREADS ? taken : MS_MAX_THREADS;
}

size_t ms_thread_count(void)
{
	return atomic_load_explicit(&states_made, memory_order_relaxed);
}
