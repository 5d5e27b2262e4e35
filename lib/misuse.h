/* misuse.h: how the library reports a bad call, through misuse.c's handler, and counts the reports. */
#ifndef MS_MISUSE_H
#define MS_MISUSE_H

#include "memstats.h"

/*
 * Report a bad call (printf-style detail); the caller then ignores it.
 * Every name in the detail goes in as ms_show(name).text (text.h); the
 * message has room for the site and at most four of them besides the
 * wording.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void ms_misuse(enum ms_misuse_kind kind, const char *function, const char *file, int line,
	       const char *fmt, ...);
/* Bad calls reported since the last ms_misuse_total_reset(). */
int64_t ms_misuse_total(void);
void ms_misuse_total_reset(void);

#endif
