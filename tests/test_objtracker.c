/* test_objtracker.c: the object tracker (Pympler's ClassTracker): snapshots of tracked objects' flat and deep sizes, shared and freed objects, misuse, the printed summary and the data file. */
#define _GNU_SOURCE
#include "test_util.h"

/* ------------------------------------------------------------------ */
/* Described types                                                     */
/* ------------------------------------------------------------------ */

/* The tutorial's class: x, y and z, each an int array after multiply(n). */
struct to_point {
	int *x;
	size_t nx;
	int *y;
	size_t ny;
	int *z;
	size_t nz;
};
static MS_TYPE(to_point_type, struct to_point,
	       MS_ARRAY(struct to_point, x, nx, &ms_type_int),
	       MS_ARRAY(struct to_point, y, ny, &ms_type_int),
	       MS_ARRAY(struct to_point, z, nz, &ms_type_int));

/* An array of pointers to points: one root reaching several points, for a joint deep size. */
static MS_TYPE_POINTER(to_point_ptr_type, struct to_point *, &to_point_type);

#define INT_SIZE ((int64_t)sizeof(int))

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A point with no arrays yet (NULL, length 0). */
static struct to_point *to_new_point(void)
{
	struct to_point *p = ms_calloc(&to_point_type, 1);
	assert_non_null(p);
	return p;
}

/* A tracked array of `n` ints, each `value`. */
static int *to_ints(size_t n, int value)
{
	int *a = ms_alloc(&ms_type_int, n);
	assert_non_null(a);
	for (size_t i = 0; i < n; i++)
		a[i] = value;
	return a;
}

/* The tutorial's multiply(n): each of x, y, z becomes n copies of its first value (or 1, 2, 3). */
static void to_multiply(struct to_point *p, size_t n)
{
	int *fresh[3] = { to_ints(n, p->nx ? p->x[0] : 1), to_ints(n, p->ny ? p->y[0] : 2),
			  to_ints(n, p->nz ? p->z[0] : 3) };
	ms_free(p->x);
	ms_free(p->y);
	ms_free(p->z);
	p->x = fresh[0];
	p->y = fresh[1];
	p->z = fresh[2];
	p->nx = p->ny = p->nz = n;
}

/* Free a point and its arrays. */
static void to_free_point(struct to_point *p)
{
	ms_free(p->x);
	ms_free(p->y);
	ms_free(p->z);
	ms_free(p);
}

/* The block's size in `notion` as ms_block_info reports it (0 for NULL). */
static int64_t to_info(const void *p, enum ms_notion notion)
{
	return p ? ms_test_block_bytes(p, notion) : 0;
}

/* A point's arrays' sizes in `notion` (each array its own block). */
static int64_t to_arrays(const struct to_point *p, enum ms_notion notion)
{
	return to_info(p->x, notion) + to_info(p->y, notion) + to_info(p->z, notion);
}

/* A live block's allocation number. */
static uint64_t to_seq(const void *p)
{
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	return info.seq;
}

/* The sample of `object` in `snapshot`, failing the test if there is none. */
static const struct ms_objsample *to_sample_of(const ms_objtracker *ot, size_t snapshot,
					       size_t object, const char *file, int line)
{
	return ms_test_found(ms_objtracker_sample(ot, snapshot, object), file, line,
			     "no sample of object %zu in snapshot %zu\n", object, snapshot);
}
#define to_sample(ot, snapshot, object) to_sample_of((ot), (snapshot), (object), __FILE__, __LINE__)

/* The totals of `snapshot`, failing the test if there are none. */
static const struct ms_objsnapshot *to_totals_of(const ms_objtracker *ot, size_t snapshot,
						 const char *file, int line)
{
	return ms_test_found(ms_objtracker_totals(ot, snapshot), file, line,
			     "no totals for snapshot %zu\n", snapshot);
}
#define to_totals(ot, snapshot) to_totals_of((ot), (snapshot), __FILE__, __LINE__)

/* Two samples agree in alive and in every flat and deep size. */
static void to_samples_equal(const struct ms_objsample *a, const struct ms_objsample *b,
			     const char *file, int line)
{
	ms_test_i64_check(a->alive, b->alive, MS_TEST_EQ, "alive", "alive", file, line);
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		ms_test_i64_check(a->flat[n], b->flat[n], MS_TEST_EQ, "flat", "flat", file, line);
		ms_test_i64_check(a->deep[n], b->deep[n], MS_TEST_EQ, "deep", "deep", file, line);
	}
}
#define assert_samples_equal(a, b) to_samples_equal((a), (b), __FILE__, __LINE__)

/* Invariants of one snapshot: deep >= flat >= 0 everywhere; samples add up to the totals. */
static void to_snapshot_sane(const ms_objtracker *ot, size_t snapshot, const char *file, int line)
{
	const struct ms_objsnapshot *t = to_totals_of(ot, snapshot, file, line);
	int64_t flat[MS_NOTION_COUNT] = { 0 }, deep[MS_NOTION_COUNT] = { 0 };
	int64_t alive = 0;
	for (size_t j = 0; j < ms_objtracker_object_count(ot); j++) {
		const struct ms_objsample *s = ms_objtracker_sample(ot, snapshot, j);
		if (!s)
			continue;     /* tracked after this snapshot */
		ms_test_i64_check(s->alive == 0 || s->alive == 1, 1, MS_TEST_EQ, "alive is 0 or 1",
				  "1", file, line);
		alive += s->alive != 0;
		for (int n = 0; n < MS_NOTION_COUNT; n++) {
			ms_test_i64_check(s->flat[n], 0, MS_TEST_GE, "flat", "0", file, line);
			ms_test_i64_check(s->deep[n], 0, MS_TEST_GE, "deep", "0", file, line);
			if (s->alive) {
				ms_test_i64_check(s->deep[n], s->flat[n], MS_TEST_GE, "deep", "flat",
						  file, line);
			}
			flat[n] += s->flat[n];
			deep[n] += s->deep[n];
		}
	}
	ms_test_i64_check((int64_t)t->active, alive, MS_TEST_EQ, "totals.active", "samples alive",
			  file, line);
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		ms_test_i64_check(t->flat[n], flat[n], MS_TEST_EQ, "totals.flat", "sum of samples",
				  file, line);
		ms_test_i64_check(t->deep[n], deep[n], MS_TEST_EQ, "totals.deep", "sum of samples",
				  file, line);
		ms_test_i64_check(t->deep[n], t->flat[n], MS_TEST_GE, "totals.deep", "totals.flat",
				  file, line);
	}
	/* the notions are ordered: requested <= usable < footprint for a live block */
	ms_test_i64_check(t->deep[MS_USABLE], t->deep[MS_REQUESTED], MS_TEST_GE, "deep usable",
			  "deep requested", file, line);
	ms_test_i64_check(t->deep[MS_FOOTPRINT], t->deep[MS_USABLE], MS_TEST_GE, "deep footprint",
			  "deep usable", file, line);
}
#define assert_snapshot_sane(ot, snapshot) to_snapshot_sane((ot), (snapshot), __FILE__, __LINE__)

/* A gone object's sample: alive 0 and every size 0. */
static void to_sample_gone(const struct ms_objsample *s, const char *file, int line)
{
	ms_test_i64_check(s->alive, 0, MS_TEST_EQ, "alive", "0", file, line);
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		ms_test_i64_check(s->flat[n], 0, MS_TEST_EQ, "flat of a gone object", "0", file, line);
		ms_test_i64_check(s->deep[n], 0, MS_TEST_EQ, "deep of a gone object", "0", file, line);
	}
}
#define assert_sample_gone(s) to_sample_gone((s), __FILE__, __LINE__)

/* A snapshot taken while no misuse may be reported (a handler counts the reports). */
static void to_quiet_snapshot(ms_objtracker *ot, const char *label, const char *file, int line)
{
	struct ms_capture cap;
	ms_capture_start(&cap);
	int rc = ms_objtracker_snapshot(ot, label);
	ms_set_misuse_handler(NULL, NULL);
	ms_test_i64_check(rc, 0, MS_TEST_EQ, "ms_objtracker_snapshot", "0", file, line);
	if (cap.count != 0) {
		print_error("the snapshot reported misuse: %s\n", cap.message);
		_fail(file, line);
	}
}
#define take_snapshot(ot, label) to_quiet_snapshot((ot), (label), __FILE__, __LINE__)

/* Track `obj` and check the index it was given. */
static void to_track_as(ms_objtracker *ot, const void *obj, const char *name, int want,
			const char *file, int line)
{
	int got = ms_objtracker_track(ot, obj, name);
	ms_test_i64_check(got, want, MS_TEST_EQ, "ms_objtracker_track", "the next index", file, line);
}
#define track_as(ot, obj, name, want) to_track_as((ot), (obj), (name), (want), __FILE__, __LINE__)

/* The tracker's printers as ms_test_printers, for ms_test_printed and assert_write_fails. */
static int print_summary_to(FILE *out, void *tracker)
{
	return ms_objtracker_print_summary(tracker, out);
}

static int write_data_to(FILE *out, void *tracker)
{
	return ms_objtracker_write_data(tracker, out);
}

/* `text` is exactly `want`; on failure both are printed. */
static void to_text_is(const char *text, const char *want, const char *file, int line)
{
	if (strcmp(text, want) != 0) {
		print_error("got:\n%s\nexpected:\n%s\n", text, want);
		_fail(file, line);
	}
}
#define assert_text(text, want) to_text_is((text), (want), __FILE__, __LINE__)

/* Every line of a printed summary is 79 characters wide (Pympler's formats all add up to 79). */
static void to_lines_79(const char *text, const char *file, int line)
{
	int lines = 0;
	for (const char *at = text; *at; lines++) {
		const char *end = strchr(at, '\n');
		if (!end) {
			print_error("the summary's last line has no newline\n");
			_fail(file, line);
			return;
		}
		ms_test_i64_check(end - at, 79, MS_TEST_EQ, "line width", "79", file, line);
		at = end + 1;
	}
	ms_test_i64_check(lines, 2, MS_TEST_GE, "summary lines", "the two rules", file, line);
}
#define assert_lines_79(text) to_lines_79((text), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* Snapshots of untouched, growing and shared objects                  */
/* ------------------------------------------------------------------ */

/* Two snapshots of an object nobody touched agree in every field; the sizes are the blocks'. */
static void test_untouched_snapshots_equal(void **state)
{
	(void)state;
	struct to_point *p = to_new_point();
	to_multiply(p, 7);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	assert_int_equal(ms_objtracker_snapshot_count(ot), 0);
	assert_null(ms_objtracker_totals(ot, 0));

	track_as(ot, p, "point", 0);
	char label[16] = "first";
	take_snapshot(ot, label);
	strcpy(label, "XXXXX");          /* the label was copied */
	take_snapshot(ot, "second");
	assert_int_equal(ms_objtracker_snapshot_count(ot), 2);
	assert_snapshot_sane(ot, 0);
	assert_snapshot_sane(ot, 1);

	const struct ms_objsnapshot *t0 = to_totals(ot, 0), *t1 = to_totals(ot, 1);
	assert_string_equal(t0->label, "first");
	assert_string_equal(t1->label, "second");
	assert_samples_equal(to_sample(ot, 0, 0), to_sample(ot, 1, 0));
	assert_int_equal(t0->active, 1);
	assert_int_equal(t1->active, t0->active);
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		assert_i64_equal(t1->flat[n], t0->flat[n]);
		assert_i64_equal(t1->deep[n], t0->deep[n]);
	}

	/* then exact: flat is the block, deep the block and its three arrays */
	const struct ms_objsample *s = to_sample(ot, 1, 0);
	assert_int_equal(s->alive, 1);
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion n = (enum ms_notion)k;
		assert_i64_equal(s->flat[n], ms_sizeof_flat(p, n));
		assert_i64_equal(s->flat[n], to_info(p, n));
		assert_i64_equal(s->deep[n], to_info(p, n) + to_arrays(p, n));
		assert_i64_equal(s->deep[n], ms_sizeof_deep(p, n));
	}
	assert_i64_equal(s->flat[MS_REQUESTED], (int64_t)sizeof(struct to_point));
	assert_i64_equal(s->deep[MS_REQUESTED], (int64_t)sizeof(struct to_point) + 3 * 7 * INT_SIZE);

	ms_objtracker_free(ot);
	to_free_point(p);
}

/* Growing the arrays raises deep by exactly the new blocks' sizes; flat never moves. */
static void test_growth_adds_the_new_blocks(void **state)
{
	(void)state;
	static const size_t ns[] = { 0, 1, 2, 10, 100, 1000, 4096 };
	enum { STEPS = sizeof ns / sizeof ns[0] };
	struct to_point *p = to_new_point();
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	track_as(ot, p, "point", 0);
	take_snapshot(ot, "no arrays");

	int64_t arrays[STEPS + 1][MS_NOTION_COUNT] = { { 0 } };   /* row 0: no arrays yet */
	for (size_t i = 0; i < STEPS; i++) {
		to_multiply(p, ns[i]);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			arrays[i + 1][n] = to_arrays(p, (enum ms_notion)n);
		take_snapshot(ot, "grown");
	}
	/* growing in place: realloc each array to twice its length */
	size_t twice = 2 * ns[STEPS - 1];
	int **members[3] = { &p->x, &p->y, &p->z };
	for (int m = 0; m < 3; m++) {
		int *bigger = ms_realloc(*members[m], twice);
		assert_non_null(bigger);
		*members[m] = bigger;
	}
	p->nx = p->ny = p->nz = twice;
	take_snapshot(ot, "reallocated");
	assert_int_equal(ms_objtracker_snapshot_count(ot), STEPS + 2);

	/* invariants: every snapshot sane, flat the same in all, deep never below flat */
	const struct ms_objsample *first = to_sample(ot, 0, 0);
	for (size_t i = 0; i < STEPS + 2; i++) {
		assert_snapshot_sane(ot, i);
		const struct ms_objsample *s = to_sample(ot, i, 0);
		assert_int_equal(s->alive, 1);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			assert_i64_equal(s->flat[n], first->flat[n]);
		if (i > 0) {
			const struct ms_objsample *before = to_sample(ot, i - 1, 0);
			assert_i64_ge(s->deep[MS_REQUESTED], before->deep[MS_REQUESTED]);
		}
	}
	/* exact: no arrays, deep == flat; then flat plus the arrays' blocks, in every notion */
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		assert_i64_equal(first->flat[n], to_info(p, (enum ms_notion)n));
		assert_i64_equal(first->deep[n], first->flat[n]);
	}
	for (size_t i = 0; i < STEPS; i++) {
		const struct ms_objsample *s = to_sample(ot, i + 1, 0);
		const struct ms_objsample *before = to_sample(ot, i, 0);
		for (int n = 0; n < MS_NOTION_COUNT; n++) {
			assert_i64_equal(s->deep[n], first->flat[n] + arrays[i + 1][n]);
			assert_i64_equal(s->deep[n] - before->deep[n], arrays[i + 1][n] - arrays[i][n]);
		}
		/* exact here: requested grows by 3 * n ints over no arrays */
		assert_i64_equal(s->deep[MS_REQUESTED] - first->deep[MS_REQUESTED],
				 3 * (int64_t)ns[i] * INT_SIZE);
	}
	const struct ms_objsample *last = to_sample(ot, STEPS + 1, 0);
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion n = (enum ms_notion)k;
		assert_i64_equal(last->deep[n], to_info(p, n) + to_arrays(p, n));
	}
	assert_i64_equal(last->deep[MS_REQUESTED] - first->deep[MS_REQUESTED],
			 3 * (int64_t)twice * INT_SIZE);

	ms_objtracker_free(ot);
	to_free_point(p);
}

/* A block two tracked objects share is counted once, for the one tracked first. */
static void test_shared_block_counted_once(void **state)
{
	(void)state;
	struct to_point *a = to_new_point(), *b = to_new_point();
	int *shared = to_ints(64, 5);
	a->x = b->x = shared;
	a->nx = b->nx = 64;
	a->y = to_ints(10, 1);
	a->ny = 10;
	b->y = to_ints(20, 2);
	b->ny = 20;
	/* one root reaching both: the joint deep size is the container's deep minus its own block */
	struct to_point **both = ms_alloc(&to_point_ptr_type, 2);
	assert_non_null(both);
	both[0] = a;
	both[1] = b;

	ms_objtracker *ab = ms_objtracker_new(), *ba = ms_objtracker_new();
	assert_non_null(ab);
	assert_non_null(ba);
	track_as(ab, a, "a", 0);
	track_as(ab, b, "b", 1);
	track_as(ba, b, "b", 0);
	track_as(ba, a, "a", 1);
	take_snapshot(ab, "a first");
	take_snapshot(ba, "b first");
	assert_snapshot_sane(ab, 0);
	assert_snapshot_sane(ba, 0);

	const struct ms_objsample *ab_a = to_sample(ab, 0, 0), *ab_b = to_sample(ab, 0, 1);
	const struct ms_objsample *ba_b = to_sample(ba, 0, 0), *ba_a = to_sample(ba, 0, 1);
	const struct ms_objsnapshot *t_ab = to_totals(ab, 0), *t_ba = to_totals(ba, 0);
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion n = (enum ms_notion)k;
		int64_t joint = ms_sizeof_deep(both, n) - ms_sizeof_flat(both, n);
		/* invariants: the totals are the joint deep size whoever goes first */
		assert_i64_equal(t_ab->deep[n], joint);
		assert_i64_equal(t_ba->deep[n], joint);
		assert_i64_equal(ab_a->deep[n] + ab_b->deep[n], joint);
		assert_i64_lt(ab_b->deep[n], ms_sizeof_deep(b, n));
		assert_i64_equal(ab_a->deep[n], ms_sizeof_deep(a, n));
		assert_i64_equal(ba_b->deep[n], ms_sizeof_deep(b, n));
		/* exact: the shared array goes with the first object tracked */
		int64_t sh = to_info(shared, n);
		assert_i64_equal(ab_a->deep[n], to_info(a, n) + sh + to_info(a->y, n));
		assert_i64_equal(ab_b->deep[n], to_info(b, n) + to_info(b->y, n));
		assert_i64_equal(ba_b->deep[n], to_info(b, n) + sh + to_info(b->y, n));
		assert_i64_equal(ba_a->deep[n], to_info(a, n) + to_info(a->y, n));
		assert_i64_equal(joint, to_info(a, n) + to_info(b, n) + sh + to_info(a->y, n) +
					       to_info(b->y, n));
		/* flat is each object's own block, shared or not */
		assert_i64_equal(ab_a->flat[n], to_info(a, n));
		assert_i64_equal(ab_b->flat[n], to_info(b, n));
		assert_i64_equal(t_ab->flat[n], to_info(a, n) + to_info(b, n));
	}

	/*
	 * Reading of the header: "counted once, for the one tracked first" among
	 * the objects sized now; a freed object is not sized, so once `a` is gone
	 * the shared array goes to `b` (as Pympler moves the charge).
	 */
	ms_free(a->y);
	ms_free(a);
	both[0] = NULL;
	take_snapshot(ab, "a freed");
	assert_snapshot_sane(ab, 1);
	assert_sample_gone(to_sample(ab, 1, 0));
	const struct ms_objsample *b_alone = to_sample(ab, 1, 1);
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion n = (enum ms_notion)k;
		assert_i64_equal(b_alone->deep[n], ms_sizeof_deep(b, n));
		assert_i64_equal(b_alone->deep[n], to_info(b, n) + to_info(shared, n) +
							   to_info(b->y, n));
		assert_i64_equal(to_totals(ab, 1)->deep[n], b_alone->deep[n]);
	}
	assert_int_equal(to_totals(ab, 1)->active, 1);

	ms_objtracker_free(ab);
	ms_objtracker_free(ba);
	ms_free(both);
	to_free_point(b);     /* frees the shared array, once */
}

/* ------------------------------------------------------------------ */
/* Freed objects and late tracking                                     */
/* ------------------------------------------------------------------ */

/*
 * A freed object is gone: alive 0, sizes 0, never read. A new block of the
 * same type and size is allocated before the snapshot, so with glibc it
 * likely takes the freed address: the allocation number must tell them
 * apart. Under ASan (quarantine) the address is not reused, and any read
 * of the freed block would be reported as a use after free.
 */
static void test_freed_object_gone_never_read(void **state)
{
	(void)state;
	struct to_point *a = to_new_point(), *b = to_new_point();
	to_multiply(a, 100);
	to_multiply(b, 3);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	track_as(ot, a, "a", 0);
	track_as(ot, b, "b", 1);
	take_snapshot(ot, "both");
	const struct ms_objsample b0 = *to_sample(ot, 0, 1);    /* a copy: not relying on lifetimes */
	assert_int_equal(to_sample(ot, 0, 0)->alive, 1);
	assert_int_equal(to_totals(ot, 0)->active, 2);

	uint64_t a_seq = to_seq(a);
	uintptr_t a_address = (uintptr_t)a;
	ms_free(a->x);
	ms_free(a->y);
	ms_free(a->z);
	ms_free(a);                                 /* its block last: the next of its size */
	/* ms_alloc, not ms_calloc: glibc's calloc skips the cache the freed block went to */
	struct to_point *fresh = ms_alloc(&to_point_type, 1);    /* likely at a_address */
	assert_non_null(fresh);
	memset(fresh, 0, sizeof *fresh);
	to_multiply(fresh, 500);                    /* if it were sized, deep would show it */
	int reused = (uintptr_t)fresh == a_address;
	print_message("the new block %s the freed object's address\n",
		      reused ? "took" : "did not take");
	assert_true(to_seq(fresh) != a_seq);

	take_snapshot(ot, "a freed");    /* no misuse report: the freed block was not sized */
	assert_snapshot_sane(ot, 1);
	assert_sample_gone(to_sample(ot, 1, 0));
	assert_samples_equal(to_sample(ot, 1, 1), &b0);
	const struct ms_objsnapshot *t = to_totals(ot, 1);
	assert_int_equal(t->active, 1);
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		assert_i64_equal(t->flat[n], b0.flat[n]);
		assert_i64_equal(t->deep[n], b0.deep[n]);
	}
	/* the earlier snapshot is kept as it was */
	assert_int_equal(to_sample(ot, 0, 0)->alive, 1);
	assert_int_equal(to_totals(ot, 0)->active, 2);

	/* a snapshot taken after the new block is freed too: still gone */
	to_free_point(fresh);
	take_snapshot(ot, "fresh freed too");
	assert_sample_gone(to_sample(ot, 2, 0));
	assert_int_equal(to_totals(ot, 2)->active, 1);

	ms_objtracker_free(ot);
	to_free_point(b);
}

/*
 * ms_reset is refused (EBUSY) while any object tracker exists, even with
 * nothing live: a tracker knows its objects by allocation number, and a
 * reset would number the next block 1 again, so a new block at a freed
 * object's address could pass for it. The refused reset zeroes nothing,
 * and numbering goes on; once every tracker is freed, the reset works.
 */
static void test_reset_refused_while_tracking(void **state)
{
	(void)state;
	struct to_point *p = to_new_point();
	ms_objtracker *ot = ms_objtracker_new(), *other = ms_objtracker_new();
	assert_non_null(ot);
	assert_non_null(other);
	track_as(ot, p, "p", 0);
	take_snapshot(ot, "alive");
	uint64_t p_seq = to_seq(p);
	ms_free(p);
	struct ms_stats before = ms_stats();
	assert_i64_equal(before.all.blocks.current, 0);
	assert_i64_equal(before.all.blocks.total, 1);

	errno = 0;
	assert_i64_equal(ms_reset(), -1);
	assert_i64_equal(errno, EBUSY);
	struct ms_stats after = ms_stats();
	assert_gauges_equal(&after.all, &before.all);
	assert_i64_equal(after.misuse_count, before.misuse_count);

	/* the next block is numbered on, so the freed object stays gone */
	struct to_point *fresh = to_new_point();
	assert_true(to_seq(fresh) > p_seq);
	take_snapshot(ot, "freed");
	assert_sample_gone(to_sample(ot, 1, 0));
	ms_free(fresh);

	/* one tracker left is enough to refuse */
	ms_objtracker_free(ot);
	errno = 0;
	assert_i64_equal(ms_reset(), -1);
	assert_i64_equal(errno, EBUSY);
	assert_i64_equal(ms_stats().all.blocks.total, 2);

	ms_objtracker_free(other);
	assert_i64_equal(ms_reset(), 0);
	assert_i64_equal(ms_stats().all.blocks.total, 0);
}

/* A realloc that moves or renumbers a tracked object ends its tracking. */
static void test_realloc_ends_tracking(void **state)
{
	(void)state;
	struct to_point *p = to_new_point();
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	track_as(ot, p, "p", 0);
	take_snapshot(ot, "before");
	uint64_t seq = to_seq(p);
	uintptr_t address = (uintptr_t)p;
	struct to_point *q = ms_realloc(p, 2);
	assert_non_null(q);
	memset(&q[1], 0, sizeof q[1]);     /* the new element: no arrays */
	int moved_or_renumbered = (uintptr_t)q != address || to_seq(q) != seq;
	take_snapshot(ot, "after realloc");
	assert_snapshot_sane(ot, 1);
	if (moved_or_renumbered) {
		assert_sample_gone(to_sample(ot, 1, 0));
	} else {
		assert_int_equal(to_sample(ot, 1, 0)->alive, 1);
		assert_i64_equal(to_sample(ot, 1, 0)->flat[MS_REQUESTED], to_info(q, MS_REQUESTED));
	}
	ms_objtracker_free(ot);
	ms_free(q);
}

/* An object tracked after a snapshot has no sample in it; names are copied; indices count up. */
static void test_tracked_after_snapshot_has_no_sample(void **state)
{
	(void)state;
	struct to_point *a = to_new_point(), *b = to_new_point();
	to_multiply(b, 4);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	assert_int_equal(ms_objtracker_object_count(ot), 0);
	assert_null(ms_objtracker_object_name(ot, 0));
	char name[16] = "early";
	track_as(ot, a, name, 0);
	strcpy(name, "XXXXX");
	take_snapshot(ot, "one object");
	track_as(ot, b, "late", 1);
	take_snapshot(ot, "two objects");

	assert_int_equal(ms_objtracker_object_count(ot), 2);
	assert_string_equal(ms_objtracker_object_name(ot, 0), "early");
	assert_string_equal(ms_objtracker_object_name(ot, 1), "late");
	assert_null(ms_objtracker_object_name(ot, 2));
	assert_non_null(ms_objtracker_sample(ot, 0, 0));
	assert_null(ms_objtracker_sample(ot, 0, 1));        /* tracked after snapshot 0 */
	assert_non_null(ms_objtracker_sample(ot, 1, 1));
	assert_null(ms_objtracker_sample(ot, 1, 2));        /* no such object */
	assert_null(ms_objtracker_sample(ot, 2, 0));        /* no such snapshot */
	assert_null(ms_objtracker_totals(ot, 2));
	assert_snapshot_sane(ot, 0);
	assert_snapshot_sane(ot, 1);

	assert_int_equal(to_totals(ot, 0)->active, 1);
	assert_int_equal(to_totals(ot, 1)->active, 2);
	for (int k = 0; k < MS_NOTION_COUNT; k++) {
		enum ms_notion n = (enum ms_notion)k;
		assert_i64_equal(to_totals(ot, 0)->deep[n], to_info(a, n));
		assert_i64_equal(to_totals(ot, 1)->deep[n],
				 to_info(a, n) + to_info(b, n) + to_arrays(b, n));
	}

	ms_objtracker_free(ot);
	to_free_point(a);
	to_free_point(b);
}

/* A tracker with no objects, or no snapshots, still prints its rules and writes its header. */
static void test_empty_tracker(void **state)
{
	(void)state;
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	char *text = ms_test_printed(print_summary_to, ot);
	assert_text(text, "---- SUMMARY ------------------------------------------------------------------\n"
			  "-------------------------------------------------------------------------------\n");
	free(text);
	text = ms_test_printed(write_data_to, ot);
	assert_true(text[0] == '#');
	assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));   /* the header only */
	free(text);

	take_snapshot(ot, "empty");
	const struct ms_objsnapshot *t = to_totals(ot, 0);
	assert_int_equal(t->active, 0);
	for (int n = 0; n < MS_NOTION_COUNT; n++) {
		assert_i64_equal(t->flat[n], 0);
		assert_i64_equal(t->deep[n], 0);
	}
	text = ms_test_printed(print_summary_to, ot);
	assert_lines_79(text);
	assert_text(text, "---- SUMMARY ------------------------------------------------------------------\n"
			  "empty                                    active      0     B      average   pct\n"
			  "-------------------------------------------------------------------------------\n");
	free(text);
	ms_objtracker_free(ot);
	ms_objtracker_free(NULL);     /* a no-op */
}

/* ------------------------------------------------------------------ */
/* Misuse                                                              */
/* ------------------------------------------------------------------ */

/* Tracking a foreign, freed, interior or NULL pointer fails with EINVAL, reported at this line. */
static void test_track_not_live_refused(void **state)
{
	(void)state;
	struct ms_probe pr;
	int rc = 0;
	long on_stack[4] = { 0 };
	char *raw = malloc(64);
	assert_non_null(raw);
	struct to_point *live = to_new_point();
	struct to_point *gone = to_new_point();
	uintptr_t gone_address = (uintptr_t)gone;
	ms_free(gone);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	int64_t table = ms_stats().table_bytes;

	ms_probe(&pr, rc = ms_objtracker_track(ot, on_stack, "stack"));
	assert_probe(&pr, MS_MISUSE_NOT_LIVE, "ms_objtracker_track");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);

	ms_probe(&pr, rc = ms_objtracker_track(ot, raw, "raw malloc"));
	assert_probe(&pr, MS_MISUSE_NOT_LIVE, "ms_objtracker_track");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);

	/* a freed block: "not live" (the free ring may call it a use after free; same kind) */
	ms_probe(&pr, rc = ms_objtracker_track(ot, (const void *)gone_address, "freed"));
	assert_probe(&pr, MS_MISUSE_NOT_LIVE, "ms_objtracker_track");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);

	/* inside a live block: "interior pointer", or "not a live block" */
	ms_probe(&pr, rc = ms_objtracker_track(ot, (char *)live + 8, "interior"));
	assert_probe(&pr, pr.cap.kind == MS_MISUSE_NOT_LIVE ? MS_MISUSE_NOT_LIVE : MS_MISUSE_INTERIOR,
		     "ms_objtracker_track");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);

	/* NULL is not a live block's start either: "NULL argument" or "not a live block" */
	ms_probe(&pr, rc = ms_objtracker_track(ot, NULL, "null"));
	assert_probe(&pr, pr.cap.kind == MS_MISUSE_NULL ? MS_MISUSE_NULL : MS_MISUSE_NOT_LIVE,
		     "ms_objtracker_track");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);

	/* nothing was added: no object, no bookkeeping, and the next index is still 0 */
	assert_int_equal(ms_objtracker_object_count(ot), 0);
	assert_i64_equal(ms_stats().table_bytes, table);
	track_as(ot, live, "live", 0);
	take_snapshot(ot, "one");
	assert_int_equal(to_totals(ot, 0)->active, 1);

	ms_objtracker_free(ot);
	ms_free(live);
	free(raw);
}

/* NULL tracker, name or label: -1 with EINVAL, reported as a NULL argument at this line. */
static void test_null_arguments_refused(void **state)
{
	(void)state;
	struct ms_probe pr;
	int rc = 0;
	struct to_point *p = to_new_point();
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);

	ms_probe(&pr, rc = ms_objtracker_track(NULL, p, "p"));
	assert_probe(&pr, MS_MISUSE_NULL, "ms_objtracker_track");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);

	ms_probe(&pr, rc = ms_objtracker_track(ot, p, NULL));
	assert_probe(&pr, MS_MISUSE_NULL, "ms_objtracker_track");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);
	assert_int_equal(ms_objtracker_object_count(ot), 0);

	ms_probe(&pr, rc = ms_objtracker_snapshot(NULL, "label"));
	assert_probe(&pr, MS_MISUSE_NULL, "ms_objtracker_snapshot");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);

	ms_probe(&pr, rc = ms_objtracker_snapshot(ot, NULL));
	assert_probe(&pr, MS_MISUSE_NULL, "ms_objtracker_snapshot");
	assert_int_equal(rc, -1);
	assert_int_equal(pr.err, EINVAL);
	assert_int_equal(ms_objtracker_snapshot_count(ot), 0);

	/* the printers: -1 with EINVAL for a NULL tracker or stream */
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	assert_non_null(f);
	ms_test_printer *const printers[] = { print_summary_to, write_data_to };
	for (size_t i = 0; i < sizeof printers / sizeof printers[0]; i++) {
		errno = 0;
		assert_int_equal(printers[i](f, NULL), -1);
		assert_int_equal(errno, EINVAL);
		errno = 0;
		assert_int_equal(printers[i](NULL, ot), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(size, 0);      /* the refused calls wrote nothing */
	free(text);

	ms_objtracker_free(ot);
	ms_free(p);
}

/* ------------------------------------------------------------------ */
/* The printed summary and the data file                               */
/* ------------------------------------------------------------------ */

/*
 * Pympler's print_summary, pct of the tracked total, in requested bytes.
 * Tagged blocks, so every size is what was asked for on any platform:
 *   "node" 101 B and 200 B, "leaf" 50 B; "branch" 1200 B tracked later.
 * Snapshot "start": total 351 B; leaf 50*100/351 = 14.2 -> 14%, node
 *   301*100/351 = 85.7 -> 85% (truncated, so 99% in all); node's average
 *   301/2 = 150 (truncated); branch, not yet tracked, listed with 0 active.
 * Snapshot "after freeing the leaf": total 1501 B = 1.47 KB; branch 1200 B
 *   = 1.17 KB, 1200*100/1501 = 79.9 -> 79%; node 301*100/1501 = 20.05 ->
 *   20%; leaf freed, still listed: 0 active, 0 B, 0%.
 */
static void test_print_summary_exact(void **state)
{
	(void)state;
	char *node_a = ms_alloc_bytes(101, "to blob");
	char *leaf = ms_alloc_bytes(50, "to blob");
	char *node_b = ms_alloc_bytes(200, "to blob");
	char *branch = ms_alloc_bytes(1200, "to blob");
	assert_non_null(node_a);
	assert_non_null(leaf);
	assert_non_null(node_b);
	assert_non_null(branch);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	track_as(ot, node_a, "node", 0);
	track_as(ot, leaf, "leaf", 1);
	track_as(ot, node_b, "node", 2);
	take_snapshot(ot, "start");
	ms_free(leaf);
	track_as(ot, branch, "branch", 3);
	take_snapshot(ot, "after freeing the leaf");

	/* invariants before the text: the requested totals the lines are made of */
	assert_snapshot_sane(ot, 0);
	assert_snapshot_sane(ot, 1);
	assert_i64_equal(to_totals(ot, 0)->deep[MS_REQUESTED], 101 + 50 + 200);
	assert_i64_equal(to_totals(ot, 1)->deep[MS_REQUESTED], 101 + 200 + 1200);
	assert_int_equal(to_totals(ot, 1)->active, 3);

	char *text = ms_test_printed(print_summary_to, ot);
	assert_lines_79(text);
	assert_text(text,
		    "---- SUMMARY ------------------------------------------------------------------\n"
		    "start                                    active    351     B      average   pct\n"
		    "  branch                                      0      0     B      0     B    0%\n"
		    "  leaf                                        1     50     B     50     B   14%\n"
		    "  node                                        2    301     B    150     B   85%\n"
		    "after freeing the leaf                   active      1.47 KB      average   pct\n"
		    "  branch                                      1      1.17 KB      1.17 KB   79%\n"
		    "  leaf                                        0      0     B      0     B    0%\n"
		    "  node                                        2    301     B    150     B   20%\n"
		    "-------------------------------------------------------------------------------\n");
	free(text);

	ms_objtracker_free(ot);
	ms_free(node_a);
	ms_free(node_b);
	ms_free(branch);
}

/*
 * Pympler's trunc(): a label over 35 characters (a name over 33) is cut to
 * 32 (30) and "..." added; at exactly 35 (33) it is kept whole; an empty
 * label is blank. Names are sorted whole: the 34 m's before the 33 n's.
 */
static void test_print_summary_cuts_long_text(void **state)
{
	(void)state;
	char name33[34], name34[35], label35[36], label36[37];
	memset(name33, 'n', 33);
	name33[33] = '\0';
	memset(name34, 'm', 34);
	name34[34] = '\0';
	memset(label35, 'L', 35);
	label35[35] = '\0';
	memset(label36, 'K', 36);
	label36[36] = '\0';
	char *ten = ms_alloc_bytes(10, "to blob"), *thirty = ms_alloc_bytes(30, "to blob");
	assert_non_null(ten);
	assert_non_null(thirty);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	track_as(ot, ten, name33, 0);
	track_as(ot, thirty, name34, 1);
	take_snapshot(ot, label35);
	take_snapshot(ot, label36);
	take_snapshot(ot, "");
	assert_string_equal(to_totals(ot, 1)->label, label36);   /* kept whole; cut when printed */
	assert_string_equal(ms_objtracker_object_name(ot, 1), name34);

	char *text = ms_test_printed(print_summary_to, ot);
	assert_lines_79(text);
	assert_text(text,
		    "---- SUMMARY ------------------------------------------------------------------\n"
		    "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL      active     40     B      average   pct\n"
		    "  mmmmmmmmmmmmmmmmmmmmmmmmmmmmmm...           1     30     B     30     B   75%\n"
		    "  nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn           1     10     B     10     B   25%\n"
		    "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK...      active     40     B      average   pct\n"
		    "  mmmmmmmmmmmmmmmmmmmmmmmmmmmmmm...           1     30     B     30     B   75%\n"
		    "  nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn           1     10     B     10     B   25%\n"
		    "                                         active     40     B      average   pct\n"
		    "  mmmmmmmmmmmmmmmmmmmmmmmmmmmmmm...           1     30     B     30     B   75%\n"
		    "  nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn           1     10     B     10     B   25%\n"
		    "-------------------------------------------------------------------------------\n");
	free(text);

	ms_objtracker_free(ot);
	ms_free(ten);
	ms_free(thirty);
}

/* `count` copies of "\xc3\xa9" (U+00E9, one character in two bytes) into `buf`, then `tail`. */
static char *to_e_acute(char *buf, size_t count, const char *tail)
{
	for (size_t i = 0; i < count; i++)
		memcpy(buf + 2 * i, "\xc3\xa9", 2);
	strcpy(buf + 2 * count, tail);
	return buf;
}

/*
 * Names and labels print escaped, cut and padded by characters: a label
 * of 34 two-byte characters and "\x01" (38 columns escaped) is cut to 32
 * and "...", a name of 40 to 30 and "...", and a tab takes two columns.
 */
static void test_print_summary_escapes_names(void **state)
{
	(void)state;
	char long_name[81], long_label[80], e30[61], e32[65], want[2048];
	char *ten = ms_alloc_bytes(10, "to blob"), *thirty = ms_alloc_bytes(30, "to blob");
	assert_non_null(ten);
	assert_non_null(thirty);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	track_as(ot, ten, "to\tname", 0);
	track_as(ot, thirty, to_e_acute(long_name, 40, ""), 1);
	take_snapshot(ot, "snap\n");
	take_snapshot(ot, to_e_acute(long_label, 34, "\x01"));

	char *text = ms_test_printed(print_summary_to, ot);
	to_e_acute(e30, 30, "");
	to_e_acute(e32, 32, "");
	snprintf(want, sizeof want,
		 "---- SUMMARY ------------------------------------------------------------------\n"
		 "snap\\n                                   active     40     B      average   pct\n"
		 "  to\\tname                                    1     10     B     10     B   25%%\n"
		 "  %s...           1     30     B     30     B   75%%\n"
		 "%s...      active     40     B      average   pct\n"
		 "  to\\tname                                    1     10     B     10     B   25%%\n"
		 "  %s...           1     30     B     30     B   75%%\n"
		 "-------------------------------------------------------------------------------\n",
		 e30, e32, e30);
	assert_text(text, want);
	free(text);

	ms_objtracker_free(ot);
	ms_free(ten);
	ms_free(thirty);
}

/* Expected data-file row for the snapshot about to be taken: the sizes of `points`' live blocks. */
static void to_expect_row(char *row, size_t cap, size_t index, const char *label,
			  struct to_point *const *points, size_t count)
{
	int64_t flat = 0, deep[MS_NOTION_COUNT] = { 0 };
	size_t active = 0;
	for (size_t i = 0; i < count; i++) {
		if (!points[i])
			continue;
		active++;
		flat += to_info(points[i], MS_REQUESTED);
		for (int n = 0; n < MS_NOTION_COUNT; n++)
			deep[n] += to_info(points[i], (enum ms_notion)n) +
				   to_arrays(points[i], (enum ms_notion)n);
	}
	snprintf(row, cap, "%zu \"%s\" %zu %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", index,
		 label, active, flat, deep[MS_REQUESTED], deep[MS_USABLE], deep[MS_FOOTPRINT]);
}

/* The data file: a '#' line naming the seven columns, then one exact row per snapshot. */
static void test_write_data_rows(void **state)
{
	(void)state;
	struct to_point *pts[2] = { to_new_point(), to_new_point() };
	to_multiply(pts[0], 3);
	to_multiply(pts[1], 5);
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	track_as(ot, pts[0], "point", 0);
	track_as(ot, pts[1], "point", 1);

	char rows[3][256];
	to_expect_row(rows[0], sizeof rows[0], 0, "before multiply", pts, 2);
	take_snapshot(ot, "before multiply");
	to_multiply(pts[0], 1000);
	to_expect_row(rows[1], sizeof rows[1], 1, "after multiply(1000)", pts, 2);
	take_snapshot(ot, "after multiply(1000)");
	to_free_point(pts[1]);
	pts[1] = NULL;
	to_expect_row(rows[2], sizeof rows[2], 2, "one freed", pts, 2);
	take_snapshot(ot, "one freed");

	/* the requested columns follow from the operations alone */
	int64_t s = (int64_t)sizeof(struct to_point);
	assert_i64_equal(to_totals(ot, 0)->deep[MS_REQUESTED], 2 * s + 3 * (3 + 5) * INT_SIZE);
	assert_i64_equal(to_totals(ot, 1)->deep[MS_REQUESTED], 2 * s + 3 * (1000 + 5) * INT_SIZE);
	assert_i64_equal(to_totals(ot, 2)->deep[MS_REQUESTED], s + 3 * 1000 * INT_SIZE);

	char *text = ms_test_printed(write_data_to, ot);
	/* the header: one '#' line naming the seven columns */
	char *newline = strchr(text, '\n');
	assert_non_null(newline);
	assert_true(text[0] == '#');
	char header[256];
	assert_true(newline - text < (long)sizeof header);
	memcpy(header, text + 1, (size_t)(newline - text - 1));
	header[newline - text - 1] = '\0';
	int words = 0;
	for (char *w = strtok(header, " \t"); w; w = strtok(NULL, " \t"))
		words++;
	assert_int_equal(words, 7);
	for (const char *want = "label\0active\0requested\0usable\0footprint\0"; *want;
	     want += strlen(want) + 1) {
		if (!strstr(text, want) || strstr(text, want) > newline) {
			print_error("the header line does not name \"%s\"\n", want);
			fail();
		}
	}
	/* then the rows, exactly */
	char want[1024];
	snprintf(want, sizeof want, "%s%s%s", rows[0], rows[1], rows[2]);
	assert_text(newline + 1, want);
	free(text);

	ms_objtracker_free(ot);
	to_free_point(pts[0]);
}

/* The summary and the data file, written where writes fail, fail with the stream's errno. */
static void test_print_write_fails(void **state)
{
	(void)state;
	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	take_snapshot(ot, "nothing tracked");    /* still a line of text in each */
	assert_write_fails(print_summary_to, ot);
	assert_write_fails(write_data_to, ot);
	ms_objtracker_free(ot);
}

/* ------------------------------------------------------------------ */
/* Bookkeeping                                                         */
/* ------------------------------------------------------------------ */

/* The tracker's memory is bookkeeping: no gauge moves, and table_bytes comes back when it is freed. */
static void test_bookkeeping_returns(void **state)
{
	(void)state;
	struct to_point *p = to_new_point();
	to_multiply(p, 10);
	struct ms_stats before = ms_stats();

	ms_objtracker *ot = ms_objtracker_new();
	assert_non_null(ot);
	assert_i64_gt(ms_stats().table_bytes, before.table_bytes);
	for (int i = 0; i < 50; i++)      /* enough to grow the tracker's arrays */
		track_as(ot, p, "same object, many names", i);
	for (int i = 0; i < 20; i++)
		take_snapshot(ot, "a label long enough to be copied somewhere else");
	struct ms_stats during = ms_stats();
	assert_i64_gt(during.table_bytes, before.table_bytes);
	assert_i64_equal(during.bookkeeping_bytes - during.table_bytes,
			 before.bookkeeping_bytes - before.table_bytes);
	assert_gauges_equal(&during.all, &before.all);
	char *text = ms_test_printed(print_summary_to, ot);
	free(text);
	text = ms_test_printed(write_data_to, ot);
	free(text);

	ms_objtracker_free(ot);
	struct ms_stats after = ms_stats();
	assert_i64_equal(after.table_bytes, before.table_bytes);
	assert_i64_equal(after.bookkeeping_bytes, before.bookkeeping_bytes);
	assert_gauges_equal(&after.all, &before.all);
	/* the objects outlive their tracker */
	assert_i64_equal(to_info(p, MS_REQUESTED), (int64_t)sizeof(struct to_point));
	to_free_point(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_untouched_snapshots_equal),
		ms_test(test_growth_adds_the_new_blocks),
		ms_test(test_shared_block_counted_once),
		ms_test(test_freed_object_gone_never_read),
		ms_test(test_reset_refused_while_tracking),
		ms_test(test_realloc_ends_tracking),
		ms_test(test_tracked_after_snapshot_has_no_sample),
		ms_test(test_empty_tracker),
		ms_test(test_track_not_live_refused),
		ms_test(test_null_arguments_refused),
		ms_test(test_print_summary_exact),
		ms_test(test_print_summary_cuts_long_text),
		ms_test(test_print_summary_escapes_names),
		ms_test(test_write_data_rows),
		ms_test(test_print_write_fails),
		ms_test(test_bookkeeping_returns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
