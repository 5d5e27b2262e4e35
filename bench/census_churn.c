/* census_churn.c: THREADS threads each churning PAIRS malloc/free pairs through the C library's own malloc, the multithreaded program make bench-census runs under ./census and heaptrack. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Each thread keeps this many blocks live, replacing one at random per pair. */
#define WINDOW 1000
#define MAX_THREADS 64

struct worker {
	uint64_t seed;
	long pairs;
	uint64_t checksum;   /* read back, so no pair can be optimised away */
};

/* splitmix64: the same seeded sizes and slots on every machine. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void *churn(void *arg)
{
	struct worker *w = arg;
	unsigned char *blocks[WINDOW] = { 0 };
	for (long i = 0; i < w->pairs; i++) {
		uint64_t r = next_random(&w->seed);
		size_t slot = (size_t)(r % WINDOW);
		size_t size = 16 + (size_t)((r >> 32) % 497);   /* 16..512 bytes */
		free(blocks[slot]);
		blocks[slot] = malloc(size);
		if (!blocks[slot]) {
			perror("census_churn");
			exit(1);
		}
		blocks[slot][0] = (unsigned char)r;
		w->checksum += blocks[slot][0];
	}
	for (size_t s = 0; s < WINDOW; s++)
		free(blocks[s]);
	return NULL;
}

int main(int argc, char **argv)
{
	char *end1 = NULL, *end2 = NULL;
	long threads = argc == 3 ? strtol(argv[1], &end1, 10) : 0;
	long pairs = argc == 3 ? strtol(argv[2], &end2, 10) : 0;
	if (argc != 3 || *end1 || *end2 || threads < 1 || threads > MAX_THREADS || pairs < 1) {
		fprintf(stderr, "usage: census_churn THREADS PAIRS   (PAIRS malloc/free pairs a thread)\n");
		return 2;
	}
	pthread_t ids[MAX_THREADS];
	struct worker workers[MAX_THREADS];
	for (long t = 0; t < threads; t++) {
		workers[t] = (struct worker){ .seed = (uint64_t)t + 1, .pairs = pairs };
		int failed = pthread_create(&ids[t], NULL, churn, &workers[t]);
		if (failed) {
			fprintf(stderr, "census_churn: pthread_create: %d\n", failed);
			return 1;
		}
	}
	uint64_t checksum = 0;
	for (long t = 0; t < threads; t++) {
		pthread_join(ids[t], NULL);
		checksum += workers[t].checksum;
	}
	printf("%llu\n", (unsigned long long)checksum);
	return 0;
}
