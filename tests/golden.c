/* golden.c: runs lessons in-process and holds them to their expected output, lesson text and output rules. */
#define _GNU_SOURCE /* for asprintf */
#include "golden.h"

#include <dirent.h>
#include <glob.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#define BLOCK_START "On this machine"
#define LESSON_HEADING "## What you should see\n"
#define FENCE_OPEN "```text\n"
#define FENCE_CLOSE "```"

char *golden_run(const struct chapter *chapter, const struct chapter_opts *opts)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	int status = chapter->run(out, opts);
	assert_int_equal(fclose(out), 0);
	if (status != 0)
		fail_msg("%s: run() returned %d", chapter->name, status);
	if (strlen(text) != size)
		fail_msg("%s printed a NUL byte", chapter->name);
	return text;
}

/* The length of the line at `line`, without its '\n'. */
static size_t line_length(const char *line)
{
	return strcspn(line, "\n");
}

/* The line after the one at `line`: past its '\n', or at the final NUL. */
static const char *next_line(const char *line)
{
	line += line_length(line);
	return *line ? line + 1 : line;
}

char *golden_strip_machine_blocks(const char *text)
{
	char *stripped = malloc(strlen(text) + 1);
	assert_non_null(stripped);
	char *end = stripped;
	bool in_block = false;
	for (const char *line = text; *line; line = next_line(line)) {
		size_t length = line_length(line);
		if (!in_block && strncmp(line, BLOCK_START, strlen(BLOCK_START)) == 0)
			in_block = true;
		if (!in_block) {
			size_t with_newline = length + (line[length] == '\n');
			memcpy(end, line, with_newline);
			end += with_newline;
		} else if (length == 0) {
			in_block = false; /* the blank line ends the block and goes with it */
		}
	}
	*end = '\0';
	return stripped;
}

void golden_assert_output_rules(const char *text)
{
	int line_number = 1;
	for (const char *c = text; *c; c++) {
		unsigned char byte = (unsigned char)*c;
		if (byte == '\n') {
			if (c > text && (c[-1] == ' ' || c[-1] == '\t'))
				fail_msg("line %d ends in a space", line_number);
			line_number++;
		} else if (byte < 0x20 || byte > 0x7e) {
			fail_msg("line %d has byte 0x%02x, not printable ASCII", line_number, byte);
		} else if (c[0] == '0' && c[1] == 'x') {
			fail_msg("line %d prints what looks like an address (0x...)", line_number);
		}
	}
	size_t length = strlen(text);
	if (length == 0 || text[length - 1] != '\n')
		fail_msg("the output does not end with a newline");
}

void golden_assert_max_width(const char *text, size_t columns)
{
	int line_number = 1;
	for (const char *line = text; *line; line = next_line(line), line_number++)
		if (line_length(line) > columns)
			fail_msg("line %d is %zu columns wide, more than %zu", line_number,
				 line_length(line), columns);
}

char *golden_read_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *copy = open_memstream(&text, &size);
	assert_non_null(copy);
	char buffer[4096];
	size_t got;
	while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
		fwrite(buffer, 1, got, copy);
	bool failed = ferror(file);
	fclose(file);
	assert_int_equal(fclose(copy), 0);
	if (failed) {
		free(text);
		return NULL;
	}
	return text;
}

static void write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "wb");
	if (!file)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(text, file);
	if (fclose(file) != 0)
		fail_msg("writing %s failed", path);
}

static bool blessing(void)
{
	const char *bless = getenv("MS_BLESS");
	return bless && strcmp(bless, "1") == 0;
}

/* "tests/expected/<name>.out" and friends, in a buffer the caller frees. */
static char *path_for(const char *format, const char *name)
{
	char *path = NULL;
	if (asprintf(&path, format, name) < 0)
		fail_msg("out of memory");
	return path;
}

/* Write `actual` to build/<name>.<suffix>, where a person can diff it, and say how. */
static void report_difference(const char *expected_path, const char *name, const char *suffix,
			      const char *actual)
{
	char *actual_path = NULL;
	if (asprintf(&actual_path, "build/%s.%s", name, suffix) < 0)
		fail_msg("out of memory");
	mkdir("build", 0777);
	write_file(actual_path, actual);
	print_error("differs from %s; see:\n  diff -u %s %s\n", expected_path, expected_path,
		    actual_path);
	free(actual_path);
}

/* Where the "What you should see" block sits in a lesson text. */
struct lesson_block {
	size_t start;  /* the first byte inside the fence */
	size_t end;    /* the start of the closing fence line */
};

/* Find the block in `lesson`; false if the lesson has none. */
static bool find_lesson_block(const char *lesson, struct lesson_block *block)
{
	const char *heading = strstr(lesson, LESSON_HEADING);
	if (!heading || (heading != lesson && heading[-1] != '\n'))
		return false;
	const char *fence = strstr(heading, "\n" FENCE_OPEN);
	if (!fence)
		return false;
	const char *inside = fence + 1 + strlen(FENCE_OPEN);
	for (const char *line = inside; *line; line = next_line(line)) {
		if (line_length(line) == strlen(FENCE_CLOSE) &&
		    strncmp(line, FENCE_CLOSE, strlen(FENCE_CLOSE)) == 0) {
			block->start = (size_t)(inside - lesson);
			block->end = (size_t)(line - lesson);
			return true;
		}
	}
	return false;
}

/* chapters/<name>_<topic>.md, the one lesson text of a chapter; the caller frees. */
static char *lesson_path(const struct chapter *chapter)
{
	char *pattern = path_for("chapters/%s_*.md", chapter->name);
	glob_t found;
	int status = glob(pattern, 0, NULL, &found);
	if (status != 0 || found.gl_pathc != 1)
		fail_msg("expected one lesson text %s, found %zu", pattern,
			 status == 0 ? found.gl_pathc : 0);
	char *path = strdup(found.gl_pathv[0]);
	assert_non_null(path);
	globfree(&found);
	free(pattern);
	return path;
}

/* Put `expected` in the lesson text's block. */
static void bless_lesson_block(const struct chapter *chapter, const char *expected)
{
	char *path = lesson_path(chapter);
	char *lesson = golden_read_file(path);
	struct lesson_block block;
	if (!lesson || !find_lesson_block(lesson, &block))
		fail_msg("%s has no ```text block under \"## What you should see\"", path);
	FILE *file = fopen(path, "wb");
	if (!file)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fwrite(lesson, 1, block.start, file);
	fputs(expected, file);
	fputs(lesson + block.end, file);
	if (fclose(file) != 0)
		fail_msg("writing %s failed", path);
	free(lesson);
	free(path);
}

void golden_assert_expected(const struct chapter *chapter, const char *stripped)
{
	char *expected_path = path_for("tests/expected/%s.out", chapter->name);
	if (blessing()) {
		write_file(expected_path, stripped);
		bless_lesson_block(chapter, stripped);
		free(expected_path);
		return;
	}
	char *expected = golden_read_file(expected_path);
	if (!expected) {
		print_error("%s is missing: run `make bless` to write it\n", expected_path);
		fail();
	}
	if (strcmp(expected, stripped) != 0) {
		report_difference(expected_path, chapter->name, "actual", stripped);
		fail_msg("%s: the output is not the expected one", chapter->name);
	}
	free(expected);
	free(expected_path);
}

void golden_assert_lesson_block(const struct chapter *chapter)
{
	char *expected_path = path_for("tests/expected/%s.out", chapter->name);
	char *expected = golden_read_file(expected_path);
	if (!expected)
		fail_msg("%s is missing: run `make bless` to write it", expected_path);
	if (blessing())
		bless_lesson_block(chapter, expected);

	char *path = lesson_path(chapter);
	char *lesson = golden_read_file(path);
	struct lesson_block block;
	if (!lesson || !find_lesson_block(lesson, &block))
		fail_msg("%s has no ```text block under \"## What you should see\"", path);
	lesson[block.end] = '\0';
	const char *shown = lesson + block.start;
	if (strcmp(shown, expected) != 0) {
		report_difference(expected_path, chapter->name, "lesson", shown);
		fail_msg("%s: its \"What you should see\" block is not %s; run `make bless`",
			 path, expected_path);
	}
	free(lesson);
	free(path);
	free(expected);
	free(expected_path);
}

/* Everything in `file` from its start, as a string the caller frees. */
static char *read_back(FILE *file)
{
	rewind(file);
	char *text = NULL;
	size_t size = 0;
	FILE *copy = open_memstream(&text, &size);
	assert_non_null(copy);
	int c;
	while ((c = fgetc(file)) != EOF)
		fputc(c, copy);
	assert_int_equal(fclose(copy), 0);
	return text;
}

void golden_exec(char *const argv[], struct golden_process *result)
{
	golden_exec_within(argv, 0, result);
}

void golden_exec_within(char *const argv[], int seconds, struct golden_process *result)
{
	/* Files, not pipes: the child can print any amount without waiting for us. */
	FILE *out = tmpfile();
	FILE *err = tmpfile();
	assert_non_null(out);
	assert_non_null(err);
	fflush(NULL);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* a group of its own, so a hung run is killed with every process it started */
		if (seconds > 0)
			setpgid(0, 0);
		dup2(fileno(out), STDOUT_FILENO);
		dup2(fileno(err), STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (seconds > 0)
		setpgid(child, child);   /* either side may get there first */
	int status = 0;
	/* a bound, not a measure: the run is polled every 10 ms until it ends or the bound passes */
	long waited_ms = 0;
	for (;;) {
		pid_t got = waitpid(child, &status, seconds > 0 ? WNOHANG : 0);
		if (got == child)
			break;
		if (got < 0) {
			assert_int_equal(errno, EINTR);
			continue;
		}
		if (waited_ms >= seconds * 1000L) {
			kill(-child, SIGKILL);
			while (waitpid(child, &status, 0) < 0)
				assert_int_equal(errno, EINTR);
			fclose(out);
			fclose(err);
			fail_msg("%s did not end within %d s: killed", argv[0], seconds);
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		waited_ms += 10;
	}
	result->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	result->out = read_back(out);
	result->err = read_back(err);
	fclose(out);
	fclose(err);
}

void golden_process_free(struct golden_process *result)
{
	free(result->out);
	free(result->err);
	result->out = result->err = NULL;
}

/* A fresh directory for a chapter's --data (a mkdtemp template, filled in place). */
#define DATA_DIR_TEMPLATE "/tmp/memstats-data-XXXXXX"

/* "DIR/NAME" in a buffer the caller frees. */
static char *path_in(const char *dir, const char *name)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		fail_msg("out of memory");
	return path;
}

/* Run `chapter` in-process with --data set to `dir`, made fresh from its template. */
static void run_into_new_dir(const struct chapter *chapter, char *dir)
{
	assert_non_null(mkdtemp(dir));
	struct chapter_opts opts = { .data_dir = dir };
	free(golden_run(chapter, &opts));
}

/* Remove every file in `dir` (the chapter's data, a plot), then `dir` itself. */
static void remove_dir(const char *dir)
{
	DIR *listing = opendir(dir);
	if (listing) {
		for (struct dirent *entry; (entry = readdir(listing));) {
			if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
				continue;
			char *path = path_in(dir, entry->d_name);
			unlink(path);
			free(path);
		}
		closedir(listing);
	}
	rmdir(dir);
}

char *golden_run_for_data_file(const struct chapter *chapter, const char *file)
{
	char dir[] = DATA_DIR_TEMPLATE;
	run_into_new_dir(chapter, dir);
	char *path = path_in(dir, file);
	char *data = golden_read_file(path);
	remove_dir(dir);
	if (!data)
		fail_msg("%s --data wrote no %s", chapter->name, path);
	free(path);
	return data;
}

char *golden_run_for_data(const struct chapter *chapter)
{
	char *file = path_for("%s.dat", chapter->name);
	char *data = golden_run_for_data_file(chapter, file);
	free(file);
	return data;
}

/* A shell's exit status that says gnuplot is not installed. */
#define NO_GNUPLOT 77

void golden_check_plot(const struct chapter *chapter, const char *data_file, const char *script)
{
	char dir[] = DATA_DIR_TEMPLATE;
	run_into_new_dir(chapter, dir);
	char *data = path_in(dir, data_file);
	char *image = path_in(dir, "plot.png");
	char *command = NULL;
	if (asprintf(&command,
		     "command -v gnuplot > /dev/null 2>&1 || exit %d; "
		     "exec gnuplot -e \"datafile='%s'; outfile='%s'\" %s",
		     NO_GNUPLOT, data, image, script) < 0)
		fail_msg("out of memory");
	struct golden_process gnuplot;
	golden_exec((char *[]){ "/bin/sh", "-c", command, NULL }, &gnuplot);

	unsigned char signature[8] = { 0 };
	FILE *png = fopen(image, "rb");
	size_t got = png ? fread(signature, 1, sizeof signature, png) : 0;
	if (png)
		fclose(png);
	remove_dir(dir);
	int status = gnuplot.exit_status;
	if (status != 0 && status != NO_GNUPLOT)
		fail_msg("gnuplot failed on %s (status %d): %s", script, status, gnuplot.err);
	golden_process_free(&gnuplot);
	free(command);
	free(image);
	free(data);
	if (status == NO_GNUPLOT) {
		print_message("skipped: gnuplot is not installed (make deps installs it)\n");
		skip();
	}
	assert_int_equal(got, sizeof signature);
	assert_memory_equal(signature, "\x89PNG\r\n\x1a\n", sizeof signature);
}

void golden_check_nothing_left(const struct chapter *chapter)
{
	assert_i64_equal(ms_live_blocks(), 0);
	int64_t misuse_before = ms_stats().misuse_count;
	free(golden_run(chapter, NULL));
	assert_i64_equal(ms_live_blocks(), 0);
	assert_i64_equal(ms_stats().misuse_count, misuse_before);
}

void golden_check_output_rules(const struct chapter *chapter)
{
	char *text = golden_run(chapter, NULL);
	golden_assert_output_rules(text);
	/* Every line fits a terminal; the lesson's prose and tables keep a margin. */
	golden_assert_max_width(text, 80);
	char *stripped = golden_strip_machine_blocks(text);
	golden_assert_max_width(stripped, 78);
	free(stripped);
	free(text);
}

/* `chapter`'s output without its "On this machine" blocks; the caller frees. */
static char *run_stripped(const struct chapter *chapter)
{
	char *text = golden_run(chapter, NULL);
	char *stripped = golden_strip_machine_blocks(text);
	free(text);
	return stripped;
}

void golden_check_expected(const struct chapter *chapter)
{
	char *stripped = run_stripped(chapter);
	golden_assert_expected(chapter, stripped);
	free(stripped);
}

void golden_check_repeatable(const struct chapter *chapter, const struct chapter *other)
{
	char *first = run_stripped(chapter);
	char *again = run_stripped(chapter);
	free(golden_run(other, NULL));
	char *after_other = run_stripped(chapter);
	const char *runs[] = { again, after_other };
	const char *which[] = { "a second run", "a run after the other chapter" };
	for (size_t i = 0; i < 2; i++) {
		if (strcmp(first, runs[i]) != 0) {
			mkdir("build", 0777);
			char *first_path = path_for("build/%s.first", chapter->name);
			write_file(first_path, first);
			report_difference(first_path, chapter->name, "rerun", runs[i]);
			fail_msg("%s: %s printed different bytes", chapter->name, which[i]);
		}
	}
	free(first);
	free(again);
	free(after_other);
}

/* "./<name>", which the caller frees; skips the test, saying so, where it is not built. */
static char *built_program(const struct chapter *chapter)
{
	char *program = path_for("./%s", chapter->name);
	if (access(program, X_OK) != 0) {
		print_message("skipped: %s is not built (make %s builds it)\n", program,
			      chapter->name);
		free(program);
		skip();
	}
	return program;
}

void golden_check_program(const struct chapter *chapter)
{
	if (blessing()) {
		/* `make bless` does not rebuild ./chapterN, which may predate the lesson. */
		print_message("skipped: blessing rewrites files; the program is tested by make test\n");
		skip();
	}
	char *program = built_program(chapter);
	char *usage = path_for("usage: %s ", chapter->name);
	struct golden_process result;

	golden_exec((char *[]){ program, "--bogus", NULL }, &result);
	assert_int_equal(result.exit_status, 2);
	assert_string_equal(result.out, "");
	assert_non_null(strstr(result.err, usage));
	golden_process_free(&result);

	golden_exec((char *[]){ program, "--data", NULL }, &result);
	assert_int_equal(result.exit_status, 2);
	assert_non_null(strstr(result.err, usage));
	golden_process_free(&result);

	golden_exec((char *[]){ program, "--help", NULL }, &result);
	assert_int_equal(result.exit_status, 0);
	assert_memory_equal(result.out, usage, strlen(usage));
	assert_string_equal(result.err, "");
	golden_process_free(&result);

	/* The program prints what the lesson prints in-process. */
	golden_exec((char *[]){ program, NULL }, &result);
	assert_int_equal(result.exit_status, 0);
	assert_string_equal(result.err, "");
	char *from_program = golden_strip_machine_blocks(result.out);
	char *in_process = run_stripped(chapter);
	assert_string_equal(from_program, in_process);
	free(from_program);
	free(in_process);
	golden_process_free(&result);
	free(usage);
	free(program);
}

/*
 * Run `program` --data `dir` and check that it fails as it should: exit 1,
 * and stderr starting "<name>: <why> <dir>".
 */
static void check_data_refused(const char *program, const char *name, const char *dir,
			       const char *why)
{
	struct golden_process result;
	golden_exec((char *[]){ (char *)program, "--data", (char *)dir, NULL }, &result);
	char *expected = NULL;
	if (asprintf(&expected, "%s: %s %s", name, why, dir) < 0)
		fail_msg("out of memory");
	if (result.exit_status != 1 || strncmp(result.err, expected, strlen(expected)) != 0)
		fail_msg("%s --data %s: exit %d, stderr \"%s\"; expected exit 1 and \"%s...\"",
			 program, dir, result.exit_status, result.err, expected);
	free(expected);
	golden_process_free(&result);
}

void golden_check_unwritable_data(const struct chapter *chapter)
{
	char *program = built_program(chapter);
	/* A regular file where the directory should be: refused even to root. */
	char dir[] = DATA_DIR_TEMPLATE;
	assert_non_null(mkdtemp(dir));
	char *file = path_in(dir, "plain");
	FILE *made = fopen(file, "w");
	assert_non_null(made);
	assert_int_equal(fclose(made), 0);
	char *below = path_in(file, "out");
	check_data_refused(program, chapter->name, file, "cannot write");   /* no file in it */
	check_data_refused(program, chapter->name, below, "cannot create"); /* nor a directory */
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(dir), 0);
	free(below);
	free(file);
	free(program);
}

/* Run `command` with /bin/sh: it must exit 1 saying only that `name` cannot write `what` (ENOSPC). */
static void check_write_refused(const char *command, const char *name, const char *what)
{
	struct golden_process result;
	golden_exec((char *[]){ "/bin/sh", "-c", (char *)command, NULL }, &result);
	char *expected = NULL;
	if (asprintf(&expected, "%s: cannot write %s: %s\n", name, what, strerror(ENOSPC)) < 0)
		fail_msg("out of memory");
	if (result.exit_status != 1 || strcmp(result.err, expected) != 0)
		fail_msg("%s: exit %d, stderr \"%s\"; expected exit 1 and \"%s\"", command,
			 result.exit_status, result.err, expected);
	free(expected);
	golden_process_free(&result);
}

void golden_check_write_failures(const struct chapter *chapter, const char *data_file)
{
	char *program = built_program(chapter);
	/* /dev/full takes every write and fails it once the buffer goes out, as a full disk does. */
	char *command = NULL;
	if (asprintf(&command, "exec %s > /dev/full", program) < 0)
		fail_msg("out of memory");
	check_write_refused(command, chapter->name, "the lesson");
	free(command);
	if (asprintf(&command, "exec %s --help > /dev/full", program) < 0)
		fail_msg("out of memory");
	check_write_refused(command, chapter->name, "standard output");
	free(command);

	char dir[] = DATA_DIR_TEMPLATE;
	assert_non_null(mkdtemp(dir));
	char *link = path_in(dir, data_file);
	assert_int_equal(symlink("/dev/full", link), 0);
	if (asprintf(&command, "exec %s --data %s > /dev/null", program, dir) < 0)
		fail_msg("out of memory");
	check_write_refused(command, chapter->name, "the data file");
	free(command);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(rmdir(dir), 0);
	free(link);
	free(program);
}

void golden_assert_data_set_ends(const char *data, const char *rest)
{
	assert_string_equal(rest, "");
	size_t length = strlen(data);
	assert_true(length >= 3);
	assert_string_equal(data + length - 3, "\n\n\n");
}

void golden_check_machine_blocks(const struct chapter *chapter, const char *const *present,
				 const char *const *absent)
{
	char *text = golden_run(chapter, NULL);
	char *stripped = golden_strip_machine_blocks(text);
	for (const char *const *s = present; *s; s++)
		if (!strstr(text, *s))
			fail_msg("%s prints no \"%s\"", chapter->name, *s);
	if (strstr(stripped, BLOCK_START))
		fail_msg("%s prints \"%s\" outside a block", chapter->name, BLOCK_START);
	for (const char *const *s = absent; *s; s++)
		if (strstr(stripped, *s))
			fail_msg("%s prints \"%s\" outside its machine blocks", chapter->name, *s);
	free(stripped);
	free(text);
}

/* The case a golden_test() entry was given. */
static const struct golden_case *case_of(void **state)
{
	return *state;
}

void golden_test_nothing_left(void **state)
{
	golden_check_nothing_left(case_of(state)->chapter);
}

void golden_test_output_rules(void **state)
{
	golden_check_output_rules(case_of(state)->chapter);
}

void golden_test_expected(void **state)
{
	golden_check_expected(case_of(state)->chapter);
}

void golden_test_lesson_block(void **state)
{
	golden_assert_lesson_block(case_of(state)->chapter);
}

void golden_test_repeatable(void **state)
{
	golden_check_repeatable(case_of(state)->chapter, case_of(state)->other);
}

void golden_test_program(void **state)
{
	golden_check_program(case_of(state)->chapter);
}

void golden_test_unwritable_data(void **state)
{
	golden_check_unwritable_data(case_of(state)->chapter);
}

void golden_test_write_failures(void **state)
{
	golden_check_write_failures(case_of(state)->chapter, case_of(state)->data_file);
}

void golden_test_plot(void **state)
{
	const struct golden_case *c = case_of(state);
	golden_check_plot(c->chapter, c->data_file, c->plot_script);
}

void golden_assert_code_from_source(const char *path)
{
	char *source = golden_read_file(path);
	if (!source)
		fail_msg("cannot read %s", path);
	int calls = 0;
	for (const char *at = source; (at = strstr(at, "lesson_code")); at++) {
		/* lesson_code(lesson, CODE), lesson_code_numbered(lesson, LINE, CODE) */
		int before;
		if (strncmp(at, "lesson_code(", strlen("lesson_code(")) == 0)
			before = 1;
		else if (strncmp(at, "lesson_code_numbered(", strlen("lesson_code_numbered(")) == 0)
			before = 2;
		else
			continue;
		/* the code shown is the last argument, wherever the line breaks */
		const char *shown = at;
		while (before-- > 0) {
			shown = strchr(shown, ',');
			assert_non_null(shown);
			shown += strspn(shown + 1, " \t\n") + 1;
		}
		if (strncmp(shown, "LESSON_CODE_", strlen("LESSON_CODE_")) != 0)
			fail_msg("%s shows code written by hand: %.60s", path, at);
		calls++;
	}
	free(source);
	if (calls == 0)
		fail_msg("%s shows no code", path);
}

char *golden_run_break(const struct chapter *chapter, const char *name)
{
	char *program = NULL;
	assert_true(asprintf(&program, "build/break/%s/%s", name, chapter->name) > 0);
	/* make test and make check build every break the source marks: a missing one is a fault */
	if (access(program, X_OK) != 0)
		fail_msg("%s is not built: is BREAK_ still marked in the chapter's source? "
			 "(make test builds every break)", program);
	struct golden_process result;
	golden_exec((char *[]){ program, NULL }, &result);
	if (result.exit_status != 0)
		fail_msg("%s exited %d: %s", program, result.exit_status, result.err);
	golden_assert_output_rules(result.out);
	golden_assert_max_width(result.out, 80);
	free(result.err);
	free(program);
	return result.out;
}

void golden_test_breaks(void **state)
{
	const struct golden_case *c = *state;
	char *pattern = NULL;
	assert_true(asprintf(&pattern, "build/break/*/%s", c->chapter->name) > 0);
	glob_t found;
	int globbed = glob(pattern, 0, NULL, &found);
	free(pattern);
	if (globbed != 0)
		fail_msg("no break of %s is built (make test builds them)", c->chapter->name);
	for (size_t i = 0; i < found.gl_pathc; i++) {
		/* build/break/<name>/<chapter>: the name is the directory */
		char *name = strdup(found.gl_pathv[i] + strlen("build/break/"));
		assert_non_null(name);
		*strchr(name, '/') = '\0';
		free(golden_run_break(c->chapter, name));
		free(name);
	}
	globfree(&found);
}

char *golden_paragraph(const char *text, const char *start)
{
	const char *at = strstr(text, start);
	if (!at)
		fail_msg("the lesson has no paragraph starting \"%s\"", start);
	size_t length = 0;
	while (at[length] && !(at[length] == '\n' && (at[length + 1] == '\n' || !at[length + 1])))
		length++;
	char *para = strndup(at, length);
	assert_non_null(para);
	for (char *c = para; *c; c++)
		if (*c == '\n')
			*c = ' ';
	return para;
}
