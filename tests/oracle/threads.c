/* threads.c: four threads churning malloc, calloc, realloc, posix_memalign and free at once, a workload whose heap totals tests/test_oracle.c compares between ./census and valgrind. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define STEPS 20000
#define SLOTS 64     /* blocks a thread holds at once: frees hit blocks of every age */
#define MAX_SIZE 4096

/*
 * What one thread called, counted as valgrind counts: a realloc that
 * resizes is one allocation and one free, free(NULL) is nothing. The test
 * holds each census to at least these counts, whatever the runtime adds.
 */
struct calls {
	uint64_t seed;
	uint64_t allocs;
	uint64_t frees;
	uint64_t bytes;
};

/* splitmix64: seeded per thread, so every run makes the same calls whatever the interleaving. */
static uint64_t next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void *churn(void *arg)
{
	struct calls *c = arg;
	void *held[SLOTS] = { 0 };
	for (int step = 0; step < STEPS; step++) {
		uint64_t r = next(&c->seed);
		size_t slot = r % SLOTS;
		size_t size = 1 + (r >> 8) % MAX_SIZE;
		void *p = NULL;
		switch ((r >> 32) % 5) {
		case 0:   /* a resize, or malloc when the slot is empty (realloc(NULL, n)) */
			p = realloc(held[slot], size);
			if (!p)
				return NULL;
			if (held[slot])
				c->frees++;
			held[slot] = p;
			c->allocs++;
			c->bytes += size;
			continue;
		case 1:
			p = calloc(1, size);
			break;
		case 2:
			if (posix_memalign(&p, 64, size))
				p = NULL;
			break;
		default:
			p = malloc(size);
			break;
		}
		if (!p)
			return NULL;
		memset(p, (int)step, size);   /* touched, as a real program would */
		c->allocs++;
		c->bytes += size;
		if (held[slot])
			c->frees++;
		free(held[slot]);   /* free(NULL) too, which nobody counts */
		held[slot] = p;
	}
	for (size_t slot = 0; slot < SLOTS; slot++) {
		if (held[slot])
			c->frees++;
		free(held[slot]);
	}
	return c;
}

int main(void)
{
	pthread_t threads[THREADS];
	struct calls calls[THREADS];
	for (int t = 0; t < THREADS; t++) {
		calls[t] = (struct calls){ .seed = 0x6f7261636c65u + (uint64_t)t };
		if (pthread_create(&threads[t], NULL, churn, &calls[t])) {
			fprintf(stderr, "threads: cannot start thread %d\n", t);
			return 1;
		}
	}
	struct calls sum = { 0 };
	for (int t = 0; t < THREADS; t++) {
		void *done;
		if (pthread_join(threads[t], &done) || done != &calls[t]) {
			fprintf(stderr, "threads: thread %d ran out of memory\n", t);
			return 1;
		}
		sum.allocs += calls[t].allocs;
		sum.frees += calls[t].frees;
		sum.bytes += calls[t].bytes;
	}
	printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", sum.allocs, sum.frees, sum.bytes);
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
