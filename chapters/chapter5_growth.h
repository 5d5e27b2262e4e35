/* chapter5_growth.h: chapter 5's test_class and its multiply(), open to its tests so they can repeat and measure them. */
#ifndef CHAPTER5_GROWTH_H
#define CHAPTER5_GROWTH_H

#include <stddef.h>

/*
 * The tutorial's test_class. Its x, y and z are int arrays of `len`
 * elements each; until the first multiply they are NULL (len 0), and the
 * object's values are the class's, CHAPTER5_CLASS_X, _Y and _Z, as a
 * Python instance falls back to its class's attributes.
 */
/* lesson code: test_class */
struct test_class {
	size_t len;        /* elements in each of x, y and z */
	int *x, *y, *z;    /* NULL until multiply: the class's values */
};
/* end lesson code */

/* The class's values: test_class.x = 4, y = 5, z = 6 in the tutorial. */
#define CHAPTER5_CLASS_X 4
#define CHAPTER5_CLASS_Y 5
#define CHAPTER5_CLASS_Z 6

/* The tutorial's my_class.multiply(1000). */
#define CHAPTER5_MULTIPLY_N 1000

/* The growth series: a snapshot after multiply(obj, n) for n = 1, 2, 4, ..., 8192. */
#define CHAPTER5_GROWTH_STEPS 14
#define CHAPTER5_GROWTH_N(step) ((size_t)1 << (step))

/* The data file --data writes into DIR, without its ".dat": DIR/growth.dat. */
#define CHAPTER5_DATA_NAME "growth"

/* A new test_class with no values of its own (a tracked block); NULL if out of memory. */
struct test_class *chapter5_test_class_new(void);

/*
 * self.x = [self.x] * n for x, y and z: each becomes a new tracked array
 * of n ints, every one a copy of the current value (x[0], or the class's
 * while len is 0). 0, or -1 with errno set (obj unchanged) if an
 * allocation failed.
 */
int chapter5_multiply(struct test_class *obj, size_t n);

/* Free the object and its arrays; NULL is a no-op. */
void chapter5_test_class_free(struct test_class *obj);

#endif
