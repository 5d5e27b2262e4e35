/* test.c: exercise 3's test, built against exercise.c (yours) or solution.c: each policy gives room, grows by its rule without overflowing, and costs what it should over the pushes. */
#include "test_util.h"

#include "growth.h"

/* What each policy is, and what it costs over GROWTH_PUSHES pushes. */
struct expected_growth {
	const char *todo;     /* what is left to write while it fails */
	size_t (*rule)(size_t capacity); /* the capacity it grows to, where that is more than needed */
	struct growth_figures figures;   /* the counts, for GROWTH_PUSHES pushes */
};

static size_t doubled(size_t capacity)
{
	return capacity * 2;
}

static size_t half_again(size_t capacity)
{
	return capacity + capacity / 2;
}

static size_t stepped(size_t capacity)
{
	return capacity + GROWTH_STEP;
}

/*
 * In growth_policies' order. x2 grows 1, 2, 4, ... 131072: 18 times,
 * copying 1 + 2 + ... + 65536 = 131071 elements. +1024 grows 98 times,
 * copying 1024 * (1 + 2 + ... + 97) = 4867072. x1.5 lies between: 1, 2,
 * 3, 4, 6, 9, 13, ... 138255.
 */
static const struct expected_growth expected[GROWTH_POLICY_COUNT] = {
	{ "write grow_double (TODO 1 in exercises/03_growth/exercise.c)", doubled,
	  { 18, 131071, 131072, 31072, 0, 0 } },
	{ "write grow_half_again (TODO 2 in exercises/03_growth/exercise.c)", half_again,
	  { 30, 276521, 138255, 38255, 0, 0 } },
	{ "write grow_by_step (TODO 3 in exercises/03_growth/exercise.c)", stepped,
	  { 98, 4867072, 100352, 352, 0, 0 } },
};

/* For every small capacity, the policy gives room for one more, by its rule. */
static void test_grows_by_its_rule(void **state)
{
	(void)state;
	for (size_t p = 0; p < GROWTH_POLICY_COUNT; p++) {
		const struct growth_policy *policy = &growth_policies[p];
		for (size_t capacity = 0; capacity <= 3 * GROWTH_STEP; capacity++) {
			size_t needed = capacity + 1;
			size_t grown = policy->grow(capacity, needed);
			size_t want = expected[p].rule(capacity);
			if (want < needed)
				want = needed;
			if (grown != want)
				fail_msg("%s grew %zu elements to %zu for %zu needed; expected %zu: %s",
					 policy->name, capacity, grown, needed, want, expected[p].todo);
		}
	}
}

/* Asked for more than its rule gives, a policy gives what is needed. */
static void test_gives_at_least_what_is_needed(void **state)
{
	(void)state;
	for (size_t p = 0; p < GROWTH_POLICY_COUNT; p++) {
		const struct growth_policy *policy = &growth_policies[p];
		size_t grown = policy->grow(4, 5000);
		if (grown != 5000)
			fail_msg("%s grew 4 elements to %zu for 5000 needed; expected 5000: %s",
				 policy->name, grown, expected[p].todo);
	}
}

/* Near SIZE_MAX no policy wraps around to a small capacity. */
static void test_never_overflows(void **state)
{
	(void)state;
	const size_t capacities[] = { SIZE_MAX / 2 + 1, SIZE_MAX - GROWTH_STEP + 1, SIZE_MAX - 1 };
	for (size_t p = 0; p < GROWTH_POLICY_COUNT; p++)
		for (size_t c = 0; c < sizeof capacities / sizeof capacities[0]; c++) {
			size_t needed = capacities[c] + 1;
			size_t grown = growth_policies[p].grow(capacities[c], needed);
			if (grown < needed)
				fail_msg("%s grew %zu elements to %zu: it wrapped around past SIZE_MAX; "
					 "return `needed` where growing would overflow",
					 growth_policies[p].name, capacities[c], grown);
		}
}

/* Over the pushes: what holds for any policy, then each policy's exact counts. */
static void test_pushes(void **state)
{
	(void)state;
	for (size_t p = 0; p < GROWTH_POLICY_COUNT; p++) {
		struct growth_figures f;
		if (growth_run(&growth_policies[p], GROWTH_PUSHES, &f) != 0)
			fail_msg("pushing through %s failed (the line above says why): %s",
				 growth_policies[p].name, expected[p].todo);
		assert_i64_ge(f.peak_capacity, GROWTH_PUSHES);
		assert_i64_equal(f.unused_at_end, f.peak_capacity - GROWTH_PUSHES);
		assert_i64_le(f.moved, f.reallocations);
		assert_i64_lt(f.copied, f.reallocations * f.peak_capacity);
		const struct growth_figures *want = &expected[p].figures;
		assert_i64_equal(f.reallocations, want->reallocations);
		assert_i64_equal(f.copied, want->copied);
		assert_i64_equal(f.peak_capacity, want->peak_capacity);
		assert_i64_equal(f.unused_at_end, want->unused_at_end);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_grows_by_its_rule),
		ms_test(test_gives_at_least_what_is_needed),
		ms_test(test_never_overflows),
		ms_test(test_pushes),
	};
	return cmocka_run_group_tests_name("exercise 3: growth policies", tests, NULL, NULL);
}
