/* chapter5_growth.c: lesson 5, tracked-object growth: the tutorial's ClassTracker and multiply(1000), then a growth series. */
#include "chapter5_growth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chapters.h"
#include "lesson.h"
#include "lesson_code.h"
#include "memstats.h"

#ifdef BREAK_CHAR_X
/* x described as chars: its blocks are ints, so a deep walk refuses them. */
static MS_TYPE(test_class_type, struct test_class,
	       MS_ARRAY(struct test_class, x, len, &ms_type_char),
	       MS_ARRAY(struct test_class, y, len, &ms_type_int),
	       MS_ARRAY(struct test_class, z, len, &ms_type_int));
#else
/* lesson code: test_class_type */
static MS_TYPE(test_class_type, struct test_class,
	       MS_ARRAY(struct test_class, x, len, &ms_type_int),
	       MS_ARRAY(struct test_class, y, len, &ms_type_int),
	       MS_ARRAY(struct test_class, z, len, &ms_type_int));
/* end lesson code */
#endif

/* x, y and z, and the class's value for each, in that order. */
#define FIELDS 3
static const int class_values[FIELDS] = { CHAPTER5_CLASS_X, CHAPTER5_CLASS_Y, CHAPTER5_CLASS_Z };

/* The names the snapshot lesson tracks its two objects under. */
#define MULTIPLIED_NAME "my_class"
#define UNTOUCHED_NAME "untouched"

struct test_class *chapter5_test_class_new(void)
{
	return ms_calloc(&test_class_type, 1);
}

#ifdef BREAK_FREE_FIRST
/*
 * Each old array freed before its new one is made, and then read for the
 * value to copy: a read of freed memory, undefined behaviour.
 */
int chapter5_multiply(struct test_class *obj, size_t n)
{
	int **field[FIELDS] = { &obj->x, &obj->y, &obj->z };
	for (size_t f = 0; f < FIELDS; f++) {
		ms_free(*field[f]);
		int *copy = ms_alloc(&ms_type_int, n);
		if (!copy)
			return -1;
		int value = obj->len ? (*field[f])[0] : class_values[f];
		for (size_t i = 0; i < n; i++)
			copy[i] = value;
		*field[f] = copy;
	}
	obj->len = n;
	return 0;
}
#else
/* lesson code: multiply */
int chapter5_multiply(struct test_class *obj, size_t n)
{
	int **field[FIELDS] = { &obj->x, &obj->y, &obj->z };
	int *copies[FIELDS];
	/* Every new array first: a failure leaves the object as it was. */
	for (size_t f = 0; f < FIELDS; f++) {
		copies[f] = ms_alloc(&ms_type_int, n);
		if (!copies[f]) {
			int saved = errno;
			while (f-- > 0)
				ms_free(copies[f]);
			errno = saved;
			return -1;
		}
		int value = obj->len ? (*field[f])[0] : class_values[f];
		for (size_t i = 0; i < n; i++)
			copies[f][i] = value;
	}
	for (size_t f = 0; f < FIELDS; f++) {
		ms_free(*field[f]);
		*field[f] = copies[f];
	}
	obj->len = n;
	return 0;
}
/* end lesson code */
#endif

void chapter5_test_class_free(struct test_class *obj)
{
	if (!obj)
		return;
	ms_free(obj->x);
	ms_free(obj->y);
	ms_free(obj->z);
	ms_free(obj);
}

/* ------------------------------------------------------------------ */
/* The lesson                                                          */
/* ------------------------------------------------------------------ */

/* The class and its multiply, in C and beside Python's. */
static void show_class(struct lesson *lesson)
{
	lesson_subheading(lesson, "The tutorial's class in C");
	lesson_para(lesson,
		    "In Python, test_class has the class attributes x = %d, y = %d and "
		    "z = %d, and my_class.multiply(n) gives the instance an x, y and z "
		    "of its own: lists of n items. A C struct's fields keep one type for "
		    "life, so here x, y and z are int arrays from the start, with one "
		    "length between them. Until multiply they are NULL and the object's "
		    "values are the class's, as a Python instance falls back to its "
		    "class:",
		    CHAPTER5_CLASS_X, CHAPTER5_CLASS_Y, CHAPTER5_CLASS_Z);
	lesson_code(lesson, LESSON_CODE_test_class "\n" LESSON_CODE_test_class_type);
	lesson_para(lesson,
		    "multiply(obj, n) is self.x = [self.x] * n for x, y and z at once. "
		    "It makes all three new arrays before it frees an old one, so a "
		    "failed allocation leaves the object as it was:");
	lesson_code(lesson, LESSON_CODE_multiply);
	lesson_para(lesson,
		    "What \"copies\" means differs. [self.x] * n is a list of n "
		    "references, every one to the same int object: Python copies the "
		    "reference and never the int. In C, copies[f][i] = value copies the int "
		    "itself, n times, %zu bytes each, with no object behind it. For a "
		    "small value that is the cheaper way: %d ints take %zu bytes, where "
		    "Python's list of %d references takes 56 + 8 x %d = %d and points at "
		    "one int of 32 more. For a large element, copies by value cost n "
		    "times the element; C can share too, with an array of pointers to one "
		    "object, as chapter 2's variant (b) did.",
		    sizeof(int), CHAPTER5_MULTIPLY_N, CHAPTER5_MULTIPLY_N * sizeof(int),
		    CHAPTER5_MULTIPLY_N, CHAPTER5_MULTIPLY_N, 56 + 8 * CHAPTER5_MULTIPLY_N);
}

/* What the snapshot lesson measures: its tracker, and my_class's tree in each state. */
struct two_states {
	ms_objtracker *tracker;
	struct ms_sized *before, *after;
};

/*
 * Track my_class and an untouched twin, snapshot, multiply my_class,
 * snapshot again; size my_class's tree in each state. 0, or -1 if out of
 * memory. Both objects are freed; `states` holds what was measured.
 */
static int take_two_snapshots(struct two_states *states, const char *after_label)
{
	struct test_class *my_class = chapter5_test_class_new();
	struct test_class *untouched = chapter5_test_class_new();
	ms_objtracker *tracker = ms_objtracker_new();
	*states = (struct two_states){ tracker, NULL, NULL };
	/* lesson code: two_snapshots */
	int ok = my_class && untouched && tracker &&
		 ms_objtracker_track(tracker, my_class, MULTIPLIED_NAME) >= 0 &&
		 ms_objtracker_track(tracker, untouched, UNTOUCHED_NAME) >= 0 &&
		 ms_objtracker_snapshot(tracker, "before multiply") == 0 &&
		 (states->before = ms_sized(my_class, 1, MS_REQUESTED)) != NULL &&
		 chapter5_multiply(my_class, CHAPTER5_MULTIPLY_N) == 0 &&
		 ms_objtracker_snapshot(tracker, after_label) == 0 &&
		 (states->after = ms_sized(my_class, 1, MS_REQUESTED)) != NULL;
	/* end lesson code */
	chapter5_test_class_free(untouched);
	chapter5_test_class_free(my_class);
	return ok ? 0 : -1;
}

/* Release what take_two_snapshots measured; what it could not make is NULL, a no-op. */
static void free_two_states(struct two_states *states)
{
	ms_sized_free(states->after);
	ms_sized_free(states->before);
	ms_objtracker_free(states->tracker);
}

/* The deep size in requested bytes of tracked object `object` in snapshot `snapshot`. */
static int64_t deep_requested(const ms_objtracker *tracker, size_t snapshot, size_t object)
{
	return ms_objtracker_sample(tracker, snapshot, object)->deep[MS_REQUESTED];
}

/* "x", "x and y", "x, y and z": `count` names as a sentence lists them, into `text`. */
static const char *join_names(const char *const *names, size_t count, char *text, size_t size)
{
	size_t used = 0;
	text[0] = '\0';
	for (size_t i = 0; i < count && used < size; i++)
		used += (size_t)snprintf(text + used, size - used, "%s%s",
					 i == 0 ? "" : i + 1 == count ? " and " : ", ", names[i]);
	return text;
}

/* A count as the prose words it, "three ints": "one" to "nine", else digits in `text`. */
static const char *count_word(int64_t count, char *text, size_t size)
{
	static const char *const words[] = { "no",   "one",  "two", "three", "four",
					     "five", "six", "seven", "eight", "nine" };
	if (count >= 0 && count < (int64_t)(sizeof words / sizeof words[0]))
		return words[count];
	snprintf(text, size, "%" PRId64, count);
	return text;
}

/*
 * What the deep size of `after`, my_class after multiply(n), is made of,
 * as ": 32 + 3 x 1000 x 4": its struct, and the whole arrays of n ints
 * the walk counted. "" when the bytes past the struct are not whole arrays.
 */
static const char *grown_sum(const struct ms_sized *after, size_t n, char *text, size_t size)
{
	int64_t array = (int64_t)(n * sizeof(int));
	int64_t past_struct = after->size - after->flat;
	text[0] = '\0';
	if (past_struct % array == 0)
		snprintf(text, size, ": %" PRId64 " + %" PRId64 " x %zu x %zu", after->flat,
			 past_struct / array, n, sizeof(int));
	return text;
}

/*
 * A snapshot's pct column added up: each object's share of the tracked
 * total, rounded down as the summary rounds it (each name here has one
 * object, so an object's share is its name's).
 */
static int pct_sum(const ms_objtracker *tracker, size_t snapshot)
{
	int64_t total = ms_objtracker_totals(tracker, snapshot)->deep[MS_REQUESTED];
	int sum = 0;
	for (size_t object = 0; total && object < ms_objtracker_object_count(tracker); object++)
		sum += (int)(deep_requested(tracker, snapshot, object) * 100 / total);
	return sum;
}

/*
 * The sentence on the fields of `after`, my_class after multiply(n), into
 * `text`: those that lead to an array of n ints counted whole, and those
 * the walk left out because their block is not of the type described.
 */
static const char *fields_sentence(const struct ms_sized *after, size_t n, char *text, size_t size)
{
	const char *counted[FIELDS], *refused[FIELDS];
	size_t counted_count = 0, refused_count = 0;
	int64_t array = (int64_t)(n * sizeof(int));
	for (size_t i = 0; i < after->child_count && i < FIELDS; i++) {
		const struct ms_sized *field = &after->children[i];
		if (field->mistyped)
			refused[refused_count++] = field->name;
		else if (field->size == array && field->flat == array)
			counted[counted_count++] = field->name;
	}
	if (counted_count == FIELDS) {
		snprintf(text, size,
			 "After, each field leads to an array of %zu ints, %" PRId64 " bytes, "
			 "counted whole.",
			 n, array);
		return text;
	}
	char counted_names[32], refused_names[32];
	snprintf(text, size,
		 "After, the walk counts %s whole, each an array of %zu ints, %" PRId64
		 " bytes; it leaves out %s, described as another type than its block's.",
		 join_names(counted, counted_count, counted_names, sizeof counted_names), n,
		 array, join_names(refused, refused_count, refused_names, sizeof refused_names));
	return text;
}

/* The tutorial's two snapshots around multiply(1000), the summary and the trees: 0, or -1. */
static int show_snapshots(struct lesson *lesson)
{
	char after_label[48];
	snprintf(after_label, sizeof after_label, "after multiply(%s, %d)", MULTIPLIED_NAME,
		 CHAPTER5_MULTIPLY_N);
	struct two_states states;
	if (take_two_snapshots(&states, after_label) != 0) {
		free_two_states(&states);
		return -1;
	}
	/* Objects are numbered in tracking order, snapshots in the order taken. */
	enum { MULTIPLIED, UNTOUCHED };
	enum { BEFORE, AFTER };
	const ms_objtracker *tracker = states.tracker;

	lesson_subheading(lesson, "Two snapshots around multiply(1000)");
	lesson_para(lesson,
		    "The tutorial tracks my_class, takes a snapshot, calls "
		    "my_class.multiply(%d), takes another and prints the summary. Here a "
		    "second object, never multiplied, is tracked beside it:",
		    CHAPTER5_MULTIPLY_N);
	lesson_code(lesson, LESSON_CODE_two_snapshots);
	lesson_para(lesson, "and prints the summary with ms_objtracker_print_summary(tracker, out):");
	lesson_objtracker_summary(lesson, tracker);
	int64_t untouched_before = deep_requested(tracker, BEFORE, UNTOUCHED);
	int64_t untouched_after = deep_requested(tracker, AFTER, UNTOUCHED);
	char sum[64], untouched[128];
	if (untouched_before == untouched_after)
		snprintf(untouched, sizeof untouched,
			 "untouched is %" PRId64 " bytes in both snapshots: an object nobody "
			 "changed sizes the same every time.",
			 untouched_after);
	else
		snprintf(untouched, sizeof untouched,
			 "untouched, which nobody changed, went from %" PRId64 " bytes to %" PRId64
			 ".",
			 untouched_before, untouched_after);
	lesson_para(lesson,
		    "Each snapshot has a header line, its label and the deep size of "
		    "everything tracked, then a line per name: active objects, their deep "
		    "size in requested bytes, the average and pct. my_class grew from "
		    "%" PRId64 " bytes, the struct alone, to %" PRId64 "%s. %s Pympler's "
		    "header shows 0 B where this one shows the tracked total, unless the "
		    "snapshot is taken with compute_total=True, and then it is the size of "
		    "every object in the process, tracked or not.",
		    deep_requested(tracker, BEFORE, MULTIPLIED),
		    deep_requested(tracker, AFTER, MULTIPLIED),
		    grown_sum(states.after, CHAPTER5_MULTIPLY_N, sum, sizeof sum), untouched);
	lesson_para(lesson,
		    "pct is each name's share of the snapshot's tracked total, rounded "
		    "down, so a snapshot's pct column adds up to about 100: %d and %d "
		    "here. Pympler divides by the size of the whole process instead, which "
		    "is why its summary reads 0%% for test_class (and has read 4363%% for "
		    "others).",
		    pct_sum(tracker, BEFORE), pct_sum(tracker, AFTER));

	lesson_subheading(lesson, "Each state by field");
	lesson_para(lesson,
		    "ms_sized(my_class, 1, MS_REQUESTED) in each state, the counterpart of "
		    "asized(my_class, detail=1). Before multiply:");
	lesson_sized(lesson, states.before);
	lesson_para(lesson, "After multiply(my_class, %d):", CHAPTER5_MULTIPLY_N);
	lesson_sized(lesson, states.after);
	char fields[192];
	lesson_para(lesson,
		    "Before, the struct's three pointers are NULL and there is nothing to "
		    "walk. %s Pympler's tree for the Python object reads size=24784: the "
		    "object's own 56 bytes, a __dict__ of 296, three lists of 8056 bytes "
		    "of references with one int of 32 each, and the three keys of 56.",
		    fields_sentence(states.after, CHAPTER5_MULTIPLY_N, fields, sizeof fields));
	free_two_states(&states);
	return 0;
}

/* Footprint over requested bytes in one snapshot of the growth series. */
static double footprint_ratio(const struct ms_objsnapshot *t)
{
	return (double)t->deep[MS_FOOTPRINT] / (double)t->deep[MS_REQUESTED];
}

/* The growth series as the lesson's two grids, requested and on this machine. */
static void show_growth_grids(struct lesson *lesson, const ms_objtracker *tracker)
{
	struct lesson_grid_row rows[1 + CHAPTER5_GROWTH_STEPS] = {
		{ { "n", "flat", "deep", "deep / n" } }
	};
	struct lesson_grid_row machine[1 + CHAPTER5_GROWTH_STEPS] = { { { "n" } } };
	for (int notion = 0; notion < MS_NOTION_COUNT; notion++)
		snprintf(machine[0].cell[1 + notion], LESSON_CELL_SIZE, "%s",
			 ms_notion_name((enum ms_notion)notion));
	snprintf(machine[0].cell[1 + MS_NOTION_COUNT], LESSON_CELL_SIZE, "%s / %s",
		 ms_notion_name(MS_FOOTPRINT), ms_notion_name(MS_REQUESTED));

	for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++) {
		const struct ms_objsnapshot *t = ms_objtracker_totals(tracker, step);
		size_t n = CHAPTER5_GROWTH_N(step);
		snprintf(rows[1 + step].cell[0], LESSON_CELL_SIZE, "%zu", n);
		snprintf(rows[1 + step].cell[1], LESSON_CELL_SIZE, "%" PRId64, t->flat[MS_REQUESTED]);
		snprintf(rows[1 + step].cell[2], LESSON_CELL_SIZE, "%" PRId64, t->deep[MS_REQUESTED]);
		snprintf(rows[1 + step].cell[3], LESSON_CELL_SIZE, "%.2f",
			 (double)t->deep[MS_REQUESTED] / (double)n);
		snprintf(machine[1 + step].cell[0], LESSON_CELL_SIZE, "%zu", n);
		for (int notion = 0; notion < MS_NOTION_COUNT; notion++)
			snprintf(machine[1 + step].cell[1 + notion], LESSON_CELL_SIZE, "%" PRId64,
				 t->deep[notion]);
		/* nothing requested, nothing to divide by: the tracked block is gone */
		if (t->deep[MS_REQUESTED])
			snprintf(machine[1 + step].cell[1 + MS_NOTION_COUNT], LESSON_CELL_SIZE,
				 "%.3f", footprint_ratio(t));
		else
			snprintf(machine[1 + step].cell[1 + MS_NOTION_COUNT], LESSON_CELL_SIZE,
				 "-");
	}
	lesson_grid(lesson, 4, 1 + CHAPTER5_GROWTH_STEPS, rows);
	lesson_machine_grid(lesson, "the same snapshots' deep size in each notion (bytes)",
			    2 + MS_NOTION_COUNT, 1 + CHAPTER5_GROWTH_STEPS, machine);
}

/* One row per snapshot: n, flat requested, and deep in every notion. */
static void write_growth_data(FILE *data, const ms_objtracker *tracker)
{
	char columns[128];
	int used = snprintf(columns, sizeof columns, "n flat_%s", ms_notion_name(MS_REQUESTED));
	for (int notion = 0; notion < MS_NOTION_COUNT; notion++)
		used += snprintf(columns + used, sizeof columns - (size_t)used, " deep_%s",
				 ms_notion_name((enum ms_notion)notion));
	lesson_data_begin(data, "chapter 5: obj after multiply(obj, n), one row per snapshot",
			  columns);
	for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++) {
		const struct ms_objsnapshot *t = ms_objtracker_totals(tracker, step);
		fprintf(data, "%zu %" PRId64, CHAPTER5_GROWTH_N(step), t->flat[MS_REQUESTED]);
		for (int notion = 0; notion < MS_NOTION_COUNT; notion++)
			fprintf(data, " %" PRId64, t->deep[notion]);
		fputc('\n', data);
	}
	lesson_data_end(data);
}

/* Whether every element of x, y and z still holds the class's value for its field. */
static bool class_values_kept(const struct test_class *obj)
{
	const int *const field[FIELDS] = { obj->x, obj->y, obj->z };
	for (size_t f = 0; f < FIELDS; f++)
		for (size_t i = 0; i < obj->len; i++)
			if (field[f][i] != class_values[f])
				return false;
	return true;
}

/* The snapshots of the growth series before the first that found the tracked block gone. */
static size_t snapshots_alive(const ms_objtracker *tracker)
{
	size_t step = 0;
	while (step < CHAPTER5_GROWTH_STEPS && ms_objtracker_totals(tracker, step)->active > 0)
		step++;
	return step;
}

/*
 * Whether each snapshot of the growth series is the struct, the same flat
 * bytes every time, and the same whole ints more for each n: deep = flat
 * + *per_n x n, in requested bytes.
 */
static bool grows_by_n(const ms_objtracker *tracker, int64_t *per_n)
{
	const struct ms_objsnapshot *end = ms_objtracker_totals(tracker, CHAPTER5_GROWTH_STEPS - 1);
	int64_t flat = end->flat[MS_REQUESTED];
	*per_n = (end->deep[MS_REQUESTED] - flat) /
		 (int64_t)CHAPTER5_GROWTH_N(CHAPTER5_GROWTH_STEPS - 1);
	if (*per_n % (int64_t)sizeof(int) != 0)
		return false;
	for (size_t step = 0; step < CHAPTER5_GROWTH_STEPS; step++) {
		const struct ms_objsnapshot *t = ms_objtracker_totals(tracker, step);
		if (t->flat[MS_REQUESTED] != flat ||
		    t->deep[MS_REQUESTED] != flat + *per_n * (int64_t)CHAPTER5_GROWTH_N(step))
			return false;
	}
	return true;
}

/*
 * What the growth series' figures show, from the figures: the bytes each
 * n adds, and what the allocator takes on top (in an "On this machine"
 * block); or where the tracked block is gone. `blocks`: what the last
 * snapshot's walk counted.
 */
static void describe_growth(struct lesson *lesson, const ms_objtracker *tracker, int64_t blocks)
{
	const size_t last = CHAPTER5_GROWTH_STEPS - 1;
	const struct ms_objsnapshot *first = ms_objtracker_totals(tracker, 0);
	const struct ms_objsnapshot *end = ms_objtracker_totals(tracker, last);
	size_t alive = snapshots_alive(tracker);
	if (alive < CHAPTER5_GROWTH_STEPS) {
		char from[32] = "In every snapshot";
		if (alive > 0)
			snprintf(from, sizeof from, "From n = %zu on", CHAPTER5_GROWTH_N(alive));
		lesson_para(lesson,
			    "%s the tracked block is gone: active 0, and flat and deep 0. A "
			    "tracker follows a block, not a variable, and each multiply frees "
			    "the arrays it replaces.",
			    from);
		return;
	}
	int64_t per_n;
	if (!grows_by_n(tracker, &per_n)) {
		lesson_para(lesson,
			    "Requested bytes go from %" PRId64 " at n = 1 to %" PRId64 " at n = "
			    "%zu, but not as a struct and the same bytes more for each n.",
			    first->deep[MS_REQUESTED], end->deep[MS_REQUESTED],
			    CHAPTER5_GROWTH_N(last));
		return;
	}
	double small = footprint_ratio(first), large = footprint_ratio(end);
	lesson_machine_text(lesson, "the footprint against what was asked",
			    "At n = 1 the footprint is %.3f times the %" PRId64 " bytes asked "
			    "for, at n = %zu\n%.3f times: %s\n",
			    small, first->deep[MS_REQUESTED], CHAPTER5_GROWTH_N(last), large,
			    small > large ? "a small object pays the most for being made of blocks."
					  : "the same, as this malloc grants what is asked.");
	char ints[24], block_count[24];
	const char *blocks_word = count_word(blocks, block_count, sizeof block_count);
	lesson_para(lesson,
		    "Requested bytes grow by exactly %" PRId64 " for each n, %s ints, on "
		    "top of the struct's %" PRId64 ", so deep / n falls towards %" PRId64
		    ": the struct is paid for once. The allocator's figures (on this "
		    "machine, above) add a chunk's rounding and header to each of the %s "
		    "blocks. At n = 1 the program asks for %" PRId64 " bytes; by n = %zu the "
		    "same %s headers are lost in %" PRId64 " bytes. Under ASan or valgrind "
		    "malloc is replaced, and usable is what was asked for.",
		    per_n, count_word(per_n / (int64_t)sizeof(int), ints, sizeof ints),
		    end->flat[MS_REQUESTED], per_n, blocks_word, first->deep[MS_REQUESTED],
		    CHAPTER5_GROWTH_N(last), blocks_word, end->deep[MS_REQUESTED]);
}

/* One object multiplied again and again, a snapshot after each; written to `data` too if set. */
static int show_growth(struct lesson *lesson, FILE *data)
{
	struct test_class *obj = chapter5_test_class_new();
	ms_objtracker *tracker = ms_objtracker_new();
#ifdef BREAK_TRACK_X
	/* x after one multiply, instead of obj: the next multiply frees that block. */
	int ok = obj && tracker && chapter5_multiply(obj, 1) == 0 &&
		 ms_objtracker_track(tracker, obj->x, "obj") >= 0;
#else
	/* lesson code: growth */
	int ok = obj && tracker && ms_objtracker_track(tracker, obj, "obj") >= 0;
	/* end lesson code */
#endif
	/* lesson code: growth_loop */
	for (size_t step = 0; ok && step < CHAPTER5_GROWTH_STEPS; step++) {
		char label[32];
		snprintf(label, sizeof label, "n=%zu", CHAPTER5_GROWTH_N(step));
		ok = chapter5_multiply(obj, CHAPTER5_GROWTH_N(step)) == 0 &&
		     ms_objtracker_snapshot(tracker, label) == 0;
	}
	/* end lesson code */
	bool kept = ok && class_values_kept(obj);
	struct ms_deep found = { 0 };
	if (ok && ms_sizeof_deep_found(obj, MS_REQUESTED, &found) < 0)
		ok = 0;
	chapter5_test_class_free(obj);
	if (!ok) {
		ms_objtracker_free(tracker);
		return -1;
	}

	const size_t last = CHAPTER5_GROWTH_STEPS - 1;
	lesson_subheading(lesson, "Growth over n");
	lesson_para(lesson,
		    "One object, tracked from the start, multiplied again and again with "
		    "n = 1, 2, 4 and so on to %zu, and a snapshot after each. multiply "
		    "copies x[0], so the values %s %d, %d and %d%s:",
		    CHAPTER5_GROWTH_N(last), kept ? "stay" : "should stay", CHAPTER5_CLASS_X,
		    CHAPTER5_CLASS_Y, CHAPTER5_CLASS_Z,
		    kept ? "" : ", but after the last multiply some do not");
	lesson_code(lesson, LESSON_CODE_growth "\n" LESSON_CODE_growth_loop);
	lesson_para(lesson,
		    "ms_objtracker_totals(tracker, i) gives each snapshot's flat and deep "
		    "sizes. In requested bytes:");
	show_growth_grids(lesson, tracker);
	describe_growth(lesson, tracker, found.blocks);
	if (data)
		write_growth_data(data, tracker);
	ms_objtracker_free(tracker);
	return 0;
}

int chapter5_run(FILE *out, const struct chapter_opts *opts)
{
	int failed = 0;
	FILE *data = lesson_data_open(opts, chapter5.name, CHAPTER5_DATA_NAME, &failed);
	if (failed)
		return 1;

	struct lesson lesson = LESSON_INIT(out);
	lesson_heading(&lesson, &chapter5);
	lesson_para(&lesson,
		    "Pympler's ClassTracker sizes chosen objects at each snapshot and sums "
		    "them by name. memstats' ms_objtracker does the same for tracked "
		    "blocks: ms_objtracker_track picks an object, ms_objtracker_snapshot "
		    "sizes every picked object, flat and deep, and "
		    "ms_objtracker_print_summary prints the table. This lesson redoes the "
		    "tutorial's test_class and its multiply(1000), then follows one "
		    "object as it grows.");
	show_class(&lesson);
	int status = show_snapshots(&lesson);
	if (status == 0)
		status = show_growth(&lesson, data);
	if (status != 0)
		fprintf(stderr, "chapter5: out of memory\n");

	if (lesson_finish(&lesson, chapter5.name) != 0)
		status = -1;
	if (data && lesson_data_close(data, chapter5.name) != 0)
		status = -1;
	return status == 0 ? 0 : 1;
}

const struct chapter chapter5 = { "chapter5", "tracked-object growth over snapshots", chapter5_run };

#ifndef MS_NO_MAIN
int main(int argc, char **argv)
{
	return chapter_main(argc, argv, &chapter5);
}
#endif
