/* growth.c: the dynamic-array harness: pushes through a growth policy, counting what each growth copies. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "growth.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "memstats.h"

const struct growth_policy growth_policies[GROWTH_POLICY_COUNT] = {
	{ "x2", grow_double },
	{ "x1.5", grow_half_again },
	{ "+1024", grow_by_step },
};
_Static_assert(GROWTH_STEP == 1024, "the third policy's name says its step");

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Grow `*elements` from `capacity` to `new_capacity` elements: 0, or -1 if memory ran out. */
static int grow_to(const struct growth_policy *policy, uint64_t **elements, size_t new_capacity,
		   struct growth_figures *figures)
{
	if (new_capacity > SIZE_MAX / sizeof **elements)
		return -1;
	size_t bytes = new_capacity * sizeof **elements;
	uint64_t *grown;
	if (!*elements) {
		grown = ms_alloc_bytes(bytes, policy->name);
	} else {
		/* The address only, compared after: the old pointer is not used again. */
		uintptr_t before = (uintptr_t)*elements;
		grown = ms_realloc(*elements, bytes);
		figures->moved += grown && (uintptr_t)grown != before;
	}
	if (!grown)
		return -1;
	*elements = grown;
	return 0;
}

int growth_run(const struct growth_policy *policy, size_t pushes, struct growth_figures *figures)
{
	memset(figures, 0, sizeof *figures);
	int64_t began = now_ns();
	uint64_t *elements = NULL;
	size_t length = 0, capacity = 0;
	int status = 0;
	for (size_t i = 0; i < pushes && status == 0; i++) {
		if (length == capacity) {
			size_t grown = policy->grow(capacity, length + 1);
			if (grown < length + 1) {
				fprintf(stderr, "%s: grew %zu elements to %zu, with %zu needed\n",
					policy->name, capacity, grown, length + 1);
				status = -1;
			} else if (grow_to(policy, &elements, grown, figures) != 0) {
				fprintf(stderr, "%s: no memory for %zu elements\n", policy->name, grown);
				status = -1;
			} else {
				figures->reallocations++;
				figures->copied += (int64_t)length;
				capacity = grown;
			}
		}
		if (status == 0)
			elements[length++] = i;
	}
	for (size_t i = 0; i < length && status == 0; i++)
		if (elements[i] != i) {
			fprintf(stderr, "%s: element %zu was lost in a growth\n", policy->name, i);
			status = -1;
		}
	ms_free(elements);
	figures->peak_capacity = (int64_t)capacity;
	figures->unused_at_end = (int64_t)(capacity - length);
	figures->ns = now_ns() - began;
	return status;
}
