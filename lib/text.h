/* text.h: names and call sites as memstats prints them, escaped and cut by text.c, so that no name can break a line, a table or a message. */
#ifndef MS_TEXT_H
#define MS_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A byte that is no part of well-formed UTF-8, a control character (below
 * 0x20, 0x7f, U+0080..U+009F) and the backslash are escaped ("\n", "\t",
 * "\\", else "\xNN" a byte), so a name can neither break a line or a
 * table nor drive the terminal, and the escaped text reads back
 * unambiguously.
 */
/* The columns `name` takes once escaped: one a character, so an escape counts its length. */
size_t ms_text_width(const char *name);
/* Print `name` escaped: 0, or -1 if writing failed. */
int ms_text_print(const char *name, FILE *out);
/*
 * `name` escaped into `buf`, cut as Pympler's trunc() cuts: if it takes
 * more than `columns` columns (at least 3), what fits before "..." and
 * then "...". Returns the columns `buf` takes. A column holds at most 4
 * bytes (a character of UTF-8), so `buf` holds MS_CLIP_CAP(columns).
 */
#define MS_CLIP_CAP(columns) (4 * (columns) + 1)
size_t ms_text_clip(const char *name, size_t columns, char *buf);

/*
 * A name as a misuse message shows it: escaped and cut to 64 columns, so
 * that no name, however long, pushes the reason after it out of the
 * message. Used as ms_show(name).text in the arguments of ms_misuse (or
 * of a printf): a structure a call returns lives until the end of the
 * full expression it is in.
 */
#define MS_SHOWN_COLUMNS 64
struct ms_shown {
	char text[MS_CLIP_CAP(MS_SHOWN_COLUMNS)];
};
struct ms_shown ms_show(const char *name);

/*
 * A call site on its way from a call to a block's header is a file name
 * and a line, or, from the _ret calls (memstats.h), a return address in
 * the file pointer with MS_LINE_ADDRESS for its line. Every path passes
 * those two values as it always has, so a file:line call pays nothing
 * for the other kind; only what shows a site looks at the line.
 */
#define MS_LINE_ADDRESS (-1)

/*
 * The base name of the loaded object that holds the code address
 * `address` (the program's from its path, a library's from its file), and
 * in `offset` how far into that object it lies: the same from run to run,
 * wherever the object was loaded. "?" and the address itself if no loaded
 * object holds it.
 */
const char *ms_code_object(const void *address, uintptr_t *offset);

/*
 * A site as a message shows it: "file:line", the file escaped and cut as
 * ms_show cuts it, or for an address site "object+0xOFFSET".
 */
struct ms_shown_site {
	char text[MS_CLIP_CAP(MS_SHOWN_COLUMNS) + 32];
};
struct ms_shown_site ms_show_site(const char *file, int line);

/*
 * The site a new block's header names: a caller's NULL file (or NULL
 * return address) becomes the file "?", as ms_show_site shows it, since
 * a full header with no file reads as overwritten (block.h) and a site
 * table takes no file for an empty slot; a NULL return address's line
 * becomes 0, so "?" is not taken for an address.
 */
static inline void ms_site_named(const char **file, int *line)
{
	if (!*file) {
		*file = "?";
		*line = *line == MS_LINE_ADDRESS ? 0 : *line;
	}
}

#endif
