/* fault.c: counted allocation calls for the fault-injection build, failing on request. */
#define _GNU_SOURCE
#include "fault.h"

#ifdef MS_FAULT_INJECTION
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

static _Atomic uint64_t calls;
static _Atomic uint64_t fail_at;      /* 0: never */

void ms_fault_fail_at(uint64_t k)
{
	atomic_store(&calls, 0);
	atomic_store(&fail_at, k);
}

uint64_t ms_fault_calls(void)
{
	return atomic_load(&calls);
}

/* Count one call; true if this is the one to fail. */
static bool should_fail(void)
{
	uint64_t n = atomic_fetch_add(&calls, 1) + 1;
	return n == atomic_load(&fail_at);
}

void *ms_fault_malloc(size_t size)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return ms_next_malloc(size);
}

void *ms_fault_calloc(size_t count, size_t size)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return ms_next_calloc(count, size);
}

void *ms_fault_realloc(void *p, size_t size)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return ms_next_realloc(p, size);
}

int ms_fault_posix_memalign(void **p, size_t alignment, size_t size)
{
	if (should_fail())
		return ENOMEM;
	return ms_next_posix_memalign(p, alignment, size);
}

void *ms_fault_mmap(void *addr, size_t size, int prot, int flags, int fd, long offset)
{
	if (should_fail()) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return mmap(addr, size, prot, flags, fd, offset);
}
#else
/* ISO C wants something in every file: this build has no seam. */
typedef int ms_no_fault_injection;
#endif
