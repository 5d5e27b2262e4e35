/* data.c: reads a data file census.so wrote (a line per fact, census-tool/record.c) back into a census_process. */
#define _GNU_SOURCE
#include "data.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of hex digit `c`, or -1. */
static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * A name as record.c wrote it, its spaces and controls as %XX, decoded in
 * place. Only a '%' with two hex digits after it is one: a line cut short
 * may end in "%" or "%4", and the NUL after it must stop the decoding.
 */
static char *decode(char *text)
{
	char *to = text;
	for (const char *from = text; *from; to++) {
		int high = from[0] == '%' ? hex_digit(from[1]) : -1;
		int low = high >= 0 ? hex_digit(from[2]) : -1;
		if (low >= 0) {
			*to = (char)(high << 4 | low);
			from += 3;
		} else {
			*to = *from++;
		}
	}
	*to = '\0';
	return text;
}

/* A copy of the decoded name after the space at `at`; NULL if there is no space, or no memory. */
static char *name_at(char *at)
{
	return *at == ' ' ? strdup(decode(at + 1)) : NULL;
}

/*
 * Make room for one more item at the end of `old` (`count` items of
 * `size` bytes), zeroed, and store the new array's address at `array`
 * (memcpy: the array's own pointer type is not void *). False, the array
 * left as it was, when memory runs out.
 */
static bool grow(void *old, size_t count, size_t size, void *array)
{
	void *grown = realloc(old, (count + 1) * size);
	if (!grown)
		return false;
	memset((char *)grown + count * size, 0, size);
	memcpy(array, &grown, sizeof grown);
	return true;
}

/* A pointer to a new zeroed item at the end of `array`, counted in `count`; NULL if out of memory. */
#define PUSH(array, count) \
	(grow((array), (count), sizeof *(array), &(array)) ? &(array)[(count)++] : NULL)

/*
 * The number field after the spaces at *at, in `base`, *at moved past it:
 * the whole field, up to the next space or the line's end, must be
 * digits, with a '-' first only where `sign` allows one (strtoull would
 * take "-5" as a huge count, and "12abc" as 12). False if it is not.
 */
static bool take_number(char **at, int base, bool sign, uint64_t *magnitude, bool *negative)
{
	char *start = *at;
	while (*start == ' ')
		start++;
	if (start == *at)
		return false;
	*negative = sign && *start == '-';
	char *digits = start + *negative, *end = digits + strcspn(digits, " ");
	if (end == digits)
		return false;
	for (char *c = digits; c < end; c++) {
		int d = hex_digit(*c);
		if (d < 0 || d >= base)
			return false;
	}
	errno = 0;
	char *parsed;
	*magnitude = strtoull(digits, &parsed, base);
	if (errno || parsed != end)
		return false;
	*at = end;
	return true;
}

/* An unsigned field of `base`, at most `max`. */
static bool take_u64(char **at, int base, uint64_t max, uint64_t *value)
{
	bool negative;
	return take_number(at, base, false, value, &negative) && *value <= max;
}

/* A signed decimal field. */
static bool take_i64(char **at, int64_t *value)
{
	uint64_t magnitude;
	bool negative;
	if (!take_number(at, 10, true, &magnitude, &negative) ||
	    magnitude > (uint64_t)INT64_MAX + negative)
		return false;
	*value = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
	return true;
}

/* A count that fits a long (pids, threads). */
static bool take_long(char **at, long *value)
{
	uint64_t v;
	if (!take_u64(at, 10, LONG_MAX, &v))
		return false;
	*value = (long)v;
	return true;
}

/* " c p t c p t name" after a row's kind: its blocks and requested bytes as gauges. */
static int read_row(char *at, struct census_row *row)
{
	if (!take_i64(&at, &row->blocks.current) || !take_i64(&at, &row->bytes.current) ||
	    !take_i64(&at, &row->blocks.peak) || !take_i64(&at, &row->bytes.peak) ||
	    !take_i64(&at, &row->blocks.total) || !take_i64(&at, &row->bytes.total))
		return -1;
	row->name = name_at(at);
	return row->name ? 0 : -1;
}

/* " address blocks bytes row" after "site". */
static int read_site(char *at, struct census_site *site)
{
	if (!take_u64(&at, 16, UINT64_MAX, &site->address) || !take_i64(&at, &site->blocks) ||
	    !take_i64(&at, &site->bytes))
		return -1;
	site->row = name_at(at);
	return site->row ? 0 : -1;
}

/* " N f0 f1 ..." after "stack": the frames of the site read just before, `last`. */
static int read_stack(char *at, struct census_site *last)
{
	uint64_t depth;
	if (!last || !take_u64(&at, 10, CENSUS_DATA_MAX_FRAMES, &depth) || depth < 1)
		return -1;
	for (uint64_t f = 0; f < depth; f++)
		if (!take_u64(&at, 16, UINT64_MAX, &last->frames[f]))
			return -1;
	last->depth = (int)depth;
	return *at ? -1 : 0;
}

/*
 * The lines census.so writes once in a file (record.c), by bit in
 * struct reading's `seen`: one seen twice is not a file it wrote.
 */
static const char *const once_lines[] = {
	"pid", "ppid", "start", "exe", "checkpoint-signal", "allocs", "frees", "bytes",
	"all", "misuse", "first-misuse", "sites-skipped", "end", "after",
};
#define SEEN(keyword) (1u << (keyword))
enum { ONCE_PID, ONCE_PPID, ONCE_START };

/* What has been read of a file so far, to hold its lines to the order record.c writes them in. */
struct reading {
	unsigned seen;               /* once_lines read, by bit */
	uint64_t classes;            /* size classes read, by bit */
	bool in_checkpoint;          /* between "checkpoint" and "end-checkpoint" */
	bool checkpoint_skipped;     /* the checkpoint's sites-skipped read */
};

/* A line of a checkpoint, after its "checkpoint" line: `keyword` and the rest at `at`. */
static int read_checkpoint_line(const char *keyword, char *at, struct census_checkpoint *cp,
				struct reading *r)
{
	if (!strcmp(keyword, "end-checkpoint")) {
		r->in_checkpoint = false;
		return *at ? -1 : 0;
	}
	if (!strcmp(keyword, "sites-skipped")) {
		if (r->checkpoint_skipped)
			return -1;
		r->checkpoint_skipped = true;
		return take_long(&at, &cp->sites_skipped) && !*at ? 0 : -1;
	}
	if (!strcmp(keyword, "site")) {
		struct census_site *s = PUSH(cp->sites, cp->site_count);
		return s ? read_site(at, s) : -1;
	}
	if (!strcmp(keyword, "stack"))
		return read_stack(at, cp->site_count ? &cp->sites[cp->site_count - 1] : NULL);
	if (!strcmp(keyword, "change")) {
		struct census_row *row = PUSH(cp->changes, cp->change_count);
		return row ? read_row(at, row) : -1;
	}
	return -1;
}

/* What a line says, taken into `p`; -1 if census.so would not have written it there. */
static int read_line(char *line, struct census_process *p, struct reading *r)
{
	char keyword[24];
	size_t len = strcspn(line, " ");
	if (len >= sizeof keyword)
		return -1;
	memcpy(keyword, line, len);
	keyword[len] = '\0';
	char *at = line + len;

	if (r->in_checkpoint)
		return read_checkpoint_line(keyword, at, &p->checkpoints[p->checkpoint_count - 1], r);
	/* the report ends at "end"; only the count of what came after it follows */
	if (p->ended != !strcmp(keyword, "after"))
		return -1;
	for (unsigned i = 0; i < sizeof once_lines / sizeof *once_lines; i++)
		if (!strcmp(keyword, once_lines[i])) {
			if (r->seen & SEEN(i))
				return -1;
			r->seen |= SEEN(i);
		}

	if (!strcmp(keyword, "pid"))
		return take_long(&at, &p->pid) && p->pid > 0 && !*at ? 0 : -1;
	if (!strcmp(keyword, "ppid"))
		return take_long(&at, &p->ppid) && !*at ? 0 : -1;
	if (!strcmp(keyword, "start")) {
		if (!strncmp(at, " exec ", 6) || !strncmp(at, " fork ", 6))
			p->forked = at[1] == 'f';
		else
			return -1;
		at += 5;
		return take_u64(&at, 10, UINT64_MAX, &p->started_ns) && !*at ? 0 : -1;
	}
	if (!strcmp(keyword, "allocs"))
		return take_u64(&at, 10, UINT64_MAX, &p->allocs) && !*at ? 0 : -1;
	if (!strcmp(keyword, "frees"))
		return take_u64(&at, 10, UINT64_MAX, &p->frees) && !*at ? 0 : -1;
	if (!strcmp(keyword, "bytes"))
		return take_u64(&at, 10, UINT64_MAX, &p->bytes) && !*at ? 0 : -1;
	if (!strcmp(keyword, "misuse")) {
		uint64_t misuse;
		if (!take_u64(&at, 10, INT64_MAX, &misuse) || *at)
			return -1;
		p->misuse = (int64_t)misuse;
		return 0;
	}
	if (!strcmp(keyword, "sites-skipped"))
		return take_long(&at, &p->sites_skipped) && !*at ? 0 : -1;
	if (!strcmp(keyword, "checkpoint-signal")) {
		p->takes_checkpoints = true;
		return *at ? -1 : 0;
	}
	if (!strcmp(keyword, "class")) {
		uint64_t cls;
		if (!take_u64(&at, 10, CENSUS_DATA_CLASSES - 1, &cls) || r->classes & UINT64_C(1) << cls)
			return -1;
		r->classes |= UINT64_C(1) << cls;
		return take_u64(&at, 10, UINT64_MAX, &p->class_blocks[cls]) &&
		       take_u64(&at, 10, UINT64_MAX, &p->class_bytes[cls]) && !*at ? 0 : -1;
	}
	/* a program's path or argument may be empty: record.c then writes "exe " */
	if (!strcmp(keyword, "exe"))
		return (p->exe = name_at(at)) ? 0 : -1;
	if (!strcmp(keyword, "arg")) {
		char **a = PUSH(p->args, p->arg_count);
		return a && (*a = name_at(at)) ? 0 : -1;
	}
	if (!strcmp(keyword, "first-misuse"))
		return (p->first_misuse = name_at(at)) ? 0 : -1;
	if (!strcmp(keyword, "all"))
		return read_row(at, &p->all);
	if (!strcmp(keyword, "row")) {
		struct census_row *row = PUSH(p->rows, p->row_count);
		return row ? read_row(at, row) : -1;
	}
	if (!strcmp(keyword, "site")) {
		struct census_site *s = PUSH(p->sites, p->site_count);
		return s ? read_site(at, s) : -1;
	}
	if (!strcmp(keyword, "stack"))
		return read_stack(at, p->site_count ? &p->sites[p->site_count - 1] : NULL);
	if (!strcmp(keyword, "map")) {
		struct census_map *m = PUSH(p->maps, p->map_count);
		if (!m || !take_u64(&at, 16, UINT64_MAX, &m->from) || !take_u64(&at, 16, UINT64_MAX, &m->to) ||
		    !take_u64(&at, 16, UINT64_MAX, &m->offset))
			return -1;
		return (m->path = name_at(at)) ? 0 : -1;
	}
	if (!strcmp(keyword, "sample")) {
		struct census_sample *s = PUSH(p->samples, p->sample_count);
		return s && take_u64(&at, 10, UINT64_MAX, &s->ns) && take_i64(&at, &s->blocks) &&
		       take_i64(&at, &s->bytes) && !*at ? 0 : -1;
	}
	if (!strcmp(keyword, "checkpoint")) {
		uint64_t number;
		struct census_checkpoint *cp = PUSH(p->checkpoints, p->checkpoint_count);
		if (!cp || !take_u64(&at, 10, UINT64_MAX, &number) ||
		    !take_u64(&at, 10, UINT64_MAX, &cp->ns) || *at)
			return -1;
		r->in_checkpoint = true;
		r->checkpoint_skipped = false;
		return 0;
	}
	if (!strcmp(keyword, "end")) {
		p->ended = true;
		return *at ? -1 : 0;
	}
	if (!strcmp(keyword, "after"))
		return take_u64(&at, 10, UINT64_MAX, &p->after_allocs) &&
		       take_u64(&at, 10, UINT64_MAX, &p->after_frees) && !*at ? 0 : -1;
	return -1;
}

int census_data_read(const char *path, struct census_process *p, char *why, size_t cap)
{
	memset(p, 0, sizeof *p);
	const char *base = strrchr(path, '/');
	long pid;
	if (sscanf(base ? base + 1 : path, "%ld.%d", &pid, &p->image) != 2)
		p->image = 0;
	FILE *in = fopen(path, "r");
	if (!in) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t len;
	struct reading r = { .seen = 0 };
	unsigned number = 0;
	int result = 0;
	while ((len = getline(&line, &line_cap, in)) > 0) {
		number++;
		/*
		 * census.so ends every line it writes: a last line without its end
		 * was cut short (SIGKILL, a full disk), and is left out, so a figure
		 * cut in half is never read as a smaller one.
		 */
		if (line[len - 1] != '\n')
			break;
		line[--len] = '\0';
		/* a NUL inside a line (a hole a full disk left) would hide the rest of it */
		if (strlen(line) != (size_t)len ||
		    (number == 1 ? strcmp(line, "census-data 1") != 0 : read_line(line, p, &r) < 0)) {
			snprintf(why, cap, "%s:%u: not census data: %.60s", path, number, line);
			result = -1;
			break;
		}
	}
	/* census.so writes who the process is first, in one write: a file without it is no census */
	if (result == 0 && (r.seen & (SEEN(ONCE_PID) | SEEN(ONCE_START))) != (SEEN(ONCE_PID) | SEEN(ONCE_START))) {
		snprintf(why, cap, "%s: not census data: no pid and start lines", path);
		result = -1;
	}
	free(line);
	fclose(in);
	return result;
}

static void free_rows(struct census_row *rows, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(rows[i].name);
	free(rows);
}

static void free_sites(struct census_site *sites, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(sites[i].row);
	free(sites);
}

void census_data_free(struct census_process *p)
{
	free(p->exe);
	for (size_t i = 0; i < p->arg_count; i++)
		free(p->args[i]);
	free(p->args);
	free(p->all.name);
	free(p->first_misuse);
	free_rows(p->rows, p->row_count);
	free_sites(p->sites, p->site_count);
	for (size_t i = 0; i < p->map_count; i++)
		free(p->maps[i].path);
	free(p->maps);
	free(p->samples);
	for (size_t i = 0; i < p->checkpoint_count; i++) {
		free_rows(p->checkpoints[i].changes, p->checkpoints[i].change_count);
		free_sites(p->checkpoints[i].sites, p->checkpoints[i].site_count);
	}
	free(p->checkpoints);
	memset(p, 0, sizeof *p);
}

void census_data_link(struct census_process *ps, size_t count)
{
	for (size_t i = 0; i < count; i++)
		for (size_t j = 0; j < count; j++)
			if (ps[j].pid == ps[i].pid && ps[j].image > ps[i].image && !ps[i].ended) {
				ps[i].replaced = true;
				if (ps[j].image == ps[i].image + 1 && ps[i].forked)
					ps[j].fork_then_exec = true;
			}
}

const struct census_map *census_data_map_of(const struct census_process *p, uint64_t address)
{
	for (size_t i = 0; i < p->map_count; i++)
		if (address >= p->maps[i].from && address < p->maps[i].to)
			return &p->maps[i];
	return NULL;
}
