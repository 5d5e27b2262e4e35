/* traces.h: the fixed seeded traces every strategy runs, and what memstats counted while one ran. */
#ifndef EXERCISES_TRACES_H
#define EXERCISES_TRACES_H

#include <stddef.h>
#include <stdint.h>

#include "strategy.h"

/* The tree trace: a search tree of TREE_NODES random keys, built TREE_ROUNDS times. */
#define TREE_NODES 100000
#define TREE_NODE_SIZE 24 /* a 64-bit key and two child pointers */
#define TREE_ROUNDS 2

/* The churn traces: CHURN_START objects, CHURN_STEPS random steps, then a thinning. */
#define CHURN_START 10000
#define CHURN_STEPS 100000
#define CHURN_KEPT_PERCENT 10 /* of the objects live after the steps, this many stay */
#define CHURN_OBJECT_SIZE 48  /* every object of the fixed-size churn */
#define MIXED_LARGEST 1024    /* the mixed churn's largest object */

/* The traces, in the order the comparison table shows them. */
enum trace_id { TRACE_TREE, TRACE_CHURN, TRACE_MIXED, TRACE_COUNT };

/* The trace's one-word name: "tree", "churn", "mixed". */
const char *trace_name(enum trace_id trace);

/* What the trace does, one sentence with its parameters, into `buf` (`cap` bytes); returns `buf`. */
char *trace_describe(enum trace_id trace, char *buf, size_t cap);

/* The one size every object of the trace has, or 0 when sizes vary. */
size_t trace_object_size(enum trace_id trace);

/*
 * What one run measured, declared once: X(field, what it counts). The
 * counts depend only on the trace and the strategy, so they are the same
 * on every machine; the machine figures are the allocator's and the
 * clock's. "Held" bytes are what the strategy took from memstats and has
 * not given back (requested bytes of its blocks).
 */
#define TRACE_COUNTS(X)                                                        \
	X(objects, "objects the trace allocated through the strategy")         \
	X(handed_out, "bytes in those objects, all told")                      \
	X(payload_peak, "most object bytes live at once")                      \
	X(calls, "blocks the strategy took from memstats")                     \
	X(taken, "bytes in those blocks, all told")                            \
	X(peak_held, "most bytes the strategy held at once")                   \
	X(held_at_end, "bytes held when the trace ended, before teardown")     \
	X(live_at_end, "object bytes live then")                               \
	X(teardown_frees, "objects the program freed one at a time to tear down")
#define TRACE_MACHINE_FIGURES(X)                                               \
	X(footprint_peak, "most footprint bytes held at once")                 \
	X(run_ns, "nanoseconds for the trace, teardown excluded")              \
	X(teardown_ns, "nanoseconds for the teardown")

struct trace_figures {
#define TRACE_FIGURE_FIELD_(field, what) int64_t field;
	TRACE_COUNTS(TRACE_FIGURE_FIELD_)
	TRACE_MACHINE_FIGURES(TRACE_FIGURE_FIELD_)
#undef TRACE_FIGURE_FIELD_
};

/*
 * Run `trace` on `s`, which holds nothing yet, and destroy `s` at the end.
 * memstats' peaks restart first (ms_peak_reset), so the run's peak is its own.
 * Every object is filled when allocated and checked when freed, and the
 * tree is walked after each build, so a strategy that hands memory out
 * twice is caught. 0, or -1 with a message on stderr if an allocation
 * failed, an object was overwritten, or `s` still held blocks after
 * destroy.
 */
int trace_run(enum trace_id trace, struct strategy *s, struct trace_figures *figures);

#endif
