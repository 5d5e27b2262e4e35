/* readonly.c: whether an address lies in a read-only segment of the program itself, where bytes cannot change while it runs. */
#define _GNU_SOURCE
#include "internal.h"

#include <link.h>

struct search {
	uintptr_t address;
	bool found;
};

/*
 * dl_iterate_phdr's visit of the first loaded object, which is the main
 * program: is the address in one of its unwritable PT_LOAD segments?
 * RELRO data (written at start-up, then made read-only) lies in a writable
 * segment and so counts as writable, the safe answer.
 */
static int search_program(struct dl_phdr_info *object, size_t size, void *context)
{
	struct search *s = context;
	(void)size;
	for (ElfW(Half) i = 0; i < object->dlpi_phnum; i++) {
		const ElfW(Phdr) *segment = &object->dlpi_phdr[i];
		uintptr_t start = object->dlpi_addr + segment->p_vaddr;
		if (segment->p_type == PT_LOAD && !(segment->p_flags & PF_W) &&
		    s->address - start < segment->p_memsz) {
			s->found = true;
			break;
		}
	}
	/*
	 * Stop after the program: a library can be unloaded with dlclose and
	 * its addresses reused for other text, or for writable memory, so no
	 * address of a library is read-only for good.
	 */
	return 1;
}

bool ms_program_read_only(const void *p)
{
	struct search s = { (uintptr_t)p, false };
	dl_iterate_phdr(search_program, &s);
	return s.found;
}
