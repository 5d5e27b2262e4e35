/* stats.c: the registry seen whole: ms_stats and ms_live_blocks read every owner's counts, ms_reset restarts them. */
#include "memstats.h"
#include "block.h"
#include "bookkeeping.h"
#include "gauges.h"
#include "misuse.h"
#include "objtracker.h"
#include "peaks.h"
#include "types.h"

#include <errno.h>

struct ms_stats ms_stats(void)
{
	struct ms_stats s = { 0 };
	ms_gauges_sum(UINT32_MAX, &s.all);
	int64_t peak[MS_MEASURES];
	ms_program_peaks(peak);
	s.all.blocks.peak = peak[0];
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		s.all.bytes[n].peak = peak[n + 1];
	s.header_bytes = s.all.blocks.current * (int64_t)MS_COMPACT_HEADER_SIZE +
			 ms_front_beyond_compact();
	s.table_bytes = ms_bookkeeping_table_bytes();
	s.bookkeeping_bytes = s.header_bytes + s.table_bytes;
	s.misuse_count = ms_misuse_total();
	s.rows = ms_row_count();
	s.threads = ms_thread_count();
	return s;
}

int64_t ms_live_blocks(void)
{
	int64_t current[MS_MEASURES], peak[MS_MEASURES];
	ms_program_now(current, peak);
	return current[0];
}

int ms_reset(void)
{
	/*
	 * A tracker's checkpoint and an object tracker's objects are kept as
	 * allocation numbers, which a reset restarts.
	 */
	if (ms_live_blocks() != 0 || ms_peak_watchers_exist() || ms_objtrackers_exist()) {
		errno = EBUSY;
		return -1;
	}
	ms_gauges_reset(MS_ZERO_EVERYTHING);
	ms_peaks_zero();
	ms_misuse_total_reset();
	return 0;
}
