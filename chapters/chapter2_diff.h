/* chapter2_diff.h: chapter 2's three C versions of x = [2] * 10, open to its tests so they can repeat them. */
#ifndef CHAPTER2_DIFF_H
#define CHAPTER2_DIFF_H

#include <stddef.h>

#include "lesson.h"
#include "memstats.h"

/* One way to write the tutorial's x = [2] * 10 in C. */
struct chapter2_variant {
	const char *title;       /* "(a) A value array: ten ints in one block" */
	void *(*build)(void);    /* make x; NULL (nothing left live) if out of memory */
	void (*release)(void *x);/* free every block `build` made */
	/* Print the code `build` runs, then `diff` (what it added) and what that shows. */
	void (*show)(struct lesson *lesson, const ms_summary *diff);
};

#define CHAPTER2_VARIANT_COUNT 3
extern const struct chapter2_variant chapter2_variants[CHAPTER2_VARIANT_COUNT];

#endif
