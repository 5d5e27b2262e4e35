/* data.h: one process's census as ./census reads it back from the data file census.so wrote (census-tool/record.c). */
#ifndef CENSUS_DATA_H
#define CENSUS_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A gauge as memstats keeps it: live now, the most at once, all ever. */
struct census_gauge {
	int64_t current, peak, total;
};

/* A row of memstats' summary: the function that made its blocks (a resize keeps the row). */
struct census_row {
	char *name;
	struct census_gauge blocks, bytes;   /* bytes: requested */
};

/* The deepest call stack a site holds (census-tool/stacks.h). */
#define CENSUS_DATA_MAX_FRAMES 8

/* Live blocks of one row from one call site: a return address, or a stack of them (--frames). */
struct census_site {
	uint64_t address;            /* the return address; with a stack, its key */
	char *row;
	int64_t blocks, bytes;
	int depth;                   /* frames in `frames`: 0 for a plain return address */
	uint64_t frames[CENSUS_DATA_MAX_FRAMES];   /* innermost first */
};

/* An executable mapping: where a site's address lies in which file. */
struct census_map {
	uint64_t from, to, offset;
	char *path;
};

struct census_sample {
	uint64_t ns;          /* since the process started */
	int64_t blocks, bytes;
};

/* What a checkpoint found: the rows' change, and the new blocks still live by site. */
struct census_checkpoint {
	uint64_t ns;
	long sites_skipped;          /* threads running then, so no site walk (0: walked) */
	struct census_row *changes;
	size_t change_count;
	struct census_site *sites;
	size_t site_count;
};

/* Size classes: 0 bytes, then one per bit length (census-tool/record.h). */
#define CENSUS_DATA_CLASSES 49

struct census_process {
	long pid, ppid;
	bool forked;                 /* started by fork (else by exec) */
	uint64_t started_ns;         /* CLOCK_MONOTONIC, comparable across processes */
	int image;                   /* the pid's programs in turn: exec keeps the pid */
	char *exe;
	char **args;
	size_t arg_count;
	bool takes_checkpoints;      /* census.so's signal handler was in place as it started */
	bool ended;                  /* the report at exit is there: the process called exit */
	uint64_t allocs, frees, bytes;
	uint64_t class_blocks[CENSUS_DATA_CLASSES], class_bytes[CENSUS_DATA_CLASSES];
	struct census_row all;
	int64_t misuse;
	char *first_misuse;          /* NULL if none */
	struct census_row *rows;
	size_t row_count;
	struct census_site *sites;   /* live at exit */
	size_t site_count;
	long sites_skipped;          /* threads running at exit, so no site walk (0: walked) */
	struct census_map *maps;
	size_t map_count;
	struct census_sample *samples;
	size_t sample_count;
	struct census_checkpoint *checkpoints;
	size_t checkpoint_count;
	uint64_t after_allocs, after_frees;   /* counted after the report, as the process ended */
	/* Known only beside the pid's other images (census_data_link): */
	bool replaced;               /* it ran exec before it could report */
	bool fork_then_exec;         /* an earlier image was a fork child that ran exec */
};

/*
 * Read the data file at `path` into `p`: 0, or -1 with a message in
 * `why` (of size `cap`) when it cannot be read or a line makes no sense.
 * A file cut short (no "end") reads as a process that did not exit.
 */
int census_data_read(const char *path, struct census_process *p, char *why, size_t cap);

void census_data_free(struct census_process *p);

/* Mark, in `count` processes, the images exec replaced and the ones they became. */
void census_data_link(struct census_process *ps, size_t count);

/* The mapping holding `address`, or NULL. */
const struct census_map *census_data_map_of(const struct census_process *p, uint64_t address);

#endif
