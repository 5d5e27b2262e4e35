/* single.c: a census workload of one thread whose every allocation is known, each from a call site tests/test_census.c finds by its "site:" comment. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * No stdio: its buffers are malloc'd, and the test holds the census to
 * exactly the calls below. Each site is a function of its own, never
 * inlined, so the report names it; the line is the one marked.
 */
#define SITE __attribute__((noinline))

static void *kept[64];
static int kept_count;

static void keep(void *p)
{
	if (!p || kept_count == (int)(sizeof kept / sizeof *kept))
		_exit(10);
	kept[kept_count++] = p;
}

/* Leave with status `code` unless `p` is aligned to `alignment`: census must keep each aligned call's promise. */
static void *aligned_or_exit(void *p, size_t alignment, int code)
{
	if (!p || (uintptr_t)p % alignment)
		_exit(code);
	return p;
}

/* Ten nodes of 100 bytes; four freed again. */
SITE static void make_nodes(void)
{
	void *nodes[10];
	for (int i = 0; i < 10; i++)
		nodes[i] = malloc(100); /* site: nodes */
	for (int i = 0; i < 10; i++) {
		if (i < 4)
			free(nodes[i]);
		else
			keep(nodes[i]);
	}
}

/* Three zeroed tables of 8 x 16 bytes. */
SITE static void make_tables(void)
{
	for (int i = 0; i < 3; i++) {
		unsigned char *t = calloc(8, 16); /* site: tables */
		if (!t || t[0] || t[127])
			_exit(11);
		keep(t);
	}
}

/* A 10-byte buffer grown to 200 by realloc; one made by realloc and one dropped by it. */
SITE static void grow_buffer(void)
{
	char *b = malloc(10); /* site: buffer */
	keep(realloc(b, 200)); /* site: grown */
	keep(reallocarray(NULL, 5, 20)); /* site: array */
	void *gone = realloc(NULL, 50);
	if (realloc(gone, 0))
		_exit(12);
}

/* One block from each aligned call, each held to its alignment. */
SITE static void make_aligned(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	if (posix_memalign(&p, 64, 100)) /* site: posix_memalign */
		_exit(13);
	keep(aligned_or_exit(p, 64, 14));
	keep(aligned_or_exit(aligned_alloc(256, 512), 256, 15));
	keep(aligned_or_exit(memalign(128, 48), 128, 16));
	keep(aligned_or_exit(valloc(300), (size_t)page, 17));
	keep(aligned_or_exit(pvalloc(5000), (size_t)page, 18));
}

int main(void)
{
	make_nodes();
	make_tables();
	grow_buffer();
	make_aligned();
	/* census's malloc_usable_size is the requested size */
	if (malloc_usable_size(kept[0]) != 100)
		_exit(19);
	return 0;
}
