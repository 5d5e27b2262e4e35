/* pagemap.c: one bit per 16-byte granule of address space, set where a live block starts. */
#include "internal.h"

#include <sys/single_threaded.h>

/*
 * malloc returns 16-byte aligned blocks on x86-64 (glibc, ASan and
 * valgrind alike), so a block start is a granule index: address >> 4.
 * The bits live in a three-level radix tree over 47-bit user addresses,
 * like a page table: a static root of 2^18 pointers (2 MiB of zero pages,
 * touched only where used), mid nodes of 2^10 leaf pointers (8 KiB,
 * covering 512 MiB) and leaves of 2^15 bits (4 KiB, covering 512 KiB). Lookup
 * is three dependent loads of memstats' own memory and never touches the
 * address being asked about, so a foreign pointer is rejected without
 * reading memory memstats does not own. The map keeps no addresses, only
 * bits, so a leak checker still sees a lost block as lost.
 */
#define GRANULE_SHIFT 4
#define LEAF_BITS 15
#define MID_BITS 10
#define ROOT_BITS 18
#define ADDRESS_BITS (GRANULE_SHIFT + LEAF_BITS + MID_BITS + ROOT_BITS)   /* 47 */

#define LEAF_WORDS ((1u << LEAF_BITS) / 64)

struct leaf {
	_Atomic uint64_t words[LEAF_WORDS];
};

/* Node pointers are kept as void * so one install() serves both levels. */
struct mid {
	_Atomic(void *) leaves[1u << MID_BITS];    /* struct leaf * */
};

static _Atomic(void *) root[1u << ROOT_BITS];      /* struct mid * */

/* Where granule `g`'s bit lives. */
struct position {
	size_t root_index, mid_index, word;
	uint64_t bit;
};

static bool position_of(const void *p, struct position *pos)
{
	uintptr_t a = (uintptr_t)p;
	if (a & ((1u << GRANULE_SHIFT) - 1) || a >> ADDRESS_BITS)
		return false;
	uintptr_t g = a >> GRANULE_SHIFT;
	pos->root_index = g >> (LEAF_BITS + MID_BITS);
	pos->mid_index = (g >> LEAF_BITS) & ((1u << MID_BITS) - 1);
	pos->word = (g & ((1u << LEAF_BITS) - 1)) / 64;
	pos->bit = UINT64_C(1) << (g % 64);
	return true;
}

static struct leaf *leaf_at(const struct position *pos)
{
	struct mid *m = atomic_load_explicit(&root[pos->root_index], memory_order_acquire);
	return m ? atomic_load_explicit(&m->leaves[pos->mid_index], memory_order_acquire) : NULL;
}

/*
 * A spare mid node and leaf, enough to mark any one address: realloc
 * cannot be undone once it has moved a block, so ms_pagemap_reserve fills
 * them before it, and marking the moved block takes one when memory for a
 * fresh node has run out.
 */
static _Atomic(void *) spare_mid, spare_leaf;

/* Fill `spare` with a zeroed node of `size` bytes unless it holds one. */
static bool fill_spare(_Atomic(void *) *spare, size_t size)
{
	if (atomic_load_explicit(spare, memory_order_acquire))
		return true;
	void *fresh = ms_table_alloc(size);
	void *none = NULL;
	if (fresh && !atomic_compare_exchange_strong_explicit(spare, &none, fresh,
							      memory_order_acq_rel,
							      memory_order_acquire))
		return true;      /* another thread filled it first: ours stays unused, once */
	return fresh != NULL;
}

bool ms_pagemap_reserve(void)
{
	return fill_spare(&spare_mid, sizeof(struct mid)) &&
	       fill_spare(&spare_leaf, sizeof(struct leaf));
}

/*
 * Install a node where another thread may be installing one too: the
 * loser's fresh node stays allocated but unused (a few KiB, once).
 */
static void *install(_Atomic(void *) *slot, size_t size, _Atomic(void *) *spare)
{
	void *have = atomic_load_explicit(slot, memory_order_acquire);
	if (have)
		return have;
	void *fresh = ms_table_alloc(size);
	if (!fresh)
		fresh = atomic_exchange_explicit(spare, NULL, memory_order_acq_rel);
	if (!fresh)
		return NULL;
	if (atomic_compare_exchange_strong_explicit(slot, &have, fresh, memory_order_acq_rel,
						    memory_order_acquire))
		return fresh;
	return have;
}

bool ms_pagemap_set(const void *p)
{
	struct position pos;
	if (!position_of(p, &pos))
		return false;
	struct leaf *l = leaf_at(&pos);
	if (!l) {                       /* first block in this 512 KiB: make the nodes */
		struct mid *m = install(&root[pos.root_index], sizeof(struct mid), &spare_mid);
		l = m ? install(&m->leaves[pos.mid_index], sizeof(struct leaf), &spare_leaf)
		      : NULL;
		if (!l)
			return false;
	}
	_Atomic uint64_t *w = &l->words[pos.word];
	/*
	 * Neighbouring blocks share a word. With one thread a plain load and
	 * store do; once another thread exists, a locked or is needed.
	 */
	if (__libc_single_threaded)
		atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) | pos.bit,
				      memory_order_relaxed);
	else
		atomic_fetch_or_explicit(w, pos.bit, memory_order_relaxed);
	return true;
}

bool ms_pagemap_take(const void *p)
{
	struct position pos;
	if (!position_of(p, &pos))
		return false;
	struct leaf *l = leaf_at(&pos);
	if (!l)
		return false;
	_Atomic uint64_t *w = &l->words[pos.word];
	uint64_t old;
	if (__libc_single_threaded) {
		old = atomic_load_explicit(w, memory_order_relaxed);
		if (old & pos.bit)
			atomic_store_explicit(w, old & ~pos.bit, memory_order_relaxed);
	} else {
		old = atomic_fetch_and_explicit(w, ~pos.bit, memory_order_relaxed);
	}
	return old & pos.bit;
}

bool ms_pagemap_test(const void *p)
{
	struct position pos;
	if (!position_of(p, &pos))
		return false;
	struct leaf *l = leaf_at(&pos);
	return l && (atomic_load_explicit(&l->words[pos.word], memory_order_relaxed) & pos.bit);
}

/* The leaf holding granule `g`'s bit, or NULL. */
static struct leaf *leaf_of_granule(uintptr_t g)
{
	struct position pos = {
		.root_index = g >> (LEAF_BITS + MID_BITS),
		.mid_index = (g >> LEAF_BITS) & ((1u << MID_BITS) - 1),
	};
	return leaf_at(&pos);
}

const void *ms_pagemap_find_below(const void *p, size_t max_distance)
{
	uintptr_t a = (uintptr_t)p;
	if (a >> ADDRESS_BITS || a < (1u << GRANULE_SHIFT))
		return NULL;
	/* Candidates: granules strictly below p's address, down to `lowest`. */
	uintptr_t at = (a - 1) >> GRANULE_SHIFT;
	uintptr_t lowest = a > max_distance ? (a - max_distance + 15) >> GRANULE_SHIFT : 0;
	for (;;) {
		uintptr_t leaf_start = at & ~(uintptr_t)((1u << LEAF_BITS) - 1);
		struct leaf *l = leaf_of_granule(at);
		/* Walk this leaf's words from `at` down. */
		while (l) {
			uintptr_t word_start = at & ~(uintptr_t)63;
			uint64_t bits = atomic_load_explicit(&l->words[(word_start - leaf_start) / 64],
							     memory_order_relaxed);
			bits &= ~UINT64_C(0) >> (63 - (at - word_start));   /* bits <= at */
			if (bits) {
				uintptr_t found = word_start + 63 - (uintptr_t)__builtin_clzll(bits);
				return found >= lowest ? (const void *)(found << GRANULE_SHIFT) : NULL;
			}
			if (word_start == leaf_start)
				break;
			at = word_start - 1;
		}
		if (leaf_start == 0 || leaf_start <= lowest)
			return NULL;
		at = leaf_start - 1;
	}
}

void ms_pagemap_each(void (*visit)(const void *block, void *context), void *context)
{
	for (uintptr_t r = 0; r < (1u << ROOT_BITS); r++) {
		struct mid *m = atomic_load_explicit(&root[r], memory_order_acquire);
		for (uintptr_t i = 0; m && i < (1u << MID_BITS); i++) {
			struct leaf *l = atomic_load_explicit(&m->leaves[i], memory_order_acquire);
			for (uintptr_t w = 0; l && w < LEAF_WORDS; w++) {
				uint64_t bits = atomic_load_explicit(&l->words[w], memory_order_relaxed);
				uintptr_t first = ((r << MID_BITS | i) << LEAF_BITS) + w * 64;
				for (; bits; bits &= bits - 1) {
					uintptr_t g = first + (uintptr_t)__builtin_ctzll(bits);
					visit((const void *)(g << GRANULE_SHIFT), context);
				}
			}
		}
	}
}
