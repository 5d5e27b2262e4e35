/* test_sized.c: sized trees: their invariants at every detail, paths and where a shared block was counted, and their printed form. */
#include "sizing.h"

/* A nontrivial graph under one bag: arrays, a pointer array, sharing, cycles, two untracked pointers. */
struct ts_graph {
	struct ts_bag *bag;
	struct ts_node *tree[15];
	struct ts_node *s1, *s2, *x, *x2;
	char *past_label;
	const void *counted[64];
	size_t ncounted;
};
enum { TS_GRAPH_SHARED = 6, TS_GRAPH_UNTRACKED = 2 };

static void ts_graph_count(struct ts_graph *g, const void *p)
{
	assert_non_null(p);
	assert_true(g->ncounted < sizeof g->counted / sizeof g->counted[0]);
	g->counted[g->ncounted++] = p;
}

static void ts_graph_build(struct ts_graph *g)
{
	memset(g, 0, sizeof *g);
	struct ts_bag *bag = g->bag = ts_new_bag();
	ts_graph_count(g, bag);
	bag->name = ms_strdup("bag of nodes");
	ts_graph_count(g, bag->name);

	bag->items = ms_calloc(&ts_node_type, 6);
	bag->nitems = 4;
	ts_graph_count(g, bag->items);
	struct ts_node *items = bag->items;
	items[0].label = ms_strdup("i0");
	ts_graph_count(g, items[0].label);
	items[1].label = ms_strdup("item one");
	ts_graph_count(g, items[1].label);
	items[2].left = &items[3];                 /* into the middle of a block: untracked */

	for (int i = 0; i < 15; i++) {             /* a complete binary tree, depth 4 */
		char label[8];
		snprintf(label, sizeof label, "t%d", i);
		g->tree[i] = ts_new_node(label);
		ts_graph_count(g, g->tree[i]);
		ts_graph_count(g, g->tree[i]->label);
	}
	for (int i = 0; i < 7; i++) {
		g->tree[i]->left = g->tree[2 * i + 1];
		g->tree[i]->right = g->tree[2 * i + 2];
	}
	g->tree[14]->right = g->tree[0];           /* a cycle back to the top: shared */
	g->tree[13]->right = g->tree[7];           /* shared */
	items[3].right = g->tree[0];
	g->x = ts_new_node(NULL);                  /* past len: never reached */
	items[4].left = g->x;
	g->past_label = items[5].label = ms_strdup("past");

	struct ts_node **refs = bag->refs = ms_calloc(&ts_node_ptr_type, 7);
	bag->nrefs = 5;
	ts_graph_count(g, refs);
	g->s1 = ts_new_node("s1");
	ts_graph_count(g, g->s1);
	ts_graph_count(g, g->s1->label);
	g->s2 = ts_new_node(NULL);
	ts_graph_count(g, g->s2);
	g->s2->label = (char *)"literal";          /* untracked */
	g->s2->left = g->s1;                       /* shared */
	g->s2->right = g->s2;                      /* a self-loop: shared */
	g->x2 = ts_new_node(NULL);
	refs[0] = g->tree[3];                      /* shared */
	refs[1] = g->s1;
	refs[2] = g->s1;                           /* shared */
	refs[3] = NULL;
	refs[4] = g->s2;
	refs[5] = g->x2;                           /* past len */
	refs[6] = g->x2;
}

static void ts_graph_free(struct ts_graph *g)
{
	g->s2->label = NULL;
	for (size_t i = 0; i < g->ncounted; i++)
		ms_free((void *)g->counted[i]);
	ts_free_node(g->x);
	ts_free_node(g->x2);
	ms_free(g->past_label);
}

/* r.left = a, a.left = c, r.right = c: the shared reference names where c was counted, or the ancestor kept. */
struct ts_small {
	struct ts_node *r, *a, *c;
};

static void ts_small_build(struct ts_small *s)
{
	s->r = ts_new_node("root");
	s->a = ts_new_node("a");
	s->c = ts_new_node(NULL);
	s->r->left = s->a;
	s->a->left = s->c;
	s->r->right = s->c;
}

static void ts_small_free(struct ts_small *s)
{
	ts_free_node(s->r);
	ts_free_node(s->a);
	ts_free_node(s->c);
}

/* A descriptor whose names would break lines, for test_sized_print_escapes_names. */
static ms_type ts_odd_type;
static const ms_field ts_odd_fields[] = {
	{ "l\x1b", MS_FIELD_PTR, offsetof(struct ts_node, left), 0, &ts_odd_type },
	{ "r", MS_FIELD_PTR, offsetof(struct ts_node, right), 0, &ts_odd_type },
};
static ms_type ts_odd_type = { "struct ts\nodd", sizeof(struct ts_node), ts_odd_fields, 2, 0 };

/* Every node of a tree with its path, sorted by path (raw malloc). */
struct ts_pathed {
	char *path;
	const struct ms_sized *node;
};

static int ts_by_path(const void *a, const void *b)
{
	return strcmp(((const struct ts_pathed *)a)->path, ((const struct ts_pathed *)b)->path);
}

static struct ts_pathed *ts_paths_of(const struct ts_facts *f)
{
	struct ts_pathed *p = calloc((size_t)f->nodes, sizeof *p);
	assert_non_null(p);
	for (int64_t i = 0; i < f->nodes; i++) {
		p[i].path = ms_sized_path(f->all[i]);
		assert_non_null(p[i].path);
		p[i].node = f->all[i];
	}
	qsort(p, (size_t)f->nodes, sizeof *p, ts_by_path);
	for (int64_t i = 1; i < f->nodes; i++)
		if (strcmp(p[i].path, p[i - 1].path) == 0) {
			print_error("two nodes share the path \"%s\"\n", p[i].path);
			fail();
		}
	return p;
}

static void ts_paths_free(struct ts_pathed *p, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		free(p[i].path);
	free(p);
}

/*
 * Each node of a shallower tree has the same size, flat and sharing as
 * the node at its path in the full tree: detail cuts the tree, it never
 * moves bytes. A shared reference counted past the detail names the
 * deepest ancestor kept, a prefix of where the full tree counted it.
 */
static void ts_compare_with_full(const struct ts_facts *part, const struct ts_pathed *full,
				 int64_t nfull, const char *tfile, int tline)
{
	for (int64_t i = 0; i < part->nodes; i++) {
		const struct ms_sized *node = part->all[i];
		struct ts_pathed key = { ms_sized_path(node), NULL };
		assert_non_null(key.path);
		const struct ts_pathed *hit = bsearch(&key, full, (size_t)nfull, sizeof *full,
						      ts_by_path);
		if (!hit)
			ts_tree_fail(node, "no node at this path in the full tree", 0, 0, tfile,
				     tline);
		const struct ms_sized *twin = hit->node;
		if (node->size != twin->size)
			ts_tree_fail(node, "size differs from the full tree's", node->size,
				     twin->size, tfile, tline);
		if (node->flat != twin->flat)
			ts_tree_fail(node, "flat differs from the full tree's", node->flat,
				     twin->flat, tfile, tline);
		if (node->untracked != twin->untracked || !node->counted_at != !twin->counted_at)
			ts_tree_fail(node, "sharing or untracked differs from the full tree's", 0,
				     0, tfile, tline);
		if (node->counted_at) {
			char *a = ms_sized_path(node->counted_at);
			char *b = ms_sized_path(twin->counted_at);
			assert_non_null(a);
			assert_non_null(b);
			int ok = node->counted_below
					 ? strlen(b) > strlen(a) && strncmp(a, b, strlen(a)) == 0
					 : strcmp(a, b) == 0;
			if (!ok) {
				print_error("counted_at \"%s\" (below: %d) but the full tree says "
					    "\"%s\"\n", a, node->counted_below, b);
				free(a);
				free(b);
				ts_tree_fail(node, "counted_at disagrees with the full tree", 0, 0,
					     tfile, tline);
			}
			free(a);
			free(b);
		}
		free(key.path);
	}
}

/*
 * At detail 0..3 and in full: every node within detail is its flat plus
 * its children; leaves at the limit carry their subtree; children sorted;
 * the root's size and totals are the deep sizing's at every detail; each
 * node agrees with the full tree's node at its path.
 */
static void test_sized_tree_invariants_every_detail(void **state)
{
	(void)state;
	struct ts_graph g;
	ts_graph_build(&g);
	int counts[MS_MISUSE_KIND_COUNT] = { 0 };
	ms_set_misuse_handler(ms_count_handler, counts);
	int calls = 0;

	/* deep sizing first: the sum of the counted blocks in every notion */
	ts_check_deep_is(g.bag, g.counted, g.ncounted, TS_GRAPH_SHARED, TS_GRAPH_UNTRACKED,
			 __FILE__, __LINE__);
	calls += MS_NOTION_COUNT;       /* one deep sizing per notion (its flat reports nothing) */
	struct ms_deep deep[MS_NOTION_COUNT];
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		assert_i64_ge(ms_sizeof_deep_found(g.bag, (enum ms_notion)k, &deep[k]), 0);
		calls++;
	}

	struct ms_stats before = ms_stats();
	struct ms_sized *full = ms_sized(g.bag, 64, MS_REQUESTED);
	calls++;
	struct ts_facts ff;
	ts_check_tree(full, 64, &ff, __FILE__, __LINE__);
	assert_i64_equal(full->size, deep[MS_REQUESTED].bytes);
	assert_i64_equal(ff.sum_flat, deep[MS_REQUESTED].bytes);
	assert_i64_equal(ff.shared_nodes, TS_GRAPH_SHARED);
	assert_i64_equal(ff.untracked_nodes, TS_GRAPH_UNTRACKED);
	assert_true(ff.max_depth > 3);
	struct ts_pathed *paths = ts_paths_of(&ff);

	for (int detail = 0; detail <= 3; detail++) {
		for (int k = 0; k < MS_NOTION_COUNT; k++) {
			enum ms_notion notion = (enum ms_notion)k;
			struct ms_sized *t = ms_sized(g.bag, detail, notion);
			calls++;
			struct ts_facts f;
			ts_check_tree(t, detail, &f, __FILE__, __LINE__);
			/* the root's totals are the deep sizing's, whatever the detail */
			assert_i64_equal(t->size, deep[k].bytes);
			assert_i64_equal(t->totals.bytes, deep[k].bytes);
			assert_i64_equal(t->totals.blocks, deep[k].blocks);
			assert_i64_equal(t->totals.shared, deep[k].shared);
			assert_i64_equal(t->totals.untracked, deep[k].untracked);
			assert_i64_equal(t->flat, ms_test_block_bytes(g.bag, notion));
			assert_int_equal(f.max_depth, detail);
			if (notion == MS_REQUESTED)
				ts_compare_with_full(&f, paths, ff.nodes, __FILE__, __LINE__);
			if (detail >= 1) {
				/* the root's children are its three fields, each block's flat from block_info */
				assert_int_equal(t->child_count, 3);
				const struct ms_sized *items = ts_child_named(t, "items");
				const struct ms_sized *refs = ts_child_named(t, "refs");
				const struct ms_sized *name = ts_child_named(t, "name");
				assert_non_null(items);
				assert_non_null(refs);
				assert_non_null(name);
				assert_i64_equal(items->flat, ms_test_block_bytes(g.bag->items, notion));
				assert_i64_equal(refs->flat, ms_test_block_bytes(g.bag->refs, notion));
				assert_i64_equal(name->flat, ms_test_block_bytes(g.bag->name, notion));
				assert_i64_equal(name->size, name->flat);
			}
			free(f.all);
			ms_sized_free(t);
		}
	}
	ts_paths_free(paths, ff.nodes);
	free(ff.all);
	ms_sized_free(full);
	/* sizing allocated nothing tracked */
	struct ms_stats after = ms_stats();
	assert_gauges_equal(&after.all, &before.all);

	ms_set_misuse_handler(NULL, NULL);
	for (int k = 0; k < MS_MISUSE_KIND_COUNT; k++)
		assert_int_equal(counts[k], k == MS_MISUSE_UNTRACKED ? TS_GRAPH_UNTRACKED * calls : 0);
	ts_graph_free(&g);
}

/* Paths join field names with '.', and counted_at / counted_below say where a shared block was counted. */
static void test_sized_paths_and_counted_at(void **state)
{
	(void)state;
	struct ts_small s;
	ts_small_build(&s);

	struct ms_sized *t2 = ms_sized(s.r, 2, MS_REQUESTED);
	ts_assert_tree(t2, 2);
	const struct ms_sized *left = ts_child_named(t2, "left");
	const struct ms_sized *right = ts_child_named(t2, "right");
	assert_non_null(left);
	assert_non_null(right);
	const struct ms_sized *left_left = ts_child_named(left, "left");
	assert_non_null(left_left);
	ts_assert_path(t2, "");
	ts_assert_path(left, "left");
	ts_assert_path(left_left, "left.left");
	ts_assert_path(right, "right");
	assert_ptr_equal(right->counted_at, left_left);
	assert_int_equal(right->counted_below, 0);
	assert_i64_equal(left_left->size, ms_sizeof_flat(s.c, MS_REQUESTED));
	ms_sized_free(t2);

	/* at detail 1, c was counted below "left", past the tree */
	struct ms_sized *t1 = ms_sized(s.r, 1, MS_REQUESTED);
	ts_assert_tree(t1, 1);
	left = ts_child_named(t1, "left");
	right = ts_child_named(t1, "right");
	assert_non_null(left);
	assert_non_null(right);
	assert_int_equal(left->child_count, 0);
	assert_ptr_equal(right->counted_at, left);
	assert_int_equal(right->counted_below, 1);
	assert_i64_equal(left->size, ms_sizeof_deep(s.a, MS_REQUESTED));
	ms_sized_free(t1);
	ts_small_free(&s);

	/* a block of several objects: its children are "[i].field" */
	struct ts_node *arr = ms_calloc(&ts_node_type, 3);
	assert_non_null(arr);
	arr[2].label = ms_strdup("two");
	arr[0].left = &arr[0];            /* the block's own start: a cycle to the root */
	struct ms_sized *ta = ms_sized(arr, 1, MS_REQUESTED);
	ts_assert_tree(ta, 1);
	const struct ms_sized *label = ts_child_named(ta, "[2].label");
	const struct ms_sized *self = ts_child_named(ta, "[0].left");
	assert_non_null(label);
	assert_non_null(self);
	ts_assert_path(label, "[2].label");
	assert_i64_equal(label->size, 4);
	assert_ptr_equal(self->counted_at, ta);
	assert_int_equal(ta->child_count, 2);
	ms_sized_free(ta);
	ms_free(arr[2].label);
	ms_free(arr);
}

/* The printed tree, exactly: Pympler's "name size=N flat=M", 4 spaces a level, the shared marker. */
static void test_sized_print_exact(void **state)
{
	(void)state;
	struct ts_small s;
	ts_small_build(&s);
	const long long n = (long long)sizeof(struct ts_node);
	/* r = n + "root" (5); a = n + "a" (2); c = n */
	char want[3][512];
	snprintf(want[2], sizeof want[2],
		 "struct ts_node size=%lld flat=%lld\n"
		 "    left size=%lld flat=%lld\n"
		 "        left size=%lld flat=%lld\n"
		 "        label size=2 flat=2\n"
		 "    label size=5 flat=5\n"
		 "    right size=0 flat=0 (shared: counted at left.left)\n",
		 3 * n + 7, n, 2 * n + 2, n, n, n);
	snprintf(want[1], sizeof want[1],
		 "struct ts_node size=%lld flat=%lld\n"
		 "    left size=%lld flat=%lld\n"
		 "    label size=5 flat=5\n"
		 "    right size=0 flat=0 (shared: counted under left)\n",
		 3 * n + 7, n, 2 * n + 2, n);
	snprintf(want[0], sizeof want[0], "struct ts_node size=%lld flat=%lld\n", 3 * n + 7, n);
	for (int detail = 0; detail <= 2; detail++) {
		struct ms_sized *t = ms_sized(s.r, detail, MS_REQUESTED);
		assert_non_null(t);
		char *text = ts_print_tree(t);
		if (strcmp(text, want[detail]) != 0)
			print_error("detail %d printed:\n%s---\nexpected:\n%s---\n", detail, text,
				    want[detail]);
		assert_string_equal(text, want[detail]);
		free(text);
		ms_sized_free(t);
	}

	/* an untracked reference says so */
	struct ts_node *lone = ts_new_node(NULL);
	lone->label = (char *)"a literal";
	int counts[MS_MISUSE_KIND_COUNT] = { 0 };
	ms_set_misuse_handler(ms_count_handler, counts);
	struct ms_sized *t = ms_sized(lone, 1, MS_REQUESTED);
	ms_set_misuse_handler(NULL, NULL);
	assert_int_equal(counts[MS_MISUSE_UNTRACKED], 1);
	assert_non_null(t);
	char *text = ts_print_tree(t);
	char lone_want[256];
	snprintf(lone_want, sizeof lone_want,
		 "struct ts_node size=%lld flat=%lld\n"
		 "    label size=0 flat=0 (untracked: not from memstats)\n", n, n);
	assert_string_equal(text, lone_want);
	free(text);
	ms_sized_free(t);
	lone->label = NULL;
	ts_free_node(lone);
	ts_small_free(&s);
}

/* A tree that cannot be written, even one only the flush writes, fails with the stream's errno. */
static void test_sized_print_write_fails(void **state)
{
	(void)state;
	struct ts_small s;
	ts_small_build(&s);
	struct ms_sized *t = ms_sized(s.r, 2, MS_REQUESTED);    /* with a shared note */
	assert_non_null(t);
	assert_write_fails(ts_print_to, t);
	ms_sized_free(t);
	ts_small_free(&s);
}

/* Names in a printed tree, a tag at its root and a field in a shared note, print escaped. */
static void test_sized_print_escapes_names(void **state)
{
	(void)state;
	struct ts_node *a = ms_calloc(&ts_odd_type, 1), *b = ms_calloc(&ts_odd_type, 1);
	assert_non_null(a);
	assert_non_null(b);
	a->left = a->right = b;
	struct ms_sized *t = ms_sized(a, 1, MS_REQUESTED);
	assert_non_null(t);
	char *text = ts_print_tree(t);
	char want[256];
	snprintf(want, sizeof want,
		 "struct ts\\nodd size=%lld flat=%lld\n"
		 "    l\\x1b size=%lld flat=%lld\n"
		 "    r size=0 flat=0 (shared: counted at l\\x1b)\n",
		 2 * (long long)TS_NODE_SIZE, (long long)TS_NODE_SIZE, (long long)TS_NODE_SIZE,
		 (long long)TS_NODE_SIZE);
	assert_string_equal(text, want);
	free(text);
	ms_sized_free(t);

	char *bytes = ms_alloc_bytes(16, "ts\ttag\xff");
	assert_non_null(bytes);
	t = ms_sized(bytes, 0, MS_REQUESTED);
	assert_non_null(t);
	text = ts_print_tree(t);
	assert_string_equal(text, "ts\\ttag\\xff size=16 flat=16\n");
	free(text);
	ms_sized_free(t);
	ms_free(bytes);
	ms_free(b);
	ms_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_sized_tree_invariants_every_detail),
		ms_test(test_sized_paths_and_counted_at),
		ms_test(test_sized_print_exact),
		ms_test(test_sized_print_write_fails),
		ms_test(test_sized_print_escapes_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
