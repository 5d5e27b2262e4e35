/* golden.h: what the chapter tests share: running a lesson in-process, its expected output and lesson text, its program. */
#ifndef GOLDEN_H
#define GOLDEN_H

#include <stddef.h>

#include "chapter.h"

/*
 * Run `chapter` in-process into a memory stream and return everything it
 * printed (the caller frees). Fails the test if run() does not return 0.
 */
char *golden_run(const struct chapter *chapter, const struct chapter_opts *opts);

/*
 * A copy of `text` (the caller frees) without its "On this machine"
 * blocks: each line that begins "On this machine" through the next blank
 * line, that blank line included.
 */
char *golden_strip_machine_blocks(const char *text);

/*
 * Fail the test unless `text` obeys the output rules: ASCII, "\n" line
 * ends, no trailing spaces, a final newline, no "0x" addresses.
 */
void golden_assert_output_rules(const char *text);

/* Fail the test if a line of `text` is wider than `columns`. */
void golden_assert_max_width(const char *text, size_t columns);

/*
 * Compare `stripped` with tests/expected/<name>.out. On a mismatch write
 * it to build/<name>.actual and print the `diff -u` command. With
 * MS_BLESS=1 in the environment, write the expected file and the lesson
 * text's "What you should see" block instead.
 */
void golden_assert_expected(const struct chapter *chapter, const char *stripped);

/*
 * Fail unless the ```text block under "## What you should see" in
 * chapters/<name>_*.md equals tests/expected/<name>.out. With MS_BLESS=1,
 * rewrite the block from the expected file first.
 */
void golden_assert_lesson_block(const struct chapter *chapter);

/* What a program did: its exit status (or -1) and what it printed. */
struct golden_process {
	int exit_status;  /* the exit code, or -1 if it did not exit normally */
	char *out;        /* stdout, owned; free with golden_process_free */
	char *err;        /* stderr, owned */
};

/*
 * Run the program `argv[0]` with `argv` (NULL-terminated), wait for it
 * and fill `result`. Fails the test if it cannot be started.
 */
void golden_exec(char *const argv[], struct golden_process *result);

/*
 * golden_exec, bounded: should the program (or a process it started, in
 * its process group) not have ended after `seconds`, the group is killed
 * and the test fails, so a hang fails rather than blocks. A generous
 * bound, never a measure of time. `seconds` 0: no bound, as golden_exec.
 */
void golden_exec_within(char *const argv[], int seconds, struct golden_process *result);
void golden_process_free(struct golden_process *result);

/*
 * Run `chapter` in-process with --data set to a fresh temporary directory
 * and return the data file it wrote (the caller frees); the directory is
 * removed again. Fails the test if no data file was written.
 */
char *golden_run_for_data(const struct chapter *chapter);

/* The same for a chapter whose data file is not <name>.dat: DIR/`file`. */
char *golden_run_for_data_file(const struct chapter *chapter, const char *file);

/*
 * The plot test: run `chapter` with --data into a fresh
 * temporary directory, render `script` (plots/NAME.gp) from DIR/`data_file`
 * with gnuplot, and check that a PNG came out; the directory is removed
 * again. Skips the test, saying why, where gnuplot is not installed.
 */
void golden_check_plot(const struct chapter *chapter, const char *data_file, const char *script);

/*
 * The checks every chapter's tests make, each a whole test body:
 * nothing live before or after the run and no misuse reported; the
 * output rules and an 80-column width on the whole output, 78 columns
 * outside the "On this machine" blocks; the same bytes on a second run and after
 * `other` ran; the program ./<name> (--help, a bad flag, a plain run).
 */
void golden_check_nothing_left(const struct chapter *chapter);
void golden_check_output_rules(const struct chapter *chapter);
void golden_check_expected(const struct chapter *chapter);
void golden_check_repeatable(const struct chapter *chapter, const struct chapter *other);
void golden_check_program(const struct chapter *chapter);

/*
 * ./<name> --data DIR where DIR is a regular file, or lies below one:
 * exit 1 with "<name>: cannot write DIR..." or "<name>: cannot create
 * DIR..." on stderr, even as root. Skips, saying why, where the program
 * is not built.
 */
void golden_check_unwritable_data(const struct chapter *chapter);

/*
 * ./<name> > /dev/full, ./<name> --help > /dev/full, and ./<name> --data
 * DIR with DIR/`data_file` a link to /dev/full: each exits 1 with the one
 * line "<name>: cannot write <what>: No space left on device" on stderr,
 * <what> being "the lesson", "standard output" and "the data file". Skips,
 * saying why, where the program is not built.
 */
void golden_check_write_failures(const struct chapter *chapter, const char *data_file);

/*
 * A chapter's tests that are the same for every chapter, as cmocka test
 * functions: each takes a golden_case as the test's initial state, so a
 * chapter's table lists `golden_test(golden_test_expected, &golden)`
 * rather than a wrapper of its own for each check.
 */
struct golden_case {
	const struct chapter *chapter;
	const struct chapter *other;  /* run in between by golden_test_repeatable */
	const char *data_file;        /* the file --data writes, for golden_test_plot */
	const char *plot_script;      /* plots/NAME.gp, drawn from it */
};
#define golden_test(f, golden_case) \
	cmocka_unit_test_prestate_setup_teardown(f, ms_test_setup, ms_test_teardown, \
						 (void *)(golden_case))
void golden_test_nothing_left(void **state);  /* golden_check_nothing_left */
void golden_test_output_rules(void **state);  /* golden_check_output_rules */
void golden_test_expected(void **state);      /* golden_check_expected */
void golden_test_lesson_block(void **state);  /* golden_assert_lesson_block */
void golden_test_repeatable(void **state);    /* golden_check_repeatable with `other` */
void golden_test_program(void **state);       /* golden_check_program */
void golden_test_plot(void **state);          /* golden_check_plot */
void golden_test_unwritable_data(void **state); /* golden_check_unwritable_data */
void golden_test_write_failures(void **state); /* golden_check_write_failures with data_file */

/*
 * A data file read row by row with sscanf("...\n%n") up to `rest`: nothing
 * is left after the rows (the "\n" ate the blank lines), and `data` ends
 * as a data set does, with two blank lines.
 */
void golden_assert_data_set_ends(const char *data, const char *rest);

/*
 * Allocator figures stay in `chapter`'s "On this machine" blocks: each of
 * `present` (NULL-terminated) is in its output, and once the blocks are
 * stripped neither "On this machine" nor any of `absent` is left.
 */
void golden_check_machine_blocks(const struct chapter *chapter, const char *const *present,
				 const char *const *absent);

/*
 * Run build/break/<name>/<chapter>, the program `make <chapter>
 * BREAK=<name>` builds, and return what it printed (the caller frees).
 * Fails the test unless it exits 0 and its output obeys the output rules
 * and 80 columns, and fails if that break is not built (make test and
 * make check build every one the source marks).
 */
char *golden_run_break(const struct chapter *chapter, const char *name);

/*
 * Every break of the chapter that make built (build/break/<break>/<name>),
 * run as golden_run_break does: each lesson's "Break it" changes still
 * make a program that runs and prints a well-formed lesson.
 */
void golden_test_breaks(void **state);

/*
 * Every lesson_code() and lesson_code_numbered() call in the chapter
 * source `path` shows a LESSON_CODE_ macro, code cut from the source between "lesson code"
 * markers (kit/lesson_code.awk), never a string written by hand.
 */
void golden_assert_code_from_source(const char *path);

/*
 * The paragraph of `text` that starts with `start`, its line breaks as
 * spaces (the caller frees): what a test reads a lesson's sentence from.
 * Fails the test if no paragraph starts so.
 */
char *golden_paragraph(const char *text, const char *start);

/* The whole file at `path` (the caller frees), or NULL if it cannot be read. */
char *golden_read_file(const char *path);

#endif
