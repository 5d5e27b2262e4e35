/* objtracker.c: chosen objects sized at each snapshot, Pympler's ClassTracker. */
#include "objtracker.h"
#include "block.h"
#include "bookkeeping.h"
#include "checkers.h"
#include "fault.h"
#include "misuse.h"
#include "sizeof.h"
#include "table.h"
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct object {
	uintptr_t hidden;            /* MS_HIDE_ADDRESS(obj): never keeps a lost block reachable */
	uint64_t seq;                /* its header's number: a new block at the address differs */
	char *name;
};

struct snapshot {
	struct ms_objsnapshot totals;
	struct ms_objsample *samples;   /* one per object tracked when it was taken */
	size_t sample_count;
};

struct ms_objtracker {
	struct object *objects;
	size_t object_count, object_capacity;
	struct snapshot *snapshots;
	size_t snapshot_count, snapshot_capacity;
	int64_t bytes;               /* all of the above, counted as bookkeeping */
};

/*
 * Object trackers not yet freed. Each knows its objects by allocation
 * number, which ms_reset would restart, so ms_reset is refused while any
 * exists. Atomic, as trackers may come and go in several threads.
 */
static atomic_size_t live_trackers;

bool ms_objtrackers_exist(void)
{
	return atomic_load_explicit(&live_trackers, memory_order_relaxed) != 0;
}

static char *copy_text(ms_objtracker *ot, const char *text)
{
	size_t len = strlen(text) + 1;
	char *copy = ms_raw_malloc(len);
	if (copy) {
		memcpy(copy, text, len);
		ot->bytes += (int64_t)len;
		ms_bookkeeping_add((int64_t)len);
	}
	return copy;
}

/* Free a copy from copy_text that is not kept after all (NULL: nothing). */
static void drop_text(ms_objtracker *ot, char *copy)
{
	if (!copy)
		return;
	int64_t len = (int64_t)strlen(copy) + 1;
	ot->bytes -= len;
	ms_bookkeeping_add(-len);
	ms_raw_free(copy);
}

/* Make room for one more element in a growing array; false if memory ran out. */
static bool make_room(ms_objtracker *ot, void **array, size_t count, size_t *capacity,
		      size_t element_size)
{
	if (count < *capacity)
		return true;
	size_t grown = *capacity * 2 + 8;
	void *bigger = ms_raw_realloc(*array, grown * element_size);
	if (!bigger)
		return false;
	int64_t delta = (int64_t)((grown - *capacity) * element_size);
	ot->bytes += delta;
	ms_bookkeeping_add(delta);
	*array = bigger;
	*capacity = grown;
	return true;
}

ms_objtracker *ms_objtracker_new(void)
{
	ms_objtracker *ot = ms_raw_calloc(1, sizeof *ot);
	if (!ot) {
		errno = ENOMEM;
		return NULL;
	}
	ot->bytes = sizeof *ot;
	ms_bookkeeping_add(ot->bytes);
	atomic_fetch_add_explicit(&live_trackers, 1, memory_order_relaxed);
	return ot;
}

void ms_objtracker_free(ms_objtracker *ot)
{
	if (!ot)
		return;
	for (size_t i = 0; i < ot->object_count; i++)
		ms_raw_free(ot->objects[i].name);
	for (size_t i = 0; i < ot->snapshot_count; i++) {
		ms_raw_free((char *)ot->snapshots[i].totals.label);
		ms_raw_free(ot->snapshots[i].samples);
	}
	ms_raw_free(ot->objects);
	ms_raw_free(ot->snapshots);
	ms_bookkeeping_add(-ot->bytes);
	ms_raw_free(ot);
	atomic_fetch_sub_explicit(&live_trackers, 1, memory_order_relaxed);
}

int ms_objtracker_track_at(ms_objtracker *ot, const void *obj, const char *name,
			   const char *file, int line)
{
	struct ms_header t;
	struct ms_block_sizes sizes;
	if (!ot || !name) {
		ms_misuse(MS_MISUSE_NULL, "ms_objtracker_track", file, line,
			  "tracker or name is NULL");
		errno = EINVAL;
		return -1;
	}
	if (!ms_block_lookup(obj, &t, &sizes)) {
		ms_report_not_live(obj, "ms_objtracker_track", file, line);
		errno = EINVAL;
		return -1;
	}
	char *copy = copy_text(ot, name);
	if (!copy || !make_room(ot, (void **)&ot->objects, ot->object_count,
				&ot->object_capacity, sizeof *ot->objects)) {
		drop_text(ot, copy);
		ms_misuse(MS_MISUSE_NO_MEMORY, "ms_objtracker_track", file, line,
			  "no memory to track the object");
		errno = ENOMEM;
		return -1;
	}
	ot->objects[ot->object_count] = (struct object){ MS_HIDE_ADDRESS(obj), t.seq, copy };
	return (int)ot->object_count++;
}

/* The object's block if it is still the one tracked, else NULL; fills its flat sizes. */
static const void *still_alive(const struct object *o, int64_t flat[MS_NOTION_COUNT])
{
	const void *block = (const void *)MS_HIDE_ADDRESS(o->hidden);   /* XOR undoes itself */
	struct ms_header t;
	struct ms_block_sizes sizes;
	if (!ms_block_lookup(block, &t, &sizes) || t.seq != o->seq)
		return NULL;
	memcpy(flat, sizes.bytes, sizeof sizes.bytes);
	return block;
}

int ms_objtracker_snapshot_at(ms_objtracker *ot, const char *label, const char *file, int line)
{
	static const char function[] = "ms_objtracker_snapshot";
	if (!ot || !label) {
		ms_misuse(MS_MISUSE_NULL, function, file, line, "tracker or label is NULL");
		errno = EINVAL;
		return -1;
	}
	size_t n = ot->object_count;
	const void **roots = ms_raw_calloc(n ? n : 1, sizeof *roots);
	int64_t (*deep)[MS_NOTION_COUNT] = ms_raw_calloc(n ? n : 1, sizeof *deep);
	struct ms_objsample *samples = ms_raw_calloc(n ? n : 1, sizeof *samples);
	char *copy = copy_text(ot, label);
	bool ok = roots && deep && samples && copy;
	struct ms_objsnapshot totals = { copy, 0, { 0 }, { 0 } };
	for (size_t j = 0; ok && j < n; j++) {
		roots[j] = still_alive(&ot->objects[j], samples[j].flat);
		samples[j].alive = roots[j] != NULL;
		totals.active += roots[j] != NULL;
	}
	bool sized = ok && ms_deep_many(roots, n, deep, function, file, line) == 0;
	/* Room for it last, so that a failure leaves the tracker as it was. */
	bool kept = sized && make_room(ot, (void **)&ot->snapshots, ot->snapshot_count,
				       &ot->snapshot_capacity, sizeof *ot->snapshots);
	for (size_t j = 0; kept && j < n; j++)
		for (int notion = 0; notion < MS_NOTION_COUNT; notion++) {
			samples[j].deep[notion] = deep[j][notion];
			totals.flat[notion] += samples[j].flat[notion];
			totals.deep[notion] += deep[j][notion];
		}
	ms_raw_free(roots);
	ms_raw_free(deep);
	if (!kept) {
		ms_raw_free(samples);
		drop_text(ot, copy);
		if (!ok || sized)     /* else ms_deep_many has reported it */
			ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
				  "no memory for the snapshot");
		errno = ENOMEM;
		return -1;
	}
	int64_t sample_bytes = (int64_t)(n * sizeof *samples);
	ot->bytes += sample_bytes;
	ms_bookkeeping_add(sample_bytes);
	ot->snapshots[ot->snapshot_count++] = (struct snapshot){ totals, samples, n };
	return 0;
}

size_t ms_objtracker_snapshot_count(const ms_objtracker *ot)
{
	return ot ? ot->snapshot_count : 0;
}

const struct ms_objsnapshot *ms_objtracker_totals(const ms_objtracker *ot, size_t i)
{
	return ot && i < ot->snapshot_count ? &ot->snapshots[i].totals : NULL;
}

size_t ms_objtracker_object_count(const ms_objtracker *ot)
{
	return ot ? ot->object_count : 0;
}

const char *ms_objtracker_object_name(const ms_objtracker *ot, size_t object)
{
	return ot && object < ot->object_count ? ot->objects[object].name : NULL;
}

const struct ms_objsample *ms_objtracker_sample(const ms_objtracker *ot, size_t snapshot,
						size_t object)
{
	if (!ot || snapshot >= ot->snapshot_count || object >= ot->snapshots[snapshot].sample_count)
		return NULL;
	return &ot->snapshots[snapshot].samples[object];
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The widest name or label column of print_summary. */
#define NAME_COLUMNS 35

/* `text` escaped and cut to `columns` as Pympler's trunc() does, then padded to them: 0 or -1. */
static int print_name(const char *text, size_t columns, FILE *out)
{
	char buf[MS_CLIP_CAP(NAME_COLUMNS)];
	size_t width = ms_text_clip(text, columns, buf);
	return fprintf(out, "%s%*s", buf, (int)(columns - width), "") < 0 ? -1 : 0;
}

int ms_objtracker_print_summary(const ms_objtracker *ot, FILE *out)
{
	if (!ot || !out) {
		errno = EINVAL;
		return -1;
	}
	/* Every distinct name, alphabetically: Pympler lists each in every snapshot. */
	size_t most = ot->object_count ? ot->object_count : 1;
	const char **names = ms_raw_malloc(most * sizeof *names);
	if (!names) {
		errno = ENOMEM;
		return -1;
	}
	size_t name_count = 0;
	for (size_t j = 0; j < ot->object_count; j++)
		names[name_count++] = ot->objects[j].name;
	qsort(names, name_count, sizeof *names, by_name);
	size_t distinct = 0;
	for (size_t i = 0; i < name_count; i++)
		if (!distinct || strcmp(names[distinct - 1], names[i]) != 0)
			names[distinct++] = names[i];

	char a[32], b[32];
	int failed = fprintf(out, "---- SUMMARY %.66s\n",
			     "------------------------------------------------------------------"
			     "------------") < 0;
	for (size_t s = 0; s < ot->snapshot_count; s++) {
		const struct snapshot *snap = &ot->snapshots[s];
		int64_t total = snap->totals.deep[MS_REQUESTED];
		failed |= print_name(snap->totals.label, NAME_COLUMNS, out);
		failed |= fprintf(out, " %11s %12s %12s %5s\n", "active",
				  ms_format_size(total, a, sizeof a), "average", "pct") < 0;
		for (size_t i = 0; i < distinct; i++) {
			size_t active = 0;
			int64_t sum = 0;
			for (size_t j = 0; j < snap->sample_count; j++)
				if (snap->samples[j].alive && strcmp(ot->objects[j].name, names[i]) == 0) {
					active++;
					sum += snap->samples[j].deep[MS_REQUESTED];
				}
			int64_t average = active ? sum / (int64_t)active : 0;
			int pct = total ? (int)(sum * 100 / total) : 0;
			failed |= fputs("  ", out) == EOF;
			failed |= print_name(names[i], NAME_COLUMNS - 2, out);
			failed |= fprintf(out, " %11zu %12s %12s %4d%%\n", active,
					  ms_format_size(sum, a, sizeof a), ms_format_size(average, b, sizeof b),
					  pct) < 0;
		}
	}
	failed |= fprintf(out, "%.79s\n",
			  "----------------------------------------------------------------------"
			  "----------") < 0;
	ms_raw_free(names);
	return ms_print_end(out, failed);
}

int ms_objtracker_write_data(const ms_objtracker *ot, FILE *out)
{
	if (!ot || !out) {
		errno = EINVAL;
		return -1;
	}
	int failed = fputs("# snapshot label active flat_requested deep_requested deep_usable "
			   "deep_footprint\n", out) < 0;
	for (size_t s = 0; s < ot->snapshot_count; s++) {
		const struct ms_objsnapshot *t = &ot->snapshots[s].totals;
		failed |= fprintf(out, "%zu \"", s) < 0;
		for (const char *c = t->label; *c; c++)      /* gnuplot reads "..." as one column */
			failed |= fputc(*c == '"' ? '\'' : *c, out) == EOF;
		failed |= fprintf(out, "\" %zu %lld %lld %lld %lld\n", t->active,
				  (long long)t->flat[MS_REQUESTED], (long long)t->deep[MS_REQUESTED],
				  (long long)t->deep[MS_USABLE], (long long)t->deep[MS_FOOTPRINT]) < 0;
	}
	return ms_print_end(out, failed);
}
