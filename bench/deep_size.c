/* deep_size.c: case 6, ms_sizeof_deep over a complete binary tree of 1M typed nodes. */
#include "bench.h"
#include "memstats.h"

#include <stdlib.h>

#define TREE_NODES 1000000
#define DEEP_REPETITIONS 5

struct tree_node {
	struct tree_node *left, *right;
	uint64_t key;
};
static MS_TYPE(tree_node_type, struct tree_node,
	       MS_PTR(struct tree_node, left, &tree_node_type),
	       MS_PTR(struct tree_node, right, &tree_node_type));

void bench_deep_size(void)
{
	printf("case 6: ms_sizeof_deep of a %d-node binary tree, %d repetitions\n", TREE_NODES,
	       DEEP_REPETITIONS);
	fflush(stdout);
	struct tree_node **nodes = malloc(TREE_NODES * sizeof *nodes);
	if (!nodes)
		bench_fail("no memory for the tree's node list");
	for (size_t i = 0; i < TREE_NODES; i++) {
		if (!(nodes[i] = ms_alloc(&tree_node_type, 1)))
			bench_fail("ms_alloc failed");
		nodes[i]->key = i;
	}
	/* Heap order: node i's children are 2i+1 and 2i+2, so the tree is 20 levels deep. */
	for (size_t i = 0; i < TREE_NODES; i++) {
		nodes[i]->left = 2 * i + 1 < TREE_NODES ? nodes[2 * i + 1] : NULL;
		nodes[i]->right = 2 * i + 2 < TREE_NODES ? nodes[2 * i + 2] : NULL;
	}
	double ns[DEEP_REPETITIONS];
	for (int r = 0; r < DEEP_REPETITIONS; r++) {
		uint64_t start = bench_now_ns();
		int64_t bytes = ms_sizeof_deep(nodes[0], MS_REQUESTED);
		ns[r] = (double)(bench_now_ns() - start) / TREE_NODES;
		if (bytes != (int64_t)(TREE_NODES * sizeof(struct tree_node)))
			bench_fail("ms_sizeof_deep did not count the whole tree");
	}
	bench_record("6 deep size", "ms_sizeof_deep, 1M-node tree", bench_median(ns, DEEP_REPETITIONS),
		     "ns/block", 50.0);
	for (size_t i = 0; i < TREE_NODES; i++)
		ms_free(nodes[i]);
	free(nodes);
}
