/* tracker.c: checkpoints, Pympler's SummaryTracker: what changed, where it came from, how high it went. */
#include "memstats.h"
#include "bookkeeping.h"
#include "fault.h"
#include "gauges.h"
#include "peaks.h"
#include "sites.h"
#include "table.h"

#include <errno.h>
#include <stdlib.h>

struct ms_tracker {
	ms_summary *checkpoint;        /* what was live at the checkpoint */
	int64_t start[MS_MEASURES];    /* the program's totals then */
	uint64_t *marks;               /* each thread slot's last allocation number then */
	size_t mark_count;
	struct ms_peak_watch watch;    /* the peak since then */
};

/*
 * Where each thread's numbering stands: a block with a higher number in
 * its slot (or from a slot made later) was allocated after this point.
 */
static uint64_t *take_marks(size_t *count)
{
	size_t slots = ms_thread_slots();
	uint64_t *marks = ms_raw_calloc(slots ? slots : 1, sizeof *marks);
	if (!marks)
		return NULL;
	for (struct ms_thread *t = ms_thread_first(); t; t = t->next)
		if (t->slot < slots)
			marks[t->slot] = atomic_load_explicit(&t->next_seq, memory_order_relaxed) &
					 MS_SEQ_MASK;
	*count = slots;
	return marks;
}

static void count_bookkeeping(const ms_tracker *t, int sign)
{
	ms_bookkeeping_add(sign * (int64_t)(sizeof *t + t->mark_count * sizeof *t->marks));
}

/* Move the checkpoint to now; false (nothing changed) if memory ran out. */
static bool checkpoint(ms_tracker *t, ms_summary *now)
{
	size_t mark_count;
	uint64_t *marks = take_marks(&mark_count);
	if (!marks)
		return false;
	count_bookkeeping(t, -1);
	ms_summary_free(t->checkpoint);
	ms_raw_free(t->marks);
	t->checkpoint = now;
	t->marks = marks;
	t->mark_count = mark_count;
	count_bookkeeping(t, +1);
	ms_peak_watch_stop(&t->watch);
	ms_peak_watch_start(&t->watch, t->start);
	return true;
}

ms_tracker *ms_tracker_new(void)
{
	ms_tracker *t = ms_raw_calloc(1, sizeof *t);
	ms_summary *now = t ? ms_summarize() : NULL;
	if (!now) {
		ms_raw_free(t);
		errno = ENOMEM;
		return NULL;
	}
	count_bookkeeping(t, +1);
	ms_peak_watch_start(&t->watch, NULL);
	if (!checkpoint(t, now)) {
		ms_summary_free(now);
		ms_tracker_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void ms_tracker_free(ms_tracker *t)
{
	if (!t)
		return;
	ms_peak_watch_stop(&t->watch);
	count_bookkeeping(t, -1);
	ms_summary_free(t->checkpoint);
	ms_raw_free(t->marks);
	ms_raw_free(t);
}

/* What changed since the checkpoint, and what is live now (in *now); NULL if memory ran out. */
static ms_summary *diff_since_checkpoint(const ms_tracker *t, ms_summary **now)
{
	*now = ms_summarize();
	ms_summary *diff = *now ? ms_summary_diff(t->checkpoint, *now) : NULL;
	if (!diff) {
		ms_summary_free(*now);
		errno = ENOMEM;
	}
	return diff;
}

ms_summary *ms_tracker_diff(ms_tracker *t)
{
	ms_summary *now;
	ms_summary *diff = t ? diff_since_checkpoint(t, &now) : NULL;
	if (diff && !checkpoint(t, now)) {
		ms_summary_free(now);
		ms_summary_free(diff);
		diff = NULL;
	}
	if (!diff)
		errno = t ? ENOMEM : EINVAL;
	return diff;
}

struct ms_tracker_peak ms_tracker_peak(const ms_tracker *t)
{
	int64_t peak[MS_MEASURES] = { 0 };
	if (t)
		ms_peak_watch_read(&t->watch, peak);
	struct ms_tracker_peak p = { peak[0], { 0 } };
	for (int n = 0; n < MS_NOTION_COUNT; n++)
		p.bytes[n] = peak[n + 1];
	return p;
}

ms_sites *ms_tracker_sites(ms_tracker *t)
{
	if (!t) {
		errno = EINVAL;
		return NULL;
	}
	return ms_sites_since(t->marks, t->mark_count);
}

int ms_tracker_print_diff(ms_tracker *t, FILE *out)
{
	if (!t || !out) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * Sites and peak first: they are measured from the checkpoint. It
	 * moves only once everything is printed, so a failure leaves it.
	 */
	const int64_t *start = t->start;
	int64_t started_blocks = start[0], started_bytes = start[1 + MS_REQUESTED];
	struct ms_tracker_peak peak = ms_tracker_peak(t);
	ms_sites *sites = ms_tracker_sites(t);
	ms_summary *now = NULL;
	ms_summary *diff = sites ? diff_since_checkpoint(t, &now) : NULL;
	if (!diff) {
		ms_sites_free(sites);
		return -1;
	}
	bool failed = ms_summary_print(diff, out, NULL) != 0;
	if (!failed && ms_sites_count(sites))
		failed = fputs("Allocated since the checkpoint and still live, by site:\n", out) == EOF ||
			 ms_sites_print(sites, out, NULL) != 0;
	if (!failed && (peak.blocks > started_blocks || peak.bytes[MS_REQUESTED] > started_bytes)) {
		char high[32], then[32];
		ms_format_size_text(peak.bytes[MS_REQUESTED], high, sizeof high);
		ms_format_size_text(started_bytes, then, sizeof then);
		failed = fprintf(out, "Peak since the checkpoint: %lld blocks, %s requested\n"
				      "(at the checkpoint: %lld blocks, %s requested)\n",
				 (long long)peak.blocks, high, (long long)started_blocks, then) < 0;
	}
	/* The peak lines may still be buffered: the checkpoint moves only once they are out. */
	failed = ms_print_end(out, failed) != 0;
	/* The first failure's errno: ENOMEM from a printer's table, or the stream's. */
	int error = failed ? errno : 0;
	if (!failed && !checkpoint(t, now)) {
		failed = true;
		error = ENOMEM;
	}
	if (failed)
		ms_summary_free(now);     /* else the checkpoint holds it */
	ms_summary_free(diff);
	ms_sites_free(sites);
	if (failed)
		errno = error;
	return failed ? -1 : 0;
}
