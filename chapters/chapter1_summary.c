/* chapter1_summary.c: lesson 1, a summary of live memory by type, taken over a small word index. */
#include "chapter1_summary.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "chapters.h"
#include "lesson.h"
#include "memstats.h"

/* The text the index is built over: fixed, so every run counts the same. */
static const char *const text_lines[] = {
	"The keeper of the small library counted everything twice.",
	"She counted the books on the shelves in the morning,",
	"and she counted them again at night.",
	"When the two numbers agreed, she went home.",
	"When they did not, she walked the rows with a lamp",
	"until she found the book that had been moved.",
	"",
	"One winter the numbers would not agree for a week.",
	"A book was missing, but no one had taken it out.",
	"At last she found it inside a larger book,",
	"as thin as a letter and just as easy to miss.",
	"",
	"After that she kept a list of every book that came in",
	"and every book that went out, and she wrote the list",
	"in a book of its own, which she also counted.",
};
#define TEXT_LINE_COUNT (sizeof text_lines / sizeof text_lines[0])

/* One distinct word: its text, the lines it is on, the next entry in its bucket. */
struct word_entry {
	char *word;
	int *lines;            /* line numbers from 1, each once, ascending */
	size_t line_count;
	size_t line_capacity;  /* slots in `lines`; doubles when full */
	struct word_entry *next;
};
static MS_TYPE(word_entry_type, struct word_entry,
	       MS_STRING(struct word_entry, word),
	       MS_ARRAY(struct word_entry, lines, line_count, &ms_type_int),
	       MS_PTR(struct word_entry, next, &word_entry_type));

/* One slot of the hash table: the head of a chain of entries. */
struct bucket {
	struct word_entry *head;
};
static MS_TYPE(bucket_type, struct bucket, MS_PTR(struct bucket, head, &word_entry_type));

/* The index: a fixed table of buckets, each word hashed to one of them. */
struct word_index {
	struct bucket *buckets;
	size_t bucket_count;
	size_t words_read;      /* every word of the text, repeats included */
	size_t distinct_words;  /* entries in the table */
};
static MS_TYPE(word_index_type, struct word_index,
	       MS_ARRAY(struct word_index, buckets, bucket_count, &bucket_type));

/* About one bucket per distinct word of the text keeps the chains short. */
#define BUCKET_COUNT 64
/* Longer than any word of the text; a longer word would be cut here. */
#define MAX_WORD 32

/* FNV-1a: a simple hash that gives the same table on every machine. */
static uint32_t hash_word(const char *word)
{
	uint32_t hash = 2166136261u;
	for (const unsigned char *c = (const unsigned char *)word; *c; c++)
		hash = (hash ^ *c) * 16777619u;
	return hash;
}

/* The entry for `word`, added (with no lines yet) if new; NULL if out of memory. */
static struct word_entry *find_or_add(struct word_index *index, const char *word)
{
	struct bucket *bucket = &index->buckets[hash_word(word) % index->bucket_count];
	for (struct word_entry *e = bucket->head; e; e = e->next)
		if (strcmp(e->word, word) == 0)
			return e;

	struct word_entry *entry = ms_calloc(&word_entry_type, 1);
	if (!entry)
		return NULL;
	entry->word = ms_strdup(word);
	if (!entry->word) {
		ms_free(entry);
		return NULL;
	}
	entry->next = bucket->head;
	bucket->head = entry;
	index->distinct_words++;
	return entry;
}

/* The slots a full array of `capacity` line numbers grows to: the growth policy, in one place. */
static size_t grown_capacity(size_t capacity)
{
#ifdef BREAK_GROW_BY_ONE
	return capacity + 1;
#else
	return capacity ? 2 * capacity : 1;
#endif
}

/* Record that `entry`'s word is on `line`: 0, or -1 if the array could not grow. */
static int add_line(struct word_entry *entry, int line)
{
	/* Lines come in order, so a repeat on the same line is the last one. */
	if (entry->line_count > 0 && entry->lines[entry->line_count - 1] == line)
		return 0;
	if (entry->line_count == entry->line_capacity) {
		size_t capacity = grown_capacity(entry->line_capacity);
		int *lines = entry->lines ? ms_realloc(entry->lines, capacity)
					  : ms_alloc(&ms_type_int, capacity);
		if (!lines)
			return -1;
		entry->lines = lines;
		entry->line_capacity = capacity;
	}
	entry->lines[entry->line_count++] = line;
	return 0;
}

/* Index every word (letters only, lower-cased) of one line: 0, or -1 if out of memory. */
static int index_line(struct word_index *index, const char *text, int line)
{
	const char *c = text;
	while (*c) {
		char word[MAX_WORD];
		size_t length = 0;
		for (; isalpha((unsigned char)*c); c++)
			if (length < MAX_WORD - 1)
				word[length++] = (char)tolower((unsigned char)*c);
		if (length == 0) {
			c++;
			continue;
		}
		word[length] = '\0';
		index->words_read++;
		struct word_entry *entry = find_or_add(index, word);
		if (!entry || add_line(entry, line) != 0)
			return -1;
	}
	return 0;
}

struct word_index *chapter1_index_build(void)
{
	struct word_index *index = ms_calloc(&word_index_type, 1);
	if (!index)
		return NULL;
	index->buckets = ms_calloc(&bucket_type, BUCKET_COUNT);
	if (!index->buckets) {
		ms_free(index);
		return NULL;
	}
	index->bucket_count = BUCKET_COUNT;
	for (size_t i = 0; i < TEXT_LINE_COUNT; i++) {
		if (index_line(index, text_lines[i], (int)i + 1) != 0) {
			chapter1_index_free(index);
			return NULL;
		}
	}
	return index;
}

void chapter1_index_free(struct word_index *index)
{
	if (!index)
		return;
	for (size_t i = 0; i < index->bucket_count; i++) {
		struct word_entry *entry = index->buckets[i].head;
		while (entry) {
			struct word_entry *next = entry->next;
#ifndef BREAK_LEAK_WORDS
			ms_free(entry->word);
#endif
			ms_free(entry->lines);
			ms_free(entry);
			entry = next;
		}
	}
	ms_free(index->buckets);
	ms_free(index);
}

/*
 * The word on the most lines; a tie goes to the alphabetically first, so
 * the choice never depends on the order of the hash table.
 */
static const struct word_entry *most_spread_word(const struct word_index *index)
{
	const struct word_entry *best = NULL;
	for (size_t i = 0; i < index->bucket_count; i++) {
		for (const struct word_entry *e = index->buckets[i].head; e; e = e->next) {
			if (!best || e->line_count > best->line_count ||
			    (e->line_count == best->line_count && strcmp(e->word, best->word) < 0))
				best = e;
		}
	}
	return best;
}


/*
 * The capacities an array of line numbers passed through on its way to
 * `capacity`, as the growth policy makes them: "1, 2, 4, 8 and 16".
 */
static const char *capacity_steps(size_t capacity, char *text, size_t size)
{
	size_t used = 0;
	for (size_t c = grown_capacity(0); used < size; c = grown_capacity(c)) {
		const char *joint = used == 0 ? "" : c == capacity ? " and " : ", ";
		used += (size_t)snprintf(text + used, size - used, "%s%zu", joint, c);
		if (c >= capacity)
			break;
	}
	return text;
}

/* What the index is and what it shows, around the summary of its memory. */
static void print_lesson(struct lesson *lesson, const struct word_index *index,
			 const ms_summary *summary)
{
	lesson_heading(lesson, &chapter1);
	lesson_para(lesson,
		    "This program builds a word index over a short text of %zu lines: a "
		    "hash table of %zu buckets and one entry per distinct word. Each entry "
		    "holds a copy of its word (ms_strdup) and an array of the lines the word "
		    "is on, which grows with ms_realloc. Every block comes from memstats, "
		    "which counts it under its type.",
		    TEXT_LINE_COUNT, index->bucket_count);
	lesson_para(lesson, "Then it asks memstats what is live, by type, as Pympler's "
			 "summary.print_() does for Python objects:");
	lesson_table(lesson, summary);

	struct ms_stats stats = ms_stats();
	const struct word_entry *spread = most_spread_word(index);
	lesson_para(lesson,
		    "The text has %zu words, %zu of them distinct. Each distinct word costs "
		    "three blocks: its entry, its string and its array of line numbers. With "
		    "the index and its bucket array that makes %" PRId64 " blocks, holding "
		    "%" PRId64 " bytes the program asked for.",
		    index->words_read, index->distinct_words, stats.all.blocks.current,
		    stats.all.bytes[MS_REQUESTED].current);
	char steps[256];
	size_t unused = spread->line_capacity - spread->line_count;
	char unused_text[32];
	snprintf(unused_text, sizeof unused_text, unused ? "%zu of them unused" : "none unused",
		 unused);
	lesson_para(lesson,
		    "The word \"%s\" is on %zu lines, more than any other; as it filled, "
		    "its array grew to %s slots, and now has %zu, %s. The \"int\" row "
		    "counts those slots, used or not, because a summary counts what was "
		    "allocated.",
		    spread->word, spread->line_count,
		    capacity_steps(spread->line_capacity, steps, sizeof steps),
		    spread->line_capacity, unused_text);

	lesson_machine_table(lesson, "the same summary with the allocator's columns", summary);
	lesson_machine_totals(lesson);

	lesson_subheading(lesson, "Why these numbers differ");
	lesson_para(lesson,
		    "Requested is what the program asked for. Usable is what malloc "
		    "granted: it rounds each request up to its own step (16 bytes on glibc "
		    "x86_64, 24 usable bytes at least), so usable is never less. Footprint "
		    "adds the allocator's header in front of each chunk (8 bytes on glibc "
		    "x86_64). Small blocks pay the most: compare the char row's requested "
		    "and footprint columns.");
	lesson_para(lesson,
		    "memstats' bookkeeping (a header in each block, its tables, the "
		    "summaries themselves) is counted apart and never in a row, so a "
		    "summary never sees itself.");
	lesson_para(lesson,
		    "RSS counts the pages of the process that are in memory, and only "
		    "pages it has touched: its code and the C library's, the stack, "
		    "stdio's buffers, the heap pages malloc has used, memstats' tables. "
		    "It moves in whole pages and is far larger than anything tracked.");
	lesson_para(lesson,
		    "mallinfo2 splits malloc's own memory. \"In use\" (uordblks) is every "
		    "heap chunk, header included, that malloc's bins do not hold as free "
		    "(fordblks), tracked or not; a chunk the program freed that glibc "
		    "keeps in its per-thread cache (the tcache) is still in use there. A block "
		    "malloc mapped on its own is counted in hblkhd instead. Each tracked "
		    "block is one chunk, its footprint and memstats' header, so the "
		    "tracked chunks lie within uordblks and hblkhd together; the rest is "
		    "chunks memstats did not hand out, such as stdio's buffer, memstats' "
		    "summaries and cached frees. Under valgrind or ASan malloc is replaced: "
		    "usable is then what was requested, and mallinfo2 reads zero.");
}

int chapter1_run(FILE *out, const struct chapter_opts *opts)
{
	struct word_index *index = chapter1_index_build();
	ms_summary *summary = index ? ms_summarize() : NULL;
	if (!summary) {
		fprintf(stderr, "chapter1: out of memory building the index\n");
		chapter1_index_free(index);
		return 1;
	}
	struct lesson lesson = LESSON_INIT(out);
	print_lesson(&lesson, index, summary);

	int failed = 0;
	FILE *data = lesson_data_open(opts, chapter1.name, chapter1.name, &failed);
	if (data) {
		lesson_data_table(data, "chapter 1: live memory of the word index by type", summary);
		failed = lesson_data_close(data, chapter1.name) != 0;
	}
	ms_summary_free(summary);
	chapter1_index_free(index);
	if (lesson_finish(&lesson, chapter1.name) != 0)
		failed = 1;
	return failed;
}

const struct chapter chapter1 = { "chapter1", "summary of live memory by type", chapter1_run };

#ifndef MS_NO_MAIN
int main(int argc, char **argv)
{
	return chapter_main(argc, argv, &chapter1);
}
#endif
