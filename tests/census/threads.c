/* threads.c: a census workload of four threads, each allocating and freeing a known set, joined before exit. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 4
#define BLOCKS 1000   /* each thread's; enough that each looks at the clock many times */

/* BLOCKS blocks of 16 + the thread's number bytes, every other one freed. */
static void *work(void *arg)
{
	size_t number = (size_t)(uintptr_t)arg;
	void *blocks[BLOCKS];
	for (int i = 0; i < BLOCKS; i++)
		if (!(blocks[i] = malloc(16 + number))) /* site: work */
			_exit(10);
	for (int i = 0; i < BLOCKS; i += 2)
		free(blocks[i]);
	return NULL;
}

int main(void)
{
	pthread_t threads[THREADS];
	for (size_t i = 0; i < THREADS; i++)
		if (pthread_create(&threads[i], NULL, work, (void *)(uintptr_t)i))
			return 11;
	for (int i = 0; i < THREADS; i++)
		if (pthread_join(threads[i], NULL))
			return 12;
	return 0;
}
