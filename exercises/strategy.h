/* strategy.h: the one small interface every allocation strategy in the exercises implements, and the malloc baseline they are measured against. */
#ifndef EXERCISES_STRATEGY_H
#define EXERCISES_STRATEGY_H

#include <stdalign.h>
#include <stddef.h>

/*
 * An allocation strategy. A concrete one (an arena, a pool) embeds this as
 * its first member, so a `struct strategy *` points at the whole of it. It
 * takes its memory from memstats with ms_alloc_bytes, tagged with `name`,
 * so every strategy's blocks and bytes are counted the same way and each
 * has a summary row of its own.
 */
struct strategy {
	const char *name;  /* one word: the comparison table's row and the memstats tag */
	/* `size` bytes aligned for any object of that size, or NULL with errno set. */
	void *(*alloc)(struct strategy *s, size_t size);
	/* Give back one object from alloc; `size` is what was asked for it. */
	void (*free)(struct strategy *s, void *object, size_t size);
	/*
	 * Drop every object at once and keep the memory for the ones that come
	 * next; NULL when the strategy can only free objects one at a time.
	 */
	void (*reset)(struct strategy *s);
	/* Give back all the strategy's memory; objects still out die with it. */
	void (*destroy)(struct strategy *s);
};

/*
 * What the arena, the pool and the size classes take from memstats at a
 * time: one size for all, so their figures compare. 64 KiB stays below
 * glibc's mmap threshold (128 KiB), so each block is an ordinary heap chunk.
 */
#define STRATEGY_BLOCK_SIZE 65536

/*
 * The alignment an object of `size` bytes can need at most. In C a type's
 * alignment divides its size, so the largest power of two dividing `size`
 * (capped at max_align_t's) always suffices: a 24-byte node needs 8, not
 * the 16 that malloc must give every block because it cannot know.
 */
static inline size_t strategy_align_for(size_t size)
{
	size_t lowest_bit = size & (~size + 1);
	return lowest_bit == 0 || lowest_bit > alignof(max_align_t) ? alignof(max_align_t)
								     : lowest_bit;
}

/* `offset` rounded up to a multiple of `align`, a power of two. */
static inline size_t strategy_round_up(size_t offset, size_t align)
{
	return (offset + align - 1) & ~(align - 1);
}

/*
 * The baseline, "malloc": one ms_alloc_bytes per object and one ms_free
 * per object, so no reset. It needs no state beyond the interface.
 */
void malloc_strategy_init(struct strategy *s);

#endif
