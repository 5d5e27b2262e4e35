/* bookkeeping.c: memstats' own memory: tables kept in mappings of its own and never freed, and the count of all of it. */
#define _DEFAULT_SOURCE
#include "bookkeeping.h"
#include "fault.h"
#include "fork.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

/*
 * Tables (page map nodes, rows, thread states) live as long as the
 * process. Small ones are carved from 64 KiB mappings; large ones get a
 * mapping each. Nothing here is a malloc block, so a leak checker run at
 * exit reports only the program's own blocks.
 */
#define ARENA_SIZE ((size_t)64 << 10)
#define PAGE_SIZE_ ((size_t)4096)
#define CACHE_LINE ((size_t)64)

pthread_mutex_t ms_arena_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *arena_next;
static size_t arena_left;
static _Atomic int64_t table_bytes;

static void *map_zeroed(size_t size)
{
	void *p = ms_raw_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	atomic_fetch_add_explicit(&table_bytes, (int64_t)size, memory_order_relaxed);
	return p;
}

void *ms_bookkeeping_alloc(size_t size)
{
	/*
	 * Every table starts on a cache line of its own: two threads' states
	 * or gauge rows carved side by side must not share a line, or each
	 * allocation in one thread would evict the other's counters.
	 */
	size = (size + CACHE_LINE - 1) & ~(CACHE_LINE - 1);
	if (size >= ARENA_SIZE / 4)
		return map_zeroed((size + PAGE_SIZE_ - 1) & ~(PAGE_SIZE_ - 1));

	ms_lock(&ms_arena_lock);
	if (size > arena_left) {
		unsigned char *fresh = map_zeroed(ARENA_SIZE);
		if (!fresh) {
			pthread_mutex_unlock(&ms_arena_lock);
			return NULL;
		}
		arena_next = fresh;          /* the old arena's tail is given up */
		arena_left = ARENA_SIZE;
	}
	void *p = arena_next;
	arena_next += size;
	arena_left -= size;
	pthread_mutex_unlock(&ms_arena_lock);
	return p;
}

void ms_bookkeeping_add(int64_t delta)
{
	atomic_fetch_add_explicit(&table_bytes, delta, memory_order_relaxed);
}

int64_t ms_bookkeeping_table_bytes(void)
{
	return atomic_load_explicit(&table_bytes, memory_order_relaxed);
}
