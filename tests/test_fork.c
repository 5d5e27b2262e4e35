/* test_fork.c: a child forked while other threads use memstats can use it too, and keeps their blocks' counts. */
#define _GNU_SOURCE
#include "test_util.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * ThreadSanitizer does not support starting a thread in a child forked
 * from several threads: it dies saying so, or with die_after_fork=0 finds
 * the new thread's id already taken. The test that needs one is skipped
 * under it; the children of the other start none.
 */
#if defined(__SANITIZE_THREAD__)
#define FK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FK_TSAN 1
#endif
#endif

struct fk_node {
	struct fk_node *next;
	long value;
};
static MS_TYPE(fk_node_type, struct fk_node, MS_PTR(struct fk_node, next, &fk_node_type));

/* How a child ended: 0 if all it tried worked, else the first step that did not. */
#define CHILD_RESULTS(X)                                                        \
	X(CHILD_OK, "ok")                                                       \
	X(CHILD_ALLOC_FAILED, "an allocation failed")                           \
	X(CHILD_WRONG_ROW, "its new tag's row was not one block of 5 bytes")    \
	X(CHILD_NO_SUMMARY, "ms_summarize or ms_tracker_new failed")            \
	X(CHILD_WRONG_LIVE, "live blocks were not what the parent had, plus its own") \
	X(CHILD_NO_THREAD, "it could not start or join a thread")               \
	X(CHILD_STATE_NOT_REUSED, "its new thread did not take over a thread state left by the fork") \
	X(CHILD_MISUSE, "a call was reported as misuse")

enum child_result {
#define CHILD_ENUM_(id, text) id,
	CHILD_RESULTS(CHILD_ENUM_)
#undef CHILD_ENUM_
	CHILD_RESULT_COUNT
};

static const char *const child_result_text[] = {
#define CHILD_TEXT_(id, text) text,
	CHILD_RESULTS(CHILD_TEXT_)
#undef CHILD_TEXT_
};

/* How a set of children ended, for the main thread to check. */
struct children {
	int results[CHILD_RESULT_COUNT];
	int other_exits;   /* an exit status no child_result names */
	int signalled;     /* killed by a signal of their own (a crash) */
	int hung;          /* still running at the deadline, then killed */
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Record how the child that ended with `status` ended. */
static void tally(struct children *c, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) < CHILD_RESULT_COUNT)
		c->results[WEXITSTATUS(status)]++;
	else if (WIFEXITED(status))
		c->other_exits++;
	else
		c->signalled++;
}

/*
 * Reap the children `pids[0..count)` (-1 for one fork could not start),
 * waiting for them until `seconds` from now. A child still running then
 * hangs, and would forever: it is killed and counted as hung.
 */
static void reap(struct children *c, pid_t *pids, int count, double seconds)
{
	double deadline = now_seconds() + seconds;
	int left = 0;
	for (int i = 0; i < count; i++)
		left += pids[i] > 0;
	while (left > 0 && now_seconds() < deadline) {
		int waited = 0;
		for (int i = 0; i < count; i++) {
			int status;
			if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				tally(c, status);
				pids[i] = 0;
				left--;
				waited++;
			}
		}
		if (!waited)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	for (int i = 0; i < count; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			c->hung++;
		}
}

/* Print what went wrong among the children, if anything: the asserts then say only that it did. */
static void describe(const struct children *c, int count)
{
	for (int r = 1; r < CHILD_RESULT_COUNT; r++)
		if (c->results[r])
			print_error("%d of %d children: %s\n", c->results[r], count,
				    child_result_text[r]);
	if (c->hung)
		print_error("%d of %d children hung (killed at the deadline)\n", c->hung, count);
	if (c->signalled || c->other_exits)
		print_error("%d children crashed, %d exited with an unknown status\n", c->signalled,
			    c->other_exits);
}

/* ------------------------------------------------------------------ */
/* Forks while a thread takes every lock, over and over               */
/* ------------------------------------------------------------------ */

#define FORKS 200
#define CHURN_TAGS 8
/* New rows the churning thread registers at most: the row table holds 4096. */
#define CHURN_NEW_ROWS 1000
/* A prefix every churned tag shares: comparing a name with all the rows takes a while. */
#define CHURN_PREFIX "fk: a long prefix that every tag of the churning thread shares, "

/* What the churning thread did: recorded here, checked by the main thread. */
struct churner {
	atomic_bool stop;
	int64_t rounds, failures, new_rows;
};

/*
 * Each round takes every lock of the library, and holds two of them a
 * while: a tag whose text changes at one writable address is registered
 * again under the rows lock, which compares it with every row's name; now
 * and then a tag never seen is a new row, whose name is copied into a
 * table under the table lock; each round's block comes from a line of its
 * own, a site never met, numbered under the origins lock (the index of
 * origins rebuilt there now and then); a peak reset restarts every row's
 * peaks under the peak lock.
 */
static void *churn_main(void *arg)
{
	struct churner *c = arg;
	char tag[sizeof CHURN_PREFIX + 32];
	for (unsigned n = 0; !atomic_load(&c->stop); n++) {
		if (n % 4 == 0 && c->new_rows < CHURN_NEW_ROWS)
			snprintf(tag, sizeof tag, CHURN_PREFIX "row %" PRId64, c->new_rows++);
		else
			snprintf(tag, sizeof tag, CHURN_PREFIX "churn %u", n % CHURN_TAGS);
		void *p = ms_alloc_bytes_at(16 + n % 200, tag, "fk_churn.c", (int)(n % INT_MAX) + 1);
		c->failures += !p;
		ms_peak_reset();
		ms_free(p);
		c->rounds++;
	}
	return NULL;
}

/*
 * A child forked while the churner ran: it takes every lock too (a new
 * tag, so a new row; peak resets; a tracker; a summary), checks what it
 * counted, and frees its blocks, which leaves exactly what the parent had.
 */
static enum child_result forked_child(int index)
{
	/* a child reports nothing, so any report is a failure */
	int64_t misuse = ms_stats().misuse_count;
	int64_t live = ms_live_blocks();
	char tag[32];
	snprintf(tag, sizeof tag, "fk child %d", index);
	char *bytes = ms_alloc_bytes(5, tag);
	struct fk_node *node = ms_alloc(&fk_node_type, 2);
	if (!bytes || !node)
		return CHILD_ALLOC_FAILED;
	ms_peak_reset();
	ms_tracker *t = ms_tracker_new();
	ms_summary *s = ms_summarize();
	if (!t || !s)
		return CHILD_NO_SUMMARY;
	const struct ms_summary_row *row = ms_summary_find(s, tag);
	if (!row || row->g.blocks.current != 1 || row->g.bytes[MS_REQUESTED].current != 5)
		return CHILD_WRONG_ROW;
	ms_summary_free(s);
	ms_tracker_free(t);
	if (ms_live_blocks() != live + 2)
		return CHILD_WRONG_LIVE;
	ms_free(node);
	ms_free(bytes);
	if (ms_live_blocks() != live)
		return CHILD_WRONG_LIVE;
	return ms_stats().misuse_count != misuse ? CHILD_MISUSE : CHILD_OK;
}

/*
 * 200 children forked from the main thread while another thread takes
 * every lock memstats has, over and over: each child can still allocate,
 * register, summarize and reset peaks. Without fork handlers most of them
 * hang on a lock the churning thread held at the fork.
 */
static void test_fork_while_a_thread_takes_every_lock(void **state)
{
	(void)state;
	static struct churner churner;
	static pid_t pids[FORKS];
	static struct children children;
	memset(&churner, 0, sizeof churner);
	memset(&children, 0, sizeof children);
	pthread_t tid;
	assert_int_equal(pthread_create(&tid, NULL, churn_main, &churner), 0);
	/* let it register a few hundred rows first: the rows lock is then held longer */
	for (int i = 0; i < 2000 && ms_stats().rows < 200; i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	int forked = 0;
	for (int i = 0; i < FORKS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(forked_child(i));
		forked += pids[i] > 0;
	}
	atomic_store(&churner.stop, true);
	int joined = pthread_join(tid, NULL);
	reap(&children, pids, FORKS, 10.0);
	assert_int_equal(joined, 0);

	describe(&children, FORKS);
	assert_int_equal(forked, FORKS);
	assert_int_equal(children.hung, 0);
	assert_int_equal(children.signalled + children.other_exits, 0);
	assert_int_equal(children.results[CHILD_OK], FORKS);
	assert_i64_equal(churner.failures, 0);
	assert_i64_gt(churner.rounds, 0);
	assert_i64_equal(ms_stats().misuse_count, 0);
}

/* ------------------------------------------------------------------ */
/* The states of threads the fork left behind                          */
/* ------------------------------------------------------------------ */

/* A thread that allocates one block and holds it, alive, until told. */
struct holder {
	pthread_barrier_t barrier;
	struct fk_node *block;
	unsigned slot;
	bool ok;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	struct ms_block_info info;
	h->block = ms_alloc(&fk_node_type, 1);
	h->ok = h->block && ms_block_info(h->block, &info) == 0;
	h->slot = h->ok ? info.thread : 0;
	pthread_barrier_wait(&h->barrier);   /* the main thread forks */
	pthread_barrier_wait(&h->barrier);
	return NULL;
}

/* A thread of the child's: the slot of the block it allocates, or UINT_MAX. */
static void *newcomer_main(void *arg)
{
	unsigned *slot = arg;
	struct ms_block_info info;
	struct fk_node *n = ms_alloc(&fk_node_type, 1);
	*slot = n && ms_block_info(n, &info) == 0 ? info.thread : UINT_MAX;
	ms_free(n);
	return NULL;
}

/*
 * In the child: the holder's block is still counted (it is in the child's
 * heap), the child's first new thread takes over the holder's state
 * rather than make one, and freeing the holder's block brings the counts
 * to exactly 0.
 */
static enum child_result orphan_child(struct holder *h, int64_t live_at_fork, size_t states)
{
	/* a child reports nothing, so any report is a failure */
	int64_t misuse = ms_stats().misuse_count;
	if (ms_live_blocks() != live_at_fork)
		return CHILD_WRONG_LIVE;
	unsigned slot = UINT_MAX;
	pthread_t t;
	if (pthread_create(&t, NULL, newcomer_main, &slot) != 0 || pthread_join(t, NULL) != 0)
		return CHILD_NO_THREAD;
	if (slot == UINT_MAX)
		return CHILD_ALLOC_FAILED;
	if (slot != h->slot || ms_stats().threads != states)
		return CHILD_STATE_NOT_REUSED;
	ms_free(h->block);
	if (ms_live_blocks() != live_at_fork - 1)
		return CHILD_WRONG_LIVE;
	return ms_stats().misuse_count != misuse ? CHILD_MISUSE : CHILD_OK;
}

/*
 * A fork leaves the other threads behind, and their states marked in use
 * for good unless memstats frees them. First in this program, so that no
 * thread has ended yet and left a free state the child's thread could take
 * instead: the holder's is the only one it can take over.
 */
static void test_fork_child_reuses_states_of_threads_left_behind(void **state)
{
	(void)state;
#ifdef FK_TSAN
	print_message("skipped: ThreadSanitizer cannot start the child's thread\n");
	skip();
#endif
	static struct holder h;
	memset(&h, 0, sizeof h);
	struct fk_node *mine = ms_alloc(&fk_node_type, 1);   /* the main thread's state */
	assert_non_null(mine);
	assert_int_equal(pthread_barrier_init(&h.barrier, NULL, 2), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, holder_main, &h), 0);
	pthread_barrier_wait(&h.barrier);
	int64_t live = ms_live_blocks();
	size_t states = ms_stats().threads;
	pid_t pid = h.ok ? fork() : -1;
	if (pid == 0)
		_exit(orphan_child(&h, live, states));
	struct children children;
	memset(&children, 0, sizeof children);
	reap(&children, &pid, 1, 10.0);
	pthread_barrier_wait(&h.barrier);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&h.barrier);
	ms_free(h.block);
	ms_free(mine);

	describe(&children, 1);
	assert_true(h.ok);
	assert_i64_equal(live, 2);
	assert_int_equal(states, 2);
	assert_int_equal(children.results[CHILD_OK], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_fork_child_reuses_states_of_threads_left_behind),
		ms_test(test_fork_while_a_thread_takes_every_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
