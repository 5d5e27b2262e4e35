/* readonly.c: whether an address lies in a read-only segment of the program itself, where bytes cannot change while it runs. */
#define _GNU_SOURCE
#include "readonly.h"

#include <link.h>
#include <pthread.h>

/*
 * The program's unwritable PT_LOAD segments, read once: they never change
 * while it runs. A program has two or three (code, constants, the
 * exception tables); more than this many are left out, which only makes
 * their addresses count as writable, the safe answer.
 */
#define MAX_SEGMENTS 16
static struct {
	uintptr_t start, size;
} segments[MAX_SEGMENTS];
static size_t segment_count;
static pthread_once_t segments_once = PTHREAD_ONCE_INIT;

/*
 * dl_iterate_phdr's visit of the first loaded object, which is the main
 * program. RELRO data (written at start-up, then made read-only) lies in
 * a writable segment, and so counts as writable.
 */
static int read_program(struct dl_phdr_info *object, size_t size, void *context)
{
	(void)size, (void)context;
	for (ElfW(Half) i = 0; i < object->dlpi_phnum && segment_count < MAX_SEGMENTS; i++) {
		const ElfW(Phdr) *segment = &object->dlpi_phdr[i];
		if (segment->p_type == PT_LOAD && !(segment->p_flags & PF_W)) {
			segments[segment_count].start = object->dlpi_addr + segment->p_vaddr;
			segments[segment_count].size = segment->p_memsz;
			segment_count++;
		}
	}
	/*
	 * Stop after the program: a library can be unloaded with dlclose and
	 * its addresses reused for other text, or for writable memory, so no
	 * address of a library is read-only for good.
	 */
	return 1;
}

static void read_segments(void)
{
	dl_iterate_phdr(read_program, NULL);
}

bool ms_program_read_only(const void *p)
{
	pthread_once(&segments_once, read_segments);
	for (size_t i = 0; i < segment_count; i++)
		if ((uintptr_t)p - segments[i].start < segments[i].size)
			return true;
	return false;
}
