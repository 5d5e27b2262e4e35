/* growth.h: the dynamic-array exercise's policies and the harness that pushes through them, shared by exercise.c (yours) and solution.c, which differ only in the policies. */
#ifndef EXERCISES_GROWTH_H
#define EXERCISES_GROWTH_H

#include <stddef.h>
#include <stdint.h>

/* How many elements the harness pushes, one at a time, into an empty array. */
#define GROWTH_PUSHES 100000
/* What the "+constant" policy adds each time. */
#define GROWTH_STEP 1024

/*
 * A growth policy: the capacity an array of `capacity` elements grows to
 * when it needs room for `needed` elements, more than it has. Never less
 * than `needed`, and never wrapping around: where the growth would
 * overflow size_t, `needed` itself.
 */
typedef size_t growth_policy_fn(size_t capacity, size_t needed);

/*
 * YOUR PART (exercise.c), each as above:
 * grow_double: twice the capacity ("x2");
 * grow_half_again: the capacity and half of it again, rounded down ("x1.5");
 * grow_by_step: GROWTH_STEP elements more ("+1024").
 */
growth_policy_fn grow_double;
growth_policy_fn grow_half_again;
growth_policy_fn grow_by_step;

struct growth_policy {
	const char *name;        /* "x2": the table's row and the array's memstats tag */
	growth_policy_fn *grow;
};
#define GROWTH_POLICY_COUNT 3
/* The three policies above, in that order. */
extern const struct growth_policy growth_policies[GROWTH_POLICY_COUNT];

/* What pushing through one policy cost. */
struct growth_figures {
	/* What the policy decides, the same on every machine: */
	int64_t reallocations; /* times the array grew, the first (from empty) included */
	int64_t copied;        /* elements the growths copied: each one copies the length then */
	int64_t peak_capacity; /* the capacity at the end, the largest it had */
	int64_t unused_at_end; /* capacity the pushes never filled */
	/* On this machine: */
	int64_t moved;         /* reallocations where realloc really moved the block */
	int64_t ns;            /* the whole run */
};

/*
 * Push `pushes` elements one at a time into an array that starts empty and
 * grows by `policy`; its memory is memstats', tagged with the policy's
 * name. Copies are counted as if every growth moved the block, since any
 * allocator may move it; `moved` says how often this one did. 0, or -1 with
 * a message on stderr if the policy gave too little room, memory ran out, or
 * an element was lost.
 */
int growth_run(const struct growth_policy *policy, size_t pushes, struct growth_figures *figures);

#endif
