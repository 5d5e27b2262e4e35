/* peaks.c: peaks since a point in time, one per tracker and one for the program, from one set of counters. */
#include "peaks.h"
#include "fork.h"
#include "gauges.h"

#include <pthread.h>
#include <string.h>

/*
 * The hot path keeps one peak per thread for the whole program. Here
 * that peak is read as "the peak of the current interval": a peak event
 * folds it into the program's peak and every watcher's, then restarts it
 * at the current value. A watcher's peak since it started is then the
 * larger of what it has folded and the current interval's peak: exact in
 * a single-threaded program, and independent of every other watcher.
 */
pthread_mutex_t ms_peak_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t program_peak[MS_MEASURES];     /* over closed intervals */
static struct ms_peak_watch *watchers;

/* The current interval's peak and the current values, summed over threads. */
static void interval(int64_t peak[MS_MEASURES], int64_t current[MS_MEASURES])
{
	int64_t now[MS_MEASURES];
	ms_program_now(current ? current : now, peak);
}

static void raise_to(int64_t into[MS_MEASURES], const int64_t from[MS_MEASURES])
{
	for (int m = 0; m < MS_MEASURES; m++)
		if (from[m] > into[m])
			into[m] = from[m];
}

/* Fold the current interval into everyone and start a new one. ms_peak_lock held. */
static void close_interval(int64_t current[MS_MEASURES])
{
	int64_t peak[MS_MEASURES];
	interval(peak, current);
	raise_to(program_peak, peak);
	for (struct ms_peak_watch *w = watchers; w; w = w->next)
		raise_to(w->peak, peak);
	ms_gauges_reset(MS_RESTART_PROGRAM_PEAKS);
}

void ms_peak_watch_start(struct ms_peak_watch *w, int64_t now[MS_MEASURES])
{
	ms_lock(&ms_peak_lock);
	close_interval(w->peak);
	if (now)
		memcpy(now, w->peak, sizeof w->peak);
	w->prev = NULL;
	w->next = watchers;
	if (watchers)
		watchers->prev = w;
	watchers = w;
	pthread_mutex_unlock(&ms_peak_lock);
}

void ms_peak_watch_stop(struct ms_peak_watch *w)
{
	ms_lock(&ms_peak_lock);
	if (w->prev)
		w->prev->next = w->next;
	else
		watchers = w->next;
	if (w->next)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&ms_peak_lock);
}

void ms_peak_watch_read(const struct ms_peak_watch *w, int64_t peak[MS_MEASURES])
{
	ms_lock(&ms_peak_lock);
	interval(peak, NULL);
	raise_to(peak, w->peak);
	pthread_mutex_unlock(&ms_peak_lock);
}

void ms_program_peaks(int64_t peak[MS_MEASURES])
{
	ms_lock(&ms_peak_lock);
	interval(peak, NULL);
	raise_to(peak, program_peak);
	pthread_mutex_unlock(&ms_peak_lock);
}

void ms_peak_reset(void)
{
	int64_t now[MS_MEASURES];
	ms_lock(&ms_peak_lock);
	close_interval(now);                     /* watchers keep what they saw */
	for (int m = 0; m < MS_MEASURES; m++)
		program_peak[m] = now[m];        /* the program's peak restarts at current */
	ms_gauges_reset(MS_RESTART_ALL_PEAKS);
	pthread_mutex_unlock(&ms_peak_lock);
}

void ms_peaks_zero(void)
{
	ms_lock(&ms_peak_lock);
	for (int m = 0; m < MS_MEASURES; m++)
		program_peak[m] = 0;
	for (struct ms_peak_watch *w = watchers; w; w = w->next)
		for (int m = 0; m < MS_MEASURES; m++)
			w->peak[m] = 0;
	pthread_mutex_unlock(&ms_peak_lock);
}

bool ms_peak_watchers_exist(void)
{
	ms_lock(&ms_peak_lock);
	bool any = watchers != NULL;
	pthread_mutex_unlock(&ms_peak_lock);
	return any;
}
