/* pagemap.h: the page map's layout, and its three calls on the allocation path, inline (pagemap.c has the rest). */
#ifndef MS_PAGEMAP_H
#define MS_PAGEMAP_H

#include "hot.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/*
 * The granule of `p` in *g; false if `p` cannot start a block: misaligned,
 * or above user space (one test for both).
 */
MS_HOT bool ms_granule_of(const void *p, uintptr_t *g)
{
	uintptr_t a = (uintptr_t)p;
	if (a & (~(uintptr_t)0 << MS_ADDRESS_BITS | ((1u << MS_GRANULE_SHIFT) - 1)))
		return false;
	*g = a >> MS_GRANULE_SHIFT;
	return true;
}

/* Where granule `g`'s mid node hangs in the root. */
MS_HOT size_t ms_root_index(uintptr_t g)
{
	return g >> (MS_LEAF_BITS + MS_MID_BITS);
}

/* Where granule `g`'s leaf hangs in its mid node. */
MS_HOT size_t ms_mid_index(uintptr_t g)
{
	return (g >> MS_LEAF_BITS) & ((1u << MS_MID_BITS) - 1);
}

/* The leaf holding granule `g`'s bit, or NULL if none was made yet. */
MS_HOT struct ms_leaf *ms_leaf_of(uintptr_t g)
{
	struct ms_mid *m =
		atomic_load_explicit(&ms_pagemap_root[ms_root_index(g)], memory_order_acquire);
	return m ? atomic_load_explicit(&m->leaves[ms_mid_index(g)], memory_order_acquire) : NULL;
}

/* The word of leaf `l` holding granule `g`'s bit. */
MS_HOT _Atomic uint64_t *ms_word_in(struct ms_leaf *l, uintptr_t g)
{
	return &l->words[(g & ((1u << MS_LEAF_BITS) - 1)) / 64];
}

/* Granule `g`'s bit in its word. */
MS_HOT uint64_t ms_bit_of(uintptr_t g)
{
	return UINT64_C(1) << (g % 64);
}

/* The word holding `p`'s bit, with the bit in *bit; NULL if `p` has none (yet). */
MS_HOT _Atomic uint64_t *ms_word_of(const void *p, uint64_t *bit)
{
	uintptr_t g;
	struct ms_leaf *l = ms_granule_of(p, &g) ? ms_leaf_of(g) : NULL;
	if (!l)
		return NULL;
	*bit = ms_bit_of(g);
	return ms_word_in(l, g);
}

/*
 * ms_pagemap_set where the leaf is not made yet: make the nodes first.
 * It takes the granule, not a computed position, so the inline fast path
 * keeps its indexes in registers rather than in memory for this call.
 */
bool ms_pagemap_set_new_leaf(uintptr_t g);

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
	uintptr_t g;
	if (!ms_granule_of(p, &g))
		return false;
	struct ms_leaf *l = ms_leaf_of(g);
	if (!l)
		return ms_pagemap_set_new_leaf(g);
	ms_word_set(ms_word_in(l, g), ms_bit_of(g));
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
