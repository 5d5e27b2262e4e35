/* exercise.c: YOUR arena: write the three functions below (arena.h says what each must do), then run `make exercises`. */
#include "arena.h"

void *arena_alloc(struct strategy *s, size_t size)
{
	/*
	 * TODO 1: hand out `size` bytes from the current chunk, at the next
	 * offset that is a multiple of strategy_align_for(size)
	 * (strategy_round_up helps). When they do not fit, move on to the next
	 * chunk: a->current->next, or a->first while a->current is NULL; take
	 * a new one with arena_chunk_new only when there is no next one.
	 */
	(void)s;
	(void)size;
	return NULL;
}

void arena_reset(struct strategy *s)
{
	/* TODO 2: drop every object but keep the chunks: start again before the first. */
	(void)s;
}

void arena_destroy(struct strategy *s)
{
	/* TODO 3: ms_free every chunk, then leave the arena as empty as arena_init made it. */
	(void)s;
}
