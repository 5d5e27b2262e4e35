/* table.h: what table.c offers the rest of lib besides ms_table_print: tables built cell by cell, and the flush every printer ends with. */
#ifndef MS_TABLE_H
#define MS_TABLE_H

#include "memstats.h"

#include <stdbool.h>

/*
 * The last step of every printer. stdio holds what was written in its
 * buffer, so a full disk or a bad descriptor shows only once the buffer
 * goes out: flush it now, so that the printer's result says whether its
 * text arrived. `failed`: the printer has already failed (a write, or no
 * memory). 0 if nothing failed and the stream holds no error; else -1,
 * errno from the printer's own failure if there was one, else as the
 * stream's write set it.
 */
int ms_print_end(FILE *out, bool failed);

/*
 * A table filled cell by cell, row by row, in the columns a printer's
 * `opts` asks for: the printers of summaries and site tables build theirs
 * with ms_cells_print.
 */
#define MS_CELL 64   /* room for "file.c:LINE" or any number */
struct ms_cells {
	const struct ms_print_opts *opts;
	size_t rows, columns, next;
	const char **cells;
	char (*text)[MS_CELL];
};
/* The next cell: a string that outlives the table. */
void ms_cells_put(struct ms_cells *t, const char *text);
/* The next cell, formatted into the table's own storage. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void ms_cells_printf(struct ms_cells *t, const char *fmt, ...);
/* The sizes of one row, in the columns `opts` asks for. */
void ms_cells_sizes(struct ms_cells *t, const int64_t bytes[MS_NOTION_COUNT]);

/* Fill the cells of row `r` of `what`'s table: its fixed columns, then ms_cells_sizes. */
typedef void ms_cells_row(struct ms_cells *t, const void *what, size_t r);

/*
 * Print a table of the `count` rows of `what` (a summary, a site table)
 * in Pympler's shape: headed by `header`'s fixed columns (a NULL ends
 * them) and the size columns `opts` asks for (NULL: MS_PRINT_DEFAULTS),
 * as many rows as its limit shows, each filled by `row`. 0, or -1 with
 * errno set: EINVAL if `what` or `out` is NULL.
 */
int ms_cells_print(FILE *out, const void *what, size_t count, const char *const *header,
		   const struct ms_print_opts *opts, ms_cells_row *row);
/* The column header of a notion ("requested size"). */
const char *ms_notion_header(enum ms_notion notion);

#endif
