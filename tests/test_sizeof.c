/* test_sizeof.c: object sizing: flat and deep sizes, shared and cyclic graphs, untracked and mistyped fields, sized trees and their printed form. */
#define _GNU_SOURCE
#include "test_util.h"

#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Described types                                                     */
/* ------------------------------------------------------------------ */

/* A binary node with a label: two MS_PTR fields and an MS_STRING, in that order. */
struct ts_node {
	struct ts_node *left;
	struct ts_node *right;
	char *label;
	long payload;
};
static MS_TYPE(ts_node_type, struct ts_node,
	       MS_PTR(struct ts_node, left, &ts_node_type),
	       MS_PTR(struct ts_node, right, &ts_node_type),
	       MS_STRING(struct ts_node, label));

/* Elements of a pointer array: each points at one struct ts_node. */
static MS_TYPE_POINTER(ts_node_ptr_type, struct ts_node *, &ts_node_type);

/* A container with a length-delimited array, a pointer array and a name. */
struct ts_bag {
	struct ts_node *items;       /* MS_ARRAY, nitems long */
	size_t nitems;
	struct ts_node **refs;       /* MS_PTR_ARRAY, nrefs long */
	size_t nrefs;
	char *name;                  /* MS_STRING */
};
static MS_TYPE(ts_bag_type, struct ts_bag,
	       MS_ARRAY(struct ts_bag, items, nitems, &ts_node_type),
	       MS_PTR_ARRAY(struct ts_bag, refs, nrefs, &ts_node_type),
	       MS_STRING(struct ts_bag, name));

/* Another described type, to point a field at the wrong kind of block. */
struct ts_other {
	struct ts_node *to;
	long x;
};
static MS_TYPE(ts_other_type, struct ts_other, MS_PTR(struct ts_other, to, &ts_node_type));

/* The tutorial's `[2] * 10`: an array of `int *`. */
static MS_TYPE_POINTER(ts_int_ptr_type, int *, &ms_type_int);

/* A singly linked list cell. */
struct ts_link {
	struct ts_link *next;
	long value;
};
static MS_TYPE(ts_link_type, struct ts_link, MS_PTR(struct ts_link, next, &ts_link_type));

#define NODE_SIZE ((int64_t)sizeof(struct ts_node))

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A zeroed node, its label a tracked copy of `label` (or NULL). */
static struct ts_node *ts_new_node(const char *label)
{
	struct ts_node *n = ms_calloc(&ts_node_type, 1);
	assert_non_null(n);
	if (label) {
		n->label = ms_strdup(label);
		assert_non_null(n->label);
	}
	return n;
}

/* Free a node made by new_node, and its label. */
static void ts_free_node(struct ts_node *n)
{
	ms_free(n->label);
	ms_free(n);
}

/* The `n` blocks' sizes added up as ms_block_info reports them (apart from the sizing code). */
static int64_t ts_info_sum(const void *const *blocks, size_t n, enum ms_notion notion)
{
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += ms_test_block_bytes(blocks[i], notion);
	return sum;
}

/*
 * Deep size of `root` equals info_sum of `blocks` in every notion; `found`
 * as given. Reports, if any, name the calling test's file and line.
 */
static void ts_check_deep_is(const void *root, const void *const *blocks, size_t n, int64_t shared,
			  int64_t untracked, const char *tfile, int tline)
{
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion notion = (enum ms_notion)k;
		struct ms_deep found;
		memset(&found, 0x5a, sizeof found);
		const char *site = ms_test_base_name(tfile);
		int64_t deep = ms_sizeof_deep_at(root, notion, &found, site, tline);
		int64_t flat = ms_sizeof_flat_at(root, notion, site, tline);
		int64_t want = ts_info_sum(blocks, n, notion);
		/* invariants first */
		ms_test_i64_check(deep, flat, MS_TEST_GE, "deep", "flat", tfile, tline);
		ms_test_i64_check(found.bytes, deep, MS_TEST_EQ, "found.bytes", "deep", tfile, tline);
		/* then exact */
		ms_test_i64_check(deep, want, MS_TEST_EQ, "deep", "sum of the blocks' sizes", tfile,
				  tline);
		ms_test_i64_check(found.blocks, (int64_t)n, MS_TEST_EQ, "found.blocks", "blocks",
				  tfile, tline);
		ms_test_i64_check(found.shared, shared, MS_TEST_EQ, "found.shared", "shared", tfile,
				  tline);
		ms_test_i64_check(found.untracked, untracked, MS_TEST_EQ, "found.untracked",
				  "untracked", tfile, tline);
	}
}
#define ts_assert_deep_is(root, blocks, shared, untracked)                                   \
	ts_check_deep_is((root), (blocks), sizeof(blocks) / sizeof((blocks)[0]), (shared),   \
		      (untracked), __FILE__, __LINE__)

/* ms_sized_print as an ms_test_printer. */
static int ts_print_to(FILE *out, void *tree)
{
	return ms_sized_print(tree, out);
}

/* The printed tree, as a fresh string (raw malloc; free()). */
static char *ts_print_tree(struct ms_sized *tree)
{
	return ms_test_printed(ts_print_to, tree);
}

/* The path of a node, as a checked string compare. */
static void ts_check_path(const struct ms_sized *node, const char *want, const char *tfile, int tline)
{
	char *path = ms_sized_path(node);
	if (!path || strcmp(path, want) != 0) {
		print_error("ms_sized_path gave \"%s\", expected \"%s\"\n", path ? path : "(null)",
			    want);
		free(path);
		_fail(tfile, tline);
	}
	free(path);
}
#define ts_assert_path(node, want) ts_check_path((node), (want), __FILE__, __LINE__)

/* The child of `node` named `name`, or NULL. */
static const struct ms_sized *ts_child_named(const struct ms_sized *node, const char *name)
{
	for (size_t i = 0; i < node->child_count; i++)
		if (node->children[i].name && strcmp(node->children[i].name, name) == 0)
			return &node->children[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The sized tree's invariants                                         */
/* ------------------------------------------------------------------ */

/* What a walk of a whole tree saw. */
struct ts_facts {
	int64_t nodes;
	int64_t sum_flat;           /* every node's flat */
	int64_t shared_nodes;       /* nodes with counted_at */
	int64_t untracked_nodes;
	int max_depth;
	const struct ms_sized **all; /* every node (raw malloc), sorted by address after the walk */
	size_t cap;
};

static void ts_tree_fail(const struct ms_sized *node, const char *what, int64_t a, int64_t b,
		      const char *tfile, int tline)
{
	char *path = ms_sized_path(node);
	print_error("sized tree node \"%s\" (name \"%s\"): %s (%" PRId64 " vs %" PRId64 ")\n",
		    path ? path : "?", node->name ? node->name : "(null)", what, a, b);
	free(path);
	_fail(tfile, tline);
}

/* Check one node and its subtree against the header's rules; recursion is fine (small trees). */
static void ts_check_node(const struct ms_sized *node, const struct ms_sized *parent, int depth,
		       int detail, struct ts_facts *f, const char *tfile, int tline)
{
	if (f->nodes == (int64_t)f->cap) {
		f->cap = f->cap ? 2 * f->cap : 256;
		f->all = realloc(f->all, f->cap * sizeof *f->all);
		assert_non_null(f->all);
	}
	f->all[f->nodes++] = node;
	f->sum_flat += node->flat;
	if (depth > f->max_depth)
		f->max_depth = depth;
	if (!node->name)
		ts_tree_fail(node, "name is NULL", 0, 0, tfile, tline);
	if (node->parent != parent)
		ts_tree_fail(node, "parent pointer is wrong", 0, 0, tfile, tline);
	if (node->size < node->flat || node->flat < 0)
		ts_tree_fail(node, "size < flat or flat < 0", node->size, node->flat, tfile, tline);
	if (parent) {
		const struct ms_deep *t = &node->totals;
		if (t->bytes || t->blocks || t->shared || t->untracked)
			ts_tree_fail(node, "totals set below the root", t->bytes, t->blocks, tfile,
				  tline);
	}
	if (node->counted_at) {
		f->shared_nodes++;
		if (node->size != 0 || node->flat != 0)
			ts_tree_fail(node, "a shared reference has size or flat", node->size,
				  node->flat, tfile, tline);
		if (node->child_count != 0)
			ts_tree_fail(node, "a shared reference has children",
				  (int64_t)node->child_count, 0, tfile, tline);
		if (node->untracked)
			ts_tree_fail(node, "shared and untracked at once", 0, 0, tfile, tline);
	} else if (node->counted_below) {
		ts_tree_fail(node, "counted_below without counted_at", 0, 0, tfile, tline);
	}
	if (node->untracked) {
		f->untracked_nodes++;
		if (node->size != 0 || node->flat != 0 || node->child_count != 0)
			ts_tree_fail(node, "an untracked reference has a size or children",
				  node->size, node->flat, tfile, tline);
	}
	if (depth >= detail && node->child_count != 0)
		ts_tree_fail(node, "children past the detail limit", depth, detail, tfile, tline);
	int64_t sum = node->flat;
	for (size_t i = 0; i < node->child_count; i++) {
		const struct ms_sized *c = &node->children[i];
		sum += c->size;
		if (i > 0 && c->size > node->children[i - 1].size)
			ts_tree_fail(c, "children not sorted by size, descending", c->size,
				  node->children[i - 1].size, tfile, tline);
		ts_check_node(c, node, depth + 1, detail, f, tfile, tline);
	}
	if (node->child_count && node->size != sum)
		ts_tree_fail(node, "size != flat + children's sizes", node->size, sum, tfile, tline);
	if (depth < detail && node->size != sum)
		ts_tree_fail(node, "size != flat + children's sizes within detail", node->size, sum,
			  tfile, tline);
}

/* Check a whole tree made at `detail`; fills `f` (free f->all afterwards). */
static void ts_check_tree(const struct ms_sized *tree, int detail, struct ts_facts *f,
			  const char *tfile, int tline)
{
	memset(f, 0, sizeof *f);
	if (!tree) {
		print_error("ms_sized returned NULL\n");
		_fail(tfile, tline);
	}
	ts_check_node(tree, NULL, 0, detail, f, tfile, tline);
	ms_test_i64_check(tree->size, tree->totals.bytes, MS_TEST_EQ, "root size", "totals.bytes",
			  tfile, tline);
	/* every counted_at names a node of this tree that counted a block */
	const struct ms_sized **all = f->all;
	size_t n = (size_t)f->nodes;
	for (size_t i = 0; i < n; i++) {
		const struct ms_sized *at = all[i]->counted_at;
		if (!at)
			continue;
		size_t k = 0;
		while (k < n && all[k] != at)
			k++;
		if (k == n)
			ts_tree_fail(all[i], "counted_at is not a node of this tree", 0, 0, tfile,
				     tline);
		if (at->counted_at || at->untracked || at->size <= 0)
			ts_tree_fail(all[i], "counted_at names a node that counted nothing",
				     at->size, 0, tfile, tline);
		if (!all[i]->counted_below && at->flat <= 0)
			ts_tree_fail(all[i], "counted_at (not below) names a node with no flat",
				     at->flat, 0, tfile, tline);
	}
}

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
	assert_i64_equal(ms_sizeof_flat(three, MS_REQUESTED), 3 * NODE_SIZE);
	assert_i64_equal(ms_sizeof_flat(none, MS_REQUESTED), 0);
	assert_i64_equal(ms_sizeof_flat(ints, MS_REQUESTED), 1000 * (int64_t)sizeof(int));
	assert_i64_equal(ms_sizeof_flat(tagged, MS_REQUESTED), 77);
	assert_i64_equal(ms_sizeof_flat(text, MS_REQUESTED), 7);
	assert_i64_equal(ms_sizeof_flat(big, MS_REQUESTED), 70000 * (int64_t)sizeof(int));
	assert_i64_equal(ms_sizeof_flat(labelled, MS_REQUESTED), NODE_SIZE);
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
	assert_i64_equal(ms_sizeof_flat(live, MS_REQUESTED), NODE_SIZE);
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
	assert_i64_equal(ms_sizeof_deep(r, MS_REQUESTED), 3 * NODE_SIZE + 5 + 2);
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
	assert_i64_equal(ms_sizeof_deep(r, MS_REQUESTED), 2 * NODE_SIZE + 6);

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
	assert_i64_equal(ms_sizeof_deep(b, MS_REQUESTED), 2 * NODE_SIZE + 2);

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
	assert_i64_equal(ms_sizeof_deep(ring[0], MS_REQUESTED), RING * NODE_SIZE);

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
	struct ts_bag *bag = ms_calloc(&ts_bag_type, 1);
	assert_non_null(bag);
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
	assert_i64_equal(ms_sizeof_flat(items, MS_REQUESTED), CAP * NODE_SIZE);
	assert_i64_gt(ms_sizeof_flat(items, MS_REQUESTED), LEN * NODE_SIZE);

	const void *reached[] = { bag, items, items[0].label, inside, inside->label, items[2].label };
	ts_assert_deep_is(bag, reached, 0, 0);
	assert_i64_equal(ms_sizeof_deep(bag, MS_REQUESTED),
			 (int64_t)sizeof(struct ts_bag) + (CAP + 1) * NODE_SIZE + 5 + 4 + 3);

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
	struct ts_bag *bag = ms_calloc(&ts_bag_type, 1);
	assert_non_null(bag);
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
				 3 * NODE_SIZE + 3 * 3);

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
	struct ts_bag *bag = ms_calloc(&ts_bag_type, 1);
	assert_non_null(bag);
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
	assert_i64_equal(ms_sizeof_deep(r, MS_REQUESTED), 5 * NODE_SIZE);
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
	assert_i64_equal(ms_sizeof_deep(arr, MS_REQUESTED), 6 * NODE_SIZE + 5);
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
	assert_i64_equal(deep, NODE_SIZE);
	assert_i64_equal(found.untracked, 3);
	assert_i64_equal(found.blocks, 1);

	/* in a sized tree: an untracked leaf of size 0, in the root's totals, reported by ms_sized */
	r->left = NULL;
	r->right = NULL;
	struct ms_sized *tree;
	ms_probe(&pr, tree = ms_sized(r, 1, MS_REQUESTED));
	assert_probe(&pr, MS_MISUSE_UNTRACKED, "ms_sized");
	struct ts_facts f;
	ts_check_tree(tree, 1, &f, __FILE__, __LINE__);
	free(f.all);
	assert_i64_equal(tree->totals.untracked, 1);
	assert_i64_equal(tree->totals.blocks, 1);
	assert_i64_equal(tree->size, NODE_SIZE);
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
	struct ts_bag *bag = ms_calloc(&ts_bag_type, 1);
	assert_non_null(bag);
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

/* ------------------------------------------------------------------ */
/* The tutorial's [2] * 10                                             */
/* ------------------------------------------------------------------ */

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
	struct ts_facts f;
	ts_check_tree(tree, 1, &f, __FILE__, __LINE__);
	free(f.all);
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
	struct ts_facts f;
	ts_check_tree(tree, 1, &f, __FILE__, __LINE__);
	free(f.all);
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

/* ------------------------------------------------------------------ */
/* Sized trees                                                         */
/* ------------------------------------------------------------------ */

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
	struct ts_bag *bag = g->bag = ms_calloc(&ts_bag_type, 1);
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

/* Paths join field names with '.', and counted_at / counted_below say where a shared block was counted. */
static void test_sized_paths_and_counted_at(void **state)
{
	(void)state;
	struct ts_small s;
	ts_small_build(&s);

	struct ms_sized *t2 = ms_sized(s.r, 2, MS_REQUESTED);
	struct ts_facts f;
	ts_check_tree(t2, 2, &f, __FILE__, __LINE__);
	free(f.all);
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
	ts_check_tree(t1, 1, &f, __FILE__, __LINE__);
	free(f.all);
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
	ts_check_tree(ta, 1, &f, __FILE__, __LINE__);
	free(f.all);
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

/* A descriptor whose names would break lines, for test_sized_print_escapes_names. */
static ms_type ts_odd_type;
static const ms_field ts_odd_fields[] = {
	{ "l\x1b", MS_FIELD_PTR, offsetof(struct ts_node, left), 0, &ts_odd_type },
	{ "r", MS_FIELD_PTR, offsetof(struct ts_node, right), 0, &ts_odd_type },
};
static ms_type ts_odd_type = { "struct ts\nodd", sizeof(struct ts_node), ts_odd_fields, 2, 0 };

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
		 2 * (long long)NODE_SIZE, (long long)NODE_SIZE, (long long)NODE_SIZE,
		 (long long)NODE_SIZE);
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

/* ------------------------------------------------------------------ */
/* Big and deep structures                                             */
/* ------------------------------------------------------------------ */

enum { TS_LIST_LENGTH = 200000, TS_LIST_DETAIL = 1000 };

/* A list of `length` cells made by ms_alloc, the head first. */
static struct ts_link *ts_new_list(long length)
{
	struct ts_link *head = NULL;
	for (long i = 0; i < length; i++) {
		struct ts_link *cell = ms_alloc(&ts_link_type, 1);
		assert_non_null(cell);
		cell->next = head;
		cell->value = i;
		head = cell;
	}
	return head;
}

static void ts_free_list(struct ts_link *head)
{
	while (head) {
		struct ts_link *next = head->next;
		ms_free(head);
		head = next;
	}
}

/*
 * In a child process (a stack overflow must not take the other tests
 * with it): deep-size the list and build a sized tree 1000 levels deep.
 * Returns 0, or a code naming the first check that failed.
 */
static int ts_list_child(const struct ts_link *head)
{
	const int64_t n = TS_LIST_LENGTH, cell = (int64_t)sizeof(struct ts_link);
	struct ms_deep found;
	int64_t deep = ms_sizeof_deep_found(head, MS_REQUESTED, &found);
	if (deep != n * cell)
		return 10;
	if (found.blocks != n || found.shared != 0 || found.untracked != 0)
		return 11;
	struct ms_sized *tree = ms_sized(head, TS_LIST_DETAIL, MS_REQUESTED);
	if (!tree)
		return 12;
	if (tree->size != deep || tree->totals.bytes != deep || tree->totals.blocks != n)
		return 13;
	const struct ms_sized *node = tree;
	for (int depth = 0; depth <= TS_LIST_DETAIL; depth++) {
		if (node->size != (n - depth) * cell || node->flat != cell)
			return 14;
		if (depth == TS_LIST_DETAIL)
			break;
		if (node->child_count != 1 || strcmp(node->children[0].name, "next") != 0)
			return 15;
		node = &node->children[0];
	}
	if (node->child_count != 0)
		return 16;
	ms_sized_free(tree);
	return 0;
}

/* A 200,000-cell linked list sizes without running out of stack. */
static void test_long_list_no_stack_overflow(void **state)
{
	(void)state;
	struct ts_link *head = ts_new_list(TS_LIST_LENGTH);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ts_list_child(head));
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		print_error("sizing the list was killed by signal %d (%s): a stack overflow?\n",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		print_error("sizing the list failed check %d (see ts_list_child)\n",
			    WEXITSTATUS(status));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* and here too, in every notion: the sum of the cells */
	int64_t want[MS_NOTION_COUNT] = { 0 };
	for (const struct ts_link *c = head; c; c = c->next)
		for (int k = 0; k < MS_NOTION_COUNT; k++)
			want[k] += ms_test_block_bytes(c, (enum ms_notion)k);
	for (int k = 0; k < MS_NOTION_COUNT; k++)
		assert_i64_equal(ms_sizeof_deep(head, (enum ms_notion)k), want[k]);
	ts_free_list(head);
}

/*
 * The indentation of a printed tree stops at 16 levels (64 spaces); a
 * deeper line says its depth instead. ts_indent writes what a line
 * at `depth` starts with, for the exact check below.
 */
enum { TS_INDENT_LEVELS = 16 };
static int ts_indent(char *buf, size_t cap, int depth)
{
	int levels = depth < TS_INDENT_LEVELS ? depth : TS_INDENT_LEVELS;
	if (depth <= TS_INDENT_LEVELS)
		return snprintf(buf, cap, "%*s", 4 * levels, "");
	return snprintf(buf, cap, "%*s[depth %d] ", 4 * levels, "", depth);
}

/* A 20-cell list prints 4 spaces a level down to 16 levels, then "[depth N] " there. */
static void test_sized_print_deep_shape(void **state)
{
	(void)state;
	enum { LENGTH = 20 };
	const long long cell = (long long)sizeof(struct ts_link);
	struct ts_link *head = ts_new_list(LENGTH);
	struct ms_sized *t = ms_sized(head, LENGTH, MS_REQUESTED);
	assert_non_null(t);
	char want[LENGTH * 128] = "";
	size_t len = 0;
	for (int depth = 0; depth < LENGTH; depth++) {
		len += (size_t)ts_indent(want + len, sizeof want - len, depth);
		len += (size_t)snprintf(want + len, sizeof want - len, "%s size=%lld flat=%lld\n",
					depth ? "next" : "struct ts_link", (LENGTH - depth) * cell, cell);
	}
	char *text = ts_print_tree(t);
	assert_string_equal(text, want);
	free(text);
	ms_sized_free(t);
	ts_free_list(head);
}

/* What a printed text came to, counted as it is written, up to a budget of bytes. */
struct ts_count {
	size_t budget, bytes, lines, line, longest;
};

static ssize_t ts_count_write(void *cookie, const char *buf, size_t size)
{
	struct ts_count *c = cookie;
	if (size > c->budget - c->bytes)
		return 0;   /* a write error: the printer gives up */
	for (size_t i = 0; i < size; i++) {
		if (buf[i] != '\n') {
			c->line++;
			continue;
		}
		c->lines++;
		c->longest = c->line > c->longest ? c->line : c->longest;
		c->line = 0;
	}
	c->bytes += size;
	return (ssize_t)size;
}

/*
 * A 100,000-cell list sized whole prints in O(depth) bytes: a line a
 * cell, none of them 128 bytes long (4 spaces a level would have made
 * 20 GB, the last line alone 400 KB).
 */
static void test_sized_print_deep_list_linear(void **state)
{
	(void)state;
	enum { LENGTH = 100000, LINE_MOST = 128 };
	struct ts_link *head = ts_new_list(LENGTH);
	struct ms_sized *t = ms_sized(head, LENGTH, MS_REQUESTED);
	assert_non_null(t);
	struct ts_count c = { .budget = (size_t)LENGTH * LINE_MOST };
	FILE *f = fopencookie(&c, "w", (cookie_io_functions_t){ .write = ts_count_write });
	assert_non_null(f);
	int printed = ms_sized_print(t, f);
	int closed = fclose(f);
	ms_sized_free(t);
	ts_free_list(head);
	if (printed != 0 || closed != 0)
		print_error("printing stopped after %zu bytes, %zu lines\n", c.bytes, c.lines);
	assert_int_equal(printed, 0);
	assert_int_equal(closed, 0);
	assert_int_equal(c.lines, LENGTH);
	assert_true(c.longest < LINE_MOST);
}

/* A 100,000-node binary tree sizes (deep, and as a full sized tree) and completes. */
static void test_big_tree_sizes(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct ts_node **all = malloc(N * sizeof *all);
	assert_non_null(all);
	for (size_t i = 0; i < N; i++) {
		all[i] = ms_calloc(&ts_node_type, 1);
		assert_non_null(all[i]);
	}
	for (size_t i = 0; i < N; i++) {
		all[i]->left = 2 * i + 1 < N ? all[2 * i + 1] : NULL;
		all[i]->right = 2 * i + 2 < N ? all[2 * i + 2] : NULL;
	}
	struct ms_deep found;
	assert_i64_equal(ms_sizeof_deep_found(all[0], MS_REQUESTED, &found), N * NODE_SIZE);
	assert_i64_equal(found.blocks, N);
	assert_i64_equal(found.shared, 0);
	int64_t usable = 0;
	for (size_t i = 0; i < N; i++)
		usable += ms_test_block_bytes(all[i], MS_USABLE);
	assert_i64_equal(ms_sizeof_deep(all[0], MS_USABLE), usable);

	struct ts_facts f;
	struct ms_sized *t = ms_sized(all[0], 3, MS_REQUESTED);
	ts_check_tree(t, 3, &f, __FILE__, __LINE__);
	assert_i64_equal(t->size, N * NODE_SIZE);
	assert_i64_equal(f.nodes, 15);
	free(f.all);
	ms_sized_free(t);

	t = ms_sized(all[0], 64, MS_REQUESTED);
	ts_check_tree(t, 64, &f, __FILE__, __LINE__);
	assert_i64_equal(f.nodes, N);
	assert_i64_equal(f.sum_flat, N * NODE_SIZE);
	assert_int_equal(f.max_depth, 16);          /* floor(log2(100000)) */
	free(f.all);
	ms_sized_free(t);

	for (size_t i = 0; i < N; i++)
		ms_free(all[i]);
	free(all);
}

/* A node as big as a visited-set leaf's reach, so each lies in its own 512 KiB of address space. */
struct ts_far {
	struct ts_far *next, *prev;
	char pad[600 * 1024];
};
static MS_TYPE(ts_far_type, struct ts_far,
	       MS_PTR(struct ts_far, next, &ts_far_type),
	       MS_PTR(struct ts_far, prev, &ts_far_type));

/* A ring of blocks far apart, linked both ways: each counted once, and every other reference shared. */
static void test_far_apart_blocks_counted_once(void **state)
{
	(void)state;
	enum { N = 24 };
	struct ts_far *ring[N];
	for (size_t i = 0; i < N; i++) {
		ring[i] = ms_alloc(&ts_far_type, 1);
		assert_non_null(ring[i]);
	}
	for (size_t i = 0; i < N; i++) {
		ring[i]->next = ring[(i + 1) % N];
		ring[i]->prev = ring[(i + N - 1) % N];
	}
	struct ms_deep found;
	assert_i64_equal(ms_sizeof_deep_found(ring[0], MS_REQUESTED, &found), N * (int64_t)sizeof(struct ts_far));
	assert_i64_equal(found.blocks, N);
	assert_i64_equal(found.shared, N + 1);      /* 2N references, N - 1 of them counting */

	/* the whole walk as a tree: every shared node names where its block was counted */
	struct ts_facts f;
	struct ms_sized *t = ms_sized(ring[0], N, MS_REQUESTED);
	ts_check_tree(t, N, &f, __FILE__, __LINE__);
	assert_i64_equal(f.nodes, 2 * N + 1);
	assert_i64_equal(f.shared_nodes, N + 1);
	free(f.all);
	ms_sized_free(t);

	for (size_t i = 0; i < N; i++)
		ms_free(ring[i]);
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
		ms_test(test_ten_pointers_to_one_int),
		ms_test(test_ten_pointers_to_ten_ints),
		ms_test(test_sized_tree_invariants_every_detail),
		ms_test(test_sized_paths_and_counted_at),
		ms_test(test_sized_print_exact),
		ms_test(test_sized_print_write_fails),
		ms_test(test_sized_print_escapes_names),
		ms_test(test_long_list_no_stack_overflow),
		ms_test(test_sized_print_deep_shape),
		ms_test(test_sized_print_deep_list_linear),
		ms_test(test_big_tree_sizes),
		ms_test(test_far_apart_blocks_counted_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
