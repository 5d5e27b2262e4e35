/* alloc.c: the allocation calls, each one malloc call plus a trailer, a bit and a few counters. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>

/* An interior pointer is looked for this far below the bad pointer. */
#define INTERIOR_SEARCH ((size_t)1 << 30)
/* Larger requests fail as out of memory before malloc is asked: x86-64 has 47-bit user space. */
#define MAX_REQUEST (((size_t)1 << 47) - 2 * MS_TRAILER_SIZE)

_Atomic size_t ms_min_usable_measured;

/*
 * malloc rounds small requests up to a minimum chunk (24 usable bytes on
 * glibc x86-64; 1 under ASan and valgrind, which grant what is asked).
 * Measured once, not assumed: memstats pads a small request to it, so a
 * tracked block's usable size is what malloc(n) alone would have granted.
 */
size_t ms_min_usable_slow(void)
{
	void *probe = malloc(1);
	size_t v = probe ? malloc_usable_size(probe) : 1;
	free(probe);
	atomic_store_explicit(&ms_min_usable_measured, v, memory_order_relaxed);
	return v;
}

/* What memstats asks malloc for to hold `requested` bytes and the trailer. */
static size_t malloc_request(size_t requested)
{
	size_t min = ms_min_usable();
	return (requested > min ? requested : min) + MS_TRAILER_SIZE;
}

static struct ms_trailer read_trailer(const void *block, size_t raw)
{
	struct ms_trailer t;
	unsigned char *at = ms_trailer_at((void *)block, raw);
	MS_UNPOISON(at, sizeof t);
	memcpy(&t, at, sizeof t);
	MS_POISON(at, sizeof t);
	return t;
}

/*
 * A hash of the trailer's fields and the block's address, so a trailer
 * the program overwrote (zeros, text, another block's trailer) is caught
 * with odds of 65535 in 65536 rather than trusted.
 */
static uint16_t trailer_check(const void *block, const struct ms_trailer *t)
{
	uint64_t h = (uintptr_t)block ^ UINT64_C(0x9e3779b97f4a7c15);
	h = (h ^ t->seq) * UINT64_C(0xff51afd7ed558ccd);
	h = (h ^ (uintptr_t)t->file) * UINT64_C(0xc4ceb9fe1a85ec53);
	h = (h ^ t->requested ^ (uint64_t)t->row << 32 ^ t->line) * UINT64_C(0xff51afd7ed558ccd);
	return (uint16_t)(h >> 48);
}

/* False if the trailer cannot be one memstats wrote: the program wrote over it. */
static bool trailer_intact(const void *block, const struct ms_trailer *t, size_t raw)
{
	return raw >= MS_TRAILER_SIZE && t->check == trailer_check(block, t) && t->file &&
	       t->row < ms_row_count() && t->requested <= raw - MS_TRAILER_SIZE;
}

static void write_trailer(void *block, size_t raw, struct ms_thread *self, uint32_t row,
			  uint64_t requested, const char *file, int line)
{
	uint64_t n = atomic_load_explicit(&self->next_seq, memory_order_relaxed) + 1;
	atomic_store_explicit(&self->next_seq, n, memory_order_relaxed);
	struct ms_trailer t = { self->slot << MS_SEQ_BITS | (n & MS_SEQ_MASK), file, requested,
				(uint16_t)row, 0, (uint32_t)line };
	t.check = trailer_check(block, &t);
	unsigned char *at = ms_trailer_at(block, raw);
	MS_UNPOISON(at, sizeof t);
	memcpy(at, &t, sizeof t);
	MS_POISON(at, sizeof t);
}

/*
 * The calling thread's state and its gauges for `row`. On failure returns
 * why, for the caller to report once it has put things back as they were.
 */
static const char *gauges_for(uint32_t row, struct ms_thread **self,
			      struct ms_gauge_row **gauges)
{
	*self = ms_thread_self();
	if (!*self)
		return "no memory for this thread's state, or too many threads";
	*gauges = ms_thread_row(*self, row);
	return *gauges ? NULL : "no memory for this thread's counters";
}

static void *alloc_block(uint32_t row, size_t requested, bool zero, const char *function,
			 const char *file, int line)
{
	if (row == UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (requested > MAX_REQUEST) {
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
			  "more than any allocation can hold (%zu bytes)", requested);
		errno = ENOMEM;
		return NULL;
	}
	struct ms_thread *self;
	struct ms_gauge_row *gauges;
	const char *why = gauges_for(row, &self, &gauges);
	void *block = NULL;
	if (!why) {
		size_t size = malloc_request(requested);
		block = zero ? ms_raw_calloc(1, size) : ms_raw_malloc(size);
		why = block ? NULL : "malloc failed";
	}
	size_t raw = block ? malloc_usable_size(block) : 0;
	if (block) {
		/* The trailer first: once the bit is set, a misuse diagnosis may read it. */
		write_trailer(block, raw, self, row, requested, file, line);
		if (!ms_pagemap_set(block)) {
			MS_UNPOISON(ms_trailer_at(block, raw), MS_TRAILER_SIZE);
			free(block);
			block = NULL;
			why = "no memory for the page map, or an address it cannot hold";
		}
	}
	if (!block) {
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line, "%s (%zu bytes)", why,
			  requested);
		errno = ENOMEM;
		return NULL;
	}
	struct ms_block_sizes sizes = ms_block_sizes_of(raw, requested);
	ms_gauge_count_in(gauges, &sizes);
	ms_gauge_count_in(&self->all, &sizes);
	return block;
}

/* count * size, or false if it overflows a size_t. */
static bool multiply(size_t count, size_t size, size_t *bytes)
{
	if (size && count > SIZE_MAX / size)
		return false;
	*bytes = count * size;
	return true;
}

static void report_overflow(size_t count, size_t size, const char *function, const char *file,
			    int line)
{
	ms_misuse(MS_MISUSE_OVERFLOW, function, file, line, "%zu elements of %zu bytes overflow",
		  count, size);
	errno = ENOMEM;
}

static void *alloc_typed(ms_type *type, size_t count, bool zero, const char *function,
			 const char *file, int line)
{
	uint32_t row = ms_row_of_type(type, function, file, line);
	size_t bytes;
	if (row == UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (!multiply(count, type->size, &bytes)) {
		report_overflow(count, type->size, function, file, line);
		return NULL;
	}
	return alloc_block(row, bytes, zero, function, file, line);
}

void *ms_alloc_at(ms_type *type, size_t count, const char *file, int line)
{
	return alloc_typed(type, count, false, "ms_alloc", file, line);
}

void *ms_calloc_at(ms_type *type, size_t count, const char *file, int line)
{
	return alloc_typed(type, count, true, "ms_calloc", file, line);
}

void *ms_alloc_bytes_at(size_t size, const char *tag, const char *file, int line)
{
	return alloc_block(ms_row_of_tag(tag, "ms_alloc_bytes", file, line), size, false,
			   "ms_alloc_bytes", file, line);
}

char *ms_strdup_at(const char *s, const char *file, int line)
{
	if (!s) {
		ms_misuse(MS_MISUSE_NULL, "ms_strdup", file, line, "string is NULL");
		errno = EINVAL;
		return NULL;
	}
	size_t len = strlen(s) + 1;
	char *copy = alloc_block(ms_row_of_type(&ms_type_char, "ms_strdup", file, line), len, false,
				 "ms_strdup", file, line);
	if (copy)
		memcpy(copy, s, len);
	return copy;
}

/* Remember a block this thread just freed, for naming a second free. */
static void remember_freed(struct ms_thread *self, uintptr_t address, const char *file, int line,
			   uint32_t row)
{
	self->freed[self->freed_next++ % MS_FREED_RING] =
		(struct ms_freed){ MS_HIDE_ADDRESS(address), file, (uint32_t)line, row };
}

/*
 * Say why `p` is not a live block: freed already by this thread, inside a
 * live block (and which), or unknown to memstats. Looking inside the block
 * below reads its trailer, which another thread could free meanwhile, so
 * that is done only while the process has a single thread.
 */
void ms_report_not_live(const void *p, const char *function, const char *file, int line)
{
	struct ms_thread *self = ms_thread_self();
	for (unsigned i = 1; self && i <= MS_FREED_RING; i++) {      /* newest first */
		const struct ms_freed *f = &self->freed[(self->freed_next - i) % MS_FREED_RING];
		if (f->file && f->hidden == MS_HIDE_ADDRESS(p)) {
			/* ms_free and ms_realloc free it again; sizing only reads it. */
			bool freeing = strcmp(function, "ms_free") == 0 ||
				       strcmp(function, "ms_realloc") == 0;
			ms_misuse(freeing ? MS_MISUSE_DOUBLE_FREE : MS_MISUSE_NOT_LIVE, function,
				  file, line, "%sthis block of '%s' was already freed at %s:%u",
				  freeing ? "double free: " : "use after free: ",
				  ms_row_get(f->row)->name, f->file, f->line);
			return;
		}
	}
	const void *below = __libc_single_threaded ? ms_pagemap_find_below(p, INTERIOR_SEARCH)
						   : NULL;
	struct ms_trailer t;
	struct ms_block_sizes sizes;
	if (below && ms_block_lookup(below, &t, &sizes)) {
		size_t offset = (size_t)((const char *)p - (const char *)below);
		if (offset < (uint64_t)sizes.bytes[MS_USABLE]) {
			ms_misuse(MS_MISUSE_INTERIOR, function, file, line,
				  "pointer is %zu bytes into a live block of '%s' (%llu bytes) "
				  "allocated at %s:%u",
				  offset, ms_row_get(t.row)->name, (unsigned long long)t.requested,
				  t.file, t.line);
			return;
		}
	}
	ms_misuse(MS_MISUSE_NOT_LIVE, function, file, line,
		  "pointer is not a live memstats block (never allocated by memstats, "
		  "or already freed)");
}

/*
 * Take `p` out of the page map and read its trailer. On any problem the
 * map is left as it was, the call is reported, and false is returned.
 */
static bool take_block(void *p, size_t *raw, struct ms_trailer *t, const char *function,
		       const char *file, int line)
{
	if (!ms_pagemap_take(p)) {
		ms_report_not_live(p, function, file, line);
		return false;
	}
	*raw = malloc_usable_size(p);
	*t = read_trailer(p, *raw);
	if (!trailer_intact(p, t, *raw)) {
		ms_pagemap_set(p);
		ms_misuse(MS_MISUSE_CORRUPT, function, file, line,
			  "the block's trailer is overwritten (did the program write past "
			  "the bytes it asked for?); the block is left alone");
		return false;
	}
	return true;
}

void ms_free_at(void *p, const char *file, int line)
{
	if (!p)
		return;
	size_t raw;
	struct ms_trailer t;
	if (!take_block(p, &raw, &t, "ms_free", file, line))
		return;
	struct ms_thread *self;
	struct ms_gauge_row *gauges;
	const char *why = gauges_for(t.row, &self, &gauges);
	if (why) {
		ms_pagemap_set(p);
		ms_misuse(MS_MISUSE_NO_MEMORY, "ms_free", file, line, "%s; the block is kept", why);
		return;
	}
	struct ms_block_sizes sizes = ms_block_sizes_of(raw, t.requested);
	ms_gauge_count_out(gauges, &sizes);
	ms_gauge_count_out(&self->all, &sizes);
	MS_UNPOISON(ms_trailer_at(p, raw), MS_TRAILER_SIZE);
	remember_freed(self, (uintptr_t)p, file, line, t.row);
	free(p);
}

void *ms_realloc_at(void *p, size_t count, const char *file, int line)
{
	static const char function[] = "ms_realloc";
	if (!p) {
		ms_misuse(MS_MISUSE_NULL, function, file, line,
			  "cannot resize NULL: it has no type (use ms_alloc)");
		errno = EINVAL;
		return NULL;
	}
	size_t raw;
	struct ms_trailer t;
	if (!take_block(p, &raw, &t, function, file, line)) {
		errno = EINVAL;
		return NULL;
	}
	/*
	 * The bit stays clear while realloc runs: if the block moves, another
	 * thread may be handed the old address at once and must be free to
	 * mark it as its own. Every failure puts the bit back before reporting.
	 */
	size_t bytes, element_size = ms_row_get(t.row)->element_size;
	if (!multiply(count, element_size, &bytes)) {
		ms_pagemap_set(p);
		report_overflow(count, element_size, function, file, line);
		return NULL;
	}
	struct ms_thread *self;
	struct ms_gauge_row *gauges;
	const char *why = bytes > MAX_REQUEST ? "more than any allocation can hold"
					      : gauges_for(t.row, &self, &gauges);
	if (!why && !ms_pagemap_reserve())      /* the moved block must be markable */
		why = "no memory for the page map";
	void *moved = NULL;
	uintptr_t old_address = 0;   /* p's value is not to be used once realloc moved it */
	if (!why) {
		MS_UNPOISON(ms_trailer_at(p, raw), MS_TRAILER_SIZE);    /* realloc may copy it */
		old_address = (uintptr_t)p;
		moved = ms_raw_realloc(p, malloc_request(bytes));
		if (!moved) {
			MS_POISON(ms_trailer_at(p, raw), MS_TRAILER_SIZE);
			why = "realloc failed";
		}
	}
	if (!moved) {
		ms_pagemap_set(p);
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
			  "%s for %zu bytes; the block is unchanged", why, bytes);
		errno = ENOMEM;
		return NULL;
	}
	struct ms_block_sizes old_sizes = ms_block_sizes_of(raw, t.requested);
	ms_gauge_count_out(gauges, &old_sizes);
	ms_gauge_count_out(&self->all, &old_sizes);
	if ((uintptr_t)moved != old_address)
		remember_freed(self, old_address, file, line, t.row);
	raw = malloc_usable_size(moved);
	write_trailer(moved, raw, self, t.row, bytes, file, line);
	if (!ms_pagemap_set(moved)) {
		/*
		 * Only if other threads used up the reserve meanwhile, or the map
		 * cannot hold the address. The block lives on, uncounted.
		 */
		MS_UNPOISON(ms_trailer_at(moved, raw), MS_TRAILER_SIZE);
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
			  "no memory for the page map: the block is no longer tracked");
		return moved;
	}
	struct ms_block_sizes sizes = ms_block_sizes_of(raw, bytes);
	ms_gauge_count_in(gauges, &sizes);
	ms_gauge_count_in(&self->all, &sizes);
	return moved;
}

bool ms_block_lookup(const void *p, struct ms_trailer *t, struct ms_block_sizes *sizes)
{
	if (!ms_pagemap_test(p))
		return false;
	size_t raw = malloc_usable_size((void *)p);
	*t = read_trailer(p, raw);
	if (!trailer_intact(p, t, raw))
		return false;
	*sizes = ms_block_sizes_of(raw, t->requested);
	return true;
}

int ms_block_info(const void *p, struct ms_block_info *info)
{
	struct ms_trailer t;
	struct ms_block_sizes sizes;
	if (!p || !info || !ms_block_lookup(p, &t, &sizes)) {
		errno = EINVAL;
		return -1;
	}
	const struct ms_row_info *row = ms_row_get(t.row);
	*info = (struct ms_block_info){
		.type_name = row->name,
		.type = row->type,
		.count = (size_t)t.requested / row->element_size,
		.malloc_bytes = malloc_request(t.requested),
		.seq = t.seq & MS_SEQ_MASK,
		.thread = (unsigned)(t.seq >> MS_SEQ_BITS),
		.file = t.file,
		.line = (int)t.line,
	};
	memcpy(info->bytes, sizes.bytes, sizeof info->bytes);
	return 0;
}
