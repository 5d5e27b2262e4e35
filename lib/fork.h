/* fork.h: taking the library's locks so that a fork cannot leave one held in the child: fork.c holds them all across fork(). */
#ifndef MS_FORK_H
#define MS_FORK_H

#include <pthread.h>

/*
 * Each lock is declared beside what it guards: ms_rows_lock in types.h,
 * ms_peak_lock in peaks.h, ms_origins_lock in origins.h, ms_arena_lock in
 * bookkeeping.h. fork.c names
 * them all; a lock added to the library belongs in its list.
 */

/*
 * Register the fork handlers, once. It is called before any lock is taken
 * and before any thread state is made, the two things a fork must deal
 * with; both are slow paths, so the allocation's fast path never calls it.
 */
void ms_fork_handlers_once(void);

/* Take one of the library's locks, the fork handlers registered first. */
void ms_lock(pthread_mutex_t *lock);

#endif
