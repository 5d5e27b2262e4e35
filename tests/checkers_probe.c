/* checkers_probe.c: a program that leaves valgrind one of each thing memstats tells it about, and prints what valgrind must then report (tests/valgrind-check.sh compares). */
#include "memstats.h"

#include <stdio.h>
#include <string.h>

#define HELD_BYTES 100
#define LOST_BYTES 40
#define GROWN_BYTES 200
#define WRITTEN_BYTES 10

/* Still reachable at exit: this pointer to the block's start stays in the program's memory. */
static char *held;

static int zeros, others;

static void count_zero(void)
{
	zeros++;
}

static void count_other(void)
{
	others++;
}

/*
 * Branch on a byte, so valgrind checks whether it holds a value: a call on
 * each side, which no compiler turns into a conditional move.
 */
static void classify(const volatile char *byte)
{
	if (*byte == 0)
		count_zero();
	else
		count_other();
}

int main(void)
{
	held = ms_alloc_bytes(HELD_BYTES, "probe held");
	char *lost = ms_alloc_bytes(LOST_BYTES, "probe lost");
	char *grown = ms_alloc_bytes(WRITTEN_BYTES, "probe grown");
	if (!held || !lost || !grown)
		return 1;
	memset(held, 1, HELD_BYTES);
	memset(lost, 1, LOST_BYTES);
	memset(grown, 1, WRITTEN_BYTES);
	lost = NULL;                                   /* definitely lost */

	/* The bytes realloc copied keep their values; the new ones are garbage. */
	char *bigger = ms_realloc(grown, GROWN_BYTES);
	if (!bigger)
		return 1;
	classify(&bigger[WRITTEN_BYTES - 1]);    /* fine: written before the realloc */
	classify(&bigger[GROWN_BYTES - 1]);      /* error: never written */
	/* The header in front of the block is memstats', not the program's. */
	classify(bigger - 1);                    /* error: no access */
	ms_free(bigger);

	printf("uninitialised: 1\n");
	printf("invalid reads: 1\n");
	printf("definitely lost: %d bytes in 1 blocks\n", LOST_BYTES);
	printf("still reachable: %d bytes in 1 blocks\n", HELD_BYTES);
	printf("possibly lost: 0 bytes in 0 blocks\n");
	return zeros + others != 3;
}
