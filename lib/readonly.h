/* readonly.h: whether an address is in a read-only segment of the program itself, as readonly.c reads them once. */
#ifndef MS_READONLY_H
#define MS_READONLY_H

#include <stdbool.h>

/*
 * True if `p` is in a read-only segment of the program itself (one of its
 * string literals or const arrays): its bytes cannot change while the
 * program runs. A library's literal is not, since a library can be
 * unloaded. The program's segments are read once; a tag address is asked
 * about once, when the tag table first meets it.
 */
bool ms_program_read_only(const void *p);

#endif
