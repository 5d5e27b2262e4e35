/* test_fault_calls.c: each public call that allocates, with each of its allocations failing in turn: the counts stay exactly as they were and the failure is reported once. */
#define _GNU_SOURCE
#include "../test_util.h"

#include <stdbool.h>
#include <unistd.h>

#include "fault.h"

/* ------------------------------------------------------------------ */
/* What the calls work on                                              */
/* ------------------------------------------------------------------ */

struct fc_node {
	struct fc_node *left, *right;
	char *label;
};
static MS_TYPE(fc_node_type, struct fc_node,
	       MS_PTR(struct fc_node, left, &fc_node_type),
	       MS_PTR(struct fc_node, right, &fc_node_type),
	       MS_STRING(struct fc_node, label));
static MS_TYPE_POINTER(fc_node_pointer_type, struct fc_node *, &fc_node_type);

/* A fan of nodes: more children than a sized tree's node first has room for (4). */
#define FAN_KIDS 10
struct fc_fan {
	struct fc_node **kids;
	size_t len;
};
static MS_TYPE(fc_fan_type, struct fc_fan,
	       MS_PTR_ARRAY(struct fc_fan, kids, len, &fc_node_type));

/* What the cases make and use; zeroed before each setup. */
struct fixture {
	struct fc_fan *fan;          /* FAN_KIDS labelled nodes, each pointing at the next */
	void *block;                 /* a block to resize, or what an allocation returned */
	ms_summary *before, *after;  /* two summaries with a change between them */
	ms_summary *made;            /* what a summary call returned */
	ms_tracker *tracker;
	ms_sites *sites;
	struct ms_sized *tree;
	char *path;
	ms_objtracker *objects;
	FILE *sink;                  /* /dev/null, for the printers */
};

static struct fixture fx;

/* The fan: its kids chained left to right, the last back to the first, so sizing meets sharing. */
static void make_fan(void)
{
	fx.fan = ms_calloc(&fc_fan_type, 1);
	assert_non_null(fx.fan);
	fx.fan->kids = ms_calloc(&fc_node_pointer_type, FAN_KIDS);
	assert_non_null(fx.fan->kids);
	fx.fan->len = FAN_KIDS;
	for (size_t i = 0; i < FAN_KIDS; i++) {
		fx.fan->kids[i] = ms_calloc(&fc_node_type, 1);
		assert_non_null(fx.fan->kids[i]);
		fx.fan->kids[i]->label = ms_strdup("kid");
		assert_non_null(fx.fan->kids[i]->label);
	}
	for (size_t i = 0; i < FAN_KIDS; i++)
		fx.fan->kids[i]->right = fx.fan->kids[(i + 1) % FAN_KIDS];
}

static void free_fan(void)
{
	for (size_t i = 0; fx.fan && i < FAN_KIDS; i++) {
		ms_free(fx.fan->kids[i]->label);
		ms_free(fx.fan->kids[i]);
	}
	if (fx.fan)
		ms_free(fx.fan->kids);
	ms_free(fx.fan);
}

/* Two summaries, a block allocated between them (kept in fx.block). */
static void make_summaries(void)
{
	fx.before = ms_summarize();
	fx.block = ms_alloc(&fc_node_type, 3);
	fx.after = ms_summarize();
	assert_non_null(fx.before);
	assert_non_null(fx.block);
	assert_non_null(fx.after);
}

static void make_block(void)
{
	fx.block = ms_alloc(&fc_node_type, 2);
	assert_non_null(fx.block);
}

/*
 * A block to move far, after one more far block that comes and goes: it
 * takes a page-map node of its own, so that from one sweep to the next the
 * page map's need for fresh memory falls on each allocation in turn.
 */
static void make_block_after_far_one(void)
{
	void *far = ms_alloc_bytes((size_t)1 << 20, "fc far");
	assert_non_null(far);
	ms_free(far);
	make_block();
}

/* A tagged block of 100 bytes. */
static void make_tagged_block(void)
{
	fx.block = ms_alloc_bytes(100, "fc bytes");
	assert_non_null(fx.block);
}

/* A tagged block at a page's alignment, its padding in front (block.h). */
static void make_aligned_block(void)
{
	fx.block = ms_alloc_aligned(4096, 100, "fc aligned");
	assert_non_null(fx.block);
}

/* A tracker, then a block allocated after its checkpoint (so sites have a row). */
static void make_tracker(void)
{
	fx.tracker = ms_tracker_new();
	assert_non_null(fx.tracker);
	make_block();
}

static void make_sites(void)
{
	make_tracker();
	fx.sites = ms_tracker_sites(fx.tracker);
	assert_non_null(fx.sites);
}

static void make_sized_tree(void)
{
	make_fan();
	fx.tree = ms_sized(fx.fan, 3, MS_REQUESTED);
	assert_non_null(fx.tree);
}

static void make_objtracker(void)
{
	make_fan();
	fx.objects = ms_objtracker_new();
	assert_non_null(fx.objects);
	assert_int_equal(ms_objtracker_track(fx.objects, fx.fan, "fan"), 0);
	assert_int_equal(ms_objtracker_track(fx.objects, fx.fan->kids[0], "first kid"), 1);
}

static void make_objtracker_with_snapshot(void)
{
	make_objtracker();
	assert_int_equal(ms_objtracker_snapshot(fx.objects, "one"), 0);
}

/* Release whatever the setup and the call made. */
static void release_all(void)
{
	ms_objtracker_free(fx.objects);
	free(fx.path);
	ms_sized_free(fx.tree);
	ms_sites_free(fx.sites);
	ms_tracker_free(fx.tracker);
	ms_summary_free(fx.made);
	ms_summary_free(fx.after);
	ms_summary_free(fx.before);
	ms_free(fx.block);
	free_fan();
}

/* ------------------------------------------------------------------ */
/* The calls: each returns true if it succeeded                         */
/* ------------------------------------------------------------------ */

/* Descriptors made at run time, one per failing call, so each is a first use. */
#define FRESH 64
static ms_type fresh_types[FRESH];
static char fresh_names[FRESH][32];
static int fresh_used;

static ms_type *fresh_type(void)
{
	assert_true(fresh_used < FRESH);
	int i = fresh_used++;
	snprintf(fresh_names[i], sizeof fresh_names[i], "fc fresh %d", i);
	fresh_types[i] = (ms_type){ fresh_names[i], 8, NULL, 0, 0 };
	return &fresh_types[i];
}

static const char *fresh_tag(void)
{
	return fresh_type()->name;     /* its name, never registered as a type */
}

static bool call_alloc(void)
{
	return (fx.block = ms_alloc(&fc_node_type, 4)) != NULL;
}

static bool call_alloc_fresh_type(void)
{
	return (fx.block = ms_alloc(fresh_type(), 4)) != NULL;
}

static bool call_calloc(void)
{
	return (fx.block = ms_calloc(&fc_node_type, 4)) != NULL;
}

static bool call_alloc_bytes(void)
{
	return (fx.block = ms_alloc_bytes(100, "fc bytes")) != NULL;
}

static bool call_calloc_bytes(void)
{
	return (fx.block = ms_calloc_bytes(100, "fc bytes")) != NULL;
}

static bool call_alloc_bytes_fresh_tag(void)
{
	return (fx.block = ms_alloc_bytes(100, fresh_tag())) != NULL;
}

static bool call_alloc_aligned(void)
{
	return (fx.block = ms_alloc_aligned(4096, 100, "fc aligned")) != NULL;
}

static bool call_strdup(void)
{
	return (fx.block = ms_strdup("a copy")) != NULL;
}

/* On failure ms_realloc leaves the block as it was, still in fx.block for release_all. */
static bool resize_to(size_t count)
{
	void *moved = ms_realloc(fx.block, count);
	if (moved)
		fx.block = moved;
	return moved != NULL;
}

static bool call_realloc_grow(void)
{
	return resize_to(40);
}

static bool call_realloc_bytes_grow(void)
{
	void *moved = ms_realloc_bytes(fx.block, 5000, "fc bytes");
	if (moved)
		fx.block = moved;
	return moved != NULL;
}

static bool call_realloc_bytes_of_null(void)
{
	return (fx.block = ms_realloc_bytes(NULL, 100, "fc bytes")) != NULL;
}

/* An aligned block moves to one of malloc's alignment: a new block, then the old one freed. */
static bool call_realloc_aligned(void)
{
	return resize_to(5000);
}

/* 1 MiB of nodes: malloc maps it apart from the rest, where the page map has no node yet. */
static bool call_realloc_far(void)
{
	return resize_to(((size_t)1 << 20) / sizeof(struct fc_node));
}

static bool call_summarize(void)
{
	return (fx.made = ms_summarize()) != NULL;
}

static bool call_summary_diff(void)
{
	return (fx.made = ms_summary_diff(fx.before, fx.after)) != NULL;
}

static bool call_summary_print(void)
{
	return ms_summary_print(fx.after, fx.sink, NULL) == 0;
}

static bool call_table_print(void)
{
	static const char *const cells[] = { "name", "bytes", "a", "1024" };
	return ms_table_print(fx.sink, 2, 2, cells, NULL) == 0;
}

static bool call_tracker_new(void)
{
	return (fx.tracker = ms_tracker_new()) != NULL;
}

static bool call_tracker_diff(void)
{
	return (fx.made = ms_tracker_diff(fx.tracker)) != NULL;
}

static bool call_tracker_sites(void)
{
	return (fx.sites = ms_tracker_sites(fx.tracker)) != NULL;
}

static bool call_tracker_print_diff(void)
{
	return ms_tracker_print_diff(fx.tracker, fx.sink) == 0;
}

static bool call_sites_print(void)
{
	return ms_sites_print(fx.sites, fx.sink, NULL) == 0;
}

static bool call_sizeof_deep(void)
{
	return ms_sizeof_deep(fx.fan, MS_FOOTPRINT) > 0;
}

static bool call_sized(void)
{
	return (fx.tree = ms_sized(fx.fan, 3, MS_REQUESTED)) != NULL;
}

static bool call_sized_print(void)
{
	return ms_sized_print(fx.tree, fx.sink) == 0;
}

/* The path of the deepest first-born node: "[0].right.right" or so. */
static bool call_sized_path(void)
{
	const struct ms_sized *n = fx.tree;
	while (n->child_count)
		n = &n->children[0];
	return (fx.path = ms_sized_path(n)) != NULL;
}

static bool call_objtracker_new(void)
{
	return (fx.objects = ms_objtracker_new()) != NULL;
}

static bool call_objtracker_track(void)
{
	return ms_objtracker_track(fx.objects, fx.fan->kids[3], "kid 3") >= 0;
}

static bool call_objtracker_snapshot(void)
{
	return ms_objtracker_snapshot(fx.objects, "two") == 0;
}

static bool call_objtracker_print_summary(void)
{
	return ms_objtracker_print_summary(fx.objects, fx.sink) == 0;
}

/* ------------------------------------------------------------------ */
/* What must still hold after a call failed                             */
/* ------------------------------------------------------------------ */

/* The block is as it was: two nodes. */
static void block_unchanged(void)
{
	struct ms_block_info info;
	assert_int_equal(ms_block_info(fx.block, &info), 0);
	assert_int_equal(info.count, 2);
}

/* The tagged block is as it was: 100 bytes. */
static void tagged_block_unchanged(void)
{
	struct ms_block_info info;
	assert_int_equal(ms_block_info(fx.block, &info), 0);
	assert_int_equal(info.count, 100);
}

/* The aligned block is as it was: 100 bytes at a page's alignment. */
static void aligned_block_unchanged(void)
{
	tagged_block_unchanged();
	assert_int_equal((uintptr_t)fx.block % 4096, 0);
}

/* The checkpoint did not move: the next diff still sees the block allocated after it. */
static void checkpoint_unmoved(void)
{
	ms_summary *d = ms_tracker_diff(fx.tracker);
	assert_non_null(d);
	assert_row(d, "struct fc_node", 1, 2 * (int64_t)sizeof(struct fc_node));
	ms_summary_free(d);
}

/* The object tracker still has its two objects and no snapshot more. */
static void objects_unchanged(void)
{
	assert_int_equal(ms_objtracker_object_count(fx.objects), 2);
	assert_int_equal(ms_objtracker_snapshot_count(fx.objects), 0);
}

/* ------------------------------------------------------------------ */
/* The sweep                                                           */
/* ------------------------------------------------------------------ */

struct fault_case {
	const char *name;            /* the test's */
	const char *function;        /* the call, as a report names it */
	void (*setup)(void);         /* what it needs, made before anything fails; NULL: nothing */
	bool (*call)(void);          /* the call: true if it succeeded */
	void (*after_failure)(void); /* what must still hold once it failed; NULL: nothing more */
	bool reports;                /* it takes a call site, so a failure is reported as misuse */
	bool may_grow_tables;        /* it may register a row or map page-map nodes, for good */
	bool until_second;           /* sweep again until a failure after its first allocation */
};

/* Sweeps of an until_second case at most: its second allocation comes now and then. */
#define MAX_SWEEPS 400

/* The stats and the reports around one call. */
struct attempt {
	struct ms_stats before, after;
	struct ms_capture cap;
	bool ok;
	int err;
	uint64_t calls;
};

/* The attempt under way, for the message of a check that fails in it. */
static const struct fault_case *current_case;
static uint64_t current_k;

static void attempt(const struct fault_case *c, uint64_t k, struct attempt *a)
{
	current_case = c;
	current_k = k;
	memset(&fx, 0, sizeof fx);
	fx.sink = fopen("/dev/null", "w");
	assert_non_null(fx.sink);
	if (c->setup)
		c->setup();
	a->before = ms_stats();
	ms_capture_start(&a->cap);
	errno = 0;
	ms_fault_fail_at(k);
	a->ok = c->call();
	a->err = errno;
	a->calls = ms_fault_calls();
	ms_fault_fail_at(0);
	ms_set_misuse_handler(NULL, NULL);
	a->after = ms_stats();
}

static void finish_attempt(void)
{
	release_all();
	fclose(fx.sink);
	memset(&fx, 0, sizeof fx);
	assert_i64_equal(ms_live_blocks(), 0);
}

/* A failed check leaves the test at once: say where, release what it made, check as usual. */
static int teardown_case(void **state)
{
	ms_fault_fail_at(0);
	if (fx.sink) {
		print_error("the check failed in %s with allocation %" PRIu64 " failing (0: none)\n",
			    current_case->name, current_k);
		finish_attempt();
	}
	return ms_test_teardown(state);
}

/* After a failed call: every gauge as before, the failure reported once and only once. */
static void check_failed(const struct fault_case *c, const struct attempt *a)
{
	assert_gauges_equal(&a->after.all, &a->before.all);
	assert_i64_equal(a->after.misuse_count, a->before.misuse_count + a->cap.count);
	if (c->may_grow_tables)
		assert_i64_ge(a->after.table_bytes, a->before.table_bytes);
	else
		assert_i64_equal(a->after.table_bytes, a->before.table_bytes);
	assert_int_equal(a->err, ENOMEM);
	if (!c->reports) {
		assert_int_equal(a->cap.count, 0);
		return;
	}
	assert_int_equal(a->cap.count, 1);
	assert_int_equal(a->cap.kind, MS_MISUSE_NO_MEMORY);
	assert_string_equal(a->cap.function, c->function);
	assert_string_equal(a->cap.file, "test_fault_calls.c");
}

/*
 * Each of the call's allocations failing in turn; then one more, which it
 * never makes. Returns the last k that failed an allocation.
 */
static uint64_t sweep(const struct fault_case *c)
{
	struct attempt clean, a;
	attempt(c, 0, &clean);
	assert_true(clean.ok);
	assert_int_equal(clean.cap.count, 0);
	finish_attempt();
	assert_true(clean.calls > 0);     /* else the case tests nothing */

	for (uint64_t k = 1;; k++) {
		attempt(c, k, &a);
		if (a.calls < k) {        /* it made fewer: nothing failed */
			assert_true(a.ok);
			finish_attempt();
			return k - 1;
		}
		if (a.ok) {
			/* It did without the allocation, with nothing to report: the same counts as clean. */
			assert_int_equal(a.cap.count, 0);
			assert_i64_equal(a.after.all.blocks.current - a.before.all.blocks.current,
					 clean.after.all.blocks.current - clean.before.all.blocks.current);
			assert_i64_equal(a.after.all.bytes[MS_REQUESTED].current -
						 a.before.all.bytes[MS_REQUESTED].current,
					 clean.after.all.bytes[MS_REQUESTED].current -
						 clean.before.all.bytes[MS_REQUESTED].current);
		} else {
			check_failed(c, &a);
			if (c->after_failure)
				c->after_failure();
		}
		finish_attempt();
	}
}

static void test_call_under_fault(void **state)
{
	const struct fault_case *c = *state;
	if (!c->until_second) {
		sweep(c);
		return;
	}
	for (int t = 0; t < MAX_SWEEPS; t++)
		if (sweep(c) > 1)
			return;
	fail_msg("%s: in %d sweeps no second allocation failed", c->name, MAX_SWEEPS);
}

static const struct fault_case cases[] = {
	{ "ms_alloc", "ms_alloc", NULL, call_alloc, NULL, true, true, false },
	{ "ms_alloc of a new type", "ms_alloc", NULL, call_alloc_fresh_type, NULL, true, true,
	  false },
	{ "ms_calloc", "ms_calloc", NULL, call_calloc, NULL, true, true, false },
	{ "ms_alloc_bytes", "ms_alloc_bytes", NULL, call_alloc_bytes, NULL, true, true, false },
	{ "ms_calloc_bytes", "ms_calloc_bytes", NULL, call_calloc_bytes, NULL, true, true, false },
	{ "ms_alloc_bytes with a new tag", "ms_alloc_bytes", NULL, call_alloc_bytes_fresh_tag,
	  NULL, true, true, false },
	{ "ms_strdup", "ms_strdup", NULL, call_strdup, NULL, true, true, false },
	{ "ms_alloc_aligned", "ms_alloc_aligned", NULL, call_alloc_aligned, NULL, true, true, false },
	{ "ms_realloc of an aligned block", "ms_realloc", make_aligned_block, call_realloc_aligned,
	  aligned_block_unchanged, true, true, false },
	{ "ms_realloc_bytes", "ms_realloc_bytes", make_tagged_block, call_realloc_bytes_grow,
	  tagged_block_unchanged, true, true, false },
	{ "ms_realloc_bytes of NULL", "ms_realloc_bytes", NULL, call_realloc_bytes_of_null, NULL,
	  true, true, false },
	{ "ms_realloc", "ms_realloc", make_block, call_realloc_grow, block_unchanged, true, true,
	  false },
	/*
	 * Regression: a realloc that moved its block, then found no memory to
	 * mark the new address, returned a block memstats no longer knew, so
	 * its ms_free was refused and the block leaked (chapter 1 under
	 * fault). Swept until the page map needs fresh memory just then.
	 */
	{ "ms_realloc moving far", "ms_realloc", make_block_after_far_one, call_realloc_far,
	  block_unchanged,
	  true, true, true },
	{ "ms_summarize", "ms_summarize", NULL, call_summarize, NULL, false, false, false },
	{ "ms_summary_diff", "ms_summary_diff", make_summaries, call_summary_diff, NULL, false,
	  false, false },
	{ "ms_summary_print", "ms_summary_print", make_summaries, call_summary_print, NULL, false,
	  false, false },
	{ "ms_table_print", "ms_table_print", NULL, call_table_print, NULL, false, false, false },
	{ "ms_tracker_new", "ms_tracker_new", NULL, call_tracker_new, NULL, false, false, false },
	{ "ms_tracker_diff", "ms_tracker_diff", make_tracker, call_tracker_diff,
	  checkpoint_unmoved, false, false, false },
	{ "ms_tracker_sites", "ms_tracker_sites", make_tracker, call_tracker_sites, NULL, false,
	  false, false },
	{ "ms_sites_print", "ms_sites_print", make_sites, call_sites_print, NULL, false, false,
	  false },
	{ "ms_tracker_print_diff", "ms_tracker_print_diff", make_tracker, call_tracker_print_diff,
	  checkpoint_unmoved, false, false, false },
	{ "ms_sizeof_deep", "ms_sizeof_deep", make_fan, call_sizeof_deep, NULL, true, false,
	  false },
	/*
	 * Regression: when a node's list of children could not grow (its fifth
	 * child), the list was lost and the count kept, and freeing the partial
	 * tree crashed on it (chapter 3 under fault).
	 */
	{ "ms_sized", "ms_sized", make_fan, call_sized, NULL, true, false, false },
	{ "ms_sized_print", "ms_sized_print", make_sized_tree, call_sized_print, NULL, false,
	  false, false },
	{ "ms_sized_path", "ms_sized_path", make_sized_tree, call_sized_path, NULL, false, false,
	  false },
	{ "ms_objtracker_new", "ms_objtracker_new", NULL, call_objtracker_new, NULL, false, false,
	  false },
	{ "ms_objtracker_track", "ms_objtracker_track", make_objtracker, call_objtracker_track,
	  objects_unchanged, true, false, false },
	{ "ms_objtracker_snapshot", "ms_objtracker_snapshot", make_objtracker,
	  call_objtracker_snapshot, objects_unchanged, true, false, false },
	{ "ms_objtracker_print_summary", "ms_objtracker_print_summary",
	  make_objtracker_with_snapshot, call_objtracker_print_summary, NULL, false, false, false },
};

/* ------------------------------------------------------------------ */
/* The first registration of all, in a fresh process                   */
/* ------------------------------------------------------------------ */

/* A user's descriptor that takes a built-in's name: the built-in must keep it. */
static MS_TYPE_LEAF(user_int_type, long);

/* The child of test_builtins_first_under_fault: exits 0 if all went as it should, else a code. */
static void builtins_first_child(void)
{
	struct ms_capture cap;
	user_int_type.name = "int";
	ms_capture_start(&cap);
	ms_fault_fail_at(1);           /* the library's very first allocation: the row "int" */
	void *p = ms_alloc(&user_int_type, 1);
	ms_fault_fail_at(0);
	if (p || cap.count != 1 || cap.kind != MS_MISUSE_NO_MEMORY)
		_exit(10);
	void *q = ms_alloc(&user_int_type, 1);      /* the name is the built-in's now */
	if (q || cap.count != 2 || cap.kind != MS_MISUSE_BAD_TYPE)
		_exit(11);
	int *n = ms_alloc(&ms_type_int, 1);
	if (!n || cap.count != 2)
		_exit(12);
	ms_free(n);
	_exit(0);
}

/*
 * Regression: when memory for the built-in rows ran out at the first
 * registration, the call went on without them, so a user's type named
 * "int" took the row and ms_type_int was refused from then on.
 */
static void test_builtins_first_under_fault(void **state)
{
	(void)state;
	assert_child_passes(builtins_first_child);
}

int main(void)
{
	/* Before anything registers a row: the first registration must happen in the child. */
	struct CMUnitTest tests[1 + sizeof cases / sizeof cases[0]] = {
		cmocka_unit_test(test_builtins_first_under_fault),
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		tests[1 + i] = (struct CMUnitTest){ cases[i].name, test_call_under_fault,
						    ms_test_setup, teardown_case, (void *)&cases[i] };
	return cmocka_run_group_tests_name("fault: calls", tests, NULL, NULL);
}
