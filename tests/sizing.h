/* sizing.h: what the sizing tests share: the described types they build graphs of, and checks of deep sizes and sized trees. */
#ifndef MS_TEST_SIZING_H
#define MS_TEST_SIZING_H

#include "test_util.h"

/* A binary node with a label: two MS_PTR fields and an MS_STRING, in that order. */
struct ts_node {
	struct ts_node *left;
	struct ts_node *right;
	char *label;
	long payload;
};
extern ms_type ts_node_type;
#define TS_NODE_SIZE ((int64_t)sizeof(struct ts_node))

/* Elements of a pointer array: each points at one struct ts_node. */
extern ms_type ts_node_ptr_type;

/* A container with a length-delimited array, a pointer array and a name. */
struct ts_bag {
	struct ts_node *items;       /* MS_ARRAY, nitems long */
	size_t nitems;
	struct ts_node **refs;       /* MS_PTR_ARRAY, nrefs long */
	size_t nrefs;
	char *name;                  /* MS_STRING */
};
extern ms_type ts_bag_type;

/* A zeroed node, its label a tracked copy of `label` (or NULL). */
struct ts_node *ts_new_node(const char *label);

/* Free a node made by ts_new_node, and its label. */
void ts_free_node(struct ts_node *n);

/* A zeroed bag (free it with ms_free). */
struct ts_bag *ts_new_bag(void);

/*
 * Deep size of `root` is the `n` blocks' sizes added up as ms_block_info
 * reports them, in every notion, with `shared` and `untracked` as given.
 * Reports, if any, name the calling test's file and line.
 */
void ts_check_deep_is(const void *root, const void *const *blocks, size_t n, int64_t shared,
		      int64_t untracked, const char *tfile, int tline);
#define ts_assert_deep_is(root, blocks, shared, untracked)                                   \
	ts_check_deep_is((root), (blocks), sizeof(blocks) / sizeof((blocks)[0]), (shared),   \
			 (untracked), __FILE__, __LINE__)

/* ms_sized_print as an ms_test_printer. */
int ts_print_to(FILE *out, void *tree);

/* The printed tree, as a fresh string (raw malloc; free()). */
char *ts_print_tree(struct ms_sized *tree);

/* The path of a node, as a checked string compare. */
void ts_check_path(const struct ms_sized *node, const char *want, const char *tfile, int tline);
#define ts_assert_path(node, want) ts_check_path((node), (want), __FILE__, __LINE__)

/* The child of `node` named `name`, or NULL. */
const struct ms_sized *ts_child_named(const struct ms_sized *node, const char *name);

/* What a walk of a whole tree saw. */
struct ts_facts {
	int64_t nodes;
	int64_t sum_flat;           /* every node's flat */
	int64_t shared_nodes;       /* nodes with counted_at */
	int64_t untracked_nodes;
	int max_depth;
	const struct ms_sized **all; /* every node (raw malloc), in the order walked */
	size_t cap;
};

/* Fail at `tfile`:`tline`, naming `node` by its path, for `what`, with the figures `a` and `b`. */
void ts_tree_fail(const struct ms_sized *node, const char *what, int64_t a, int64_t b,
		  const char *tfile, int tline);

/* Check a whole tree made at `detail` against memstats.h's rules; fills `f` (free f->all after). */
void ts_check_tree(const struct ms_sized *tree, int detail, struct ts_facts *f, const char *tfile,
		   int tline);

/* The tree made at `detail` keeps memstats.h's rules: ts_check_tree without the facts. */
void ts_check_tree_rules(const struct ms_sized *tree, int detail, const char *tfile, int tline);
#define ts_assert_tree(tree, detail) ts_check_tree_rules((tree), (detail), __FILE__, __LINE__)

#endif
