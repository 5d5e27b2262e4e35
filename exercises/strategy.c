/* strategy.c: the malloc baseline, one memstats block per object, that every other strategy is compared with. */
#include "strategy.h"

#include "memstats.h"

/* The baseline's tag: its blocks' row in a summary and its row in the table. */
#define MALLOC_TAG "malloc"

static void *malloc_alloc(struct strategy *s, size_t size)
{
	(void)s;
	return ms_alloc_bytes(size, MALLOC_TAG);
}

static void malloc_free(struct strategy *s, void *object, size_t size)
{
	(void)s;
	(void)size;
	ms_free(object);
}

/* Nothing to give back: every object went back to malloc when it was freed. */
static void malloc_destroy(struct strategy *s)
{
	(void)s;
}

void malloc_strategy_init(struct strategy *s)
{
	*s = (struct strategy){ MALLOC_TAG, malloc_alloc, malloc_free, NULL, malloc_destroy };
}
