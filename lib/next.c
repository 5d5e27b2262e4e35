/* next.c: in a preload build, the next object's malloc and kin, looked up once with dlsym(RTLD_NEXT), and the arena that serves what the look-up itself allocates. */
#define _GNU_SOURCE
#include "next.h"

#ifdef MS_PRELOAD
#include <dlfcn.h>
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* The calls memstats makes, by index into `found` and `names`. */
enum next_call {
	NEXT_MALLOC, NEXT_CALLOC, NEXT_REALLOC, NEXT_FREE, NEXT_USABLE_SIZE, NEXT_POSIX_MEMALIGN,
	NEXT_CALLS
};

static const char *const names[NEXT_CALLS] = {
	[NEXT_MALLOC] = "malloc",
	[NEXT_CALLOC] = "calloc",
	[NEXT_REALLOC] = "realloc",
	[NEXT_FREE] = "free",
	[NEXT_USABLE_SIZE] = "malloc_usable_size",
	[NEXT_POSIX_MEMALIGN] = "posix_memalign",
};

/*
 * What dlsym found for each, NULL until then. Threads that look up at
 * once find the same addresses and store them alike, so none waits for
 * another (one could be in dlopen, holding the lock dlsym takes).
 */
static _Atomic(void *) found[NEXT_CALLS];

static _Thread_local bool looking_up;

bool ms_next_looking_up(void)
{
	return looking_up;
}

/*
 * The arena: what dlsym allocates is a few dozen bytes (glibc's record of
 * a failed look-up and its message). Blocks are 16-byte aligned or more,
 * each with its size in the word before it, for realloc and usable size;
 * it starts zeroed and nothing is reused, so calloc needs no clearing.
 */
#define ARENA_BYTES 4096
#define ARENA_ALIGN 16
static alignas(ARENA_ALIGN) unsigned char arena[ARENA_BYTES];
static _Atomic size_t arena_used;

bool ms_next_arena_owns(const void *p)
{
	uintptr_t at = (uintptr_t)p;
	return at >= (uintptr_t)arena && at < (uintptr_t)arena + ARENA_BYTES;
}

/* `size` bytes at a multiple of `alignment` (a power of two, 16 or more) into the arena. */
static void *arena_alloc(size_t size, size_t alignment)
{
	size_t used = atomic_load_explicit(&arena_used, memory_order_relaxed), start, end;
	do {
		start = (used + sizeof size + alignment - 1) & ~(alignment - 1);
		if (start > ARENA_BYTES || size > ARENA_BYTES - start) {
			errno = ENOMEM;
			return NULL;
		}
		end = start + ((size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1));
	} while (!atomic_compare_exchange_weak_explicit(&arena_used, &used, end,
							memory_order_relaxed, memory_order_relaxed));
	memcpy(arena + start - sizeof size, &size, sizeof size);
	return arena + start;
}

static size_t arena_size(const void *p)
{
	size_t size;
	memcpy(&size, (const unsigned char *)p - sizeof size, sizeof size);
	return size;
}

/* Say once that `name` was not found: memstats' allocations then fail, and its frees do nothing. */
static void missing(const char *name)
{
	static atomic_flag told = ATOMIC_FLAG_INIT;
	static const char text[] = "memstats: dlsym(RTLD_NEXT) finds no ";
	if (atomic_flag_test_and_set(&told))
		return;
	/* write, not stdio: stdio would allocate through the very object that has no allocator */
	ssize_t ignored = write(STDERR_FILENO, text, sizeof text - 1);
	ignored = write(STDERR_FILENO, name, strlen(name));
	ignored = write(STDERR_FILENO, "\n", 1);
	(void)ignored;
}

/*
 * The address of `call`, every call looked up on the first. NULL while
 * this thread is inside dlsym (`looking_up`: its caller then serves the
 * arena, even where a call is found already, so that everything made in
 * there is the arena's), or if there is no such call to find.
 */
static void *address_of(enum next_call call)
{
	if (looking_up)
		return NULL;
	void *address = atomic_load_explicit(&found[call], memory_order_relaxed);
	if (address)
		return address;
	looking_up = true;
	for (int i = 0; i < NEXT_CALLS; i++) {
		void *at = dlsym(RTLD_NEXT, names[i]);
		if (!at)
			missing(names[i]);
		atomic_store_explicit(&found[i], at, memory_order_relaxed);
	}
	looking_up = false;
	return atomic_load_explicit(&found[call], memory_order_relaxed);
}

/* An allocation with no allocator to make it: from the arena inside dlsym, else none. */
static void *no_allocator(size_t size, size_t alignment)
{
	if (looking_up)
		return arena_alloc(size, alignment);
	errno = ENOMEM;
	return NULL;
}

/*
 * dlsym's answer as the function pointer `fn` points at: POSIX has a data
 * pointer hold a function's address, and ISO C converts neither way, so
 * the bytes are copied (one move, compiled).
 */
#define AS_FUNCTION(fn, address) memcpy(&(fn), &(address), sizeof(fn))

void *ms_next_malloc(size_t size)
{
	void *address = address_of(NEXT_MALLOC);
	if (!address)
		return no_allocator(size, ARENA_ALIGN);
	void *(*fn)(size_t);
	AS_FUNCTION(fn, address);
	return fn(size);
}

void *ms_next_calloc(size_t count, size_t size)
{
	void *address = address_of(NEXT_CALLOC);
	if (!address) {
		if (size && count > SIZE_MAX / size) {
			errno = ENOMEM;
			return NULL;
		}
		return no_allocator(count * size, ARENA_ALIGN);
	}
	void *(*fn)(size_t, size_t);
	AS_FUNCTION(fn, address);
	return fn(count, size);
}

/* An arena block moves out to what the next allocator (or, still looking up, the arena) gives. */
static void *arena_realloc(void *p, size_t size)
{
	void *moved = ms_next_malloc(size);
	size_t kept = arena_size(p);
	if (moved)
		memcpy(moved, p, kept < size ? kept : size);
	return moved;
}

void *ms_next_realloc(void *p, size_t size)
{
	if (ms_next_arena_owns(p))
		return arena_realloc(p, size);
	void *address = address_of(NEXT_REALLOC);
	if (!address)      /* inside dlsym, only the arena's blocks exist yet */
		return p ? NULL : no_allocator(size, ARENA_ALIGN);
	void *(*fn)(void *, size_t);
	AS_FUNCTION(fn, address);
	return fn(p, size);
}

void ms_next_free(void *p)
{
	if (ms_next_arena_owns(p))
		return;
	void *address = address_of(NEXT_FREE);
	if (!address)      /* inside dlsym, only the arena's blocks exist yet */
		return;
	void (*fn)(void *);
	AS_FUNCTION(fn, address);
	fn(p);
}

size_t ms_next_usable_size(void *p)
{
	if (ms_next_arena_owns(p))
		return arena_size(p);
	void *address = address_of(NEXT_USABLE_SIZE);
	if (!address)
		return 0;
	size_t (*fn)(void *);
	AS_FUNCTION(fn, address);
	return fn(p);
}

int ms_next_posix_memalign(void **p, size_t alignment, size_t size)
{
	void *address = address_of(NEXT_POSIX_MEMALIGN);
	if (!address) {
		*p = no_allocator(size, alignment > ARENA_ALIGN ? alignment : ARENA_ALIGN);
		return *p ? 0 : ENOMEM;
	}
	int (*fn)(void **, size_t, size_t);
	AS_FUNCTION(fn, address);
	return fn(p, alignment, size);
}
#else
/* ISO C wants something in every file: this build calls the C library by name (next.h). */
typedef int ms_no_preload;
#endif
