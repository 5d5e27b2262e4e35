/* chapter6_census.c: lesson 6, your own program: muppy's census of a whole process, redone as ./census running a program of the chapter's own that knows nothing of memstats. */
#define _GNU_SOURCE
#include "chapter6_census.h"

#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chapters.h"
#include "lesson.h"
#include "lesson_code.h"
#include "memstats.h"

/*
 * The program, as make builds it: a break of it has a build of its own
 * (the change is in the program's source, chapters/chapter6/wordcount.c).
 * CHAPTER6_TOP is the workbook's top, given by the Makefile, so the
 * chapter runs from any directory.
 */
#ifndef CHAPTER6_TOP
#define CHAPTER6_TOP "."
#endif
#ifdef BREAK_GROW_BY_ADDING
#define PROGRAM_TREE "build/break/grow-by-adding"
#else
#define PROGRAM_TREE "build/plain"
#endif
const char chapter6_program[] =
	CHAPTER6_TOP "/" PROGRAM_TREE "/chapters/chapter6/wordcount";
const char chapter6_census_tool[] = CHAPTER6_TOP "/census";

/* The program's own file, as the census names its sites, and its source's. */
#define PROGRAM_OBJECT "wordcount"
#define PROGRAM_SOURCE "wordcount.c"
/* Room for what the program prints, and for the census's records. */
#define PROGRAM_OUTPUT 4096

/* ------------------------------------------------------------------ */
/* Reading the census                                                  */
/* ------------------------------------------------------------------ */

int chapter6_parse(const char *text, struct chapter6_census *c)
{
	memset(c, 0, sizeof *c);
	bool in_process = false;
	for (const char *line = text; *line;
	     line += strcspn(line, "\n"), line += *line == '\n') {
		char kind[16];
		int at = 0;
		if (sscanf(line, "%15s %n", kind, &at) != 1)
			return -1;
		const char *rest = line + at;
		int ok = 1;
		if (!in_process) {
			if (strcmp(kind, "process") == 0)
				in_process = sscanf(rest, "%ld %d", &c->pid,
						    &c->ended) == 2;
			continue;
		}
		if (strcmp(kind, "end") == 0)
			return 0;
		if (strcmp(kind, "calls") == 0) {
			ok = sscanf(rest, "%" SCNu64 " %" SCNu64 " %" SCNu64,
				    &c->allocs, &c->frees, &c->bytes) == 3;
		} else if (strcmp(kind, "live") == 0) {
			ok = sscanf(rest, "%" SCNd64 " %" SCNd64,
				    &c->live_blocks, &c->live_bytes) == 2;
		} else if (strcmp(kind, "peak") == 0) {
			ok = sscanf(rest, "%" SCNd64 " %" SCNd64,
				    &c->peak_blocks, &c->peak_bytes) == 2;
		} else if (strcmp(kind, "class") == 0) {
			int k;
			uint64_t blocks, bytes;
			ok = sscanf(rest, "%d %" SCNu64 " %" SCNu64, &k,
				    &blocks, &bytes) == 3 &&
			     k >= 0 && k < CHAPTER6_CLASSES;
			if (ok) {
				c->class_blocks[k] = blocks;
				c->class_bytes[k] = bytes;
			}
		} else if (strcmp(kind, "site") == 0 &&
			   c->site_count < CHAPTER6_MAX_SITES) {
			struct chapter6_site *s = &c->sites[c->site_count++];
			ok = sscanf(rest,
				    "%" SCNd64 " %" SCNd64
				    " %15s %d %63s %63s %63s",
				    &s->blocks, &s->bytes, s->row, &s->line,
				    s->object, s->function, s->source) == 7;
		} else if (strcmp(kind, "sample") == 0 &&
			   c->sample_count < CHAPTER6_MAX_SAMPLES) {
			struct chapter6_sample *s =
				&c->samples[c->sample_count++];
			ok = sscanf(rest, "%" SCNu64 " %" SCNd64 " %" SCNd64,
				    &s->ns, &s->blocks, &s->bytes) == 3;
		} else if (strcmp(kind, "after") == 0) {
			ok = sscanf(rest, "%" SCNu64 " %" SCNu64,
				    &c->after_allocs, &c->after_frees) == 2;
		}
		if (!ok)
			return -1;
	}
	return -1; /* no process, or one cut short */
}

/* ------------------------------------------------------------------ */
/* Running the program under ./census                                  */
/* ------------------------------------------------------------------ */

/* The whole file at `path` into a new string (the caller frees), or NULL. */
static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *copy = open_memstream(&text, &size);
	char buffer[4096];
	size_t got;
	while (copy && (got = fread(buffer, 1, sizeof buffer, f)) > 0)
		fwrite(buffer, 1, got, copy);
	bool failed = ferror(f) || !copy;
	fclose(f);
	if (copy && fclose(copy) != 0)
		failed = true;
	if (failed) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * ./census --records -o DIR/records -- PROGRAM: what the program printed
 * into `output` (`size` bytes), its census into `census`. 0, or -1 with
 * a line on stderr.
 */
static int run_census(char *output, size_t size, struct chapter6_census *census)
{
	char dir[] = "/tmp/chapter6.XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr,
			"chapter6: cannot make a directory for the census: "
			"%s\n",
			strerror(errno));
		return -1;
	}
	char records[sizeof dir + 16];
	snprintf(records, sizeof records, "%s/records", dir);
	int result = -1;
	int fds[2] = {-1, -1};
	posix_spawn_file_actions_t actions;
	bool have_actions = false;
	pid_t pid = -1;
	/* the program's stdout is the pipe: stdio buffers it as any pipe's */
	char *argv[] = {
		(char *)chapter6_census_tool, "--records", "-o", records, "--",
		(char *)chapter6_program,     NULL};
	if (access(chapter6_census_tool, X_OK) != 0 ||
	    access(chapter6_program, X_OK) != 0) {
		fprintf(stderr,
			"chapter6: cannot run %s: %s (make chapter6 builds "
			"it)\n",
			access(chapter6_census_tool, X_OK) != 0
				? chapter6_census_tool
				: chapter6_program,
			strerror(errno));
		goto done;
	}
	if (pipe(fds) != 0 || posix_spawn_file_actions_init(&actions) != 0)
		goto failed;
	have_actions = true;
	if (posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO) !=
		    0 ||
	    posix_spawn_file_actions_addclose(&actions, fds[0]) != 0 ||
	    posix_spawn_file_actions_addclose(&actions, fds[1]) != 0)
		goto failed;
	int spawned = posix_spawn(&pid, chapter6_census_tool, &actions, NULL,
				  argv, environ);
	close(fds[1]);
	fds[1] = -1;
	if (spawned != 0) {
		errno = spawned;
		goto failed;
	}
	size_t used = 0;
	ssize_t got;
	while ((got = read(fds[0], output + used, size - 1 - used)) > 0 ||
	       (got < 0 && errno == EINTR))
		used += got > 0 ? (size_t)got : 0;
	output[used] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			goto failed;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr,
			"chapter6: %s under census ended with status %d\n",
			chapter6_program,
			WIFEXITED(status) ? WEXITSTATUS(status)
					  : 128 + WTERMSIG(status));
		goto done;
	}
	char *text = read_whole(records);
	if (!text)
		goto failed;
	result = chapter6_parse(text, census);
	free(text);
	if (result != 0 || !census->ended) {
		fprintf(stderr, "chapter6: the census of %s makes no sense\n",
			chapter6_program);
		result = -1;
	}
	goto done;
failed:
	fprintf(stderr, "chapter6: cannot run %s under census: %s\n",
		chapter6_program, strerror(errno));
done:
	if (have_actions)
		posix_spawn_file_actions_destroy(&actions);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	unlink(records);
	rmdir(dir);
	return result;
}

/* ------------------------------------------------------------------ */
/* The lesson                                                          */
/* ------------------------------------------------------------------ */

/* `n` with a comma every three digits, as valgrind prints its figures. */
static const char *with_commas(uint64_t n, char *text, size_t size)
{
	char digits[32];
	int length = snprintf(digits, sizeof digits, "%" PRIu64, n);
	size_t out = 0;
	for (int i = 0; i < length && out + 2 < size; i++) {
		if (i > 0 && (length - i) % 3 == 0)
			text[out++] = ',';
		text[out++] = digits[i];
	}
	text[out] = '\0';
	return text;
}

/* A grid cell, formatted and cut to fit (a function's name can be longer). */
__attribute__((format(printf, 2, 3))) static void cell(char *text,
						       const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vsnprintf(text, LESSON_CELL_SIZE, format, ap);
	va_end(ap);
}

/* "1 block", "2 blocks". */
static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The shown regions of the program, where a site's line is looked for. */
struct region {
	const char *name;
	int first;
	const char *code;
};
static const struct region regions[] = {
	{"entry_new", LESSON_LINE_entry_new, LESSON_CODE_entry_new},
	{"table_grow", LESSON_LINE_table_grow, LESSON_CODE_table_grow},
	{"top_words", LESSON_LINE_top_words, LESSON_CODE_top_words},
	{"main_end", LESSON_LINE_main_end, LESSON_CODE_main_end},
};
#define REGION_COUNT (sizeof regions / sizeof regions[0])

/* Lines of `code`. */
static int line_count(const char *code)
{
	int lines = 1;
	for (; *code; code++)
		lines += *code == '\n';
	return lines;
}

/* The region shown that holds `line` of the program's source, or NULL. */
static const struct region *region_of(int line)
{
	for (size_t i = 0; i < REGION_COUNT; i++)
		if (line >= regions[i].first &&
		    line < regions[i].first + line_count(regions[i].code))
			return &regions[i];
	return NULL;
}

/* Line `line` of the program's source as shown, unindented, into `text`. */
static const char *source_line(const struct region *r, int line, char *text,
			       size_t size)
{
	const char *at = r->code;
	for (int n = r->first; n < line; n++)
		at += strcspn(at, "\n") + 1;
	at += strspn(at, " ");
	snprintf(text, size, "%.*s", (int)strcspn(at, "\n"), at);
	return text;
}

/* Region `r` of the program, numbered, each by its own macros. */
static void show_region(struct lesson *lesson, const struct region *r)
{
	if (r == &regions[0])
		lesson_code_numbered(lesson, LESSON_LINE_entry_new,
				     LESSON_CODE_entry_new);
	else if (r == &regions[1])
		lesson_code_numbered(lesson, LESSON_LINE_table_grow,
				     LESSON_CODE_table_grow);
	else if (r == &regions[2])
		lesson_code_numbered(lesson, LESSON_LINE_top_words,
				     LESSON_CODE_top_words);
	else
		lesson_code_numbered(lesson, LESSON_LINE_main_end,
				     LESSON_CODE_main_end);
}

static bool in_program(const struct chapter6_site *s)
{
	return strcmp(s->object, PROGRAM_OBJECT) == 0;
}

/* A site as the census's report names it: "top_words (wordcount.c:163)". */
static const char *site_name(const struct chapter6_site *s, char *text,
			     size_t size)
{
	/*
	 * Another object's lines are named only where its debug information
	 * is installed (libc6-dbg), so the lesson names it by object alone.
	 */
	if (in_program(s) && s->line > 0 && strcmp(s->function, "-") != 0)
		snprintf(text, size, "%s (%s:%d)", s->function, s->source,
			 s->line);
	else if (strcmp(s->function, "-") != 0)
		snprintf(text, size, "%s (%s)", s->function, s->object);
	else
		snprintf(text, size, "%s", s->object);
	return text;
}


/* The different words the program says it counted; 0 if it does not say. */
static uint64_t different_words(const char *output)
{
	uint64_t words, different;
	return sscanf(output, "%" SCNu64 " words, %" SCNu64 " different",
		      &words, &different) == 2
		       ? different
		       : 0;
}

/* The program, and what it printed. */
static void show_program(struct lesson *lesson, const char *output)
{
	lesson_subheading(lesson, "A program of its own");
	lesson_para(lesson, "wordcount.c is a plain C program that knows "
	                    "nothing of memstats: it makes up a text of words "
	                    "with a seeded generator, counts each word in a "
	                    "hash table of chained entries, prints the "
	                    "commonest and frees the table. Each new word gets "
	                    "an entry and a copy of its letters:");
	lesson_code_numbered(lesson, LESSON_LINE_entry_new,
			     LESSON_CODE_entry_new);
	lesson_para(lesson, "and the table grows when it holds as many words "
	                    "as it has buckets, into a new bucket array, the "
	                    "old one freed:");
	lesson_code(lesson, LESSON_CODE_grown);
	lesson_code_numbered(lesson, LESSON_LINE_table_grow,
			     LESSON_CODE_table_grow);
	lesson_para(lesson, "The chapter runs it as ./census --records -o FILE "
	                    "-- wordcount, which starts it with census.so "
	                    "preloaded: every malloc, calloc, realloc and free "
	                    "it makes, and those the C library makes for it, "
	                    "go through memstats, each counted at its caller's "
	                    "return address. The program is built -O0 -g, so a "
	                    "return address lies in the function and on the "
	                    "line that made the call. Its output is its own:");
	lesson_output(lesson, output);
}

/* The totals, and valgrind's heap summary for them. */
static void show_totals(struct lesson *lesson, const struct chapter6_census *c)
{
	int64_t libc_blocks = 0, libc_bytes = 0;
	for (size_t i = 0; i < c->site_count; i++)
		if (strncmp(c->sites[i].object, "libc.so", strlen("libc.so")) ==
		    0) {
			libc_blocks += c->sites[i].blocks;
			libc_bytes += c->sites[i].bytes;
		}
	char allocs[32], frees[32], bytes[32], live[32], freed[32], left[32];
	lesson_subheading(lesson, "Every call, as valgrind counts them");
	lesson_para(lesson,
		    "muppy.get_objects() lists every object of the process; "
		    "the census counts every call. wordcount made %" PRIu64
		    " allocations and %" PRIu64 " frees and asked for %" PRIu64
		    " bytes in all; %" PRId64 " %s of %" PRId64
		    " bytes were still live when it ended.",
		    c->allocs, c->frees, c->bytes, c->live_blocks,
		    plural(c->live_blocks, "block", "blocks"), c->live_bytes);
	lesson_para(
		lesson,
		"valgrind --run-libc-freeres=no ./wordcount ends with the same "
		"figures: \"in use at exit: %s bytes in %" PRId64
		" blocks\" and \"total heap usage: %s allocs, %s frees, %s "
		"bytes allocated\". Both count a realloc as a free and an "
		"allocation, and neither counts free(NULL).",
		with_commas((uint64_t)c->live_bytes, live, sizeof live),
		c->live_blocks, with_commas(c->allocs, allocs, sizeof allocs),
		with_commas(c->frees, frees, sizeof frees),
		with_commas(c->bytes, bytes, sizeof bytes));
	if (libc_blocks > 0)
		lesson_para(
			lesson,
			"By default valgrind first runs the C library's own "
			"cleanup, which frees what the library kept for "
			"itself: here %" PRId64 " %s "
			"of %" PRId64
			" bytes the census found made in libc. Then it says %s "
			"frees, and \"in use at exit: %s bytes in %" PRId64
			" blocks\". A plain run never frees them; the census "
			"sees the plain run.",
			libc_blocks, plural(libc_blocks, "block", "blocks"),
			libc_bytes,
			with_commas(c->frees + (uint64_t)libc_blocks, freed,
				    sizeof freed),
			with_commas((uint64_t)(c->live_bytes - libc_bytes),
				    left, sizeof left),
			c->live_blocks - libc_blocks);
}

/* Live at exit by call site; the program's own sites in its source. */
static void show_sites(struct lesson *lesson, const struct chapter6_census *c)
{
	lesson_subheading(lesson, "Live at exit, by call site");
	struct lesson_grid_row rows[1 + CHAPTER6_MAX_SITES] = {
		{{"function", "line", "# blocks", "requested"}}};
	size_t own = 0;
	for (size_t i = 0; i < c->site_count; i++) {
		const struct chapter6_site *s = &c->sites[i];
		char(*row)[LESSON_CELL_SIZE] = rows[1 + i].cell;
		cell(row[0], "%s",
		     strcmp(s->function, "-") ? s->function : s->object);
		if (!in_program(s))
			cell(row[1], "%s", s->object);
		else if (s->line > 0)
			cell(row[1], "%s:%d", s->source, s->line);
		else
			cell(row[1], "-");
		cell(row[2], "%" PRId64, s->blocks);
		cell(row[3], "%" PRId64, s->bytes);
		own += in_program(s);
	}
	lesson_para(lesson,
		    "The blocks live at exit, by the return address of the "
		    "call that made them, named from the program's debug "
		    "information by function and line: %zu %s, %zu in "
		    "wordcount itself.",
		    c->site_count,
		    plural((int64_t)c->site_count, "site", "sites"), own);
	lesson_grid(lesson, 4, 1 + c->site_count, rows);
	for (size_t i = 0; i < c->site_count; i++) {
		const struct chapter6_site *s = &c->sites[i];
		const struct region *r =
			in_program(s) ? region_of(s->line) : NULL;
		char name[256], line[96];
		site_name(s, name, sizeof name);
		if (!in_program(s)) {
			lesson_para(
				lesson,
				"%s is in %s, not in wordcount.c: the C "
				"library called %s there for the program%s.",
				strcmp(s->function, "-") ? s->function
							 : "The site",
				s->object, s->row,
				strcmp(s->function, "_IO_file_doallocate") == 0
					? ", to make stdout's buffer at the "
					  "first printf, and kept it to the "
					  "end"
					: "");
			continue;
		}
		if (!r) {
			lesson_para(lesson,
				    "%s is in wordcount.c, on a line this "
				    "lesson does not show.",
				    name);
			continue;
		}
		lesson_para(lesson,
			    "%s: line %d is \"%s\", %" PRId64 " %s of %" PRId64
			    " bytes never freed.",
			    name, s->line,
			    source_line(r, s->line, line, sizeof line),
			    s->blocks, plural(s->blocks, "block", "blocks"),
			    s->bytes);
		show_region(lesson, r);
	}
	lesson_para(lesson,
		    "and main, which prints the words and frees the table:");
	lesson_code_numbered(lesson, LESSON_LINE_main_end,
			     LESSON_CODE_main_end);
}

/* The bounds of size class `k`: 0, then 2^(k-1) to 2^k - 1. */
static void class_bounds(int k, uint64_t *low, uint64_t *high)
{
	*low = k ? UINT64_C(1) << (k - 1) : 0;
	*high = k ? (UINT64_C(1) << k) - 1 : 0;
}

/*
 * The longest run of consecutive classes that each hold at most 2
 * requests, from the class `*from`: its length.
 */
static int stair_run(const struct chapter6_census *c, int *from)
{
	int best = 0;
	for (int k = 0; k < CHAPTER6_CLASSES; k++) {
		int n = 0;
		while (k + n < CHAPTER6_CLASSES &&
		       c->class_blocks[k + n] >= 1 &&
		       c->class_blocks[k + n] <= 2)
			n++;
		if (n > best) {
			best = n;
			*from = k;
		}
	}
	return best;
}

/* Requests by size class, and what this malloc grants each. */
static void show_classes(struct lesson *lesson, const struct chapter6_census *c,
			 uint64_t distinct)
{
	struct lesson_grid_row rows[1 + CHAPTER6_CLASSES] = {
		{{"bytes asked", "# blocks", "requested", "% of blocks"}}};
	struct lesson_grid_row machine[1 + CHAPTER6_CLASSES] = {
		{{"bytes asked", "usable", "footprint"}}};
	size_t n = 1;
	uint64_t most = 0, small = 0, small_high = 0, least_high = 0,
		 least_count = 0;
	size_t least_chunk = 0;
	bool least_open = true; /* every class so far fits the smallest chunk */
	int most_class = 0;
	for (int k = 0; k < CHAPTER6_CLASSES; k++) {
		if (!c->class_blocks[k])
			continue;
		uint64_t low, high;
		class_bounds(k, &low, &high);
		cell(rows[n].cell[0], "%" PRIu64 " - %" PRIu64, low, high);
		cell(rows[n].cell[1], "%" PRIu64, c->class_blocks[k]);
		cell(rows[n].cell[2], "%" PRIu64, c->class_bytes[k]);
		cell(rows[n].cell[3], "%.1f",
		     100.0 * (double)c->class_blocks[k] / (double)c->allocs);
		/* what malloc grants the class's least and largest request */
		void *a = malloc(low ? low : 1), *b = malloc(high ? high : 1);
		struct ms_malloc_block ia = {0}, ib = {0};
		ms_malloc_block_info(a, &ia);
		ms_malloc_block_info(b, &ib);
		free(a);
		free(b);
		cell(machine[n].cell[0], "%s", rows[n].cell[0]);
		cell(machine[n].cell[1], "%zu - %zu", ia.usable, ib.usable);
		cell(machine[n].cell[2], "%zu - %zu", ia.footprint,
		     ib.footprint);
		/* classes whose largest request fits the smallest chunk */
		if (n == 1)
			least_chunk = ia.footprint;
		if (least_open && ib.footprint == least_chunk) {
			least_high = high;
			least_count += c->class_blocks[k];
		} else {
			least_open = false;
		}
		if (c->class_blocks[k] > most) {
			most = c->class_blocks[k];
			most_class = k;
		}
		if (high < 32) {
			small += c->class_blocks[k];
			small_high = high;
		}
		n++;
	}
	lesson_subheading(lesson, "Requests by size");
	lesson_para(lesson, "The census bins every request by its bit length: "
	                    "1 byte, 2 to 3, 4 to 7 and so on. Chapter 3 "
	                    "measured what a small malloc really takes; the "
	                    "block after the staircase asks this machine's "
	                    "malloc for each class's least and largest "
	                    "request.");
	lesson_grid(lesson, 4, n, rows);
	uint64_t low, high;
	class_bounds(most_class, &low, &high);
	char pairs[128] = "";
	if (distinct > 0 && small == 2 * distinct)
		snprintf(pairs, sizeof pairs,
			 ", twice the %" PRIu64
			 " different words: an entry and a copy of the letters "
			 "for each",
			 distinct);
	lesson_para(lesson,
		    "%" PRIu64 " of the %" PRIu64
		    " requests (%.1f%%) asked for %" PRIu64
		    " bytes or fewer%s. The most, %" PRIu64
		    ", asked for %" PRIu64 " to %" PRIu64 " bytes.",
		    small, c->allocs, 100.0 * (double)small / (double)c->allocs,
		    small_high, pairs, most, low, high);
	int from = 0, run = stair_run(c, &from);
	uint64_t top_low, top_high;
	class_bounds(from + run - 1, &top_low, &top_high);
	class_bounds(from, &low, &high);
	if (run >= 4)
		lesson_para(lesson,
			    "From %" PRIu64 " bytes up to %" PRIu64
			    " the requests make a staircase, one or two in "
			    "each of %d classes in a row: an array that "
			    "doubles asks for twice the bytes each time, one "
			    "class higher.",
			    low, top_high, run);
	else
		lesson_para(lesson,
			    "No staircase: no more than %d classes in a row "
			    "hold one or two requests each, so the large "
			    "requests pile up in a few classes.",
			    run);
	lesson_machine_grid(
		lesson,
		"malloc's grant to each class's least and largest request", 3,
		n, machine);
	if (least_chunk && least_count)
		lesson_machine_text(lesson, "the smallest chunk",
				    "Every request of up to %" PRIu64
				    " bytes, %" PRIu64 " of them, "
				    "took the smallest chunk,\n%zu bytes, "
				    "whatever it asked for.\n",
				    least_high, least_count, least_chunk);
}

/* Peak against what is live at exit. */
static void show_peak(struct lesson *lesson, const struct chapter6_census *c)
{
	size_t most = 0;
	for (size_t i = 1; i < c->sample_count; i++)
		if (c->samples[i].bytes > c->samples[most].bytes)
			most = i;
	lesson_subheading(lesson, "The peak against the end");
	lesson_para(
		lesson,
		"At its peak wordcount held %" PRId64 " blocks and %" PRId64
		" bytes (memstats keeps the two peaks apart, which need not "
		"fall at one moment); at exit %" PRId64 " %s and %" PRId64
		" bytes, %.2f%% of the peak bytes. A census at exit finds what "
		"was left behind; the memory the program needed while it ran "
		"is the peak, gone by the end.",
		c->peak_blocks, c->peak_bytes, c->live_blocks,
		plural(c->live_blocks, "block", "blocks"), c->live_bytes,
		100.0 * (double)c->live_bytes / (double)c->peak_bytes);
	if (c->sample_count)
		lesson_machine_text(
			lesson, "the census's samples of live bytes over time",
			"%zu samples over %.1f ms; the most live in one: "
			"%" PRId64 " bytes at %.1f ms\n"
			"(the peak between samples can be higher).\n",
			c->sample_count,
			(double)c->samples[c->sample_count - 1].ns / 1e6,
			c->samples[most].bytes,
			(double)c->samples[most].ns / 1e6);
}

/* The time series: one row per sample. */
static void write_series(FILE *data, const struct chapter6_census *c)
{
	lesson_data_begin(data,
			  "chapter 6: wordcount's live blocks and requested "
			  "bytes over time",
			  "ms blocks bytes");
	for (size_t i = 0; i < c->sample_count; i++)
		fprintf(data, "%.3f %" PRId64 " %" PRId64 "\n",
			(double)c->samples[i].ns / 1e6, c->samples[i].blocks,
			c->samples[i].bytes);
	lesson_data_end(data);
}

int chapter6_run(FILE *out, const struct chapter_opts *opts)
{
	int failed = 0;
	FILE *data = lesson_data_open(opts, chapter6.name, CHAPTER6_DATA_NAME,
				      &failed);
	if (failed)
		return 1;
	char output[PROGRAM_OUTPUT];
	struct chapter6_census *census = malloc(sizeof *census);
	int status = census ? run_census(output, sizeof output, census) : -1;
	if (!census)
		fprintf(stderr, "chapter6: out of memory\n");

	struct lesson lesson = LESSON_INIT(out);
	if (status == 0) {
		lesson_heading(&lesson, &chapter6);
		lesson_para(&lesson, "Pympler's muppy takes a census of a "
		                     "running Python process: "
		                     "summary.summarize(muppy.get_objects()) "
		                     "sums every object by type, and the "
		                     "program's code does not change. In C a "
		                     "process has no list of objects, but "
		                     "every block comes from malloc, so "
		                     "./census puts itself in front of malloc "
		                     "and counts each call, for a program that "
		                     "was never written for it.");
		show_program(&lesson, output);
		show_totals(&lesson, census);
		show_sites(&lesson, census);
		show_classes(&lesson, census, different_words(output));
		show_peak(&lesson, census);
		if (data)
			write_series(data, census);
	}
	free(census);
	if (lesson_finish(&lesson, chapter6.name) != 0)
		status = -1;
	if (data && lesson_data_close(data, chapter6.name) != 0)
		status = -1;
	return status == 0 ? 0 : 1;
}

const struct chapter chapter6 = {
	"chapter6", "your own program, counted from outside", chapter6_run};

#ifndef MS_NO_MAIN
int main(int argc, char **argv)
{
	return chapter_main(argc, argv, &chapter6);
}
#endif
