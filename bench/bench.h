/* bench.h: what the benchmark's files share: a clock, a seeded PRNG, medians, the churn trace and the results table. */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Measuring (measure.c)                                               */
/* ------------------------------------------------------------------ */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* A small seeded PRNG (splitmix64): the same seed gives the same run everywhere. */
struct bench_rng {
	uint64_t state;
};
uint64_t bench_rng_next(struct bench_rng *rng);
/* A number in [low, high], both included. */
uint32_t bench_rng_between(struct bench_rng *rng, uint32_t low, uint32_t high);

/* The median of `n` values (sorts them in place). */
double bench_median(double *values, size_t n);

/*
 * Costs measured side by side: each repetition runs every side once (side 0
 * is raw malloc), so the sides of one repetition saw the machine alike.
 */
#define BENCH_MAX_SIDES 4
#define BENCH_MAX_REPETITIONS 15
struct bench_interleaved {
	int sides, repetitions;      /* set by the caller */
	bool warms_itself;           /* set when each measure warms up before it times */
	double cost[BENCH_MAX_REPETITIONS][BENCH_MAX_SIDES];
};
/*
 * Fill m->cost with measure(workload, side) for every side and repetition,
 * rotating which side goes first so a drift in the machine's speed falls
 * on all alike; unless the measure warms itself, one untimed run of each
 * side first warms the heap and memstats' tables.
 */
void bench_interleave(double (*measure)(const void *workload, int side), const void *workload,
		      struct bench_interleaved *m);
/* Over the repetitions: the median cost of `side`, of cost / base's cost, of cost - base's cost. */
double bench_cost_median(const struct bench_interleaved *m, int side);
double bench_ratio_median(const struct bench_interleaved *m, int side, int base);
double bench_added_median(const struct bench_interleaved *m, int side, int base);

/* Print a message to stderr and exit 1: the benchmark cannot go on. */
_Noreturn void bench_fail(const char *what);

/* Written by the allocation loops so the compiler cannot drop a malloc/free pair. */
extern void *volatile bench_sink;

/* ------------------------------------------------------------------ */
/* The churn workload (churn.c): shared by make bench and bench-callgrind */
/* ------------------------------------------------------------------ */

#define CHURN_MIN_SIZE 16
#define CHURN_MAX_SIZE 512

/*
 * A seeded churn trace: `window` blocks live at once; pair i frees the
 * block in slot[i] and allocates size[i] bytes in its place.
 */
struct churn_trace {
	size_t pairs;
	size_t window;
	uint32_t *slot;        /* [pairs] */
	uint16_t *size;        /* [pairs] */
	uint16_t *fill_size;   /* [window]: the sizes the window starts with */
};

void churn_trace_make(struct churn_trace *trace, size_t pairs, size_t window, uint64_t seed);
void churn_trace_free(struct churn_trace *trace);

/* Fill `blocks` (trace->window of them), run every pair, free them all. */
void churn_fill_raw(const struct churn_trace *trace, void **blocks);
void churn_pairs_raw(const struct churn_trace *trace, void **blocks);
void churn_drain_raw(const struct churn_trace *trace, void **blocks);
void churn_fill_tracked(const struct churn_trace *trace, void **blocks);
void churn_pairs_tracked(const struct churn_trace *trace, void **blocks);
void churn_drain_tracked(const struct churn_trace *trace, void **blocks);

/* ------------------------------------------------------------------ */
/* The cJSON workload (json.c): shared by make bench and bench-json     */
/* ------------------------------------------------------------------ */

/* What `make bench` parses: a seeded document of this many bytes. */
#define JSON_BYTES ((size_t)4 << 20)
#define JSON_SEED UINT64_C(0x6a736f6e)   /* "json" */
/* Built without cJSON, the case says how to get it. */
#define JSON_HOW_TO_GET "make deps, or as root: apt-get install -y libcjson-dev"

/* A JSON document: NUL-terminated text of `length` bytes. */
struct json_document {
	char *text;
	size_t length;
};
/* Seeded records (objects, arrays, strings, numbers) until it is `bytes` long. */
void json_document_make(struct json_document *doc, size_t bytes, uint64_t seed);
void json_document_free(struct json_document *doc);

/*
 * The hooks cJSON allocates through (cJSON_InitHooks): plain malloc/free;
 * hooks that only count calls and bytes around them; memstats, every block
 * under the tag "cJSON".
 */
enum json_hooks { JSON_RAW, JSON_COUNTING, JSON_TRACKED, JSON_HOOK_SETS };
void json_hooks_use(enum json_hooks hooks);
/* What the counting hooks have counted. */
struct json_counts {
	uint64_t allocs, frees, bytes;
};
extern struct json_counts json_counted;

/* Parse the document through the hooks in use and delete the tree. */
void json_parse_delete(const struct json_document *doc);

/* ------------------------------------------------------------------ */
/* The results table (report.c)                                        */
/* ------------------------------------------------------------------ */

/* No target for this figure (a cross-check, or one side of a ratio). */
#define NO_TARGET (-1.0)

/*
 * Record one figure: `value` in `unit` ("ns/pair", "x", "B/block", "us"),
 * met when value <= target. Strings must outlive the report.
 */
void bench_record(const char *case_name, const char *measure, double value, const char *unit,
		  double target);
/* Record a cross-check: `value` against `reference`, agreeing within `tolerance` (a fraction). */
void bench_record_check(const char *case_name, const char *measure, double value,
			const char *unit, double reference, double tolerance);

/* A per-pair cost, raw and tracked, and the ratio reported: drawn as bars by plots/bench.gp. */
void bench_record_pair_cost(const char *case_name, double raw_ns, double tracked_ns,
			    double ratio);
/* One summary time against live blocks, drawn as a line by plots/bench.gp. */
void bench_record_summary_time(int64_t live_blocks, double us);

/* Print the table (case, measure, value, target, met?) to `out`: 0, or -1 with errno set. */
int bench_print_table(FILE *out);
/* Write DIR/bench.dat, creating DIR if it is missing; 0, or -1 with a message on stderr. */
int bench_write_data(const char *dir);

/* ------------------------------------------------------------------ */
/* The cases, in the order they run                                    */
/* ------------------------------------------------------------------ */

/*
 * Pin the process to the CPU where a raw malloc loop runs fastest, for the
 * single-threaded cases (pin.c); bench_unpin undoes it before threads start.
 */
void bench_pin_fastest_cpu(void);
void bench_unpin(void);

/* 1 and 2: churn and the tight loop; returns the churn ratio tracked/raw. */
double bench_single_thread(void);
/* 3, 4 and 5: bookkeeping, summaries and diffs as the live set grows to 1M. */
void bench_live_set(void);
/* 6: deep size of a 1M-node tree. */
void bench_deep_size(void);
/* 8: cJSON parse+delete through three hook sets; single-threaded, so it runs before 7. */
void bench_json(void);
/* 7: two threads churning at once (creates the process's first threads). */
void bench_two_threads(void);

#endif
