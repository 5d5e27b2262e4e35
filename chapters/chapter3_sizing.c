/* chapter3_sizing.c: lesson 3, object sizing: flat and deep, shared and cyclic, and what malloc and padding add. */
#include "chapter3_sizing.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters.h"
#include "lesson.h"
#include "lesson_code.h"
#include "memstats.h"

/* The data file --data writes: DIR/malloc_cost.dat. */
#define MALLOC_COST_DATA "malloc_cost"

/* A count as the lesson's sentences say it: "one" to "ten" in words, any other in digits. */
struct count_text {
	char text[24];
};

static struct count_text in_words(int64_t n)
{
	static const char *const words[] = { "zero", "one", "two", "three", "four", "five",
					     "six", "seven", "eight", "nine", "ten" };
	struct count_text count;
	if (n >= 0 && n < (int64_t)(sizeof words / sizeof words[0]))
		snprintf(count.text, sizeof count.text, "%s", words[n]);
	else
		snprintf(count.text, sizeof count.text, "%" PRId64, n);
	return count;
}

/* ------------------------------------------------------------------ */
/* A small graph with a shared node and a cycle                        */
/* ------------------------------------------------------------------ */

/* lesson code: chapter3_graph_node */
struct graph_node {
	char *label;
	struct graph_node *left, *right;
};
static MS_TYPE(graph_node_type, struct graph_node,
	       MS_STRING(struct graph_node, label),
	       MS_PTR(struct graph_node, left, &graph_node_type),
	       MS_PTR(struct graph_node, right, &graph_node_type));
/* end lesson code */

/* The graph's nodes, in the order the lesson lists them. */
enum graph_node_name { ROOT, A, B, C, GRAPH_NODES };
static const char *const graph_labels[GRAPH_NODES] = { "root", "a", "b", "c" };

/* Free `count` nodes and their labels. */
static void free_nodes(struct graph_node *const *node, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (node[i])
			ms_free(node[i]->label);
		ms_free(node[i]);
	}
}

struct graph_node *chapter3_graph_build(void)
{
	struct graph_node *node[GRAPH_NODES];
	for (size_t i = 0; i < GRAPH_NODES; i++) {
		node[i] = ms_calloc(&graph_node_type, 1);
		if (node[i])
			node[i]->label = ms_strdup(graph_labels[i]);
		if (!node[i] || !node[i]->label) {
			free_nodes(node, i + 1);
			return NULL;
		}
	}
	struct graph_node *root = node[ROOT], *a = node[A], *b = node[B], *c = node[C];
	/* lesson code: chapter3_graph_links */
	root->left = a;
	root->right = b;
	a->left = c;
	b->left = c;      /* c is shared */
	c->right = b;     /* a cycle: b -> c -> b */
	/* end lesson code */
	return root;
}

/* Every node of the graph from its root, in graph_node_name order. */
static void graph_nodes(struct graph_node *root, struct graph_node *node[GRAPH_NODES])
{
	node[ROOT] = root;
	node[A] = root->left;
	node[B] = root->right;
	node[C] = root->left->left;
}

void chapter3_graph_free(struct graph_node *root)
{
	if (!root)
		return;
	struct graph_node *node[GRAPH_NODES];
	graph_nodes(root, node);
	free_nodes(node, GRAPH_NODES);
}

/* ------------------------------------------------------------------ */
/* x = [2] * 10 as pointers                                            */
/* ------------------------------------------------------------------ */

/* lesson code: chapter3_twos_constants */
/* The ten 2s of x = [2] * 10. */
#define X_LENGTH 10
#define X_VALUE 2
/* end lesson code */

/*
 * x's blocks are lesson_int_pointer_type's, which chapters.c describes
 * with MS_TYPE_POINTER. The break describes them as leaves, with no field
 * to follow, under the name the code allocates them by: chapters.h
 * declares the shared descriptor extern, so this file's own takes the name through
 * a macro.
 */
#ifdef BREAK_POINTERS_AS_LEAVES
#define lesson_int_pointer_type int_pointer_leaf_type
static MS_TYPE_LEAF(lesson_int_pointer_type, int *);
#endif

/* (a) What Python's [2] * 10 is: ten pointers to one int. */
static int **build_shared_twos(void)
{
	/* lesson code: chapter3_shared_twos */
	int **x = ms_alloc(&lesson_int_pointer_type, X_LENGTH);
	int *two = x ? ms_alloc(&ms_type_int, 1) : NULL;
	if (!two) {
		ms_free(x);
		return NULL;
	}
	*two = X_VALUE;
	for (int i = 0; i < X_LENGTH; i++)
		x[i] = two;
	return x;
	/* end lesson code */
}

/* (b) Ten pointers to ten ints of their own. */
static int **build_own_twos(void)
{
	/* lesson code: chapter3_own_twos */
	int **x = ms_calloc(&lesson_int_pointer_type, X_LENGTH);
	for (int i = 0; x && i < X_LENGTH; i++) {
		x[i] = ms_alloc(&ms_type_int, 1);
		if (!x[i]) {
			chapter3_twos_free(x, false);   /* the rest are NULL */
			return NULL;
		}
		*x[i] = X_VALUE;
	}
	return x;
	/* end lesson code */
}

int **chapter3_twos_build(bool shared)
{
	return shared ? build_shared_twos() : build_own_twos();
}

void chapter3_twos_free(int **x, bool shared)
{
	if (!x)
		return;
	/* The shared int is x[0] through all ten pointers: free it once. */
	for (size_t i = 0; i < (shared ? 1 : X_LENGTH); i++)
		ms_free(x[i]);
	ms_free(x);
}

/* ------------------------------------------------------------------ */
/* A todo list: a string buffer and an array with a length              */
/* ------------------------------------------------------------------ */

/* lesson code: chapter3_todo */
struct todo {
	char *text;
};
static MS_TYPE(todo_type, struct todo, MS_STRING(struct todo, text));

struct todo_list {
	struct todo *items;   /* `capacity` slots, the first `len` in use */
	size_t len;
	size_t capacity;
	char *title;          /* a buffer of TITLE_BUFFER bytes */
};
/* end lesson code */

/*
 * Deep sizing walks the first `len` todos, the ones in use. The break
 * walks all `capacity` slots, popped todos too.
 */
#ifdef BREAK_WALK_TO_CAPACITY
/* lesson code: chapter3_todo_list_type_to_capacity */
static MS_TYPE(todo_list_type, struct todo_list,
	       MS_ARRAY(struct todo_list, items, capacity, &todo_type),
	       MS_STRING(struct todo_list, title));
/* end lesson code */
#else
/* lesson code: chapter3_todo_list_type */
static MS_TYPE(todo_list_type, struct todo_list,
	       MS_ARRAY(struct todo_list, items, len, &todo_type),
	       MS_STRING(struct todo_list, title));
/* end lesson code */
#endif

/* Room for a title longer than this one, and for more todos than it has. */
#define TITLE_BUFFER 16
#define TODO_CAPACITY 4
static const char list_title[] = "errands";
static const char *const todo_texts[] = { "milk", "bread", "stamps" };
#define TODO_COUNT (sizeof todo_texts / sizeof todo_texts[0])
_Static_assert(TODO_COUNT == 3, "the lesson names three todos");

struct todo_list *chapter3_todo_list_build(void)
{
	struct todo_list *list = ms_calloc(&todo_list_type, 1);
	if (!list)
		return NULL;
	list->title = ms_calloc(&ms_type_char, TITLE_BUFFER);
	list->items = ms_calloc(&todo_type, TODO_CAPACITY);
	if (!list->title || !list->items) {
		chapter3_todo_list_free(list);
		return NULL;
	}
	list->capacity = TODO_CAPACITY;
	memcpy(list->title, list_title, sizeof list_title);
	for (size_t i = 0; i < TODO_COUNT; i++) {
		list->items[i].text = ms_strdup(todo_texts[i]);
		if (!list->items[i].text) {
			chapter3_todo_list_free(list);
			return NULL;
		}
		list->len++;
	}
	/* Pop the last todo the way a stack often does: only the length moves. */
	list->len--;
	return list;
}

void chapter3_todo_list_free(struct todo_list *list)
{
	if (!list)
		return;
	/* Every slot, popped ones too; the array was zeroed, so unused ones are NULL. */
	for (size_t i = 0; list->items && i < list->capacity; i++)
		ms_free(list->items[i].text);
	ms_free(list->items);
	ms_free(list->title);
	ms_free(list);
}

struct todo *chapter3_literal_todo_build(void)
{
	/* lesson code: chapter3_literal_todo */
	struct todo *note = ms_alloc(&todo_type, 1);
	if (note)
		note->text = "call the bank";   /* a string literal */
	return note;
	/* end lesson code */
}

/* ------------------------------------------------------------------ */
/* What malloc charges, measured on malloc itself                      */
/* ------------------------------------------------------------------ */

int chapter3_malloc_cost(size_t requested, struct malloc_cost *cost)
{
	/* lesson code: chapter3_malloc_cost */
	void *block = malloc(requested);
	struct ms_malloc_block info;   /* as memstats counts a block */
	if (ms_malloc_block_info(block, &info) != 0)
		return -1;                 /* malloc failed: block is NULL */
	free(block);
	/* end lesson code */
	*cost = (struct malloc_cost){ requested, info.usable, info.footprint, info.glibc,
				      info.mapped };
	return 0;
}

double chapter3_overhead_percent(const struct malloc_cost *cost)
{
	return 100.0 * (double)(cost->footprint - cost->requested) / (double)cost->requested;
}

/* ------------------------------------------------------------------ */
/* Padding: the same fields in two orders                              */
/* ------------------------------------------------------------------ */

/* lesson code: chapter3_part_careless */
struct part_careless {
	char grade;
	double weight;
	char in_stock;
	int count;
	short year;
	char *name;
};
/* end lesson code */

/* The same fields, largest first; the break moves grade back to the front. */
#ifdef BREAK_GRADE_FIRST
/* lesson code: chapter3_part_tidy_grade_first */
struct part_tidy {
	char grade;
	double weight;
	char *name;
	int count;
	short year;
	char in_stock;
};
/* end lesson code */
#else
/* lesson code: chapter3_part_tidy */
struct part_tidy {
	double weight;
	char *name;
	int count;
	short year;
	char grade;
	char in_stock;
};
/* end lesson code */
#endif

/*
 * The fields both structs hold, for their layout tables. The list's order
 * is not the structs': each table is sorted by offset, so it follows the
 * declaration whatever its order.
 */
#define PART_MEMBERS(X, S) X(S, grade) X(S, weight) X(S, in_stock) X(S, count) X(S, year) X(S, name)
#define COUNT_MEMBER(S, member) +1
#define PART_FIELDS (0 PART_MEMBERS(COUNT_MEMBER, _))

/* Where one field lies in its struct. */
struct field_layout {
	const char *member;
	size_t offset;
	size_t size;
};
#define FIELD_LAYOUT(S, member) { #member, offsetof(S, member), sizeof(((S *)0)->member) },

/* A struct's name, size and fields: STRUCT_LAYOUT(S), then sort_fields. */
struct struct_layout {
	const char *name;
	size_t size;
	struct field_layout fields[PART_FIELDS];
};
#define STRUCT_LAYOUT(S) { #S, sizeof(S), { PART_MEMBERS(FIELD_LAYOUT, S) } }

/* qsort's order for fields: by offset. */
static int by_offset(const void *a, const void *b)
{
	size_t x = ((const struct field_layout *)a)->offset;
	size_t y = ((const struct field_layout *)b)->offset;
	return (x > y) - (x < y);
}

/* Put a layout's fields in the order the struct declares them, the order of their offsets. */
static void sort_fields(struct struct_layout *layout)
{
	qsort(layout->fields, PART_FIELDS, sizeof layout->fields[0], by_offset);
}

/* How many instances the padding lesson prices its bytes at. */
#define INSTANCES 1000000

/* ------------------------------------------------------------------ */
/* The lesson                                                          */
/* ------------------------------------------------------------------ */

/* The graph, each node sized flat and deep, and its sized tree: 0, or -1 if out of memory. */
static int show_graph(struct lesson *lesson)
{
	struct graph_node *root = chapter3_graph_build();
	struct ms_sized *tree = root ? ms_sized(root, 3, MS_REQUESTED) : NULL;
	if (!tree) {
		chapter3_graph_free(root);
		return -1;
	}
	struct graph_node *node[GRAPH_NODES];
	graph_nodes(root, node);

	lesson_subheading(lesson, "Flat and deep on a small graph");
	lesson_para(lesson,
		    "Four nodes, each with a label of its own. Two nodes point at the "
		    "same third one, and that one points back, so the graph has a shared "
		    "node and a cycle:");
	lesson_code(lesson, LESSON_CODE_chapter3_graph_node "\n\n"
			    LESSON_CODE_chapter3_graph_links);

	struct lesson_grid_row rows[1 + GRAPH_NODES] = {
		{ { "node", "flat", "deep", "blocks", "already counted" } }
	};
	int64_t flat[GRAPH_NODES], deep[GRAPH_NODES];
	struct ms_deep found[GRAPH_NODES];
	for (size_t i = 0; i < GRAPH_NODES; i++) {
		flat[i] = ms_sizeof_flat(node[i], MS_REQUESTED);
		deep[i] = ms_sizeof_deep_found(node[i], MS_REQUESTED, &found[i]);
		if (deep[i] < 0) {
			ms_sized_free(tree);
			chapter3_graph_free(root);
			return -1;
		}
		snprintf(rows[i + 1].cell[0], LESSON_CELL_SIZE, "%s", graph_labels[i]);
		snprintf(rows[i + 1].cell[1], LESSON_CELL_SIZE, "%" PRId64, flat[i]);
		snprintf(rows[i + 1].cell[2], LESSON_CELL_SIZE, "%" PRId64, deep[i]);
		snprintf(rows[i + 1].cell[3], LESSON_CELL_SIZE, "%" PRId64, found[i].blocks);
		snprintf(rows[i + 1].cell[4], LESSON_CELL_SIZE, "%" PRId64, found[i].shared);
	}
	lesson_para(lesson,
		    "ms_sizeof_flat(p, MS_REQUESTED) is one block, as Pympler's flatsize "
		    "is one object. ms_sizeof_deep(p, MS_REQUESTED) adds every block the "
		    "described fields reach, as asizeof does, counting each block once. "
		    "In requested bytes:");
	lesson_grid(lesson, 5, 1 + GRAPH_NODES, rows);

	struct ms_stats stats = ms_stats();
	bool everything = found[ROOT].blocks == stats.all.blocks.current &&
			  deep[ROOT] == stats.all.bytes[MS_REQUESTED].current;
	char held[96] = "";
	if (!everything)
		snprintf(held, sizeof held, " of the %" PRId64 " blocks, %" PRId64 " bytes",
			 stats.all.blocks.current, stats.all.bytes[MS_REQUESTED].current);
	lesson_para(lesson,
		    "Flat is the same for every node: %" PRId64 " bytes, %s pointers. "
		    "From root, deep reaches %s%" PRId64 " blocks, %" PRId64 " bytes, "
		    "%s%s the program holds now. It meets c twice, through a and "
		    "through b, and b twice, from root and from c; each second meeting is "
		    "counted in the last column instead of in the bytes, which is also why "
		    "the cycle ends. b and c reach each other and nothing else, %s.",
		    flat[ROOT], in_words(flat[ROOT] / (int64_t)sizeof(void *)).text,
		    everything ? "all " : "", found[ROOT].blocks, deep[ROOT],
		    everything ? "which is everything" : "", held,
		    deep[B] == deep[C] ? "so their deep sizes are equal"
				       : "yet their deep sizes differ");
	int64_t root_own = flat[ROOT] + ms_sizeof_flat(root->label, MS_REQUESTED);
	int64_t beyond = deep[ROOT] - root_own;
	lesson_para(lesson,
		    "Sized one at a time, a and b come to %" PRId64 " + %" PRId64 " = "
		    "%" PRId64 " bytes, %s the %" PRId64 " root reaches beyond its "
		    "own %" PRId64 "%s. Pympler adds up the same way: "
		    "for two lists that share a string, asizeof(l1) + asizeof(l2) is 304 "
		    "bytes, where asizeof(l1, l2) sizes both in one walk, each object once, "
		    "216, and asizesof(l1, l2) shares that walk's bytes out between them, "
		    "152 and 64.",
		    deep[A], deep[B], deep[A] + deep[B],
		    deep[A] + deep[B] > beyond ? "more than" : "no more than", beyond, root_own,
		    deep[A] + deep[B] > beyond ? ": c and b are in both" : "");
	lesson_para(lesson,
		    "ms_sized(root, 3, MS_REQUESTED) keeps the same walk as a tree three "
		    "levels deep, Pympler's asized(root, detail=3). A node's size is what "
		    "was first reached through it; a reference to a block counted "
		    "elsewhere says where, where Pympler prints a silent size=0:");
	lesson_sized(lesson, tree);
	lesson_para(lesson,
		    "The walk is depth-first in field order (label, left, right), so a "
		    "shared block belongs to the first path that reaches it: c to "
		    "left.left, through a, and b to left.left.right, through a and c. "
		    "By the time root's own right field is followed, b is counted.");
	ms_sized_free(tree);
	chapter3_graph_free(root);
	return 0;
}

/* One version of x, measured: the lesson prints it, and its deep sizes on this machine. */
struct twos_sizes {
	const char *label;              /* "(a) shared", its row in the machine block */
	int64_t flat;                   /* requested */
	int64_t deep[MS_NOTION_COUNT];
	struct ms_deep found;           /* the walk in requested bytes */
	struct ms_sized *tree;          /* ms_sized(x, 1, MS_REQUESTED) */
};

/* Build x one way, measure it into `sizes` and free it: 0, or -1 if out of memory. */
static int measure_twos(bool shared, struct twos_sizes *sizes)
{
	int **x = chapter3_twos_build(shared);
	sizes->tree = x ? ms_sized(x, 1, MS_REQUESTED) : NULL;
	int status = sizes->tree ? 0 : -1;
	if (status == 0) {
		sizes->flat = ms_sizeof_flat(x, MS_REQUESTED);
		for (int n = 0; n < MS_NOTION_COUNT; n++) {
			struct ms_deep found;
			sizes->deep[n] = ms_sizeof_deep_found(x, (enum ms_notion)n, &found);
			if (sizes->deep[n] < 0)
				status = -1;
			if (n == MS_REQUESTED)
				sizes->found = found;
		}
	}
	chapter3_twos_free(x, shared);
	return status;
}

/* A version's sizes, after its code: flat, deep and the walk, then the tree. */
static void show_twos_sizes(struct lesson *lesson, const struct twos_sizes *sizes)
{
	lesson_para(lesson,
		    "Flat, x is %" PRId64 " bytes: %s pointers. Deep, it is %" PRId64
		    " bytes in %" PRId64 " block%s, with %" PRId64 " reference%s to a "
		    "block already counted. ms_sized(x, 1, MS_REQUESTED):",
		    sizes->flat, in_words(sizes->flat / (int64_t)sizeof(int *)).text,
		    sizes->deep[MS_REQUESTED], sizes->found.blocks,
		    sizes->found.blocks == 1 ? "" : "s", sizes->found.shared,
		    sizes->found.shared == 1 ? "" : "s");
	lesson_sized(lesson, sizes->tree);
}

/*
 * What one version's deep size is made of, said from its walk and tree
 * into `text`; a child of the tree's root is named by its path, "[0]".
 */
static void say_twos_deep(char *text, size_t size, const char *which,
			  const struct twos_sizes *sizes)
{
	int64_t ints = sizes->found.blocks - 1;   /* every block but x's own */
	const struct ms_sized *tree = sizes->tree, *again = NULL;
	for (size_t i = 0; !again && i < tree->child_count; i++)
		again = tree->children[i].counted_at;
	if (ints == 0)
		snprintf(text, size,
			 "In %s deep is the pointer block alone: the walk follows none of its "
			 "%s pointers.",
			 which, in_words(tree->flat / (int64_t)sizeof(int *)).text);
	else if (again)
		snprintf(text, size,
			 "In %s the %s int%s counted at %s, and the other %s references say "
			 "so: deep is the pointer block and %s int%s.",
			 which, in_words(ints).text, ints == 1 ? " is" : "s are", again->name,
			 in_words(sizes->found.shared).text, in_words(ints).text,
			 ints == 1 ? "" : "s");
	else
		snprintf(text, size,
			 "In %s each pointer leads to an int of its own, and deep counts all "
			 "%s.",
			 which, in_words(ints).text);
}

/* The two versions of x, in the order the lesson shows them. */
enum { SHARED_TWOS, OWN_TWOS, TWOS_VERSIONS };

/* x's deep size in each notion, a row per version, as an "On this machine" grid. */
static void show_twos_machine(struct lesson *lesson, const struct twos_sizes sizes[TWOS_VERSIONS])
{
	struct lesson_grid_row rows[1 + TWOS_VERSIONS] = { { { "x" } } };
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		snprintf(rows[0].cell[1 + n], LESSON_CELL_SIZE, "deep %s",
			 ms_notion_name((enum ms_notion)n));
	for (size_t v = 0; v < TWOS_VERSIONS; v++) {
		snprintf(rows[1 + v].cell[0], LESSON_CELL_SIZE, "%s", sizes[v].label);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			snprintf(rows[1 + v].cell[1 + n], LESSON_CELL_SIZE, "%" PRId64,
				 sizes[v].deep[n]);
	}
	lesson_machine_grid(lesson, "the deep size of x in each notion (bytes)",
			    1 + MS_NOTION_COUNT, 1 + TWOS_VERSIONS, rows);
}

/* x = [2] * 10 sized both ways, and what asizeof reports for it: 0, or -1 if out of memory. */
static int show_twos(struct lesson *lesson)
{
	struct twos_sizes x[TWOS_VERSIONS] = { { .label = "(a) shared" }, { .label = "(b) own" } };
	if (measure_twos(true, &x[SHARED_TWOS]) != 0 || measure_twos(false, &x[OWN_TWOS]) != 0) {
		ms_sized_free(x[SHARED_TWOS].tree);
		ms_sized_free(x[OWN_TWOS].tree);
		return -1;
	}

	lesson_subheading(lesson, "x = [2] * 10, sized");
	lesson_para(lesson,
		    "The tutorial sizes x = [2] * 10 with asizeof(x) and "
		    "asized(x, detail=1). Chapter 2 built it in C as a block of ten int "
		    "pointers. Here that block is of lesson_int_pointer_type, %s Each "
		    "version below builds x from these:",
		    lesson_int_pointer_type.field_count > 0
			    ? "which chapters/chapters.c describes for every chapter with "
			      "MS_TYPE_POINTER: a block of \"int *\" whose every element "
			      "points at an int, so deep sizing follows every element to its "
			      "int."
			    : "described as a leaf, with MS_TYPE_LEAF: a block of \"int *\" "
			      "with no field to follow, so deep sizing stops at the block.");
	lesson_code(lesson, LESSON_CODE_chapter3_twos_constants);

	lesson_subheading(lesson, "(a) Ten pointers to one shared int");
	lesson_code(lesson, LESSON_CODE_chapter3_shared_twos);
	show_twos_sizes(lesson, &x[SHARED_TWOS]);
	lesson_subheading(lesson, "(b) Ten pointers to ten ints of their own");
	lesson_code(lesson, LESSON_CODE_chapter3_own_twos);
	show_twos_sizes(lesson, &x[OWN_TWOS]);

	char shared_deep[192], own_deep[192];
	say_twos_deep(shared_deep, sizeof shared_deep, "(a)", &x[SHARED_TWOS]);
	say_twos_deep(own_deep, sizeof own_deep, "(b)", &x[OWN_TWOS]);
	lesson_para(lesson,
		    "%s %s The program asked for %s bytes an int; what each block was "
		    "granted and takes from the heap depends on the allocator:",
		    shared_deep, own_deep, in_words(sizeof(int)).text);
	show_twos_machine(lesson, x);
	/* Whether (a)'s tree has the lines that say which references were counted before. */
	bool shared_lines = x[SHARED_TWOS].found.shared > 0;
	ms_sized_free(x[SHARED_TWOS].tree);
	ms_sized_free(x[OWN_TWOS].tree);

	lesson_subheading(lesson, "What asizeof shows for the Python list");
	lesson_para(lesson,
		    "asizeof([2] * 10) is 168: the list (56 + 10 x 8 = 136 bytes) and "
		    "one int 2 (32 bytes). asized(x, detail=1) prints the int once with "
		    "size=32 and nine times as \"2 size=0 flat=0\". The tutorial credits "
		    "small-int caching, but the sharing is list repetition's: [2] * 10 "
		    "copies one reference ten times, for any element. [[]] * 10 is ten "
		    "references to one empty list. That is (a).");
	lesson_para(lesson,
		    "Small-int caching only means the int 2 already existed, so no new "
		    "int was made at all. And the nine size=0 lines are not nine free "
		    "ints: they are nine references to the one int counted first%s",
		    shared_lines ? ", which memstats' tree says in words."
				 : ". memstats' tree of (a), which stops at the pointer block, "
				   "has no line for them.");
	return 0;
}

/* A string buffer and an array with a length, sized: 0, or -1 if out of memory. */
static int show_todo_list(struct lesson *lesson)
{
	struct todo_list *list = chapter3_todo_list_build();
	struct ms_sized *tree = list ? ms_sized(list, 2, MS_REQUESTED) : NULL;
	if (!tree) {
		chapter3_todo_list_free(list);
		return -1;
	}
	struct ms_deep found;
	int64_t deep = ms_sizeof_deep_found(list, MS_REQUESTED, &found);
	if (deep < 0) {
		ms_sized_free(tree);
		chapter3_todo_list_free(list);
		return -1;
	}
	struct ms_stats stats = ms_stats();

	lesson_subheading(lesson, "Strings and arrays with a length");
	lesson_para(lesson,
		    "A pointer to many objects needs its length from somewhere. "
		    "MS_ARRAY names the struct's member that holds it; MS_STRING is a C "
		    "string:");
#ifdef BREAK_WALK_TO_CAPACITY
	lesson_code(lesson, LESSON_CODE_chapter3_todo "\n"
			    LESSON_CODE_chapter3_todo_list_type_to_capacity);
#else
	lesson_code(lesson, LESSON_CODE_chapter3_todo "\n" LESSON_CODE_chapter3_todo_list_type);
#endif
	int64_t title = ms_sizeof_flat(list->title, MS_REQUESTED);
	int64_t items = ms_sizeof_flat(list->items, MS_REQUESTED);
	lesson_para(lesson,
		    "The list's title \"%s\" sits in a buffer of %" PRId64 " bytes. Its "
		    "array has %zu slots; %zu todos were pushed (%s, %s, %s) and the last "
		    "popped by moving only the length, as stacks often do, so len is %zu "
		    "and the popped todo's text is still allocated. ms_sized(list, 2, "
		    "MS_REQUESTED):",
		    list->title, title, list->capacity, TODO_COUNT, todo_texts[0],
		    todo_texts[1], todo_texts[2], list->len);
	lesson_sized(lesson, tree);

	/* The texts the walk reached are the tree's children of items. */
	size_t texts = 0;
	for (size_t i = 0; i < tree->child_count; i++)
		if (strcmp(tree->children[i].name, "items") == 0)
			texts = tree->children[i].child_count;
	char walked[160];
	if (texts == list->len)
		snprintf(walked, sizeof walked,
			 "What is walked is the first len elements only: the popped todo's "
			 "text is live but not reached.");
	else
		snprintf(walked, sizeof walked,
			 "What is walked goes past len: the walk reaches %s texts for %s "
			 "todos in use, the popped todo's among them.",
			 in_words((int64_t)texts).text, in_words((int64_t)list->len).text);
	lesson_para(lesson,
		    "What is counted is the block a pointer leads to: the title is %" PRId64
		    " bytes although the string needs %zu, and items is %" PRId64 " bytes, "
		    "all %zu slots, used or not. Spare capacity is part of a block's flat "
		    "size. %s Deep, the list is %" PRId64 " bytes in %" PRId64 " blocks; "
		    "the program holds %" PRId64 " bytes in %" PRId64 ". A summary counts "
		    "everything allocated; deep sizing counts what the described fields "
		    "say is in use.",
		    title, strlen(list->title) + 1, items, list->capacity, walked, deep,
		    found.blocks, stats.all.bytes[MS_REQUESTED].current,
		    stats.all.blocks.current);
	ms_sized_free(tree);
	chapter3_todo_list_free(list);
	return 0;
}

/* The one report the untracked pointer lesson expects, copied out of the handler. */
struct kept_report {
	int count;
	char message[512];
};

/*
 * A misuse handler that keeps the first untracked-pointer report for the
 * lesson to print; anything else is unexpected and goes to stderr.
 */
static void keep_untracked_report(const struct ms_misuse *misuse, void *context)
{
	struct kept_report *kept = context;
	if (misuse->kind == MS_MISUSE_UNTRACKED && kept->count++ == 0)
		snprintf(kept->message, sizeof kept->message, "%s", misuse->message);
	else
		fprintf(stderr, "%s\n", misuse->message);
}

/* A field pointing at a string literal, reported rather than guessed: 0, or -1 if out of memory. */
static int show_untracked(struct lesson *lesson)
{
	struct todo *note = chapter3_literal_todo_build();
	if (!note)
		return -1;
	struct kept_report kept = { 0, "" };
	struct ms_deep found;
	/* lesson code: chapter3_literal_sized */
	ms_set_misuse_handler(keep_untracked_report, &kept);
	int64_t deep = ms_sizeof_deep_found(note, MS_REQUESTED, &found);
	ms_set_misuse_handler(NULL, NULL);
	/* end lesson code */
	if (deep < 0) {
		ms_free(note);
		return -1;
	}

	lesson_subheading(lesson, "A pointer memstats did not hand out");
	lesson_para(lesson, "A todo whose text is a string literal:");
	lesson_code(lesson, LESSON_CODE_chapter3_literal_todo);
	lesson_para(lesson,
		    "The literal lives in the program's read-only data, not in a block "
		    "memstats handed out, so memstats cannot know how large its memory "
		    "is. It does not guess: it reports the field and leaves it out. "
		    "The report normally goes to stderr; to print it here, this chapter "
		    "installs a handler that keeps it, sizes the note, and restores "
		    "the default:");
	lesson_code(lesson, LESSON_CODE_chapter3_literal_sized);
	lesson_para(lesson, "%s", kept.message);
	lesson_para(lesson,
		    "Deep, the note is %" PRId64 " bytes, the todo alone, and struct "
		    "ms_deep counts %" PRId64 " untracked pointer%s.",
		    deep, found.untracked, found.untracked == 1 ? "" : "s");
	ms_free(note);
	return 0;
}

/* The measured costs as the machine block's rows: one per run of equal usable sizes. */
static size_t malloc_cost_rows(const struct malloc_cost *costs, size_t count,
			       struct lesson_grid_row *rows)
{
	size_t row_count = 0;
	for (size_t first = 0; first < count;) {
		size_t last = first;
		while (last + 1 < count && costs[last + 1].usable == costs[first].usable)
			last++;
		struct lesson_grid_row *row = &rows[row_count++];
		const struct malloc_cost *a = &costs[first], *b = &costs[last];
		if (first == last) {
			snprintf(row->cell[0], LESSON_CELL_SIZE, "%zu", a->requested);
			snprintf(row->cell[3], LESSON_CELL_SIZE, "%.0f%%",
				 chapter3_overhead_percent(a));
		} else {
			snprintf(row->cell[0], LESSON_CELL_SIZE, "%zu..%zu", a->requested,
				 b->requested);
			snprintf(row->cell[3], LESSON_CELL_SIZE, "%.0f%%..%.0f%%",
				 chapter3_overhead_percent(a), chapter3_overhead_percent(b));
		}
		snprintf(row->cell[1], LESSON_CELL_SIZE, "%zu", a->usable);
		snprintf(row->cell[2], LESSON_CELL_SIZE, "%zu", a->footprint);
		first = last + 1;
	}
	return row_count;
}

/*
 * Which rule the footprint column followed, from the costs measured: a
 * chunk header where malloc is glibc's, none anywhere else.
 */
static void show_footprint_rule(struct lesson *lesson, const struct malloc_cost *costs,
				size_t count)
{
	size_t least = SIZE_MAX, most = 0;
	for (size_t i = 0; i < count; i++) {
		size_t header = costs[i].footprint - costs[i].usable;
		least = header < least ? header : least;
		most = header > most ? header : most;
	}
	if (!costs[0].glibc)
		lesson_machine_text(lesson, "the footprint column",
				    "malloc is not glibc's, and memstats knows of no chunk header\n"
				    "in front of its blocks: each footprint is the usable size.\n");
	else if (least == most)
		lesson_machine_text(lesson, "the footprint column",
				    "malloc is glibc's: each footprint is the usable size and the\n"
				    "%zu-byte header in front of its chunk.\n",
				    least);
	else
		lesson_machine_text(lesson, "the footprint column",
				    "malloc is glibc's: each footprint is the usable size and the\n"
				    "header in front of its chunk, %zu to %zu bytes.\n",
				    least, most);
}

/* What malloc(1..128) is granted and takes, measured; written to `data` too if set. */
static int show_malloc_cost(struct lesson *lesson, FILE *data)
{
	struct malloc_cost costs[CHAPTER3_LARGEST_REQUEST];
	for (size_t n = 1; n <= CHAPTER3_LARGEST_REQUEST; n++)
		if (chapter3_malloc_cost(n, &costs[n - 1]) != 0)
			return -1;

	lesson_subheading(lesson, "What a small malloc really costs");
	lesson_para(lesson,
		    "Below memstats is malloc, and malloc has its own rounding and "
		    "bookkeeping. This part asks malloc alone, not through memstats, for "
		    "every size from 1 to %d bytes. chapter3_malloc_cost(n, &cost) "
		    "reads each block by memstats' rules, then frees it:",
		    CHAPTER3_LARGEST_REQUEST);
	lesson_code(lesson, LESSON_CODE_chapter3_malloc_cost);
	struct lesson_grid_row rows[1 + CHAPTER3_LARGEST_REQUEST] = {
		{ { "requested", "usable", "footprint", "overhead" } }
	};
	size_t row_count = malloc_cost_rows(costs, CHAPTER3_LARGEST_REQUEST, rows + 1);
	lesson_machine_grid(lesson, "malloc(n) for n = 1..128 (bytes)", 4, 1 + row_count, rows);
	show_footprint_rule(lesson, costs, CHAPTER3_LARGEST_REQUEST);
	lesson_para(lesson,
		    "Overhead is what the block takes beyond the request, in percent of "
		    "the request. On glibc x86_64 the smallest chunk is 32 bytes, 24 of "
		    "them usable, so malloc(1) takes 32 bytes of heap. Above that, "
		    "chunks grow in steps of 16 bytes, and every chunk starts with an "
		    "8-byte header holding its size. Small requests pay the most: a few "
		    "bytes asked for cost a whole chunk. Another malloc has rules of its "
		    "own: ASan and valgrind grant just what was asked for, jemalloc and "
		    "mimalloc round up to size classes of their own. memstats knows no "
		    "chunk header but glibc's, so under them it counts the footprint as "
		    "the usable size.");

	if (data) {
		lesson_data_begin(data, "chapter 3: what malloc(n) costs on this machine",
				  "requested usable footprint overhead_percent");
		for (size_t i = 0; i < CHAPTER3_LARGEST_REQUEST; i++)
			fprintf(data, "%zu %zu %zu %.1f\n", costs[i].requested, costs[i].usable,
				costs[i].footprint, chapter3_overhead_percent(&costs[i]));
		lesson_data_end(data);
	}
	return 0;
}

/* One large block's grid row: its usable size, footprint and whether glibc mapped it. */
static void large_malloc_row(struct lesson_grid_row *row, const char *which,
			     const struct malloc_cost *cost)
{
	snprintf(row->cell[0], LESSON_CELL_SIZE, "%s", which);
	snprintf(row->cell[1], LESSON_CELL_SIZE, "%zu", cost->usable);
	snprintf(row->cell[2], LESSON_CELL_SIZE, "%zu", cost->footprint);
	snprintf(row->cell[3], LESSON_CELL_SIZE, "%s",
		 !cost->glibc ? "not known" : cost->mapped ? "yes" : "no");
}

/* What one large block was: "mapped on its own, N pages" or "a heap chunk". */
static const char *large_malloc_kind(const struct malloc_cost *cost, char *buf, size_t cap)
{
	if (!cost->mapped)
		return "a heap chunk";
	snprintf(buf, cap, "mapped on its own, %zu pages",
		 cost->footprint / (size_t)sysconf(_SC_PAGESIZE));
	return buf;
}

/* What the two measurements of one large request show, said from what they were. */
static void show_large_malloc_kinds(struct lesson *lesson, const struct malloc_cost cost[2])
{
	static const char what[] = "what the two show";
	char first[64], second[64];
	if (!cost[0].glibc)
		lesson_machine_text(lesson, what,
				    "malloc is not glibc's: memstats cannot tell whether it mapped\n"
				    "either block, and counts each footprint as its usable size.\n");
	else if (cost[0].mapped && !cost[1].mapped)
		lesson_machine_text(lesson, what,
				    "The first was %s. Freeing it raised the\n"
				    "threshold, so the second came from the heap, in a chunk %zu\n"
				    "bytes smaller.\n",
				    large_malloc_kind(&cost[0], first, sizeof first),
				    cost[0].footprint - cost[1].footprint);
	else
		lesson_machine_text(lesson, what, "The first was %s, the second %s.\n",
				    large_malloc_kind(&cost[0], first, sizeof first),
				    large_malloc_kind(&cost[1], second, sizeof second));
}

/* One request past the mmap threshold, made, freed and made again: 0, or -1 if malloc failed. */
static int show_large_malloc(struct lesson *lesson)
{
	struct malloc_cost cost[2];
	/* lesson code: chapter3_large_malloc */
	for (size_t i = 0; i < 2; i++)
		if (chapter3_malloc_cost(CHAPTER3_LARGE_REQUEST, &cost[i]) != 0)
			return -1;
	/* end lesson code */

	lesson_subheading(lesson, "What a large malloc costs");
	lesson_para(lesson,
		    "glibc takes a request from a free chunk of its heap, or from the "
		    "top of the heap, wherever one can hold it. Only when none can, and "
		    "the request is at least the mmap threshold (128 KiB at first), does "
		    "it map the block on its own: whole pages, with a 16-byte header in "
		    "front. Freeing a mapped block raises the threshold to that block's "
		    "size (up to 32 MiB), so the same request made again can come from "
		    "the heap. This part measures one request of %d bytes twice, as "
		    "above, so the first block is freed before the second is asked "
		    "for:",
		    CHAPTER3_LARGE_REQUEST);
	lesson_code(lesson, LESSON_CODE_chapter3_large_request "\n\n"
			    LESSON_CODE_chapter3_large_malloc);
	char title[64];
	struct lesson_grid_row rows[3] = { { { "malloc", "usable", "footprint", "mapped" } } };
	large_malloc_row(&rows[1], "first", &cost[0]);
	large_malloc_row(&rows[2], "second", &cost[1]);
	snprintf(title, sizeof title, "malloc(%d) twice (bytes)", CHAPTER3_LARGE_REQUEST);
	lesson_machine_grid(lesson, title, 4, 3, rows);
	show_large_malloc_kinds(lesson, cost);
	lesson_para(lesson,
		    "So a large block's cost is not its size's alone: it depends on what "
		    "the heap has free and on what the program freed before.");
	return 0;
}

/* A struct's fields with their offsets, sizes and the padding after each. */
static void show_layout(struct lesson *lesson, const struct struct_layout *layout)
{
	struct lesson_grid_row rows[1 + PART_FIELDS] = {
		{ { "field", "offset", "size", "padding after" } }
	};
	for (size_t i = 0; i < PART_FIELDS; i++) {
		const struct field_layout *f = &layout->fields[i];
		size_t next = i + 1 < PART_FIELDS ? layout->fields[i + 1].offset : layout->size;
		snprintf(rows[i + 1].cell[0], LESSON_CELL_SIZE, "%s", f->member);
		snprintf(rows[i + 1].cell[1], LESSON_CELL_SIZE, "%zu", f->offset);
		snprintf(rows[i + 1].cell[2], LESSON_CELL_SIZE, "%zu", f->size);
		snprintf(rows[i + 1].cell[3], LESSON_CELL_SIZE, "%zu", next - f->offset - f->size);
	}
	lesson_grid(lesson, 4, 1 + PART_FIELDS, rows);
}

/* The bytes of a struct that hold fields, the rest being padding. */
static size_t field_bytes(const struct struct_layout *layout)
{
	size_t bytes = 0;
	for (size_t i = 0; i < PART_FIELDS; i++)
		bytes += layout->fields[i].size;
	return bytes;
}

/* "sizeof(struct part_tidy) is 24, the fields and no padding at all", or with its padding. */
static void say_size(char *text, size_t size, const struct struct_layout *layout)
{
	size_t fields = field_bytes(layout);
	if (fields == layout->size)
		snprintf(text, size, "sizeof(%s) is %zu, the fields and no padding at all.",
			 layout->name, layout->size);
	else
		snprintf(text, size, "sizeof(%s) is %zu: %zu bytes of fields and %zu of padding.",
			 layout->name, layout->size, fields, layout->size - fields);
}

/* Whether no field is larger than the one before it. */
static bool largest_first(const struct struct_layout *layout)
{
	for (size_t i = 1; i < PART_FIELDS; i++)
		if (layout->fields[i].size > layout->fields[i - 1].size)
			return false;
	return true;
}

/*
 * What one of each struct takes from malloc alone, measured as the small
 * requests were: 0, or -1 if malloc failed.
 */
static int show_part_costs(struct lesson *lesson, const struct struct_layout *careless,
			   const struct struct_layout *tidy)
{
	struct malloc_cost a, b;
	if (chapter3_malloc_cost(careless->size, &a) != 0 ||
	    chapter3_malloc_cost(tidy->size, &b) != 0)
		return -1;
	char difference[48] = "the same";
	if (a.footprint != b.footprint)
		snprintf(difference, sizeof difference, "%zu bytes %s",
			 a.footprint > b.footprint ? a.footprint - b.footprint
						   : b.footprint - a.footprint,
			 a.footprint > b.footprint ? "less" : "more");
	lesson_machine_text(lesson, "one of each from malloc",
			    "malloc(%zu) for a part_careless has a footprint of %zu bytes,\n"
			    "malloc(%zu) for a part_tidy one of %zu: %s.\n",
			    a.requested, a.footprint, b.requested, b.footprint, difference);
	return 0;
}

/* Two orders of the same fields, and what the padding costs: 0, or -1 if malloc failed. */
static int show_padding(struct lesson *lesson)
{
	struct struct_layout careless = STRUCT_LAYOUT(struct part_careless);
	struct struct_layout tidy = STRUCT_LAYOUT(struct part_tidy);
	sort_fields(&careless);
	sort_fields(&tidy);
	char size_text[96];

	lesson_subheading(lesson, "Padding inside a struct");
	lesson_para(lesson,
		    "Inside a block, the compiler adds bytes of its own. Each field "
		    "starts at a multiple of its alignment (its size, for these types), "
		    "and the struct's size is a multiple of its largest alignment, so "
		    "an array of them keeps every field aligned. Here are %s fields in "
		    "the order they came to mind:",
		    in_words(PART_FIELDS).text);
	lesson_code(lesson, LESSON_CODE_chapter3_part_careless);
	show_layout(lesson, &careless);
	say_size(size_text, sizeof size_text, &careless);
	lesson_para(lesson, "%s The same fields, %s:", size_text,
		    largest_first(&tidy) ? "largest first" : "in another order");
#ifdef BREAK_GRADE_FIRST
	lesson_code(lesson, LESSON_CODE_chapter3_part_tidy_grade_first);
#else
	lesson_code(lesson, LESSON_CODE_chapter3_part_tidy);
#endif
	show_layout(lesson, &tidy);

	char saved[16];
	int64_t saved_bytes = ((int64_t)careless.size - (int64_t)tidy.size) * INSTANCES;
	ms_format_size(saved_bytes, saved, sizeof saved);
	say_size(size_text, sizeof size_text, &tidy);
	lesson_para(lesson,
		    "%s Over a million instances the order alone saves %" PRId64 " bytes "
		    "(%s). One at a time, what each takes from malloc is the allocator's "
		    "to say:",
		    size_text, saved_bytes, saved + strspn(saved, " "));
	if (show_part_costs(lesson, &careless, &tidy) != 0)
		return -1;
	lesson_para(lesson,
		    "memstats counts what sizeof says, padding included; only the source "
		    "shows where the holes are. The layout is fixed by the ABI (x86_64 "
		    "Linux here), not by the allocator, so sizeof and the layout tables "
		    "are the same on every run.");
	return 0;
}

int chapter3_run(FILE *out, const struct chapter_opts *opts)
{
	int failed = 0;
	FILE *data = lesson_data_open(opts, chapter3.name, MALLOC_COST_DATA, &failed);
	if (failed)
		return 1;

	struct lesson lesson = LESSON_INIT(out);
	lesson_heading(&lesson, &chapter3);
	lesson_para(&lesson,
		    "Pympler's asizeof tells how many bytes an object holds together with "
		    "everything it refers to. memstats does it for C blocks through the "
		    "types a program describes: ms_sizeof_flat sizes one block, "
		    "ms_sizeof_deep follows the described pointers, and ms_sized keeps "
		    "the walk as a tree. This lesson sizes a small graph, the tutorial's "
		    "[2] * 10, and a list with a length, then looks below memstats: what "
		    "malloc charges for a block, and what padding adds inside one.");
	int status = show_graph(&lesson);
	if (status == 0)
		status = show_twos(&lesson);
	if (status == 0)
		status = show_todo_list(&lesson);
	if (status == 0)
		status = show_untracked(&lesson);
	if (status == 0)
		status = show_malloc_cost(&lesson, data);
	if (status == 0)
		status = show_large_malloc(&lesson);
	if (status == 0)
		status = show_padding(&lesson);
	if (status != 0)
		fprintf(stderr, "chapter3: out of memory\n");

	if (lesson_finish(&lesson, chapter3.name) != 0)
		status = -1;
	if (data && lesson_data_close(data, chapter3.name) != 0)
		status = -1;
	return status == 0 ? 0 : 1;
}

const struct chapter chapter3 = { "chapter3", "object sizing, flat and deep", chapter3_run };

#ifndef MS_NO_MAIN
int main(int argc, char **argv)
{
	return chapter_main(argc, argv, &chapter3);
}
#endif
