/* sizing.c: the described types and checks tests/sizing.h declares, for the sizing tests. */
#include "sizing.h"

MS_TYPE(ts_node_type, struct ts_node,
	MS_PTR(struct ts_node, left, &ts_node_type),
	MS_PTR(struct ts_node, right, &ts_node_type),
	MS_STRING(struct ts_node, label));

MS_TYPE_POINTER(ts_node_ptr_type, struct ts_node *, &ts_node_type);

MS_TYPE(ts_bag_type, struct ts_bag,
	MS_ARRAY(struct ts_bag, items, nitems, &ts_node_type),
	MS_PTR_ARRAY(struct ts_bag, refs, nrefs, &ts_node_type),
	MS_STRING(struct ts_bag, name));

struct ts_node *ts_new_node(const char *label)
{
	struct ts_node *n = ms_calloc(&ts_node_type, 1);
	assert_non_null(n);
	if (label) {
		n->label = ms_strdup(label);
		assert_non_null(n->label);
	}
	return n;
}

void ts_free_node(struct ts_node *n)
{
	ms_free(n->label);
	ms_free(n);
}

struct ts_bag *ts_new_bag(void)
{
	struct ts_bag *bag = ms_calloc(&ts_bag_type, 1);
	assert_non_null(bag);
	return bag;
}

/* The `n` blocks' sizes added up as ms_block_info reports them (apart from the sizing code). */
static int64_t ts_info_sum(const void *const *blocks, size_t n, enum ms_notion notion)
{
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += ms_test_block_bytes(blocks[i], notion);
	return sum;
}

void ts_check_deep_is(const void *root, const void *const *blocks, size_t n, int64_t shared,
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

int ts_print_to(FILE *out, void *tree)
{
	return ms_sized_print(tree, out);
}

char *ts_print_tree(struct ms_sized *tree)
{
	return ms_test_printed(ts_print_to, tree);
}

void ts_check_path(const struct ms_sized *node, const char *want, const char *tfile, int tline)
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

const struct ms_sized *ts_child_named(const struct ms_sized *node, const char *name)
{
	for (size_t i = 0; i < node->child_count; i++)
		if (node->children[i].name && strcmp(node->children[i].name, name) == 0)
			return &node->children[i];
	return NULL;
}

void ts_tree_fail(const struct ms_sized *node, const char *what, int64_t a, int64_t b,
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

void ts_check_tree(const struct ms_sized *tree, int detail, struct ts_facts *f, const char *tfile,
		   int tline)
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

void ts_check_tree_rules(const struct ms_sized *tree, int detail, const char *tfile, int tline)
{
	struct ts_facts f;
	ts_check_tree(tree, detail, &f, tfile, tline);
	free(f.all);
}
