/* churn_run.c: one timed churn run, raw, tracked or both, the program make bench-callgrind and make bench-tools run under their tools. */
#include "bench.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 10000
/* "callgrin": the seed this program had as bench-callgrind's alone, so its counts compare with earlier runs */
#define SEED UINT64_C(0x63616c6c6772696e)

static int usage(void)
{
	fputs("usage: memstats-churn raw|tracked|both PAIRS\n"
	      "  Runs PAIRS churn pairs over a window of 10000 live blocks: raw malloc/free\n"
	      "  (churn_pairs_raw), ms_alloc_bytes/ms_free (churn_pairs_tracked), or raw then\n"
	      "  tracked, and prints the ns per pair of each, the pairs alone timed.\n",
	      stderr);
	return 2;
}

/* Fill the window, time the pairs, empty it again: ns per pair. */
static double run(const struct churn_trace *trace, void **blocks, bool tracked)
{
	(tracked ? churn_fill_tracked : churn_fill_raw)(trace, blocks);
	uint64_t start = bench_now_ns();
	(tracked ? churn_pairs_tracked : churn_pairs_raw)(trace, blocks);
	uint64_t elapsed = bench_now_ns() - start;
	(tracked ? churn_drain_tracked : churn_drain_raw)(trace, blocks);
	return (double)elapsed / (double)trace->pairs;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	bool raw = strcmp(argv[1], "raw") == 0 || strcmp(argv[1], "both") == 0;
	bool tracked = strcmp(argv[1], "tracked") == 0 || strcmp(argv[1], "both") == 0;
	char *end;
	errno = 0;
	long pairs = strtol(argv[2], &end, 10);
	if ((!raw && !tracked) || !isdigit((unsigned char)argv[2][0]) || *end || errno ||
	    pairs <= 0)
		return usage();
	struct churn_trace trace;
	churn_trace_make(&trace, (size_t)pairs, WINDOW, SEED);
	void **blocks = malloc(WINDOW * sizeof *blocks);
	if (!blocks)
		bench_fail("no memory for the churn window");
	if (raw)
		printf("raw: %.2f ns/pair\n", run(&trace, blocks, false));
	if (tracked)
		printf("tracked: %.2f ns/pair\n", run(&trace, blocks, true));
	free(blocks);
	churn_trace_free(&trace);
	return 0;
}
