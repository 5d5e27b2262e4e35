/* fork.c: fork handlers that hold memstats' locks across fork(), so a child forked while other threads use the library can use it too. */
#include "fork.h"
#include "bookkeeping.h"
#include "gauges.h"
#include "origins.h"
#include "peaks.h"
#include "types.h"

/*
 * fork() copies only the thread that calls it: a lock another thread held
 * at that moment stays held in the child for good, and the child's first
 * call that needs it hangs. So, as glibc does for malloc's arenas, the
 * forking thread takes every lock of the library before the fork and
 * releases them on both sides after it. One fixed order, the order the
 * library nests them in, so that the forking thread cannot deadlock with
 * a thread that holds one and waits for another: a row is registered
 * under ms_rows_lock and its name copied into a table under
 * ms_arena_lock, as an origin is numbered under ms_origins_lock and its
 * chunk taken under ms_arena_lock; ms_peak_lock nests with none;
 * ms_arena_lock, taken inside the others, comes last. A lock added to the library belongs here.
 *
 * The library's pthread_once calls (the exit key, the program's segments)
 * need nothing: glibc's pthread_once notices in a child that a fork
 * interrupted an initialisation another thread had under way, and runs
 * it again.
 */
static pthread_mutex_t *const locks[] = { &ms_rows_lock, &ms_peak_lock, &ms_origins_lock,
					   &ms_arena_lock };
#define LOCK_COUNT (sizeof locks / sizeof locks[0])

static void before_fork(void)
{
	for (size_t i = 0; i < LOCK_COUNT; i++)
		pthread_mutex_lock(locks[i]);
}

static void after_fork_in_parent(void)
{
	for (size_t i = LOCK_COUNT; i-- > 0;)
		pthread_mutex_unlock(locks[i]);
}

/*
 * The child's one thread is the copy of the thread that took the locks,
 * so it releases them as the parent does (POSIX's rationale for
 * pthread_atfork). Then the states of the threads that did not come
 * along are handed to the child's new threads (gauges.c).
 */
static void after_fork_in_child(void)
{
	after_fork_in_parent();
	ms_thread_states_after_fork();
}

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

/*
 * pthread_atfork fails only when no memory is left. The library then
 * works on as it would without handlers; it cannot say so here, inside
 * pthread_once, since a misuse handler may call back into the library
 * and so into this very pthread_once.
 */
static void register_handlers(void)
{
	(void)pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

void ms_fork_handlers_once(void)
{
	pthread_once(&handlers_once, register_handlers);
}

void ms_lock(pthread_mutex_t *lock)
{
	ms_fork_handlers_once();
	pthread_mutex_lock(lock);
}
