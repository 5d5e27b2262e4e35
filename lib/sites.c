/* sites.c: live blocks allocated since a checkpoint, grouped by the line that allocated them. */
#include "pagemap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The walk meets every live block once; a small open-addressed table
 * groups them by (file pointer, line, row) as it goes, so the cost is one
 * header read and one probe per block. Two file pointers can hold the
 * same name (the same header seen from two files), so rows with equal
 * text are merged once the walk is done.
 */
struct site {
	const char *file;          /* NULL: empty slot */
	uint32_t line, row;
	int64_t blocks;
	int64_t bytes[MS_NOTION_COUNT];
};

struct walk {
	const uint64_t *marks;     /* each thread slot's last number at the checkpoint */
	size_t mark_count;
	struct site *slots;
	size_t capacity, used;     /* capacity a power of two, at most half used */
	bool out_of_memory;
};

struct ms_sites {
	size_t bytes;              /* this allocation, counted as bookkeeping */
	size_t count;
	struct ms_site_row rows[];
};

static size_t site_slot(const char *file, uint32_t line, uint32_t row, size_t capacity)
{
	uint64_t h = (uintptr_t)file ^ (uint64_t)line << 32 ^ row;
	return (size_t)((h * UINT64_C(0x9e3779b97f4a7c15)) >> 24) & (capacity - 1);
}

static struct site *site_find(struct site *slots, size_t capacity, const char *file,
			      uint32_t line, uint32_t row)
{
	size_t i = site_slot(file, line, row, capacity);
	while (slots[i].file &&
	       !(slots[i].file == file && slots[i].line == line && slots[i].row == row))
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

static bool grow(struct walk *w)
{
	size_t capacity = w->capacity ? w->capacity * 2 : 64;
	struct site *slots = ms_raw_calloc(capacity, sizeof *slots);
	if (!slots)
		return false;
	for (size_t i = 0; i < w->capacity; i++)
		if (w->slots[i].file)
			*site_find(slots, capacity, w->slots[i].file, w->slots[i].line,
				   w->slots[i].row) = w->slots[i];
	free(w->slots);
	w->slots = slots;
	w->capacity = capacity;
	return true;
}

/* Count one live block, if it was allocated after the checkpoint. */
static void visit(const void *block, void *context)
{
	struct walk *w = context;
	struct ms_header t;
	struct ms_block_sizes sizes;
	if (w->out_of_memory || !ms_block_lookup(block, &t, &sizes))
		return;
	size_t slot = (size_t)(t.seq >> MS_SEQ_BITS);
	if (slot < w->mark_count && (t.seq & MS_SEQ_MASK) <= w->marks[slot])
		return;                  /* older than the checkpoint */
	if (w->used * 2 >= w->capacity && !grow(w)) {
		w->out_of_memory = true;
		return;
	}
	struct site *s = site_find(w->slots, w->capacity, t.file, t.line, t.row);
	if (!s->file) {
		*s = (struct site){ t.file, t.line, t.row, 0, { 0 } };
		w->used++;
	}
	s->blocks++;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		s->bytes[n] += sizes.bytes[n];
}

static int by_place(const void *a, const void *b)
{
	const struct ms_site_row *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c == 0)
		c = (x->line > y->line) - (x->line < y->line);
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
		free(w.slots);
		errno = ENOMEM;
		return NULL;
	}
	s->bytes = bytes;
	s->count = 0;
	for (size_t i = 0; i < w.capacity; i++) {
		const struct site *from = &w.slots[i];
		if (!from->file)
			continue;
		struct ms_site_row *row = &s->rows[s->count++];
		*row = (struct ms_site_row){ from->file, (int)from->line,
					     ms_row_get(from->row)->name, from->blocks, { 0 } };
		memcpy(row->bytes, from->bytes, sizeof row->bytes);
	}
	free(w.slots);
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
	ms_table_bytes_add((int64_t)s->bytes);
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
	ms_table_bytes_add(-(int64_t)s->bytes);
	free(s);
}

int ms_sites_print(const ms_sites *s, FILE *out, const struct ms_print_opts *opts)
{
	struct ms_cells t;
	if (!s || !out) {
		errno = EINVAL;
		return -1;
	}
	if (ms_cells_start(&t, s->count, 3, opts) != 0)
		return -1;
	ms_cells_put(&t, "site");
	ms_cells_put(&t, "types");
	ms_cells_put(&t, "# blocks");
	ms_cells_size_headers(&t);
	for (size_t r = 0; r < t.rows; r++) {
		const struct ms_site_row *row = &s->rows[r];
		ms_cells_printf(&t, "%s:%d", row->file, row->line);
		ms_cells_put(&t, row->name);
		ms_cells_printf(&t, "%lld", (long long)row->blocks);
		ms_cells_sizes(&t, row->bytes);
	}
	return ms_cells_finish(&t, out);
}
