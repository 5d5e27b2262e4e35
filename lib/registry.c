/* registry.c: the program-wide view: gauges, bookkeeping, peaks and the test reset. */
#include "internal.h"

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
	s.header_bytes = s.all.blocks.current * (int64_t)MS_HEADER_SIZE;
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

/* Each notion's short name and column header, from the one X-macro. */
static const struct {
	const char *name, *header;
} notions[] = {
#define MS_NOTION_TEXT_(id, short_name, header) { short_name, header },
	MS_NOTIONS(MS_NOTION_TEXT_)
#undef MS_NOTION_TEXT_
};

const char *ms_notion_header(enum ms_notion notion)
{
	return (unsigned)notion < MS_NOTION_COUNT ? notions[notion].header : NULL;
}

const char *ms_notion_name(enum ms_notion notion)
{
	return (unsigned)notion < MS_NOTION_COUNT ? notions[notion].name : NULL;
}
