/* block.h: how a tracked block sits in its malloc block, its header and sizes read inline for the paths that read one per block; block.c measures malloc and finds a block from a pointer. */
#ifndef MS_BLOCK_H
#define MS_BLOCK_H

#include "checkers.h"
#include "fault.h"
#include "hot.h"
#include "memstats.h"
#include "origins.h"
#include "types.h"

#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Every tracked block is one malloc block: a header in front, the
 * program's bytes after it. A free reads the header from the cache line
 * where malloc keeps its own chunk header, which free reads anyway; a
 * trailer at the block's far end cost a second, cold line on every alloc
 * and every free (docs/design.md). The header is read only after the page
 * map has said the pointer starts a live block, so memstats never reads
 * foreign memory. checkers.h tells valgrind and ASan where the program's
 * bytes are.
 *
 * Two layouts, each a whole number of glibc's 16-byte chunk steps, which
 * keeps a tracked block's usable size equal to what malloc(n) alone would
 * grant, and the program's pointer 16-byte aligned:
 * - compact, 16 bytes, for a block made under 32 KiB at malloc's
 *   alignment (nearly every block a program makes), which realloc keeps
 *   while it stays under 32 KiB: its number, its origin (the
 *   site and row, numbered in origins.h), its size and a check word.
 *   Measured on a parser's blocks, most of them under 24 bytes, a 32-byte
 *   header made the heap 1.59 times as large and cost half again the time
 *   of plain malloc; 16 bytes is one chunk step instead of two
 *   (docs/performance.md);
 * - full, 32 bytes, for larger and aligned blocks and any whose origin
 *   could not be numbered: the site itself rather than its number. realloc
 *   keeps it however small the block becomes: moving the program's bytes
 *   16 bytes down would take a copy realloc need not make.
 * Both end in the same 8 bytes: a 32-bit field, a 16-bit one and the check
 * word. The 16-bit field's top bit is set in a compact header (its size,
 * below 2^15) and clear in a full one (its row, below MS_MAX_ROWS), so one
 * load of the last 8 bytes says which header a block has. A full header's
 * last 16 bytes carry a check of their own, in the top bits of its size
 * (below 2^47): a compact header whose mark the program cleared fails it,
 * so memstats never reads the 16 bytes in front of a compact header's
 * block, which are not the block's.
 */
struct ms_compact_header {
	uint64_t seq;          /* the block's number (MS_SEQ_BITS, gauges.h) */
	uint32_t origin;       /* its site and row (origins.h) */
	uint16_t marked_size;  /* MS_COMPACT_MARK | bytes the program asked for */
	uint16_t check;        /* a hash of the rest and the block's address */
};

struct ms_full_header {
	uint64_t seq;
	const char *file;      /* allocation site, or its return address (text.h) */
	uint64_t requested;    /* bytes the program asked for | the tail's check << 48 */
	uint32_t line;
	uint16_t row;          /* the block's row, below MS_MAX_ROWS */
	uint16_t check;
};

#define MS_COMPACT_HEADER_SIZE ((size_t)sizeof(struct ms_compact_header))
#define MS_FULL_HEADER_SIZE ((size_t)sizeof(struct ms_full_header))
#define MS_COMPACT_MARK UINT16_C(0x8000)
#define MS_REQUESTED_BITS 48
#define MS_REQUESTED_MASK ((UINT64_C(1) << MS_REQUESTED_BITS) - 1)
/* Requests below this get a compact header; its size field holds them under the mark. */
#define MS_COMPACT_LIMIT ((size_t)MS_COMPACT_MARK)
_Static_assert(sizeof(struct ms_compact_header) == 16, "one of glibc's 16-byte steps");
_Static_assert(sizeof(struct ms_full_header) == 32, "two of glibc's 16-byte steps");
_Static_assert(MS_MAX_ROWS <= MS_COMPACT_MARK, "a full header's row leaves the mark clear");
_Static_assert(MS_MAX_ROWS <= MS_ORIGIN_ROW_MASK + 1, "an origin's number holds its row");
_Static_assert(offsetof(struct ms_compact_header, marked_size) + 16 ==
		       offsetof(struct ms_full_header, row),
	       "the mark is where a full header keeps its row");

/*
 * A block's header as read, whichever its layout: a compact header's row
 * is read from its origin's number, and its file and line looked up in
 * the origin table where the reader asks for the site (ms_header_read).
 */
struct ms_header {
	uint64_t seq;
	const char *file;
	uint64_t requested;
	uint16_t row;
	uint16_t check;        /* a full header's check word, for the aligned test below */
	uint32_t line;
};

/* A block's place in the three notions. */
struct ms_block_sizes {
	int64_t bytes[MS_NOTION_COUNT];
};

/*
 * What memstats needs to know about the malloc it runs on, measured once
 * and packed in one word so the hot path reads it with one load:
 * - malloc's minimum usable size (24 on glibc x86-64; 1 under ASan and
 *   valgrind, which grant what is asked). memstats pads a small request
 *   to it, so a tracked block's usable size is what malloc(n) alone
 *   would have granted;
 * - whether glibc's chunk header is there to read (see ms_chunk_usable);
 * - whether valgrind is watching (checkers.h);
 * - the page size, as a shift: glibc maps a large block in whole pages.
 */
#define MS_FACTS_MEASURED (UINT64_C(1) << 63)
#define MS_FACTS_GLIBC_CHUNKS (UINT64_C(1) << 62)
#define MS_FACTS_VALGRIND (UINT64_C(1) << 61)
#define MS_FACTS_MIN_USABLE(f) ((size_t)((f) & 0xffffffffu))
#define MS_FACTS_PAGE_SHIFT_AT 32
#define MS_FACTS_PAGE_MASK(f) ((((size_t)1) << (((f) >> MS_FACTS_PAGE_SHIFT_AT) & 63)) - 1)

extern _Atomic uint64_t ms_malloc_facts;
/* Measure them (block.c); racing first calls measure the same facts, so no lock is needed. */
uint64_t ms_measure_malloc_facts(void);

/*
 * glibc keeps each chunk's size in the 8 bytes before the block, with
 * flags in its low 3 bits (MS_CHUNK_MAPPED: glibc mapped the chunk on its
 * own); a heap chunk's usable size is its size less 8, a mapped one's less
 * 16. That is what malloc_usable_size computes, but it also reads the next
 * chunk's header, at the far end of the block: a cache line free and
 * malloc never touch. So memstats reads the size itself, where the probes
 * show glibc's layout.
 */
#define MS_CHUNK_MAPPED 2
#define MS_CHUNK_FLAGS ((size_t)7)
#define MS_HEAP_CHUNK_HEADER 8     /* the size word */
#define MS_MAPPED_CHUNK_HEADER 16  /* the size word and the one before it */

MS_HOT size_t ms_chunk_size_field(const void *block)
{
	/* through an integer: to the compiler, the word is outside the block */
	return *(const size_t *)((uintptr_t)block - sizeof(size_t));
}

/* A chunk's usable size, and malloc's own header size in `overhead`. */
MS_HOT size_t ms_chunk_usable(const void *block, size_t *overhead)
{
	size_t size = ms_chunk_size_field(block);
	*overhead = size & MS_CHUNK_MAPPED ? MS_MAPPED_CHUNK_HEADER : MS_HEAP_CHUNK_HEADER;
	return (size & ~MS_CHUNK_FLAGS) - *overhead;
}

/*
 * The mapping glibc makes for malloc(requested) alone: the heap chunk the
 * request needs (at least malloc's minimum, with the chunk's 8-byte size
 * word, rounded up to 16), 8 bytes more for a mapped chunk's own header,
 * rounded up to whole pages, as glibc's sysmalloc does.
 */
MS_HOT size_t ms_mapped_footprint(uint64_t requested, uint64_t f)
{
	size_t min = MS_FACTS_MIN_USABLE(f);
	size_t chunk = ((requested > min ? requested : min) + MS_HEAP_CHUNK_HEADER + 15) &
		       ~(size_t)15;
	size_t mapped = chunk + MS_MAPPED_CHUNK_HEADER - MS_HEAP_CHUNK_HEADER;
	return (mapped + MS_FACTS_PAGE_MASK(f)) & ~MS_FACTS_PAGE_MASK(f);
}

/*
 * The sizes of a tracked block glibc mapped on its own, whose chunk size
 * word is `size`, the program's bytes `front` bytes into it (the header's
 * 16 or 32, or an aligned block's front). A mapped chunk's usable size is
 * its size less its 16-byte header. The header makes memstats' request
 * larger than malloc(n)'s, which the rounding to pages mostly swallows:
 * reported as the rest of the mapping, a tracked block would be the
 * header's bytes short of what malloc(n) alone is granted, and its footprint no
 * whole number of pages. So it reports malloc(n)'s mapping, and alloc.c
 * makes the mapping a page longer (fit_mapping) so the program can use
 * all of it. Only where that failed, or for an aligned block, which is
 * never fitted, is the block held to the bytes its mapping has.
 */
MS_HOT struct ms_block_sizes ms_mapped_sizes(size_t size, size_t front, uint64_t requested,
					     uint64_t f)
{
	int64_t header = MS_MAPPED_CHUNK_HEADER;
	int64_t footprint = (int64_t)ms_mapped_footprint(requested, f);
	int64_t room = (int64_t)((size & ~MS_CHUNK_FLAGS) - front) - header;
	int64_t usable = footprint - header < room ? footprint - header : room;
	return (struct ms_block_sizes){ { (int64_t)requested, usable, usable + header } };
}

MS_HOT uint64_t ms_facts(void)
{
	uint64_t f = atomic_load_explicit(&ms_malloc_facts, memory_order_relaxed);
	return f ? f : ms_measure_malloc_facts();
}

/*
 * The program's sizes of a block whose malloc block is `block`, its bytes
 * `front` bytes in: a header's 16 or 32, or an aligned block's front. In a
 * glibc heap chunk: the chunk's usable size less the front, which for a
 * header is what malloc(requested) alone would be granted, since a header
 * is a whole number of the chunk's 16-byte steps; and that plus the
 * chunk's 8-byte header. A mapped chunk is rounded to pages instead, so
 * its figures are worked out (ms_mapped_sizes). Under any other malloc
 * (ASan, valgrind, jemalloc...) there is no chunk header memstats knows
 * of: the usable size is malloc_usable_size's less the front, and the
 * footprint is the usable size. glibc's rule of 8 bytes for a size % 16
 * of 8 would invent one for them.
 */
MS_HOT struct ms_block_sizes ms_sizes_at(void *block, size_t front, uint64_t requested,
					 uint64_t f)
{
	if (!(f & MS_FACTS_GLIBC_CHUNKS)) {
		int64_t usable = (int64_t)(ms_raw_usable_size(block) - front);
		return (struct ms_block_sizes){ { (int64_t)requested, usable, usable } };
	}
	size_t size = ms_chunk_size_field(block);
	if (size & MS_CHUNK_MAPPED)
		return ms_mapped_sizes(size, front, requested, f);
	int64_t header = MS_HEAP_CHUNK_HEADER;
	int64_t usable = (int64_t)((size & ~MS_CHUNK_FLAGS) - front) - header;
	return (struct ms_block_sizes){ { (int64_t)requested, usable, usable + header } };
}

/* The program's sizes of block `p`, `front` bytes into its malloc block. */
MS_HOT struct ms_block_sizes ms_sizes_of(void *p, size_t front, uint64_t requested, uint64_t f)
{
	return ms_sizes_at((unsigned char *)p - front, front, requested, f);
}

/*
 * Check words: a hash of the header's fields and the block's address, so
 * a header the program overwrote (an underflow, the block before running
 * over its end) is caught with odds of 65535 in 65536 rather than
 * trusted. One multiply mixes them: enough against stray writes, which do
 * not aim.
 */
MS_HOT uint16_t ms_check_mix(uint64_t x)
{
	return (uint16_t)((x * UINT64_C(0x9e3779b97f4a7c15)) >> 48);
}

MS_HOT uint16_t ms_compact_check(const void *p, const struct ms_compact_header *h)
{
	return ms_check_mix((uintptr_t)p ^ h->seq ^ (uint64_t)h->origin << 32 ^
			    (uint64_t)h->marked_size << 16);
}

/*
 * A full header's last 16 bytes' own check, over its size, line and row:
 * read before the 16 bytes in front of them (block.h's layouts).
 */
MS_HOT uint16_t ms_full_tail_check(const void *p, uint64_t requested, uint32_t line,
				   uint16_t row)
{
	return ms_check_mix(((uintptr_t)p ^ requested ^ (uint64_t)line << 16 ^ (uint64_t)row << 48) +
			    UINT64_C(0x5bd1e995));
}

/* A full header's, from the fields as read (the check word itself left out). */
MS_HOT uint16_t ms_full_check(const void *p, const struct ms_header *h)
{
	return ms_check_mix((uintptr_t)p ^ h->seq ^ (uintptr_t)h->file ^ h->requested << 16 ^
			    (uint64_t)h->line << 32 ^ h->row);
}

/*
 * The header of a block made with a compact one, read into `h`, its site
 * only if `site`: its size, or 0 if it is overwritten.
 */
MS_HOT size_t ms_compact_read(const void *p, const struct ms_compact_header *c,
			      struct ms_header *h, bool site)
{
	uint32_t row = ms_origin_row(c->origin);
	/* the origin's index is checked only where it is read, for the site */
	if (c->check != ms_compact_check(p, c) || row >= ms_row_count() ||
	    (site && !ms_origin_kept(c->origin))) {
		*h = (struct ms_header){ 0 };      /* no aligned block's either (ms_aligned_front) */
		return 0;
	}
	*h = (struct ms_header){ c->seq, NULL, c->marked_size & ~MS_COMPACT_MARK, (uint16_t)row,
				 c->check, 0 };
	if (site) {
		const struct ms_origin *o = ms_origin_at(c->origin >> MS_ORIGIN_ROW_BITS);
		h->file = o->file;
		h->line = o->line;
	}
	return MS_COMPACT_HEADER_SIZE;
}

/*
 * Read the header in front of `p` into `h`, and return its size
 * (MS_COMPACT_HEADER_SIZE or MS_FULL_HEADER_SIZE); 0 if it cannot be one
 * memstats wrote at its malloc block's start: the program wrote over it,
 * or it is an aligned block's (below), whose full header is then in `h`.
 * Tested before any size is read, since an aligned block's sizes are not
 * where a plain block's are. A compact header's site is looked up in the
 * origin table only if `site`: a free needs only the row, which the
 * header holds, and not the table's cache line.
 *
 * Field by field, the widths write_header stored: a block freed right
 * after it was made would otherwise be read with 16-byte loads across
 * narrower stores still in flight, which the processor cannot forward
 * (1-2 ns a pair in a tight alloc+free loop).
 */
MS_HOT size_t ms_header_read(void *p, struct ms_header *h, bool site, uint64_t f)
{
	bool valgrind = f & MS_FACTS_VALGRIND;
	/* The last 16 bytes, as a compact header: a full one's size, line, row and check word. */
	struct ms_compact_header *c = (void *)((unsigned char *)p - MS_COMPACT_HEADER_SIZE);
	ms_checkers_open(c, sizeof *c, valgrind);
	struct ms_compact_header last = { c->seq, c->origin, c->marked_size, c->check };
	ms_checkers_close(c, sizeof *c, valgrind);
	if (last.marked_size & MS_COMPACT_MARK)
		return ms_compact_read(p, &last, h, site);
	uint64_t requested = last.seq & MS_REQUESTED_MASK;
	if (last.seq >> MS_REQUESTED_BITS !=
	    ms_full_tail_check(p, requested, last.origin, last.marked_size)) {
		*h = (struct ms_header){ 0 };
		return 0;
	}
	struct ms_full_header *at = (void *)((unsigned char *)p - MS_FULL_HEADER_SIZE);
	ms_checkers_open(at, MS_FULL_HEADER_SIZE - sizeof last, valgrind);
	*h = (struct ms_header){ at->seq, at->file, requested, last.marked_size, last.check,
				 last.origin };
	ms_checkers_close(at, MS_FULL_HEADER_SIZE - sizeof last, valgrind);
	bool sound = h->check == ms_full_check(p, h) && h->file && h->row < ms_row_count();
	return sound ? MS_FULL_HEADER_SIZE : 0;
}

/* False if the block cannot hold what its header says was asked for: the program wrote over it. */
MS_HOT bool ms_header_fits(const struct ms_header *h, const struct ms_block_sizes *s)
{
	return h->requested <= (uint64_t)s->bytes[MS_USABLE];
}

/*
 * An aligned block (ms_alloc_aligned, alignment 64 or more) is `front`
 * bytes into its malloc block, `front` its alignment, which the malloc
 * block has too; a full header sits right in front of the program's bytes
 * as ever, and the rest of the front is padding. Its check word is a
 * plain full header's plus log2(front), so it is not sound as a plain
 * one: every path that reads headers tests that first, inline, and only
 * on that cold path looks for an aligned block. An alignment of 32 needs
 * no padding (the header is the malloc block's first 32 bytes), so its
 * block is a plain one with a full header.
 */
#define MS_ALIGNED_SHIFT_MIN 6
#define MS_ALIGNED_SHIFT_MAX 40

/* The check word of an aligned block's header, `front` bytes into its malloc block. */
MS_HOT uint16_t ms_aligned_check(const void *p, const struct ms_header *h, size_t front)
{
	return (uint16_t)(ms_full_check(p, h) + (unsigned)__builtin_ctzll(front));
}

/* If `h`, read in front of `p`, is an aligned block's header: its front; else 0. */
MS_HOT size_t ms_aligned_front(const void *p, const struct ms_header *h)
{
	unsigned shift = (uint16_t)(h->check - ms_full_check(p, h));
	if (shift < MS_ALIGNED_SHIFT_MIN || shift > MS_ALIGNED_SHIFT_MAX || !h->file ||
	    h->row >= ms_row_count())
		return 0;
	size_t front = (size_t)1 << shift;
	return (uintptr_t)p & (front - 1) ? 0 : front;   /* an aligned block is aligned to its front */
}

/*
 * If `h`, read in front of `p` and not sound as a plain header, is an
 * aligned block's: its front, and `sizes`, which it fits. 0 if not.
 */
size_t ms_aligned_read(const void *p, const struct ms_header *h, struct ms_block_sizes *sizes,
		       uint64_t f);

/*
 * ms_block_lookup for a `p` the caller has just found marked in the page
 * map (ms_pagemap_each), so the map is not asked again. It reads the
 * header and, on glibc, malloc's size word in the 8 bytes below it.
 */
MS_HOT size_t ms_block_read(const void *p, struct ms_header *h, struct ms_block_sizes *sizes)
{
	uint64_t f = ms_facts();
	size_t front = ms_header_read((void *)p, h, true, f);
	if (!front)
		return ms_aligned_read(p, h, sizes, f);
	*sizes = ms_sizes_of((void *)p, front, h->requested, f);
	return ms_header_fits(h, sizes) ? front : 0;
}

/*
 * Read the live block `p`'s header and sizes, and return how far into its
 * malloc block `p` is: its header's size, or an aligned block's front. 0 if
 * `p` does not start a live block (or its header is overwritten). Reads
 * only memory the page map says memstats owns.
 */
size_t ms_block_lookup(const void *p, struct ms_header *h, struct ms_block_sizes *sizes);

/*
 * Report `p`, which is not a live block's start, as precisely as can be
 * said: a double free, an interior pointer (and into what), or unknown.
 */
void ms_report_not_live(const void *p, const char *function, const char *file, int line);
/* The same where memstats knows something of `p`: false, and nothing reported, if it is unknown. */
bool ms_report_known_not_live(const void *p, const char *function, const char *file, int line);

#endif
