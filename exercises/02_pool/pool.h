/* pool.h: the pool's shape and scaffolding, shared by exercise.c (yours) and solution.c, which differ only in the four functions declared here. */
#ifndef EXERCISES_POOL_H
#define EXERCISES_POOL_H

#include <errno.h>

#include "memstats.h"
#include "strategy.h"

/* A free slot holds the link to the next free one: the free list costs no memory of its own. */
struct pool_slot {
	struct pool_slot *next;
};

/* One block the pool took from memstats, cut into slots. */
struct pool_slab {
	struct pool_slab *next; /* the slab taken before this one */
	max_align_t slots[];    /* max_align_t, so the first slot is aligned for any object */
};

/*
 * A pool of objects of one size. Freed objects go on a free list and the
 * next allocations take them back, newest first; only when the list is
 * empty does the pool take another slab and put all its slots on the list.
 * Slabs are never given back before destroy.
 */
struct pool {
	struct strategy base;         /* first, so a struct strategy * is the pool */
	size_t object_size;           /* the largest object it hands out */
	size_t slot_size;             /* object_size, rounded to hold a link and stay aligned */
	size_t slab_size;             /* bytes asked of memstats per slab, header included */
	size_t slots_per_slab;
	struct pool_slab *slabs;      /* every slab, newest first, linked by next */
	struct pool_slot *free_slots; /* the free list */
};

/*
 * YOUR PART (exercise.c):
 * pool_alloc: a slot from the free list; when the list is empty, a new
 *   slab from pool_slab_new with every slot put on the list, in order, so
 *   pool_slot_at(pool, slab, 0) comes out first. A size above
 *   object_size is refused: NULL with errno = EINVAL.
 * pool_free: put the object's slot back on the free list.
 * pool_reset: every slot of every slab back on the free list at once.
 * pool_destroy: ms_free every slab; the pool is then empty, as after init.
 */
void *pool_alloc(struct strategy *s, size_t size);
void pool_free(struct strategy *s, void *object, size_t size);
void pool_reset(struct strategy *s);
void pool_destroy(struct strategy *s);

/* Slot `i` of `slab`. */
static inline struct pool_slot *pool_slot_at(const struct pool *pool, struct pool_slab *slab, size_t i)
{
	return (struct pool_slot *)((unsigned char *)slab->slots + i * pool->slot_size);
}

/*
 * Take a slab from memstats and link it first in pool->slabs; its slots
 * are not on the free list yet. NULL with errno set if memstats could not.
 */
static inline struct pool_slab *pool_slab_new(struct pool *pool)
{
	struct pool_slab *slab = ms_alloc_bytes(pool->slab_size, pool->base.name);
	if (!slab)
		return NULL;
	slab->next = pool->slabs;
	pool->slabs = slab;
	return slab;
}

/*
 * An empty pool of `object_size`-byte objects named `name` (its memstats
 * tag) taking `slab_size`-byte slabs, which must hold at least one slot.
 */
static inline void pool_init(struct pool *pool, const char *name, size_t object_size,
			     size_t slab_size)
{
	size_t align = strategy_align_for(object_size);
	if (align < alignof(struct pool_slot))
		align = alignof(struct pool_slot);
	size_t slot_size = strategy_round_up(object_size > sizeof(struct pool_slot)
						     ? object_size
						     : sizeof(struct pool_slot),
					     align);
	*pool = (struct pool){ { name, pool_alloc, pool_free, pool_reset, pool_destroy },
			       object_size, slot_size, slab_size,
			       (slab_size - sizeof(struct pool_slab)) / slot_size, NULL, NULL };
}

#endif
