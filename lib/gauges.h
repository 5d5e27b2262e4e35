/* gauges.h: each thread's state (its counters of blocks and bytes, its block numbering, its last frees), updated inline on the allocation path; gauges.c makes the states and sums them. */
#ifndef MS_GAUGES_H
#define MS_GAUGES_H

#include "hot.h"
#include "memstats.h"
#include "origins.h"
#include "types.h"

#include <stdbool.h>

/*
 * Twelve counters per row: for blocks and each notion, current, peak and
 * total. Each thread writes only its own rows, with relaxed atomic loads
 * and stores (plain moves on x86-64, no lock prefix); summaries add up all
 * threads' rows. So the hot path never writes memory another thread
 * writes, which is what made shared counters 4x slower with two threads.
 */
#define MS_MEASURES (1 + MS_NOTION_COUNT)   /* blocks, then each notion */

struct ms_gauge_row {
	_Atomic int64_t current[MS_MEASURES];
	_Atomic int64_t peak[MS_MEASURES];
	_Atomic int64_t total[MS_MEASURES];
};

/*
 * A thread's whole-program counters: current and peak, which no sum of
 * rows gives (the peak is of the sum). Its totals are the sums of its
 * rows' totals, added up when asked, one update fewer per measure.
 */
struct ms_program_row {
	_Atomic int64_t current[MS_MEASURES];
	_Atomic int64_t peak[MS_MEASURES];
};

#define MS_ROWS_PER_CHUNK 64u
#define MS_ROW_CHUNKS (MS_MAX_ROWS / MS_ROWS_PER_CHUNK)

/*
 * A block's number, kept in its header (block.h): the slot of the thread
 * that made it << MS_SEQ_BITS | that thread's count of blocks so far.
 */
#define MS_SEQ_BITS 48
#define MS_SEQ_MASK ((UINT64_C(1) << MS_SEQ_BITS) - 1)
#define MS_MAX_THREADS (1u << 16)

/*
 * The last blocks a thread freed, so a second free of one can be named as
 * a double free. Addresses are stored hidden (MS_HIDE_ADDRESS, checkers.h).
 */
#define MS_FREED_RING 64

struct ms_freed {
	uintptr_t hidden;
	const char *file;       /* where it was freed */
	uint32_t line;
	uint32_t row;
};

struct ms_thread {
	struct ms_program_row all;                        /* every row together */
	_Atomic(struct ms_gauge_row *) chunks[MS_ROW_CHUNKS];
	/*
	 * The last block's header seq, slot and number together, so a new
	 * block's is one add. After 2^48 blocks in one slot the number would
	 * carry into the slot's bits: 30 days of allocating at 10 ns a block.
	 */
	_Atomic uint64_t next_seq;
	uint64_t slot;                                    /* fixed at creation */
	struct ms_freed freed[MS_FREED_RING];             /* read by this thread only */
	unsigned freed_next;
	/* the last read-only tag this thread allocated under: MS_HIDE_ADDRESS of it, or 0 */
	uintptr_t last_tag;
	uint32_t last_tag_row;
	struct ms_gauge_row *last_tag_gauges;             /* this thread's gauges of that row */
	struct ms_origin_seen origins_seen[MS_ORIGINS_SEEN];  /* read by this thread only */
	/*
	 * Bytes in front of the blocks this thread made, less those of the
	 * blocks it freed, beyond a compact header's 16: a full header's other
	 * 16, an aligned block's padding (block.h). Negative where it freed
	 * other threads' blocks; the sum over threads is what is live.
	 */
	_Atomic int64_t front_beyond_compact;
	_Atomic bool in_use;                              /* a live thread owns it */
	struct ms_thread *next;                           /* all states, never freed */
};

/* The calling thread's state, created on first use; NULL if that fails. */
struct ms_thread *ms_thread_self_slow(void);
extern _Thread_local struct ms_thread *ms_thread_current;
static inline struct ms_thread *ms_thread_self(void)
{
	struct ms_thread *t = ms_thread_current;
	return t ? t : ms_thread_self_slow();
}

/* The gauge row of `row` in `t`, created if needed; NULL on failure. */
struct ms_gauge_row *ms_thread_row_slow(struct ms_thread *t, uint32_t row);
static inline struct ms_gauge_row *ms_thread_row(struct ms_thread *t, uint32_t row)
{
	struct ms_gauge_row *chunk = atomic_load_explicit(&t->chunks[row / MS_ROWS_PER_CHUNK],
							  memory_order_relaxed);
	return chunk ? &chunk[row % MS_ROWS_PER_CHUNK] : ms_thread_row_slow(t, row);
}

static inline int64_t ms_gauge_load(_Atomic int64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static inline void ms_gauge_store(_Atomic int64_t *v, int64_t value)
{
	atomic_store_explicit(v, value, memory_order_relaxed);
}

static inline void ms_gauge_add(_Atomic int64_t *v, int64_t delta)
{
	ms_gauge_store(v, ms_gauge_load(v) + delta);
}

/* Raise `current` by `delta` (>= 0), and `peak` with it. */
MS_HOT void ms_gauge_rise(_Atomic int64_t *current, _Atomic int64_t *peak, int64_t delta)
{
	int64_t now = ms_gauge_load(current) + delta;
	ms_gauge_store(current, now);
	if (now > ms_gauge_load(peak))
		ms_gauge_store(peak, now);
}

/*
 * Count `delta` of measure `m` in: the row's current, total and peak, and
 * the program's current and peak.
 */
MS_HOT void ms_measure_in(struct ms_gauge_row *g, struct ms_program_row *all, int m,
			  int64_t delta)
{
	ms_gauge_rise(&g->current[m], &g->peak[m], delta);
	ms_gauge_add(&g->total[m], delta);
	ms_gauge_rise(&all->current[m], &all->peak[m], delta);
}

MS_HOT void ms_measure_out(struct ms_gauge_row *g, struct ms_program_row *all, int m,
			   int64_t delta)
{
	ms_gauge_add(&g->current[m], -delta);
	ms_gauge_add(&all->current[m], -delta);
}

/*
 * Count one block of `bytes` in each notion in or out of row `g` and the
 * program `all`. Spelled out, not looped: gcc -O2 keeps a 4-step loop,
 * and it costs the hot path about 7 ns.
 */
_Static_assert(MS_NOTION_COUNT == 3, "ms_count_in and _out name every notion");

MS_HOT void ms_count_in(struct ms_gauge_row *g, struct ms_program_row *all,
			const int64_t bytes[MS_NOTION_COUNT])
{
	ms_measure_in(g, all, 0, 1);
	ms_measure_in(g, all, 1 + MS_REQUESTED, bytes[MS_REQUESTED]);
	ms_measure_in(g, all, 1 + MS_USABLE, bytes[MS_USABLE]);
	ms_measure_in(g, all, 1 + MS_FOOTPRINT, bytes[MS_FOOTPRINT]);
}

MS_HOT void ms_count_out(struct ms_gauge_row *g, struct ms_program_row *all,
			 const int64_t bytes[MS_NOTION_COUNT])
{
	ms_measure_out(g, all, 0, 1);
	ms_measure_out(g, all, 1 + MS_REQUESTED, bytes[MS_REQUESTED]);
	ms_measure_out(g, all, 1 + MS_USABLE, bytes[MS_USABLE]);
	ms_measure_out(g, all, 1 + MS_FOOTPRINT, bytes[MS_FOOTPRINT]);
}

/*
 * In a child just forked, where only the forking thread runs: every other
 * thread's state, counts kept, is marked free for the child's new threads.
 */
void ms_thread_states_after_fork(void);

/* The first thread state; walk with ->next. Never freed, so no lock. */
struct ms_thread *ms_thread_first(void);
/* Thread states made so far. */
size_t ms_thread_count(void);
/* Thread slots handed out so far, above any state's slot: a tracker's marks are indexed by slot. */
size_t ms_thread_slots(void);

/*
 * `row`'s gauges summed over every thread (UINT32_MAX: the whole program,
 * whose totals are its rows' totals: O(rows x threads)).
 */
void ms_gauges_sum(uint32_t row, struct ms_gauges *out);
/* The whole program's current and peak per measure, summed over threads: O(threads). */
void ms_program_now(int64_t current[MS_MEASURES], int64_t peak[MS_MEASURES]);
/* The bytes in front of live blocks beyond a compact header's 16 each, over every thread. */
int64_t ms_front_beyond_compact(void);

/* What ms_gauges_reset restarts. */
enum ms_gauges_reset_what {
	MS_RESTART_PROGRAM_PEAKS,  /* the whole-program rows' peaks, at their current values */
	MS_RESTART_ALL_PEAKS,      /* every peak, at its current value */
	MS_ZERO_EVERYTHING         /* every counter to 0, every thread's numbering restarted */
};
void ms_gauges_reset(enum ms_gauges_reset_what what);

#endif
