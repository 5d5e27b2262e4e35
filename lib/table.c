/* table.c: text tables in Pympler's shape (ms_table_print), its way of writing a size, the notions' names and column headers, and the flush every printer ends with. */
#include "table.h"
#include "fault.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

char *ms_format_size(int64_t bytes, char *buf, size_t cap)
{
	/*
	 * Pympler's pp(): up to 1024 stays in bytes ("1024     B"); above, divide
	 * by 1024 while the value is still above 1024. Pympler prints negative
	 * sizes unscaled ("-2048     B"); here they scale like positive ones.
	 */
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	uint64_t magnitude = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;
	if (magnitude <= 1024) {
		snprintf(buf, cap, "%4lld     B", (long long)bytes);
		return buf;
	}
	double value = (double)magnitude;
	size_t unit = 0;
	while (value > 1024 && unit + 1 < sizeof units / sizeof units[0]) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, cap, "%7.2f %s", bytes < 0 ? -value : value, units[unit]);
	return buf;
}

char *ms_format_size_text(int64_t bytes, char *buf, size_t cap)
{
	char cell[32];
	ms_format_size(bytes, cell, sizeof cell);
	/* "   4.97 KB" -> "4.97 KB", " 100     B" -> "100 B": each run of spaces one, none in front */
	char *to = cell;
	for (const char *from = cell; *from; from++)
		if (*from != ' ' || (to > cell && to[-1] != ' '))
			*to++ = *from;
	*to = '\0';
	snprintf(buf, cap, "%s", cell);
	return buf;
}

/* Each notion's short name and column header, from the one X-macro. */
static const struct {
	const char *name, *header;
} notions[] = {
#define MS_NOTION_TEXT_(id, short_name, header) { short_name, header },
	MS_NOTIONS(MS_NOTION_TEXT_)
#undef MS_NOTION_TEXT_
};

const char *ms_notion_header(enum ms_notion notion)
{
	return (unsigned)notion < MS_NOTION_COUNT ? notions[notion].header : NULL;
}

const char *ms_notion_name(enum ms_notion notion)
{
	return (unsigned)notion < MS_NOTION_COUNT ? notions[notion].name : NULL;
}

/*
 * A line of a table goes out piece by piece, and the spaces of padding
 * and separators are held back in `owed` until text follows them, so no
 * line ends in a space the table put there.
 */
static int put_owed(FILE *out, size_t *owed)
{
	int failed = *owed > 0 && fprintf(out, "%*s", (int)*owed, "") < 0;
	*owed = 0;
	return failed;
}

/* `cell` aligned in a column `width` wide. */
static int put_cell(FILE *out, size_t *owed, const char *cell, size_t width, bool left)
{
	size_t fill = width - ms_text_width(cell);
	int failed = 0;
	if (!left)
		*owed += fill;
	if (*cell != '\0') {
		failed |= put_owed(out, owed);
		failed |= ms_text_print(cell, out);
	}
	if (left)
		*owed += fill;
	return failed;
}

/* The rule of '=' under the header, as wide as its column. */
static int put_rule(FILE *out, size_t *owed, size_t width)
{
	int failed = width > 0 ? put_owed(out, owed) : 0;
	for (size_t i = 0; i < width; i++)
		failed |= fputc('=', out) == EOF;
	return failed;
}

/* One line: the cells of `row`, or the rule when `row` is NULL, " | " between columns. */
static int put_line(FILE *out, size_t columns, const char *const *row, const size_t *width,
		    const struct ms_table_style *style)
{
	size_t owed = 0;
	int failed = 0;
	for (size_t c = 0; c < columns; c++) {
		if (c > 0) {
			owed++;
			failed |= put_owed(out, &owed);
			failed |= fputc('|', out) == EOF;
			owed = 1;
		}
		bool left = c < 32 && (style->left & MS_TABLE_COLUMN(c));
		if (row)
			failed |= put_cell(out, &owed, row[c] ? row[c] : "", width[c], left);
		else
			failed |= put_rule(out, &owed, width[c]);
	}
	failed |= fputc('\n', out) == EOF;
	return failed;
}

int ms_table_print(FILE *out, size_t columns, size_t rows, const char *const *cells,
		   const struct ms_table_style *style)
{
	static const struct ms_table_style pympler = MS_TABLE_PYMPLER;
	if (!out || (!cells && columns > 0 && rows > 0)) {
		errno = EINVAL;
		return -1;
	}
	if (columns == 0 || rows == 0)
		return ms_print_end(out, false);
	if (!style)
		style = &pympler;
	size_t *width = ms_raw_calloc(columns, sizeof *width);
	if (!width)
		return -1;
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < columns; c++) {
			const char *cell = cells[r * columns + c];
			size_t len = (cell ? ms_text_width(cell) : 0) + style->padding;
			if (len > width[c])
				width[c] = len;
		}
	int failed = 0;
	for (size_t r = 0; r < rows; r++) {
		failed |= put_line(out, columns, cells + r * columns, width, style);
		if (r == 0)
			failed |= put_line(out, columns, NULL, width, style);
	}
	ms_raw_free(width);
	return ms_print_end(out, failed);
}

int ms_print_end(FILE *out, bool failed)
{
	int earlier = errno;
	bool flushed = fflush(out) == 0;
	if (failed)
		errno = earlier;    /* the printer's own failure came first: report that one */
	return failed || !flushed || ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Filling a table cell by cell, for the printers of summaries and sites */
/* ------------------------------------------------------------------ */

static const struct ms_print_opts default_opts = MS_PRINT_DEFAULTS;

/* Start a table of `count` rows with `fixed_columns` before the size columns, as `opts` limits them. */
static int cells_start(struct ms_cells *t, size_t count, size_t fixed_columns,
		       const struct ms_print_opts *opts)
{
	t->opts = opts ? opts : &default_opts;
	t->rows = t->opts->limit >= 0 && (size_t)t->opts->limit < count ? (size_t)t->opts->limit
									  : count;
	t->columns = fixed_columns;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		t->columns += (t->opts->columns & MS_COLUMN(n)) != 0;
	t->next = 0;
	t->cells = ms_raw_calloc((t->rows + 1) * t->columns, sizeof *t->cells);
	t->text = ms_raw_calloc((t->rows + 1) * t->columns, sizeof *t->text);
	if (!t->cells || !t->text) {
		ms_raw_free(t->cells);
		ms_raw_free(t->text);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void ms_cells_put(struct ms_cells *t, const char *text)
{
	t->cells[t->next++] = text;
}

void ms_cells_printf(struct ms_cells *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->text[t->next], MS_CELL, fmt, ap);
	va_end(ap);
	ms_cells_put(t, t->text[t->next]);
}

/* The headers of the size columns `opts` asks for. */
static void cells_size_headers(struct ms_cells *t)
{
	/* Several size columns take their notions' short names, so all three fit 80 columns. */
	bool several = (t->opts->columns & (t->opts->columns - 1)) != 0;
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		if (t->opts->columns & MS_COLUMN(n))
			ms_cells_put(t, several ? ms_notion_name((enum ms_notion)n)
						: ms_notion_header((enum ms_notion)n));
}

void ms_cells_sizes(struct ms_cells *t, const int64_t bytes[MS_NOTION_COUNT])
{
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		if (t->opts->columns & MS_COLUMN(n)) {
			ms_format_size(bytes[n], t->text[t->next], MS_CELL);
			ms_cells_put(t, t->text[t->next]);
		}
}

int ms_cells_print(FILE *out, const void *what, size_t count, const char *const *header,
		   const struct ms_print_opts *opts, ms_cells_row *row)
{
	if (!what || !out) {
		errno = EINVAL;
		return -1;
	}
	size_t fixed_columns = 0;
	while (header[fixed_columns])
		fixed_columns++;
	struct ms_cells t;
	if (cells_start(&t, count, fixed_columns, opts) != 0)
		return -1;
	for (size_t c = 0; c < fixed_columns; c++)
		ms_cells_put(&t, header[c]);
	cells_size_headers(&t);
	for (size_t r = 0; r < t.rows; r++)
		row(&t, what, r);
	int result = ms_table_print(out, t.columns, t.rows + 1, t.cells, NULL);
	ms_raw_free(t.cells);
	ms_raw_free(t.text);
	return result;
}
