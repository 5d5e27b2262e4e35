/* test_twos.c: the tutorial's `[2] * 10`: ten pointers to one int against ten pointers to ten ints, deep and as a sized tree. */
#include "sizing.h"

/* The tutorial's `[2] * 10`: an array of `int *`. */
static MS_TYPE_POINTER(ts_int_ptr_type, int *, &ms_type_int);

/* Ten pointers to one int: deep = the array + one int; the tree names ten "[i]", one counts it. */
static void test_ten_pointers_to_one_int(void **state)
{
	(void)state;
	enum { N = 10 };
	int **x = ms_alloc(&ts_int_ptr_type, N);
	int *two = ms_alloc(&ms_type_int, 1);
	assert_non_null(x);
	assert_non_null(two);
	*two = 2;
	for (int i = 0; i < N; i++)
		x[i] = two;

	const void *reached[] = { x, two };
	ts_assert_deep_is(x, reached, N - 1, 0);
	assert_i64_equal(ms_sizeof_deep(x, MS_REQUESTED),
			 N * (int64_t)sizeof(int *) + (int64_t)sizeof(int));

	struct ms_sized *tree = ms_sized(x, 1, MS_REQUESTED);
	ts_assert_tree(tree, 1);
	assert_i64_equal(tree->size, ms_sizeof_deep(x, MS_REQUESTED));
	assert_i64_equal(tree->flat, ms_sizeof_flat(x, MS_REQUESTED));
	assert_i64_equal(tree->totals.shared, N - 1);
	assert_int_equal(tree->child_count, N);
	int counted = 0;
	for (int i = 0; i < N; i++) {
		const struct ms_sized *c = &tree->children[i];
		char want[8];
		snprintf(want, sizeof want, "[%d]", i);     /* [0] counts; ties keep traversal order */
		assert_string_equal(c->name, want);
		if (c->size > 0) {
			counted++;
			assert_i64_equal(c->size, ms_sizeof_flat(two, MS_REQUESTED));
			assert_i64_equal(c->flat, ms_sizeof_flat(two, MS_REQUESTED));
			assert_null(c->counted_at);
		} else {
			assert_i64_equal(c->flat, 0);
			assert_ptr_equal(c->counted_at, &tree->children[0]);
			assert_int_equal(c->counted_below, 0);
		}
	}
	assert_int_equal(counted, 1);
	ts_assert_path(&tree->children[0], "[0]");
	ts_assert_path(&tree->children[7], "[7]");
	ts_assert_path(tree, "");
	ms_sized_free(tree);

	ms_free(x);
	ms_free(two);
}

/* Ten pointers to ten ints: nine ints more than the shared case, ten equal children in order. */
static void test_ten_pointers_to_ten_ints(void **state)
{
	(void)state;
	enum { N = 10 };
	int **x = ms_alloc(&ts_int_ptr_type, N);
	assert_non_null(x);
	const void *reached[1 + N] = { x };
	for (int i = 0; i < N; i++) {
		x[i] = ms_alloc(&ms_type_int, 1);
		assert_non_null(x[i]);
		*x[i] = 2;
		reached[1 + i] = x[i];
	}
	ts_assert_deep_is(x, reached, 0, 0);
	/* against the shared case: the same array with every pointer at x[0] */
	int *own[N];
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion notion = (enum ms_notion)k;
		int64_t separate = ms_sizeof_deep(x, notion);
		for (int i = 0; i < N; i++) {
			own[i] = x[i];
			x[i] = own[0];
		}
		int64_t shared = ms_sizeof_deep(x, notion);
		for (int i = 0; i < N; i++)
			x[i] = own[i];
		int64_t others = 0;
		for (int i = 1; i < N; i++)
			others += ms_test_block_bytes(x[i], notion);
		assert_i64_equal(separate - shared, others);
	}

	struct ms_sized *tree = ms_sized(x, 1, MS_REQUESTED);
	ts_assert_tree(tree, 1);
	assert_int_equal(tree->child_count, N);
	for (int i = 0; i < N; i++) {
		char want[8];
		snprintf(want, sizeof want, "[%d]", i);
		assert_string_equal(tree->children[i].name, want);
		assert_i64_equal(tree->children[i].size, (int64_t)sizeof(int));
		assert_null(tree->children[i].counted_at);
	}
	ms_sized_free(tree);
	for (int i = 0; i < N; i++)
		ms_free(x[i]);
	ms_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_ten_pointers_to_one_int),
		ms_test(test_ten_pointers_to_ten_ints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
