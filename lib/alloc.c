/* alloc.c: the allocation calls, each one malloc call plus a header, a bit and a few counters. */
#define _GNU_SOURCE
#include "memstats.h"
/* What ms_free goes through, from the pointer down: its bit, its header and sizes, the counters. */
#include "pagemap.h"
#include "block.h"
#include "gauges.h"
#include "origins.h"

#include "checkers.h"
#include "fault.h"
#include "hot.h"
#include "misuse.h"
#include "text.h"
#include "types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Larger requests fail as out of memory before malloc is asked: x86-64 has 47-bit user space. */
#define MAX_REQUEST (((size_t)1 << 47) - 2 * MS_FULL_HEADER_SIZE)
_Static_assert(MAX_REQUEST <= MS_REQUESTED_MASK, "a full header's size leaves its tail check room");

/*
 * What memstats asks malloc (or posix_memalign) for to hold `requested`
 * bytes `front` bytes into the block: the request padded to malloc's
 * minimum, so the usable size is malloc(requested)'s, and the front.
 */
MS_HOT size_t malloc_request(size_t requested, size_t front, uint64_t f)
{
	size_t min = MS_FACTS_MIN_USABLE(f);
	return (requested > min ? requested : min) + front;
}

/* What a block glibc mapped must hold: the usable size it reports (block.h) and the front. */
static size_t mapped_request(uint64_t requested, size_t front, uint64_t f)
{
	return ms_mapped_footprint(requested, f) - MS_MAPPED_CHUNK_HEADER + front;
}

/*
 * Ask again for what the block glibc just mapped must hold. realloc grows
 * a mapped chunk with mremap and keeps it mapped; a free and a new malloc
 * would raise glibc's mmap threshold on the way. If the page count stays,
 * glibc returns the block as it is, so this always asks, and the block's
 * malloc_bytes is that request. On failure the block stays as it was.
 */
MS_COLD unsigned char *fit_mapping(unsigned char *block, size_t requested, size_t front,
				  uint64_t f)
{
	unsigned char *grown = ms_raw_realloc(block, mapped_request(requested, front, f));
	return grown ? grown : block;
}

/* True if glibc mapped the malloc block `block` on its own. */
MS_HOT bool chunk_mapped(const void *block, uint64_t f)
{
	return (f & MS_FACTS_GLIBC_CHUNKS) && (ms_chunk_size_field(block) & MS_CHUNK_MAPPED);
}

/*
 * `block`, just made by malloc or realloc for `requested` bytes `front`
 * bytes in, fitted if glibc mapped it.
 */
MS_HOT unsigned char *fitted(unsigned char *block, size_t requested, size_t front, uint64_t f)
{
	return chunk_mapped(block, f) ? fit_mapping(block, requested, front, f) : block;
}

/* Store `size` bytes of header `h` right in front of block `p`, opened to memstats only meanwhile. */
MS_HOT void store_header(void *p, const void *h, size_t size, bool valgrind)
{
	void *at = (unsigned char *)p - size;
	ms_checkers_open(at, size, valgrind);
	memcpy(at, h, size);
	ms_checkers_close(at, size, valgrind);
}

/*
 * The header of block `p`, `front` bytes into its malloc block: a compact
 * header naming `origin` (front 16), a full one (32), or an aligned
 * block's full one (past 32, block.h).
 */
MS_HOT void write_header(void *p, size_t front, uint32_t origin, struct ms_thread *self,
			 uint32_t row, uint64_t requested, const char *file, int line, uint64_t f)
{
	uint64_t seq = atomic_load_explicit(&self->next_seq, memory_order_relaxed) + 1;
	atomic_store_explicit(&self->next_seq, seq, memory_order_relaxed);
	bool valgrind = f & MS_FACTS_VALGRIND;
	if (front == MS_COMPACT_HEADER_SIZE) {
		struct ms_compact_header h = { seq, origin,
					       (uint16_t)(MS_COMPACT_MARK | requested), 0 };
		h.check = ms_compact_check(p, &h);
		store_header(p, &h, sizeof h, valgrind);
		return;
	}
	struct ms_header fields = { seq, file, requested, (uint16_t)row, 0, (uint32_t)line };
	uint64_t tail_check = ms_full_tail_check(p, requested, (uint32_t)line, (uint16_t)row);
	struct ms_full_header h = { seq, file, requested | tail_check << MS_REQUESTED_BITS,
				    (uint32_t)line, (uint16_t)row,
				    front > MS_FULL_HEADER_SIZE ? ms_aligned_check(p, &fields, front)
								: ms_full_check(p, &fields) };
	store_header(p, &h, sizeof h, valgrind);
}

/* Why the calling thread, `self`, has no gauges for a row. */
static const char *why_no_gauges(const struct ms_thread *self)
{
	return self ? "no memory for this thread's counters"
		    : "no memory for this thread's state, or too many threads";
}

/* Report an allocation that could not be made, and return its NULL. */
MS_COLD void *no_memory(const char *why, size_t requested, const char *function,
			const char *file, int line)
{
	ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line, "%s (%zu bytes)", why, requested);
	errno = ENOMEM;
	return NULL;
}

/* The page map could not mark the new block `p`: give its malloc block, `front` bytes in front, back. */
MS_COLD void *unmarkable(void *p, size_t front, size_t requested, uint64_t f,
			 const char *function, const char *file, int line)
{
	unsigned char *block = (unsigned char *)p - front;
	ms_checkers_open(block, front, f & MS_FACTS_VALGRIND);
	ms_raw_free(block);
	return no_memory("no memory for the page map, or an address it cannot hold", requested,
			 function, file, line);
}

/*
 * Count a block's front in (`sign` 1) or out (-1) of the calling thread's
 * bytes beyond compact headers: nothing for a compact header's 16.
 */
MS_HOT void count_front(struct ms_thread *self, size_t front, int64_t sign)
{
	if (front > MS_COMPACT_HEADER_SIZE)
		ms_gauge_add(&self->front_beyond_compact,
			     sign * (int64_t)(front - MS_COMPACT_HEADER_SIZE));
}

/* The calling thread's gauges of `row` (NULL if there is no memory for them). */
MS_HOT struct ms_gauge_row *gauges_of(struct ms_thread *self, uint32_t row)
{
	return self ? ms_thread_row(self, row) : NULL;
}

/* malloc's alignment, which a block with its header in front keeps. */
#define MALLOC_ALIGNMENT 16

/* A malloc block of `size` bytes aligned to `alignment`; NULL with errno set. */
static void *aligned_malloc(size_t alignment, size_t size)
{
	void *block;
	int error = ms_raw_posix_memalign(&block, alignment, size);
	if (error) {
		errno = error;
		return NULL;
	}
	return block;
}

/*
 * Make the block alloc_block has passed: `front` bytes into its malloc
 * block (block.h), with a compact header naming `origin` if `front` is
 * 16, counted in `gauges`, the calling thread `self`'s. Inline, so the
 * compact header's path has its front as a constant.
 */
MS_HOT void *make_block(struct ms_thread *self, struct ms_gauge_row *gauges, uint32_t row,
			size_t requested, bool zero, size_t alignment, size_t front,
			uint32_t origin, const char *function, const char *file, int line)
{
	bool aligned = alignment > MALLOC_ALIGNMENT;
	uint64_t f = ms_facts();
	size_t size = malloc_request(requested, front, f);
	unsigned char *block = aligned ? aligned_malloc(alignment, size)
			       : zero  ? ms_raw_calloc(1, size)
				       : ms_raw_malloc(size);
	if (!block)
		return no_memory("malloc failed", requested, function, file, line);
	if (!aligned)
		block = fitted(block, requested, front, f);
	void *p = block + front;
	/* Read while fitted's load of glibc's size word is at hand. */
	struct ms_block_sizes sizes = ms_sizes_at(block, front, requested, f);
	/* The header first: once the bit is set, a misuse diagnosis may read it. */
	write_header(p, front, origin, self, row, requested, file, line, f);
	if (front > MS_FULL_HEADER_SIZE)      /* the padding in front is off limits, as the header is */
		ms_checkers_close(block, front - MS_FULL_HEADER_SIZE, f & MS_FACTS_VALGRIND);
	if (!ms_pagemap_set(p))
		return unmarkable(p, front, requested, f, function, file, line);
	ms_count_in(gauges, &self->all, sizes.bytes);
	count_front(self, front, 1);
	ms_checkers_block_made(p, requested, zero ? requested : 0, f & MS_FACTS_VALGRIND);
	return p;
}

/*
 * make_block with a full header: a block of 32 KiB or more, an aligned
 * one (its front its alignment past 32), or one whose origin could not
 * be numbered.
 */
MS_COLD void *make_full_block(struct ms_thread *self, struct ms_gauge_row *gauges, uint32_t row,
			      size_t requested, bool zero, size_t alignment, const char *function,
			      const char *file, int line)
{
	size_t front = alignment > MS_FULL_HEADER_SIZE ? alignment : MS_FULL_HEADER_SIZE;
	return make_block(self, gauges, row, requested, zero, alignment, front, 0, function, file,
			  line);
}

/*
 * Allocate a block of `requested` bytes in `row` at `alignment`, counted
 * in the calling thread's gauges of it: `known` when the caller has them
 * at hand (those of the thread's last tag), else looked up, and the
 * thread's state made, only once the request has passed its checks. The
 * failures are reported out of line, so the path that succeeds keeps its
 * values in registers. Past malloc's alignment, the malloc block has the
 * alignment asked for and the program's bytes are that far into it (32:
 * a full header alone in front), so they have it too (block.h); such a block
 * is not fitted, since realloc may move a mapping to malloc's alignment.
 */
MS_HOT void *alloc_block(uint32_t row, struct ms_gauge_row *known, size_t requested, bool zero,
			 size_t alignment, const char *function, const char *file, int line)
{
	bool aligned = alignment > MALLOC_ALIGNMENT;
	if (ms_next_looking_up())      /* inside dlsym: an arena block, uncounted (next.h) */
		return aligned ? aligned_malloc(alignment, requested)
			       : zero ? ms_raw_calloc(1, requested) : ms_raw_malloc(requested);
	if (row == UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	size_t padding = alignment > MS_FULL_HEADER_SIZE ? alignment - MS_FULL_HEADER_SIZE : 0;
	if (requested > MAX_REQUEST - padding) {
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
			  "more than any allocation can hold (%zu bytes)", requested);
		errno = ENOMEM;
		return NULL;
	}
	struct ms_thread *self = ms_thread_self();
	struct ms_gauge_row *gauges = known ? known : gauges_of(self, row);
	if (!gauges)
		return no_memory(why_no_gauges(self), requested, function, file, line);
	ms_site_named(&file, &line);
	uint32_t origin;
	if (!aligned && requested < MS_COMPACT_LIMIT &&
	    (origin = ms_origin_seen_of(self->origins_seen, file, (uint32_t)line, row)))
		return make_block(self, gauges, row, requested, zero, MALLOC_ALIGNMENT,
				  MS_COMPACT_HEADER_SIZE, origin, function, file, line);
	return make_full_block(self, gauges, row, requested, zero, alignment, function, file,
			       line);
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
	return alloc_block(row, NULL, bytes, zero, MALLOC_ALIGNMENT, function, file, line);
}

void *ms_alloc_at(ms_type *type, size_t count, const char *file, int line)
{
	return alloc_typed(type, count, false, "ms_alloc", file, line);
}

void *ms_calloc_at(ms_type *type, size_t count, const char *file, int line)
{
	return alloc_typed(type, count, true, "ms_calloc", file, line);
}

/*
 * ms_alloc_bytes under a tag that is not the thread's last, found in the
 * tag table. A read-only tag (a string literal, nearly always) is then
 * remembered, once a block has been allocated under it: its text cannot
 * change, so the next allocation under the same address is that row,
 * with no lookup and no comparison.
 */
static void *alloc_under_tag(size_t size, bool zero, const char *tag, const char *function,
			     const char *file, int line)
{
	bool constant;
	uint32_t row = ms_row_of_tag(tag, &constant, function, file, line);
	void *p = alloc_block(row, NULL, size, zero, MALLOC_ALIGNMENT, function, file, line);
	struct ms_thread *self = ms_thread_current;
	if (p && constant) {     /* then the thread has its state, and its gauges of `row` */
		self->last_tag = MS_HIDE_ADDRESS(tag);
		self->last_tag_row = row;
		self->last_tag_gauges = ms_thread_row(self, row);
	}
	return p;
}

/* `size` bytes under `tag`, zero-filled if `zero`. */
MS_HOT void *alloc_tagged(size_t size, bool zero, const char *tag, const char *function,
			  const char *file, int line)
{
	/* A program tends to allocate under one tag many times running. */
	struct ms_thread *self = ms_thread_current;
	if (self && self->last_tag == MS_HIDE_ADDRESS(tag))
		return alloc_block(self->last_tag_row, self->last_tag_gauges, size, zero,
				   MALLOC_ALIGNMENT, function, file, line);
	return alloc_under_tag(size, zero, tag, function, file, line);
}

void *ms_alloc_bytes_at(size_t size, const char *tag, const char *file, int line)
{
	return alloc_tagged(size, false, tag, "ms_alloc_bytes", file, line);
}

void *ms_calloc_bytes_at(size_t size, const char *tag, const char *file, int line)
{
	return alloc_tagged(size, true, tag, "ms_calloc_bytes", file, line);
}

void *ms_alloc_aligned_at(size_t alignment, size_t size, const char *tag, const char *file,
			  int line)
{
	static const char function[] = "ms_alloc_aligned";
	if (!alignment || (alignment & (alignment - 1))) {
		ms_misuse(MS_MISUSE_ALIGNMENT, function, file, line,
			  "alignment %zu is not a power of two", alignment);
		errno = EINVAL;
		return NULL;
	}
	if (alignment > (size_t)1 << MS_ALIGNED_SHIFT_MAX) {
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
			  "no block can be aligned to %zu bytes", alignment);
		errno = ENOMEM;
		return NULL;
	}
	bool constant;
	uint32_t row = ms_row_of_tag(tag, &constant, function, file, line);
	return alloc_block(row, NULL, size, false, alignment, function, file, line);
}

char *ms_strdup_at(const char *s, const char *file, int line)
{
	if (!s) {
		ms_misuse(MS_MISUSE_NULL, "ms_strdup", file, line, "string is NULL");
		errno = EINVAL;
		return NULL;
	}
	size_t len = strlen(s) + 1;
	char *copy = alloc_block(ms_row_of_type(&ms_type_char, "ms_strdup", file, line), NULL, len,
				 false, MALLOC_ALIGNMENT, "ms_strdup", file, line);
	if (copy)
		memcpy(copy, s, len);
	return copy;
}

/*
 * The _ret calls: the return address rides in the file pointer, marked by
 * its line (text.h), down the paths every allocation takes.
 */
void *ms_alloc_bytes_ret(size_t size, const char *tag, const void *return_address)
{
	return ms_alloc_bytes_at(size, tag, return_address, MS_LINE_ADDRESS);
}

void *ms_calloc_bytes_ret(size_t size, const char *tag, const void *return_address)
{
	return ms_calloc_bytes_at(size, tag, return_address, MS_LINE_ADDRESS);
}

void *ms_alloc_aligned_ret(size_t alignment, size_t size, const char *tag,
			   const void *return_address)
{
	return ms_alloc_aligned_at(alignment, size, tag, return_address, MS_LINE_ADDRESS);
}

/* Remember a block this thread just freed, for naming a second free. */
MS_HOT void remember_freed(struct ms_thread *self, uintptr_t address, const char *file, int line,
			   uint32_t row)
{
	self->freed[self->freed_next++ % MS_FREED_RING] =
		(struct ms_freed){ MS_HIDE_ADDRESS(address), file, (uint32_t)line, row };
}

/* take_block found `p`'s header overwritten: the block stays as it was. */
MS_COLD void header_overwritten(void *p, const char *function, const char *file, int line)
{
	ms_pagemap_set(p);
	ms_misuse(MS_MISUSE_CORRUPT, function, file, line,
		  "the block's header is overwritten (did the program write before "
		  "its bytes, or past the end of the block before it?); the block is "
		  "left alone");
}

/* What ms_free and ms_realloc found at a pointer. */
enum taken {
	TAKEN,          /* a live block, out of the page map now */
	PASSED_ON,      /* not memstats' to count: the allocator beneath is given it as it is */
	REFUSED         /* reported; the page map is as it was */
};

static _Atomic int foreign_policy = MS_FOREIGN_REPORT;

enum ms_foreign_policy ms_set_foreign_policy(enum ms_foreign_policy policy)
{
	if (policy != MS_FOREIGN_REPORT && policy != MS_FOREIGN_PASS) {
		errno = EINVAL;
		return (enum ms_foreign_policy)atomic_load_explicit(&foreign_policy,
								   memory_order_relaxed);
	}
	return (enum ms_foreign_policy)atomic_exchange_explicit(&foreign_policy, (int)policy,
								memory_order_relaxed);
}

/*
 * True if `p`, no live block, is to be passed on: one of next.c's arena,
 * or unknown to memstats under MS_FOREIGN_PASS. Anything else is reported.
 */
MS_COLD bool pass_on(void *p, const char *function, const char *file, int line)
{
	if (ms_next_arena_owns(p))
		return true;
	if (atomic_load_explicit(&foreign_policy, memory_order_relaxed) != MS_FOREIGN_PASS) {
		ms_report_not_live(p, function, file, line);
		return false;
	}
	return !ms_report_known_not_live(p, function, file, line);
}

/*
 * The taken `p`'s header, unsound as a plain one: an aligned block's
 * front, its header and sizes read; else 0, and reported.
 */
MS_COLD size_t aligned_or_overwritten(void *p, struct ms_header *h, struct ms_block_sizes *sizes,
				      uint64_t f, const char *function, const char *file, int line)
{
	size_t front = ms_aligned_read(p, h, sizes, f);
	if (!front)
		header_overwritten(p, function, file, line);
	return front;
}

/*
 * Take `p` out of the page map and read its header and sizes, and how far
 * into its malloc block it is (`front`). On any problem the map is left
 * as it was and the call is reported (REFUSED).
 */
MS_HOT enum taken take_block(void *p, struct ms_header *h, struct ms_block_sizes *sizes,
			     size_t *front, uint64_t f, const char *function, const char *file,
			     int line)
{
	if (!ms_pagemap_take(p))
		return pass_on(p, function, file, line) ? PASSED_ON : REFUSED;
	*front = ms_header_read(p, h, false, f);      /* freeing needs no site */
	if (!*front) {
		*front = aligned_or_overwritten(p, h, sizes, f, function, file, line);
		return *front ? TAKEN : REFUSED;
	}
	*sizes = ms_sizes_of(p, *front, h->requested, f);
	if (!ms_header_fits(h, sizes)) {
		header_overwritten(p, function, file, line);
		return REFUSED;
	}
	return TAKEN;
}

/* A free could not count `p` out: it stays live, and the call is reported. */
MS_COLD void kept_unfreed(void *p, const struct ms_thread *self, const char *function,
			  const char *file, int line)
{
	ms_pagemap_set(p);
	ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line, "%s; the block is kept",
		  why_no_gauges(self));
}

/* Count the taken block `p` out and give its malloc block, `front` bytes in front of it, back. */
MS_HOT void release(void *p, size_t front, const struct ms_header *h,
		    const struct ms_block_sizes *sizes, uint64_t f, const char *function,
		    const char *file, int line)
{
	struct ms_thread *self = ms_thread_self();
	struct ms_gauge_row *gauges = gauges_of(self, h->row);
	if (!gauges) {
		kept_unfreed(p, self, function, file, line);
		return;
	}
	ms_count_out(gauges, &self->all, sizes->bytes);
	count_front(self, front, -1);
	remember_freed(self, (uintptr_t)p, file, line, h->row);
	ms_checkers_block_gone(p, f & MS_FACTS_VALGRIND);
	unsigned char *block = (unsigned char *)p - front;
	ms_checkers_open(block, front, f & MS_FACTS_VALGRIND);
	ms_raw_free(block);
}

/* ms_free, and ms_realloc_bytes to 0 bytes, as `function`. */
MS_HOT void free_block(void *p, const char *function, const char *file, int line)
{
	if (!p)
		return;
	uint64_t f = ms_facts();
	struct ms_header h;
	struct ms_block_sizes sizes;
	size_t front;
	enum taken taken = take_block(p, &h, &sizes, &front, f, function, file, line);
	if (taken == TAKEN)
		release(p, front, &h, &sizes, f, function, file, line);
	else if (taken == PASSED_ON)
		ms_raw_free(p);
}

void *ms_beneath_malloc(size_t size)
{
	return ms_raw_malloc(size);
}

void ms_free_at(void *p, const char *file, int line)
{
	free_block(p, "ms_free", file, line);
}

void ms_free_ret(void *p, const void *return_address)
{
	free_block(p, "ms_free", return_address, MS_LINE_ADDRESS);
}

/*
 * The taken block `p` (`front` bytes into its malloc block) resized to
 * `bytes` in a new block, with what it held, where realloc cannot keep it
 * as it is: C's realloc keeps no alignment beyond malloc's, so an aligned
 * block moves to one of malloc's alignment; a compact header cannot hold
 * a size of 32 KiB or more, or a site that could not be numbered, so such
 * a block moves to one with a full header. On failure it stays as it was.
 */
MS_COLD void *move_block(void *p, size_t front, const struct ms_header *h,
			 const struct ms_block_sizes *sizes, size_t bytes, uint64_t f,
			 const char *function, const char *file, int line)
{
	void *q = alloc_block(h->row, NULL, bytes, false, MALLOC_ALIGNMENT, function, file, line);
	if (!q) {
		ms_pagemap_set(p);
		return NULL;
	}
	memcpy(q, p, bytes < h->requested ? bytes : h->requested);
	release(p, front, h, sizes, f, function, file, line);
	return q;
}

/*
 * ms_realloc and ms_realloc_bytes, as `function`: the live block `p`
 * resized to `count` of its elements, or bytes (`in_elements` false).
 */
static void *resize(void *p, size_t count, bool in_elements, const char *function,
		    const char *file, int line)
{
	uint64_t f = ms_facts();
	struct ms_header h;
	struct ms_block_sizes old_sizes;
	size_t front;
	enum taken taken = take_block(p, &h, &old_sizes, &front, f, function, file, line);
	if (taken == PASSED_ON)      /* a foreign block has no type: `count` is bytes */
		return ms_raw_realloc(p, count);
	if (taken == REFUSED) {
		errno = EINVAL;
		return NULL;
	}
	/*
	 * The bit stays clear while realloc runs: if the block moves, another
	 * thread may be handed the old address at once and must be free to
	 * mark it as its own. Every failure puts the bit back before reporting.
	 */
	size_t bytes, element_size = in_elements ? ms_row_get(h.row)->element_size : 1;
	if (!multiply(count, element_size, &bytes)) {
		ms_pagemap_set(p);
		report_overflow(count, element_size, function, file, line);
		return NULL;
	}
	/* A block keeps its header's layout through realloc, where it can (block.h). */
	ms_site_named(&file, &line);
	bool compact = front == MS_COMPACT_HEADER_SIZE;
	if (front > MS_FULL_HEADER_SIZE || (compact && bytes >= MS_COMPACT_LIMIT))
		return move_block(p, front, &h, &old_sizes, bytes, f, function, file, line);
	struct ms_thread *self = NULL;
	struct ms_gauge_row *gauges = NULL;
	const char *why = NULL;
	if (bytes > MAX_REQUEST)
		why = "more than any allocation can hold";
	else if (!(gauges = gauges_of(self = ms_thread_self(), h.row)))
		why = why_no_gauges(self);
	/* the realloc's site, which the block's header names from now on */
	uint32_t origin = 0;
	if (!why && compact &&
	    !(origin = ms_origin_seen_of(self->origins_seen, file, (uint32_t)line, h.row)))
		return move_block(p, front, &h, &old_sizes, bytes, f, function, file, line);
	if (!why && !ms_pagemap_reserve())      /* the moved block must be markable */
		why = "no memory for the page map";
	unsigned char *moved = NULL;
	uintptr_t old_address = 0;   /* p's value is not to be used once realloc moved it */
	if (!why) {
		/* realloc copies the header along with the program's bytes */
		unsigned char *block = (unsigned char *)p - front;
		ms_checkers_open(block, front, f & MS_FACTS_VALGRIND);
		old_address = (uintptr_t)p;
		moved = ms_raw_realloc(block, malloc_request(bytes, front, f));
		if (!moved) {
			ms_checkers_close(block, front, f & MS_FACTS_VALGRIND);
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
	ms_count_out(gauges, &self->all, old_sizes.bytes);
	moved = fitted(moved, bytes, front, f);
	void *q = moved + front;
	if ((uintptr_t)q != old_address)
		remember_freed(self, old_address, file, line, h.row);
	write_header(q, front, origin, self, h.row, bytes, file, line, f);
	ms_checkers_block_moved((void *)old_address, q, bytes,
				bytes < h.requested ? bytes : h.requested, f & MS_FACTS_VALGRIND);
	if (!ms_pagemap_set(q)) {
		/*
		 * Only if other threads used up the reserve meanwhile, or the map
		 * cannot hold the address. The block lives on, uncounted.
		 */
		count_front(self, front, -1);
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
			  "no memory for the page map: the block is no longer tracked");
		return q;
	}
	struct ms_block_sizes sizes = ms_sizes_of(q, front, bytes, f);
	ms_count_in(gauges, &self->all, sizes.bytes);
	return q;
}

void *ms_realloc_at(void *p, size_t count, const char *file, int line)
{
	if (!p) {
		ms_misuse(MS_MISUSE_NULL, "ms_realloc", file, line,
			  "cannot resize NULL: it has no type (use ms_alloc)");
		errno = EINVAL;
		return NULL;
	}
	return resize(p, count, true, "ms_realloc", file, line);
}

void *ms_realloc_bytes_at(void *p, size_t size, const char *tag, const char *file, int line)
{
	static const char function[] = "ms_realloc_bytes";
	if (!p)
		return alloc_under_tag(size, false, tag, function, file, line);
	if (!size) {
		free_block(p, function, file, line);
		return NULL;
	}
	return resize(p, size, false, function, file, line);
}

void *ms_realloc_bytes_ret(void *p, size_t size, const char *tag, const void *return_address)
{
	return ms_realloc_bytes_at(p, size, tag, return_address, MS_LINE_ADDRESS);
}

/* ms_size of a pointer that is no live block: the allocator's size under the pass policy. */
MS_COLD size_t size_not_live(void *p)
{
	if (ms_next_arena_owns(p) ||
	    atomic_load_explicit(&foreign_policy, memory_order_relaxed) == MS_FOREIGN_PASS)
		return ms_raw_usable_size(p);
	errno = EINVAL;
	return 0;
}

size_t ms_size(const void *p)
{
	if (!p)
		return 0;
	if (!ms_pagemap_test(p))
		return size_not_live((void *)p);
	struct ms_header h;
	if (!ms_header_read((void *)p, &h, false, ms_facts()) && !ms_aligned_front(p, &h)) {
		errno = EINVAL;
		return 0;
	}
	return (size_t)h.requested;
}

int ms_block_info(const void *p, struct ms_block_info *info)
{
	struct ms_header h;
	struct ms_block_sizes sizes;
	size_t front = p && info ? ms_block_lookup(p, &h, &sizes) : 0;
	if (!front) {
		errno = EINVAL;
		return -1;
	}
	uint64_t f = ms_facts();
	const struct ms_row_info *row = ms_row_get(h.row);
	*info = (struct ms_block_info){
		.type_name = row->name,
		.type = row->type,
		.count = (size_t)h.requested / row->element_size,
		.malloc_bytes = front <= MS_FULL_HEADER_SIZE &&
						chunk_mapped((const unsigned char *)p - front, f)
					? mapped_request(h.requested, front, f)
					: malloc_request(h.requested, front, f),
		.header_bytes = front,
		.seq = h.seq & MS_SEQ_MASK,
		.thread = (unsigned)(h.seq >> MS_SEQ_BITS),
	};
	if ((int)h.line == MS_LINE_ADDRESS) {
		info->return_address = h.file;
	} else {
		info->file = h.file;
		info->line = (int)h.line;
	}
	memcpy(info->bytes, sizes.bytes, sizeof info->bytes);
	return 0;
}
