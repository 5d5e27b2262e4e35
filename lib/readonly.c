/* readonly.c: whether an address lies in a loaded object's read-only segment, where the bytes cannot change while the object stays loaded. */
#define _GNU_SOURCE
#include "internal.h"

#include <link.h>

struct search {
	uintptr_t address;
	bool found;
};

/* dl_iterate_phdr's visit of one loaded object: is the address in one of its unwritable PT_LOAD segments? */
static int search_object(struct dl_phdr_info *object, size_t size, void *context)
{
	struct search *s = context;
	(void)size;
	for (ElfW(Half) i = 0; i < object->dlpi_phnum; i++) {
		const ElfW(Phdr) *segment = &object->dlpi_phdr[i];
		uintptr_t start = object->dlpi_addr + segment->p_vaddr;
		if (segment->p_type == PT_LOAD && !(segment->p_flags & PF_W) &&
		    s->address - start < segment->p_memsz) {
			s->found = true;
			return 1;   /* stops the walk */
		}
	}
	return 0;
}

bool ms_address_read_only(const void *p)
{
	struct search s = { (uintptr_t)p, false };
	dl_iterate_phdr(search_object, &s);
	return s.found;
}
