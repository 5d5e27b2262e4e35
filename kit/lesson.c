/* lesson.c: the printing and data-file helpers every program of the workbook shares (see lesson.h). */
#include "lesson.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void print_rule(FILE *out, char c, size_t length)
{
	for (size_t i = 0; i < length; i++)
		fputc(c, out);
	fputc('\n', out);
}

/* Start a part of the lesson: the blank line after the previous one. */
static FILE *begin_part(struct lesson *lesson)
{
	if (lesson->gap_due)
		fputc('\n', lesson->out);
	lesson->gap_due = true;
	return lesson->out;
}

void lesson_heading(struct lesson *lesson, const struct chapter *chapter)
{
	FILE *out = begin_part(lesson);
	/* "chapter1" reads as "Chapter 1" in a heading. */
	const char *number = chapter->name + strlen("chapter");
	int length = fprintf(out, "Chapter %s: %s\n", number, chapter->title);
	print_rule(out, '=', length > 1 ? (size_t)length - 1 : 0);
}

/* `text` over a rule of `c` as long. */
static void print_titled(struct lesson *lesson, const char *text, char c)
{
	FILE *out = begin_part(lesson);
	fprintf(out, "%s\n", text);
	print_rule(out, c, strlen(text));
}

void lesson_title(struct lesson *lesson, const char *text)
{
	print_titled(lesson, text, '=');
}

void lesson_subheading(struct lesson *lesson, const char *text)
{
	print_titled(lesson, text, '-');
}

/* Print `text` wrapped at LESSON_WIDTH columns, ending the last line. */
static void print_wrapped(FILE *out, const char *text)
{
	size_t column = 0;
	const char *word = text;
	while (*word) {
		size_t length = strcspn(word, " ");
		/* A word longer than a line gets a line of its own. */
		if (column > 0 && column + 1 + length > LESSON_WIDTH) {
			fputc('\n', out);
			column = 0;
		}
		if (column > 0) {
			fputc(' ', out);
			column++;
		}
		fwrite(word, 1, length, out);
		column += length;
		word += length;
		word += strspn(word, " ");
	}
	fputc('\n', out);
}

void lesson_para(struct lesson *lesson, const char *format, ...)
{
	FILE *out = begin_part(lesson);
	va_list args;
	va_start(args, format);
	int length = vsnprintf(NULL, 0, format, args);
	va_end(args);
	char *text = length >= 0 ? malloc((size_t)length + 1) : NULL;
	va_start(args, format);
	if (text) {
		vsnprintf(text, (size_t)length + 1, format, args);
		print_wrapped(out, text);
		free(text);
	} else {
		/* Without memory to wrap it, the paragraph is still worth printing. */
		vfprintf(out, format, args);
		fputc('\n', out);
	}
	va_end(args);
}

/* `length` bytes of `text` as an indented block; only lines with text are indented, so none ends in a space. */
static void print_indented(FILE *out, const char *text, size_t length)
{
	for (const char *line = text; line < text + length;) {
		size_t n = strcspn(line, "\n");
		if (line + n > text + length)
			n = (size_t)(text + length - line);
		if (n > 0)
			fprintf(out, "    %.*s", (int)n, line);
		fputc('\n', out);
		line += n + 1;
	}
}

void lesson_code(struct lesson *lesson, const char *lines)
{
	print_indented(begin_part(lesson), lines, strlen(lines));
}

void lesson_output(struct lesson *lesson, const char *text)
{
	/* the same indented block as code, which a reader knows to read as is; its last newline ends it */
	size_t length = strlen(text);
	if (length > 0 && text[length - 1] == '\n')
		length--;
	print_indented(begin_part(lesson), text, length);
}

void lesson_code_numbered(struct lesson *lesson, int first, const char *lines)
{
	FILE *out = begin_part(lesson);
	int number = first;
	for (const char *line = lines; *line; number++) {
		size_t length = strcspn(line, "\n");
		/* the number alone on an empty line, so it has no trailing spaces */
		fprintf(out, "%5d", number);
		if (length > 0)
			fprintf(out, "  %.*s", (int)length, line);
		fputc('\n', out);
		line += length;
		if (*line == '\n')
			line++;
	}
}

/* Keep the first printer failure (`result` -1, errno set) for lesson_finish. */
static void note_result(struct lesson *lesson, int result)
{
	if (result != 0 && lesson->error == 0)
		lesson->error = errno;
}

void lesson_write_failed(const char *program, const char *what)
{
	fprintf(stderr, "%s: cannot write %s: %s\n", program, what, strerror(errno));
}

int lesson_flush(FILE *out, const char *program, const char *what)
{
	if (fflush(out) == 0 && !ferror(out))
		return 0;
	/* A flush that had nothing left to write keeps the errno of the write that failed. */
	lesson_write_failed(program, what);
	return -1;
}

int lesson_finish(const struct lesson *lesson, const char *name)
{
	/* A write that failed, a printer's included, is reported as one. */
	if (lesson_flush(lesson->out, name, "the lesson") != 0)
		return -1;
	if (lesson->error == 0)
		return 0;
	fprintf(stderr, "%s: could not print the lesson: %s\n", name, strerror(lesson->error));
	return -1;
}

void lesson_table(struct lesson *lesson, const ms_summary *s)
{
	note_result(lesson, ms_summary_print(s, begin_part(lesson), NULL));
}

void lesson_sites(struct lesson *lesson, const ms_sites *sites)
{
	note_result(lesson, ms_sites_print(sites, begin_part(lesson), NULL));
}

/* Start an "On this machine" block: the line "On this machine, <what>:". */
static FILE *begin_machine_block(struct lesson *lesson, const char *what)
{
	FILE *out = begin_part(lesson);
	fprintf(out, "On this machine, %s:\n", what);
	return out;
}

/* End an "On this machine" block: its blank line is the separator too. */
static void end_machine_block(struct lesson *lesson)
{
	fputc('\n', lesson->out);
	lesson->gap_due = false;
}

void lesson_machine_table(struct lesson *lesson, const char *what, const ms_summary *s)
{
	FILE *out = begin_machine_block(lesson, what);
	const struct ms_print_opts every_column = {
		-1, MS_COLUMN(MS_REQUESTED) | MS_COLUMN(MS_USABLE) | MS_COLUMN(MS_FOOTPRINT)
	};
	note_result(lesson, ms_summary_print(s, out, &every_column));
	end_machine_block(lesson);
}

void lesson_machine_text(struct lesson *lesson, const char *what, const char *format, ...)
{
	FILE *out = begin_machine_block(lesson, what);
	va_list args;
	va_start(args, format);
	vfprintf(out, format, args);
	va_end(args);
	end_machine_block(lesson);
}

/* Print a grid's rows with ms_table_print, which takes its cells as one array of pointers. */
static int print_grid(FILE *out, const struct ms_table_style *style, size_t columns,
		      size_t row_count, const struct lesson_grid_row *rows)
{
	/* One more than the cells, so an empty grid is no failure to allocate. */
	const char **cells = malloc((row_count * columns + 1) * sizeof *cells);
	if (!cells) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t r = 0; r < row_count; r++)
		for (size_t c = 0; c < columns; c++)
			cells[r * columns + c] = rows[r].cell[c];
	int result = ms_table_print(out, columns, row_count, cells, style);
	free(cells);
	return result;
}

void lesson_grid_styled(struct lesson *lesson, const char *what, const struct ms_table_style *style,
			size_t columns, size_t row_count, const struct lesson_grid_row *rows)
{
	FILE *out = what ? begin_machine_block(lesson, what) : begin_part(lesson);
	note_result(lesson, print_grid(out, style, columns, row_count, rows));
	if (what)
		end_machine_block(lesson);
}

void lesson_grid(struct lesson *lesson, size_t columns, size_t row_count,
		 const struct lesson_grid_row *rows)
{
	lesson_grid_styled(lesson, NULL, NULL, columns, row_count, rows);
}

void lesson_machine_grid(struct lesson *lesson, const char *what, size_t columns,
			 size_t row_count, const struct lesson_grid_row *rows)
{
	lesson_grid_styled(lesson, what, NULL, columns, row_count, rows);
}

void lesson_sized(struct lesson *lesson, const struct ms_sized *tree)
{
	note_result(lesson, ms_sized_print(tree, begin_part(lesson)));
}

void lesson_objtracker_summary(struct lesson *lesson, const ms_objtracker *tracker)
{
	note_result(lesson, ms_objtracker_print_summary(tracker, begin_part(lesson)));
}

/* One "label   figure" line of the totals block; `note` may be NULL. */
static void print_figure(FILE *out, const char *label, int64_t figure, const char *note)
{
	fprintf(out, "  %-30s %12" PRId64, label, figure);
	if (note)
		fprintf(out, "  %s", note);
	fputc('\n', out);
}

/*
 * malloc's "in use" against the tracked chunks, from the totals' own
 * reading: each tracked block is one malloc chunk, its footprint and
 * memstats' header in front of it, in uordblks or, if malloc mapped it on
 * its own, in hblkhd.
 */
static void print_heap_in_use(struct lesson *lesson, const struct ms_stats *stats,
			      const struct ms_process *process)
{
	const char *what = "malloc's \"in use\" against the tracked chunks (bytes)";
	if (process->heap_used_bytes == 0 && process->mmapped_bytes == 0) {
		lesson_machine_text(lesson, what,
				    "  mallinfo2 reads zero: malloc is replaced (valgrind, ASan),\n"
				    "  so there is nothing to set beside the tracked chunks.\n");
		return;
	}
	int64_t tracked = stats->all.bytes[MS_FOOTPRINT].current + stats->header_bytes;
	int64_t in_use = process->heap_used_bytes + process->mmapped_bytes;
	lesson_machine_text(lesson, what,
			    "  %-30s %12" PRId64 "\n"
			    "  %-30s %12" PRId64 "\n"
			    "  %-30s %12" PRId64 "\n",
			    "in use: uordblks + hblkhd", in_use,
			    "tracked: footprint + headers", tracked,
			    "in use, not tracked", in_use - tracked);
}

void lesson_machine_totals(struct lesson *lesson)
{
	FILE *out = begin_part(lesson);
	struct ms_stats stats = ms_stats();
	struct ms_process process;
	int process_read = ms_process_read(&process);

	/* Printed after the figures are read: a write may grow the stream's buffer, and the heap with it. */
	fprintf(out, "On this machine, the program as a whole (bytes):\n");
	print_figure(out, "tracked blocks", stats.all.blocks.current, NULL);
	print_figure(out, "tracked, requested", stats.all.bytes[MS_REQUESTED].current, NULL);
	print_figure(out, "tracked, usable", stats.all.bytes[MS_USABLE].current, NULL);
	print_figure(out, "tracked, footprint", stats.all.bytes[MS_FOOTPRINT].current, NULL);
	print_figure(out, "memstats bookkeeping", stats.bookkeeping_bytes, NULL);
	print_figure(out, "  of which block headers", stats.header_bytes, NULL);
	print_figure(out, "  of which tables", stats.table_bytes, NULL);
	if (process_read != 0) {
		fprintf(out, "  (the process figures could not be read: %s)\n", strerror(errno));
	} else {
		print_figure(out, "process resident set (RSS)", process.rss_bytes, "/proc/self/statm");
		print_figure(out, "malloc heap from the system", process.heap_arena_bytes,
			     "mallinfo2 arena");
		print_figure(out, "malloc heap in use", process.heap_used_bytes, "uordblks");
		print_figure(out, "malloc heap free", process.heap_free_bytes, "fordblks");
		print_figure(out, "malloc mmapped blocks", process.mmapped_bytes, "hblkhd");
	}
	end_machine_block(lesson);
	if (process_read == 0)
		print_heap_in_use(lesson, &stats, &process);
}

FILE *lesson_data_open(const struct chapter_opts *opts, const char *program, const char *name,
		       int *failed)
{
	*failed = 0;
	if (!opts || !opts->data_dir)
		return NULL;
	if (mkdir(opts->data_dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", program, opts->data_dir,
			strerror(errno));
		*failed = 1;
		return NULL;
	}
	size_t cap = strlen(opts->data_dir) + 1 + strlen(name) + sizeof(".dat");
	char *path = malloc(cap);
	if (!path) {
		fprintf(stderr, "%s: out of memory\n", program);
		*failed = 1;
		return NULL;
	}
	snprintf(path, cap, "%s/%s.dat", opts->data_dir, name);
	FILE *data = fopen(path, "w");
	if (!data) {
		lesson_write_failed(program, path);
		*failed = 1;
	}
	free(path);
	return data;
}

void lesson_data_begin(FILE *data, const char *label, const char *columns)
{
	fprintf(data, "# %s\n# %s\n", label, columns);
}

void lesson_data_end(FILE *data)
{
	fputs("\n\n", data);
}

void lesson_data_table(FILE *data, const char *label, const ms_summary *s)
{
	char columns[64];
	snprintf(columns, sizeof columns, "type blocks %s", ms_notion_name(MS_REQUESTED));
	lesson_data_begin(data, label, columns);
	for (size_t i = 0; i < ms_summary_count(s); i++) {
		const struct ms_summary_row *row = ms_summary_row(s, i);
		fprintf(data, "\"%s\" %" PRId64 " %" PRId64 "\n", row->name,
			row->g.blocks.current, row->g.bytes[MS_REQUESTED].current);
	}
	lesson_data_end(data);
}

int lesson_data_close(FILE *data, const char *program)
{
	/* Flushed first: fclose would not say that a write before its own failed. */
	int result = lesson_flush(data, program, "the data file");
	if (fclose(data) != 0 && result == 0) {
		lesson_write_failed(program, "the data file");
		result = -1;
	}
	return result;
}
