/* test.c: exercise 2's test, built against exercise.c (yours) or solution.c: the pool reuses freed slots first, takes a slab only when none is free, and under churn holds its peak. */
#include "strategy_test.h"

#include "pool.h"

#define TODO_ALLOC "write pool_alloc (TODO 1 in exercises/02_pool/exercise.c)"
#define TODO_FREE "write pool_free (TODO 2 in exercises/02_pool/exercise.c)"
#define TODO_RESET "write pool_reset (TODO 3 in exercises/02_pool/exercise.c)"
#define TODO_DESTROY "write pool_destroy (TODO 4 in exercises/02_pool/exercise.c)"

/* A pool for the churn trace's objects, in the blocks every strategy takes. */
static void churn_pool_init(struct pool *pool)
{
	pool_init(pool, "pool", CHURN_OBJECT_SIZE, STRATEGY_BLOCK_SIZE);
}

/* Allocate `count` objects into `objects`, failing with what is left to write if one is NULL. */
static void alloc_objects(struct pool *pool, void **objects, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!(objects[i] = pool_alloc(&pool->base, CHURN_OBJECT_SIZE)))
			fail_msg("pool_alloc(%d) returned NULL: %s", CHURN_OBJECT_SIZE, TODO_ALLOC);
}

static void test_objects_aligned_and_apart(void **state)
{
	(void)state;
	struct pool pool;
	churn_pool_init(&pool);
	const size_t sizes[] = { 48, 1, 30, 48, 8, 16, 47, 48, 2, 24 };
	assert_hands_out(&pool.base, sizes, sizeof sizes / sizeof sizes[0], TODO_ALLOC);
	assert_destroy_gives_back(&pool.base, TODO_DESTROY);
}

/* A pool hands out one size: a larger request is refused and takes nothing. */
static void test_larger_object_refused(void **state)
{
	(void)state;
	struct pool pool;
	churn_pool_init(&pool);
	assert_refuses(&pool.base, CHURN_OBJECT_SIZE + 1, TODO_ALLOC);
	assert_destroy_gives_back(&pool.base, TODO_DESTROY);
}

/* The slot freed last is the next handed out: the free list is a stack. */
static void test_freed_slot_comes_back_first(void **state)
{
	(void)state;
	struct pool pool;
	churn_pool_init(&pool);
	void *objects[3];
	alloc_objects(&pool, objects, 3);
	pool_free(&pool.base, objects[0], CHURN_OBJECT_SIZE);
	pool_free(&pool.base, objects[2], CHURN_OBJECT_SIZE);
	int64_t before = blocks_taken();
	void *again[2];
	alloc_objects(&pool, again, 2);
	if (again[0] != objects[2] || again[1] != objects[0])
		fail_msg("the slots freed last did not come back first: %s", TODO_FREE);
	assert_i64_equal(blocks_taken(), before);
	assert_destroy_gives_back(&pool.base, TODO_DESTROY);
}

/* A slab's slots come out in order; only when all are out is a second slab taken. */
static void test_slab_used_up_before_the_next(void **state)
{
	(void)state;
	struct pool pool;
	churn_pool_init(&pool);
	static void *objects[STRATEGY_BLOCK_SIZE / CHURN_OBJECT_SIZE + 1];
	int64_t before = blocks_taken();
	alloc_objects(&pool, objects, pool.slots_per_slab);
	assert_i64_equal(blocks_taken() - before, 1);
	for (size_t i = 0; i < pool.slots_per_slab; i++)
		if (objects[i] != pool_slot_at(&pool, pool.slabs, i))
			fail_msg("object %zu is not slot %zu of the slab: put a new slab's slots on "
				 "the free list so slot 0 comes out first", i, i);
	alloc_objects(&pool, objects + pool.slots_per_slab, 1);
	assert_i64_equal(blocks_taken() - before, 2);
	assert_destroy_gives_back(&pool.base, TODO_DESTROY);
}

/* After a reset every slot is free again: two slabs' worth of objects take no new slab. */
static void test_reset_frees_every_slot(void **state)
{
	(void)state;
	struct pool pool;
	churn_pool_init(&pool);
	static void *objects[2 * (STRATEGY_BLOCK_SIZE / CHURN_OBJECT_SIZE)];
	alloc_objects(&pool, objects, 2 * pool.slots_per_slab);
	int64_t before = blocks_taken();
	pool_reset(&pool.base);
	assert_i64_equal(ms_live_blocks(), 2);
	alloc_objects(&pool, objects, 2 * pool.slots_per_slab);
	if (blocks_taken() != before)
		fail_msg("after pool_reset, two slabs' worth of objects took %" PRId64
			 " new slabs: %s", blocks_taken() - before, TODO_RESET);
	assert_destroy_gives_back(&pool.base, TODO_DESTROY);
	assert_null(pool.slabs);
	assert_null(pool.free_slots);
}

/*
 * The churn trace: the pool takes a slab only when every slot is live, so
 * it ends with as many slabs as the live peak needs, and keeps them all
 * when most objects are gone; malloc gives each object back.
 */
static void test_churn_trace(void **state)
{
	(void)state;
	struct pool pool;
	churn_pool_init(&pool);
	struct trace_figures pooled, malloc_each;
	assert_trace_against_malloc(TRACE_CHURN, &pool.base, &pooled, &malloc_each);

	int64_t peak_objects = pooled.payload_peak / CHURN_OBJECT_SIZE;
	int64_t slots = (int64_t)pool.slots_per_slab;
	int64_t slabs = (peak_objects + slots - 1) / slots;
	assert_i64_equal(pooled.calls, slabs);
	assert_i64_equal(pooled.peak_held, slabs * STRATEGY_BLOCK_SIZE);
	assert_i64_equal(pooled.held_at_end, pooled.peak_held);
	assert_i64_equal(pooled.teardown_frees, 0);
	assert_i64_equal(malloc_each.teardown_frees, malloc_each.live_at_end / CHURN_OBJECT_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_objects_aligned_and_apart),
		ms_test(test_larger_object_refused),
		ms_test(test_freed_slot_comes_back_first),
		ms_test(test_slab_used_up_before_the_next),
		ms_test(test_reset_frees_every_slot),
		ms_test(test_churn_trace),
	};
	return cmocka_run_group_tests_name("exercise 2: a pool", tests, NULL, NULL);
}
