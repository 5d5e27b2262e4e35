/* exercise.c: YOUR growth policies: write the three functions below (growth.h says what each must return), then run `make exercises`. */
#include "growth.h"

size_t grow_double(size_t capacity, size_t needed)
{
	/* TODO 1: twice `capacity`, but at least `needed`; `needed` where doubling would overflow. */
	(void)capacity;
	(void)needed;
	return 0;
}

size_t grow_half_again(size_t capacity, size_t needed)
{
	/* TODO 2: capacity + capacity / 2, but at least `needed`; `needed` where that would overflow. */
	(void)capacity;
	(void)needed;
	return 0;
}

size_t grow_by_step(size_t capacity, size_t needed)
{
	/* TODO 3: capacity + GROWTH_STEP, but at least `needed`; `needed` where that would overflow. */
	(void)capacity;
	(void)needed;
	return 0;
}
