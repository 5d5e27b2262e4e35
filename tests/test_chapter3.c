/* test_chapter3.c: chapter 3 (flat and deep sizing, malloc's cost, padding) leaves nothing behind, prints its expected lesson and measures sense. */
#define _GNU_SOURCE
#include "test_util.h"

#include <ctype.h>
#include <stdbool.h>
#include <unistd.h>

#include "chapter3_sizing.h"
#include "chapters.h"
#include "golden.h"

/* The data file chapter 3's plot is drawn from. */
#define DATA_FILE "malloc_cost.dat"

/*
 * The checks every chapter makes. Chapter 2 uses the same "int *"
 * descriptor, so running it in between shows the two share a process.
 */
static const struct golden_case golden = { &chapter3, &chapter2, DATA_FILE, "plots/sizing.gp" };

/* The sized tree details the relations are checked at. */
#define DEEPEST_DETAIL 3

/* True where ASan or valgrind replaced malloc: it then grants exactly what was asked for. */
static bool malloc_replaced(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(MS_TEST_HAVE_VALGRIND_H)
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

/* ------------------------------------------------------------------ */
/* Invariants                                                          */
/* ------------------------------------------------------------------ */

/* Nothing live before or after, and no misuse but the one the lesson makes on purpose. */
static void test_nothing_left_live(void **state)
{
	(void)state;
	assert_i64_equal(ms_live_blocks(), 0);
	int64_t misuse_before = ms_stats().misuse_count;
	free(golden_run(&chapter3, NULL));
	assert_i64_equal(ms_live_blocks(), 0);
	assert_i64_equal(ms_stats().misuse_count - misuse_before, CHAPTER3_MISUSE_REPORTS);
}

/* ------------------------------------------------------------------ */
/* Deep sizing                                                         */
/* ------------------------------------------------------------------ */

/* Deep is at least flat, in every notion, for each of the lesson's objects. */
static void test_deep_at_least_flat(void **state)
{
	(void)state;
	struct graph_node *root = chapter3_graph_build();
	int **shared = chapter3_twos_build(true);
	int **own = chapter3_twos_build(false);
	struct todo_list *list = chapter3_todo_list_build();
	const void *objects[] = { root, shared, own, list };
	for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
		assert_non_null(objects[i]);
		for (int n = 0; n < MS_NOTION_COUNT; n++) {
			int64_t flat = ms_sizeof_flat(objects[i], (enum ms_notion)n);
			assert_i64_gt(flat, 0);
			assert_i64_ge(ms_sizeof_deep(objects[i], (enum ms_notion)n), flat);
		}
	}
	chapter3_todo_list_free(list);
	chapter3_twos_free(own, false);
	chapter3_twos_free(shared, true);
	chapter3_graph_free(root);
}

/* Ten pointers to one int: deep is the array and the int once; ten ints of their own: all ten. */
static void test_shared_int_counted_once(void **state)
{
	(void)state;
	int **shared = chapter3_twos_build(true);
	int **own = chapter3_twos_build(false);
	assert_non_null(shared);
	assert_non_null(own);
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		enum ms_notion notion = (enum ms_notion)n;
		struct ms_deep found;
		assert_i64_equal(ms_sizeof_deep_at(shared, notion, &found, __FILE__, __LINE__),
				 ms_sizeof_flat(shared, notion) + ms_sizeof_flat(shared[0], notion));
		assert_i64_equal(found.blocks, 2);
		assert_i64_equal(found.shared, 9);
		assert_i64_equal(found.untracked, 0);

		int64_t own_blocks = ms_sizeof_flat(own, notion);
		for (size_t i = 0; i < 10; i++)
			own_blocks += ms_sizeof_flat(own[i], notion);
		assert_i64_equal(ms_sizeof_deep_at(own, notion, &found, __FILE__, __LINE__),
				 own_blocks);
		assert_i64_equal(found.blocks, 11);
		assert_i64_equal(found.shared, 0);
	}
	assert_i64_equal(ms_sizeof_deep(shared, MS_REQUESTED), 10 * sizeof(int *) + sizeof(int));
	chapter3_twos_free(own, false);
	chapter3_twos_free(shared, true);
}

/* The graph's cycle ends, and from its root deep is every block it holds, each once. */
static void test_cycle_is_the_sum_of_its_blocks(void **state)
{
	(void)state;
	struct graph_node *root = chapter3_graph_build();
	assert_non_null(root);
	struct ms_stats stats = ms_stats();
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		struct ms_deep found;
		int64_t deep = ms_sizeof_deep_at(root, (enum ms_notion)n, &found, __FILE__, __LINE__);
		/* Only the graph is live, so the live bytes are its blocks' sum. */
		assert_i64_equal(deep, stats.all.bytes[n].current);
		assert_i64_equal(found.blocks, ms_live_blocks());
		/* c is met again through b, and b again through root's right. */
		assert_i64_equal(found.shared, 2);
	}
	/* Four nodes of three pointers, and the labels "root", "a", "b", "c". */
	assert_i64_equal(ms_sizeof_deep(root, MS_REQUESTED), 4 * 3 * sizeof(void *) + 5 + 3 * 2);
	chapter3_graph_free(root);
}

/* A node's flat plus its children's sizes is its size, wherever the tree lists its children. */
static void assert_node_adds_up(const struct ms_sized *node, int depth, int detail)
{
	assert_true(depth <= detail);
	if (depth == detail) {
		assert_int_equal(node->child_count, 0);
		return;
	}
	int64_t sum = node->flat;
	for (size_t i = 0; i < node->child_count; i++) {
		assert_ptr_equal(node->children[i].parent, node);
		sum += node->children[i].size;
		assert_node_adds_up(&node->children[i], depth + 1, detail);
	}
	if (sum != node->size) {
		char *path = ms_sized_path(node);
		fail_msg("node \"%s\" at \"%s\": flat and children add up to %" PRId64
			 ", its size is %" PRId64, node->name, path ? path : "?", sum, node->size);
	}
}

/* At every detail the tree's root is the deep size, and each listed node adds up. */
static void assert_tree_adds_up(const void *object)
{
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		int64_t deep = ms_sizeof_deep(object, (enum ms_notion)n);
		for (int detail = 0; detail <= DEEPEST_DETAIL; detail++) {
			struct ms_sized *tree = ms_sized(object, detail, (enum ms_notion)n);
			assert_non_null(tree);
			assert_null(tree->parent);
			assert_i64_equal(tree->size, deep);
			assert_i64_equal(tree->totals.bytes, deep);
			assert_i64_equal(tree->flat, ms_sizeof_flat(object, (enum ms_notion)n));
			assert_node_adds_up(tree, 0, detail);
			ms_sized_free(tree);
		}
	}
}

static void test_sized_trees_add_up(void **state)
{
	(void)state;
	struct graph_node *root = chapter3_graph_build();
	int **shared = chapter3_twos_build(true);
	int **own = chapter3_twos_build(false);
	struct todo_list *list = chapter3_todo_list_build();
	assert_non_null(root);
	assert_non_null(shared);
	assert_non_null(own);
	assert_non_null(list);
	assert_tree_adds_up(root);
	assert_tree_adds_up(shared);
	assert_tree_adds_up(own);
	assert_tree_adds_up(list);
	chapter3_todo_list_free(list);
	chapter3_twos_free(own, false);
	chapter3_twos_free(shared, true);
	chapter3_graph_free(root);
}

/* The array counts whole, spare slots too, but its elements past len are not walked. */
static void test_array_walked_to_its_length(void **state)
{
	(void)state;
	struct todo_list *list = chapter3_todo_list_build();
	assert_non_null(list);
	struct ms_deep found;
	int64_t deep = ms_sizeof_deep_at(list, MS_REQUESTED, &found, __FILE__, __LINE__);
	struct ms_stats stats = ms_stats();
	/* Everything but the popped todo's text, "stamps" and its NUL. */
	assert_i64_equal(found.blocks, ms_live_blocks() - 1);
	assert_i64_equal(stats.all.bytes[MS_REQUESTED].current - deep, sizeof "stamps");
	/* The list, its 16-byte title buffer, all 4 slots, "milk" and "bread". */
	assert_i64_equal(deep, 4 * 8 + 16 + 4 * sizeof(char *) + sizeof "milk" + sizeof "bread");
	chapter3_todo_list_free(list);
}

/* A string literal in a described field is reported once, not counted, and named without an address. */
static void test_untracked_pointer_reported(void **state)
{
	(void)state;
	struct todo *note = chapter3_literal_todo_build();
	assert_non_null(note);
	struct ms_capture capture;
	struct ms_deep found;
	ms_capture_start(&capture);
	int64_t deep = ms_sizeof_deep_at(note, MS_REQUESTED, &found, "here.c", 7);
	ms_set_misuse_handler(NULL, NULL);
	assert_i64_equal(deep, ms_sizeof_flat(note, MS_REQUESTED));
	assert_i64_equal(found.untracked, 1);
	assert_i64_equal(found.blocks, 1);
	assert_misuse(&capture, MS_MISUSE_UNTRACKED, "ms_sizeof_deep", "here.c", 7);
	assert_null(strstr(capture.message, "0x"));
	ms_free(note);
}

/* ------------------------------------------------------------------ */
/* What malloc charges                                                 */
/* ------------------------------------------------------------------ */

/* malloc grants at least what was asked for; exactly that where ASan or valgrind replaced it. */
static void test_usable_at_least_requested(void **state)
{
	(void)state;
	for (size_t n = 1; n <= CHAPTER3_LARGEST_REQUEST; n++) {
		struct malloc_cost cost;
		assert_int_equal(chapter3_malloc_cost(n, &cost), 0);
		assert_int_equal(cost.requested, n);
		if (malloc_replaced())
			assert_int_equal(cost.usable, n);
		else
			assert_true(cost.usable >= n);
	}
}

/* On glibc every small block is a heap chunk: 16-byte steps, 24 usable at least, an 8-byte header. */
static void test_footprint_exceeds_usable(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc();
	for (size_t n = 1; n <= CHAPTER3_LARGEST_REQUEST; n++) {
		struct malloc_cost cost;
		assert_int_equal(chapter3_malloc_cost(n, &cost), 0);
		assert_true(cost.glibc);
		assert_true(cost.footprint > cost.usable);
		assert_int_equal(cost.footprint, cost.usable + 8);
		assert_int_equal(cost.footprint % 16, 0);
		assert_true(cost.usable >= 24);
		/* The smallest chunk that holds n bytes: the minimum, or one step less would not. */
		assert_true(cost.usable == 24 || cost.usable - 16 < n);
	}
}

/* Where ASan or valgrind replaced malloc, memstats knows no chunk header: the footprint is usable. */
static void test_footprint_is_usable_off_glibc(void **state)
{
	(void)state;
	ms_test_require_replaced_malloc("test_footprint_exceeds_usable");
	for (size_t n = 1; n <= CHAPTER3_LARGEST_REQUEST; n++) {
		struct malloc_cost cost;
		assert_int_equal(chapter3_malloc_cost(n, &cost), 0);
		assert_int_equal(cost.footprint, cost.usable);
	}
}

/* Skip the calling test, saying why, unless ./chapter3 is built to be run. */
static void require_built_chapter3(void)
{
	if (access("./chapter3", X_OK) != 0) {
		print_message("skipped: ./chapter3 is not built (make chapter3 builds it)\n");
		skip();
	}
}

/* A malloc other than glibc's, which ./chapter3 can be run on where it is installed. */
struct other_malloc {
	const char *name;
	const char *command;   /* for /bin/sh -c; exit 77 says it is not installed */
};
static const struct other_malloc other_mallocs[] = {
	{ "valgrind", "command -v valgrind > /dev/null || exit 77; exec valgrind --quiet ./chapter3" },
	{ "jemalloc", "LD_PRELOAD=libjemalloc.so.2 exec ./chapter3" },
	{ "mimalloc", "LD_PRELOAD=libmimalloc.so.2 exec ./chapter3" },
};

/* The number in the `column`-th cell (from 0) of a grid row: the text after that many '|'. */
static long long grid_cell(const char *row, int column)
{
	for (int i = 0; i < column; i++)
		row = strchr(row, '|') + 1;
	return strtoll(row, NULL, 10);
}

/*
 * The "On this machine, <what>" grid in `text` has rows, and in each the
 * numbers in columns `a` and `b` are equal.
 */
static void assert_grid_columns_equal(const char *text, const char *what, int a, int b,
				      const char *malloc_name)
{
	const char *at = strstr(text, what);
	if (!at)
		fail_msg("under %s, ./chapter3 prints no \"%s\"", malloc_name, what);
	for (int skip = 0; skip < 3; skip++)   /* its line, the header and the rule */
		at = strchr(at, '\n') + 1;
	int rows = 0;
	for (; *at && *at != '\n'; at = strchr(at, '\n') + 1, rows++)
		if (grid_cell(at, a) != grid_cell(at, b))
			fail_msg("under %s, a row of %s has %lld and %lld: \"%.*s\"", malloc_name,
				 what, grid_cell(at, a), grid_cell(at, b),
				 (int)strcspn(at, "\n"), at);
	assert_true(rows > 0);
}

/*
 * On any malloc but glibc's the chapter prints no glibc chunk header:
 * not for malloc itself (footprint is usable in its table, and the text
 * says why), nor for memstats' own blocks (x's deep footprint is its
 * deep usable size). Run under each such malloc that is installed.
 */
static void test_other_mallocs_get_no_glibc_header(void **state)
{
	(void)state;
	require_built_chapter3();
	int tried = 0;
	for (size_t i = 0; i < sizeof other_mallocs / sizeof other_mallocs[0]; i++) {
		const struct other_malloc *m = &other_mallocs[i];
		struct golden_process run;
		golden_exec((char *[]){ "/bin/sh", "-c", (char *)m->command, NULL }, &run);
		if (run.exit_status == 77 || strstr(run.err, "cannot be preloaded")) {
			print_message("%s is not installed: not tried\n", m->name);
			golden_process_free(&run);
			continue;
		}
		tried++;
		if (run.exit_status != 0)
			fail_msg("under %s, ./chapter3 exited %d: %s", m->name, run.exit_status,
				 run.err);
		assert_grid_columns_equal(run.out, "On this machine, malloc(n) for n = 1..128", 1, 2,
					  m->name);
		assert_grid_columns_equal(run.out, "On this machine, the deep size of x", 2, 3,
					  m->name);
		if (!strstr(run.out, "On this machine, the footprint column:\nmalloc is not glibc's"))
			fail_msg("under %s, ./chapter3 does not say malloc is not glibc's", m->name);
		golden_process_free(&run);
	}
	if (!tried) {
		print_message("skipped: none of valgrind, jemalloc, mimalloc is installed\n");
		skip();
	}
}

/* The row of `grid` (a "first" or "second" line of the large-malloc grid) that starts with `which`. */
static const char *large_row(const char *grid, const char *which)
{
	char start[32];
	snprintf(start, sizeof start, "\n%*s |", 8, which);
	const char *row = strstr(grid, start);
	if (!row)
		fail_msg("the large-malloc grid has no row \"%s\"", which);
	return row + 1;
}

/*
 * In a process of its own, on glibc with nothing set in the environment,
 * the chapter's 256 KiB request is mapped the first time, whole pages with
 * a 16-byte header, and comes from the heap the second, once freeing the
 * first has raised the mmap threshold; and the chapter says so.
 */
static void test_large_request_mapped_then_from_the_heap(void **state)
{
	(void)state;
	require_built_chapter3();
	struct golden_process run;
	golden_exec((char *[]){ "/usr/bin/env", "-i", "./chapter3", NULL }, &run);
	assert_int_equal(run.exit_status, 0);
	char title[64];
	snprintf(title, sizeof title, "On this machine, malloc(%d) twice (bytes):\n",
		 CHAPTER3_LARGE_REQUEST);
	const char *grid = strstr(run.out, title);
	if (!grid)
		fail_msg("./chapter3 prints no \"%s\"", title);
	const char *first = large_row(grid, "first"), *second = large_row(grid, "second");
	long long page = sysconf(_SC_PAGESIZE);
	assert_i64_equal(grid_cell(first, 2) % page, 0);
	assert_i64_equal(grid_cell(first, 2) - grid_cell(first, 1), 16);
	assert_i64_equal(grid_cell(second, 2), (CHAPTER3_LARGE_REQUEST + 8 + 15) / 16 * 16);
	assert_i64_equal(grid_cell(second, 2) - grid_cell(second, 1), 8);
	assert_non_null(strstr(first, "|      yes\n"));
	assert_non_null(strstr(second, "|       no\n"));
	assert_non_null(strstr(grid, "Freeing it raised the\nthreshold, so the second came from the "
				     "heap"));
	golden_process_free(&run);
}

/* ------------------------------------------------------------------ */
/* The lesson's output                                                 */
/* ------------------------------------------------------------------ */

/* The code the lesson shows is cut from the chapter's source, so it is the code that runs. */
static void test_code_shown_is_code_run(void **state)
{
	(void)state;
	golden_assert_code_from_source("chapters/chapter3_sizing.c");
}

/* Allocator figures appear only inside "On this machine" blocks. */
static void test_machine_blocks_hold_allocator_figures(void **state)
{
	(void)state;
	golden_check_machine_blocks(&chapter3,
				    (const char *const[]){ "\nOn this machine, malloc(n) for n = 1..128",
							   "\nOn this machine, the footprint column",
							   "\nOn this machine, malloc(262144) twice",
							   "\nOn this machine, what the two show",
							   "\nOn this machine, the deep size of x",
							   "\nOn this machine, one of each from malloc",
							   NULL },
				    (const char *const[]){ "deep usable", "footprint |", NULL });
}

/* ------------------------------------------------------------------ */
/* What the lesson says agrees with what it prints                     */
/* ------------------------------------------------------------------ */

/* A count as the lesson writes it, "one" to "ten" or digits; fails the test on anything else. */
static long long count_of(const char *word)
{
	static const char *const words[] = { "zero", "one", "two", "three", "four", "five",
					     "six", "seven", "eight", "nine", "ten" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strncmp(word, words[i], strlen(words[i])) == 0 &&
		    !isalpha((unsigned char)word[strlen(words[i])]))
			return (long long)i;
	char *end;
	long long n = strtoll(word, &end, 10);
	if (end == word)
		fail_msg("\"%.20s\" is not a count", word);
	return n;
}

/* The text just after `after` in `text`, which must hold it. */
static const char *after(const char *text, const char *after)
{
	const char *at = strstr(text, after);
	if (!at)
		fail_msg("\"%s\" is not in: %s", after, text);
	return at + strlen(after);
}

/* One version of x as the lesson prints it: its sizes paragraph, its tree, and what it says deep holds. */
struct twos_printed {
	long long flat, deep, blocks, shared, pointers;   /* the "Flat, x is" paragraph */
	long long tree_size, tree_flat, children, shared_lines;
	long long ints_said, shared_said;                 /* the sentence after both trees */
};

/* Version `which` ("(a)" or "(b)") of x in `out`, its subheading starting with `which`. */
static struct twos_printed twos_printed(const char *out, const char *which)
{
	struct twos_printed x = { 0 };
	char heading[16];
	snprintf(heading, sizeof heading, "\n%s Ten pointers", which);
	const char *part = after(out, heading);
	char *sizes = golden_paragraph(part, "Flat, x is ");
	char pointers[16];
	/* "block," or "blocks,": the scan set takes the "s" if there is one */
	if (sscanf(sizes, "Flat, x is %lld bytes: %15s pointers. Deep, it is %lld bytes in %lld "
			  "block%*[s,] with %lld reference",
		   &x.flat, pointers, &x.deep, &x.blocks, &x.shared) != 5)
		fail_msg("x's sizes read: %s", sizes);
	x.pointers = count_of(pointers);
	free(sizes);

	const char *tree = after(part, "\nint *[10] size=");
	assert_int_equal(sscanf(tree, "%lld flat=%lld", &x.tree_size, &x.tree_flat), 2);
	for (const char *line = strchr(tree, '\n') + 1; strncmp(line, "    [", 5) == 0;
	     line = strchr(line, '\n') + 1) {
		x.children++;
		const char *end = strchr(line, '\n');
		const char *shared = strstr(line, "(shared: counted at ");
		if (shared && shared < end)
			x.shared_lines++;
	}

	/* "In (a) ..." up to the next "In (" */
	char *said = golden_paragraph(out, "In (a) ");
	char start[8];
	snprintf(start, sizeof start, "In %s ", which);
	char *clause = said + (after(said, start) - said);
	char *next = strstr(clause, " In (");
	if (next)
		*next = '\0';
	if (strncmp(clause, "deep is the pointer block alone", 31) == 0) {
		x.ints_said = 0;
		x.shared_said = 0;
	} else if (strncmp(clause, "each pointer leads to an int of its own", 39) == 0) {
		x.ints_said = count_of(after(clause, "deep counts all "));
		x.shared_said = 0;
	} else {
		x.shared_said = count_of(after(clause, "and the other "));
		x.ints_said = count_of(after(clause, "deep is the pointer block and "));
	}
	free(said);
	return x;
}

/*
 * What the lesson says of x agrees with its numbers and trees: deep is the
 * pointer block and the ints it says, each counted int a child of the
 * tree, each reference it says counted before a "shared" line. Returns
 * the ints it says deep holds.
 */
static long long assert_twos_agree(const char *out, const char *which)
{
	struct twos_printed x = twos_printed(out, which);
	assert_int_equal(x.tree_size, x.deep);
	assert_int_equal(x.tree_flat, x.flat);
	assert_int_equal(x.pointers * (long long)sizeof(int *), x.flat);
	assert_int_equal(x.blocks, 1 + x.ints_said);
	assert_int_equal(x.deep - x.flat, x.ints_said * (long long)sizeof(int));
	assert_int_equal(x.children - x.shared_lines, x.ints_said);
	assert_int_equal(x.shared_lines, x.shared);
	assert_int_equal(x.shared_said, x.shared);
	return x.ints_said;
}

/*
 * The sentences on x agree with what it prints, and say how its blocks
 * are described. Returns the ints (a) and (b) say deep holds.
 */
static void assert_x_agrees(const char *out, long long ints[2])
{
	ints[0] = assert_twos_agree(out, "(a)");
	ints[1] = assert_twos_agree(out, "(b)");
	/* ints are reached only where the pointer blocks are followed */
	char *described = golden_paragraph(out, "The tutorial sizes x = [2] * 10");
	bool leaf = strstr(described, "described as a leaf") != NULL;
	assert_true(leaf == (ints[0] == 0 && ints[1] == 0));
	assert_true(leaf != (strstr(described, "with MS_TYPE_POINTER") != NULL));
	free(described);
	char *python = golden_paragraph(out, "Small-int caching");
	assert_true((strstr(python, "which memstats' tree says in words") != NULL) == (ints[0] > 0));
	free(python);
}

/* The todo list as printed: its sentences, its tree, and the texts the tree reaches. */
struct todo_printed {
	long long slots, len, items, slots_again, deep, blocks, held, held_blocks;
	long long tree_size, texts;
	bool walk_past_len;               /* the lesson says the walk went past len */
	long long texts_said, in_use_said;
};

static struct todo_printed todo_printed(const char *out)
{
	struct todo_printed t = { 0 };
	char *list = golden_paragraph(out, "The list's title ");
	t.slots = strtoll(after(list, "Its array has "), NULL, 10);
	t.len = strtoll(after(list, "so len is "), NULL, 10);
	free(list);

	const char *tree = after(out, "\nstruct todo_list size=");
	t.tree_size = strtoll(tree, NULL, 10);
	const char *items = after(tree, "\n    items size=");
	for (const char *line = strchr(items, '\n') + 1; strncmp(line, "        [", 9) == 0;
	     line = strchr(line, '\n') + 1)
		t.texts++;

	char *counted = golden_paragraph(out, "What is counted is the block");
	t.items = strtoll(after(counted, "items is "), NULL, 10);
	t.slots_again = strtoll(after(counted, "bytes, all "), NULL, 10);
	if (sscanf(after(counted, "Deep, the list is "), "%lld bytes in %lld blocks; the program "
							  "holds %lld bytes in %lld.",
		   &t.deep, &t.blocks, &t.held, &t.held_blocks) != 4)
		fail_msg("the list's deep size reads: %s", counted);
	if (strstr(counted, "What is walked is the first len elements only: the popped todo's "
			    "text is live but not reached.")) {
		t.walk_past_len = false;
	} else {
		t.walk_past_len = true;
		t.texts_said = count_of(after(counted, "What is walked goes past len: the walk "
						       "reaches "));
		t.in_use_said = count_of(after(counted, " texts for "));
	}
	free(counted);
	return t;
}

/*
 * What the lesson says of the todo list agrees with its tree: the walk
 * stops at len exactly when the tree reaches len texts and deep leaves
 * the popped text out of what the program holds. Returns whether it says
 * the walk went past len.
 */
static bool assert_todo_agrees(const char *out)
{
	struct todo_printed t = todo_printed(out);
	assert_int_equal(t.tree_size, t.deep);
	assert_int_equal(t.slots_again, t.slots);
	assert_int_equal(t.items, t.slots * (long long)sizeof(char *));
	if (t.walk_past_len) {
		assert_int_equal(t.texts_said, t.texts);
		assert_int_equal(t.in_use_said, t.len);
		assert_true(t.texts > t.len);
		/* the popped text is reached: deep is all the program holds */
		assert_int_equal(t.deep, t.held);
		assert_int_equal(t.blocks, t.held_blocks);
	} else {
		assert_int_equal(t.texts, t.len);
		assert_true(t.deep < t.held);
		assert_true(t.blocks < t.held_blocks);
	}
	return t.walk_past_len;
}

/* A padding struct as printed: its layout table and what the lesson says of its size. */
struct layout_printed {
	long long size, fields, padding;          /* from the table */
	bool largest_first;                        /* no field larger than the one before */
	long long size_said, fields_said, padding_said;
};

/* The struct declared in code as `declaration` ("struct part_tidy {") in `out`. */
static struct layout_printed layout_printed(const char *out, const char *declaration)
{
	struct layout_printed l = { 0, 0, 0, true, 0, 0, 0 };
	char code[48];
	snprintf(code, sizeof code, "\n    %s\n", declaration);
	const char *table = after(after(out, code), "\n\n");   /* past the code */
	table = strchr(strchr(table, '\n') + 1, '\n') + 1;     /* past the header and rule */
	long long before = -1;
	for (const char *row = table; *row && *row != '\n'; row = strchr(row, '\n') + 1) {
		long long offset, size, padding;
		if (sscanf(row, " %*s | %lld | %lld | %lld", &offset, &size, &padding) != 3)
			fail_msg("a layout row reads: %.60s", row);
		assert_int_equal(offset, l.fields + l.padding);
		if (before >= 0 && size > before)
			l.largest_first = false;
		before = size;
		l.fields += size;
		l.padding += padding;
	}
	l.size = l.fields + l.padding;

	char name[40], sentence[64];
	snprintf(name, sizeof name, "%.*s", (int)(strlen(declaration) - 2), declaration);
	snprintf(sentence, sizeof sentence, "sizeof(%s) is ", name);
	char *said = golden_paragraph(out, sentence);
	const char *rest = after(said, sentence);
	char *end;
	l.size_said = strtoll(rest, &end, 10);
	if (strncmp(end, ", the fields and no padding at all.", 35) == 0) {
		l.fields_said = l.size_said;
		l.padding_said = 0;
	} else if (sscanf(end, ": %lld bytes of fields and %lld of padding.", &l.fields_said,
			  &l.padding_said) != 2) {
		fail_msg("the size of %s reads: %s", name, said);
	}
	free(said);
	return l;
}

/* What the lesson says of a struct's size agrees with its layout table. */
static void assert_layout_agrees(const struct layout_printed *l)
{
	assert_int_equal(l->size_said, l->size);
	assert_int_equal(l->fields_said, l->fields);
	assert_int_equal(l->padding_said, l->padding);
}

/*
 * The padding part agrees with its tables: each struct's size, fields and
 * padding; "largest first" only where it is; the saving the difference in
 * size; and on this machine, the two footprints and how they compare.
 * Returns part_tidy's padding.
 */
static long long assert_padding_agrees(const char *out)
{
	struct layout_printed careless = layout_printed(out, "struct part_careless {");
	struct layout_printed tidy = layout_printed(out, "struct part_tidy {");
	assert_layout_agrees(&careless);
	assert_layout_agrees(&tidy);
	const char *order = strstr(out, "The same fields, largest first:\n") ? "largest first"
									    : "in another order";
	assert_non_null(strstr(out, order));
	assert_true(tidy.largest_first == (strcmp(order, "largest first") == 0));

	char *saving = golden_paragraph(out, "sizeof(struct part_tidy) is ");
	assert_int_equal(strtoll(after(saving, "the order alone saves "), NULL, 10),
			 (careless.size - tidy.size) * 1000000);
	free(saving);

	long long careless_request, careless_footprint, tidy_request, tidy_footprint;
	char difference[32];
	if (sscanf(after(out, "On this machine, one of each from malloc:\n"),
		   "malloc(%lld) for a part_careless has a footprint of %lld bytes,\n"
		   "malloc(%lld) for a part_tidy one of %lld: %31[^.]",
		   &careless_request, &careless_footprint, &tidy_request, &tidy_footprint,
		   difference) != 5)
		fail_msg("the footprints of one of each do not read as five figures");
	assert_int_equal(careless_request, careless.size);
	assert_int_equal(tidy_request, tidy.size);
	char expected[32] = "the same";
	if (careless_footprint != tidy_footprint)
		snprintf(expected, sizeof expected, "%lld bytes %s",
			 llabs(careless_footprint - tidy_footprint),
			 careless_footprint > tidy_footprint ? "less" : "more");
	assert_string_equal(difference, expected);
	return tidy.padding;
}

/* The graph's sentences agree with its table: root reaches everything, b and c alike, a and b overlap. */
static void assert_graph_agrees(const char *out)
{
	long long flat[4], deep[4], blocks[4];
	const char *row = after(out, "\n  node |");
	row = strchr(strchr(row, '\n') + 1, '\n') + 1;
	for (int i = 0; i < 4; i++, row = strchr(row, '\n') + 1)
		if (sscanf(row, " %*s | %lld | %lld | %lld |", &flat[i], &deep[i], &blocks[i]) != 3)
			fail_msg("a row of the graph's table reads: %.60s", row);
	char *said = golden_paragraph(out, "Flat is the same for every node: ");
	assert_int_equal(strtoll(after(said, "every node: "), NULL, 10), flat[0]);
	for (int i = 1; i < 4; i++)
		assert_int_equal(flat[i], flat[0]);
	char reaches[80];
	snprintf(reaches, sizeof reaches, "deep reaches all %lld blocks, %lld bytes, which is "
		 "everything the program holds now.", blocks[0], deep[0]);
	assert_non_null(strstr(said, reaches));
	assert_true((strstr(said, "so their deep sizes are equal.") != NULL) == (deep[2] == deep[3]));
	free(said);
	char *apart = golden_paragraph(out, "Sized one at a time, a and b come to ");
	long long a, b, sum, beyond;
	assert_int_equal(sscanf(after(apart, "come to "), "%lld + %lld = %lld", &a, &b, &sum), 3);
	assert_int_equal(a, deep[1]);
	assert_int_equal(b, deep[2]);
	assert_int_equal(sum, a + b);
	const char *than = after(apart, "bytes, ");
	beyond = strtoll(after(than, "than the "), NULL, 10);
	assert_true((strncmp(than, "more than", 9) == 0) == (sum > beyond));
	free(apart);
}

/* What the lesson said where a break changes it: the checks above return it. */
struct lesson_says {
	long long ints[2];     /* the ints deep holds, in (a) and (b) */
	bool walk_past_len;    /* the todo walk went past len */
	long long tidy_padding;
};

/*
 * Run chapter 3 as built (`name` NULL) or with the break `name`: every
 * sentence above must agree with what it printed, what they say must be
 * `expected`, and none of `absent` (NULL-terminated) may be printed.
 */
static void check_sentences(const char *name, struct lesson_says expected,
			    const char *const *absent)
{
	char *out = name ? golden_run_break(&chapter3, name) : golden_run(&chapter3, NULL);
	struct lesson_says says;
	assert_graph_agrees(out);
	assert_x_agrees(out, says.ints);
	says.walk_past_len = assert_todo_agrees(out);
	says.tidy_padding = assert_padding_agrees(out);
	assert_int_equal(says.ints[0], expected.ints[0]);
	assert_int_equal(says.ints[1], expected.ints[1]);
	assert_int_equal(says.walk_past_len, expected.walk_past_len);
	assert_int_equal(says.tidy_padding, expected.tidy_padding);
	for (; *absent; absent++)
		if (strstr(out, *absent))
			fail_msg("%s prints \"%s\"", name ? name : "chapter3", *absent);
	free(out);
}

/* As built, x's blocks are followed, the walk stops at len and part_tidy has no padding. */
static void test_sentences_agree_as_built(void **state)
{
	(void)state;
	check_sentences(NULL, (struct lesson_says){ { 1, 10 }, false, 0 },
			(const char *const[]){ "described as a leaf", "goes past len", NULL });
}

/* BREAK=pointers-as-leaves: deep is x's block alone in both versions, and the lesson says so. */
static void test_break_pointers_as_leaves(void **state)
{
	(void)state;
	check_sentences("pointers-as-leaves", (struct lesson_says){ { 0, 0 }, false, 0 },
			(const char *const[]){ "counted at [0]", "tree says in words", NULL });
}

/* BREAK=walk-to-capacity: the popped todo's text is reached again, and the lesson says so. */
static void test_break_walk_to_capacity(void **state)
{
	(void)state;
	check_sentences("walk-to-capacity", (struct lesson_says){ { 1, 10 }, true, 0 },
			(const char *const[]){ "not reached", NULL });
}

/* BREAK=grade-first: part_tidy has 8 bytes of padding, and the lesson says so. */
static void test_break_grade_first(void **state)
{
	(void)state;
	check_sentences("grade-first", (struct lesson_says){ { 1, 10 }, false, 8 },
			(const char *const[]){ "no padding at all", "largest first", NULL });
}

/* ------------------------------------------------------------------ */
/* The data file and the plot                                          */
/* ------------------------------------------------------------------ */

/* The requested column exactly; the allocator's columns by relation. */
static void test_data_file(void **state)
{
	(void)state;
	char *data = golden_run_for_data_file(&chapter3, DATA_FILE);
	const char *header = "# chapter 3: what malloc(n) costs on this machine\n"
			     "# requested usable footprint overhead_percent\n";
	assert_memory_equal(data, header, strlen(header));
	const char *line = data + strlen(header);
	for (size_t n = 1; n <= CHAPTER3_LARGEST_REQUEST; n++) {
		size_t requested, usable, footprint;
		double overhead;
		int length = 0;
		if (sscanf(line, "%zu %zu %zu %lf\n%n", &requested, &usable, &footprint, &overhead,
			   &length) != 4 || length == 0)
			fail_msg("row %zu of %s does not read as four numbers", n, DATA_FILE);
		assert_int_equal(requested, n);
		assert_true(usable >= requested);
		/* glibc's chunk header, or none where memstats knows of none */
		const char *why;
		assert_int_equal(footprint - usable, ms_test_glibc_malloc(&why) ? 8 : 0);
		struct malloc_cost cost = { .requested = requested, .usable = usable,
					    .footprint = footprint };
		double expected = chapter3_overhead_percent(&cost);
		/* One decimal is printed: the rounding is at most 0.05. */
		assert_true(overhead > expected - 0.051 && overhead < expected + 0.051);
		line += length;
	}
	golden_assert_data_set_ends(data, line);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_nothing_left_live),
		ms_test(test_deep_at_least_flat),
		ms_test(test_shared_int_counted_once),
		ms_test(test_cycle_is_the_sum_of_its_blocks),
		ms_test(test_sized_trees_add_up),
		ms_test(test_array_walked_to_its_length),
		ms_test(test_untracked_pointer_reported),
		ms_test(test_usable_at_least_requested),
		ms_test(test_footprint_exceeds_usable),
		ms_test(test_footprint_is_usable_off_glibc),
		ms_test(test_other_mallocs_get_no_glibc_header),
		ms_test(test_large_request_mapped_then_from_the_heap),
		ms_test(test_machine_blocks_hold_allocator_figures),
		ms_test(test_code_shown_is_code_run),
		golden_test(golden_test_output_rules, &golden),
		golden_test(golden_test_expected, &golden),
		golden_test(golden_test_lesson_block, &golden),
		golden_test(golden_test_repeatable, &golden),
		ms_test(test_data_file),
		golden_test(golden_test_program, &golden),
		golden_test(golden_test_unwritable_data, &golden),
		golden_test(golden_test_write_failures, &golden),
		golden_test(golden_test_plot, &golden),
		ms_test(test_sentences_agree_as_built),
		ms_test(test_break_pointers_as_leaves),
		ms_test(test_break_walk_to_capacity),
		ms_test(test_break_grade_first),
		golden_test(golden_test_breaks, &golden),
	};
	return cmocka_run_group_tests_name("chapter3", tests, NULL, NULL);
}
