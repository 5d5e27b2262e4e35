/* solution.c: the arena exercise's reference: a bump allocator over 64 KiB chunks, reset by rewinding, freed at once. */
#include "arena.h"

void *arena_alloc(struct strategy *s, size_t size)
{
	struct arena *a = (struct arena *)s;
	size_t align = strategy_align_for(size);
	for (;;) {
		if (a->current) {
			size_t start = strategy_round_up(a->used, align);
			if (start <= a->current->capacity && size <= a->current->capacity - start) {
				a->used = start + size;
				return (unsigned char *)a->current->data + start;
			}
		}
		/* Full: move on to the next chunk, kept from before a reset or new. */
		struct arena_chunk *next = a->current ? a->current->next : a->first;
		if (!next && !(next = arena_chunk_new(a, size)))
			return NULL;
		a->current = next;
		a->used = 0;
	}
}

void arena_reset(struct strategy *s)
{
	struct arena *a = (struct arena *)s;
	a->current = NULL;
	a->used = 0;
}

void arena_destroy(struct strategy *s)
{
	struct arena *a = (struct arena *)s;
	while (a->first) {
		struct arena_chunk *next = a->first->next;
		ms_free(a->first);
		a->first = next;
	}
	arena_reset(s);
}
