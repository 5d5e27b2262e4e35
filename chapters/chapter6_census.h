/* chapter6_census.h: chapter 6's census of a program of its own, as the chapter reads it from ./census --records, open to its tests. */
#ifndef CHAPTER6_CENSUS_H
#define CHAPTER6_CENSUS_H

#include <stddef.h>
#include <stdint.h>

/* The data file --data writes into DIR, without ".dat": DIR/wordcount.dat. */
#define CHAPTER6_DATA_NAME "wordcount"

/* Size classes as the census bins requests: 0, then one per bit length. */
#define CHAPTER6_CLASSES 49
/* Most sites and samples the chapter keeps of a census. */
#define CHAPTER6_MAX_SITES 32
#define CHAPTER6_MAX_SAMPLES 1024

/* A call site with blocks live at exit, as the census names it ("-": none). */
struct chapter6_site {
	int64_t blocks, bytes; /* requested bytes */
	char row[16]; /* malloc, calloc, ...: what sized them last */
	int line;     /* 0 where the file says none */
	char object[64], function[64], source[64];
};

/* One moment of the time series: live blocks and requested bytes. */
struct chapter6_sample {
	uint64_t ns;
	int64_t blocks, bytes;
};

/* A process's census, as ./census --records prints it (census.c). */
struct chapter6_census {
	long pid;
	int ended;
	uint64_t allocs, frees, bytes;
	int64_t live_blocks, live_bytes, peak_blocks, peak_bytes;
	uint64_t class_blocks[CHAPTER6_CLASSES], class_bytes[CHAPTER6_CLASSES];
	struct chapter6_site sites[CHAPTER6_MAX_SITES];
	size_t site_count;
	struct chapter6_sample samples[CHAPTER6_MAX_SAMPLES];
	size_t sample_count;
	uint64_t after_allocs, after_frees;
};

/*
 * Read the first process of ./census --records output `text` into `c`:
 * 0, or -1 when it has none or a line makes no sense.
 */
int chapter6_parse(const char *text, struct chapter6_census *c);

/* The program the chapter runs (a break's own build), and ./census. */
extern const char chapter6_program[];
extern const char chapter6_census_tool[];

#endif
