/* origins.h: where blocks come from, a call site and a row together, numbered once so that a compact header (block.h) holds one in 32 bits; origins.c numbers them. */
#ifndef MS_ORIGINS_H
#define MS_ORIGINS_H

#include "hot.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * An origin: the site (a file pointer and its line, or a return address
 * and MS_LINE_ADDRESS, text.h) and the row a block was allocated in.
 * Each is kept at an index, from 1 in the order first met, never
 * removed, and its number is that index with the row in its low 12 bits:
 * a free, which needs only the row, reads it from the number, and only
 * what names a site reads the table. So a number read from a sound
 * header always names the same three values.
 */
struct ms_origin {
	const char *file;
	uint32_t line;
	uint32_t row;
};

#define MS_ORIGIN_ROW_BITS 12
#define MS_ORIGIN_ROW_MASK ((UINT32_C(1) << MS_ORIGIN_ROW_BITS) - 1)

/* The row an origin number holds. */
MS_HOT uint32_t ms_origin_row(uint32_t number)
{
	return number & MS_ORIGIN_ROW_MASK;
}

/*
 * Origins are kept in chunks that never move, so a number is looked up
 * without a lock. 2^20 of them is more sites than a program has (gcc's
 * cc1 makes a few thousand); past that, blocks get a full header, which
 * holds the site itself. A chunk's address is written before the count
 * that covers it is published (release), and read after that count or
 * an index slot naming it (acquire), so it needs no atomic of its own.
 */
#define MS_ORIGINS_PER_CHUNK 1024u
#define MS_MAX_ORIGINS (UINT32_C(1) << (32 - MS_ORIGIN_ROW_BITS))

extern struct ms_origin *ms_origin_chunks[MS_MAX_ORIGINS / MS_ORIGINS_PER_CHUNK];
/* Origins kept so far, plus one (acquire: every origin below it is complete). */
extern _Atomic uint32_t ms_origins_end;

/* The origin at `index`, which the caller has seen published. */
MS_HOT const struct ms_origin *ms_origin_at(uint32_t index)
{
	return &ms_origin_chunks[index / MS_ORIGINS_PER_CHUNK][index % MS_ORIGINS_PER_CHUNK];
}

/*
 * True if an origin is kept at the index `number` holds, which an
 * overwritten header's need not be. Its row is the caller's to check:
 * reading it from the origin would cost a free the table's cache line.
 */
MS_HOT bool ms_origin_kept(uint32_t number)
{
	uint32_t index = number >> MS_ORIGIN_ROW_BITS;
	return index - 1 < atomic_load_explicit(&ms_origins_end, memory_order_acquire) - 1;
}

/*
 * Fibonacci hashing: the top bits of the product, where keys that differ
 * a little (the rows of one line, the lines of one file) land far apart,
 * so a key is nearly always found at its first probe. The site walk's
 * table (sites.c) hashes and compares its keys, origins too, the same way.
 */
MS_HOT size_t ms_origin_slot(const char *file, uint32_t line, uint32_t row, unsigned bits)
{
	uint64_t h = (uintptr_t)file ^ (uint64_t)line << 32 ^ row;
	return (size_t)((h * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - bits));
}

/* Compared as one test rather than three, so a probe is a single branch. */
MS_HOT bool ms_origin_is(const struct ms_origin *o, const char *file, uint32_t line,
			 uint32_t row)
{
	return (((uintptr_t)o->file ^ (uintptr_t)file) | (o->line ^ line) | (o->row ^ row)) == 0;
}

/*
 * The number of origin (file, line, row), numbered on first use; 0 if it
 * cannot be. Out of line: a thread asks only on a miss in its own table.
 */
uint32_t ms_origin_of(const char *file, uint32_t line, uint32_t row);

/*
 * The origins a thread allocated from lately, a small table of its own
 * indexed by site and row: a hit costs two compares, where the shared
 * index costs a hash and a probe through three loads (about 40
 * instructions a block, counted by make bench-callgrind). A slot holds
 * the last origin whose site and row fell in it. An empty slot, its file
 * NULL, never hits: the allocation paths name a NULL file "?" first
 * (ms_site_named, text.h).
 */
#define MS_ORIGINS_SEEN 64u

struct ms_origin_seen {
	const char *file;
	uint64_t line_row;     /* line << 32 | row */
	uint32_t number;
};

/* ms_origin_of, asked of the calling thread's table `seen` first. */
MS_HOT uint32_t ms_origin_seen_of(struct ms_origin_seen *seen, const char *file, uint32_t line,
				  uint32_t row)
{
	uint64_t line_row = (uint64_t)line << 32 | row;
	struct ms_origin_seen *slot = &seen[((uintptr_t)file + line + row) % MS_ORIGINS_SEEN];
	if (slot->file == file && slot->line_row == line_row)
		return slot->number;
	uint32_t number = ms_origin_of(file, line, row);
	if (number)
		*slot = (struct ms_origin_seen){ file, line_row, number };
	return number;
}

/* Held while an origin is numbered (fork.c holds it across a fork). */
extern pthread_mutex_t ms_origins_lock;

#endif
