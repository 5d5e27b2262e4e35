/* strerror_threads.c: 200 threads in turn, each freeing a block of its own and then asking strerror for an unknown error, whose buffer glibc frees as the thread ends, after its key destructors. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 200

/* strerror of an unknown number allocates its text in a per-thread buffer (glibc). */
static void *work(void *arg)
{
	(void)arg;
	free(malloc(10)); /* site: work */
	volatile const char *text = strerror(98765);
	(void)text;
	return NULL;
}

int main(void)
{
	for (int i = 0; i < THREADS; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, work, NULL) != 0 || pthread_join(t, NULL) != 0)
			return 1;
	}
	puts("ok");
	return 0;
}
