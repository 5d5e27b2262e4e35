/* symbols.h: names a code address in an ELF file, given as a file offset as /proc/PID/maps yields it, with its function and source line where the file says them. */
#ifndef CENSUS_SYMBOLS_H
#define CENSUS_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/*
 * What census_symbols_find learnt of one address. The names are cut with
 * "..." to fit; every field is "" or 0 where the file does not say it.
 */
struct census_place {
	char function[128];        /* "parse_value", or "" when no symbol covers the address */
	uint64_t function_offset;  /* `offset` past the function's first byte (0 without a function) */
	char source[128];          /* base name of the source file, "cJSON.c", or "" without line info */
	int line;                  /* 0 without line info */
	char object[128];          /* base name of the file, "libcjson.so.1.7.15" */
	uint64_t offset;           /* file offset, as given */
};

typedef struct census_symbols census_symbols;

/* A symboliser with no file open yet: NULL, errno set, on failure. */
census_symbols *census_symbols_new(void);

/*
 * Name the code at `file_offset` into the ELF file `path` (an offset as
 * /proc/PID/maps gives one: address - mapping start + mapping offset),
 * taken as a return address: the call before it is what is named. Each
 * file is opened once, on its first look-up, and kept until
 * census_symbols_free. 0, or -1 with errno set when the file cannot be
 * read (place then still holds object and offset). An offset in no
 * loaded part of the file, or in one no symbol covers, is 0 with no
 * function. Debug info is read from the file itself, else from
 * /usr/lib/debug by build ID: never fetched through debuginfod.
 */
int census_symbols_find(census_symbols *s, const char *path, uint64_t file_offset,
			struct census_place *place);

/*
 * The shortest true text for `place`, into `buf` of size `n`:
 * "function (source:line)", "function+0x1a (object)", or "object+0x4a2c"
 * (with " (source:line)" after it should a line have no function). If it
 * does not fit, the function's or object's name is cut with "..." to
 * make room for the rest, and failing that the text's end is.
 */
void census_place_format(const struct census_place *place, char *buf, size_t n);

/* Close every file `s` opened and free it; NULL does nothing. */
void census_symbols_free(census_symbols *s);

#endif
