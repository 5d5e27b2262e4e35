/* test.c: exercise 5's test, built against exercise.c (yours) or solution.c: each object goes to the pool of the smallest class that holds it, and comes back to the same one. */
#include "strategy_test.h"

#include "size_classes.h"

#define TODO_INDEX "write size_class_index (TODO 1 in exercises/05_size_classes/exercise.c)"
#define TODO_ALLOC "write size_classes_alloc (TODO 2 in exercises/05_size_classes/exercise.c)"
#define TODO_FREE "write size_classes_free (TODO 3 in exercises/05_size_classes/exercise.c)"
#define TODO_POOL "size classes are pools: exercise 2's pool_destroy must work too"

/* The slabs the reference takes on the mixed trace, which is the same on every machine. */
#define MIXED_REFERENCE_SLABS 32

/* Every size up to the largest class, and one past it, maps to the smallest class that holds it. */
static void test_smallest_class_that_holds(void **state)
{
	(void)state;
	size_t largest = size_class_bytes(SIZE_CLASS_COUNT - 1);
	for (size_t size = 0; size <= largest + 1; size++) {
		size_t index = size_class_index(size);
		size_t want = 0;
		while (want < SIZE_CLASS_COUNT && size_class_bytes(want) < size)
			want++;
		if (index != want)
			fail_msg("size_class_index(%zu) is %zu, expected %zu: %s", size, index, want,
				 TODO_INDEX);
	}
}

static void test_objects_aligned_and_apart(void **state)
{
	(void)state;
	struct size_classes classes;
	size_classes_init(&classes, STRATEGY_BLOCK_SIZE);
	const size_t sizes[] = { 1, 16, 17, 100, 1024, 48, 3, 512, 33, 8, 700, 64, 65 };
	assert_hands_out(&classes.base, sizes, sizeof sizes / sizeof sizes[0], TODO_ALLOC);
	assert_destroy_gives_back(&classes.base, TODO_POOL);
}

/* Above the largest class there is no pool: the request is refused and takes nothing. */
static void test_larger_object_refused(void **state)
{
	(void)state;
	struct size_classes classes;
	size_classes_init(&classes, STRATEGY_BLOCK_SIZE);
	assert_refuses(&classes.base, size_class_bytes(SIZE_CLASS_COUNT - 1) + 1, TODO_ALLOC);
	assert_destroy_gives_back(&classes.base, TODO_POOL);
}

/* A 100-byte object comes from the 128-byte pool and goes back to it, to serve the next 65..128. */
static void test_object_returns_to_its_class(void **state)
{
	(void)state;
	struct size_classes classes;
	size_classes_init(&classes, STRATEGY_BLOCK_SIZE);
	struct pool *pool128 = &classes.pools[size_class_index(128)];
	void *object = size_classes_alloc(&classes.base, 100);
	if (!object)
		fail_msg("size_classes_alloc(100) returned NULL: %s", TODO_ALLOC);
	if (object != pool_slot_at(pool128, pool128->slabs, 0))
		fail_msg("a 100-byte object should come from the pool of the 128-byte class");
	size_classes_free(&classes.base, object, 100);
	if (size_classes_alloc(&classes.base, 65) != object)
		fail_msg("the slot of a freed 100-byte object should serve the next 65-byte one: %s",
			 TODO_FREE);
	for (size_t i = 0; i < SIZE_CLASS_COUNT; i++)
		assert_true((classes.pools[i].slabs != NULL) == (i == size_class_index(128)));
	assert_destroy_gives_back(&classes.base, TODO_POOL);
}

/*
 * The mixed trace: a slab per class at least, every object rounded up to
 * its class, and like any pool, everything kept until the end.
 */
static void test_mixed_trace(void **state)
{
	(void)state;
	struct size_classes classes;
	size_classes_init(&classes, STRATEGY_BLOCK_SIZE);
	struct trace_figures sized, malloc_each;
	assert_trace_against_malloc(TRACE_MIXED, &classes.base, &sized, &malloc_each);
	assert_i64_ge(sized.calls, SIZE_CLASS_COUNT);
	assert_i64_equal(sized.peak_held, sized.calls * STRATEGY_BLOCK_SIZE);
	assert_i64_equal(sized.held_at_end, sized.peak_held);
	assert_i64_equal(sized.teardown_frees, 0);
	assert_i64_equal(sized.calls, MIXED_REFERENCE_SLABS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_smallest_class_that_holds),
		ms_test(test_objects_aligned_and_apart),
		ms_test(test_larger_object_refused),
		ms_test(test_object_returns_to_its_class),
		ms_test(test_mixed_trace),
	};
	return cmocka_run_group_tests_name("exercise 5: size classes", tests, NULL, NULL);
}
