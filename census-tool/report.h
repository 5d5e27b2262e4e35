/* report.h: one process's census printed for a reader, in the workbook's table shapes, 80 columns wide. */
#ifndef CENSUS_REPORT_H
#define CENSUS_REPORT_H

#include "data.h"
#include "symbols.h"

#include <stdio.h>

struct census_report_opts {
	int top;                 /* sites shown (the rest summed in one line) */
	int exit_status;         /* the driver's child's wait status, or -1: not the child */
};

/* Print `p`'s report to `out`, naming sites with `symbols`. 0, or -1 with errno set when a write fails. */
int census_report_print(FILE *out, const struct census_process *p, census_symbols *symbols,
			const struct census_report_opts *opts);

/* The site at `address` as text ("function (file.c:12)", "object+0x4a2c", "0x7f..."), into buf. */
void census_report_site(const struct census_process *p, census_symbols *symbols, uint64_t address,
			char *buf, size_t cap);

#endif
