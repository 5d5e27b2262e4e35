/* fault.h: the allocations memstats makes for itself, which fault.c counts and fails on request in the build with -DMS_FAULT_INJECTION. */
#ifndef MS_FAULT_H
#define MS_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "next.h"

/*
 * Every allocation the library makes goes through ms_raw_malloc,
 * ms_raw_calloc, ms_raw_realloc, ms_raw_posix_memalign and ms_raw_mmap.
 * Built with -DMS_FAULT_INJECTION (the build/fault tree), each call is
 * counted and the k-th can be made to fail, so tests can check that every
 * failure is reported and leaves the counts right. Otherwise they are the
 * allocator's own (next.h), at no cost. Frees and usable sizes cannot
 * fail, and go straight to that allocator too: in a preload build a free
 * by name would come back into memstats.
 */
#ifdef MS_FAULT_INJECTION
void *ms_fault_malloc(size_t size);
void *ms_fault_calloc(size_t count, size_t size);
void *ms_fault_realloc(void *p, size_t size);
int ms_fault_posix_memalign(void **p, size_t alignment, size_t size);
void *ms_fault_mmap(void *addr, size_t size, int prot, int flags, int fd, long offset);
#define ms_raw_malloc ms_fault_malloc
#define ms_raw_calloc ms_fault_calloc
#define ms_raw_realloc ms_fault_realloc
#define ms_raw_posix_memalign ms_fault_posix_memalign
#define ms_raw_mmap ms_fault_mmap
#else
#define ms_raw_malloc ms_next_malloc
#define ms_raw_calloc ms_next_calloc
#define ms_raw_realloc ms_next_realloc
#define ms_raw_posix_memalign ms_next_posix_memalign
#define ms_raw_mmap mmap
#endif
#define ms_raw_free ms_next_free
#define ms_raw_usable_size ms_next_usable_size

/*
 * The tests' seam. Make the k-th underlying allocation from now fail
 * (malloc, calloc, realloc, posix_memalign and mmap made by the library,
 * for the blocks it hands out and for its own tables; never stdio's). k = 0 stops failing.
 * Counting restarts at each call.
 */
void ms_fault_fail_at(uint64_t k);

/* Underlying allocations made since the last ms_fault_fail_at. */
uint64_t ms_fault_calls(void);

#endif
