/* checkers.c: what valgrind is told about tracked blocks (checkers.h says why), when valgrind's headers were there at build time. */
#include "checkers.h"
#include "fault.h"

#include <stdlib.h>

/* valgrind's header ships with valgrind; without it there is no valgrind to tell. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MS_VALGRIND 1
#endif
#endif

#ifdef MS_VALGRIND

#include <pthread.h>

/*
 * The program's blocks are described as blocks of one memory pool, each
 * inside the malloc block that holds it. In the leak check a pool block
 * stands in for the malloc block around it, as a malloc-like block
 * (VALGRIND_MALLOCLIKE_BLOCK) would; but a malloc-like block is also a
 * heap block of its own beside the malloc block, so valgrind's HEAP
 * SUMMARY would count every allocation twice, and a pool block is not
 * one. The pool's address is only its name. It is made once, by
 * whichever thread describes a block first: valgrind stops at a pool
 * made twice, and refuses a block of a pool not made yet.
 */
static const char pool;
static pthread_once_t pool_made = PTHREAD_ONCE_INIT;

static void make_pool(void)
{
	VALGRIND_CREATE_MEMPOOL(&pool, 0, 0);
}

/* Describe the program's block `p` of `size` bytes, its bytes garbage; the pool is made first, once. */
static void describe(void *p, size_t size)
{
	pthread_once(&pool_made, make_pool);
	VALGRIND_MEMPOOL_ALLOC(&pool, p, size);
}

bool ms_valgrind_running(void)
{
	return RUNNING_ON_VALGRIND != 0;
}

void ms_valgrind_header_access(void *h, size_t size, bool open)
{
	if (open)
		(void)VALGRIND_MAKE_MEM_DEFINED(h, size);
	else
		(void)VALGRIND_MAKE_MEM_NOACCESS(h, size);
}

void ms_valgrind_block_made(void *p, size_t size, size_t defined)
{
	describe(p, size);
	if (defined)
		(void)VALGRIND_MAKE_MEM_DEFINED(p, defined);
}

/*
 * valgrind's realloc copied which of the kept bytes hold values along with
 * the malloc block; describing the new block would mark them all garbage,
 * so that is read before and put back after. Without memory to hold it,
 * the kept bytes are taken as defined, which forgives garbage the old
 * block had.
 */
void ms_valgrind_block_moved(void *old, void *moved, size_t size, size_t kept)
{
	unsigned char *vbits = kept ? ms_raw_malloc(kept) : NULL;
	bool saved = vbits && VALGRIND_GET_VBITS(moved, vbits, kept) == 1;
	VALGRIND_MEMPOOL_FREE(&pool, old);
	describe(moved, size);
	if (saved)
		(void)VALGRIND_SET_VBITS(moved, vbits, kept);
	else if (kept)
		(void)VALGRIND_MAKE_MEM_DEFINED(moved, kept);
	ms_raw_free(vbits);
}

void ms_valgrind_block_gone(void *p)
{
	VALGRIND_MEMPOOL_FREE(&pool, p);
}

#else   /* no valgrind to tell: never running, nothing to say */

bool ms_valgrind_running(void)
{
	return false;
}

void ms_valgrind_header_access(void *h, size_t size, bool open)
{
	(void)h, (void)size, (void)open;
}

void ms_valgrind_block_made(void *p, size_t size, size_t defined)
{
	(void)p, (void)size, (void)defined;
}

void ms_valgrind_block_moved(void *old, void *moved, size_t size, size_t kept)
{
	(void)old, (void)moved, (void)size, (void)kept;
}

void ms_valgrind_block_gone(void *p)
{
	(void)p;
}

#endif
