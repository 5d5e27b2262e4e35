/* data.c: reads a data file census.so wrote (a line per fact, census-tool/record.c) back into a census_process. */
#define _GNU_SOURCE
#include "data.h"

#include <errno.h>
#include <inttypes.h>
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

/* A copy of the decoded name after `n` characters of `line`, or NULL (out of memory). */
static char *name_at(char *line, int n)
{
	return strdup(decode(line + n + (line[n] == ' ')));
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

/* "kind c p t c p t name": a row's blocks and requested bytes as gauges. */
static int read_row(char *line, const char *kind, struct census_row *row)
{
	char format[64];
	int n = 0;
	snprintf(format, sizeof format, "%s %%" SCNd64 " %%" SCNd64 " %%" SCNd64 " %%" SCNd64
		 " %%" SCNd64 " %%" SCNd64 "%%n", kind);
	if (sscanf(line, format, &row->blocks.current, &row->bytes.current, &row->blocks.peak,
		   &row->bytes.peak, &row->blocks.total, &row->bytes.total, &n) < 6 || !n)
		return -1;
	row->name = name_at(line, n);
	return row->name ? 0 : -1;
}

static int read_site(char *line, struct census_site *site)
{
	int n = 0;
	if (sscanf(line, "site %" SCNx64 " %" SCNd64 " %" SCNd64 "%n", &site->address, &site->blocks,
		   &site->bytes, &n) < 3 || !n)
		return -1;
	site->row = name_at(line, n);
	return site->row ? 0 : -1;
}

/* "stack N f0 f1 ...": the frames of the site read just before, `last`. */
static int read_stack(const char *line, struct census_site *last)
{
	int n = 0, depth;
	if (!last || sscanf(line, "stack %d%n", &depth, &n) != 1 || depth < 1 ||
	    depth > CENSUS_DATA_MAX_FRAMES)
		return -1;
	const char *at = line + n;
	for (int f = 0; f < depth; f++) {
		int used = 0;
		if (sscanf(at, " %" SCNx64 "%n", &last->frames[f], &used) != 1)
			return -1;
		at += used;
	}
	last->depth = depth;
	return 0;
}

/* What a line says, taken into `p`; -1 if it makes no sense. */
static int read_line(char *line, struct census_process *p, bool *in_checkpoint)
{
	struct census_checkpoint *cp = p->checkpoint_count ? &p->checkpoints[p->checkpoint_count - 1] : NULL;
	char how[8];
	int n = 0;
	unsigned cls;
	uint64_t blocks, bytes;

	if (*in_checkpoint) {
		if (!strcmp(line, "end-checkpoint")) {
			*in_checkpoint = false;
			return 0;
		}
		if (sscanf(line, "sites-skipped %ld", &cp->sites_skipped) == 1)
			return 0;
		if (!strncmp(line, "site ", 5)) {
			struct census_site *s = PUSH(cp->sites, cp->site_count);
			return s ? read_site(line, s) : -1;
		}
		if (!strncmp(line, "stack ", 6))
			return read_stack(line, cp->site_count ? &cp->sites[cp->site_count - 1] : NULL);
		struct census_row *r = PUSH(cp->changes, cp->change_count);
		return r ? read_row(line, "change", r) : -1;
	}
	if (sscanf(line, "pid %ld", &p->pid) == 1 || sscanf(line, "ppid %ld", &p->ppid) == 1 ||
	    sscanf(line, "allocs %" SCNu64, &p->allocs) == 1 ||
	    sscanf(line, "frees %" SCNu64, &p->frees) == 1 ||
	    sscanf(line, "bytes %" SCNu64, &p->bytes) == 1 ||
	    sscanf(line, "misuse %" SCNd64, &p->misuse) == 1 ||
	    sscanf(line, "sites-skipped %ld", &p->sites_skipped) == 1 ||
	    sscanf(line, "after %" SCNu64 " %" SCNu64, &p->after_allocs, &p->after_frees) == 2)
		return 0;
	if (sscanf(line, "start %7s %" SCNu64, how, &p->started_ns) == 2) {
		p->forked = !strcmp(how, "fork");
		return 0;
	}
	if (sscanf(line, "class %u %" SCNu64 " %" SCNu64, &cls, &blocks, &bytes) == 3) {
		if (cls >= CENSUS_DATA_CLASSES)
			return -1;
		p->class_blocks[cls] = blocks;
		p->class_bytes[cls] = bytes;
		return 0;
	}
	if (!strncmp(line, "exe", 3) && (line[3] == ' ' || !line[3]))
		return (p->exe = name_at(line, 3)) ? 0 : -1;
	if (!strncmp(line, "arg", 3) && (line[3] == ' ' || !line[3])) {
		char **a = PUSH(p->args, p->arg_count);
		return a && (*a = name_at(line, 3)) ? 0 : -1;
	}
	if (!strncmp(line, "first-misuse ", 13))
		return (p->first_misuse = name_at(line, 12)) ? 0 : -1;
	if (!strncmp(line, "all ", 4))
		return read_row(line, "all", &p->all);
	if (!strncmp(line, "row ", 4)) {
		struct census_row *r = PUSH(p->rows, p->row_count);
		return r ? read_row(line, "row", r) : -1;
	}
	if (!strncmp(line, "site ", 5)) {
		struct census_site *s = PUSH(p->sites, p->site_count);
		return s ? read_site(line, s) : -1;
	}
	if (!strncmp(line, "stack ", 6))
		return read_stack(line, p->site_count ? &p->sites[p->site_count - 1] : NULL);
	if (!strncmp(line, "map ", 4)) {
		struct census_map *m = PUSH(p->maps, p->map_count);
		if (!m || sscanf(line, "map %" SCNx64 " %" SCNx64 " %" SCNx64 "%n", &m->from, &m->to,
				 &m->offset, &n) < 3 || !n)
			return -1;
		return (m->path = name_at(line, n)) ? 0 : -1;
	}
	if (!strncmp(line, "sample ", 7)) {
		struct census_sample *s = PUSH(p->samples, p->sample_count);
		return s && sscanf(line, "sample %" SCNu64 " %" SCNd64 " %" SCNd64, &s->ns, &s->blocks,
				   &s->bytes) == 3 ? 0 : -1;
	}
	if (!strncmp(line, "checkpoint ", 11)) {
		unsigned number;
		cp = PUSH(p->checkpoints, p->checkpoint_count);
		if (!cp || sscanf(line, "checkpoint %u %" SCNu64, &number, &cp->ns) != 2)
			return -1;
		*in_checkpoint = true;
		return 0;
	}
	if (!strcmp(line, "end")) {
		p->ended = true;
		return 0;
	}
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
	bool in_checkpoint = false;
	unsigned number = 0;
	int result = 0;
	while ((len = getline(&line, &line_cap, in)) > 0) {
		number++;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (number == 1 ? strcmp(line, "census-data 1") != 0 : read_line(line, p, &in_checkpoint) < 0) {
			snprintf(why, cap, "%s:%u: not census data: %.60s", path, number, line);
			result = -1;
			break;
		}
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
