/* strategy_test.h: the checks the strategy exercises' tests share: memory handed out aligned and apart, blocks counted, everything given back. */
#ifndef EXERCISES_STRATEGY_TEST_H
#define EXERCISES_STRATEGY_TEST_H

/*
 * Header-only: the .c files every exercise links (strategy.c, traces.c)
 * go into ./strategies too, which has no cmocka. Each exercise's test is
 * one program, built against exercise.c or solution.c, and includes this once.
 */
#include "test_util.h"

#include "strategy.h"
#include "traces.h"

/* Blocks memstats has handed out so far, to count a strategy's calls from. */
static inline int64_t blocks_taken(void)
{
	return ms_stats().all.blocks.total;
}

/*
 * Allocate an object of each of `sizes` (at most 64) through `s` and
 * check that each is aligned for its size and that none overlaps another
 * (each is filled, then all are read back), then free them all. A NULL
 * fails the test, naming `todo`: what the learner has left to write.
 */
static inline void strategy_test_hands_out(struct strategy *s, const size_t *sizes, size_t count,
					   const char *todo, const char *file, int line)
{
	unsigned char *objects[64];
	assert_true(count <= sizeof objects / sizeof objects[0]);
	for (size_t i = 0; i < count; i++) {
		objects[i] = s->alloc(s, sizes[i]);
		if (!objects[i]) {
			print_error("%s: alloc(%zu) returned NULL: %s\n", s->name, sizes[i], todo);
			_fail(file, line);
		}
		if ((uintptr_t)objects[i] % strategy_align_for(sizes[i]) != 0) {
			print_error("%s: alloc(%zu) is not aligned to %zu bytes\n", s->name, sizes[i],
				    strategy_align_for(sizes[i]));
			_fail(file, line);
		}
		memset(objects[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < count; i++)
		for (size_t b = 0; b < sizes[i]; b++)
			if (objects[i][b] != (unsigned char)(i + 1)) {
				print_error("%s: object %zu (alloc(%zu)) was overwritten by a later "
					    "one: objects overlap\n", s->name, i, sizes[i]);
				_fail(file, line);
			}
	for (size_t i = count; i-- > 0;)
		s->free(s, objects[i], sizes[i]);
}
#define assert_hands_out(s, sizes, count, todo) \
	strategy_test_hands_out((s), (sizes), (count), (todo), __FILE__, __LINE__)

/* Destroy `s` and check that it gave every block back; `todo` names what is left to write. */
static inline void strategy_test_destroy_gives_back(struct strategy *s, const char *todo,
						    const char *file, int line)
{
	s->destroy(s);
	int64_t live = ms_live_blocks();
	if (live != 0) {
		print_error("%s: destroy left %" PRId64 " blocks live: %s\n", s->name, live, todo);
		_fail(file, line);
	}
}
#define assert_destroy_gives_back(s, todo) \
	strategy_test_destroy_gives_back((s), (todo), __FILE__, __LINE__)

/* A request `s` must refuse: NULL, errno = EINVAL, and no block taken; `todo` names what is left to write. */
static inline void strategy_test_refuses(struct strategy *s, size_t size, const char *todo,
					 const char *file, int line)
{
	int64_t before = blocks_taken();
	errno = 0;
	void *object = s->alloc(s, size);
	if (object || errno != EINVAL) {
		print_error("%s: alloc(%zu) should return NULL with errno = EINVAL: %s\n", s->name,
			    size, todo);
		_fail(file, line);
	}
	ms_test_i64_check(blocks_taken(), before, MS_TEST_EQ, "blocks taken after", "before",
			  file, line);
}
#define assert_refuses(s, size, todo) strategy_test_refuses((s), (size), (todo), __FILE__, __LINE__)

/*
 * Run `trace` on `s` (which it destroys) into `f`; fails the test if the
 * trace found a fault, and checks what holds for every strategy: the
 * strategy held at least the objects' bytes, at its peak and at the end.
 */
static inline void strategy_test_trace(enum trace_id trace, struct strategy *s,
				       struct trace_figures *f, const char *file, int line)
{
	if (trace_run(trace, s, f) != 0) {
		print_error("the %s trace on %s failed (the line above says why)\n",
			    trace_name(trace), s->name);
		_fail(file, line);
	}
	ms_test_i64_check(f->peak_held, f->payload_peak, MS_TEST_GE, "peak held", "payload peak",
			  file, line);
	ms_test_i64_check(f->held_at_end, f->live_at_end, MS_TEST_GE, "held at end",
			  "live at end", file, line);
	ms_test_i64_check(f->taken, f->peak_held, MS_TEST_GE, "taken", "peak held", file, line);
	ms_test_i64_check(ms_live_blocks(), 0, MS_TEST_EQ, "live blocks after the trace", "0",
			  file, line);
}

/*
 * Run `trace` on `s` into `f` and on the malloc baseline into `baseline`,
 * and check what comparing them rests on: the trace asked the same of
 * both; malloc took a block per object, holding exactly the objects'
 * bytes and freeing every object left at the end one at a time; `s` took
 * fewer blocks.
 */
static inline void strategy_test_against_malloc(enum trace_id trace, struct strategy *s,
						struct trace_figures *f,
						struct trace_figures *baseline, const char *file,
						int line)
{
	strategy_test_trace(trace, s, f, file, line);
	struct strategy malloc_each;
	malloc_strategy_init(&malloc_each);
	strategy_test_trace(trace, &malloc_each, baseline, file, line);
	const struct {
		int64_t a, b;
		enum ms_test_rel rel;
		const char *as, *bs;
	} checks[] = {
		{ f->objects, baseline->objects, MS_TEST_EQ, "objects", "malloc's" },
		{ f->handed_out, baseline->handed_out, MS_TEST_EQ, "bytes handed out", "malloc's" },
		{ f->payload_peak, baseline->payload_peak, MS_TEST_EQ, "payload peak", "malloc's" },
		{ f->live_at_end, baseline->live_at_end, MS_TEST_EQ, "live at end", "malloc's" },
		{ f->calls, baseline->calls, MS_TEST_LT, "calls", "malloc's" },
		{ baseline->calls, baseline->objects, MS_TEST_EQ, "malloc's calls", "objects" },
		{ baseline->peak_held, baseline->payload_peak, MS_TEST_EQ, "malloc's peak held",
		  "payload peak" },
		{ baseline->held_at_end, baseline->live_at_end, MS_TEST_EQ, "malloc's held at end",
		  "live at end" },
		{ baseline->teardown_frees, 0, MS_TEST_GT, "malloc's teardown frees", "0" },
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
		ms_test_i64_check(checks[i].a, checks[i].b, checks[i].rel, checks[i].as,
				  checks[i].bs, file, line);
}
#define assert_trace_against_malloc(trace, s, f, baseline) \
	strategy_test_against_malloc((trace), (s), (f), (baseline), __FILE__, __LINE__)

#endif
