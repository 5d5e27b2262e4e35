/* origins.c: numbering origins, the site and row a block came from, under a lock, for lock-free lookups on the allocation path. */
#include "origins.h"
#include "bookkeeping.h"
#include "fork.h"

#include <stddef.h>

struct ms_origin *ms_origin_chunks[MS_MAX_ORIGINS / MS_ORIGINS_PER_CHUNK];
_Atomic uint32_t ms_origins_end = 1;            /* index 0 is no origin: number 0 is an empty index slot */

/*
 * The index from (file, line, row) to number: open addressing over
 * numbers (0: empty), published whole, so a reader probes it without a
 * lock. When it fills, a larger one is built from the origins and
 * published; the old one stays readable, and a miss in it is looked up
 * again under the lock.
 */
struct origin_index {
	unsigned bits;                     /* 2^bits slots, at most half used */
	_Atomic uint32_t slots[];
};

static _Atomic(struct origin_index *) origin_index;

/*
 * On a cache line of its own: taking it writes the line, which every
 * allocation's lock-free look-up would otherwise miss on afterwards.
 */
_Alignas(64) pthread_mutex_t ms_origins_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * Set once all 2^20 origins are taken: from then on a new site is given
 * up at once, with no lock, and its blocks get full headers. Where memory
 * for one ran out, the next block from its site tries again.
 */
_Alignas(64) static _Atomic bool numbering_stopped;

/* The first index: 1024 slots, 4 KiB, room for 512 origins before it grows. */
#define FIRST_INDEX_BITS 10

/* Slot origin `number` into `index` at its first empty slot. */
static void index_put(struct origin_index *index, uint32_t number)
{
	const struct ms_origin *o = ms_origin_at(number >> MS_ORIGIN_ROW_BITS);
	size_t mask = ((size_t)1 << index->bits) - 1;
	size_t i = ms_origin_slot(o->file, o->line, o->row, index->bits);
	while (atomic_load_explicit(&index->slots[i], memory_order_relaxed))
		i = (i + 1) & mask;
	atomic_store_explicit(&index->slots[i], number, memory_order_release);
}

/*
 * An index of 2^bits slots holding every origin so far, published. The
 * old index is bookkeeping, never freed: a thread may still be probing it.
 */
static bool index_rebuild(unsigned bits)
{
	struct origin_index *index =
		ms_bookkeeping_alloc(sizeof *index + ((size_t)1 << bits) * sizeof index->slots[0]);
	if (!index)
		return false;
	index->bits = bits;
	uint32_t end = atomic_load_explicit(&ms_origins_end, memory_order_relaxed);
	for (uint32_t at = 1; at < end; at++)
		index_put(index, at << MS_ORIGIN_ROW_BITS | ms_origin_at(at)->row);
	atomic_store_explicit(&origin_index, index, memory_order_release);
	return true;
}

/*
 * The number of (file, line, row) if `index` holds it, else 0. Without
 * the lock as with it: a slot is read with acquire, after which the
 * origin it names is complete.
 */
static uint32_t index_find(struct origin_index *index, const char *file, uint32_t line,
			   uint32_t row)
{
	size_t mask = ((size_t)1 << index->bits) - 1;
	for (size_t i = ms_origin_slot(file, line, row, index->bits);; i = (i + 1) & mask) {
		uint32_t number = atomic_load_explicit(&index->slots[i], memory_order_acquire);
		if (!number || ms_origin_is(ms_origin_at(number >> MS_ORIGIN_ROW_BITS), file, line, row))
			return number;
	}
}

/*
 * Keep a new origin with the lock held, its chunk made if need be, the
 * index grown first if full, and return its number. 0 when all 2^20 are
 * taken (*full set), or on no memory.
 */
static uint32_t add_locked(const char *file, uint32_t line, uint32_t row, bool *full)
{
	uint32_t at = atomic_load_explicit(&ms_origins_end, memory_order_relaxed);
	*full = at == MS_MAX_ORIGINS;
	if (*full)
		return 0;
	struct origin_index *index = atomic_load_explicit(&origin_index, memory_order_relaxed);
	if ((size_t)at * 2 > (size_t)1 << index->bits && !index_rebuild(index->bits + 1))
		return 0;
	struct ms_origin **chunk = &ms_origin_chunks[at / MS_ORIGINS_PER_CHUNK];
	if (!*chunk && !(*chunk = ms_bookkeeping_alloc(MS_ORIGINS_PER_CHUNK * sizeof **chunk)))
		return 0;
	(*chunk)[at % MS_ORIGINS_PER_CHUNK] = (struct ms_origin){ file, line, row };
	atomic_store_explicit(&ms_origins_end, at + 1, memory_order_release);
	uint32_t number = at << MS_ORIGIN_ROW_BITS | row;
	index_put(atomic_load_explicit(&origin_index, memory_order_relaxed), number);
	return number;
}

/*
 * The number of a new origin, under the lock; 0 if there is no memory
 * for it, or no room, and then for every new origin from then on.
 */
static uint32_t origin_add(const char *file, uint32_t line, uint32_t row)
{
	if (atomic_load_explicit(&numbering_stopped, memory_order_relaxed))
		return 0;
	ms_lock(&ms_origins_lock);
	uint32_t number = 0;
	bool full = false;
	if (atomic_load_explicit(&origin_index, memory_order_relaxed) ||
	    index_rebuild(FIRST_INDEX_BITS)) {
		/* another thread may have numbered it since this one's look */
		number = index_find(atomic_load_explicit(&origin_index, memory_order_relaxed),
				    file, line, row);
		if (!number)
			number = add_locked(file, line, row, &full);
	}
	if (full)
		atomic_store_explicit(&numbering_stopped, true, memory_order_relaxed);
	pthread_mutex_unlock(&ms_origins_lock);
	return number;
}

uint32_t ms_origin_of(const char *file, uint32_t line, uint32_t row)
{
	struct origin_index *index = atomic_load_explicit(&origin_index, memory_order_acquire);
	uint32_t number = index ? index_find(index, file, line, row) : 0;
	return number ? number : origin_add(file, line, row);
}
