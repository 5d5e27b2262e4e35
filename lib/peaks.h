/* peaks.h: peaks over intervals, one per watcher (a tracker) and one for the program, which peaks.c folds from the gauges' one peak per thread. */
#ifndef MS_PEAKS_H
#define MS_PEAKS_H

#include "gauges.h"

#include <pthread.h>
#include <stdbool.h>

/*
 * The whole-program rows' peaks measure the current interval only; each
 * peak event (a tracker checkpoint, ms_peak_reset) folds them into the
 * program's peak and into every watcher's, then restarts them. So each
 * watcher sees the peak since it started, whatever other watchers and
 * ms_peak_reset do.
 */
struct ms_peak_watch {
	int64_t peak[MS_MEASURES];
	struct ms_peak_watch *prev, *next;
};
/*
 * Start watching from now: the peak so far is the current value, copied to
 * `now` (NULL: not wanted) before any other thread's peak event can raise it.
 */
void ms_peak_watch_start(struct ms_peak_watch *w, int64_t now[MS_MEASURES]);
/* Stop watching; `w` may then be freed. */
void ms_peak_watch_stop(struct ms_peak_watch *w);
/* The peak since `w` started, for blocks and each notion. */
void ms_peak_watch_read(const struct ms_peak_watch *w, int64_t peak[MS_MEASURES]);
/* True while any watcher (a tracker) is started. */
bool ms_peak_watchers_exist(void);
/* The whole program's peaks, since the start or the last ms_peak_reset. */
void ms_program_peaks(int64_t peak[MS_MEASURES]);
/* Forget every peak (ms_reset). */
void ms_peaks_zero(void);

/* Held while the watchers or the program's peak change (fork.c holds it across a fork). */
extern pthread_mutex_t ms_peak_lock;

#endif
