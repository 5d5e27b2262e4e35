/* arena.h: the arena's shape and scaffolding, shared by exercise.c (yours) and solution.c, which differ only in the three functions declared here. */
#ifndef EXERCISES_ARENA_H
#define EXERCISES_ARENA_H

#include <errno.h>
#include <stdint.h>

#include "memstats.h"
#include "strategy.h"

/* One block the arena took from memstats; objects are carved out of `data`. */
struct arena_chunk {
	struct arena_chunk *next; /* the chunk taken after this one */
	size_t capacity;          /* bytes in data */
	max_align_t data[];       /* max_align_t, so data starts aligned for any object */
};

/*
 * A bump allocator: objects are carved one after the other from the
 * current chunk; when it is full the arena moves on to the next chunk,
 * taking a new one only when it has none left. Objects are never freed
 * one at a time: reset drops them all at once and destroy frees the chunks.
 */
struct arena {
	struct strategy base;        /* first, so a struct strategy * is the arena */
	size_t chunk_size;           /* bytes asked of memstats per chunk, header included */
	struct arena_chunk *first;   /* every chunk, oldest first, linked by next */
	struct arena_chunk *current; /* where objects come from now; NULL before the first */
	size_t used;                 /* bytes of current->data handed out */
};

/*
 * YOUR PART (exercise.c):
 * arena_alloc: `size` bytes at the next offset of the current chunk that
 *   is a multiple of strategy_align_for(size); when they do not fit, the
 *   next chunk (current->next, or first when current is NULL), and only
 *   when there is none, a new one from arena_chunk_new. NULL if that fails.
 * arena_reset: drop every object and keep every chunk, so the next objects
 *   reuse them without asking memstats for anything.
 * arena_destroy: free every chunk; the arena is then empty, as after init.
 */
void *arena_alloc(struct strategy *s, size_t size);
void arena_reset(struct strategy *s);
void arena_destroy(struct strategy *s);

/* Freeing one object does nothing: an arena frees all its objects at once. */
static inline void arena_free(struct strategy *s, void *object, size_t size)
{
	(void)s;
	(void)object;
	(void)size;
}

/*
 * Take a chunk from memstats with room for at least `size` bytes (an
 * object larger than a chunk gets a chunk of its own size) and link it
 * after the current chunk, or first when there is none. The caller moves
 * to it. NULL with errno set if memstats could not give it.
 */
static inline struct arena_chunk *arena_chunk_new(struct arena *a, size_t size)
{
	size_t capacity = a->chunk_size - sizeof(struct arena_chunk);
	if (size > capacity)
		capacity = size;
	if (capacity > SIZE_MAX - sizeof(struct arena_chunk)) {
		errno = ENOMEM;
		return NULL;
	}
	struct arena_chunk *chunk = ms_alloc_bytes(sizeof *chunk + capacity, a->base.name);
	if (!chunk)
		return NULL;
	chunk->capacity = capacity;
	struct arena_chunk **link = a->current ? &a->current->next : &a->first;
	chunk->next = *link;
	*link = chunk;
	return chunk;
}

/* An empty arena taking `chunk_size`-byte chunks (larger than a chunk header), named "arena". */
static inline void arena_init(struct arena *a, size_t chunk_size)
{
	*a = (struct arena){ { "arena", arena_alloc, arena_free, arena_reset, arena_destroy },
			     chunk_size, NULL, NULL, 0 };
}

#endif
