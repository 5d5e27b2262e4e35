/* json.c: case 8, a real workload: cJSON parsing and deleting a seeded 4 MB document through raw malloc, counting hooks and memstats. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "memstats.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef BENCH_CJSON
#include <cjson/cJSON.h>

#define JSON_REPETITIONS 7
#define JSON_AGE 4                 /* parses that age the heap before the timed ones */
#define JSON_AGED_REPETITIONS 5
#define NESTING 4                  /* records hold values this deep at most */

static const char json_tag[] = "cJSON";

/*
 * The key names of the records: a real document repeats a few dozen keys,
 * and cJSON allocates every one of them again for each object it is in.
 */
static const char *const keys[] = {
	"id",      "name",     "type",   "value",  "tags",    "count",   "price",
	"created", "updated",  "user",   "email",  "status",  "items",   "title",
	"summary", "score",    "active", "lat",    "lon",     "url",     "version",
	"parent",  "children", "data",   "meta",   "owner",   "comment", "weight",
};
#define KEY_COUNT (sizeof keys / sizeof keys[0])

/* The document as it is written: a growing buffer and the PRNG that picks what comes next. */
struct writer {
	char *text;
	size_t length, capacity;
	struct bench_rng rng;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->length + n + 1 > w->capacity) {
		size_t capacity = w->capacity ? 2 * w->capacity : 1 << 16;
		while (w->length + n + 1 > capacity)
			capacity *= 2;
		char *text = realloc(w->text, capacity);
		if (!text)
			bench_fail("no memory for the JSON document");
		w->text = text;
		w->capacity = capacity;
	}
	memcpy(w->text + w->length, s, n);
	w->length += n;
	w->text[w->length] = '\0';
}

static void put_text(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static uint32_t pick(struct writer *w, uint32_t low, uint32_t high)
{
	return bench_rng_between(&w->rng, low, high);
}

/* A string value: mostly short words, some phrases, a few paragraphs, as documents hold. */
static void put_string(struct writer *w)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
	uint32_t kind = pick(w, 0, 99);
	uint32_t length = kind < 60 ? pick(w, 1, 12) : kind < 90 ? pick(w, 13, 40) : pick(w, 41, 200);
	char buf[202];
	buf[0] = '"';
	for (uint32_t i = 1; i <= length; i++)
		buf[i] = letters[pick(w, 0, sizeof letters - 2)];
	buf[length + 1] = '"';
	put(w, buf, length + 2);
}

/* A number: counts and ids, negative ones, prices and coordinates, now and then an exponent. */
static void put_number(struct writer *w)
{
	char buf[40];
	uint32_t kind = pick(w, 0, 99);
	if (kind < 40)
		snprintf(buf, sizeof buf, "%u", pick(w, 0, 99999));
	else if (kind < 50)
		snprintf(buf, sizeof buf, "-%u", pick(w, 1, 9999));
	else if (kind < 90)
		snprintf(buf, sizeof buf, "%u.%0*u", pick(w, 0, 999), 2 + (int)pick(w, 0, 4),
			 pick(w, 0, 9999));
	else
		snprintf(buf, sizeof buf, "%u.%ue-%u", pick(w, 1, 9), pick(w, 0, 999), pick(w, 1, 12));
	put_text(w, buf);
}

enum kind { STRING, NUMBER, LITERAL, OBJECT, ARRAY };

/* What a value is: containers only above the nesting limit. */
static enum kind pick_kind(struct writer *w, int depth)
{
	uint32_t r = pick(w, 0, 99);
	if (depth < NESTING && r < 10)
		return OBJECT;
	if (depth < NESTING && r < 20)
		return ARRAY;
	return r < 55 ? STRING : r < 92 ? NUMBER : LITERAL;
}

static void put_value(struct writer *w, enum kind kind, int depth);

/* An object of `low`..`high` members under distinct keys. */
static void put_object(struct writer *w, int depth, uint32_t low, uint32_t high)
{
	uint32_t members = pick(w, low, high);
	/* a step prime to the 28 keys visits each of them once before any comes again */
	uint32_t first = pick(w, 0, KEY_COUNT - 1), step = 1 + 2 * pick(w, 0, 2);
	put_text(w, "{");
	for (uint32_t i = 0; i < members; i++) {
		if (i)
			put_text(w, ",");
		put_text(w, "\"");
		put_text(w, keys[(first + i * step) % KEY_COUNT]);
		put_text(w, "\":");
		put_value(w, pick_kind(w, depth + 1), depth + 1);
	}
	put_text(w, "}");
}

/* An array, most often of one kind of element (a list of ids, of tags, of records). */
static void put_array(struct writer *w, int depth)
{
	uint32_t elements = pick(w, 0, 10);
	bool mixed = pick(w, 0, 4) == 0;
	enum kind kind = pick_kind(w, depth + 1);
	put_text(w, "[");
	for (uint32_t i = 0; i < elements; i++) {
		if (i)
			put_text(w, ",");
		put_value(w, mixed ? pick_kind(w, depth + 1) : kind, depth + 1);
	}
	put_text(w, "]");
}

static void put_value(struct writer *w, enum kind kind, int depth)
{
	static const char *const literals[] = { "true", "false", "null" };
	switch (kind) {
	case STRING:
		put_string(w);
		break;
	case NUMBER:
		put_number(w);
		break;
	case LITERAL:
		put_text(w, literals[pick(w, 0, 2)]);
		break;
	case OBJECT:
		put_object(w, depth, 1, 8);
		break;
	case ARRAY:
		put_array(w, depth);
		break;
	}
}

void json_document_make(struct json_document *doc, size_t bytes, uint64_t seed)
{
	struct writer w = { NULL, 0, 0, { seed } };
	put_text(&w, "[");
	for (size_t records = 0; w.length < bytes; records++) {
		if (records)
			put_text(&w, ",\n");
		put_object(&w, 1, 5, 12);
	}
	put_text(&w, "]\n");
	doc->text = w.text;
	doc->length = w.length;
}

void json_document_free(struct json_document *doc)
{
	free(doc->text);
}

struct json_counts json_counted;

static void *counting_malloc(size_t size)
{
	json_counted.allocs++;
	json_counted.bytes += size;
	return malloc(size);
}

static void counting_free(void *p)
{
	json_counted.frees++;
	free(p);
}

static void *tracked_malloc(size_t size)
{
	return ms_alloc_bytes(size, json_tag);
}

static void tracked_free(void *p)
{
	ms_free(p);
}

void json_hooks_use(enum json_hooks hooks)
{
	static cJSON_Hooks sets[JSON_HOOK_SETS] = {
		{ malloc, free },
		{ counting_malloc, counting_free },
		{ tracked_malloc, tracked_free },
	};
	cJSON_InitHooks(&sets[hooks]);
}

void json_parse_delete(const struct json_document *doc)
{
	cJSON *tree = cJSON_ParseWithLength(doc->text, doc->length);
	if (!tree)
		bench_fail("cJSON could not parse the generated document");
	cJSON_Delete(tree);
}

/*
 * ns per parse+delete of the document through hook set `side`, on a fresh
 * heap. Freed blocks of up to 128 bytes, nearly all of cJSON's, wait in
 * glibc's fast bins, unmerged, for a request of their size, and a tracked
 * block is a size of its own (32 bytes larger): after another hook set's
 * run a parse would find the heap full of chunks it cannot use, and after
 * its own, chunks in an order each round scrambles further (performance.md).
 * malloc_trim merges every free chunk and gives the heap's free pages back,
 * so each parse starts as a program's first does, whatever ran before.
 */
static double time_fresh(const void *workload, int side)
{
	json_hooks_use((enum json_hooks)side);
	malloc_trim(0);
	uint64_t start = bench_now_ns();
	json_parse_delete(workload);
	return (double)(bench_now_ns() - start);
}

/*
 * ns per parse+delete of hook set `side` on a heap aged by JSON_AGE parses
 * of its own, as in a program that parses one document after another: the
 * mean of two rounds, since the order of the bins' chunks flips from one
 * round to the next.
 */
static double time_aged(const void *workload, int side)
{
	json_hooks_use((enum json_hooks)side);
	malloc_trim(0);
	for (int i = 0; i < JSON_AGE; i++)
		json_parse_delete(workload);
	uint64_t start = bench_now_ns();
	json_parse_delete(workload);
	json_parse_delete(workload);
	return (double)(bench_now_ns() - start) / 2;
}

/* What case 8 reports: each figure's measure, unit and target, then the values the child measured. */
enum json_figure {
	FRESH_RAW, FRESH_COUNTING, FRESH_TRACKED, FRESH_VS_COUNTING, FRESH_VS_RAW,
	AGED_VS_COUNTING, AGED_VS_RAW, BLOCKS, BYTES_PER_BLOCK, JSON_FIGURES
};
static const struct {
	const char *measure, *unit;
	double target;
} json_figures[JSON_FIGURES] = {
	[FRESH_RAW] = { "raw malloc/free", "ns/parse", NO_TARGET },
	[FRESH_COUNTING] = { "counting hooks", "ns/parse", NO_TARGET },
	[FRESH_TRACKED] = { "ms_alloc_bytes/ms_free", "ns/parse", NO_TARGET },
	[FRESH_VS_COUNTING] = { "tracked / counting", "x", 1.5 },
	[FRESH_VS_RAW] = { "tracked / raw", "x", NO_TARGET },
	[AGED_VS_COUNTING] = { "aged heap: tracked / counting", "x", 1.5 },
	[AGED_VS_RAW] = { "aged heap: tracked / raw", "x", NO_TARGET },
	[BLOCKS] = { "blocks per parse", "blocks", NO_TARGET },
	[BYTES_PER_BLOCK] = { "bytes asked per block", "B", NO_TARGET },
};

static void measure_json(double value[JSON_FIGURES])
{
	struct json_document doc;
	json_document_make(&doc, JSON_BYTES, JSON_SEED);
	struct bench_interleaved fresh = { .sides = JSON_HOOK_SETS, .repetitions = JSON_REPETITIONS };
	bench_interleave(time_fresh, &doc, &fresh);
	struct bench_interleaved aged = { .sides = JSON_HOOK_SETS,
					  .repetitions = JSON_AGED_REPETITIONS, .warms_itself = true };
	bench_interleave(time_aged, &doc, &aged);
	json_counted = (struct json_counts){ 0, 0, 0 };
	json_hooks_use(JSON_COUNTING);
	json_parse_delete(&doc);
	if (json_counted.allocs != json_counted.frees)
		bench_fail("cJSON did not free every block it allocated");
	for (int side = 0; side < JSON_HOOK_SETS; side++)
		value[FRESH_RAW + side] = bench_cost_median(&fresh, side);
	value[FRESH_VS_COUNTING] = bench_ratio_median(&fresh, JSON_TRACKED, JSON_COUNTING);
	value[FRESH_VS_RAW] = bench_ratio_median(&fresh, JSON_TRACKED, JSON_RAW);
	value[AGED_VS_COUNTING] = bench_ratio_median(&aged, JSON_TRACKED, JSON_COUNTING);
	value[AGED_VS_RAW] = bench_ratio_median(&aged, JSON_TRACKED, JSON_RAW);
	value[BLOCKS] = (double)json_counted.allocs;
	value[BYTES_PER_BLOCK] = (double)json_counted.bytes / (double)json_counted.allocs;
	json_document_free(&doc);
}

/*
 * The case runs in a child process: its parses leave tens of megabytes of
 * freed chunks and memstats' tables for them behind, which made case 7,
 * after it, read 2.7x where it reads 2.2-2.3x alone. The child sends its
 * figures back through a pipe.
 */
void bench_json(void)
{
	printf("case 8: cJSON %s, parse+delete of a %.1f MB document, raw, counting and tracked hooks,"
	       " %d repetitions on a fresh heap, %d on a heap aged by %d parses\n",
	       cJSON_Version(), JSON_BYTES / 1e6, JSON_REPETITIONS, JSON_AGED_REPETITIONS, JSON_AGE);
	fflush(stdout);
	int pipe_ends[2];
	if (pipe(pipe_ends) != 0)
		bench_fail("case 8: no pipe for its child");
	pid_t child = fork();
	if (child < 0)
		bench_fail("case 8: cannot fork its child");
	double value[JSON_FIGURES];
	if (child == 0) {
		close(pipe_ends[0]);
		measure_json(value);
		_exit(write(pipe_ends[1], value, sizeof value) == (ssize_t)sizeof value ? 0 : 1);
	}
	close(pipe_ends[1]);
	ssize_t got = read(pipe_ends[0], value, sizeof value);
	close(pipe_ends[0]);
	int status;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    got != (ssize_t)sizeof value)
		bench_fail("case 8: its child failed");
	for (int f = 0; f < JSON_FIGURES; f++)
		bench_record("8 cJSON 4 MB", json_figures[f].measure, value[f], json_figures[f].unit,
			     json_figures[f].target);
}

#else

void bench_json(void)
{
	printf("case 8: cJSON parse+delete: skipped, cJSON is missing (%s)\n", JSON_HOW_TO_GET);
	fflush(stdout);
}

#endif
