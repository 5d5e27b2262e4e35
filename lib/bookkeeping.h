/* bookkeeping.h: memstats' own memory, which bookkeeping.c maps apart from the program's heap and counts with what memstats holds in malloc blocks. */
#ifndef MS_BOOKKEEPING_H
#define MS_BOOKKEEPING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A table of memstats' own: permanent, zeroed, taken from mappings of its
 * own rather than malloc, so valgrind and LeakSanitizer never list it as
 * still reachable and mallinfo2 shows only the program's blocks. NULL
 * when the system has no memory left.
 */
void *ms_bookkeeping_alloc(size_t size);
/* Count `delta` more bytes of memstats' own held in malloc blocks (summaries, trackers). */
void ms_bookkeeping_add(int64_t delta);
/* memstats' own memory in use, ms_stats' table_bytes: the tables and what ms_bookkeeping_add counted. */
int64_t ms_bookkeeping_table_bytes(void);

/* Held while a table is carved from the current mapping (fork.c holds it across a fork). */
extern pthread_mutex_t ms_arena_lock;

#endif
