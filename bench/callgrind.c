/* callgrind.c: the fixed churn workload `make bench-callgrind` runs under callgrind, raw then tracked, so instructions per pair can be read per function. */
#include "bench.h"

#include <stdlib.h>

#define WINDOW 10000
#define SEED UINT64_C(0x63616c6c6772696e)   /* "callgrin" */

int main(int argc, char **argv)
{
	long pairs = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
	if (pairs <= 0) {
		fputs("usage: memstats-callgrind PAIRS\n"
		      "  Runs PAIRS churn pairs raw (churn_pairs_raw), then tracked\n"
		      "  (churn_pairs_tracked), each over a window of 10000 live blocks.\n",
		      stderr);
		return 2;
	}
	struct churn_trace trace;
	churn_trace_make(&trace, (size_t)pairs, WINDOW, SEED);
	void **blocks = malloc(WINDOW * sizeof *blocks);
	if (!blocks)
		bench_fail("no memory for the churn window");
	churn_fill_raw(&trace, blocks);
	churn_pairs_raw(&trace, blocks);
	churn_drain_raw(&trace, blocks);
	churn_fill_tracked(&trace, blocks);
	churn_pairs_tracked(&trace, blocks);
	churn_drain_tracked(&trace, blocks);
	free(blocks);
	churn_trace_free(&trace);
	return 0;
}
