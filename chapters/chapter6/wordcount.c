/* wordcount.c: chapter 6's program of its own, plain C that knows nothing of memstats: counts the words of a made-up text in a hash table, prints the commonest, and leaks a little. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text: WORDS words from VOCABULARY, the low numbers far more often. */
#define WORDS 400000
#define VOCABULARY 6000
#define SEED 6
/* The words printed at the end, commonest first. */
#define TOP 5
/* Buckets the table starts with. */
#define FIRST_SIZE 16

/* splitmix64: the same text on every machine, where rand() is not. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * Word number n, spelt with a syllable for each of its base-8 digits, so
 * words have 2 to 10 letters and their strings several sizes. `word`
 * holds at least 11 bytes; the length is returned.
 */
static size_t spell(unsigned n, char *word)
{
	static const char *const syllables[8] = {"ka", "to", "ri", "mu",
						 "se", "no", "pa", "li"};
	size_t length = 0;
	do {
		memcpy(word + length, syllables[n % 8], 2);
		length += 2;
		n /= 8;
	} while (n > 0);
	word[length] = '\0';
	return length;
}

/* Skewed toward the low numbers, as real words are: the least of two draws. */
static unsigned draw_word(uint64_t *state)
{
	unsigned a = (unsigned)(next_random(state) % VOCABULARY);
	unsigned b = (unsigned)(next_random(state) % VOCABULARY);
	return a < b ? a : b;
}

struct entry {
	char *word;
	size_t count;
	struct entry *next; /* the next entry in the same bucket */
};

struct table {
	struct entry **buckets;
	size_t size;  /* buckets */
	size_t count; /* entries */
};

/* FNV-1a: a bucket for the word. */
static size_t hash(const char *word)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (; *word; word++)
		h = (h ^ (unsigned char)*word) * UINT64_C(1099511628211);
	return (size_t)h;
}

/* lesson code: entry_new */
static struct entry *entry_new(const char *word, size_t length)
{
	struct entry *e = malloc(sizeof *e);
	char *copy = malloc(length + 1);
	if (!e || !copy) {
		free(e);
		free(copy);
		return NULL;
	}
	memcpy(copy, word, length + 1);
	*e = (struct entry){copy, 0, NULL};
	return e;
}
/* end lesson code */

#ifdef BREAK_GROW_BY_ADDING
/* A fixed number of buckets more each time, rather than twice as many. */
#define GROWN(size) ((size) + 64)
#else
/* lesson code: grown */
/* The table grows when it holds as many words as it has buckets. */
#define GROWN(size) ((size) * 2)
/* end lesson code */
#endif

/* lesson code: table_grow */
static int table_grow(struct table *t)
{
	size_t size = GROWN(t->size);
	struct entry **buckets = calloc(size, sizeof *buckets);
	if (!buckets)
		return -1;
	for (size_t i = 0; i < t->size; i++)
		for (struct entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			e->next = buckets[hash(e->word) % size];
			buckets[hash(e->word) % size] = e;
		}
	free(t->buckets);
	t->buckets = buckets;
	t->size = size;
	return 0;
}
/* end lesson code */

/* Count one more of `word`: 0, or -1 out of memory. */
static int table_count(struct table *t, const char *word, size_t length)
{
	struct entry **bucket = &t->buckets[hash(word) % t->size];
	for (struct entry *e = *bucket; e; e = e->next)
		if (strcmp(e->word, word) == 0) {
			e->count++;
			return 0;
		}
	struct entry *e = entry_new(word, length);
	if (!e)
		return -1;
	e->count = 1;
	e->next = *bucket;
	*bucket = e;
	if (++t->count >= t->size)
		return table_grow(t);
	return 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->size; i++)
		for (struct entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e->word);
			free(e);
		}
	free(t->buckets);
}

/* Commonest first; equal counts by word, so the order is total. */
static int by_count(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a,
			   *y = *(struct entry *const *)b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->word, y->word);
}

/* lesson code: top_words */
/* The n commonest entries, in an array the caller frees. */
static struct entry **top_words(const struct table *t, size_t n)
{
	struct entry **all = malloc(t->count * sizeof *all);
	struct entry **top = malloc(n * sizeof *top);
	if (!all || !top) {
		free(all);
		free(top);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < t->size; i++)
		for (struct entry *e = t->buckets[i]; e; e = e->next)
			all[k++] = e;
	qsort(all, k, sizeof *all, by_count);
	memcpy(top, all, n * sizeof *top);
	free(all);
	return top;
}
/* end lesson code */

int main(void)
{
	struct table t = {calloc(FIRST_SIZE, sizeof(struct entry *)),
			  FIRST_SIZE, 0};
	uint64_t state = SEED;
	char word[16];
	int failed = !t.buckets;
	for (long i = 0; !failed && i < WORDS; i++)
		failed = table_count(&t, word,
				     spell(draw_word(&state), word)) != 0;
	/* lesson code: main_end */
	struct entry **top = failed ? NULL : top_words(&t, TOP);
	if (top) {
		printf("%zu words, %zu different; the commonest:\n",
		       (size_t)WORDS, t.count);
		for (size_t i = 0; i < TOP; i++)
			printf("  %-10s %zu\n", top[i]->word, top[i]->count);
	}
	/* the entries top points at go too: top is not used again */
	table_free(&t);
	return top ? 0 : 1;
	/* end lesson code */
}
