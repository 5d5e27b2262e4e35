/* checkers.h: telling ASan and valgrind where a tracked block's program bytes are, and hiding memstats' copies of its address, so they judge it as a plain malloc block (checkers.c talks to valgrind). */
#ifndef MS_CHECKERS_H
#define MS_CHECKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A tracked block is a malloc block with memstats' header in front, so the
 * program holds a pointer 16 or 32 bytes into it (block.h). Left at that, valgrind would
 * call a held block "possibly lost" (only an interior pointer to it) and
 * count a lost one with the header's bytes; and the header would be bytes
 * a program could read or write through p[-1] without either checker
 * noticing. So memstats says what the program's block is:
 *
 * - under valgrind (a client request, a few instructions that do nothing
 *   on a real CPU, issued only once valgrind has been seen): the program's
 *   bytes are a block of a memory pool (VALGRIND_MEMPOOL_ALLOC), which
 *   memcheck's leak check then judges instead of the malloc block around
 *   it: held blocks are "still reachable", lost ones "definitely lost"
 *   with the bytes the program asked for. The HEAP SUMMARY still counts
 *   the malloc blocks, one per allocation, header included; its total
 *   heap usage counts each description as one more allocation, but not
 *   its end as a free;
 * - under both: the header is off limits to the program (ASan poisoning,
 *   memcheck's no-access), opened only while memstats reads or writes it.
 *
 * LeakSanitizer counts a pointer into a block as holding it, so it needs
 * nothing: it reports a lost block with the bytes memstats asked malloc for.
 */

/*
 * A copy of a block's address that a leak checker does not take for a
 * pointer: memstats keeps addresses a while (the last blocks a thread
 * freed, tag addresses, an object tracker's objects), and a plain copy
 * would keep a leaked block "reachable" once its address is reused. XOR
 * with a constant, so the same macro undoes it.
 */
#define MS_HIDE_ADDRESS(p) ((uintptr_t)(p) ^ (uintptr_t)0xa5a5a5a5a5a5a5a5u)

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(MS_ASAN)
#define MS_ASAN 1
#endif
#ifdef MS_ASAN
#include <sanitizer/asan_interface.h>
#endif

/*
 * What valgrind is told (checkers.c). Out of line, so that an allocation
 * call, which tests for valgrind on every block, carries only the test
 * and a call: a client request's argument array inline gave ms_alloc and
 * ms_free a larger stack frame and spilled registers on every call.
 */
/* Is valgrind there? block.c asks once, with malloc's other facts, and passes the answer on. */
bool ms_valgrind_running(void);
void ms_valgrind_header_access(void *h, size_t size, bool open);
void ms_valgrind_block_made(void *p, size_t size, size_t defined);
void ms_valgrind_block_moved(void *old, void *moved, size_t size, size_t kept);
void ms_valgrind_block_gone(void *p);

/* Open (`open`) or close the header at `h` (`size` bytes) to everyone but memstats. */
static inline void ms_checkers_header_access(void *h, size_t size, bool open, bool valgrind)
{
#ifdef MS_ASAN
	if (open)
		ASAN_UNPOISON_MEMORY_REGION(h, size);
	else
		ASAN_POISON_MEMORY_REGION(h, size);
#endif
	if (valgrind)
		ms_valgrind_header_access(h, size, open);
}

/* Open the header at `h` for memstats to read or write. */
static inline void ms_checkers_open(void *h, size_t size, bool valgrind)
{
	ms_checkers_header_access(h, size, true, valgrind);
}

/* Close the header at `h` to the program again. */
static inline void ms_checkers_close(void *h, size_t size, bool valgrind)
{
	ms_checkers_header_access(h, size, false, valgrind);
}

/*
 * The program's block `p` of `size` bytes now exists, its first `defined`
 * bytes holding values (calloc's zeros, what realloc copied), the rest
 * garbage until written.
 */
static inline void ms_checkers_block_made(void *p, size_t size, size_t defined, bool valgrind)
{
	if (valgrind)
		ms_valgrind_block_made(p, size, defined);
}

/* The program's block moved from `old` to `moved` (or stayed), `size` bytes now, its first `kept` copied. */
static inline void ms_checkers_block_moved(void *old, void *moved, size_t size, size_t kept,
					   bool valgrind)
{
	if (valgrind)
		ms_valgrind_block_moved(old, moved, size, kept);
}

/* The program's block `p` is gone. */
static inline void ms_checkers_block_gone(void *p, bool valgrind)
{
	if (valgrind)
		ms_valgrind_block_gone(p);
}

#endif
