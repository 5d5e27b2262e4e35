/* lesson.h: the printing and data-file helpers every program of the workbook shares (chapters, ./strategies, the benchmark), so all lessons look alike. */
#ifndef LESSON_H
#define LESSON_H

#include <stdbool.h>
#include <stdio.h>

#include "chapter.h"
#include "memstats.h"

/* The column prose is wrapped to; the output rules allow 78. */
#define LESSON_WIDTH 72

/*
 * Where a lesson is printed. Parts are separated by one blank line, which
 * each part prints before itself, so the output ends without one.
 */
struct lesson {
	FILE *out;
	bool gap_due;   /* a blank line goes before the next part */
	int error;      /* errno of the first table or tree that could not be printed; 0: none */
};
#define LESSON_INIT(out) { (out), false, 0 }

/*
 * 0 if the whole lesson was printed and written out (the stream is
 * flushed here). Else -1, with a line on stderr: lesson_flush's when a
 * write failed, else "<name>: could not print the lesson: <why>", since a
 * printer that ran out of memory leaves a hole in the lesson, which must
 * not pass for a whole one.
 */
int lesson_finish(const struct lesson *lesson, const char *name);

/*
 * Say on stderr that `program` could not write `what` (the lesson, a
 * file, standard output), with errno's reason. "<program>: cannot write
 * <what>: <why>" is the one wording of every failed write the chapters,
 * ./strategies and the benchmark report.
 */
void lesson_write_failed(const char *program, const char *what);

/*
 * Write out what `out` still buffers: 0 if every write to it arrived, else
 * -1 with lesson_write_failed's line. A write to a full disk or a closed
 * pipe fails only once the buffer goes out, and stdio keeps the failure
 * in the stream's error indicator, so this is where it shows.
 */
int lesson_flush(FILE *out, const char *program, const char *what);

/* "Chapter 1: summary of live memory by type" over a rule of '='. */
void lesson_heading(struct lesson *lesson, const struct chapter *chapter);

/* A title of a program that is no chapter: the text over a rule of '=' as long. */
void lesson_title(struct lesson *lesson, const char *text);

/* A sub-heading: the text over a rule of '-' as long. */
void lesson_subheading(struct lesson *lesson, const char *text);

/*
 * A paragraph: `format` and its arguments as printf() formats them, the
 * words (separated by spaces) wrapped at LESSON_WIDTH columns.
 */
void lesson_para(struct lesson *lesson, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Code lines (`lines`, '\n'-separated) indented four spaces. */
void lesson_code(struct lesson *lesson, const char *lines);

/*
 * What a program printed (`text`, '\n'-separated, a last '\n' dropped),
 * indented four spaces as code is: output, not code cut from a source.
 */
void lesson_output(struct lesson *lesson, const char *text);

/*
 * Code lines as lesson_code prints them, each after its line number in
 * its source, `first` being the first line's (LESSON_LINE_<NAME>): for
 * code the lesson names by file and line, as a census names a call site.
 */
void lesson_code_numbered(struct lesson *lesson, int first, const char *lines);

/* `s` as Pympler prints it: 15 rows, the requested size column. */
void lesson_table(struct lesson *lesson, const ms_summary *s);

/* A tracker's site table (ms_tracker_sites) as Pympler-shaped rows, the requested size column. */
void lesson_sites(struct lesson *lesson, const ms_sites *sites);

/*
 * An "On this machine" block: the line "On this machine, <what>:", `s`
 * with all three size columns and every row, then the blank line that
 * ends the block.
 */
void lesson_machine_table(struct lesson *lesson, const char *what, const ms_summary *s);

/*
 * An "On this machine" block of text: the line "On this machine, <what>:",
 * then `format` and its arguments as printf() formats them (lines ended
 * by the caller), then the blank line that ends the block.
 */
void lesson_machine_text(struct lesson *lesson, const char *what, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * An "On this machine" block with the program-wide figures: what memstats
 * tracks in each notion, its own bookkeeping, and what the kernel (RSS)
 * and the allocator (mallinfo2) say; then, from the same reading, a block
 * setting malloc's "in use" beside the tracked chunks. Each ends with its
 * blank line.
 */
void lesson_machine_totals(struct lesson *lesson);

/* Most columns a grid has, and the room for one cell's text (NUL included). */
#define LESSON_GRID_COLUMNS 7
#define LESSON_CELL_SIZE 24

/* One row of a grid: its cells' text, filled with snprintf. */
struct lesson_grid_row {
	char cell[LESSON_GRID_COLUMNS][LESSON_CELL_SIZE];
};

/*
 * A table of text in Pympler's shape, for figures that are not a summary:
 * `rows[0]` is the header, then `row_count - 1` rows of `columns` cells,
 * as ms_table_print prints them with MS_TABLE_PYMPLER: each column
 * right-aligned as wide as its widest cell plus two, " | " between
 * columns and a rule of '=' under the header. One that could not be
 * printed fails the lesson, as a summary's table does (lesson_finish).
 */
void lesson_grid(struct lesson *lesson, size_t columns, size_t row_count,
		 const struct lesson_grid_row *rows);

/* The same grid as an "On this machine, <what>:" block, ended by its blank line. */
void lesson_machine_grid(struct lesson *lesson, const char *what, size_t columns,
			 size_t row_count, const struct lesson_grid_row *rows);

/*
 * Either of the two above, laid out in `style` (NULL: MS_TABLE_PYMPLER),
 * for a grid too wide for Pympler's padding: `what` NULL prints it as
 * lesson_grid does, else as lesson_machine_grid does.
 */
void lesson_grid_styled(struct lesson *lesson, const char *what, const struct ms_table_style *style,
			size_t columns, size_t row_count, const struct lesson_grid_row *rows);

/* A sized tree (ms_sized) as ms_sized_print prints it, Pympler's asized() shape. */
void lesson_sized(struct lesson *lesson, const struct ms_sized *tree);

/* An object tracker's summary as ms_objtracker_print_summary prints it, Pympler's shape. */
void lesson_objtracker_summary(struct lesson *lesson, const ms_objtracker *tracker);

/*
 * Open DIR/<name>.dat for the data of `program` (its messages start
 * "<program>: ") when opts->data_dir is set, creating DIR if it is
 * missing. Returns NULL when no data is wanted, or when opening failed
 * (then *failed is set and a message is on stderr, lesson_write_failed's
 * if the file could not be opened).
 */
FILE *lesson_data_open(const struct chapter_opts *opts, const char *program, const char *name,
		       int *failed);

/*
 * Start a data set: a '#' line naming it (`label`) and a '#' line naming
 * its space-separated `columns`. End it with lesson_data_end.
 */
void lesson_data_begin(FILE *data, const char *label, const char *columns);

/* End a data set with two blank lines, so gnuplot's `index` can pick it out. */
void lesson_data_end(FILE *data);

/*
 * Write `s` as a data set: a '#' line naming it (`label`), a '#' line with
 * the columns "type blocks requested", one row per type (the name quoted,
 * as gnuplot reads it), then two blank lines so gnuplot's `index` can
 * pick one data set out of several in a file.
 */
void lesson_data_table(FILE *data, const char *label, const ms_summary *s);

/*
 * Close a data file from lesson_data_open: 0, or -1 with
 * lesson_write_failed's line (from `program`) if a write to it failed.
 */
int lesson_data_close(FILE *data, const char *program);

#endif
