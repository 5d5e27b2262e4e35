/* test_threads.c: several threads allocating, resizing and freeing (also each other's blocks) leave exact counts. */
#define _GNU_SOURCE
#include "test_util.h"

#include "process.h"   /* ms_process_threads */

#include <pthread.h>
#include <stdbool.h>
#include <sys/single_threaded.h>
#include <time.h>

struct th_a {
	int x;
	void *p;
	long y;
};
struct th_b {
	char text[40];
};
static MS_TYPE_LEAF(th_a_type, struct th_a);
static MS_TYPE_LEAF(th_b_type, struct th_b);

#define NWORKERS 4
#define OPS 150000
#define SLOTS 256
#define MAILBOX 1024
#define NROWS 4

static const char *const row_names[NROWS] = { "struct th_a", "struct th_b", "int", "th tag" };

/* A block as its owner (or the mailbox) remembers it. */
struct held {
	void *p;
	int row;
	int64_t bytes;   /* requested */
};

/* Blocks one worker hands to the next, which frees them. */
struct mailbox {
	pthread_mutex_t lock;
	struct held items[MAILBOX];
	int count;
};

/* What one worker did: only recorded here, checked by the main thread. */
struct worker {
	int id;
	uint64_t seed;
	struct mailbox *inbox, *outbox;
	pthread_barrier_t *barrier;
	struct held live[SLOTS];
	int64_t net_blocks[NROWS];     /* blocks this thread added minus those it freed */
	int64_t net_bytes[NROWS];      /* requested bytes, likewise */
	int64_t handed, received;      /* blocks sent to / freed from a mailbox */
	int64_t failures;              /* any of the four below: must stay 0 */
	int64_t null_allocs, null_reallocs, bad_contents, bad_info;
	uint64_t first_seq;
	unsigned slot;
};

static void *alloc_row(int row, size_t count, int64_t *bytes)
{
	switch (row) {
	case 0: *bytes = (int64_t)(count * sizeof(struct th_a)); return ms_alloc(&th_a_type, count);
	case 1: *bytes = (int64_t)(count * sizeof(struct th_b)); return ms_calloc(&th_b_type, count);
	case 2: *bytes = (int64_t)(count * sizeof(int)); return ms_alloc(&ms_type_int, count);
	default: *bytes = (int64_t)count; return ms_alloc_bytes(count, "th tag");
	}
}

static size_t element_size(int row)
{
	static const size_t sizes[NROWS] = { sizeof(struct th_a), sizeof(struct th_b), sizeof(int), 1 };
	return sizes[row];
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t rng = w->seed;

	/* one block first, so every worker is live and has a slot at the barrier */
	int64_t bytes;
	w->live[0].p = alloc_row(0, 1, &bytes);
	if (!w->live[0].p) {
		w->failures++;
		w->null_allocs++;
	} else {
		w->live[0].row = 0;
		w->live[0].bytes = bytes;
		((unsigned char *)w->live[0].p)[0] = 0;
		w->net_blocks[0]++;
		w->net_bytes[0] += bytes;
		struct ms_block_info info;
		if (ms_block_info(w->live[0].p, &info) == 0) {
			w->first_seq = info.seq;
			w->slot = info.thread;
		} else {
			w->failures++;
			w->bad_info++;
		}
	}
	pthread_barrier_wait(w->barrier);

	for (int op = 0; op < OPS; op++) {
		uint64_t r = ms_test_splitmix64(&rng);
		struct held *h = &w->live[r % SLOTS];
		unsigned action = (unsigned)(r >> 32) % 10;
		if (!h->p) {
			int row = (int)((r >> 40) % NROWS);
			size_t count = (size_t)((r >> 48) % 40);
			h->p = alloc_row(row, count, &bytes);
			if (!h->p) {
				w->failures++;
				w->null_allocs++;
				continue;
			}
			h->row = row;
			h->bytes = bytes;
			if (bytes)
				((unsigned char *)h->p)[0] = (unsigned char)row;
			w->net_blocks[row]++;
			w->net_bytes[row] += bytes;
		} else if (action < 4) {
			ms_free(h->p);
			w->net_blocks[h->row]--;
			w->net_bytes[h->row] -= h->bytes;
			h->p = NULL;
		} else if (action < 7) {
			size_t count = (size_t)((r >> 48) % 60);
			void *q = ms_realloc(h->p, count);
			if (!q) {
				w->failures++;
				w->null_reallocs++;
				continue;
			}
			int64_t now = (int64_t)(count * element_size(h->row));
			if (h->bytes && now && ((unsigned char *)q)[0] != (unsigned char)h->row) {
				w->failures++;
				w->bad_contents++;
			}
			if (now)
				((unsigned char *)q)[0] = (unsigned char)h->row;
			w->net_bytes[h->row] += now - h->bytes;
			h->bytes = now;
			h->p = q;
		} else {
			/* hand the block to the next worker, which frees it */
			pthread_mutex_lock(&w->outbox->lock);
			if (w->outbox->count < MAILBOX) {
				w->outbox->items[w->outbox->count++] = *h;
				h->p = NULL;
				w->handed++;
			}
			pthread_mutex_unlock(&w->outbox->lock);
		}
		if (op % 64 == 0) {
			struct held got[32];
			int n = 0;
			pthread_mutex_lock(&w->inbox->lock);
			while (w->inbox->count > 0 && n < 32)
				got[n++] = w->inbox->items[--w->inbox->count];
			pthread_mutex_unlock(&w->inbox->lock);
			for (int i = 0; i < n; i++) {
				ms_free(got[i].p);
				w->net_blocks[got[i].row]--;
				w->net_bytes[got[i].row] -= got[i].bytes;
				w->received++;
			}
		}
	}
	return NULL;
}

/* 4 threads of seeded random churn, with blocks handed across threads: the counts add up exactly. */
static void test_threads_churn_exact_counts(void **state)
{
	(void)state;
	static struct worker w[NWORKERS];
	static struct mailbox box[NWORKERS];
	pthread_t tid[NWORKERS];
	pthread_barrier_t barrier;
	assert_int_equal(pthread_barrier_init(&barrier, NULL, NWORKERS), 0);
	memset(w, 0, sizeof w);
	for (int i = 0; i < NWORKERS; i++) {
		assert_int_equal(pthread_mutex_init(&box[i].lock, NULL), 0);
		box[i].count = 0;
	}
	for (int i = 0; i < NWORKERS; i++) {
		w[i].id = i;
		w[i].seed = UINT64_C(0x5eed0000) + (uint64_t)i;
		w[i].inbox = &box[i];
		w[i].outbox = &box[(i + 1) % NWORKERS];
		w[i].barrier = &barrier;
		assert_int_equal(pthread_create(&tid[i], NULL, worker_main, &w[i]), 0);
	}
	/* while they run, summaries can be taken; they are always sorted */
	int summaries = 0;
	for (int i = 0; i < 200; i++) {
		ms_summary *s = ms_summarize();
		assert_non_null(s);
		for (size_t r = 1; r < ms_summary_count(s); r++)
			assert_i64_ge(ms_summary_row(s, r - 1)->g.bytes[MS_REQUESTED].current,
				      ms_summary_row(s, r)->g.bytes[MS_REQUESTED].current);
		ms_summary_free(s);
		summaries++;
	}
	for (int i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&barrier);
	assert_int_equal(summaries, 200);

	/* read the registry while the workers' leftovers are live ... */
	int64_t seen_blocks[NROWS], seen_bytes[NROWS];
	int seen_sane[NROWS];
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	size_t seen_rows = ms_summary_count(s);
	for (int r = 0; r < NROWS; r++) {
		const struct ms_summary_row *row =
			ms_test_row_figures(s, row_names[r], &seen_blocks[r], &seen_bytes[r]);
		seen_sane[r] = !row || (row->g.blocks.peak >= row->g.blocks.current &&
					row->g.bytes[MS_REQUESTED].peak >= row->g.bytes[MS_REQUESTED].current);
	}
	ms_summary_free(s);
	struct ms_stats live = ms_stats();

	/* ... then the main thread frees them (blocks of other threads), before any assert */
	int64_t in_boxes = 0;
	for (int i = 0; i < NWORKERS; i++) {
		for (int k = 0; k < SLOTS; k++)
			ms_free(w[i].live[k].p);
		for (int k = 0; k < box[i].count; k++)
			ms_free(box[i].items[k].p);
		in_boxes += box[i].count;
		pthread_mutex_destroy(&box[i].lock);
	}
	struct ms_stats end = ms_stats();

	/* what the workers recorded */
	int64_t blocks[NROWS] = { 0 }, bytes[NROWS] = { 0 }, handed = 0, received = 0;
	for (int i = 0; i < NWORKERS; i++) {
		if (w[i].failures)
			print_error("worker %d: %" PRId64 " NULL allocs, %" PRId64 " NULL reallocs, "
				    "%" PRId64 " bad contents, %" PRId64 " bad block infos\n", i,
				    w[i].null_allocs, w[i].null_reallocs, w[i].bad_contents,
				    w[i].bad_info);
		assert_i64_equal(w[i].failures, 0);
		assert_i64_equal(w[i].first_seq, 1);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(w[i].slot, w[j].slot);   /* alive together: own slots */
		for (int r = 0; r < NROWS; r++) {
			blocks[r] += w[i].net_blocks[r];
			bytes[r] += w[i].net_bytes[r];
		}
		handed += w[i].handed;
		received += w[i].received;
	}
	/* invariants: every block handed over was freed by its receiver or is still in a box */
	assert_i64_gt(handed, 1000);
	assert_i64_equal(handed, received + in_boxes);

	/* exact: the rows equal the workers' net counts */
	int64_t all_blocks = 0, all_bytes = 0;
	size_t live_rows = 0;
	for (int r = 0; r < NROWS; r++) {
		if (seen_blocks[r] != blocks[r] || seen_bytes[r] != bytes[r])
			print_error("row %s\n", row_names[r]);
		assert_i64_equal(seen_blocks[r], blocks[r]);
		assert_i64_equal(seen_bytes[r], bytes[r]);
		assert_true(seen_sane[r]);
		all_blocks += blocks[r];
		all_bytes += bytes[r];
		live_rows += blocks[r] != 0;
	}
	assert_int_equal(seen_rows, live_rows);
	assert_i64_equal(live.all.blocks.current, all_blocks);
	assert_i64_equal(live.all.bytes[MS_REQUESTED].current, all_bytes);
	assert_i64_ge(live.all.blocks.peak, live.all.blocks.current);
	assert_true(live.threads >= NWORKERS);
	assert_i64_equal(live.misuse_count, 0);

	/* every count back to 0 */
	assert_i64_equal(end.all.blocks.current, 0);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		assert_i64_equal(end.all.bytes[n].current, 0);
	assert_i64_equal(end.misuse_count, 0);
}

/* Blocks made by a thread that has ended: counted, and freed by main to exactly 0. */
struct producer {
	void *blocks[1000];
	int64_t made;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	for (int i = 0; i < 1000; i++) {
		p->blocks[i] = ms_alloc(&th_b_type, 2);
		p->made += p->blocks[i] != NULL;
	}
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct producer *p = arg;
	for (int i = 0; i < 1000; i++)
		ms_free(p->blocks[i]);
	return NULL;
}

static void test_blocks_outlive_their_thread(void **state)
{
	(void)state;
	static struct producer prod;
	memset(&prod, 0, sizeof prod);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer_main, &prod), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_i64_equal(prod.made, 1000);

	int64_t blocks, requested;
	ms_test_row_now("struct th_b", &blocks, &requested);
	assert_i64_equal(blocks, 1000);
	assert_i64_equal(requested, 1000 * 2 * (int64_t)sizeof(struct th_b));
	assert_i64_equal(ms_live_blocks(), 1000);
	assert_i64_ge(ms_stats().all.blocks.peak, 1000);

	/* half freed by main, half by a second thread */
	for (int i = 0; i < 500; i++) {
		ms_free(prod.blocks[i]);
		prod.blocks[i] = NULL;
	}
	ms_test_row_now("struct th_b", &blocks, &requested);
	assert_i64_equal(blocks, 500);
	assert_int_equal(pthread_create(&t, NULL, consumer_main, &prod), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_i64_equal(ms_live_blocks(), 0);
	ms_test_row_now("struct th_b", &blocks, &requested);
	assert_i64_equal(blocks, 0);
	assert_i64_equal(requested, 0);
	struct ms_stats st = ms_stats();
	assert_i64_equal(st.all.blocks.total, 1000);
	assert_i64_equal(st.misuse_count, 0);
}

/* A second thread's blocks before and after the main thread's ms_reset, between two barriers. */
struct reset_worker {
	pthread_barrier_t barrier;
	struct ms_block_info before, after;
	bool ok;
};

/* Allocate, free and describe one int, into `info`; false on any failure. */
static bool one_block(struct ms_block_info *info)
{
	int *p = ms_alloc(&ms_type_int, 1);
	bool ok = p && ms_block_info(p, info) == 0;
	ms_free(p);
	return ok;
}

static void *reset_worker_main(void *arg)
{
	struct reset_worker *w = arg;
	w->ok = one_block(&w->before);
	pthread_barrier_wait(&w->barrier);   /* the main thread resets */
	pthread_barrier_wait(&w->barrier);
	w->ok = one_block(&w->after) && w->ok;
	return NULL;
}

/*
 * ms_reset restarts each thread's numbering in its own slot: a thread
 * other than the first still numbers its next block 1, as its own.
 */
static void test_reset_restarts_each_threads_numbers(void **state)
{
	(void)state;
	struct ms_block_info mine;
	assert_true(one_block(&mine));
	static struct reset_worker w;
	assert_int_equal(pthread_barrier_init(&w.barrier, NULL, 2), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, reset_worker_main, &w), 0);
	pthread_barrier_wait(&w.barrier);
	int reset = ms_reset();
	pthread_barrier_wait(&w.barrier);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&w.barrier);
	assert_int_equal(reset, 0);
	assert_true(w.ok);
	assert_int_not_equal(w.before.thread, mine.thread);
	assert_int_equal(w.after.thread, w.before.thread);
	assert_true(w.after.seq == 1);
}

/* A worker that only makes refused calls, one on a block of the main thread's; NULL if all were. */
static void *refused_calls_main(void *arg)
{
	int on_stack;
	void *p = ms_alloc_bytes(8, NULL);
	p = p ? p : ms_alloc_bytes(SIZE_MAX / 2, "th refused");
	p = p ? p : ms_alloc(&th_a_type, SIZE_MAX / 2);
	ms_free(&on_stack);
	p = p ? p : ms_realloc(&on_stack, 1);
	p = p ? p : ms_realloc(arg, SIZE_MAX / 2);
	return p;
}

/*
 * Refused calls make no thread state: a thread that only misuses the
 * library takes none of the 65536 slots. First in this program, so no
 * thread has ended yet and left a free state a new one could take over
 * unseen: a state made shows in ms_stats().threads.
 */
static void test_refused_calls_make_no_thread_state(void **state)
{
	(void)state;
	static struct ms_capture cap;
	ms_capture_start(&cap);
	char *mine = ms_alloc_bytes(4, "th mine");
	assert_non_null(mine);
	size_t before = ms_stats().threads;
	pthread_t t;
	void *result = mine;
	assert_int_equal(pthread_create(&t, NULL, refused_calls_main, mine), 0);
	assert_int_equal(pthread_join(t, &result), 0);
	size_t after = ms_stats().threads;
	ms_free(mine);                       /* before the checks, so a failure leaks nothing */
	assert_null(result);
	assert_int_equal(after, before);
	assert_int_equal(cap.count, 6);
}

static void *exit_at_once(void *arg)
{
	return arg;
}

/*
 * An interior pointer is named again once the process is down to one
 * thread: after a thread is made and joined, although glibc's flag says
 * "more than one thread" for good.
 */
static void test_interior_named_after_threads_joined(void **state)
{
	(void)state;
#if defined(__SANITIZE_THREAD__)
	print_message("skipped: ThreadSanitizer runs a thread of its own\n");
	skip();
#endif
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, exit_at_once, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	if (__libc_single_threaded) {
		/* a glibc that resets the flag at the join makes this case the one-thread case */
		print_message("skipped: this glibc says single-threaded again after the join\n");
		skip();
	}
	/* the kernel counts a joined thread until it has finished exiting: wait up to 5 s */
	int threads = ms_process_threads();
	for (int waited = 0; threads != 1 && waited < 5000; waited++) {
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		threads = ms_process_threads();
	}
	if (threads != 1) {
		print_message("skipped: the process keeps %d threads (a sanitizer's own?)\n", threads);
		skip();
	}
	char *p = ms_alloc_bytes(64, "th interior");
	assert_non_null(p);
	struct ms_probe pr;
	ms_probe(&pr, ms_free(p + 16));
	assert_probe(&pr, MS_MISUSE_INTERIOR, "ms_free");
	ms_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_refused_calls_make_no_thread_state),
		ms_test(test_threads_churn_exact_counts),
		ms_test(test_blocks_outlive_their_thread),
		ms_test(test_reset_restarts_each_threads_numbers),
		ms_test(test_interior_named_after_threads_joined),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
