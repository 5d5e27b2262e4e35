/* solution.c: the growth exercise's reference policies: x2, x1.5 and +1024, each at least what is needed and never overflowing. */
#include "growth.h"

/* `grown`, unless it is less than `needed`. */
static size_t at_least(size_t grown, size_t needed)
{
	return grown < needed ? needed : grown;
}

size_t grow_double(size_t capacity, size_t needed)
{
	return capacity > SIZE_MAX / 2 ? needed : at_least(capacity * 2, needed);
}

size_t grow_half_again(size_t capacity, size_t needed)
{
	return capacity > SIZE_MAX - capacity / 2 ? needed : at_least(capacity + capacity / 2, needed);
}

size_t grow_by_step(size_t capacity, size_t needed)
{
	return capacity > SIZE_MAX - GROWTH_STEP ? needed : at_least(capacity + GROWTH_STEP, needed);
}
