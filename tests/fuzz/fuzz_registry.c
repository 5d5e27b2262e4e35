/* fuzz_registry.c: a libFuzzer target that reads its bytes as library calls, good and bad, and holds the registry to a shadow model after each one. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memstats.h"

/* ------------------------------------------------------------------ */
/* The types and rows the calls use                                    */
/* ------------------------------------------------------------------ */

/* A graph node: two node pointers, a string and an int array with its length. */
struct fz_node {
	struct fz_node *left, *right;
	char *label;
	int *values;
	size_t len;
};
static MS_TYPE(fz_node_type, struct fz_node,
	       MS_PTR(struct fz_node, left, &fz_node_type),
	       MS_PTR(struct fz_node, right, &fz_node_type),
	       MS_STRING(struct fz_node, label),
	       MS_ARRAY(struct fz_node, values, len, &ms_type_int));

struct fz_pair {
	int a, b;
};
static MS_TYPE_LEAF(fz_pair_type, struct fz_pair);

enum row { R_NODE, R_PAIR, R_INT, R_CHAR, R_BYTES, R_TAG0, R_TAG1, ROWS };
static const char *const row_names[ROWS] = {
	"struct fz_node", "struct fz_pair", "int", "char", "bytes", "fz tag 0", "fz tag 1",
};
/* Tag 0 also comes from a second address: a tag's text, not its address, is its row. */
static char tag0_copy[] = "fz tag 0";

static const ms_type *const row_types[ROWS] = {
	&fz_node_type, &fz_pair_type, &ms_type_int, &ms_type_char, &ms_type_bytes, NULL, NULL,
};

static size_t element_size(int row)
{
	return row_types[row] ? row_types[row]->size : 1;
}

/* ------------------------------------------------------------------ */
/* The shadow model                                                    */
/* ------------------------------------------------------------------ */

#define SLOTS 24
#define STALE 16
#define TRACKERS 2
#define OBJECTS 6

/* A live block as the model knows it. */
struct slot {
	unsigned char *p;     /* NULL: empty */
	int row;
	size_t count;         /* elements */
	uint64_t gen;         /* its allocation (or last realloc): a block's identity */
};

/* What is live per row, at some point. */
struct rows_then {
	int64_t blocks[ROWS], requested[ROWS];
};

struct tracker_model {
	ms_tracker *t;
	struct rows_then at;     /* live at the checkpoint */
	uint64_t gen;            /* allocations up to the checkpoint */
	int64_t peak_blocks, peak_requested;
};

static struct {
	struct slot slots[SLOTS];
	void *stale[STALE];       /* addresses freed or moved away from */
	unsigned stale_next;
	uint64_t gen;             /* allocations and reallocs so far */
	int64_t misuse;           /* reports expected so far */
	int64_t total_blocks;     /* blocks allocated so far, reallocs included */
	int64_t peak_blocks, peak_requested;
	ms_summary *saved;        /* a summary kept for a later diff */
	struct rows_then saved_rows;
	struct tracker_model trackers[TRACKERS];
	ms_objtracker *objects;
	uint64_t object_gens[OBJECTS];
	size_t object_count;
	void *raw;                /* a plain malloc block: foreign to memstats */
	FILE *sink;
	size_t op;                /* calls made in this input, for messages */
} m;

static _Alignas(16) unsigned char foreign_bytes[64];

/* Reports the library made: the handler counts them, the model predicts them. */
static int64_t reports;

static void count_report(const struct ms_misuse *misuse, void *context)
{
	(void)misuse;
	(void)context;
	reports++;
}

/* A broken expectation: say what and where, then abort so libFuzzer keeps the input. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz_registry: call %zu: ", m.op);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#define expect_eq(a, b)                                                                  \
	do {                                                                             \
		int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                            \
		if (a_ != b_)                                                            \
			fail("%s is %" PRId64 ", expected %s = %" PRId64, #a, a_, #b, b_); \
	} while (0)

static int64_t requested_of(const struct slot *s)
{
	return (int64_t)(s->count * element_size(s->row));
}

static void rows_now(struct rows_then *r)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; i < SLOTS; i++)
		if (m.slots[i].p) {
			r->blocks[m.slots[i].row]++;
			r->requested[m.slots[i].row] += requested_of(&m.slots[i]);
		}
}

static void live_totals(int64_t *blocks, int64_t *requested)
{
	struct rows_then r;
	rows_now(&r);
	*blocks = *requested = 0;
	for (int row = 0; row < ROWS; row++) {
		*blocks += r.blocks[row];
		*requested += r.requested[row];
	}
}

/* Peaks move only upwards, after each change: the program's and each tracker's. */
static void note_peaks(void)
{
	int64_t blocks, requested;
	live_totals(&blocks, &requested);
	if (blocks > m.peak_blocks)
		m.peak_blocks = blocks;
	if (requested > m.peak_requested)
		m.peak_requested = requested;
	for (int i = 0; i < TRACKERS; i++) {
		struct tracker_model *t = &m.trackers[i];
		if (t->t && blocks > t->peak_blocks)
			t->peak_blocks = blocks;
		if (t->t && requested > t->peak_requested)
			t->peak_requested = requested;
	}
}

static int slot_at(const void *p)
{
	for (int i = 0; i < SLOTS; i++)
		if (p && m.slots[i].p == p)
			return i;
	return -1;
}

static void remember_stale(void *p)
{
	m.stale[m.stale_next++ % STALE] = p;
}

/* Forget a slot's block, freed by the library just now. */
static void forget(struct slot *s)
{
	remember_stale(s->p);
	s->p = NULL;
}

/* ------------------------------------------------------------------ */
/* Deep sizing, as the model sees it                                   */
/* ------------------------------------------------------------------ */

enum reach { REACH_ROOT, REACH_PTR, REACH_ARRAY, REACH_STRING };

struct walk {
	const void *visited[SLOTS];
	size_t visited_count;
	int64_t bytes, blocks, shared, untracked, reports;
};

static bool visited(const struct walk *w, const void *p)
{
	for (size_t i = 0; i < w->visited_count; i++)
		if (w->visited[i] == p)
			return true;
	return false;
}

/*
 * Follow one reference as ms_sizeof_deep does: depth first, in field
 * order, each block once. `type` is what the field says it points at;
 * `len` an array field's length.
 */
static void walk_from(struct walk *w, const void *target, enum reach how, const ms_type *type,
		      size_t len)
{
	if (!target)
		return;
	int s = slot_at(target);
	if (s < 0) {
		w->untracked++;
		w->reports++;
		return;
	}
	if (visited(w, target)) {
		w->shared++;
		return;
	}
	const struct slot *b = &m.slots[s];
	const ms_type *row_type = row_types[b->row];
	const ms_type *walk_as = how == REACH_ROOT ? row_type : type;
	if ((how == REACH_PTR || how == REACH_ARRAY) && row_type && row_type != walk_as) {
		w->reports++;          /* a block of another described type: not counted */
		return;
	}
	w->visited[w->visited_count++] = target;
	w->bytes += requested_of(b);
	w->blocks++;
	if (how == REACH_STRING || !walk_as)
		return;
	size_t capacity = (size_t)requested_of(b) / walk_as->size;
	size_t count = how == REACH_ROOT ? capacity : how == REACH_PTR ? 1 : len;
	if (count > capacity) {
		w->reports++;          /* the field claims more elements than the block holds */
		count = capacity;
	}
	if (walk_as->field_count == 0)
		return;
	/* Only fz_node has fields; a tagged block walked as one holds zeros. */
	for (size_t e = 0; e < count; e++) {
		const struct fz_node *n = (const struct fz_node *)target + e;
		walk_from(w, n->left, REACH_PTR, &fz_node_type, 0);
		walk_from(w, n->right, REACH_PTR, &fz_node_type, 0);
		walk_from(w, n->label, REACH_STRING, NULL, 0);
		walk_from(w, n->values, REACH_ARRAY, &ms_type_int, n->len);
	}
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */
/* ------------------------------------------------------------------ */

/* A summary or diff has the rows `want` says, with those figures. */
static void expect_rows(const ms_summary *s, const struct rows_then *want, const char *what)
{
	size_t nonzero = 0;
	for (int row = 0; row < ROWS; row++) {
		const struct ms_summary_row *r = ms_summary_find(s, row_names[row]);
		int64_t blocks = r ? r->g.blocks.current : 0;
		int64_t requested = r ? r->g.bytes[MS_REQUESTED].current : 0;
		if (blocks != want->blocks[row] || requested != want->requested[row])
			fail("%s: row %s has %" PRId64 " blocks, %" PRId64 " bytes; the model "
			     "%" PRId64 ", %" PRId64, what, row_names[row], blocks, requested,
			     want->blocks[row], want->requested[row]);
		nonzero += want->blocks[row] || want->requested[row];
	}
	/* A diff may also hold rows changed in usable bytes alone; a summary, no other rows. */
	if (ms_summary_count(s) < nonzero)
		fail("%s: %zu rows, the model %zu", what, ms_summary_count(s), nonzero);
}

static void rows_minus(struct rows_then *d, const struct rows_then *then)
{
	for (int row = 0; row < ROWS; row++) {
		d->blocks[row] -= then->blocks[row];
		d->requested[row] -= then->requested[row];
	}
}

/* After every call: the registry, summed and by row, is the model. */
static void check_registry(void)
{
	int64_t blocks, requested;
	live_totals(&blocks, &requested);
	struct ms_stats st = ms_stats();
	expect_eq(reports, m.misuse);
	expect_eq(st.misuse_count, m.misuse);
	expect_eq(st.all.blocks.current, blocks);
	expect_eq(ms_live_blocks(), blocks);
	expect_eq(st.all.bytes[MS_REQUESTED].current, requested);
	expect_eq(st.all.blocks.total, m.total_blocks);
	expect_eq(st.all.blocks.peak, m.peak_blocks);
	expect_eq(st.all.bytes[MS_REQUESTED].peak, m.peak_requested);
	if (st.all.bytes[MS_USABLE].current < requested ||
	    st.all.bytes[MS_USABLE].current < blocks ||
	    st.all.bytes[MS_FOOTPRINT].current < st.all.bytes[MS_USABLE].current)
		fail("usable %" PRId64 " and footprint %" PRId64 " for %" PRId64 " blocks of %"
		     PRId64 " bytes", st.all.bytes[MS_USABLE].current,
		     st.all.bytes[MS_FOOTPRINT].current, blocks, requested);
	/* every block here is under 32 KiB (255 elements at most): a compact header each */
	expect_eq(st.header_bytes, 16 * blocks);

	ms_summary *s = ms_summarize();
	if (!s)
		fail("ms_summarize failed");
	struct rows_then want;
	rows_now(&want);
	expect_rows(s, &want, "summary");
	size_t live_rows = 0;
	for (int row = 0; row < ROWS; row++)
		live_rows += want.blocks[row] > 0;
	expect_eq(ms_summary_count(s), live_rows);
	ms_summary_free(s);
}

/* ------------------------------------------------------------------ */
/* Reading the input                                                   */
/* ------------------------------------------------------------------ */

struct input {
	const uint8_t *data;
	size_t size, at;
};

static uint8_t next(struct input *in)
{
	return in->at < in->size ? in->data[in->at++] : 0;
}

/* A live slot chosen by a byte (the first live one at or after it), or NULL. */
static struct slot *live_slot(uint8_t pick)
{
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &m.slots[(pick + i) % SLOTS];
		if (s->p)
			return s;
	}
	return NULL;
}

static struct slot *empty_slot(uint8_t pick)
{
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &m.slots[(pick + i) % SLOTS];
		if (!s->p)
			return s;
	}
	return NULL;
}

/* An address memstats did not hand out, or no longer owns, chosen by a byte. */
static void *bad_pointer(uint8_t pick, uint8_t offset)
{
	struct slot *s = live_slot(offset);
	switch (pick % 5) {
	case 0: return foreign_bytes;
	case 1: return foreign_bytes + 16;
	case 2: return m.raw;
	case 3: return m.stale[offset % STALE];       /* may be NULL, or live again */
	default:                                       /* inside a live block */
		if (!s || requested_of(s) < 2)
			return foreign_bytes + 32;
		return s->p + 1 + offset % (requested_of(s) - 1);
	}
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */
/* ------------------------------------------------------------------ */

/* Zero what the model will read or walk: all of it, for a block fresh from ms_alloc. */
static void zero_from(struct slot *s, size_t from_bytes)
{
	size_t bytes = (size_t)requested_of(s);
	if (bytes > from_bytes)
		memset(s->p + from_bytes, 0, bytes - from_bytes);
}

static void counted_in(struct slot *s)
{
	s->gen = ++m.gen;
	m.total_blocks++;
	note_peaks();
}

static void op_alloc(struct input *in)
{
	struct slot *s = empty_slot(next(in));
	uint8_t kind = next(in), size = next(in);
	if (!s)
		return;
	size_t count = size % 40;
	int row;
	void *p;
	switch (kind % 8) {
	case 0: row = R_NODE; count = 1 + size % 3; p = ms_calloc(&fz_node_type, count); break;
	case 1: row = R_PAIR; p = ms_alloc(&fz_pair_type, count); break;
	case 2: row = R_INT; p = ms_calloc(&ms_type_int, count); break;
	case 3: row = R_BYTES; p = ms_alloc(&ms_type_bytes, count); break;
	case 4: row = R_TAG0; p = ms_alloc_bytes(count, size & 1 ? tag0_copy : "fz tag 0"); break;
	case 5: row = R_TAG1; p = ms_alloc_bytes(count, "fz tag 1"); break;
	default: {
		char text[40];
		memset(text, 'a' + size % 26, count);
		text[count] = '\0';
		row = R_CHAR;
		p = ms_strdup(text);
		count++;
		if (p && strcmp(p, text) != 0)
			fail("ms_strdup copied \"%s\" as \"%s\"", text, (char *)p);
		break;
	}
	}
	if (!p)
		fail("allocating %zu of row %s failed", count, row_names[row]);
	*s = (struct slot){ p, row, count, 0 };
	if (row != R_CHAR)
		zero_from(s, 0);
	counted_in(s);
}

static void op_free(struct input *in)
{
	struct slot *s = live_slot(next(in));
	if (!s)
		return;
	ms_free(s->p);
	forget(s);
}

static void op_realloc(struct input *in)
{
	struct slot *s = live_slot(next(in));
	uint8_t size = next(in);
	if (!s)
		return;
	size_t count = s->row == R_NODE ? size % 4 : size % 48;
	size_t old_bytes = (size_t)requested_of(s);
	unsigned char *q = ms_realloc(s->p, count);
	if (!q)
		fail("ms_realloc to %zu failed", count);
	if (q != s->p)
		remember_stale(s->p);
	s->p = q;
	s->count = count;
	zero_from(s, old_bytes);
	counted_in(s);
}

/* Free, resize, size or track a pointer that is not a live block's start: reported, ignored. */
static void op_misuse(struct input *in)
{
	uint8_t what = next(in), pick = next(in), offset = next(in);
	void *bad = bad_pointer(pick, offset);
	int s = slot_at(bad);
	if (s >= 0 || !bad) {
		/* a stale address taken again by a new block, or none yet: it is a plain free */
		if (s >= 0) {
			ms_free(bad);
			forget(&m.slots[s]);
		}
		return;
	}
	errno = 0;
	switch (what % 9) {
	case 0: ms_free(bad); break;
	case 1:
		if (ms_realloc(bad, 3) || errno != EINVAL)
			fail("ms_realloc of a bad pointer did not fail with EINVAL");
		break;
	case 2:
		if (ms_sizeof_flat(bad, MS_REQUESTED) != -1)
			fail("ms_sizeof_flat of a bad pointer did not fail");
		break;
	case 3:
		if (ms_sizeof_deep(bad, MS_USABLE) != -1)
			fail("ms_sizeof_deep of a bad pointer did not fail");
		break;
	case 4:
		if (ms_realloc(NULL, 1) || errno != EINVAL)
			fail("ms_realloc(NULL) did not fail with EINVAL");
		break;
	case 5:
		if (ms_alloc(&fz_pair_type, SIZE_MAX / 4) || errno != ENOMEM)
			fail("an overflowing count did not fail with ENOMEM");
		break;
	case 6:
		if (ms_alloc_bytes(SIZE_MAX - 64, "fz tag 1") || errno != ENOMEM)
			fail("an impossible size did not fail with ENOMEM");
		break;
	case 7:
		if (ms_strdup(NULL) || errno != EINVAL)
			fail("ms_strdup(NULL) did not fail with EINVAL");
		break;
	default: {
		struct ms_block_info info;
		if (ms_block_info(bad, &info) != -1)
			fail("ms_block_info of a bad pointer did not fail");
		return;                 /* asking is not misuse: nothing reported */
	}
	}
	m.misuse++;
}

/* Point a field of a node at a block, a bad address or nothing. */
static void op_link(struct input *in)
{
	uint8_t from = next(in), field = next(in), pick = next(in), to = next(in);
	struct slot *s = live_slot(from);
	if (!s || s->row != R_NODE || s->count == 0)
		return;
	struct fz_node *n = (struct fz_node *)s->p + field / 4 % s->count;
	void *target = NULL;
	if (pick % 4 == 1) {
		struct slot *t = live_slot(to);
		target = t ? t->p : NULL;
	} else if (pick % 4 == 2) {
		target = bad_pointer(to, pick);
	}
	switch (field % 4) {
	case 0: n->left = target; break;
	case 1: n->right = target; break;
	case 2: n->label = target; break;
	default: n->values = target; n->len = to % 12; break;
	}
}

static void op_deep(struct input *in)
{
	struct slot *s = live_slot(next(in));
	uint8_t detail = next(in);
	if (!s)
		return;
	struct walk w = { .visited_count = 0 };
	walk_from(&w, s->p, REACH_ROOT, NULL, 0);
	struct ms_deep found;
	int64_t bytes = ms_sizeof_deep_found(s->p, MS_REQUESTED, &found);
	expect_eq(bytes, w.bytes);
	expect_eq(found.blocks, w.blocks);
	expect_eq(found.shared, w.shared);
	expect_eq(found.untracked, w.untracked);
	expect_eq(ms_sizeof_flat(s->p, MS_REQUESTED), requested_of(s));
	m.misuse += w.reports;
	struct ms_sized *tree = ms_sized(s->p, detail % 4, MS_REQUESTED);
	if (!tree)
		fail("ms_sized failed");
	m.misuse += w.reports;
	expect_eq(tree->size, w.bytes);
	expect_eq(tree->totals.blocks, w.blocks);
	expect_eq(tree->totals.shared, w.shared);
	if (ms_sized_print(tree, m.sink) != 0)
		fail("ms_sized_print failed");
	ms_sized_free(tree);
}

static void op_info(struct input *in)
{
	struct slot *s = live_slot(next(in));
	if (!s)
		return;
	struct ms_block_info info;
	if (ms_block_info(s->p, &info) != 0)
		fail("ms_block_info of a live block failed");
	if (strcmp(info.type_name, row_names[s->row]) != 0)
		fail("the block's row is %s, the model's %s", info.type_name, row_names[s->row]);
	expect_eq(info.count, s->count);
	expect_eq(info.bytes[MS_REQUESTED], requested_of(s));
	expect_eq(info.seq, s->gen);
}

static void op_save_summary(void)
{
	ms_summary_free(m.saved);
	m.saved = ms_summarize();
	if (!m.saved)
		fail("ms_summarize failed");
	rows_now(&m.saved_rows);
}

static void op_diff(void)
{
	if (!m.saved)
		return;
	ms_summary *now = ms_summarize();
	ms_summary *d = now ? ms_summary_diff(m.saved, now) : NULL;
	if (!d)
		fail("ms_summary_diff failed");
	struct rows_then want;
	rows_now(&want);
	rows_minus(&want, &m.saved_rows);
	expect_rows(d, &want, "diff");
	ms_summary_free(d);
	ms_summary_free(now);
}

/* The model's side of a checkpoint: what is live now, and the peak starts here. */
static void checkpoint(struct tracker_model *t)
{
	rows_now(&t->at);
	t->gen = m.gen;
	live_totals(&t->peak_blocks, &t->peak_requested);
}

static void op_tracker(struct input *in)
{
	uint8_t what = next(in);
	struct tracker_model *t = &m.trackers[what / 8 % TRACKERS];
	if (!t->t) {
		t->t = ms_tracker_new();
		if (!t->t)
			fail("ms_tracker_new failed");
		checkpoint(t);
		return;
	}
	switch (what % 5) {
	case 0: {
		ms_summary *d = ms_tracker_diff(t->t);
		if (!d)
			fail("ms_tracker_diff failed");
		struct rows_then want;
		rows_now(&want);
		rows_minus(&want, &t->at);
		expect_rows(d, &want, "tracker diff");
		ms_summary_free(d);
		checkpoint(t);
		break;
	}
	case 1: {
		ms_sites *sites = ms_tracker_sites(t->t);
		if (!sites)
			fail("ms_tracker_sites failed");
		int64_t blocks = 0, requested = 0, want_blocks = 0, want_requested = 0;
		for (size_t i = 0; i < ms_sites_count(sites); i++) {
			const struct ms_site_row *r = ms_sites_row(sites, i);
			if (strcmp(r->file, "fuzz_registry.c") != 0)
				fail("a site in %s", r->file);
			blocks += r->blocks;
			requested += r->bytes[MS_REQUESTED];
		}
		for (int i = 0; i < SLOTS; i++)
			if (m.slots[i].p && m.slots[i].gen > t->gen) {
				want_blocks++;
				want_requested += requested_of(&m.slots[i]);
			}
		expect_eq(blocks, want_blocks);
		expect_eq(requested, want_requested);
		if (ms_sites_print(sites, m.sink, NULL) != 0)
			fail("ms_sites_print failed");
		ms_sites_free(sites);
		break;
	}
	case 2: {
		struct ms_tracker_peak peak = ms_tracker_peak(t->t);
		expect_eq(peak.blocks, t->peak_blocks);
		expect_eq(peak.bytes[MS_REQUESTED], t->peak_requested);
		break;
	}
	case 3:
		if (ms_tracker_print_diff(t->t, m.sink) != 0)
			fail("ms_tracker_print_diff failed");
		checkpoint(t);
		break;
	default:
		ms_tracker_free(t->t);
		t->t = NULL;
		break;
	}
}

static void op_peak_reset(void)
{
	ms_peak_reset();
	live_totals(&m.peak_blocks, &m.peak_requested);
}

/* Track a block, or snapshot every tracked one and hold the totals to the model's walk. */
static void op_objects(struct input *in)
{
	uint8_t what = next(in), pick = next(in);
	if (!m.objects) {
		m.objects = ms_objtracker_new();
		if (!m.objects)
			fail("ms_objtracker_new failed");
		return;
	}
	struct slot *s = live_slot(pick);
	if (what % 3 == 0 && s && m.object_count < OBJECTS) {
		if (ms_objtracker_track(m.objects, s->p, row_names[s->row]) != (int)m.object_count)
			fail("ms_objtracker_track did not number the object %zu", m.object_count);
		m.object_gens[m.object_count++] = s->gen;
		return;
	}
	if (what % 3 == 2) {
		ms_objtracker_free(m.objects);
		m.objects = NULL;
		m.object_count = 0;
		return;
	}
	/* One walk over the live objects in tracking order, each block counted once. */
	struct walk w = { .visited_count = 0 };
	size_t active = 0;
	int64_t flat = 0;
	for (size_t j = 0; j < m.object_count; j++)
		for (int i = 0; i < SLOTS; i++)
			if (m.slots[i].p && m.slots[i].gen == m.object_gens[j]) {
				active++;
				flat += requested_of(&m.slots[i]);
				walk_from(&w, m.slots[i].p, REACH_ROOT, NULL, 0);
			}
	size_t n = ms_objtracker_snapshot_count(m.objects);
	if (ms_objtracker_snapshot(m.objects, "fz") != 0)
		fail("ms_objtracker_snapshot failed");
	m.misuse += w.reports;
	const struct ms_objsnapshot *t = ms_objtracker_totals(m.objects, n);
	if (!t)
		fail("no totals for the snapshot just taken");
	expect_eq(t->active, active);
	expect_eq(t->flat[MS_REQUESTED], flat);
	expect_eq(t->deep[MS_REQUESTED], w.bytes);
	if (ms_objtracker_print_summary(m.objects, m.sink) != 0)
		fail("ms_objtracker_print_summary failed");
}

/* ------------------------------------------------------------------ */
/* One input                                                           */
/* ------------------------------------------------------------------ */

static void start_input(void)
{
	if (ms_reset() != 0)
		fail("ms_reset failed: the last input left something live");
	ms_set_misuse_handler(count_report, NULL);
	reports = 0;
	FILE *sink = m.sink;
	memset(&m, 0, sizeof m);
	m.sink = sink ? sink : fopen("/dev/null", "w");
	m.raw = malloc(48);
	if (!m.sink || !m.raw)
		fail("no /dev/null or no memory for the test itself");
}

/* Free everything the input made; the registry must then be empty. */
static void end_input(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (m.slots[i].p) {
			ms_free(m.slots[i].p);
			m.slots[i].p = NULL;
		}
	for (int i = 0; i < TRACKERS; i++)
		ms_tracker_free(m.trackers[i].t);
	ms_objtracker_free(m.objects);
	ms_summary_free(m.saved);
	free(m.raw);
	m.raw = NULL;
	struct ms_stats st = ms_stats();
	expect_eq(st.all.blocks.current, 0);
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		expect_eq(st.all.bytes[n].current, 0);
	expect_eq(st.misuse_count, m.misuse);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	start_input();
	while (in.at < in.size) {
		uint8_t op = next(&in);
		switch (op % 12) {
		case 0: case 1: op_alloc(&in); break;
		case 2: op_free(&in); break;
		case 3: op_realloc(&in); break;
		case 4: op_misuse(&in); break;
		case 5: op_link(&in); break;
		case 6: op_deep(&in); break;
		case 7: op_info(&in); break;
		case 8: if (op & 16) op_save_summary(); else op_diff(); break;
		case 9: op_tracker(&in); break;
		case 10: op_objects(&in); break;
		default: op_peak_reset(); break;
		}
		m.op++;
		check_registry();
	}
	end_input();
	return 0;
}
