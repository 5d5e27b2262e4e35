/* pagemap.h: the page map's layout, and its three calls on the allocation path, inline (pagemap.c has the rest). */
#ifndef MS_PAGEMAP_H
#define MS_PAGEMAP_H

#include "internal.h"

#include <sys/single_threaded.h>

/*
 * One bit per 16-byte granule of address space, set where a live block
 * starts. malloc returns 16-byte aligned blocks on x86-64 (glibc, ASan and
 * valgrind alike), and the header keeps the program's pointer aligned, so
 * a block start is a granule index: address >> 4. The bits live in a
 * three-level radix tree over 47-bit user addresses, like a page table: a
 * static root of 2^18 pointers (2 MiB of zero pages, touched only where
 * used), mid nodes of 2^10 leaf pointers (8 KiB, covering 512 MiB) and
 * leaves of 2^15 bits (4 KiB, covering 512 KiB). Lookup is three dependent
 * loads of memstats' own memory and never touches the address being asked
 * about, so a foreign pointer is rejected without reading memory memstats
 * does not own. The map keeps no addresses, only bits, so a leak checker
 * still sees a lost block as lost.
 *
 * Setting, taking and testing a bit are here, inline, because every
 * ms_alloc and ms_free does one: as calls they cost a tenth of the
 * tracked path (make bench-callgrind).
 */
#define MS_GRANULE_SHIFT 4
#define MS_LEAF_BITS 15
#define MS_MID_BITS 10
#define MS_ROOT_BITS 18
#define MS_ADDRESS_BITS (MS_GRANULE_SHIFT + MS_LEAF_BITS + MS_MID_BITS + MS_ROOT_BITS)   /* 47 */
#define MS_LEAF_WORDS ((1u << MS_LEAF_BITS) / 64)

struct ms_leaf {
	_Atomic uint64_t words[MS_LEAF_WORDS];
};

/* Node pointers are kept as void * so one install() serves both levels. */
struct ms_mid {
	_Atomic(void *) leaves[1u << MS_MID_BITS];    /* struct ms_leaf * */
};

extern _Atomic(void *) ms_pagemap_root[1u << MS_ROOT_BITS];   /* struct ms_mid * */

/* Where a block start's bit lives. */
struct ms_position {
	size_t root_index, mid_index, word;
	uint64_t bit;
};

/* False if `p` cannot start a block: misaligned, or above user space. */
MS_HOT bool ms_position_of(const void *p, struct ms_position *pos)
{
	uintptr_t a = (uintptr_t)p;
	if (a & ((1u << MS_GRANULE_SHIFT) - 1) || a >> MS_ADDRESS_BITS)
		return false;
	uintptr_t g = a >> MS_GRANULE_SHIFT;
	pos->root_index = g >> (MS_LEAF_BITS + MS_MID_BITS);
	pos->mid_index = (g >> MS_LEAF_BITS) & ((1u << MS_MID_BITS) - 1);
	pos->word = (g & ((1u << MS_LEAF_BITS) - 1)) / 64;
	pos->bit = UINT64_C(1) << (g % 64);
	return true;
}

/* The leaf holding `pos`, or NULL if none was made yet. */
MS_HOT struct ms_leaf *ms_leaf_at(const struct ms_position *pos)
{
	struct ms_mid *m = atomic_load_explicit(&ms_pagemap_root[pos->root_index],
						memory_order_acquire);
	return m ? atomic_load_explicit(&m->leaves[pos->mid_index], memory_order_acquire) : NULL;
}

/* The word holding `p`'s bit, with the bit in *bit; NULL if `p` has none (yet). */
MS_HOT _Atomic uint64_t *ms_word_of(const void *p, uint64_t *bit)
{
	struct ms_position pos;
	struct ms_leaf *l = ms_position_of(p, &pos) ? ms_leaf_at(&pos) : NULL;
	if (!l)
		return NULL;
	*bit = pos.bit;
	return &l->words[pos.word];
}

/* ms_pagemap_set where the leaf is not made yet: make the nodes first. */
bool ms_pagemap_set_new_leaf(const struct ms_position *pos);

/* Set a bit of a leaf's word, which neighbouring blocks share. */
MS_HOT void ms_word_set(_Atomic uint64_t *w, uint64_t bit)
{
	/* With one thread a plain load and store do; once another exists, a locked or. */
	if (__libc_single_threaded)
		atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) | bit,
				      memory_order_relaxed);
	else
		atomic_fetch_or_explicit(w, bit, memory_order_relaxed);
}

/* Mark `p` as the start of a live block; false if the map cannot hold it. */
MS_HOT bool ms_pagemap_set(const void *p)
{
	struct ms_position pos;
	if (!ms_position_of(p, &pos))
		return false;
	struct ms_leaf *l = ms_leaf_at(&pos);
	if (!l)
		return ms_pagemap_set_new_leaf(&pos);
	ms_word_set(&l->words[pos.word], pos.bit);
	return true;
}

/* Unmark `p`; true if it was marked (so exactly one caller wins). */
MS_HOT bool ms_pagemap_take(const void *p)
{
	uint64_t bit, old;
	_Atomic uint64_t *w = ms_word_of(p, &bit);
	if (!w)
		return false;
	if (__libc_single_threaded) {
		old = atomic_load_explicit(w, memory_order_relaxed);
		if (old & bit)
			atomic_store_explicit(w, old & ~bit, memory_order_relaxed);
	} else {
		old = atomic_fetch_and_explicit(w, ~bit, memory_order_relaxed);
	}
	return old & bit;
}

/* True if `p` starts a live block. */
MS_HOT bool ms_pagemap_test(const void *p)
{
	uint64_t bit;
	_Atomic uint64_t *w = ms_word_of(p, &bit);
	return w && (atomic_load_explicit(w, memory_order_relaxed) & bit);
}

/*
 * Set nodes aside so that the next ms_pagemap_set cannot fail for lack of
 * memory (false if there is none for them): for realloc, which cannot be
 * undone once the block has moved. Concurrent marks may use them up first.
 */
bool ms_pagemap_reserve(void);

/*
 * The nearest live block start below `p`, looking back at most
 * `max_distance` bytes; NULL if none.
 */
const void *ms_pagemap_find_below(const void *p, size_t max_distance);

/*
 * Call `visit` with every live block start, in address order, in batches
 * of at most MS_PAGEMAP_BATCH: a whole batch of addresses is known before
 * any block is read, so `visit` can prefetch ahead. The blocks are read by
 * `visit` at its own risk: another thread may free one meanwhile.
 */
#define MS_PAGEMAP_BATCH 256   /* 2 KiB of addresses on the stack */
void ms_pagemap_each(void (*visit)(const void *const *blocks, size_t count, void *context),
		     void *context);

#endif
