/* test_stress.c: 2 and 4 threads mixing every call, freeing and resizing each other's blocks, with exact counts at each pause; make check-tsan runs it under ThreadSanitizer. */
#define _GNU_SOURCE
#include "test_util.h"

#include <pthread.h>
#include <stdbool.h>

struct st_node {
	struct st_node *next;
	char *label;
};
static MS_TYPE(st_node_type, struct st_node,
	       MS_PTR(struct st_node, next, &st_node_type),
	       MS_STRING(struct st_node, label));

struct st_item {
	long a, b;
};
static MS_TYPE_LEAF(st_item_type, struct st_item);

enum row { R_NODE, R_ITEM, R_INT, R_CHAR, R_TAG, ROWS };
static const char *const row_names[ROWS] = {
	"struct st_node", "struct st_item", "int", "char", "st tag",
};
static const size_t element_sizes[ROWS] = {
	sizeof(struct st_node), sizeof(struct st_item), sizeof(int), 1, 1,
};

#define MAX_WORKERS 4
#define ROUNDS 5
#define OPS 20000         /* per worker and round */
#define SLOTS 128
#define MAILBOX 256
#define CHAIN 8           /* nodes in a worker's own list, which it sizes */

/* A block as whoever holds it remembers it. */
struct held {
	void *p;
	int row;
	int64_t requested;
	int round;        /* the round it was allocated or last resized in */
};

/* Blocks one worker hands to the next, which frees or resizes them. */
struct mailbox {
	pthread_mutex_t lock;
	struct held items[MAILBOX];
	int count;
};

struct stress;

/* What one worker did, recorded for the main thread, which alone asserts. */
struct worker {
	struct stress *st;
	int id;
	uint64_t rng;
	int round;
	struct held live[SLOTS];
	struct st_node *chain;           /* CHAIN nodes with labels: only this worker touches them */
	int64_t chain_requested;
	ms_objtracker *objects;          /* watches the chain */
	int64_t net_blocks[ROWS];        /* blocks this worker counted in, minus those it freed */
	int64_t net_requested[ROWS];
	int64_t counted_in;              /* allocations and reallocs */
	int64_t misuse;                  /* bad calls made on purpose */
	/* anything unexpected, by kind: each must stay 0 */
	int64_t null_results, wrong_sizes, wrong_info, unsorted;
};

struct stress {
	int workers;
	pthread_barrier_t pause;         /* workers and main: end of a round, then resume */
	struct mailbox boxes[MAX_WORKERS];
	struct worker w[MAX_WORKERS];
};

/* Reports from every thread: the handler is set before they start and only counts. */
static _Atomic int64_t reports;

static void count_report(const struct ms_misuse *misuse, void *context)
{
	(void)misuse;
	(void)context;
	atomic_fetch_add_explicit(&reports, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* A worker's calls                                                    */
/* ------------------------------------------------------------------ */

static void count_in(struct worker *w, int row, int64_t blocks, int64_t requested)
{
	w->net_blocks[row] += blocks;
	w->net_requested[row] += requested;
}

static void *alloc_row(int row, size_t count)
{
	switch (row) {
	case R_NODE: return ms_calloc(&st_node_type, count);
	case R_ITEM: return ms_alloc(&st_item_type, count);
	case R_INT: return ms_calloc(&ms_type_int, count);
	case R_CHAR: {
		char text[64];
		memset(text, 'x', count);
		text[count] = '\0';
		return ms_strdup(text);
	}
	default: return ms_alloc_bytes(count, "st tag");
	}
}

static void do_alloc(struct worker *w, struct held *h, uint64_t r)
{
	int row = (int)(r % ROWS);
	size_t count = (size_t)(r >> 8) % 40;
	h->p = alloc_row(row, count);
	if (!h->p) {
		w->null_results++;
		return;
	}
	h->row = row;
	h->requested = (int64_t)((row == R_CHAR ? count + 1 : count) * element_sizes[row]);
	h->round = w->round;
	count_in(w, row, 1, h->requested);
	w->counted_in++;
}

static void do_free(struct worker *w, struct held *h)
{
	ms_free(h->p);
	count_in(w, h->row, -1, -h->requested);
	h->p = NULL;
}

static void do_realloc(struct worker *w, struct held *h, uint64_t r)
{
	size_t count = (size_t)(r >> 8) % 48;
	void *q = ms_realloc(h->p, count);
	if (!q) {
		w->null_results++;
		return;
	}
	int64_t requested = (int64_t)(count * element_sizes[h->row]);
	count_in(w, h->row, 0, requested - h->requested);
	w->counted_in++;
	*h = (struct held){ q, h->row, requested, w->round };
}

static void do_hand_over(struct worker *w, struct held *h)
{
	struct mailbox *next = &w->st->boxes[(w->id + 1) % w->st->workers];
	pthread_mutex_lock(&next->lock);
	if (next->count < MAILBOX) {
		next->items[next->count++] = *h;
		h->p = NULL;
	}
	pthread_mutex_unlock(&next->lock);
}

/* Take what the worker before handed over: free half, resize and keep the rest. */
static void do_receive(struct worker *w, uint64_t r)
{
	struct held got[16];
	int n = 0;
	struct mailbox *box = &w->st->boxes[w->id];
	pthread_mutex_lock(&box->lock);
	while (box->count > 0 && n < 16)
		got[n++] = box->items[--box->count];
	pthread_mutex_unlock(&box->lock);
	for (int i = 0; i < n; i++) {
		struct held *slot = &w->live[(r + (uint64_t)i * 7) % SLOTS];
		if ((r >> i) & 1 || slot->p) {
			do_free(w, &got[i]);
		} else {
			*slot = got[i];
			do_realloc(w, slot, r >> i);
		}
	}
}

/* A pointer memstats never handed out, or one inside this worker's block: reported, ignored. */
static void do_misuse(struct worker *w, struct held *h, uint64_t r)
{
	long on_stack = 0;
	void *bad = r & 1 || !h->p ? (void *)&on_stack : (char *)h->p + 1;
	if (r & 2)
		ms_free(bad);
	else if (ms_realloc(bad, 2))
		w->null_results++;           /* it must refuse */
	w->misuse++;
}

/* Size the worker's own chain, which no other thread touches: exact. */
static void do_sizing(struct worker *w, uint64_t r)
{
	if (ms_sizeof_deep(w->chain, MS_REQUESTED) != w->chain_requested)
		w->wrong_sizes++;
	if (r & 1) {
		struct ms_sized *tree = ms_sized(w->chain, (int)(r >> 1) % 4, MS_REQUESTED);
		if (!tree || tree->size != w->chain_requested)
			w->wrong_sizes++;
		ms_sized_free(tree);
	}
}

static void do_info(struct worker *w, const struct held *h)
{
	struct ms_block_info info;
	if (ms_block_info(h->p, &info) != 0 || strcmp(info.type_name, row_names[h->row]) != 0 ||
	    info.bytes[MS_REQUESTED] != h->requested)
		w->wrong_info++;
}

/* A summary and a tracker's diff, taken while everyone churns: sane, not exact. */
static void do_summaries(struct worker *w, uint64_t r)
{
	ms_summary *s = ms_summarize();
	ms_tracker *t = r & 1 ? ms_tracker_new() : NULL;
	if (!s || ((r & 1) && !t)) {
		w->null_results++;
	} else {
		for (size_t i = 1; i < ms_summary_count(s); i++)
			w->unsorted += ms_summary_row(s, i - 1)->g.bytes[MS_REQUESTED].current <
				       ms_summary_row(s, i)->g.bytes[MS_REQUESTED].current;
	}
	if (t) {
		ms_summary *d = ms_tracker_diff(t);
		w->null_results += d == NULL;
		ms_summary_free(d);
		(void)ms_tracker_peak(t);
	}
	(void)ms_stats();
	ms_tracker_free(t);
	ms_summary_free(s);
}

static void do_snapshot(struct worker *w)
{
	size_t n = ms_objtracker_snapshot_count(w->objects);
	if (ms_objtracker_snapshot(w->objects, "chain") != 0) {
		w->null_results++;
		return;
	}
	if (ms_objtracker_totals(w->objects, n)->deep[MS_REQUESTED] != w->chain_requested)
		w->wrong_sizes++;
}

static void make_chain(struct worker *w)
{
	struct st_node *next = NULL;
	for (int i = 0; i < CHAIN; i++) {
		struct st_node *n = ms_calloc(&st_node_type, 1);
		char *label = ms_strdup("link");
		if (!n || !label) {
			w->null_results++;
			ms_free(n);
			ms_free(label);
			continue;
		}
		*n = (struct st_node){ next, label };
		next = n;
		count_in(w, R_NODE, 1, sizeof *n);
		count_in(w, R_CHAR, 1, sizeof "link");
		w->counted_in += 2;
		w->chain_requested += (int64_t)(sizeof *n + sizeof "link");
	}
	w->chain = next;
	w->objects = ms_objtracker_new();
	if (!w->objects || ms_objtracker_track(w->objects, w->chain, "chain") != 0)
		w->null_results++;
}

static void free_chain(struct worker *w)
{
	ms_objtracker_free(w->objects);
	while (w->chain) {
		struct st_node *next = w->chain->next;
		ms_free(w->chain->label);
		ms_free(w->chain);
		count_in(w, R_NODE, -1, -(int64_t)sizeof *w->chain);
		count_in(w, R_CHAR, -1, -(int64_t)sizeof "link");
		w->chain = next;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	make_chain(w);
	for (w->round = 0; w->round < ROUNDS; w->round++) {
		for (int op = 0; op < OPS; op++) {
			uint64_t r = ms_test_splitmix64(&w->rng);
			struct held *h = &w->live[r % SLOTS];
			unsigned action = (unsigned)(r >> 56) % 100;
			r >>= 8;
			if (!h->p && action < 60)
				do_alloc(w, h, r);
			else if (action < 25)
				do_free(w, h);
			else if (action < 45)
				do_realloc(w, h, r);
			else if (action < 55)
				do_hand_over(w, h);
			else if (action < 65)
				do_receive(w, r);
			else if (action < 70)
				do_misuse(w, h, r);
			else if (action < 75)
				do_sizing(w, r);
			else if (action < 85 && h->p)
				do_info(w, h);
			else if (action < 86)
				do_summaries(w, r);
			else if (action < 87)
				do_snapshot(w);
		}
		pthread_barrier_wait(&w->st->pause);   /* paused: main checks */
		pthread_barrier_wait(&w->st->pause);   /* resumed */
	}
	free_chain(w);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The main thread's checks                                            */
/* ------------------------------------------------------------------ */

/* What all workers recorded, added up. */
struct totals {
	int64_t blocks[ROWS], requested[ROWS];
	int64_t counted_in, misuse;
	int64_t born_blocks, born_requested;   /* live and allocated (or resized) this round */
};

static void note_born(struct totals *t, const struct held *h, int round)
{
	if (h->p && h->round == round) {
		t->born_blocks++;
		t->born_requested += h->requested;
	}
}

static void add_up(const struct stress *st, int round, struct totals *t)
{
	memset(t, 0, sizeof *t);
	for (int i = 0; i < st->workers; i++) {
		const struct worker *w = &st->w[i];
		for (int row = 0; row < ROWS; row++) {
			t->blocks[row] += w->net_blocks[row];
			t->requested[row] += w->net_requested[row];
		}
		t->counted_in += w->counted_in;
		t->misuse += w->misuse;
		for (int k = 0; k < SLOTS; k++)
			note_born(t, &w->live[k], round);
		for (int k = 0; k < st->boxes[i].count; k++)
			note_born(t, &st->boxes[i].items[k], round);
		if (round == 0) {        /* the chains were made before the first pause */
			t->born_blocks += 2 * CHAIN;
			t->born_requested += w->chain_requested;
		}
	}
}

/* While every worker waits: the registry, the tracker's diff and sites are exactly theirs. */
static void check_pause(ms_tracker *tracker, int round, const struct totals *now,
			const struct totals *then)
{
	ms_sites *sites = ms_tracker_sites(tracker);    /* before the diff moves the checkpoint */
	assert_non_null(sites);
	int64_t site_blocks = 0, site_requested = 0;
	for (size_t i = 0; i < ms_sites_count(sites); i++) {
		site_blocks += ms_sites_row(sites, i)->blocks;
		site_requested += ms_sites_row(sites, i)->bytes[MS_REQUESTED];
	}
	ms_sites_free(sites);
	assert_i64_equal(site_blocks, now->born_blocks);
	assert_i64_equal(site_requested, now->born_requested);

	ms_summary *s = ms_summarize();
	ms_summary *d = ms_tracker_diff(tracker);
	assert_non_null(s);
	assert_non_null(d);
	int64_t blocks = 0, requested = 0;
	for (int row = 0; row < ROWS; row++) {
		int64_t b, q;
		ms_test_row_figures(s, row_names[row], &b, &q);
		assert_i64_equal(b, now->blocks[row]);
		assert_i64_equal(q, now->requested[row]);
		ms_test_row_figures(d, row_names[row], &b, &q);
		assert_i64_equal(b, now->blocks[row] - then->blocks[row]);
		assert_i64_equal(q, now->requested[row] - then->requested[row]);
		blocks += now->blocks[row];
		requested += now->requested[row];
	}
	ms_summary_free(d);
	ms_summary_free(s);

	ms_peak_reset();            /* no one allocates now, so the peaks restart exactly */
	struct ms_stats st = ms_stats();
	assert_i64_equal(st.all.blocks.current, blocks);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].current, requested);
	assert_i64_equal(st.all.blocks.peak, blocks);
	assert_i64_equal(st.all.blocks.total, now->counted_in);
	assert_i64_equal(st.misuse_count, now->misuse);
	assert_i64_equal(atomic_load(&reports), now->misuse);
	print_message("round %d: %" PRId64 " blocks live, %" PRId64 " born this round, %" PRId64
		      " bad calls so far\n", round, blocks, now->born_blocks, now->misuse);
}

static void run_stress(int workers)
{
	static struct stress st;
	memset(&st, 0, sizeof st);
	st.workers = workers;
	atomic_store(&reports, 0);
	ms_set_misuse_handler(count_report, NULL);      /* before any thread can misuse */
	assert_int_equal(pthread_barrier_init(&st.pause, NULL, (unsigned)workers + 1), 0);
	ms_tracker *tracker = ms_tracker_new();
	assert_non_null(tracker);
	pthread_t tid[MAX_WORKERS];
	for (int i = 0; i < workers; i++)     /* every box first: a worker hands to the next */
		assert_int_equal(pthread_mutex_init(&st.boxes[i].lock, NULL), 0);
	for (int i = 0; i < workers; i++) {
		st.w[i] = (struct worker){ .st = &st, .id = i, .rng = UINT64_C(0x57e55) + (uint64_t)i };
		assert_int_equal(pthread_create(&tid[i], NULL, worker_main, &st.w[i]), 0);
	}
	struct totals then, now;
	memset(&then, 0, sizeof then);
	for (int round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&st.pause);
		add_up(&st, round, &now);
		check_pause(tracker, round, &now, &then);
		then = now;
		pthread_barrier_wait(&st.pause);
	}
	for (int i = 0; i < workers; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&st.pause);
	ms_tracker_free(tracker);

	/* the leftovers, freed by main: blocks of every worker */
	for (int i = 0; i < workers; i++) {
		struct worker *w = &st.w[i];
		for (int k = 0; k < SLOTS; k++)
			if (w->live[k].p)
				do_free(w, &w->live[k]);
		for (int k = 0; k < st.boxes[i].count; k++)
			do_free(w, &st.boxes[i].items[k]);
		pthread_mutex_destroy(&st.boxes[i].lock);
		if (w->null_results || w->wrong_sizes || w->wrong_info || w->unsorted)
			print_error("worker %d: %" PRId64 " failed calls, %" PRId64 " wrong sizes, %"
				    PRId64 " wrong block infos, %" PRId64 " unsorted summaries\n", i,
				    w->null_results, w->wrong_sizes, w->wrong_info, w->unsorted);
		assert_i64_equal(w->null_results + w->wrong_sizes + w->wrong_info + w->unsorted, 0);
	}
	add_up(&st, -1, &now);
	for (int row = 0; row < ROWS; row++) {
		assert_i64_equal(now.blocks[row], 0);
		assert_i64_equal(now.requested[row], 0);
	}
	assert_nothing_counted();
	assert_i64_equal(ms_stats().misuse_count, now.misuse);
	ms_set_misuse_handler(NULL, NULL);
}

static void test_two_threads_every_call(void **state)
{
	(void)state;
	run_stress(2);
}

static void test_four_threads_every_call(void **state)
{
	(void)state;
	run_stress(4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_two_threads_every_call),
		ms_test(test_four_threads_every_call),
	};
	return cmocka_run_group_tests_name("stress", tests, NULL, NULL);
}
