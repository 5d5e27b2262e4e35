/* record.h: what census.so keeps of one process beside memstats' own counts (calls as valgrind counts them, requests by size class, live bytes over time, checkpoints) and the data file it leaves for ./census (census/report.c reads it). */
#ifndef CENSUS_RECORD_H
#define CENSUS_RECORD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The data file's name and first line: $CENSUS_DIR/<pid>.<image>.census,
 * <image> counting the programs one pid has run (exec keeps the pid).
 */
#define CENSUS_DIR_ENV "CENSUS_DIR"
#define CENSUS_FILE_SUFFIX ".census"
#define CENSUS_FORMAT "census-data 1"

/* How many frames a site holds (./census --frames); unset: 1. */
#define CENSUS_FRAMES_ENV "CENSUS_FRAMES"

/* The signal that asks a process for a checkpoint (./census --interval sends it). */
#define CENSUS_CHECKPOINT_SIGNAL SIGUSR2

/* Size classes of requests: 0 bytes, then one per bit length (1, 2-3, 4-7, ...). */
#define CENSUS_CLASSES 49

/*
 * True while this thread does census.so's own work under its lock (a
 * report, a checkpoint, a sample): a malloc then (glibc's qsort takes one
 * to sort a large site table) is census.so's, taken from the allocator
 * beneath, uncounted, and never comes back for the lock it would wait on.
 */
extern _Thread_local bool record_busy;

/* An allocation of `size` bytes that returned `p` (NULL: it failed, nothing counted). */
void record_alloc(const void *p, size_t size);

/* A free of a non-NULL pointer. */
void record_free(void);

/* realloc(old, size) returned `p`: malloc when old is NULL, free when size is 0, else both. */
void record_resize(const void *old, const void *p, size_t size);

#endif
