/* block.c: malloc's facts, measured once, and a tracked block found from a pointer, or why a pointer is not one. */
#define _GNU_SOURCE
#include "block.h"
#include "checkers.h"
#include "gauges.h"
#include "fault.h"
#include "misuse.h"
#include "pagemap.h"
#include "process.h"
#include "text.h"
#include "types.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <unistd.h>

/* An interior pointer is looked for this far below the bad pointer. */
#define INTERIOR_SEARCH ((size_t)1 << 30)

_Atomic uint64_t ms_malloc_facts;

uint64_t ms_measure_malloc_facts(void)
{
	uint64_t facts = MS_FACTS_MEASURED |
			 (uint64_t)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE))
				 << MS_FACTS_PAGE_SHIFT_AT;
	/*
	 * Inside dlsym, memstats' malloc is next.c's arena: nothing to measure
	 * yet, and nothing kept. The allocation calls pass the arena's blocks
	 * on uncounted, so these facts size no block.
	 */
	if (ms_next_looking_up())
		return facts | 1;
	void *small = ms_raw_malloc(1);
	size_t min_usable = small ? ms_raw_usable_size(small) : 1;
	facts |= min_usable;
	/* memcheck, massif and dhat replace malloc (it grants what is asked); callgrind does not */
	if (min_usable == 1 && ms_valgrind_running())
		facts |= MS_FACTS_VALGRIND;
	/*
	 * 24 is glibc's minimum; ASan, valgrind, jemalloc and tcmalloc grant 1,
	 * 8 or 16. A size word in front that agrees with it, its mapped bit
	 * clear, is glibc's chunk header (dlmalloc 2.8, the other malloc with
	 * a size word there, sets that bit on every chunk in use), and then a
	 * mapped chunk's header is glibc's too. No large block is asked for
	 * to see one: a block above glibc's largest mmap threshold, the only
	 * size sure to be mapped that leaves the threshold alone, is a 64 MiB
	 * mapping, which a process's peak virtual size and a trace of its
	 * system calls would show in every program memstats counts.
	 */
	size_t overhead;
	if (small && min_usable == 24 && ms_chunk_usable(small, &overhead) == 24 &&
	    overhead == MS_HEAP_CHUNK_HEADER)
		facts |= MS_FACTS_GLIBC_CHUNKS;
	ms_raw_free(small);
	atomic_store_explicit(&ms_malloc_facts, facts, memory_order_relaxed);
	return facts;
}

size_t ms_aligned_read(const void *p, const struct ms_header *h, struct ms_block_sizes *sizes,
		       uint64_t f)
{
	size_t front = ms_aligned_front(p, h);
	if (!front)
		return 0;
	*sizes = ms_sizes_at((unsigned char *)p - front, front, h->requested, f);
	return ms_header_fits(h, sizes) ? front : 0;
}

size_t ms_block_lookup(const void *p, struct ms_header *h, struct ms_block_sizes *sizes)
{
	return ms_pagemap_test(p) ? ms_block_read(p, h, sizes) : 0;
}

/*
 * True if the calling thread is the process's only one: then no other
 * thread can free a block while this one reads its header, until this
 * one makes a thread. glibc's flag says so at no cost, but once a thread
 * has been made it stays false for good, joined or not; then the kernel
 * is asked how many threads there are now (a misuse report can afford
 * the read).
 */
static bool only_thread(void)
{
	return __libc_single_threaded || ms_process_threads() == 1;
}

/*
 * Say why `p` is not a live block, where memstats knows: freed already by
 * this thread, or inside a live block (and which). Looking inside the
 * block below reads its header, which another thread could free
 * meanwhile, so that is done only while the process has a single thread.
 */
bool ms_report_known_not_live(const void *p, const char *function, const char *file, int line)
{
	struct ms_thread *self = ms_thread_current;   /* none yet: nothing freed to name */
	for (unsigned i = 1; self && i <= MS_FREED_RING; i++) {      /* newest first */
		const struct ms_freed *f = &self->freed[(self->freed_next - i) % MS_FREED_RING];
		/* an empty slot's 0 hides no pointer a program holds */
		if (f->hidden == MS_HIDE_ADDRESS(p)) {
			/* ms_free and both reallocs free it again; sizing only reads it. */
			bool freeing = strcmp(function, "ms_free") == 0 ||
				       strncmp(function, "ms_realloc", strlen("ms_realloc")) == 0;
			ms_misuse(freeing ? MS_MISUSE_DOUBLE_FREE : MS_MISUSE_NOT_LIVE, function,
				  file, line, "%sthis block of '%s' was already freed at %s",
				  freeing ? "double free: " : "use after free: ",
				  ms_show(ms_row_get(f->row)->name).text,
				  ms_show_site(f->file, (int)f->line).text);
			return true;
		}
	}
	const void *below = only_thread() ? ms_pagemap_find_below(p, INTERIOR_SEARCH) : NULL;
	struct ms_header t;
	struct ms_block_sizes sizes;
	if (below && ms_block_lookup(below, &t, &sizes)) {
		size_t offset = (size_t)((const char *)p - (const char *)below);
		if (offset < (uint64_t)sizes.bytes[MS_USABLE]) {
			ms_misuse(MS_MISUSE_INTERIOR, function, file, line,
				  "pointer is %zu bytes into a live block of '%s' (%llu bytes) "
				  "allocated at %s",
				  offset, ms_show(ms_row_get(t.row)->name).text,
				  (unsigned long long)t.requested, ms_show_site(t.file, (int)t.line).text);
			return true;
		}
	}
	return false;
}

void ms_report_not_live(const void *p, const char *function, const char *file, int line)
{
	if (!ms_report_known_not_live(p, function, file, line))
		ms_misuse(MS_MISUSE_NOT_LIVE, function, file, line,
			  "pointer is not a live memstats block (never allocated by memstats, "
			  "or already freed)");
}
