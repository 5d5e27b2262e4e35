/* chapter.h: what a lesson program is (a chapter, or ./strategies): its options, its entry point, the command line. */
#ifndef CHAPTER_H
#define CHAPTER_H

#include <stdbool.h>
#include <stdio.h>

/* What the command line can ask of a lesson program. */
struct chapter_opts {
	const char *data_dir;   /* --data DIR: write the plot's series here; NULL: don't */
	bool free_leaks;        /* free what a lesson leaks on purpose (tests); off on the command line */
};

/* A lesson program (a chapter, ./strategies): its name, one-line title and lesson. */
struct chapter {
	const char *name;       /* "chapter1" */
	const char *title;      /* "summary of live memory by type" */
	/*
	 * Print the lesson to `out` and flush it; 0 on success, non-zero
	 * (message on stderr) on failure, a write to `out` that failed included.
	 */
	int (*run)(FILE *out, const struct chapter_opts *opts);
};

/*
 * The whole main() of a chapter: parses --help and --data DIR, prints
 * usage on stderr and returns 2 for anything else, runs the lesson on stdout.
 */
int chapter_main(int argc, char **argv, const struct chapter *chapter);

#endif
