/* pagemap.c: one bit per 16-byte granule of address space, set where a live block starts: making nodes, and the walks. */
#include "pagemap.h"
#include "bookkeeping.h"

_Atomic(void *) ms_pagemap_root[1u << MS_ROOT_BITS];

/*
 * A bit per root slot that holds a mid node, so a walk reads 32 KiB of
 * bits rather than the root's 2 MiB of pointers: the root's zero pages
 * cost a walk of a small heap (a census at a short program's exit) a
 * quarter of a million loads and 512 page faults.
 */
static _Atomic uint64_t roots_used[(1u << MS_ROOT_BITS) / 64];

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
	void *fresh = ms_bookkeeping_alloc(size);
	void *none = NULL;
	if (fresh && !atomic_compare_exchange_strong_explicit(spare, &none, fresh,
							      memory_order_acq_rel,
							      memory_order_acquire))
		return true;      /* another thread filled it first: ours stays unused, once */
	return fresh != NULL;
}

bool ms_pagemap_reserve(void)
{
	return fill_spare(&spare_mid, sizeof(struct ms_mid)) &&
	       fill_spare(&spare_leaf, sizeof(struct ms_leaf));
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
	void *fresh = ms_bookkeeping_alloc(size);
	if (!fresh)
		fresh = atomic_exchange_explicit(spare, NULL, memory_order_acq_rel);
	if (!fresh)
		return NULL;
	if (atomic_compare_exchange_strong_explicit(slot, &have, fresh, memory_order_acq_rel,
						    memory_order_acquire))
		return fresh;
	return have;
}

bool ms_pagemap_set_new_leaf(uintptr_t g)
{
	/* the first block in this 512 KiB */
	size_t r = ms_root_index(g);
	struct ms_mid *m = install(&ms_pagemap_root[r], sizeof(struct ms_mid), &spare_mid);
	if (m && !(atomic_load_explicit(&roots_used[r / 64], memory_order_relaxed) &
		   ms_bit_of(r)))
		atomic_fetch_or_explicit(&roots_used[r / 64], ms_bit_of(r), memory_order_release);
	struct ms_leaf *l = m ? install(&m->leaves[ms_mid_index(g)], sizeof(struct ms_leaf),
					&spare_leaf)
			      : NULL;
	if (!l)
		return false;
	ms_word_set(ms_word_in(l, g), ms_bit_of(g));
	return true;
}

const void *ms_pagemap_find_below(const void *p, size_t max_distance)
{
	uintptr_t a = (uintptr_t)p;
	if (a >> MS_ADDRESS_BITS || a < (1u << MS_GRANULE_SHIFT))
		return NULL;
	/* Candidates: granules strictly below p's address, down to `lowest`. */
	uintptr_t at = (a - 1) >> MS_GRANULE_SHIFT;
	uintptr_t lowest = a > max_distance ? (a - max_distance + 15) >> MS_GRANULE_SHIFT : 0;
	for (;;) {
		uintptr_t leaf_start = at & ~(uintptr_t)((1u << MS_LEAF_BITS) - 1);
		struct ms_leaf *l = ms_leaf_of(at);
		/* Walk this leaf's words from `at` down. */
		while (l) {
			uintptr_t word_start = at & ~(uintptr_t)63;
			uint64_t bits = atomic_load_explicit(&l->words[(word_start - leaf_start) / 64],
							     memory_order_relaxed);
			bits &= ~UINT64_C(0) >> (63 - (at - word_start));   /* bits <= at */
			if (bits) {
				uintptr_t found = word_start + 63 - (uintptr_t)__builtin_clzll(bits);
				return found >= lowest ? (const void *)(found << MS_GRANULE_SHIFT) : NULL;
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

/* Every live block start under mid node `m`, root slot `r`, into `batch` as ms_pagemap_each hands them out. */
static void each_in_mid(uintptr_t r, struct ms_mid *m, const void **batch, size_t *count,
			void (*visit)(const void *const *blocks, size_t count, void *context),
			void *context)
{
	for (uintptr_t i = 0; i < (1u << MS_MID_BITS); i++) {
		struct ms_leaf *l = atomic_load_explicit(&m->leaves[i], memory_order_acquire);
		for (uintptr_t w = 0; l && w < MS_LEAF_WORDS; w++) {
			uint64_t bits = atomic_load_explicit(&l->words[w], memory_order_relaxed);
			uintptr_t first = ((r << MS_MID_BITS | i) << MS_LEAF_BITS) + w * 64;
			for (; bits; bits &= bits - 1) {
				uintptr_t g = first + (uintptr_t)__builtin_ctzll(bits);
				batch[(*count)++] = (const void *)(g << MS_GRANULE_SHIFT);
				if (*count == MS_PAGEMAP_BATCH) {
					visit(batch, *count, context);
					*count = 0;
				}
			}
		}
	}
}

void ms_pagemap_each(void (*visit)(const void *const *blocks, size_t count, void *context),
		     void *context)
{
	const void *batch[MS_PAGEMAP_BATCH];
	size_t count = 0;
	for (uintptr_t u = 0; u < (1u << MS_ROOT_BITS) / 64; u++) {
		uint64_t used = atomic_load_explicit(&roots_used[u], memory_order_acquire);
		for (; used; used &= used - 1) {
			uintptr_t r = u * 64 + (uintptr_t)__builtin_ctzll(used);
			struct ms_mid *m =
				atomic_load_explicit(&ms_pagemap_root[r], memory_order_acquire);
			if (m)
				each_in_mid(r, m, batch, &count, visit, context);
		}
	}
	if (count)
		visit(batch, count, context);
}
