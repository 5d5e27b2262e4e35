/* checkers_probe.c: a program that leaves valgrind one of each thing memstats tells it about, and prints what valgrind must then report (tests/valgrind-check.sh compares). */
#include "memstats.h"

#include <inttypes.h>
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
	/* valgrind's heap summary counts the malloc blocks left: header and request each. */
	struct ms_block_info held_info, lost_info;
	if (ms_block_info(held, &held_info) != 0 || ms_block_info(lost, &lost_info) != 0)
		return 1;
	lost = NULL;                                   /* definitely lost */

	/* The bytes realloc copied keep their values; the new ones are garbage. */
	char *bigger = ms_realloc(grown, GROWN_BYTES);
	if (!bigger)
		return 1;
	classify(&bigger[WRITTEN_BYTES - 1]);    /* fine: written before the realloc */
	classify(&bigger[GROWN_BYTES - 1]);      /* error: never written */
	classify(&bigger[GROWN_BYTES]);          /* error: past the bytes asked for */
	/* The header in front of the block is memstats', not the program's. */
	classify(bigger - 1);                    /* error: no access */
	ms_free(bigger);

	/*
	 * Every malloc and free is counted, and each block memstats described
	 * once more as an allocation, but not as a free; the bytes allocated
	 * hold each block's request twice and its header once.
	 */
	struct ms_stats stats = ms_stats();
	/* every block here is under 32 KiB, with a compact header: all the same size */
	int64_t header = stats.header_bytes / stats.all.blocks.current;
	printf("in use at exit: %zu bytes in 2 blocks\n",
	       held_info.malloc_bytes + lost_info.malloc_bytes);
	printf("total heap usage: allocs - frees = %" PRId64 ", bytes allocated >= %" PRId64 "\n",
	       stats.all.blocks.current + stats.all.blocks.total,
	       2 * stats.all.bytes[MS_REQUESTED].total + header * stats.all.blocks.total);
	printf("uninitialised: 1\n");
	printf("invalid reads: 2\n");
	printf("definitely lost: %d bytes in 1 blocks\n", LOST_BYTES);
	printf("still reachable: %d bytes in 1 blocks\n", HELD_BYTES);
	printf("possibly lost: 0 bytes in 0 blocks\n");
	return zeros + others != 4;
}
