/* sites.c: live blocks allocated since a checkpoint, grouped by the line or return address that allocated them. */
#include "sites.h"
#include "block.h"
#include "bookkeeping.h"
#include "fault.h"
#include "gauges.h"
#include "pagemap.h"
#include "table.h"
#include "text.h"
#include "types.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The walk meets every live block once; a small open-addressed table
 * groups them by (file pointer, line, row), an origin's three values
 * (origins.h), hashed and compared as origins are, so the cost is one
 * header read and one probe per block. Two file pointers can hold the
 * same name (the same header seen from two files), so rows with equal
 * text are merged once the walk is done. A return address (text.h) is
 * grouped by as a file pointer is, and its row names its object and the
 * offset into it, found once a site rather than once a block.
 */
struct site {
	struct ms_origin key;      /* its file NULL: an empty slot */
	int64_t blocks;
	int64_t bytes[MS_NOTION_COUNT];
};

struct walk {
	const uint64_t *marks;     /* each thread slot's last number at the checkpoint */
	size_t mark_count;
	struct site *slots;
	unsigned bits;             /* 2^bits slots, at most half used */
	size_t used;
	bool out_of_memory;
};

struct ms_sites {
	size_t bytes;              /* this allocation, counted as bookkeeping */
	size_t count;
	struct ms_site_row rows[];
};

/* inline: the walk probes once a block, and a call cost it 11 instructions a block (measured). */
static inline struct site *site_find(struct site *slots, unsigned bits, const char *file,
				     uint32_t line, uint32_t row)
{
	size_t i = ms_origin_slot(file, line, row, bits);
	while (!ms_origin_is(&slots[i].key, file, line, row) && slots[i].key.file)
		i = (i + 1) & (((size_t)1 << bits) - 1);
	return &slots[i];
}

static bool grow(struct walk *w)
{
	unsigned bits = w->slots ? w->bits + 1 : 6;   /* 64 slots first */
	struct site *slots = ms_raw_calloc((size_t)1 << bits, sizeof *slots);
	if (!slots)
		return false;
	for (size_t i = 0; w->slots && i < (size_t)1 << w->bits; i++)
		if (w->slots[i].key.file)
			*site_find(slots, bits, w->slots[i].key.file, w->slots[i].key.line,
				   w->slots[i].key.row) = w->slots[i];
	ms_raw_free(w->slots);
	w->slots = slots;
	w->bits = bits;
	return true;
}

/* The site of header `t`, added if new; NULL if the table cannot grow. */
static struct site *site_of(struct walk *w, const struct ms_header *t)
{
	struct site *s = site_find(w->slots, w->bits, t->file, t->line, t->row);
	if (s->key.file)
		return s;
	if ((w->used + 1) * 2 > (size_t)1 << w->bits) {
		if (!grow(w))
			return NULL;
		s = site_find(w->slots, w->bits, t->file, t->line, t->row);
	}
	*s = (struct site){ { t->file, t->line, t->row }, 0, { 0 } };
	w->used++;
	return s;
}

/* Count one live block, if it was allocated after the checkpoint. */
static void count_block(struct walk *w, const void *block)
{
	struct ms_header t;
	struct ms_block_sizes sizes;
	if (!ms_block_read(block, &t, &sizes))
		return;                  /* overwritten: its site and size cannot be trusted */
	size_t slot = (size_t)(t.seq >> MS_SEQ_BITS);
	if (slot < w->mark_count && (t.seq & MS_SEQ_MASK) <= w->marks[slot])
		return;                  /* older than the checkpoint */
	struct site *s = site_of(w, &t);
	if (!s) {
		w->out_of_memory = true;
		return;
	}
	s->blocks++;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		s->bytes[n] += sizes.bytes[n];
}

/*
 * Headers are asked for this many blocks before they are counted. The
 * blocks lie hundreds of bytes apart all over the heap, so each header
 * is a cache miss; with a few dozen in flight at once, the walk waits for
 * memory's bandwidth rather than for each miss in turn.
 */
#define PREFETCH_AHEAD 32

/*
 * Ask for the cache lines ms_block_read will load for `block`: the 24
 * bytes below it (malloc's size word, then a compact header, block.h),
 * which cross a line boundary for one block in four. A full header's
 * first 16 bytes, further down, are left to be missed: such blocks are
 * 32 KiB or more, and few. __builtin_prefetch is a GNU
 * builtin (gcc and clang), the only way to say this in C: a hint, not a
 * read, which never faults and which neither ASan nor valgrind checks.
 */
static void prefetch_header(const void *block)
{
	uintptr_t end = (uintptr_t)block;   /* as an integer: the bytes are outside the block */
	__builtin_prefetch((const void *)(end - MS_COMPACT_HEADER_SIZE - sizeof(size_t)));
	__builtin_prefetch((const void *)(end - 1));
}

/* Count a batch of live blocks from the page map, each header prefetched ahead of its read. */
static void visit(const void *const *blocks, size_t count, void *context)
{
	struct walk *w = context;
	for (size_t i = 0; i < count && i < PREFETCH_AHEAD; i++)
		prefetch_header(blocks[i]);
	for (size_t i = 0; i < count && !w->out_of_memory; i++) {
		if (i + PREFETCH_AHEAD < count)
			prefetch_header(blocks[i + PREFETCH_AHEAD]);
		count_block(w, blocks[i]);
	}
}

/*
 * File sites first, then address sites by object and offset, which are
 * the same from run to run; two equal file names are one site, two
 * addresses one only if equal (two objects may share a base name).
 */
static int by_place(const void *a, const void *b)
{
	const struct ms_site_row *x = a, *y = b;
	uintptr_t xa = (uintptr_t)x->return_address, ya = (uintptr_t)y->return_address;
	int c = (xa != 0) - (ya != 0);
	if (c == 0)
		c = strcmp(x->file, y->file);
	if (c == 0)
		c = (x->line > y->line) - (x->line < y->line);
	if (c == 0)
		c = (x->offset > y->offset) - (x->offset < y->offset);
	if (c == 0)
		c = (xa > ya) - (xa < ya);
	return c ? c : strcmp(x->name, y->name);
}

static int by_size(const void *a, const void *b)
{
	const struct ms_site_row *x = a, *y = b;
	if (x->bytes[MS_REQUESTED] != y->bytes[MS_REQUESTED])
		return x->bytes[MS_REQUESTED] > y->bytes[MS_REQUESTED] ? -1 : 1;
	if (x->blocks != y->blocks)
		return x->blocks > y->blocks ? -1 : 1;
	return by_place(a, b);
}

ms_sites *ms_sites_since(const uint64_t *marks, size_t mark_count)
{
	struct walk w = { .marks = marks, .mark_count = mark_count };
	if (!grow(&w)) {
		errno = ENOMEM;
		return NULL;
	}
	ms_pagemap_each(visit, &w);
	size_t bytes = sizeof(ms_sites) + w.used * sizeof(struct ms_site_row);
	ms_sites *s = w.out_of_memory ? NULL : ms_raw_malloc(bytes);
	if (!s) {
		ms_raw_free(w.slots);
		errno = ENOMEM;
		return NULL;
	}
	s->bytes = bytes;
	s->count = 0;
	for (size_t i = 0; i < (size_t)1 << w.bits; i++) {
		const struct site *from = &w.slots[i];
		if (!from->key.file)
			continue;
		struct ms_site_row *row = &s->rows[s->count++];
		*row = (struct ms_site_row){ from->key.file, (int)from->key.line,
					     ms_row_get(from->key.row)->name, from->blocks, { 0 },
					     NULL, 0 };
		memcpy(row->bytes, from->bytes, sizeof row->bytes);
		if (row->line == MS_LINE_ADDRESS) {
			row->return_address = from->key.file;
			row->file = ms_code_object(from->key.file, &row->offset);
			row->line = 0;
		}
	}
	ms_raw_free(w.slots);
	/* Merge rows whose file names are equal text at different addresses. */
	qsort(s->rows, s->count, sizeof s->rows[0], by_place);
	size_t kept = 0;
	for (size_t i = 0; i < s->count; i++) {
		struct ms_site_row *last = kept ? &s->rows[kept - 1] : NULL;
		if (last && by_place(last, &s->rows[i]) == 0) {
			last->blocks += s->rows[i].blocks;
			for (int n = 0; n < MS_NOTION_COUNT; n++)
				last->bytes[n] += s->rows[i].bytes[n];
		} else {
			s->rows[kept++] = s->rows[i];
		}
	}
	s->count = kept;
	qsort(s->rows, s->count, sizeof s->rows[0], by_size);
	ms_bookkeeping_add((int64_t)s->bytes);
	return s;
}

size_t ms_sites_count(const ms_sites *s)
{
	return s ? s->count : 0;
}

const struct ms_site_row *ms_sites_row(const ms_sites *s, size_t i)
{
	return s && i < s->count ? &s->rows[i] : NULL;
}

void ms_sites_free(ms_sites *s)
{
	if (!s)
		return;
	ms_bookkeeping_add(-(int64_t)s->bytes);
	ms_raw_free(s);
}

/* Row `r` of a site table: the site, its row's name, its live blocks and their sizes. */
static void site_cells(struct ms_cells *t, const void *what, size_t r)
{
	const struct ms_site_row *row = &((const ms_sites *)what)->rows[r];
	if (row->return_address)
		ms_cells_printf(t, "%s+0x%" PRIxPTR, row->file, row->offset);
	else
		ms_cells_printf(t, "%s:%d", row->file, row->line);
	ms_cells_put(t, row->name);
	ms_cells_printf(t, "%lld", (long long)row->blocks);
	ms_cells_sizes(t, row->bytes);
}

int ms_sites_print(const ms_sites *s, FILE *out, const struct ms_print_opts *opts)
{
	static const char *const header[] = { "site", "types", "# blocks", NULL };
	return ms_cells_print(out, s, s ? s->count : 0, header, opts, site_cells);
}
