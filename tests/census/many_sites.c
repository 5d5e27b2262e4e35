/* many_sites.c: 200000 live blocks from one site, `extra` more from another, then one from each of 100 sites, all live at exit: a site table large enough that glibc's qsort takes a buffer from malloc to sort it. */
#include <stdlib.h>

static void *volatile sink;

/* Keep a block live to the end (the pointer goes where the compiler cannot drop it). */
static void keep(void *p)
{
	sink = p;
}

#define TEN(x) x x x x x x x x x x

int main(int argc, char **argv)
{
	int extra = argc > 1 ? atoi(argv[1]) : 0;
	for (int i = 0; i < 200000; i++)
		keep(malloc(24));
	for (int i = 0; i < extra; i++)
		keep(malloc(8));
	size_t size = 16;
	/* a hundred calls, each its own return address */
	TEN(TEN(keep(malloc(size++));))
	return 0;
}
