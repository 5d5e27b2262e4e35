/* next.h: the allocator memstats stands on: the C library's by name, or in a preload build the next object's, which next.c looks up. */
#ifndef MS_NEXT_H
#define MS_NEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Linked into a program, memstats allocates with the C library's malloc,
 * free and the rest, called by name. Built with -DMS_PRELOAD (the
 * build/preload tree), it is linked into a shared object that defines
 * those names itself, to count an unmodified program through LD_PRELOAD:
 * a call by name from inside memstats would come back to it and recurse.
 * There the names are the next object's, looked up with dlsym(RTLD_NEXT)
 * on first use: the C library's, or those of jemalloc, mimalloc or
 * tcmalloc preloaded after the object. fault.h's ms_raw_* call these.
 */
#ifdef MS_PRELOAD
void *ms_next_malloc(size_t size);
void *ms_next_calloc(size_t count, size_t size);
void *ms_next_realloc(void *p, size_t size);
void ms_next_free(void *p);
size_t ms_next_usable_size(void *p);
int ms_next_posix_memalign(void **p, size_t alignment, size_t size);

/*
 * True while the calling thread looks the next allocator up. dlsym may
 * allocate meanwhile (glibc keeps a failed look-up's message in a malloc
 * block), and that call comes back through the object's malloc: the
 * calls above then hand out memory from a small static arena instead,
 * which the allocation calls pass on uncounted, and which is never
 * reused, so its blocks' frees do nothing.
 */
bool ms_next_looking_up(void);
/* True if `p` is a block of that arena. */
bool ms_next_arena_owns(const void *p);
#else
#define ms_next_malloc malloc
#define ms_next_calloc calloc
#define ms_next_realloc realloc
#define ms_next_free free
#define ms_next_usable_size malloc_usable_size
#define ms_next_posix_memalign posix_memalign
#define ms_next_looking_up() false
#define ms_next_arena_owns(p) ((void)(p), false)
#endif

#endif
