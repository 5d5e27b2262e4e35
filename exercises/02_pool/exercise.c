/* exercise.c: YOUR pool: write the four functions below (pool.h says what each must do), then run `make exercises`. */
#include "pool.h"

void *pool_alloc(struct strategy *s, size_t size)
{
	/*
	 * TODO 1: refuse a size above pool->object_size (errno = EINVAL).
	 * Take the first slot off pool->free_slots. When the list is empty,
	 * take a slab with pool_slab_new and put each of its slots
	 * (pool_slot_at) on the list first, so slot 0 comes out first.
	 */
	(void)s;
	(void)size;
	return NULL;
}

void pool_free(struct strategy *s, void *object, size_t size)
{
	/* TODO 2: the object's memory becomes a struct pool_slot at the front of the free list. */
	(void)s;
	(void)object;
	(void)size;
}

void pool_reset(struct strategy *s)
{
	/* TODO 3: empty the free list, then put every slot of every slab on it. */
	(void)s;
}

void pool_destroy(struct strategy *s)
{
	/* TODO 4: ms_free every slab, then leave the pool as empty as pool_init made it. */
	(void)s;
}
