/* checkers.c: what valgrind is told about tracked blocks (checkers.h says why), when valgrind's headers were there at build time. */
#include "checkers.h"

#include <stdlib.h>

/* valgrind's header ships with valgrind; without it there is no valgrind to tell. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MS_VALGRIND 1
#endif
#endif

#ifdef MS_VALGRIND

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
	VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, 0);
	if (defined)
		(void)VALGRIND_MAKE_MEM_DEFINED(p, defined);
}

/*
 * valgrind's realloc copied which of the kept bytes hold values along with
 * the malloc block; making the new block would mark them all garbage, so
 * that is read before and put back after. Without memory to hold it, the
 * kept bytes are taken as defined, which forgives garbage the old block had.
 */
void ms_valgrind_block_moved(void *old, void *moved, size_t size, size_t kept)
{
	unsigned char *vbits = kept ? malloc(kept) : NULL;
	bool saved = vbits && VALGRIND_GET_VBITS(moved, vbits, kept) == 1;
	VALGRIND_FREELIKE_BLOCK(old, 0);
	VALGRIND_MALLOCLIKE_BLOCK(moved, size, 0, 0);
	if (saved)
		(void)VALGRIND_SET_VBITS(moved, vbits, kept);
	else if (kept)
		(void)VALGRIND_MAKE_MEM_DEFINED(moved, kept);
	free(vbits);
}

void ms_valgrind_block_gone(void *p)
{
	VALGRIND_FREELIKE_BLOCK(p, 0);
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
