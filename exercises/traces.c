/* traces.c: the tree and churn traces, run on any strategy and measured through memstats. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "traces.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memstats.h"

/* Fixed seeds: every run on every machine sees the same trace. */
static const uint64_t trace_seed[TRACE_COUNT] = { 0x7265650a, 0x636875726e, 0x6d69786564 };
static const char *const trace_names[TRACE_COUNT] = { "tree", "churn", "mixed" };

const char *trace_name(enum trace_id trace)
{
	return trace_names[trace];
}

char *trace_describe(enum trace_id trace, char *buf, size_t cap)
{
	if (trace == TRACE_TREE)
		snprintf(buf, cap,
			 "tree: a search tree of %d random keys in nodes of %d bytes, built, "
			 "dropped, built again and torn down.",
			 TREE_NODES, TREE_NODE_SIZE);
	else if (trace == TRACE_CHURN)
		snprintf(buf, cap,
			 "churn: %d objects of %d bytes, then %d steps that each free a random "
			 "one or allocate another, then all but %d%% freed.",
			 CHURN_START, CHURN_OBJECT_SIZE, CHURN_STEPS, CHURN_KEPT_PERCENT);
	else
		snprintf(buf, cap,
			 "mixed: the same churn with sizes from 1 to %d bytes, 60%% of them "
			 "up to 64 and 30%% up to 256.",
			 MIXED_LARGEST);
	return buf;
}

size_t trace_object_size(enum trace_id trace)
{
	return trace == TRACE_TREE ? TREE_NODE_SIZE : trace == TRACE_CHURN ? CHURN_OBJECT_SIZE : 0;
}

/*
 * splitmix64 (Steele, Lea and Flood, 2014): tiny, seedable, the same on
 * every platform. Its output is a bijection of its counter, so the first
 * 2^64 values are all different: the tree's keys never repeat.
 */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A number below `n`; modulo's bias, under n / 2^64, is far below anything a trace could show. */
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* A run in progress: the strategy, its figures, and where memstats and the clock stood at the start. */
struct run {
	enum trace_id trace;
	struct strategy *s;
	struct trace_figures *f;
	struct ms_stats before;
	int64_t began_ns;
	int64_t teardown_began_ns;
};

/* Say what went wrong, naming the trace and the strategy; returns -1. */
static int run_error(const struct run *run, const char *what)
{
	fprintf(stderr, "%s trace on %s: %s\n", trace_name(run->trace), run->s->name, what);
	return -1;
}

/* The trace proper has ended: record what is held and live now; the teardown starts. */
static void run_trace_ended(struct run *run, int64_t live_bytes)
{
	run->f->run_ns = now_ns() - run->began_ns;
	run->f->live_at_end = live_bytes;
	run->f->held_at_end = ms_stats().all.bytes[MS_REQUESTED].current -
			      run->before.all.bytes[MS_REQUESTED].current;
	run->teardown_began_ns = now_ns();
}

/* ------------------------------------------------------------------ */
/* The tree                                                            */
/* ------------------------------------------------------------------ */

struct tree_node {
	uint64_t key;
	struct tree_node *left, *right;
};
_Static_assert(sizeof(struct tree_node) == TREE_NODE_SIZE, "TREE_NODE_SIZE is a node's size");

/* Insert the tree trace's keys under *root: 0, or -1 if an allocation failed (the nodes made stay in). */
static int tree_build(struct run *run, struct tree_node **root)
{
	uint64_t rng = trace_seed[TRACE_TREE];
	for (int i = 0; i < TREE_NODES; i++) {
		uint64_t key = rng_next(&rng);
		struct tree_node **link = root;
		while (*link)
			link = key < (*link)->key ? &(*link)->left : &(*link)->right;
		struct tree_node *node = run->s->alloc(run->s, sizeof *node);
		if (!node)
			return -1;
		*node = (struct tree_node){ key, NULL, NULL };
		*link = node;
		run->f->objects++;
		run->f->handed_out += (int64_t)sizeof *node;
	}
	return 0;
}

/*
 * Walk the nodes below `node` in key order, counting them into *count;
 * false if a key is not above the one before it, or the walk finds more
 * nodes than were built (memory handed out twice makes such trees).
 */
static bool tree_walk(const struct tree_node *node, const struct tree_node **previous, int64_t *count)
{
	if (!node)
		return true;
	if (!tree_walk(node->left, previous, count))
		return false;
	if ((*previous && (*previous)->key >= node->key) || ++*count > TREE_NODES)
		return false;
	*previous = node;
	return tree_walk(node->right, previous, count);
}

/* Free the nodes below and at `node` one at a time; returns how many. */
static int64_t tree_free_each(struct strategy *s, struct tree_node *node)
{
	if (!node)
		return 0;
	int64_t freed = tree_free_each(s, node->left) + tree_free_each(s, node->right);
	s->free(s, node, sizeof *node);
	return freed + 1;
}

/* Drop the whole tree: at once where the strategy can reset, else node by node. Returns the nodes freed one at a time. */
static int64_t tree_drop(struct strategy *s, struct tree_node *root)
{
	if (s->reset) {
		s->reset(s);
		return 0;
	}
	return tree_free_each(s, root);
}

static int run_tree(struct run *run)
{
	struct tree_node *root = NULL;
	for (int round = 1;; round++) {
		if (tree_build(run, &root) != 0) {
			tree_drop(run->s, root);
			return run_error(run, "an allocation failed");
		}
		const struct tree_node *previous = NULL;
		int64_t count = 0;
		/* Walking a broken tree to free it could loop for ever: its nodes are left to destroy. */
		if (!tree_walk(root, &previous, &count) || count != TREE_NODES)
			return run_error(run, "the tree is broken after building it: "
					      "memory handed out twice?");
		if (round == TREE_ROUNDS)
			break;
		tree_drop(run->s, root);
		root = NULL;
	}
	run->f->payload_peak = (int64_t)TREE_NODES * TREE_NODE_SIZE;
	run_trace_ended(run, run->f->payload_peak);
	run->f->teardown_frees = tree_drop(run->s, root);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The churns                                                          */
/* ------------------------------------------------------------------ */

/* A live object: where it is, its size, and the byte it was filled with. */
struct churn_object {
	unsigned char *bytes;
	size_t size;
	unsigned char fill;
};

/* The live objects in no order (a freed one's place goes to the last), and their bytes. */
struct churn_set {
	struct churn_object *objects;
	size_t count;
	int64_t live_bytes;
};

/* The next object's size: fixed for churn; for mixed, mostly small, as in most programs. */
static size_t churn_size(enum trace_id trace, uint64_t *rng)
{
	if (trace == TRACE_CHURN)
		return CHURN_OBJECT_SIZE;
	uint64_t tenth = rng_below(rng, 10);
	if (tenth < 6)
		return 1 + rng_below(rng, 64);
	if (tenth < 9)
		return 65 + rng_below(rng, 192);
	return 257 + rng_below(rng, MIXED_LARGEST - 256);
}

/* Allocate one object of `size` bytes and fill it: 0, or -1 if the allocation failed. */
static int churn_alloc(struct run *run, struct churn_set *set, size_t size)
{
	unsigned char *bytes = run->s->alloc(run->s, size);
	if (!bytes)
		return run_error(run, "an allocation failed");
	/* Objects made one after the other get different fills, so an overlap shows. */
	unsigned char fill = (unsigned char)run->f->objects;
	memset(bytes, fill, size);
	set->objects[set->count++] = (struct churn_object){ bytes, size, fill };
	run->f->objects++;
	run->f->handed_out += (int64_t)size;
	set->live_bytes += (int64_t)size;
	if (set->live_bytes > run->f->payload_peak)
		run->f->payload_peak = set->live_bytes;
	return 0;
}

/* Check and free the live object at `index`: 0, or -1 if its bytes changed while it was live. */
static int churn_free(struct run *run, struct churn_set *set, size_t index)
{
	struct churn_object object = set->objects[index];
	bool intact = true;
	for (size_t i = 0; i < object.size; i++)
		intact &= object.bytes[i] == object.fill;
	run->s->free(run->s, object.bytes, object.size);
	set->objects[index] = set->objects[--set->count];
	set->live_bytes -= (int64_t)object.size;
	return intact ? 0 : run_error(run, "an object changed while it was live: memory handed out twice");
}

/* Free a random live object. */
static int churn_free_any(struct run *run, struct churn_set *set, uint64_t *rng)
{
	return churn_free(run, set, (size_t)rng_below(rng, set->count));
}

/* Tear down: at once where the strategy can reset, else object by object. */
static int churn_drop(struct run *run, struct churn_set *set)
{
	int status = 0;
	if (run->s->reset) {
		run->s->reset(run->s);
		set->count = 0;
	}
	for (; set->count > 0; run->f->teardown_frees++)
		status |= churn_free(run, set, set->count - 1);
	return status;
}

static int run_churn(struct run *run)
{
	/* The trace's own bookkeeping is plain malloc: it is not the strategy's memory. */
	struct churn_set set = { malloc(sizeof *set.objects * (CHURN_START + CHURN_STEPS)), 0, 0 };
	if (!set.objects)
		return run_error(run, "out of memory for the trace's own table");
	uint64_t rng = trace_seed[run->trace];
	int status = 0;
	for (int i = 0; i < CHURN_START && status == 0; i++)
		status = churn_alloc(run, &set, churn_size(run->trace, &rng));
	for (int i = 0; i < CHURN_STEPS && status == 0; i++)
		status = set.count > 0 && rng_below(&rng, 2) == 0
				 ? churn_free_any(run, &set, &rng)
				 : churn_alloc(run, &set, churn_size(run->trace, &rng));
	size_t kept = set.count * CHURN_KEPT_PERCENT / 100;
	while (set.count > kept && status == 0)
		status = churn_free_any(run, &set, &rng);
	if (status == 0)
		run_trace_ended(run, set.live_bytes);
	status |= churn_drop(run, &set);
	free(set.objects);
	return status;
}

/* ------------------------------------------------------------------ */
/* A whole run                                                         */
/* ------------------------------------------------------------------ */

int trace_run(enum trace_id trace, struct strategy *s, struct trace_figures *figures)
{
	memset(figures, 0, sizeof *figures);
	struct run run = { trace, s, figures, ms_stats(), 0, 0 };
	/* Peaks restart at what is live now, so this run's peak is its own. */
	ms_peak_reset();
	run.began_ns = now_ns();
	int status = trace == TRACE_TREE ? run_tree(&run) : run_churn(&run);
	s->destroy(s);
	int64_t ended_ns = now_ns();

	struct ms_stats after = ms_stats();
	const struct ms_stats *before = &run.before;
	figures->teardown_ns = ended_ns - run.teardown_began_ns;
	figures->calls = after.all.blocks.total - before->all.blocks.total;
	figures->taken = after.all.bytes[MS_REQUESTED].total - before->all.bytes[MS_REQUESTED].total;
	figures->peak_held = after.all.bytes[MS_REQUESTED].peak - before->all.bytes[MS_REQUESTED].current;
	figures->footprint_peak =
		after.all.bytes[MS_FOOTPRINT].peak - before->all.bytes[MS_FOOTPRINT].current;
	int64_t still_held = after.all.blocks.current - before->all.blocks.current;
	if (still_held != 0) {
		char what[96];
		snprintf(what, sizeof what, "%lld blocks still held after destroy",
			 (long long)still_held);
		status = run_error(&run, what);
	}
	return status == 0 ? 0 : -1;
}
