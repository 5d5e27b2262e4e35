/* test.c: exercise 4's test, built against exercise.c (yours) or solution.c: each reordered struct is as small as its fields allow. */
#include "test_util.h"

#include "layout.h"

/* What reordering saves per instance, in layouts_given's order: particle, request, entry. */
static const int64_t saved_per_instance[LAYOUT_COUNT] = { 16, 16, 8 };

/* The given orders waste bytes, or there would be nothing to do. */
static void test_given_structs_waste_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < LAYOUT_COUNT; i++)
		assert_i64_gt(layouts_given[i]->size, layout_smallest_size(layouts_given[i]));
}

static void test_reordered_as_small_as_can_be(void **state)
{
	(void)state;
	for (size_t i = 0; i < LAYOUT_COUNT; i++) {
		const struct layout *layout = layouts_reordered[i];
		size_t smallest = layout_smallest_size(layout);
		if (layout->size != smallest)
			fail_msg("%s is %zu bytes, but its %zu bytes of fields fit in %zu: reorder "
				 "them (TODO in exercises/04_layout/exercise.c)",
				 layout->name, layout->size, layout_field_bytes(layout), smallest);
	}
}

/* The saving, exactly: it is fixed by the x86_64 ABI, not by the allocator. */
static void test_bytes_saved(void **state)
{
	(void)state;
	for (size_t i = 0; i < LAYOUT_COUNT; i++)
		assert_i64_equal(layouts_given[i]->size - layouts_reordered[i]->size,
				 saved_per_instance[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_given_structs_waste_bytes),
		ms_test(test_reordered_as_small_as_can_be),
		ms_test(test_bytes_saved),
	};
	return cmocka_run_group_tests_name("exercise 4: struct layout", tests, NULL, NULL);
}
