/* test_chapter6.c: chapter 6 (a program of its own under ./census) reads a census that adds up, agrees with valgrind, names sites on the lines that call malloc, prints its expected lesson and says only what its figures show, in its Break it build too. */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdbool.h>
#include <unistd.h>

#include "chapter6_census.h"
#include "chapters.h"
#include "golden.h"

/* The data file chapter 6's plot is drawn from. */
#define DATA_FILE CHAPTER6_DATA_NAME ".dat"
#define PROGRAM_SOURCE "chapters/chapter6/wordcount.c"
#define BREAK_NAME "grow-by-adding"

/* The checks every chapter makes; chapter 5 runs in between. */
static const struct golden_case golden = {&chapter6, &chapter5, DATA_FILE,
					  "plots/chapter6.gp"};

/* ./census --records -- `program` (records on stderr): its census. */
static struct chapter6_census *census_of(const char *program)
{
	struct golden_process run;
	golden_exec((char *[]){(char *)chapter6_census_tool, "--records", "--",
			       (char *)program, NULL},
		    &run);
	assert_int_equal(run.exit_status, 0);
	struct chapter6_census *c = malloc(sizeof *c);
	assert_non_null(c);
	if (chapter6_parse(run.err, c) != 0)
		fail_msg("the census of %s does not read:\n%s", program,
			 run.err);
	golden_process_free(&run);
	return c;
}

/* The break's build of the program, beside the chapter's. */
static char *break_program(void)
{
	char *path = strdup(chapter6_program);
	assert_non_null(path);
	char *tree = strstr(path, "/build/plain/");
	assert_non_null(tree);
	char *broken = NULL;
	*tree = '\0';
	assert_true(asprintf(&broken, "%s/build/break/" BREAK_NAME "/%s", path,
			     tree + strlen("/build/plain/")) > 0);
	free(path);
	return broken;
}

/* ------------------------------------------------------------------ */
/* Invariants                                                          */
/* ------------------------------------------------------------------ */

/* The census adds up: calls, live blocks, sites, classes, peaks. */
static void check_adds_up(const struct chapter6_census *c)
{
	assert_true(c->ended);
	assert_i64_equal((int64_t)(c->allocs - c->frees), c->live_blocks);
	assert_i64_le(c->live_blocks, c->peak_blocks);
	assert_i64_le(c->live_bytes, c->peak_bytes);
	int64_t blocks = 0, bytes = 0;
	for (size_t i = 0; i < c->site_count; i++) {
		blocks += c->sites[i].blocks;
		bytes += c->sites[i].bytes;
	}
	assert_true(c->site_count < CHAPTER6_MAX_SITES);
	assert_i64_equal(blocks, c->live_blocks);
	assert_i64_equal(bytes, c->live_bytes);
	uint64_t class_blocks = 0, class_bytes = 0;
	for (int k = 0; k < CHAPTER6_CLASSES; k++) {
		class_blocks += c->class_blocks[k];
		class_bytes += c->class_bytes[k];
	}
	assert_i64_equal((int64_t)class_blocks, (int64_t)c->allocs);
	assert_i64_equal((int64_t)class_bytes, (int64_t)c->bytes);
	assert_true(c->sample_count >= 2);
	for (size_t i = 0; i < c->sample_count; i++) {
		assert_i64_le(c->samples[i].bytes, c->peak_bytes);
		if (i > 0)
			assert_true(c->samples[i].ns >= c->samples[i - 1].ns);
	}
	/* the last sample is taken with the report: what is live at exit */
	assert_i64_equal(c->samples[c->sample_count - 1].bytes, c->live_bytes);
}

static void test_census_adds_up(void **state)
{
	(void)state;
	struct chapter6_census *c = census_of(chapter6_program);
	check_adds_up(c);
	free(c);
	char *broken = break_program();
	c = census_of(broken);
	check_adds_up(c);
	free(c);
	free(broken);
}

/* Records that are cut short, or make no sense, are refused. */
static void test_parse_refuses_nonsense(void **state)
{
	(void)state;
	struct chapter6_census *c = malloc(sizeof *c);
	assert_non_null(c);
	assert_int_equal(chapter6_parse("", c), -1);
	assert_int_equal(chapter6_parse("process 1 1\ncalls 1 0 8\n", c), -1);
	assert_int_equal(chapter6_parse("process 1 1\ncalls one 0 8\nend\n", c),
			 -1);
	assert_int_equal(
		chapter6_parse("process 1 1\nsite 1 8 malloc\nend\n", c), -1);
	assert_int_equal(chapter6_parse("process 1 1\nclass 99 1 8\nend\n", c),
			 -1);
	assert_int_equal(
		chapter6_parse(
			"process 7 1\ncalls 2 1 24\nlive 1 8\npeak 2 24\n"
			"class 4 2 24\nsite 1 8 malloc 3 prog main "
			"prog.c\nend\n",
			c),
		0);
	assert_int_equal(c->pid, 7);
	assert_i64_equal(c->live_bytes, 8);
	assert_int_equal(c->site_count, 1);
	assert_string_equal(c->sites[0].function, "main");
	assert_int_equal(c->sites[0].line, 3);
	free(c);
}

/* Each of the program's own sites names a line that calls malloc or calloc. */
static void test_sites_name_calling_lines(void **state)
{
	(void)state;
	char *source = golden_read_file(PROGRAM_SOURCE);
	assert_non_null(source);
	struct chapter6_census *c = census_of(chapter6_program);
	size_t own = 0;
	for (size_t i = 0; i < c->site_count; i++) {
		const struct chapter6_site *s = &c->sites[i];
		if (strcmp(s->object, "wordcount") != 0)
			continue;
		own++;
		assert_string_equal(s->source, "wordcount.c");
		const char *line = source;
		for (int n = 1; n < s->line && *line; n++)
			line += strcspn(line, "\n") +
				(line[strcspn(line, "\n")] == '\n');
		char text[256];
		snprintf(text, sizeof text, "%.*s", (int)strcspn(line, "\n"),
			 line);
		if (!strstr(text, "malloc(") && !strstr(text, "calloc("))
			fail_msg("%s (wordcount.c:%d) is \"%s\", no allocation",
				 s->function, s->line, text);
	}
	/* the program leaks top_words' array, and nothing else of its own */
	assert_int_equal(own, 1);
	free(c);
	free(source);
}

/* What valgrind-totals.sh -u printed: its totals and "in use at exit". */
struct valgrind_figures {
	uint64_t allocs, frees, bytes, in_use_bytes, in_use_blocks;
};

/* wordcount under valgrind, with its libc cleanup at exit (`freeres`) or without. */
static struct valgrind_figures valgrind_of(int freeres)
{
	struct golden_process run;
	golden_exec((char *[]){"tests/oracle/valgrind-totals.sh", "-u",
			       freeres ? "-f" : "--", (char *)chapter6_program,
			       NULL},
		    &run);
	assert_int_equal(run.exit_status, 0);
	long pid;
	struct valgrind_figures v;
	if (sscanf(run.out,
		   "%ld %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64,
		   &pid, &v.allocs, &v.frees, &v.bytes, &v.in_use_bytes,
		   &v.in_use_blocks) != 6)
		fail_msg("valgrind-totals.sh -u printed \"%s\"", run.out);
	golden_process_free(&run);
	return v;
}

/*
 * valgrind agrees: --run-libc-freeres=no gives the census's calls, frees
 * and bytes; with valgrind's default cleanup, one more free for each
 * block libc kept. Skips where valgrind is not installed.
 */
static void test_valgrind_agrees(void **state)
{
	(void)state;
	if (system("command -v valgrind > /dev/null 2>&1") != 0) {
		print_message("valgrind is not installed (make deps)\n");
		skip();
	}
	struct chapter6_census *c = census_of(chapter6_program);
	int64_t libc_blocks = 0;
	for (size_t i = 0; i < c->site_count; i++)
		if (strncmp(c->sites[i].object, "libc.so", strlen("libc.so")) ==
		    0)
			libc_blocks += c->sites[i].blocks;
	for (int freeres = 0; freeres < 2; freeres++) {
		struct valgrind_figures v = valgrind_of(freeres);
		assert_i64_equal((int64_t)v.allocs, (int64_t)c->allocs);
		assert_i64_equal((int64_t)v.bytes, (int64_t)c->bytes);
		assert_i64_equal((int64_t)v.frees,
				 (int64_t)c->frees +
					 (freeres ? libc_blocks : 0));
	}
	free(c);
}

/*
 * The "in use at exit: X bytes in N blocks" after `start` in `text`,
 * commas taken out of X.
 */
static void in_use_after(const char *text, const char *start,
			 uint64_t *bytes, uint64_t *blocks)
{
	char *para = golden_paragraph(text, start);
	const char *at = strstr(para, "in use at exit: ");
	if (!at)
		fail_msg("no \"in use at exit\" in \"%s\"", para);
	at += strlen("in use at exit: ");
	char digits[32];
	size_t n = 0;
	for (; (*at >= '0' && *at <= '9') || *at == ','; at++)
		if (*at != ',' && n < sizeof digits - 1)
			digits[n++] = *at;
	digits[n] = '\0';
	*bytes = strtoull(digits, NULL, 10);
	if (n == 0 || sscanf(at, " bytes in %" SCNu64 " blocks", blocks) != 1)
		fail_msg("\"in use at exit\" does not read in \"%s\"", para);
	free(para);
}

/*
 * The lesson's "in use at exit" figures are valgrind's: the
 * --run-libc-freeres=no form's, and the default form's, said where libc
 * kept blocks of its own (else valgrind's two forms are the same).
 */
static void test_in_use_is_valgrinds(void **state)
{
	(void)state;
	if (system("command -v valgrind > /dev/null 2>&1") != 0) {
		print_message("valgrind is not installed (make deps)\n");
		skip();
	}
	char *text = golden_run(&chapter6, &(struct chapter_opts){0});
	struct valgrind_figures plain = valgrind_of(0), cleaned = valgrind_of(1);
	uint64_t bytes, blocks;
	in_use_after(text, "valgrind --run-libc-freeres=no", &bytes, &blocks);
	assert_i64_equal((int64_t)bytes, (int64_t)plain.in_use_bytes);
	assert_i64_equal((int64_t)blocks, (int64_t)plain.in_use_blocks);
	if (strstr(text, "By default valgrind first runs")) {
		in_use_after(text, "By default valgrind first runs", &bytes,
			     &blocks);
		assert_i64_equal((int64_t)bytes, (int64_t)cleaned.in_use_bytes);
		assert_i64_equal((int64_t)blocks,
				 (int64_t)cleaned.in_use_blocks);
	} else {
		assert_i64_equal((int64_t)cleaned.in_use_bytes,
				 (int64_t)plain.in_use_bytes);
		assert_i64_equal((int64_t)cleaned.in_use_blocks,
				 (int64_t)plain.in_use_blocks);
	}
	free(text);
}

/* ------------------------------------------------------------------ */
/* The lesson says what its figures show                               */
/* ------------------------------------------------------------------ */

/* The sentences that state a census's figures, held to that census. */
static void check_prose(const char *text, const struct chapter6_census *c,
			bool doubling)
{
	char *para = golden_paragraph(text, "muppy.get_objects() lists");
	char expected[256];
	snprintf(expected, sizeof expected,
		 "wordcount made %" PRIu64 " allocations and %" PRIu64
		 " frees and asked for %" PRIu64 " bytes in all; %" PRId64
		 " blocks of %" PRId64 " bytes",
		 c->allocs, c->frees, c->bytes, c->live_blocks, c->live_bytes);
	if (!strstr(para, expected))
		fail_msg("the totals read \"%s\", not \"%s\"", para, expected);
	free(para);
	para = golden_paragraph(text, "At its peak");
	snprintf(expected, sizeof expected,
		 "At its peak wordcount held %" PRId64 " blocks and %" PRId64
		 " bytes",
		 c->peak_blocks, c->peak_bytes);
	if (!strstr(para, expected))
		fail_msg("the peak reads \"%s\", not \"%s\"", para, expected);
	free(para);
	bool stairs = strstr(text, "the requests make a staircase") != NULL;
	bool none = strstr(text, "No staircase") != NULL;
	assert_true(stairs != none);
	assert_true(stairs == doubling);
}

static void test_prose_follows_census(void **state)
{
	(void)state;
	char *text = golden_run(&chapter6, &(struct chapter_opts){0});
	struct chapter6_census *c = census_of(chapter6_program);
	check_prose(text, c, true);
	/* the site the lesson quotes is the line the census names */
	assert_non_null(strstr(text, "top_words (wordcount.c:"));
	assert_non_null(
		strstr(text,
		       "\"struct entry **top = malloc(n * sizeof *top);\"") ||
		strstr(text,
		       "\"struct entry **top = malloc(n\n* sizeof *top);\""));
	free(c);
	free(text);
}

/* grow-by-adding: more bucket arrays, far more bytes, no staircase. */
static void test_break_grow_by_adding(void **state)
{
	(void)state;
	char *text = golden_run_break(&chapter6, BREAK_NAME);
	char *broken = break_program();
	struct chapter6_census *b = census_of(broken),
			       *c = census_of(chapter6_program);
	check_prose(text, b, false);
	assert_true(b->allocs > c->allocs);
	assert_true(b->bytes > 5 * c->bytes);
	/* the same words and leak: what is live at exit does not change */
	assert_i64_equal(b->live_blocks, c->live_blocks);
	assert_i64_equal(b->live_bytes, c->live_bytes);
	free(b);
	free(c);
	free(broken);
	free(text);
}

static void test_code_shown_is_code_run(void **state)
{
	(void)state;
	golden_assert_code_from_source("chapters/chapter6_census.c");
}

/* The data file: a header, then rows of ms blocks bytes, in time order. */
static void test_data_file(void **state)
{
	(void)state;
	char *data = golden_run_for_data_file(&chapter6, DATA_FILE);
	const char *header = "# chapter 6: wordcount's live blocks and "
			     "requested bytes over time\n"
			     "# ms blocks bytes\n";
	assert_memory_equal(data, header, strlen(header));
	const char *line = data + strlen(header);
	double previous = -1;
	int rows = 0;
	double ms;
	int64_t blocks, bytes;
	int length = 0;
	while (sscanf(line, "%lf %" SCNd64 " %" SCNd64 "\n%n", &ms, &blocks,
		      &bytes, &length) == 3 &&
	       length > 0) {
		assert_true(ms >= previous);
		assert_i64_ge(blocks, 0);
		assert_i64_ge(bytes, blocks);
		previous = ms;
		rows++;
		line += length;
		length = 0;
	}
	assert_true(rows >= 2);
	golden_assert_data_set_ends(data, line);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		golden_test(golden_test_nothing_left, &golden),
		ms_test(test_census_adds_up),
		ms_test(test_parse_refuses_nonsense),
		ms_test(test_sites_name_calling_lines),
		ms_test(test_valgrind_agrees),
		ms_test(test_in_use_is_valgrinds),
		golden_test(golden_test_output_rules, &golden),
		ms_test(test_code_shown_is_code_run),
		golden_test(golden_test_expected, &golden),
		golden_test(golden_test_lesson_block, &golden),
		golden_test(golden_test_repeatable, &golden),
		golden_test(golden_test_program, &golden),
		golden_test(golden_test_unwritable_data, &golden),
		golden_test(golden_test_write_failures, &golden),
		ms_test(test_data_file),
		golden_test(golden_test_plot, &golden),
		ms_test(test_prose_follows_census),
		golden_test(golden_test_breaks, &golden),
		ms_test(test_break_grow_by_adding),
	};
	/* ./census, run by the chapter, keeps its symbol cache in a directory of the run's own */
	return cmocka_run_group_tests_name("chapter6", tests, ms_test_symbol_cache_setup,
					   ms_test_symbol_cache_teardown);
}
