/* test_sizeof.c: flat and deep sizes: what a block counts, which pointers a walk follows, shared and cyclic graphs, and untracked or mistyped fields reported. */
#include "sizing.h"

/* Another described type, to point a field at the wrong kind of block. */
struct ts_other {
	struct ts_node *to;
	long x;
};
static MS_TYPE(ts_other_type, struct ts_other, MS_PTR(struct ts_other, to, &ts_node_type));

/* ------------------------------------------------------------------ */
/* Flat size                                                            */
/* ------------------------------------------------------------------ */

/* A block's flat size is what ms_block_info says, in every notion, and follows no pointer. */
static void test_flat_equals_block_info(void **state)
{
	(void)state;
	struct ts_node *three = ms_alloc(&ts_node_type, 3);
	struct ts_node *none = ms_alloc(&ts_node_type, 0);
	int *ints = ms_alloc(&ms_type_int, 1000);
	void *tagged = ms_alloc_bytes(77, "ts tagged");
	char *text = ms_strdup("sizing");
	int *big = ms_alloc(&ms_type_int, 70000);     /* past glibc's mmap threshold */
	struct ts_node *labelled = ts_new_node("a label flat size does not follow");
	labelled->left = three;
	const void *blocks[] = { three, none, ints, tagged, text, big, labelled };
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		assert_non_null(blocks[i]);

	/* invariants: flat is block_info's figure, never negative */
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		for (int k = 0; k < MS_NOTION_COUNT; k++) {
			enum ms_notion notion = (enum ms_notion)k;
			int64_t flat = ms_sizeof_flat(blocks[i], notion);
			assert_i64_ge(flat, 0);
			assert_i64_equal(flat, ms_test_block_bytes(blocks[i], notion));
		}
	/* exact: requested sizes from arithmetic */
	assert_i64_equal(ms_sizeof_flat(three, MS_REQUESTED), 3 * TS_NODE_SIZE);
	assert_i64_equal(ms_sizeof_flat(none, MS_REQUESTED), 0);
	assert_i64_equal(ms_sizeof_flat(ints, MS_REQUESTED), 1000 * (int64_t)sizeof(int));
	assert_i64_equal(ms_sizeof_flat(tagged, MS_REQUESTED), 77);
	assert_i64_equal(ms_sizeof_flat(text, MS_REQUESTED), 7);
	assert_i64_equal(ms_sizeof_flat(big, MS_REQUESTED), 70000 * (int64_t)sizeof(int));
	assert_i64_equal(ms_sizeof_flat(labelled, MS_REQUESTED), TS_NODE_SIZE);
	assert_i64_equal(ms_stats().misuse_count, 0);

	ms_free(three);
	ms_free(none);
	ms_free(ints);
	ms_free(tagged);
	ms_free(text);
	ms_free(big);
	ts_free_node(labelled);
}

/* NULL sizes to 0, flat and deep, and is not misuse; freeing a NULL tree is a no-op. */
static void test_null_sizes_zero(void **state)
{
	(void)state;
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion notion = (enum ms_notion)k;
		struct ms_deep found;
		assert_i64_equal(ms_sizeof_flat(NULL, notion), 0);
		assert_i64_equal(ms_sizeof_deep(NULL, notion), 0);
		assert_i64_equal(ms_sizeof_deep_found(NULL, notion, &found), 0);
	}
	ms_sized_free(NULL);
	assert_i64_equal(ms_stats().misuse_count, 0);
}

/*
 * flat, deep and sized each refuse `p` (-1 or NULL, errno = EINVAL) with
 * one report of `kind` (or `alt`) naming this file and the call's line.
 */
static void ts_refused_everywhere(const void *p, enum ms_misuse_kind kind,
				  enum ms_misuse_kind alt, const char *tfile, int tline)
{
	struct ms_probe pr;
	int64_t flat, deep;
	struct ms_sized *tree;

	ms_probe(&pr, flat = ms_sizeof_flat(p, MS_REQUESTED));
	ms_test_probe_reports(&pr, 1, kind, alt, "ms_sizeof_flat", tfile, tline);
	ms_test_i64_check(flat, -1, MS_TEST_EQ, "ms_sizeof_flat", "-1", tfile, tline);
	ms_test_i64_check(pr.err, EINVAL, MS_TEST_EQ, "errno", "EINVAL", tfile, tline);

	ms_probe(&pr, deep = ms_sizeof_deep(p, MS_USABLE));
	ms_test_probe_reports(&pr, 1, kind, alt, "ms_sizeof_deep", tfile, tline);
	ms_test_i64_check(deep, -1, MS_TEST_EQ, "ms_sizeof_deep", "-1", tfile, tline);
	ms_test_i64_check(pr.err, EINVAL, MS_TEST_EQ, "errno", "EINVAL", tfile, tline);

	ms_probe(&pr, tree = ms_sized(p, 2, MS_REQUESTED));
	ms_test_probe_reports(&pr, 1, kind, alt, "ms_sized", tfile, tline);
	if (tree) {
		ms_sized_free(tree);
		print_error("ms_sized returned a tree for a pointer that is not a block\n");
		_fail(tfile, tline);
	}
	ms_test_i64_check(pr.err, EINVAL, MS_TEST_EQ, "errno", "EINVAL", tfile, tline);
}
#define ts_assert_refused(p, kind, alt) ts_refused_everywhere((p), (kind), (alt), __FILE__, __LINE__)

/* A foreign, freed or interior pointer is refused and reported at the caller's site; nothing changes. */
static void test_non_blocks_refused(void **state)
{
	(void)state;
	struct ts_node *live = ts_new_node("live");
	char *raw = malloc(64);
	assert_non_null(raw);
	long on_stack[4] = { 0 };
	static const char literal[] = "a string literal";
	struct ts_node *gone = ms_alloc(&ts_node_type, 1);
	assert_non_null(gone);
	uintptr_t gone_address = (uintptr_t)gone;
	ms_free(gone);

	ts_assert_refused(on_stack, MS_MISUSE_NOT_LIVE, MS_MISUSE_NOT_LIVE);
	ts_assert_refused(raw, MS_MISUSE_NOT_LIVE, MS_MISUSE_NOT_LIVE);
	ts_assert_refused(literal, MS_MISUSE_NOT_LIVE, MS_MISUSE_NOT_LIVE);
	/* a freed block: "not live" (the free ring may call it an already-freed block) */
	ts_assert_refused((const void *)gone_address, MS_MISUSE_NOT_LIVE, MS_MISUSE_DOUBLE_FREE);
	/* inside a live block: "interior pointer", or "not the start of a live block" */
	ts_assert_refused((char *)live + 8, MS_MISUSE_INTERIOR, MS_MISUSE_NOT_LIVE);
	ts_assert_refused(live->label + 1, MS_MISUSE_INTERIOR, MS_MISUSE_NOT_LIVE);

	/* the refused calls left everything as it was */
	assert_i64_equal(ms_sizeof_flat(live, MS_REQUESTED), TS_NODE_SIZE);
	assert_i64_equal(ms_live_blocks(), 2);
	free(raw);
	ts_free_node(live);
}

/* ------------------------------------------------------------------ */
/* Deep size                                                            */
/* ------------------------------------------------------------------ */

/* Deep follows MS_PTR and MS_STRING fields: the sum of the blocks reached, each >= its flat. */
static void test_deep_follows_described_fields(void **state)
{
	(void)state;
	struct ts_node *r = ts_new_node("root");
	struct ts_node *a = ts_new_node("a");
	struct ts_node *b = ts_new_node(NULL);
	r->left = a;
	r->right = b;

	/* invariants: deep >= flat for every block; a block with nothing below is its flat */
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion notion = (enum ms_notion)k;
		const void *each[] = { r, a, b, a->label, r->label };
		for (size_t i = 0; i < 5; i++)
			assert_i64_ge(ms_sizeof_deep(each[i], notion), ms_sizeof_flat(each[i], notion));
		assert_i64_equal(ms_sizeof_deep(b, notion), ms_sizeof_flat(b, notion));
		assert_i64_gt(ms_sizeof_deep(r, notion), ms_sizeof_deep(a, notion));
	}
	/* exact: the blocks reached, from block_info */
	const void *from_r[] = { r, a, a->label, b, r->label };
	ts_assert_deep_is(r, from_r, 0, 0);
	const void *from_a[] = { a, a->label };
	ts_assert_deep_is(a, from_a, 0, 0);
	/* and from requested-size arithmetic: three nodes, "root" and "a" */
	assert_i64_equal(ms_sizeof_deep(r, MS_REQUESTED), 3 * TS_NODE_SIZE + 5 + 2);
	assert_i64_equal(ms_stats().misuse_count, 0);

	ts_free_node(r);
	ts_free_node(a);
	ts_free_node(b);
}

/* A child reached twice is counted once; the extra references are `shared`. */
static void test_shared_child_counted_once(void **state)
{
	(void)state;
	struct ts_node *r = ts_new_node(NULL);
	struct ts_node *c = ts_new_node("child");
	r->left = c;
	r->right = c;
	const void *from_r[] = { r, c, c->label };
	ts_assert_deep_is(r, from_r, 1, 0);
	assert_i64_equal(ms_sizeof_deep(r, MS_REQUESTED), 2 * TS_NODE_SIZE + 6);

	/* a second parent reaching c directly and through r: c still once, two more shares */
	struct ts_node *q = ts_new_node(NULL);
	q->left = c;
	q->right = r;
	const void *from_q[] = { q, c, c->label, r };
	ts_assert_deep_is(q, from_q, 2, 0);

	/* one label string shared by two nodes */
	struct ts_node *twin = ts_new_node(NULL);
	twin->label = c->label;
	r->label = c->label;
	r->right = twin;
	const void *shared_label[] = { r, c, c->label, twin };
	ts_assert_deep_is(r, shared_label, 2, 0);

	twin->label = NULL;
	r->label = NULL;
	ts_free_node(q);
	ts_free_node(twin);
	ts_free_node(r);
	ts_free_node(c);
}

/* Cycles end, and their deep size is the sum of their blocks, from any entry point. */
static void test_cycles_terminate(void **state)
{
	(void)state;
	/* a self-loop */
	struct ts_node *a = ts_new_node(NULL);
	a->left = a;
	const void *self[] = { a };
	ts_assert_deep_is(a, self, 1, 0);
	a->right = a;
	ts_assert_deep_is(a, self, 2, 0);

	/* a -> b -> a */
	struct ts_node *b = ts_new_node("b");
	a->left = b;
	a->right = NULL;
	b->left = a;
	const void *from_a[] = { a, b, b->label };
	ts_assert_deep_is(a, from_a, 1, 0);
	const void *from_b[] = { b, a, b->label };
	ts_assert_deep_is(b, from_b, 1, 0);
	/* both fields both ways: four references, one counts b, three are shared */
	a->right = b;
	b->right = a;
	ts_assert_deep_is(a, from_a, 3, 0);
	assert_i64_equal(ms_sizeof_deep(b, MS_REQUESTED), 2 * TS_NODE_SIZE + 2);

	/* a doubly linked ring of 50: 100 references, 49 count a block, 51 are shared */
	enum { RING = 50 };
	struct ts_node *ring[RING];
	for (int i = 0; i < RING; i++)
		ring[i] = ts_new_node(NULL);
	for (int i = 0; i < RING; i++) {
		ring[i]->left = ring[(i + 1) % RING];
		ring[i]->right = ring[(i + RING - 1) % RING];
	}
	const void *all[RING];
	for (int i = 0; i < RING; i++)
		all[i] = ring[i];
	ts_assert_deep_is(ring[17], all, 51, 0);
	assert_i64_equal(ms_sizeof_deep(ring[0], MS_REQUESTED), RING * TS_NODE_SIZE);

	for (int i = 0; i < RING; i++)
		ts_free_node(ring[i]);
	ts_free_node(a);
	ts_free_node(b);
}

/*
 * MS_ARRAY walks the first `len` elements only (elements past it point at
 * live blocks that stay uncounted) while the array block's flat size
 * includes its unused capacity.
 */
static void test_array_walks_len_elements(void **state)
{
	(void)state;
	enum { CAP = 8, LEN = 3 };
	struct ts_bag *bag = ts_new_bag();
	bag->items = ms_calloc(&ts_node_type, CAP);
	assert_non_null(bag->items);
	bag->nitems = LEN;
	struct ts_node *items = bag->items;
	items[0].label = ms_strdup("zero");
	items[2].label = ms_strdup("two");
	struct ts_node *inside = ts_new_node("in");
	items[1].right = inside;                   /* within len: followed */
	struct ts_node *past[CAP];
	for (int k = LEN; k < CAP; k++) {          /* past len: never followed */
		past[k] = ts_new_node("past");
		items[k].left = past[k];
		items[k].label = ms_strdup("past label");
	}

	/* the array's flat size is its whole capacity */
	assert_i64_equal(ms_sizeof_flat(items, MS_REQUESTED), CAP * TS_NODE_SIZE);
	assert_i64_gt(ms_sizeof_flat(items, MS_REQUESTED), LEN * TS_NODE_SIZE);

	const void *reached[] = { bag, items, items[0].label, inside, inside->label, items[2].label };
	ts_assert_deep_is(bag, reached, 0, 0);
	assert_i64_equal(ms_sizeof_deep(bag, MS_REQUESTED),
			 (int64_t)sizeof(struct ts_bag) + (CAP + 1) * TS_NODE_SIZE + 5 + 4 + 3);

	/* the same block with len = CAP reaches every element's pointers */
	bag->nitems = CAP;
	int64_t more = 0;
	for (int k = LEN; k < CAP; k++)
		more += ms_sizeof_flat(past[k], MS_REQUESTED) +
			ms_sizeof_flat(past[k]->label, MS_REQUESTED) +
			ms_sizeof_flat(items[k].label, MS_REQUESTED);
	bag->nitems = LEN;
	int64_t at_len = ms_sizeof_deep(bag, MS_REQUESTED);
	bag->nitems = CAP;
	assert_i64_equal(ms_sizeof_deep(bag, MS_REQUESTED), at_len + more);
	/* len 0: the array block alone */
	bag->nitems = 0;
	const void *empty[] = { bag, items };
	ts_assert_deep_is(bag, empty, 0, 0);

	for (int k = LEN; k < CAP; k++) {
		ts_free_node(past[k]);
		ms_free(items[k].label);
	}
	ts_free_node(inside);
	ms_free(items[0].label);
	ms_free(items[2].label);
	ms_free(items);
	ms_free(bag);
}

/* MS_PTR_ARRAY follows the first `len` pointers; the pointer block's flat includes its capacity. */
static void test_ptr_array_follows_len(void **state)
{
	(void)state;
	enum { CAP = 6, LEN = 4 };
	struct ts_bag *bag = ts_new_bag();
	struct ts_node **refs = ms_calloc(&ts_node_ptr_type, CAP);
	assert_non_null(refs);
	bag->refs = refs;
	bag->nrefs = LEN;
	struct ts_node *n0 = ts_new_node("n0"), *n1 = ts_new_node("n1"), *n2 = ts_new_node("n2");
	struct ts_node *x = ts_new_node("x past len"), *y = ts_new_node("y past len");
	refs[0] = n0;
	refs[1] = n1;
	refs[2] = n2;
	refs[3] = n1;        /* shared */
	refs[4] = x;
	refs[5] = y;

	assert_i64_equal(ms_sizeof_flat(refs, MS_REQUESTED), CAP * (int64_t)sizeof(void *));
	const void *reached[] = { bag, refs, n0, n0->label, n1, n1->label, n2, n2->label };
	ts_assert_deep_is(bag, reached, 1, 0);
	assert_i64_equal(ms_sizeof_deep(bag, MS_REQUESTED),
			 (int64_t)sizeof(struct ts_bag) + CAP * (int64_t)sizeof(void *) +
				 3 * TS_NODE_SIZE + 3 * 3);

	/* NULL entries are skipped, not untracked */
	refs[2] = NULL;
	const void *fewer[] = { bag, refs, n0, n0->label, n1, n1->label };
	ts_assert_deep_is(bag, fewer, 1, 0);

	/* len = CAP follows the last two as well */
	bag->nrefs = CAP;
	const void *all[] = { bag, refs, n0, n0->label, n1, n1->label, x, x->label, y, y->label };
	ts_assert_deep_is(bag, all, 1, 0);

	ts_free_node(n0);
	ts_free_node(n1);
	ts_free_node(n2);
	ts_free_node(x);
	ts_free_node(y);
	ms_free(refs);
	ms_free(bag);
}

/* MS_STRING counts the string's whole block, once however many fields hold it. */
static void test_string_counts_its_block(void **state)
{
	(void)state;
	struct ts_bag *bag = ts_new_bag();
	bag->name = ms_strdup("a bag");
	assert_non_null(bag->name);
	const void *reached[] = { bag, bag->name };
	ts_assert_deep_is(bag, reached, 0, 0);
	assert_i64_equal(ms_sizeof_deep(bag, MS_REQUESTED), (int64_t)sizeof(struct ts_bag) + 6);

	/* a string in a bigger block: the block is counted, not strlen + 1 */
	char *roomy = ms_realloc(bag->name, 100);
	assert_non_null(roomy);
	bag->name = roomy;
	assert_i64_equal(ms_sizeof_deep(bag, MS_REQUESTED), (int64_t)sizeof(struct ts_bag) + 100);
	ms_free(bag->name);
	ms_free(bag);
}

/* An MS_PTR field walks the one object it points at, even in a block of several. */
static void test_ptr_field_walks_one_object(void **state)
{
	(void)state;
	struct ts_node *r = ts_new_node(NULL);
	struct ts_node *block = ms_calloc(&ts_node_type, 3);
	assert_non_null(block);
	struct ts_node *z = ts_new_node(NULL), *x = ts_new_node(NULL), *y = ts_new_node(NULL);
	r->left = block;
	block[0].right = z;       /* element 0: followed */
	block[1].left = x;        /* elements 1 and 2: not the object the field names */
	block[2].right = y;
	const void *reached[] = { r, block, z };
	ts_assert_deep_is(r, reached, 0, 0);
	assert_i64_equal(ms_sizeof_deep(r, MS_REQUESTED), 5 * TS_NODE_SIZE);
	ts_free_node(r);
	ts_free_node(x);
	ts_free_node(y);
	ts_free_node(z);
	ms_free(block);
}

/* Deep sizing a block of several objects walks every one of them. */
static void test_root_walks_every_element(void **state)
{
	(void)state;
	struct ts_node *arr = ms_calloc(&ts_node_type, 3);
	assert_non_null(arr);
	struct ts_node *c[3];
	for (int i = 0; i < 3; i++) {
		c[i] = ts_new_node(NULL);
		arr[i].left = c[i];
	}
	arr[2].label = ms_strdup("last");
	arr[1].right = c[0];      /* shared with arr[0].left */
	const void *reached[] = { arr, c[0], c[1], c[2], arr[2].label };
	ts_assert_deep_is(arr, reached, 1, 0);
	assert_i64_equal(ms_sizeof_deep(arr, MS_REQUESTED), 6 * TS_NODE_SIZE + 5);
	for (int i = 0; i < 3; i++)
		ts_free_node(c[i]);
	ms_free(arr[2].label);
	ms_free(arr);
}

/* ------------------------------------------------------------------ */
/* Untracked and mistyped fields                                        */
/* ------------------------------------------------------------------ */

/*
 * Deep-size `r` (whose one bad field is set) and check: the result is
 * r's flat size alone, found.untracked is 1, one MS_MISUSE_UNTRACKED
 * report names this file and the call's line, and no gauge moved.
 */
static void ts_untracked_once(struct ts_node *r, const char *tfile, int tline)
{
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion notion = (enum ms_notion)k;
		struct ms_probe pr;
		struct ms_deep found;
		int64_t deep;
		ms_probe(&pr, deep = ms_sizeof_deep_found(r, notion, &found));
		ms_test_probe_is(&pr, MS_MISUSE_UNTRACKED, "ms_sizeof_deep", tfile, tline);
		int64_t flat = ms_test_block_bytes(r, notion);
		ms_test_i64_check(deep, flat, MS_TEST_EQ, "deep", "flat of the root alone", tfile,
				  tline);
		ms_test_i64_check(found.bytes, flat, MS_TEST_EQ, "found.bytes", "flat", tfile, tline);
		ms_test_i64_check(found.blocks, 1, MS_TEST_EQ, "found.blocks", "1", tfile, tline);
		ms_test_i64_check(found.untracked, 1, MS_TEST_EQ, "found.untracked", "1", tfile,
				  tline);
		ms_test_i64_check(found.shared, 0, MS_TEST_EQ, "found.shared", "0", tfile, tline);
	}
}
#define ts_assert_untracked_once(r) ts_untracked_once((r), __FILE__, __LINE__)

/* A field pointing at memory memstats did not hand out, or into a block, is reported and not counted. */
static void test_untracked_pointers_reported(void **state)
{
	(void)state;
	struct ts_node *r = ts_new_node(NULL);
	struct ts_node on_stack = { 0 };
	struct ts_node *raw = calloc(1, sizeof *raw);
	assert_non_null(raw);
	char *text = ms_strdup("interior string");
	struct ts_node *pair = ms_calloc(&ts_node_type, 2);
	assert_non_null(text);
	assert_non_null(pair);

	r->label = (char *)"a string literal";
	ts_assert_untracked_once(r);
	r->label = text + 2;                  /* into the middle of a tracked string */
	ts_assert_untracked_once(r);
	r->label = NULL;
	r->left = &on_stack;
	ts_assert_untracked_once(r);
	r->left = raw;
	ts_assert_untracked_once(r);
	r->left = NULL;
	r->right = &pair[1];                  /* the second object of a tracked block */
	ts_assert_untracked_once(r);

	/* three at once: three reports, three untracked, still the root alone */
	r->label = (char *)"literal";
	r->left = &on_stack;
	r->right = raw;
	struct ms_probe pr;
	struct ms_deep found;
	int64_t deep;
	ms_probe(&pr, deep = ms_sizeof_deep_found(r, MS_REQUESTED, &found));
	assert_probe_reports(&pr, 3, MS_MISUSE_UNTRACKED, "ms_sizeof_deep");
	assert_i64_equal(deep, TS_NODE_SIZE);
	assert_i64_equal(found.untracked, 3);
	assert_i64_equal(found.blocks, 1);

	/* in a sized tree: an untracked leaf of size 0, in the root's totals, reported by ms_sized */
	r->left = NULL;
	r->right = NULL;
	struct ms_sized *tree;
	ms_probe(&pr, tree = ms_sized(r, 1, MS_REQUESTED));
	assert_probe(&pr, MS_MISUSE_UNTRACKED, "ms_sized");
	ts_assert_tree(tree, 1);
	assert_i64_equal(tree->totals.untracked, 1);
	assert_i64_equal(tree->totals.blocks, 1);
	assert_i64_equal(tree->size, TS_NODE_SIZE);
	assert_int_equal(tree->child_count, 1);
	const struct ms_sized *label = ts_child_named(tree, "label");
	assert_non_null(label);
	assert_int_equal(label->untracked, 1);
	assert_i64_equal(label->size, 0);
	assert_i64_equal(label->flat, 0);
	assert_null(label->counted_at);
	ms_sized_free(tree);

	r->label = NULL;
	ts_free_node(r);
	free(raw);
	ms_free(text);
	ms_free(pair);
}

/* The three mistyped fields of these tests, freed by the caller. */
struct ts_mistyped {
	struct ts_other *other;
	struct ts_node *beyond;
	int *ints;
	struct ts_other *others;
};

static void ts_mistyped_make(struct ts_mistyped *m)
{
	m->other = ms_calloc(&ts_other_type, 1);
	m->beyond = ts_new_node("beyond");
	m->ints = ms_calloc(&ms_type_int, 4);
	m->others = ms_calloc(&ts_other_type, 3);
	assert_non_null(m->other);
	assert_non_null(m->ints);
	assert_non_null(m->others);
	m->other->to = m->beyond;
	m->others[0].to = m->beyond;
}

static void ts_mistyped_free(struct ts_mistyped *m)
{
	ms_free(m->other);
	ts_free_node(m->beyond);
	ms_free(m->ints);
	ms_free(m->others);
}

/*
 * Deep-size `r`, one of whose fields points at `wrong`, a block of another
 * described type (whose own pointer, if any, leads to `beyond`): one
 * MS_MISUSE_BAD_TYPE report at the call's line, and nothing past `wrong`.
 */
static void ts_bad_type_once(struct ts_node *r, const void *wrong, const void *beyond, int64_t *deep,
			     struct ms_deep *found, const char *tfile, int tline)
{
	struct ms_probe pr;
	ms_probe(&pr, *deep = ms_sizeof_deep_found(r, MS_REQUESTED, found));
	ms_test_probe_is(&pr, MS_MISUSE_BAD_TYPE, "ms_sizeof_deep", tfile, tline);
	/* not walked: nothing beyond the mistyped block is reached */
	int64_t root = ms_test_block_bytes(r, MS_REQUESTED);
	int64_t wrong_flat = ms_test_block_bytes(wrong, MS_REQUESTED);
	ms_test_i64_check(*deep, root + wrong_flat, MS_TEST_LE, "deep", "root + mistyped block",
			  tfile, tline);
	ms_test_i64_check(found->blocks, 2, MS_TEST_LE, "found.blocks", "2", tfile, tline);
	if (beyond)
		ms_test_i64_check(*deep, root + wrong_flat + ms_test_block_bytes(beyond, MS_REQUESTED),
				  MS_TEST_LT, "deep", "with what lies beyond", tfile, tline);
}

/* A field pointing at a block of another described type is reported and not walked. */
static void test_bad_type_reported_not_walked(void **state)
{
	(void)state;
	struct ts_mistyped m;
	ts_mistyped_make(&m);
	struct ts_node *r = ts_new_node(NULL);
	int64_t deep;
	struct ms_deep found;

	r->left = (struct ts_node *)(void *)m.other;    /* a struct ts_other, not a node */
	ts_bad_type_once(r, m.other, m.beyond, &deep, &found, __FILE__, __LINE__);
	r->left = NULL;
	r->right = (struct ts_node *)(void *)m.ints;    /* an int block */
	ts_bad_type_once(r, m.ints, NULL, &deep, &found, __FILE__, __LINE__);
	r->right = NULL;

	/* an MS_ARRAY field over a block of the wrong type */
	struct ts_bag *bag = ts_new_bag();
	bag->items = (struct ts_node *)(void *)m.others;
	bag->nitems = 1;
	struct ms_probe pr;
	ms_probe(&pr, deep = ms_sizeof_deep_found(bag, MS_REQUESTED, &found));
	assert_probe(&pr, MS_MISUSE_BAD_TYPE, "ms_sizeof_deep");
	assert_i64_le(deep, ms_test_block_bytes(bag, MS_REQUESTED) + ms_test_block_bytes(m.others, MS_REQUESTED));

	ms_free(bag);
	ts_free_node(r);
	ts_mistyped_free(&m);
}

/*
 * The header: a field whose block has another described type is
 * "reported as misuse and not counted", like an untracked pointer, so the
 * deep size is the root's alone. It is not untracked: memstats handed it out.
 */
static void test_bad_type_block_not_counted(void **state)
{
	(void)state;
	struct ts_mistyped m;
	ts_mistyped_make(&m);
	struct ts_node *r = ts_new_node(NULL);
	r->left = (struct ts_node *)(void *)m.other;
	int counts[MS_MISUSE_KIND_COUNT] = { 0 };
	int64_t deep[MS_NOTION_COUNT], flat[MS_NOTION_COUNT];
	struct ms_deep found[MS_NOTION_COUNT];
	ms_set_misuse_handler(ms_count_handler, counts);
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		deep[k] = ms_sizeof_deep_found(r, (enum ms_notion)k, &found[k]);
		flat[k] = ms_test_block_bytes(r, (enum ms_notion)k);
	}
	ms_set_misuse_handler(NULL, NULL);
	/* free first, so a failure here does not leave blocks for the next test */
	ts_free_node(r);
	ts_mistyped_free(&m);
	assert_int_equal(counts[MS_MISUSE_BAD_TYPE], MS_NOTION_COUNT);
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		assert_i64_equal(deep[k], flat[k]);
		assert_i64_equal(found[k].bytes, flat[k]);
		assert_i64_equal(found[k].blocks, 1);
		assert_i64_equal(found[k].untracked, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_flat_equals_block_info),
		ms_test(test_null_sizes_zero),
		ms_test(test_non_blocks_refused),
		ms_test(test_deep_follows_described_fields),
		ms_test(test_shared_child_counted_once),
		ms_test(test_cycles_terminate),
		ms_test(test_array_walks_len_elements),
		ms_test(test_ptr_array_follows_len),
		ms_test(test_string_counts_its_block),
		ms_test(test_ptr_field_walks_one_object),
		ms_test(test_root_walks_every_element),
		ms_test(test_untracked_pointers_reported),
		ms_test(test_bad_type_reported_not_walked),
		ms_test(test_bad_type_block_not_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
