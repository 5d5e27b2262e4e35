/* solution.c: the pool exercise's reference: fixed-size slots in 64 KiB slabs, reused through an intrusive free list. */
#include "pool.h"

static void push_free(struct pool *pool, struct pool_slot *slot)
{
	slot->next = pool->free_slots;
	pool->free_slots = slot;
}

/* Put every slot of `slab` on the free list, last first, so slot 0 comes out first. */
static void free_every_slot(struct pool *pool, struct pool_slab *slab)
{
	for (size_t i = pool->slots_per_slab; i-- > 0;)
		push_free(pool, pool_slot_at(pool, slab, i));
}

void *pool_alloc(struct strategy *s, size_t size)
{
	struct pool *pool = (struct pool *)s;
	if (size > pool->object_size) {
		errno = EINVAL;
		return NULL;
	}
	if (!pool->free_slots) {
		struct pool_slab *slab = pool_slab_new(pool);
		if (!slab)
			return NULL;
		free_every_slot(pool, slab);
	}
	struct pool_slot *slot = pool->free_slots;
	pool->free_slots = slot->next;
	return slot;
}

void pool_free(struct strategy *s, void *object, size_t size)
{
	(void)size;
	push_free((struct pool *)s, object);
}

void pool_reset(struct strategy *s)
{
	struct pool *pool = (struct pool *)s;
	pool->free_slots = NULL;
	for (struct pool_slab *slab = pool->slabs; slab; slab = slab->next)
		free_every_slot(pool, slab);
}

void pool_destroy(struct strategy *s)
{
	struct pool *pool = (struct pool *)s;
	while (pool->slabs) {
		struct pool_slab *next = pool->slabs->next;
		ms_free(pool->slabs);
		pool->slabs = next;
	}
	pool->free_slots = NULL;
}
