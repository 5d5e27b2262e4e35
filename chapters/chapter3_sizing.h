/* chapter3_sizing.h: chapter 3's experiments, open to its tests so they can repeat and measure them. */
#ifndef CHAPTER3_SIZING_H
#define CHAPTER3_SIZING_H

#include <stdbool.h>
#include <stddef.h>

/* The bad calls the lesson makes on purpose: one deep sizing meets a string literal. */
#define CHAPTER3_MISUSE_REPORTS 1

/* The largest request the malloc cost table measures; it starts at 1. */
#define CHAPTER3_LARGEST_REQUEST 128

/* lesson code: chapter3_large_request */
/* Made twice: 256 KiB, past glibc's first mmap threshold (128 KiB). */
#define CHAPTER3_LARGE_REQUEST 262144
/* end lesson code */

/*
 * The small graph: nodes root, a, b and c, each with a label of its own;
 * root points at a and b, both point at c, and c points back at b. NULL
 * (nothing left live) if out of memory.
 */
struct graph_node;
struct graph_node *chapter3_graph_build(void);
/* Free every node and label of the graph; NULL is a no-op. */
void chapter3_graph_free(struct graph_node *root);

/*
 * x = [2] * 10 as ten int pointers: to one shared int (`shared`), or to
 * ten ints of their own. NULL (nothing left live) if out of memory.
 */
int **chapter3_twos_build(bool shared);
/* Free x and its ints, built with the same `shared`; NULL is a no-op. */
void chapter3_twos_free(int **x, bool shared);

/*
 * A todo list: a title in a 16-byte buffer and an array of 4 todos, of
 * which 3 were pushed and the last popped again, its text still
 * allocated. NULL (nothing left live) if out of memory.
 */
struct todo_list;
struct todo_list *chapter3_todo_list_build(void);
/* Free the list, its title, its array and every todo's text, popped or not. */
void chapter3_todo_list_free(struct todo_list *list);

/* A todo whose text is a string literal; free it with ms_free. */
struct todo;
struct todo *chapter3_literal_todo_build(void);

/* What one malloc(requested) was granted and takes from the heap. */
struct malloc_cost {
	size_t requested;
	size_t usable;      /* malloc_usable_size */
	size_t footprint;   /* usable plus glibc's chunk header; usable under another malloc */
	bool glibc;         /* malloc is glibc's, so the footprint has its chunk header */
	bool mapped;        /* glibc mapped the block on its own */
};

/*
 * Measure malloc(requested) on malloc itself, not through memstats, by
 * memstats' rules (ms_malloc_block_info): 0, or -1 if malloc failed.
 */
int chapter3_malloc_cost(size_t requested, struct malloc_cost *cost);

/* The footprint beyond the request, in percent of the request. */
double chapter3_overhead_percent(const struct malloc_cost *cost);

#endif
