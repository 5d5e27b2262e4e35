/* fault.h: the test-only seam that makes the k-th allocation memstats makes fail (build with -DMS_FAULT_INJECTION). */
#ifndef MS_FAULT_H
#define MS_FAULT_H

#include <stdint.h>

/*
 * Make the k-th underlying allocation from now fail (malloc, calloc,
 * realloc and mmap made by the library, for the blocks it hands out and
 * for its own tables; never stdio's). k = 0 stops failing. Counting
 * restarts at each call.
 */
void ms_fault_fail_at(uint64_t k);

/* Underlying allocations made since the last ms_fault_fail_at. */
uint64_t ms_fault_calls(void);

#endif
