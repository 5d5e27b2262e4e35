/* chapter2_diff.h: chapter 2's three C versions of x = [2] * 10, open to its tests so they can repeat them. */
#ifndef CHAPTER2_DIFF_H
#define CHAPTER2_DIFF_H

#include <stddef.h>

/* One way to write the tutorial's x = [2] * 10 in C. */
struct chapter2_variant {
	const char *title;       /* "(a) A value array: ten ints in one block" */
	const char *code;        /* the C it runs, as the lesson prints it */
	const char *meaning;     /* what its diff shows, one paragraph */
	void *(*build)(void);    /* make x; NULL (nothing left live) if out of memory */
	void (*release)(void *x);/* free every block `build` made */
};

#define CHAPTER2_VARIANT_COUNT 3
extern const struct chapter2_variant chapter2_variants[CHAPTER2_VARIANT_COUNT];

#endif
