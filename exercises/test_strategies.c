/* test_strategies.c: the comparison program leaves nothing behind, prints its expected tables, writes the data its plot draws, and every exercise README quotes it truly. */
#define _GNU_SOURCE /* asprintf, memmem */
#include "strategy_test.h"

#include <glob.h>
#include <stdbool.h>
#include <ctype.h>

#include "golden.h"
#include "strategies.h"

#define EXPECTED_FILE "tests/expected/strategies.out"
#define README_GLOB "exercises/[0-9][0-9]_*/README.md"
#define README_BLOCK "## What the reference prints\n\n```text\n"

/* One in-process run, shared by the tests that only read its output. */
static struct {
	char *text;     /* everything printed */
	char *stripped; /* without the "On this machine" blocks */
	int64_t live_after;
	int64_t misuse;
} first_run;

static int run_once(void **state)
{
	(void)state;
	int64_t misuse_before = ms_stats().misuse_count;
	first_run.text = golden_run(&strategies_program, NULL);
	first_run.stripped = golden_strip_machine_blocks(first_run.text);
	first_run.live_after = ms_live_blocks();
	first_run.misuse = ms_stats().misuse_count - misuse_before;
	return 0;
}

static int free_run(void **state)
{
	(void)state;
	free(first_run.text);
	free(first_run.stripped);
	return 0;
}

static void test_nothing_left_live(void **state)
{
	(void)state;
	assert_i64_equal(first_run.live_after, 0);
	assert_i64_equal(first_run.misuse, 0);
}

/*
 * Every strategy on every trace it can run, against malloc on the same
 * trace (strategy_test.h says what that checks): its blocks are whole
 * blocks of STRATEGY_BLOCK_SIZE, and it needs no walk to tear down. The
 * pool refuses the trace of many sizes.
 */
static void test_runs_add_up(void **state)
{
	(void)state;
	for (int trace = 0; trace < TRACE_COUNT; trace++)
		for (int id = STRATEGY_MALLOC + 1; id < STRATEGY_COUNT; id++) {
			union strategy_storage storage;
			struct strategy *s = strategies_make(id, trace, &storage);
			if (id == STRATEGY_POOL && trace == TRACE_MIXED) {
				assert_null(s);
				continue;
			}
			struct trace_figures f, baseline;
			assert_trace_against_malloc(trace, s, &f, &baseline);
			assert_i64_equal(f.peak_held % STRATEGY_BLOCK_SIZE, 0);
			assert_i64_equal(f.teardown_frees, 0);
			assert_i64_ge(f.footprint_peak, f.peak_held);
		}
}

/* Allocator figures and times appear only inside "On this machine" blocks. */
static void test_machine_figures_in_blocks(void **state)
{
	(void)state;
	const char *machine_only[] = { "\nOn this machine", "footprint", "ns per object", "time us",
				       "moved by realloc" };
	for (size_t i = 0; i < sizeof machine_only / sizeof machine_only[0]; i++) {
		assert_non_null(strstr(first_run.text, machine_only[i]));
		if (strstr(first_run.stripped, machine_only[i]))
			fail_msg("\"%s\" is printed outside an \"On this machine\" block",
				 machine_only[i]);
	}
}

/*
 * Every time, and every count of realloc's moves, is shown as "median
 * (least-most)" over the runs, so one slow run cannot mislead: each
 * such cell is well formed and in order, in both blocks that have them.
 */
static void test_varying_figures_are_medians(void **state)
{
	(void)state;
	int cells = 0, blocks = 0;
	const char *at = first_run.text;
	while ((at = strstr(at, "\nOn this machine, "))) {
		const char *end = strstr(at + 1, "\n\n");
		const char *title_end = strchr(at + 1, '\n');
		assert_non_null(end);
		if (memmem(at, (size_t)(title_end - at), "median (least-most) of 7 runs", 29)) {
			blocks++;
			for (const char *c = title_end; c < end; c++) {
				long long median, least, most;
				int used = 0;
				if (*c != ' ' || sscanf(c, " %lld (%lld-%lld)%n", &median, &least, &most,
							&used) != 3 || used == 0)
					continue;
				assert_true(least <= median && median <= most);
				cells++;
				c += used - 1;
			}
		}
		at = end;
	}
	assert_int_equal(blocks, 2);
	/* two columns for each of 11 cases, two for each of 3 growth policies */
	assert_int_equal(cells, 2 * 11 + 2 * 3);
}

static void test_output_rules(void **state)
{
	(void)state;
	golden_assert_output_rules(first_run.text);
	golden_assert_max_width(first_run.text, 80);
	golden_assert_max_width(first_run.stripped, 78);
}

/* The output matches tests/expected/strategies.out; MS_BLESS=1 rewrites that file instead. */
static void test_expected_output(void **state)
{
	(void)state;
	const char *bless = getenv("MS_BLESS");
	if (!bless || strcmp(bless, "1") != 0) {
		golden_assert_expected(&strategies_program, first_run.stripped);
		return;
	}
	FILE *expected = fopen(EXPECTED_FILE, "wb");
	if (!expected)
		fail_msg("cannot write %s: %s", EXPECTED_FILE, strerror(errno));
	fputs(first_run.stripped, expected);
	assert_int_equal(fclose(expected), 0);
}

static void test_same_bytes_every_run(void **state)
{
	(void)state;
	char *again = golden_run(&strategies_program, NULL);
	char *stripped = golden_strip_machine_blocks(again);
	assert_string_equal(stripped, first_run.stripped);
	free(stripped);
	free(again);
}

static void test_program(void **state)
{
	(void)state;
	golden_check_program(&strategies_program);
}

static void test_write_failures(void **state)
{
	(void)state;
	golden_check_write_failures(&strategies_program, "strategies.dat");
}

/* ------------------------------------------------------------------ */
/* The data file and the plot                                          */
/* ------------------------------------------------------------------ */

/* The counts' names, in the order the X-macro lists them and a data row holds them. */
static const char *const count_names[] = {
#define FIGURE_NAME_(field, what) #field,
	TRACE_COUNTS(FIGURE_NAME_)
#undef FIGURE_NAME_
};
#define COUNT_FIELDS (sizeof count_names / sizeof count_names[0])
/* Every figure is an int64_t, counts first, so a row of numbers is the struct's image. */
#define ALL_FIELDS (sizeof(struct trace_figures) / sizeof(int64_t))
_Static_assert(sizeof(struct trace_figures) == ALL_FIELDS * sizeof(int64_t), "int64_t fields only");

/* A row's counts exactly as an in-process run of its strategy gives them; its machine figures by relation. */
static void assert_data_row(const char *line, enum trace_id trace, enum strategy_id id)
{
	union strategy_storage storage;
	struct strategy *s = strategies_make(id, trace, &storage);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s %s ", trace_name(trace), s->name);
	if (strncmp(line, prefix, strlen(prefix)) != 0)
		fail_msg("data row \"%.60s\" should start \"%s\"", line, prefix);
	int64_t written[ALL_FIELDS];
	const char *field = line + strlen(prefix);
	for (size_t i = 0; i < ALL_FIELDS; i++) {
		char *end;
		written[i] = strtoll(field, &end, 10);
		if (end == field)
			fail_msg("data row \"%s\": field %zu is not a number", prefix, i + 3);
		field = end;
	}
	assert_true(*field == '\n');

	struct trace_figures run;
	assert_int_equal(trace_run(trace, s, &run), 0);
	int64_t ran[ALL_FIELDS];
	memcpy(ran, &run, sizeof run);
	for (size_t i = 0; i < COUNT_FIELDS; i++)
		if (written[i] != ran[i])
			fail_msg("data row \"%s\": %s is %" PRId64 ", the run gives %" PRId64, prefix,
				 count_names[i], written[i], ran[i]);
	struct trace_figures machine;
	memcpy(&machine, written, sizeof machine);
	assert_i64_ge(machine.footprint_peak, machine.peak_held);
	assert_i64_gt(machine.run_ns, 0);
	assert_i64_ge(machine.teardown_ns, 0);
}

static void test_data_file(void **state)
{
	(void)state;
	char *data = golden_run_for_data(&strategies_program);
	const char *header = "# strategies: every reference strategy on the same traces\n"
			     "# trace strategy objects handed_out payload_peak calls taken peak_held "
			     "held_at_end live_at_end teardown_frees footprint_peak run_ns "
			     "teardown_ns\n";
	assert_memory_equal(data, header, strlen(header));
	const char *line = data + strlen(header);
	for (int trace = 0; trace < TRACE_COUNT; trace++)
		for (int id = 0; id < STRATEGY_COUNT; id++) {
			union strategy_storage storage;
			if (!strategies_make(id, trace, &storage))
				continue;
			assert_data_row(line, trace, id);
			line = strchr(line, '\n') + 1;
		}
	/* Two blank lines end the data set, so gnuplot's `index` can pick it out. */
	assert_string_equal(line, "\n\n");
	free(data);
}

static void test_plot_renders(void **state)
{
	(void)state;
	golden_check_plot(&strategies_program, "strategies.dat", "plots/strategies.gp");
}

/* ------------------------------------------------------------------ */
/* The exercises' READMEs quote the program                            */
/* ------------------------------------------------------------------ */

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

/* The first line of `text` from `from` on that is `length` bytes of `line`, or NULL. */
static const char *find_line(const char *from, const char *line, size_t length)
{
	for (const char *at = from; *at; at = next_line(at))
		if (line_length(at) == length && strncmp(at, line, length) == 0)
			return at;
	return NULL;
}

/* Each line of the README's "What the reference prints" block is a line the program prints, in order. */
static void assert_block_quotes_output(const char *path, const char *readme)
{
	const char *block = strstr(readme, README_BLOCK);
	if (!block)
		fail_msg("%s has no ```text block right under \"## What the reference prints\"", path);
	const char *searched_from = first_run.stripped;
	for (const char *line = block + strlen(README_BLOCK); strncmp(line, "```", 3) != 0;
	     line = next_line(line)) {
		if (!*line)
			fail_msg("%s: its \"What the reference prints\" block is not closed", path);
		const char *found = find_line(searched_from, line, line_length(line));
		if (!found)
			fail_msg("%s quotes a line ./strategies does not print (after the lines before "
				 "it):\n%.*s\nCopy the lines from ./strategies again.",
				 path, (int)line_length(line), line);
		searched_from = next_line(found);
	}
}

/* True if `number` stands in `text` as a number of its own, not inside a longer one. */
static bool number_in(const char *text, const char *number)
{
	size_t length = strlen(number);
	for (const char *at = text; (at = strstr(at, number)); at++) {
		bool starts = at == text || !(isdigit((unsigned char)at[-1]) || at[-1] == '.');
		bool ends = !isdigit((unsigned char)at[length]) &&
			    !(at[length] == '.' && isdigit((unsigned char)at[length + 1]));
		if (starts && ends)
			return true;
	}
	return false;
}

/*
 * Every number of three characters or more in the README outside its code
 * blocks (a word's digits, as in "01_arena" or "x1.5", aside) is one the
 * program prints, so the prose cannot drift from the figures either.
 */
static void assert_prose_numbers_printed(const char *path, const char *readme)
{
	bool in_code_block = false;
	for (const char *line = readme; *line; line = next_line(line)) {
		if (strncmp(line, "```", 3) == 0)
			in_code_block = !in_code_block;
		const char *end = line + line_length(line);
		for (const char *c = line; !in_code_block && c < end; c++) {
			bool starts_number = isdigit((unsigned char)*c) &&
					     (c == line || !(isalnum((unsigned char)c[-1]) ||
							     c[-1] == '_' || c[-1] == '.'));
			if (!starts_number)
				continue;
			size_t length = strspn(c, "0123456789.");
			while (c[length - 1] == '.')
				length--;
			char number[32];
			snprintf(number, sizeof number, "%.*s", (int)length, c);
			if (length >= 3 && !number_in(first_run.stripped, number))
				fail_msg("%s says %s, which ./strategies does not print: take the "
					 "figure from its output", path, number);
			c += length;
		}
	}
}

static void test_readmes_quote_the_program(void **state)
{
	(void)state;
	glob_t readmes;
	assert_int_equal(glob(README_GLOB, 0, NULL, &readmes), 0);
	assert_true(readmes.gl_pathc >= 4);
	for (size_t i = 0; i < readmes.gl_pathc; i++) {
		const char *path = readmes.gl_pathv[i];
		char *readme = golden_read_file(path);
		if (!readme)
			fail_msg("cannot read %s", path);
		assert_block_quotes_output(path, readme);
		assert_prose_numbers_printed(path, readme);
		free(readme);
	}
	globfree(&readmes);
}

/* The top README's "Exercises" section quotes the program's figures too. */
static void test_top_readme_quotes_the_program(void **state)
{
	(void)state;
	char *readme = golden_read_file("README.md");
	assert_non_null(readme);
	char *section = strstr(readme, "\n## Exercises\n");
	if (!section)
		fail_msg("README.md has no \"## Exercises\" section");
	char *next = strstr(section + 1, "\n## ");
	if (next)
		*next = '\0';
	assert_prose_numbers_printed("README.md, its Exercises section", section);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_nothing_left_live),
		ms_test(test_runs_add_up),
		ms_test(test_machine_figures_in_blocks),
		ms_test(test_varying_figures_are_medians),
		ms_test(test_output_rules),
		ms_test(test_expected_output),
		ms_test(test_same_bytes_every_run),
		ms_test(test_program),
		ms_test(test_write_failures),
		ms_test(test_data_file),
		ms_test(test_plot_renders),
		ms_test(test_readmes_quote_the_program),
		ms_test(test_top_readme_quotes_the_program),
	};
	return cmocka_run_group_tests_name("strategies", tests, run_once, free_run);
}
