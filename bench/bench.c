/* bench.c: the program behind `make bench`: memstats against raw malloc, case by case, then the table and the churn ratio. */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include "lesson.h"

static void usage(FILE *out)
{
	fputs("usage: memstats-bench [--data DIR]\n"
	      "  Measures memstats against raw malloc, case by case, and prints a table;\n"
	      "  the last line is the churn ratio. --data DIR also writes DIR/bench.dat.\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *data_dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return lesson_flush(stdout, "bench", "standard output") == 0 ? 0 : 1;
		} else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			data_dir = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	/* Single-threaded cases first: glibc's locks stay slower once a second thread has existed. */
	bench_pin_fastest_cpu();
	double churn_ratio = bench_single_thread();
	bench_live_set();
	bench_deep_size();
	bench_json();
	bench_unpin();
	bench_two_threads();

	printf("\n");
	if (bench_print_table(stdout) != 0) {
		lesson_write_failed("bench", "standard output");
		return 1;
	}
	if (data_dir) {
		if (bench_write_data(data_dir) != 0)
			return 1;
		printf("\ndata: %s/bench.dat (plots/bench.gp draws it)\n", data_dir);
	}
	printf("ratio tracked/raw alloc+free: %.2f\n", churn_ratio);
	return lesson_flush(stdout, "bench", "standard output") == 0 ? 0 : 1;
}
