/* test_property.c: a million seeded random calls checked against a shadow model of every row after each batch. */
#include "test_util.h"

struct tp_small {
	int a, b, c;
};
struct tp_node {
	struct tp_node *next;
	char *label;
	double weight;
};
static MS_TYPE_LEAF(tp_small_type, struct tp_small);
static MS_TYPE(tp_node_type, struct tp_node,
	       MS_PTR(struct tp_node, next, &tp_node_type),
	       MS_STRING(struct tp_node, label));

#define OPS 1000000
#define BATCH 10000
#define SLOTS 2048

/* The rows the model knows; tags come at two addresses each. */
enum { R_SMALL, R_NODE, R_INT, R_CHAR, R_BYTES, R_TAG0, R_TAG1, R_TAG2, NROWS };
static const char *const row_names[NROWS] = {
	"struct tp_small", "struct tp_node", "int", "char", "bytes",
	"tp tag 0", "tp tag 1", "tp tag 2",
};
static char tag_copies[3][16] = { "tp tag 0", "tp tag 1", "tp tag 2" };

static uint64_t rng_state;

static uint64_t next_random(void)
{
	return ms_test_splitmix64(&rng_state);
}

static size_t element_size(int row)
{
	switch (row) {
	case R_SMALL: return sizeof(struct tp_small);
	case R_NODE: return sizeof(struct tp_node);
	case R_INT: return sizeof(int);
	default: return 1;
	}
}

struct slot {
	unsigned char *p;
	int row;
	size_t count;
	unsigned char fill;
};

struct model {
	int64_t blocks[NROWS];
	int64_t requested[NROWS];
};

static struct slot slots[SLOTS];
static struct model model;
static int64_t content_errors, null_returns, info_errors;

static size_t random_count(uint64_t r)
{
	/* mostly small, now and then up to 4 KiB elements */
	return (r & 63) == 0 ? (size_t)((r >> 8) % 4097) : (size_t)((r >> 8) % 65);
}

static void mark(struct slot *s)
{
	size_t bytes = s->count * element_size(s->row);
	if (bytes) {
		s->p[0] = s->fill;
		s->p[bytes - 1] = s->fill;
	}
}

static void check_marks(const struct slot *s)
{
	size_t bytes = s->count * element_size(s->row);
	if (bytes && (s->p[0] != s->fill || s->p[bytes - 1] != s->fill))
		content_errors++;
}

static void do_create(struct slot *s, uint64_t r)
{
	size_t count = random_count(r >> 16);
	unsigned kind = (unsigned)(r >> 4) % 8;
	int row;
	unsigned char *p;
	switch (kind) {
	case 0: row = R_SMALL; p = ms_alloc(&tp_small_type, count); break;
	case 1: row = R_NODE; p = ms_calloc(&tp_node_type, count); break;
	case 2: row = R_INT; p = ms_alloc(&ms_type_int, count); break;
	case 3: row = R_BYTES; p = ms_calloc(&ms_type_bytes, count); break;
	case 4: {
		/* strdup: a string of count % 50 letters */
		char text[64];
		size_t len = count % 50;
		memset(text, 'a' + (int)(r % 26), len);
		text[len] = '\0';
		row = R_CHAR;
		p = (unsigned char *)ms_strdup(text);
		count = len + 1;
		if (p && strcmp((char *)p, text) != 0)
			content_errors++;
		break;
	}
	default: {
		int t = (int)((r >> 12) % 3);
		const char *tag = (r >> 20) & 1 ? tag_copies[t] : row_names[R_TAG0 + t];
		row = R_TAG0 + t;
		p = ms_alloc_bytes(count, tag);
		break;
	}
	}
	if (!p) {
		null_returns++;
		return;
	}
	if (kind == 1 || kind == 3) {   /* calloc: zeroed */
		size_t bytes = count * element_size(row);
		if (bytes && (p[0] != 0 || p[bytes - 1] != 0))
			content_errors++;
	}
	*s = (struct slot){ p, row, count, (unsigned char)(r >> 56) };
	mark(s);
	model.blocks[row]++;
	model.requested[row] += (int64_t)(count * element_size(row));
}

static void do_free(struct slot *s)
{
	check_marks(s);
	ms_free(s->p);
	model.blocks[s->row]--;
	model.requested[s->row] -= (int64_t)(s->count * element_size(s->row));
	s->p = NULL;
}

static void do_realloc(struct slot *s, uint64_t r)
{
	size_t count = random_count(r >> 16);
	size_t old_bytes = s->count * element_size(s->row);
	unsigned char *q = ms_realloc(s->p, count);
	if (!q) {
		null_returns++;
		return;
	}
	size_t bytes = count * element_size(s->row);
	if (old_bytes && bytes && q[0] != s->fill)
		content_errors++;
	model.requested[s->row] += (int64_t)bytes - (int64_t)old_bytes;
	s->p = q;
	s->count = count;
	mark(s);
}

static void do_info(const struct slot *s)
{
	struct ms_block_info info;
	if (ms_block_info(s->p, &info) != 0 || info.count != s->count ||
	    strcmp(info.type_name, row_names[s->row]) != 0 ||
	    info.bytes[MS_REQUESTED] != (int64_t)(s->count * element_size(s->row)) ||
	    info.bytes[MS_USABLE] < info.bytes[MS_REQUESTED])
		info_errors++;
}

/* The summary agrees with the model; the diff from the last batch agrees with the model's change. */
static void check_batch(const ms_summary *s, const ms_summary *prev, const struct model *then,
			long batch)
{
	size_t live_rows = 0;
	int64_t blocks = 0, requested = 0;
	for (int r = 0; r < NROWS; r++) {
		int64_t b, q;
		const struct ms_summary_row *row = ms_test_row_figures(s, row_names[r], &b, &q);
		if (b != model.blocks[r] || q != model.requested[r])
			print_error("batch %ld, row %s: model %" PRId64 " blocks %" PRId64 " bytes\n",
				    batch, row_names[r], model.blocks[r], model.requested[r]);
		assert_i64_equal(b, model.blocks[r]);
		assert_i64_equal(q, model.requested[r]);
		if (row) {
			assert_gauges_sane(&row->g);
			assert_i64_ge(row->g.bytes[MS_USABLE].current, q);
			assert_i64_ge(row->g.bytes[MS_USABLE].current, b);   /* at least 1 each */
			const char *why;   /* a replaced malloc has no chunk header */
			if (ms_test_glibc_malloc(&why))
				assert_i64_gt(row->g.bytes[MS_FOOTPRINT].current,
					      row->g.bytes[MS_USABLE].current);
			else
				assert_i64_equal(row->g.bytes[MS_FOOTPRINT].current,
						 row->g.bytes[MS_USABLE].current);
		}
		live_rows += model.blocks[r] > 0;
		blocks += model.blocks[r];
		requested += model.requested[r];
	}
	/* no rows the model does not know */
	assert_int_equal(ms_summary_count(s), live_rows);
	assert_summary_sorted(s);
	struct ms_stats st = ms_stats();
	assert_gauges_sane(&st.all);
	assert_i64_equal(st.all.blocks.current, blocks);
	assert_i64_equal(st.all.bytes[MS_REQUESTED].current, requested);
	assert_i64_equal(ms_live_blocks(), blocks);

	if (!prev)
		return;
	ms_summary *d = ms_summary_diff(prev, s);
	assert_non_null(d);
	size_t changed = 0;
	for (int r = 0; r < NROWS; r++) {
		int64_t db = model.blocks[r] - then->blocks[r];
		int64_t dq = model.requested[r] - then->requested[r];
		const struct ms_summary_row *row = ms_summary_find(d, row_names[r]);
		if (db || dq) {
			changed++;
			assert_non_null(row);
		}
		if (row) {
			assert_i64_equal(row->g.blocks.current, db);
			assert_i64_equal(row->g.bytes[MS_REQUESTED].current, dq);
		}
	}
	/* a row may also change in usable bytes alone, never otherwise */
	assert_true(ms_summary_count(d) >= changed);
	ms_summary_free(d);
}

static void test_random_operations_match_model(void **state)
{
	(void)state;
	uint64_t seed = UINT64_C(0x6d656d7374617473);   /* "memstats" */
	const char *env = getenv("MS_PROPERTY_SEED");
	if (env)
		seed = strtoull(env, NULL, 0);
	rng_state = seed;
	memset(slots, 0, sizeof slots);
	memset(&model, 0, sizeof model);
	content_errors = null_returns = info_errors = 0;
	print_message("seed 0x%016" PRIx64 " (set MS_PROPERTY_SEED to repeat another)\n", seed);

	ms_summary *prev = NULL;
	struct model then = model;
	int64_t ops = 0, frees = 0, reallocs = 0, creates = 0;
	for (long batch = 0; ops < OPS; batch++) {
		for (int i = 0; i < BATCH; i++, ops++) {
			uint64_t r = next_random();
			struct slot *s = &slots[r % SLOTS];
			if (!s->p) {
				do_create(s, r >> 11);
				creates++;
				continue;
			}
			unsigned action = (unsigned)(r >> 11) % 20;
			if (action < 9) {
				do_free(s);
				frees++;
			} else if (action < 17) {
				do_realloc(s, r >> 13);
				reallocs++;
			} else {
				do_info(s);
			}
		}
		ms_summary *s = ms_summarize();
		assert_non_null(s);
		check_batch(s, prev, &then, batch);
		assert_i64_equal(content_errors, 0);
		assert_i64_equal(null_returns, 0);
		assert_i64_equal(info_errors, 0);
		ms_summary_free(prev);
		prev = s;
		then = model;
	}
	ms_summary_free(prev);
	print_message("%" PRId64 " calls: %" PRId64 " creations, %" PRId64 " frees, %" PRId64
		      " reallocs\n", ops, creates, frees, reallocs);
	/* the run did what it says: a million calls, every kind well represented */
	assert_i64_ge(ops, OPS);
	assert_i64_gt(creates, OPS / 10);
	assert_i64_gt(frees, OPS / 10);
	assert_i64_gt(reallocs, OPS / 10);

	for (int i = 0; i < SLOTS; i++)
		if (slots[i].p)
			do_free(&slots[i]);
	assert_i64_equal(content_errors, 0);
	for (int r = 0; r < NROWS; r++) {
		assert_i64_equal(model.blocks[r], 0);
		assert_i64_equal(model.requested[r], 0);
	}
	assert_nothing_counted();
	struct ms_stats st = ms_stats();
	/* README: a realloc counts as one more block allocated */
	assert_i64_equal(st.all.blocks.total, creates + reallocs);
	assert_i64_equal(st.misuse_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_random_operations_match_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
