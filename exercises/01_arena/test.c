/* test.c: exercise 1's test, built against exercise.c (yours) or solution.c: the arena hands out packed, aligned memory, reuses its chunks after a reset and frees them at once. */
#include "strategy_test.h"

#include "arena.h"

#define TODO_ALLOC "write arena_alloc (TODO 1 in exercises/01_arena/exercise.c)"
#define TODO_RESET "write arena_reset (TODO 2 in exercises/01_arena/exercise.c)"
#define TODO_DESTROY "write arena_destroy (TODO 3 in exercises/01_arena/exercise.c)"

/* Tree nodes one chunk holds: they pack with no gap, at their 8-byte alignment. */
#define NODES_PER_CHUNK ((STRATEGY_BLOCK_SIZE - sizeof(struct arena_chunk)) / TREE_NODE_SIZE)

/* Fill the arena's first chunk with tree-node-sized objects; returns the first. */
static unsigned char *fill_one_chunk(struct arena *a)
{
	unsigned char *first = arena_alloc(&a->base, TREE_NODE_SIZE);
	if (!first)
		fail_msg("arena_alloc(%d) returned NULL: %s", TREE_NODE_SIZE, TODO_ALLOC);
	unsigned char *previous = first;
	for (size_t i = 1; i < NODES_PER_CHUNK; i++) {
		unsigned char *next = arena_alloc(&a->base, TREE_NODE_SIZE);
		if (next != previous + TREE_NODE_SIZE)
			fail_msg("object %zu of a chunk is not right after object %zu: objects of "
				 "%d bytes need only %zu-byte alignment, so they pack with no gap",
				 i, i - 1, TREE_NODE_SIZE, strategy_align_for(TREE_NODE_SIZE));
		previous = next;
	}
	return first;
}

static void test_objects_aligned_and_apart(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, STRATEGY_BLOCK_SIZE);
	const size_t sizes[] = { 24, 1, 16, 40, 3, 8, 64, 24, 2, 100, 12, 32 };
	assert_hands_out(&a.base, sizes, sizeof sizes / sizeof sizes[0], TODO_ALLOC);
	assert_destroy_gives_back(&a.base, TODO_DESTROY);
}

/* One chunk holds NODES_PER_CHUNK nodes, packed; the next node takes a second chunk. */
static void test_chunk_filled_before_the_next(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, STRATEGY_BLOCK_SIZE);
	int64_t before = blocks_taken();
	fill_one_chunk(&a);
	assert_i64_equal(blocks_taken() - before, 1);
	assert_non_null(arena_alloc(&a.base, TREE_NODE_SIZE));
	assert_i64_equal(blocks_taken() - before, 2);
	assert_destroy_gives_back(&a.base, TODO_DESTROY);
}

/* An object larger than a chunk gets a chunk of its own size, and the arena goes on after it. */
static void test_big_object_gets_its_own_chunk(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, STRATEGY_BLOCK_SIZE);
	const size_t big = 3 * STRATEGY_BLOCK_SIZE;
	int64_t before_bytes = ms_stats().all.bytes[MS_REQUESTED].current;
	unsigned char *object = arena_alloc(&a.base, big);
	if (!object)
		fail_msg("arena_alloc(%zu) returned NULL: %s", big, TODO_ALLOC);
	memset(object, 0xab, big);
	assert_i64_equal(ms_stats().all.bytes[MS_REQUESTED].current - before_bytes,
			 sizeof(struct arena_chunk) + big);
	const size_t small[] = { 24, 24 };
	assert_hands_out(&a.base, small, 2, TODO_ALLOC);
	assert_destroy_gives_back(&a.base, TODO_DESTROY);
}

/* After a reset the same objects come from the same chunks, and memstats is asked for nothing. */
static void test_reset_reuses_every_chunk(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, STRATEGY_BLOCK_SIZE);
	unsigned char *first = fill_one_chunk(&a);
	fill_one_chunk(&a);
	int64_t before = blocks_taken();
	int64_t live_before = ms_live_blocks();
	arena_reset(&a.base);
	if (ms_live_blocks() != live_before)
		fail_msg("arena_reset freed chunks: it should keep them all for the next objects");
	if (fill_one_chunk(&a) != first)
		fail_msg("after arena_reset the first object is not at the first chunk's start: %s",
			 TODO_RESET);
	fill_one_chunk(&a);
	if (blocks_taken() != before)
		fail_msg("after arena_reset, refilling two chunks took %" PRId64 " new ones: %s",
			 blocks_taken() - before, TODO_RESET);
	assert_destroy_gives_back(&a.base, TODO_DESTROY);
}

/* destroy frees every chunk and leaves an arena that works again. */
static void test_destroy_frees_every_chunk(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, STRATEGY_BLOCK_SIZE);
	fill_one_chunk(&a);
	fill_one_chunk(&a);
	assert_destroy_gives_back(&a.base, TODO_DESTROY);
	assert_null(a.first);
	const size_t sizes[] = { 24 };
	assert_hands_out(&a.base, sizes, 1, "after arena_destroy the arena must work again, as after arena_init");
	assert_destroy_gives_back(&a.base, TODO_DESTROY);
}

/* The tree trace: a chunk's worth of nodes per call, the chunks kept across the rebuild, no walk to tear down. */
static void test_tree_trace(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, STRATEGY_BLOCK_SIZE);
	struct trace_figures arena, malloc_each;
	assert_trace_against_malloc(TRACE_TREE, &a.base, &arena, &malloc_each);

	int64_t chunks = (TREE_NODES + NODES_PER_CHUNK - 1) / NODES_PER_CHUNK;
	assert_i64_equal(arena.objects, TREE_ROUNDS * TREE_NODES);
	assert_i64_equal(arena.calls, chunks);
	assert_i64_equal(arena.peak_held, chunks * STRATEGY_BLOCK_SIZE);
	assert_i64_equal(arena.held_at_end, arena.peak_held);
	assert_i64_equal(arena.teardown_frees, 0);
	assert_i64_equal(malloc_each.calls, TREE_ROUNDS * TREE_NODES);
	assert_i64_equal(malloc_each.peak_held, TREE_NODES * TREE_NODE_SIZE);
	assert_i64_equal(malloc_each.teardown_frees, TREE_NODES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_objects_aligned_and_apart),
		ms_test(test_chunk_filled_before_the_next),
		ms_test(test_big_object_gets_its_own_chunk),
		ms_test(test_reset_reuses_every_chunk),
		ms_test(test_destroy_frees_every_chunk),
		ms_test(test_tree_trace),
	};
	return cmocka_run_group_tests_name("exercise 1: an arena", tests, NULL, NULL);
}
