/* dlsym_allocates.c: an LD_PRELOAD object whose dlsym allocates and frees around each look-up, as glibc's did before 2.34, so tests/test_preload.c can see memstats find its next allocator with a malloc coming back from inside dlsym. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/*
 * The C library's dlsym, found with dlvsym, which this object leaves
 * alone. RTLD_NEXT is resolved from the caller, here this object, which
 * is preloaded right after the counting one: the next after either is
 * the C library.
 */
void *dlsym(void *handle, const char *name)
{
	void *(*real)(void *, const char *);
	void *address = dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
	/* POSIX has a data pointer hold a function's address; ISO C converts neither way */
	memcpy(&real, &address, sizeof real);
	/* volatile: a malloc freed unused is a pair gcc deletes */
	void *volatile scratch = malloc(48);
	void *found = real(handle, name);
	free(scratch);
	return found;
}
