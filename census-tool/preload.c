/* preload.c: census.so's malloc, free and their kin, which an unmodified program calls instead of the C library's once LD_PRELOAD names census.so; each is counted by memstats at its caller's return address. */
#define _GNU_SOURCE
#include "memstats.h"
#include "record.h"
#include "stacks.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/*
 * The rows of the census are the functions that made a block, so its
 * summary (O(rows), no walk) says which calls hold the memory: one
 * memalign made is in "aligned", and a block realloc resized keeps its
 * row (memstats keeps a block's row), its site the realloc's.
 */
#define ROW_MALLOC "malloc"
#define ROW_CALLOC "calloc"
#define ROW_REALLOC "realloc"
#define ROW_ALIGNED "aligned"

/*
 * The site: the caller's return address, or the stack from it outward
 * (--frames). A macro, so the address is read in the interposed
 * function's own frame, never a helper's.
 */
#define CALLER() stacks_site(__builtin_return_address(0))

void *malloc(size_t size)
{
	if (__builtin_expect(record_busy, 0))
		return ms_beneath_malloc(size);
	void *p = ms_alloc_bytes_ret(size, ROW_MALLOC, CALLER());
	record_alloc(p, size);
	return p;
}

void free(void *p)
{
	/* free(NULL) does nothing, and neither valgrind nor heaptrack counts it */
	if (!p)
		return;
	/*
	 * The return address alone, never a stack: a free's site only names
	 * a bad free, and unwinding for it would double what --frames costs.
	 */
	ms_free_ret(p, __builtin_return_address(0));
	/* census.so's own block goes back beneath (foreign to memstats), uncounted */
	if (__builtin_expect(!record_busy, 1))
		record_free();
}

void *calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (__builtin_expect(record_busy, 0)) {
		void *own = ms_beneath_malloc(count * size);
		return own ? memset(own, 0, count * size) : NULL;
	}
	void *p = ms_calloc_bytes_ret(count * size, ROW_CALLOC, CALLER());
	record_alloc(p, count * size);
	return p;
}

/*
 * realloc(NULL, n) is malloc(n) and realloc(p, 0) is free(p) (glibc's
 * rule, which ms_realloc_bytes follows); a resize counts as one
 * allocation and one free, as valgrind counts it.
 */
static void *resize(void *p, size_t size, const void *caller)
{
	void *q = ms_realloc_bytes_ret(p, size, ROW_REALLOC, caller);
	record_resize(p, q, size);
	return q;
}

void *realloc(void *p, size_t size)
{
	return resize(p, size, CALLER());
}

/* glibc's reallocarray calls its own realloc, not this one: it must be ours too. */
void *reallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return resize(p, count * size, CALLER());
}

size_t malloc_usable_size(void *p)
{
	/* the requested size: all a program may use of a tracked block */
	return ms_size(p);
}

/* An aligned allocation, as each aligned call makes one; errno ENOMEM or EINVAL on failure. */
static void *alloc_aligned(size_t alignment, size_t size, const void *caller)
{
	void *p = ms_alloc_aligned_ret(alignment, size, ROW_ALIGNED, caller);
	record_alloc(p, size);
	return p;
}

int posix_memalign(void **p, size_t alignment, size_t size)
{
	if (alignment % sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	int saved = errno;
	void *q = alloc_aligned(alignment, size, CALLER());
	if (!q) {
		int failure = errno;
		errno = saved;   /* posix_memalign leaves errno alone */
		return failure;
	}
	*p = q;
	return 0;
}

/*
 * glibc's memalign and aligned_alloc take any alignment and use the next
 * power of two (at least a pointer's size); so do these.
 */
static size_t power_of_two_at_least(size_t alignment)
{
	size_t power = sizeof(void *);
	while (power < alignment && power <= SIZE_MAX / 2)
		power *= 2;
	return power;
}

void *aligned_alloc(size_t alignment, size_t size)
{
	return alloc_aligned(power_of_two_at_least(alignment), size, CALLER());
}

void *memalign(size_t alignment, size_t size)
{
	return alloc_aligned(power_of_two_at_least(alignment), size, CALLER());
}

void *valloc(size_t size)
{
	return alloc_aligned((size_t)sysconf(_SC_PAGESIZE), size, CALLER());
}

/* valloc of the size rounded up to whole pages; pvalloc(0) is one page. */
void *pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (size > SIZE_MAX - page) {
		errno = ENOMEM;
		return NULL;
	}
	size_t pages = size ? (size + page - 1) / page : 1;
	return alloc_aligned(page, pages * page, CALLER());
}
