/* chapter2_diff.h: chapter 2's three C versions of x = [2] * 10, open to its tests so they can repeat them. */
#ifndef CHAPTER2_DIFF_H
#define CHAPTER2_DIFF_H

#include <stddef.h>

#include "lesson.h"
#include "memstats.h"

/* What a variant's diff holds, for its paragraph (chapter2_diff.c). */
struct chapter2_figures;

/* One way to write the tutorial's x = [2] * 10 in C. */
struct chapter2_variant {
	const char *title;       /* "(a) A value array: ten ints in one block" */
	void *(*build)(void);    /* make x; NULL (nothing left live) if out of memory */
	void (*release)(void *x);/* free every block `build` made */
	void (*show_code)(struct lesson *lesson);  /* print the code `build` runs */
	/* Say what the diff around `build` shows, from its figures; it has rows. */
	void (*explain)(struct lesson *lesson, const struct chapter2_figures *figures);
};

#define CHAPTER2_VARIANT_COUNT 3
extern const struct chapter2_variant chapter2_variants[CHAPTER2_VARIANT_COUNT];

#endif
