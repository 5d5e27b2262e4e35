/* chapter4_leaks.c: lesson 4, leak checkpoints: what the tutorial measured, a real leak, work that never finishes, and the fixes. */
#include "chapter4_leaks.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters.h"
#include "lesson.h"
#include "lesson_code.h"
#include "memstats.h"

/* XOR-ed with this, an address reads as a number far above user space. */
#define HIDE_ADDRESS ((uintptr_t)0xa5a5a5a5a5a5a5a5u)

/* The tag of the jobs' buffers: a row of its own. */
#define JOB_BUFFER_TAG "job buffer"

/* ------------------------------------------------------------------ */
/* A parser that leaks on its error path                               */
/* ------------------------------------------------------------------ */

/* Note a lost record in `lost`, its address hidden; the import made room for it. */
static void lost_note(struct chapter4_lost *lost, const void *record)
{
	lost->hidden[lost->count++] = (uintptr_t)record ^ HIDE_ADDRESS;
}

void *chapter4_lost_at(const struct chapter4_lost *lost, size_t i)
{
	return (void *)(lost->hidden[i] ^ HIDE_ADDRESS);
}

/* Every BAD_EVERY-th line of a batch is malformed: every tenth, or every fifth when broken. */
#ifdef BREAK_BAD_EVERY_5
#define BAD_EVERY 5
#else
#define BAD_EVERY CHAPTER4_BAD_EVERY
#endif

/*
 * Line `i` of a batch: "sensorNN=VALUE", or every BAD_EVERY-th "sensorNN
 * VALUE", its '=' missing. The last line is a good one, so a batch's peak
 * is its good records.
 */
static void batch_line(size_t i, char *line, size_t cap)
{
	bool malformed = i % BAD_EVERY == BAD_EVERY / 2;
	snprintf(line, cap, "sensor%02zu%c%zu", i, malformed ? ' ' : '=', i * 37 % 100);
}

/* What record_parse made of a line. */
enum parsed { PARSED, MALFORMED, FAILED };

/* lesson code: chapter4_record_parse */
static MS_TYPE_LEAF(record_type, struct record);

/* The length of the key in "key=value"; 0 if it is malformed. */
static size_t key_length(const char *line, size_t key_size)
{
	const char *equals = strchr(line, '=');
	size_t length = equals ? (size_t)(equals - line) : 0;
	return length < key_size ? length : 0;
}

/*
 * Parse "key=value" into a new record in *out. The record is made
 * first; on a malformed line the fixed version frees it, the leaking
 * one only notes where it was, hidden (not a pointer), for the count.
 */
static enum parsed record_parse(const char *line,
			        enum chapter4_version version,
			        struct chapter4_lost *lost,
			        struct record **out)
{
#ifdef BREAK_CHECK_FIRST
	if (key_length(line, sizeof (*out)->key) == 0)
		return MALFORMED;
#endif
	struct record *r = ms_alloc(&record_type, 1);
	if (!r)
		return FAILED;
	size_t length = key_length(line, sizeof r->key);
	if (length == 0) {
		if (version == CHAPTER4_FIXED)
			ms_free(r);
		else
			lost_note(lost, r);    /* r is lost */
		return MALFORMED;
	}
	memcpy(r->key, line, length);
	r->key[length] = '\0';
	r->value = strtoll(line + length + 1, NULL, 10);
	*out = r;
	return PARSED;
}
/* end lesson code */

int chapter4_import(enum chapter4_version version, struct chapter4_lost *lost)
{
	/* Any line may be lost: a batch starts only with room to note every one. */
	if (version == CHAPTER4_LEAKING && CHAPTER4_LOST_MAX - lost->count < CHAPTER4_BATCH_LINES)
		return -1;
	struct record *good[CHAPTER4_BATCH_LINES];
	size_t count = 0;
	enum parsed parsed = PARSED;
	for (size_t i = 0; parsed != FAILED && i < CHAPTER4_BATCH_LINES; i++) {
		char line[32];
		batch_line(i, line, sizeof line);
		parsed = record_parse(line, version, lost, &good[count]);
		if (parsed == PARSED)
			count++;
	}
	/* A real import would use the good records; this one frees them and keeps nothing. */
	for (size_t i = 0; i < count; i++)
		ms_free(good[i]);
	return parsed == FAILED ? -1 : (int)count;
}

void chapter4_lost_free(struct chapter4_lost *lost)
{
	for (size_t i = 0; i < lost->count; i++)
		ms_free(chapter4_lost_at(lost, i));
	lost->count = 0;
}

/* ------------------------------------------------------------------ */
/* Jobs that hold a buffer until they complete                         */
/* ------------------------------------------------------------------ */

/* lesson code: chapter4_jobs_submit */
struct job {
	struct job *next;
	char *buffer;     /* `size` bytes, tagged JOB_BUFFER_TAG */
	size_t size;
	int id;
};
static MS_TYPE(job_type, struct job,
	       MS_PTR(struct job, next, &job_type));

int chapter4_jobs_submit(struct chapter4_queue *queue)
{
	for (int id = 0; id < CHAPTER4_JOBS; id++) {
		struct job *job = ms_calloc(&job_type, 1);
		char *buffer = job ? ms_alloc_bytes(CHAPTER4_JOB_BUFFER,
						    JOB_BUFFER_TAG)
				   : NULL;
		if (!buffer) {
			ms_free(job);
			return -1;
		}
		*job = (struct job){ NULL, buffer, CHAPTER4_JOB_BUFFER, id };
		*queue->tail = job;
		queue->tail = &job->next;
		queue->length++;
	}
	return 0;
}
/* end lesson code */

/* lesson code: chapter4_drain */
/* Take every job off the queue, doing its work first if `work`. */
static uint64_t drain(struct chapter4_queue *queue, bool work)
{
	uint64_t sum = 0;
	while (queue->head) {
		struct job *job = queue->head;
		queue->head = job->next;
		if (work) {
			memset(job->buffer, job->id, job->size);
			for (size_t i = 0; i < job->size; i++)
				sum += (unsigned char)job->buffer[i];
		}
		ms_free(job->buffer);
		ms_free(job);
	}
	queue->tail = &queue->head;
	queue->length = 0;
	return sum;
}

uint64_t chapter4_jobs_run(struct chapter4_queue *queue)
{
	return drain(queue, true);
}

void chapter4_jobs_cancel(struct chapter4_queue *queue)
{
	drain(queue, false);
}
/* end lesson code */

/* ------------------------------------------------------------------ */
/* What the chapter leaves lost at exit                                */
/* ------------------------------------------------------------------ */

/* Add the live block `block` to `sum`. */
static void count_block(struct chapter4_blocks *sum, const void *block)
{
	struct ms_block_info info;
	if (ms_block_info(block, &info) != 0)
		return;
	sum->blocks++;
	sum->requested += info.bytes[MS_REQUESTED];
	sum->malloc_bytes += (int64_t)info.malloc_bytes;
}

struct chapter4_blocks chapter4_lost_blocks(const struct chapter4_lost *lost)
{
	struct chapter4_blocks sum = { 0, 0, 0 };
	for (size_t i = 0; i < lost->count; i++)
		count_block(&sum, chapter4_lost_at(lost, i));
	return sum;
}

void chapter4_queue_drop(struct chapter4_queue *queue, struct chapter4_dropped *dropped)
{
	dropped->hidden = queue->head ? (uintptr_t)queue->head ^ HIDE_ADDRESS : 0;
	queue->head = NULL;
	queue->tail = &queue->head;
	queue->length = 0;
}

/* lesson code: chapter4_ring_make */
int chapter4_ring_make(struct chapter4_dropped *ring)
{
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	if (chapter4_jobs_submit(&queue) != 0) {
		chapter4_jobs_cancel(&queue);
		return -1;
	}
	/* The tail is the last job's next: the first closes the ring. */
	*queue.tail = queue.head;
	chapter4_queue_drop(&queue, ring);
	return 0;
}
/* end lesson code */

void *chapter4_dropped_job(const struct chapter4_dropped *dropped)
{
	return dropped->hidden ? (void *)(dropped->hidden ^ HIDE_ADDRESS) : NULL;
}

/* The job after `job` in dropped jobs that start at `first`: NULL after the last. */
static const struct job *next_dropped(const struct job *job, const struct job *first)
{
	return job->next == first ? NULL : job->next;
}

void chapter4_dropped_blocks(const struct chapter4_dropped *dropped,
			     struct chapter4_blocks *jobs, struct chapter4_blocks *buffers)
{
	*jobs = *buffers = (struct chapter4_blocks){ 0, 0, 0 };
	const struct job *first = chapter4_dropped_job(dropped);
	for (const struct job *job = first; job; job = next_dropped(job, first)) {
		count_block(jobs, job);
		count_block(buffers, job->buffer);
	}
}

void chapter4_dropped_free(struct chapter4_dropped *dropped)
{
	struct job *first = chapter4_dropped_job(dropped);
	if (!first)
		return;
	/* Cut before the kept job (a ring's) and the jobs are a queue from it: cancel it. */
	struct job *last = first;
	while (next_dropped(last, first))
		last = last->next;
	last->next = NULL;
	struct chapter4_queue queue = { first, &last->next, 0 };
	chapter4_jobs_cancel(&queue);
	dropped->hidden = 0;
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                         */
/* ------------------------------------------------------------------ */

/* A tracker, and what was live at its checkpoint (the peak is read against it). */
struct checkpoint {
	ms_tracker *tracker;
	int64_t blocks;
	int64_t requested;
};

/* Note what is live now, as the checkpoint just taken saw it. */
static void note_live(struct checkpoint *cp)
{
	struct ms_stats stats = ms_stats();
	cp->blocks = stats.all.blocks.current;
	cp->requested = stats.all.bytes[MS_REQUESTED].current;
}

/* Take the first checkpoint: 0, or -1 if out of memory. */
static int checkpoint_start(struct checkpoint *cp)
{
	cp->tracker = ms_tracker_new();
	note_live(cp);
	return cp->tracker ? 0 : -1;
}

/* What a checkpoint saw since the one before. */
struct seen {
	ms_summary *diff;
	ms_sites *sites;           /* allocated since and still live, by site */
	int64_t peak_blocks;       /* the most live at once, above the checkpoint before */
	int64_t peak_requested;
};
#define SEEN_NONE { NULL, NULL, 0, 0 }

/* Free what a checkpoint saw, and forget it: freeing it again does nothing. */
static void seen_free(struct seen *seen)
{
	ms_summary_free(seen->diff);
	ms_sites_free(seen->sites);
	*seen = (struct seen)SEEN_NONE;
}

/* lesson code: chapter4_checkpoint_take */
/* What changed since the checkpoint; moves it to now. 0, or -1. */
static int checkpoint_take(struct checkpoint *cp, struct seen *seen)
{
	/* Sites and peak first: the diff moves their checkpoint. */
	struct ms_tracker_peak peak = ms_tracker_peak(cp->tracker);
	seen->sites = ms_tracker_sites(cp->tracker);
	seen->diff = seen->sites ? ms_tracker_diff(cp->tracker) : NULL;
	/* cp holds what was live at the checkpoint */
	seen->peak_blocks = peak.blocks - cp->blocks;
	seen->peak_requested = peak.bytes[MS_REQUESTED] - cp->requested;
	note_live(cp);
	if (!seen->diff) {
		seen_free(seen);
		return -1;
	}
	return 0;
}
/* end lesson code */

/* Print what a checkpoint saw: the diff, the sites if any, the peak. */
static void print_seen(struct lesson *lesson, const struct seen *seen)
{
	lesson_table(lesson, seen->diff);
	if (ms_sites_count(seen->sites) > 0) {
		lesson_para(lesson, "Allocated since the checkpoint and still live, by site:");
		lesson_sites(lesson, seen->sites);
	}
	if (seen->peak_blocks > 0 || seen->peak_requested > 0)
		lesson_para(lesson,
			    "Peak since the checkpoint: %" PRId64 " blocks and %" PRId64
			    " requested bytes above what was live at it.",
			    seen->peak_blocks, seen->peak_requested);
	else
		lesson_para(lesson, "Peak since the checkpoint: nothing above what was live at it.");
}

/* ------------------------------------------------------------------ */
/* The experiments, as the lesson shows them                           */
/* ------------------------------------------------------------------ */

/* lesson code: chapter4_tutorial */
/*
 * The tutorial's script,
 *
 *     async def test_fxn():
 *         import time
 *         my_dict = {"x":0}
 *         time.sleep(5)
 *         return 0
 *
 *     tr = tracker.SummaryTracker()
 *     tr.print_diff()
 *     test_fxn()
 *     tr.print_diff()
 *
 * in C:
 */
static int tutorial(struct seen *first, struct seen *second)
{
	struct checkpoint cp;
	int status = checkpoint_start(&cp);     /* SummaryTracker() */
	if (status == 0)
		status = checkpoint_take(&cp, first);   /* print_diff() */
	/* test_fxn() without await: nothing runs */
	if (status == 0)
		status = checkpoint_take(&cp, second);  /* print_diff() */
	ms_tracker_free(cp.tracker);
	return status;
}
/* end lesson code */

/* One leaking import between two checkpoints, its lost records noted in `lost`. */
static int leak_once(struct chapter4_lost *lost, struct seen *seen, int *good)
{
	struct checkpoint cp;
	int status = checkpoint_start(&cp);
	if (status == 0) {
		*good = chapter4_import(CHAPTER4_LEAKING, lost);
		status = *good < 0 ? -1 : checkpoint_take(&cp, seen);
	}
	ms_tracker_free(cp.tracker);
	return status;
}

/* lesson code: chapter4_hold_jobs */
/* Queue the jobs, read a checkpoint, cancel them, read the next. */
static int hold_jobs(struct chapter4_queue *queue,
		     struct checkpoint *cp,
		     struct seen *held, struct seen *after)
{
	int status = chapter4_jobs_submit(queue);
	if (status == 0)
		status = checkpoint_take(cp, held);
#ifndef BREAK_NO_CANCEL
	chapter4_jobs_cancel(queue);
#endif
	if (status == 0)
		status = checkpoint_take(cp, after);
	return status;
}
/* end lesson code */

/* lesson code: chapter4_finish_jobs */
/* The held work's fix: the jobs complete, and each frees itself. */
static int finish_jobs(struct checkpoint *cp, struct seen *seen)
{
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	int status = chapter4_jobs_submit(&queue);
	chapter4_jobs_run(&queue);
	return status == 0 ? checkpoint_take(cp, seen) : -1;
}
/* end lesson code */

/* ------------------------------------------------------------------ */
/* The lesson                                                          */
/* ------------------------------------------------------------------ */

/* A diff's rows added up: how many, and their blocks and requested bytes. */
struct change {
	size_t rows;
	int64_t blocks;
	int64_t requested;
};

static struct change diff_change(const ms_summary *diff)
{
	struct change sum = { ms_summary_count(diff), 0, 0 };
	for (size_t i = 0; i < sum.rows; i++) {
		const struct ms_summary_row *row = ms_summary_row(diff, i);
		sum.blocks += row->g.blocks.current;
		sum.requested += row->g.bytes[MS_REQUESTED].current;
	}
	return sum;
}

/* Whether a checkpoint saw nothing: no row in its diff, nothing above it at its peak. */
static bool seen_nothing(const struct seen *seen)
{
	return ms_summary_count(seen->diff) == 0 && seen->peak_blocks <= 0;
}

/* (1) The tutorial's experiment, and the same nothing in C: what its two checkpoints saw. */
static void print_tutorial(struct lesson *lesson, const struct seen *first,
			   const struct seen *second)
{
	lesson_subheading(lesson, "What the tutorial measured");
	lesson_para(lesson,
		    "The tutorial simulates a leak with an async function that sleeps. "
		    "Here is its script, in a comment over the same in C, which this "
		    "chapter runs:");
	lesson_code(lesson, LESSON_CODE_chapter4_tutorial);
	lesson_para(lesson,
		    "Calling an async def function without await does not run it: "
		    "test_fxn() only makes a coroutine object, which is dropped at once. "
		    "The body never runs, my_dict is never made, and the script ends in "
		    "0.47 seconds, with no 5-second sleep. Python warns that coroutine "
		    "'test_fxn' was never awaited, and printing that warning imports and "
		    "builds modules: the second diff's 193 code objects, 45 dicts and 445 "
		    "strings are that machinery. The first diff is the tracker's own "
		    "first summary, thousands of lists and strings, and a third diff "
		    "right after shows the tracker's own rows again. Nothing leaked.");
	lesson_para(lesson,
		    "In C, checkpoint_start makes a memstats tracker, as "
		    "tracker.SummaryTracker() does, and each checkpoint_take is a "
		    "print_diff(): it reads what changed since the checkpoint (shown "
		    "with the leak, below), which the lesson prints. The first diff:");
	print_seen(lesson, first);
	lesson_para(lesson, "The second:");
	print_seen(lesson, second);
	if (seen_nothing(first) && seen_nothing(second))
		lesson_para(lesson,
			    "Both are empty. A tracker's checkpoint (a summary, and where "
			    "each thread's allocation numbers stand) is memstats' "
			    "bookkeeping, never in a row, so even the first diff does not "
			    "see the tracker. With nothing in between, the second diff "
			    "shows nothing, and nothing came and went either. That is what "
			    "Pympler's second diff would have shown without the warning and "
			    "the tracker's own rows. ms_tracker_diff returns the diff and "
			    "moves the checkpoint to now, as print_diff() does.");
	else
		lesson_para(lesson,
			    "The diffs are not both empty (%zu rows, then %zu), though the "
			    "script runs nothing between its checkpoints: a diff shows "
			    "whatever any part of the program allocated meanwhile.",
			    ms_summary_count(first->diff), ms_summary_count(second->diff));
}

static int show_tutorial(struct lesson *lesson)
{
	struct seen first = SEEN_NONE, second = SEEN_NONE;
	int status = tutorial(&first, &second);
	if (status == 0)
		print_tutorial(lesson, &first, &second);
	seen_free(&first);
	seen_free(&second);
	return status;
}

/*
 * (2) A parser that loses a record on each malformed line: what one
 * leaking import of a batch with `good` good lines, which lost `lost`
 * records, left at its checkpoint.
 */
static void print_leak(struct lesson *lesson, const struct seen *seen, int good, size_t lost)
{
	lesson_subheading(lesson, "A real leak");
	lesson_para(lesson,
		    "A real leak is memory the program can no longer free, because it "
		    "holds no pointer to it. Here an import parses lines such as "
		    "\"sensor07=59\" into records with this parser, whose error path "
		    "frees the record in the fixed version and forgets it in the "
		    "leaking one:");
	lesson_code(lesson, LESSON_CODE_chapter4_record "\n\n" LESSON_CODE_chapter4_record_parse);
	lesson_para(lesson,
		    "BREAK_CHECK_FIRST is one of this lesson's Break it switches, off "
		    "unless the chapter is built with make chapter4 BREAK=check-first. "
		    "One import parses a batch of %d lines, of which every %dth is "
		    "malformed, uses the good records and frees them. Around it, a "
		    "checkpoint. checkpoint_take reads the site table and the peak before "
		    "the diff, which moves the checkpoint:",
		    CHAPTER4_BATCH_LINES, BAD_EVERY);
	lesson_code(lesson, LESSON_CODE_chapter4_checkpoint_take);
	print_seen(lesson, seen);
	size_t malformed = CHAPTER4_BATCH_LINES - (size_t)good;
	/* The leak's one site, if it lost anything. */
	const struct ms_site_row *site = ms_sites_row(seen->sites, 0);
	char per_line[48];
	snprintf(per_line, sizeof per_line, lost == malformed ? "one per malformed line"
					    : "from %zu malformed lines", malformed);
	char found[640];
	if (lost > 0 && site)
		snprintf(found, sizeof found,
			 "The diff shows %zu records, %s: the parser "
			 "allocates a record before it checks the line, and the leaking "
			 "version's error path forgets it. A leak grows with the work that "
			 "triggers it. The site table names the line that allocated them, "
			 "%s:%d, the ms_alloc in record_parse; the error path that lost them "
			 "is below it, and valgrind's report points at the same line through "
			 "the allocation's stack.",
			 lost, per_line, site->file, site->line);
	else
		snprintf(found, sizeof found,
			 "The diff is empty, and there is no site table: this import lost "
			 "nothing.%s",
			 seen->peak_blocks <= good ? " Its parser made no record for a malformed "
						     "line, so it had none to forget."
						   : "");
	lesson_para(lesson,
		    "%s The peak shows what no diff can: %" PRId64 " records were live at "
		    "once, before the %d good ones were freed. ms_tracker_print_diff(tr, "
		    "out) prints the diff, the sites and the peak in one call, as "
		    "Pympler's print_diff() prints its diff.",
		    found, seen->peak_blocks, good);
}

static int show_leak(struct lesson *lesson, struct chapter4_lost *lost)
{
	size_t lost_before = lost->count;
	int good = 0;
	struct seen seen = SEEN_NONE;
	int status = leak_once(lost, &seen, &good);
	if (status == 0)
		print_leak(lesson, &seen, good, lost->count - lost_before);
	seen_free(&seen);
	return status;
}

/*
 * (3) Jobs queued and never completed: the checkpoint while they were
 * held, and after; `leaked` if the leak before showed what it lost.
 */
static void print_held_work(struct lesson *lesson, const struct seen *held,
			    const struct seen *after, bool leaked)
{
	lesson_subheading(lesson, "Memory held by work that never finishes");
	lesson_para(lesson,
		    "What the tutorial meant to show is another thing: memory held by "
		    "work that was started and never finished. Here a server queues %d "
		    "jobs, each with a %d-byte buffer for its reply, and the replies "
		    "never come:",
		    CHAPTER4_JOBS, CHAPTER4_JOB_BUFFER);
	lesson_code(lesson, LESSON_CODE_chapter4_jobs_submit);
	print_seen(lesson, held);
	lesson_para(lesson,
		    "The tracker shows the growth, by type and by site%s. The "
		    "difference is who still holds the memory. valgrind judges that at "
		    "exit by reachability: it starts from the roots, the registers, the "
		    "stacks and the globals, and follows pointers from block to block. "
		    "Were the program to exit now, with the queue in hand, these blocks "
		    "would be \"still reachable\": a chain of pointers to blocks' starts "
		    "leads to each of them from a root, from the queue on the stack to "
		    "the first job, from each job to the next and to its buffer. Nothing "
		    "is lost; the work is only never finished.",
		    leaked ? ", as it did for the leak" : "");
	lesson_para(lesson,
		    "That holds with memstats in between, though memstats keeps its "
		    "bookkeeping in a header in front of the program's bytes, so the "
		    "program's pointer points into the middle of a malloc block, and "
		    "valgrind calls a block that the roots reach only through such "
		    "interior pointers \"possibly lost\". memstats tells valgrind "
		    "where the program's block starts. hold_jobs read the checkpoint "
		    "above while the jobs were queued; cancelling takes each job off the "
		    "queue and frees it with its buffer, and then hold_jobs reads the "
		    "next (BREAK_NO_CANCEL, another Break it switch, leaves the cancel "
		    "out):");
	lesson_code(lesson, LESSON_CODE_chapter4_hold_jobs "\n\n" LESSON_CODE_chapter4_drain);
	print_seen(lesson, after);
	struct change queued = diff_change(held->diff), gone = diff_change(after->diff);
	int64_t left = queued.blocks + gone.blocks;
	char still[48];
	snprintf(still, sizeof still,
		 left == queued.blocks ? "all %" PRId64 : "%" PRId64 " of the %" PRId64, left,
		 queued.blocks);
	if (left == 0)
		lesson_para(lesson,
			    "The jobs are gone, all %" PRId64 " blocks: the chapter cancelled "
			    "them before it went on, so none is still reachable at its end "
			    "either.",
			    queued.blocks);
	else
		lesson_para(lesson,
			    "The jobs were not cancelled: %s of their blocks are still "
			    "live. When the function that holds their queue "
			    "returns, the queue goes with it, and with it the only pointer "
			    "from a root to the first job: at exit these jobs are lost, not "
			    "still reachable (What valgrind will say, below).",
			    still);
}

/* Held work, its queue dropped at the end and noted in `dropped` if any job is left in it. */
static int show_held_work(struct lesson *lesson, struct chapter4_dropped *dropped, bool leaked)
{
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	struct checkpoint cp;
	struct seen held = SEEN_NONE, after = SEEN_NONE;
	int status = checkpoint_start(&cp);
	if (status == 0)
		status = hold_jobs(&queue, &cp, &held, &after);
	ms_tracker_free(cp.tracker);
	/* Jobs left queued are lost when this frame goes: noted, hidden, to be counted. */
	chapter4_queue_drop(&queue, dropped);
	if (status == 0)
		print_held_work(lesson, &held, &after, leaked);
	seen_free(&held);
	seen_free(&after);
	return status;
}

/*
 * (4) The fixed parser and the jobs that complete, each between two
 * checkpoints: what the fixed import of `good` good lines left, and what
 * the finished jobs did.
 */
static void print_fixes(struct lesson *lesson, const struct seen *parsed, int good,
			const struct seen *finished)
{
	lesson_subheading(lesson, "The fixes");
	lesson_para(lesson,
		    "The fixed parser is record_parse with CHAPTER4_FIXED: its error "
		    "path frees the record, ms_free(r), before it returns. One import "
		    "with it, between two checkpoints:");
	print_seen(lesson, parsed);
	struct change left = diff_change(parsed->diff);
	if (left.rows == 0)
		lesson_para(lesson,
			    "The diff is empty: nothing allocated since the checkpoint is "
			    "still live, so there is no site table either. The peak still "
			    "shows the work, the %" PRId64 " %srecords live at once and freed "
			    "before the checkpoint was read.",
			    parsed->peak_blocks, parsed->peak_blocks == good ? "good " : "");
	else
		lesson_para(lesson,
			    "The diff is not empty: %" PRId64 " blocks allocated since the "
			    "checkpoint are still live.",
			    left.blocks);
	lesson_para(lesson, "The held work's fix is to finish it: each job completes "
			    "and frees its buffer and itself (chapter4_jobs_run, above).");
	lesson_code(lesson, LESSON_CODE_chapter4_finish_jobs);
	print_seen(lesson, finished);
	if (ms_summary_count(finished->diff) == 0)
		lesson_para(lesson,
			    "Empty again, and the peak is the %" PRId64 " jobs with their "
			    "buffers: all of it came and went between the two checkpoints. An "
			    "empty diff says nothing is left over, not that nothing happened; "
			    "the peak says how much did.",
			    finished->peak_blocks / 2);
	else
		lesson_para(lesson,
			    "The diff is not empty: %" PRId64 " blocks of the finished jobs "
			    "are still live.",
			    diff_change(finished->diff).blocks);
}

static int show_fixes(struct lesson *lesson)
{
	struct checkpoint cp;
	struct seen parsed = SEEN_NONE, finished = SEEN_NONE;
	int good = 0;
	int status = checkpoint_start(&cp);
	if (status == 0) {
		good = chapter4_import(CHAPTER4_FIXED, NULL);
		status = good < 0 ? -1 : checkpoint_take(&cp, &parsed);
	}
	if (status == 0)
		status = finish_jobs(&cp, &finished);
	ms_tracker_free(cp.tracker);
	if (status == 0)
		print_fixes(lesson, &parsed, good, &finished);
	seen_free(&parsed);
	seen_free(&finished);
	return status;
}

/*
 * One version's rounds: requested bytes live and at the peak at each
 * checkpoint, above the first; what each diff added, with its first
 * row's name; and the good lines of a batch.
 */
struct series {
	int64_t live[1 + CHAPTER4_ROUNDS];
	int64_t peak[1 + CHAPTER4_ROUNDS];
	struct change added[1 + CHAPTER4_ROUNDS];
	char row[1 + CHAPTER4_ROUNDS][32];
	int good;
};

/* Import CHAPTER4_ROUNDS times with a checkpoint after each: 0, or -1 if out of memory. */
static int measure_rounds(enum chapter4_version version, struct chapter4_lost *lost,
			  struct series *series)
{
	struct checkpoint cp;
	if (checkpoint_start(&cp) != 0)
		return -1;
	const int64_t first = cp.requested;
	memset(series, 0, sizeof *series);
	int status = 0;
	for (int round = 1; status == 0 && round <= CHAPTER4_ROUNDS; round++) {
		struct seen seen;
		int64_t before = cp.requested;
		series->good = chapter4_import(version, lost);
		status = series->good < 0 ? -1 : checkpoint_take(&cp, &seen);
		if (status != 0)
			break;
		series->live[round] = cp.requested - first;
		series->peak[round] = before - first + seen.peak_requested;
		series->added[round] = diff_change(seen.diff);
		if (series->added[round].rows > 0)
			snprintf(series->row[round], sizeof series->row[round], "%s",
				 ms_summary_row(seen.diff, 0)->name);
		seen_free(&seen);
	}
	ms_tracker_free(cp.tracker);
	return status;
}

/* The rounds whose diff added what round 1's did, in the same row. */
static int rounds_like_first(const struct series *s)
{
	int same = 0;
	for (int round = 1; round <= CHAPTER4_ROUNDS; round++)
		same += s->added[round].rows == s->added[1].rows &&
			s->added[round].blocks == s->added[1].blocks &&
			s->added[round].requested == s->added[1].requested &&
			strcmp(s->row[round], s->row[1]) == 0;
	return same;
}

/* Whether every round of `a` peaked above the same round of `b`. */
static bool peaks_above(const struct series *a, const struct series *b)
{
	for (int round = 1; round <= CHAPTER4_ROUNDS; round++)
		if (a->peak[round] <= b->peak[round])
			return false;
	return true;
}

/* Whether every checkpoint of `s` had as much live as the last. */
static bool live_flat(const struct series *s)
{
	for (int round = 0; round < CHAPTER4_ROUNDS; round++)
		if (s->live[round] != s->live[CHAPTER4_ROUNDS])
			return false;
	return true;
}

/* What the leaking rounds added, in a sentence that ends the way the figures do. */
static void leaking_rounds_text(const struct series *leaking, char *text, size_t size)
{
	const struct change *first = &leaking->added[1];
	size_t malformed = CHAPTER4_BATCH_LINES - (size_t)leaking->good;
	int same = rounds_like_first(leaking);
	char each[48];
	snprintf(each, sizeof each, same == CHAPTER4_ROUNDS ? "Each leaking diff is"
					: "%d of the %d leaking diffs are", same, CHAPTER4_ROUNDS);
	if (first->rows == 0)
		snprintf(text, size,
			 "%s empty: the leaking version loses nothing here, and its live "
			 "bytes stay at %" PRId64 ".",
			 each, leaking->live[CHAPTER4_ROUNDS]);
	else
		snprintf(text, size,
			 "%s the same row, %" PRId64 " %s blocks of %" PRId64 " bytes, %s: "
			 "the live bytes climb by as much at every import, without end.",
			 each, first->blocks, leaking->row[1], first->requested,
			 first->blocks == (int64_t)malformed ? "the records of the malformed lines"
							     : "from the malformed lines");
}

/* The rounds side by side, in the lesson and in the data file. */
static int show_rounds(struct lesson *lesson, struct chapter4_lost *lost, FILE *data)
{
	struct series leaking, fixed;
	if (measure_rounds(CHAPTER4_LEAKING, lost, &leaking) != 0 ||
	    measure_rounds(CHAPTER4_FIXED, NULL, &fixed) != 0)
		return -1;
	lesson_subheading(lesson, "Checkpoint after checkpoint");
	lesson_para(lesson,
		    "A leak repeats itself at every checkpoint. Here are %d more imports "
		    "of each version, with a checkpoint after each. The figures are "
		    "requested bytes above what was live at the first checkpoint; a peak "
		    "is the highest since the checkpoint before:",
		    CHAPTER4_ROUNDS);
	struct lesson_grid_row rows[2 + CHAPTER4_ROUNDS] = {
		{ { "checkpoint", "leaking live", "leaking peak", "fixed live", "fixed peak" } }
	};
	if (data)
		lesson_data_begin(data, "chapter 4: requested bytes live at each checkpoint, "
					"above the first, leaking against fixed",
				  "checkpoint leaking_live leaking_peak fixed_live fixed_peak");
	for (int round = 0; round <= CHAPTER4_ROUNDS; round++) {
		const int64_t figures[4] = { leaking.live[round], leaking.peak[round],
					     fixed.live[round], fixed.peak[round] };
		snprintf(rows[1 + round].cell[0], LESSON_CELL_SIZE, "%d", round);
		for (int c = 0; c < 4; c++)
			snprintf(rows[1 + round].cell[1 + c], LESSON_CELL_SIZE, "%" PRId64,
				 figures[c]);
		if (data)
			fprintf(data, "%d %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", round,
				figures[0], figures[1], figures[2], figures[3]);
	}
	if (data)
		lesson_data_end(data);
	lesson_grid(lesson, 5, 2 + CHAPTER4_ROUNDS, rows);
	char added[320];
	leaking_rounds_text(&leaking, added, sizeof added);
	lesson_para(lesson,
		    "%s The fixed version's %s %" PRId64 ". Both peaks carry each batch's "
		    "good records; %s. ./chapter4 --data DIR writes these columns to "
		    "DIR/chapter4.dat, and plots/leak.gp draws them.",
		    added, live_flat(&fixed) ? "stay at" : "end at", fixed.live[CHAPTER4_ROUNDS],
		    peaks_above(&leaking, &fixed) ? "the leaking one rides on its leak"
						  : "with no leak to ride on, the leaking one "
						    "is no higher");
	return 0;
}

/* The sum of two counts of blocks. */
static struct chapter4_blocks blocks_plus(struct chapter4_blocks a, struct chapter4_blocks b)
{
	return (struct chapter4_blocks){ a.blocks + b.blocks, a.requested + b.requested,
					 a.malloc_bytes + b.malloc_bytes };
}

/* Row `row` of valgrind's figures: its line's name, bytes and blocks. */
static void figure_row(struct lesson_grid_row *row, const char *line, const char *bytes,
		       int64_t blocks)
{
	snprintf(row->cell[0], LESSON_CELL_SIZE, "%s", line);
	snprintf(row->cell[1], LESSON_CELL_SIZE, "%s", bytes);
	snprintf(row->cell[2], LESSON_CELL_SIZE, "%" PRId64, blocks);
}

/* The same with a count of bytes. */
static void figure_row_bytes(struct lesson_grid_row *row, const char *line, int64_t bytes,
			     int64_t blocks)
{
	char text[LESSON_CELL_SIZE];
	snprintf(text, sizeof text, "%" PRId64, bytes);
	figure_row(row, line, text, blocks);
}

/*
 * valgrind's HEAP SUMMARY of a run that leaves `left` allocated at exit
 * and began at `start`, as the first two rows of `rows`: malloc's blocks
 * in use, and every allocation.
 */
static void heap_summary(struct lesson *lesson, struct chapter4_blocks left,
			 const struct ms_stats *start, struct lesson_grid_row *rows)
{
	struct ms_stats now = ms_stats();
	int64_t made = now.all.blocks.total - start->all.blocks.total;
	int64_t requested = now.all.bytes[MS_REQUESTED].total - start->all.bytes[MS_REQUESTED].total;
	/*
	 * Each live block has one header, and every block of the chapter is
	 * under 32 KiB, so all are compact (lib/block.h): their bytes over the
	 * live blocks are one header's.
	 */
	int64_t header = now.all.blocks.current ? now.header_bytes / now.all.blocks.current : 0;
	int64_t at_least = 2 * requested + made * header;
	lesson_para(lesson,
		    "Each block left is one malloc block: memstats' %" PRId64 "-byte header, "
		    "then the program's bytes. memstats describes the program's bytes "
		    "to valgrind as a block of a memory pool, with a client request "
		    "(VALGRIND_MEMPOOL_ALLOC, which does nothing outside valgrind), and "
		    "valgrind's leak check judges that block in place of the malloc "
		    "block around it. The report ends with two summaries. The HEAP "
		    "SUMMARY counts malloc's blocks, and a pool's block not again: in use "
		    "at exit are the %" PRId64 " blocks left, with the %" PRId64 " bytes "
		    "memstats asked malloc for: each request, padded to malloc's smallest "
		    "block, and a header. Its total heap usage counts every malloc and "
		    "free of the run, the lesson's text, stdio's buffer and memstats' "
		    "summaries among them, and each description once more as an "
		    "allocation, but not its end as a free. The chapter allocated %" PRId64
		    " blocks, so valgrind's allocs exceed its frees by %" PRId64 ", the %" PRId64
		    " in use and those %" PRId64 "; and its bytes allocated count their %" PRId64
		    " requested bytes twice and their headers once, at least 2 x %" PRId64
		    " + %" PRId64 " x %" PRId64 " = %" PRId64 ".",
		    header, left.blocks, left.malloc_bytes, made, left.blocks + made,
		    left.blocks, made, requested, requested, made, header, at_least);
	figure_row_bytes(&rows[0], "in use at exit", left.malloc_bytes, left.blocks);
	char bytes[LESSON_CELL_SIZE];
	snprintf(bytes, sizeof bytes, ">= %" PRId64, at_least);
	figure_row(&rows[1], "total heap usage", bytes, left.blocks + made);
}

/* What valgrind will find lost at exit, as the program asked for each block. */
struct lost_kinds {
	struct chapter4_blocks definitely;
	struct chapter4_blocks indirectly;
	struct chapter4_blocks all;     /* the two together, as malloc holds them too */
	int64_t dropped_firsts;         /* dropped jobs valgrind counts definitely lost */
	int64_t other_jobs, buffers;    /* the dropped jobs' rest, indirectly lost */
};

/*
 * Add dropped jobs to `kinds`: one job definitely lost, the job no other
 * points at or, in a ring, whichever valgrind meets first (they are all
 * one size); the other jobs and every buffer indirectly lost, reachable
 * only through it. No jobs add nothing.
 */
static void add_dropped(struct lost_kinds *kinds, const struct chapter4_dropped *dropped)
{
	struct chapter4_blocks jobs, buffers;
	chapter4_dropped_blocks(dropped, &jobs, &buffers);
	if (jobs.blocks == 0)
		return;
	struct chapter4_blocks one_job = { 1, jobs.requested / jobs.blocks,
					   jobs.malloc_bytes / jobs.blocks };
	struct chapter4_blocks rest = { jobs.blocks - 1, jobs.requested - one_job.requested,
					jobs.malloc_bytes - one_job.malloc_bytes };
	kinds->definitely = blocks_plus(kinds->definitely, one_job);
	kinds->indirectly = blocks_plus(kinds->indirectly, blocks_plus(rest, buffers));
	kinds->all = blocks_plus(kinds->all, blocks_plus(jobs, buffers));
	kinds->dropped_firsts++;
	kinds->other_jobs += rest.blocks;
	kinds->buffers += buffers.blocks;
}

/* What is lost and how, in the words of the sentence on valgrind's count. */
static void lost_text(const struct chapter4_blocks *records, const struct chapter4_dropped *held,
		      const struct lost_kinds *kinds, char *text, size_t size)
{
	const char *firsts[3];
	size_t n = 0;
	if (records->blocks > 0)
		firsts[n++] = "the records";
	if (chapter4_dropped_job(held))
		firsts[n++] = "the first job of the held queue";
	firsts[n++] = "one job of the ring";
	size_t used = (size_t)snprintf(text, size, "valgrind counts ");
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(text + used, size - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " and " : ", ", firsts[i]);
	if (used < size)
		snprintf(text + used, size - used,
			 " definitely lost; the other %" PRId64 " jobs and the %" PRId64
			 " buffers are indirectly lost, reachable only through %s.",
			 kinds->other_jobs, kinds->buffers,
			 kinds->dropped_firsts > 1 ? "those jobs" : "it");
}

/*
 * (5) What the program leaves at exit, and what valgrind will count: the
 * lost records, the held jobs if they were dropped, and a lost ring of
 * jobs, the run having begun at `start`.
 */
static int show_valgrind(struct lesson *lesson, const struct chapter4_lost *lost,
			 const struct chapter4_dropped *held, struct chapter4_dropped *ring,
			 const struct ms_stats *start)
{
	if (chapter4_ring_make(ring) != 0)
		return -1;
	lesson_subheading(lesson, "What valgrind will say");
	lesson_para(lesson,
		    "valgrind --leak-check=full sorts the blocks still allocated at exit "
		    "by reachability. Its roots are the registers of every thread and "
		    "every initialised, aligned, pointer-sized word of the program's "
		    "memory outside heap blocks: the stacks, the globals, memory the "
		    "program mapped. From them it follows pointers from block to block; "
		    "a start pointer points at a block's first byte, an interior pointer "
		    "into its middle. A block that a chain of start pointers reaches from "
		    "a root is \"still reachable\"; one that chains from the roots "
		    "reach, but each through at least one interior pointer, is "
		    "\"possibly lost\". No chain from a root reaches the rest: they are "
		    "lost. A lost block that another lost block points at is "
		    "\"indirectly lost\", reachable only from lost blocks, and one that "
		    "none points at is \"definitely lost\". A ring of lost blocks that "
		    "nothing outside it points at would have no definitely lost block, "
		    "so valgrind counts one block of the ring definitely lost and the "
		    "rest indirectly lost. \"Definitely lost\" means that no pointer "
		    "from a root is left, not that no pointer is.");
	struct chapter4_blocks records = chapter4_lost_blocks(lost), held_jobs, held_buffers;
	chapter4_dropped_blocks(held, &held_jobs, &held_buffers);
	struct lost_kinds kinds = { records, { 0, 0, 0 }, records, 0, 0, 0 };
	add_dropped(&kinds, held);
	struct chapter4_blocks ring_jobs, ring_buffers;
	chapter4_dropped_blocks(ring, &ring_jobs, &ring_buffers);
	add_dropped(&kinds, ring);
	char records_text[160], held_text[320];
	if (records.blocks > 0)
		snprintf(records_text, sizeof records_text,
			 "Its leaking imports lost %" PRId64 " records, %" PRId64 " bytes "
			 "requested, with no pointer to any of them left.",
			 records.blocks, records.requested);
	else
		snprintf(records_text, sizeof records_text, "Its leaking imports lost no record.");
	if (held_jobs.blocks > 0)
		snprintf(held_text, sizeof held_text,
			 " The %" PRId64 " jobs it held were never cancelled: their queue "
			 "went with the function that held it, and with it the only pointer "
			 "to the first job; each job still points at the next.",
			 held_jobs.blocks);
	else
		held_text[0] = '\0';
	lesson_para(lesson,
		    "Run as a program, this chapter leaves lost memory at exit. (Its "
		    "tests run it in-process and free it at the end.) %s%s And it leaves "
		    "a ring of %" PRId64 " jobs, each with its buffer: a queue whose last "
		    "job points back at the first, dropped without being cancelled, so "
		    "every job has a pointer to it, from the job before:",
		    records_text, held_text, ring_jobs.blocks);
	lesson_code(lesson, LESSON_CODE_chapter4_ring_make);
	char count_text[400];
	lost_text(&records, held, &kinds, count_text, sizeof count_text);
	lesson_para(lesson,
		    "%s The chapter kept each lost address XOR-ed with a constant, which "
		    "no leak checker takes for a pointer.",
		    count_text);
	struct lesson_grid_row rows[7] = { { { "valgrind's line", "bytes", "blocks" } } };
	heap_summary(lesson, kinds.all, start, &rows[1]);
	lesson_para(lesson,
		    "The LEAK SUMMARY counts the pool's blocks, each as the program asked "
		    "for it, on any machine. Both summaries, then, line by line; for the "
		    "total heap usage, the least its bytes allocated can be, and its "
		    "allocs less its frees:");
	figure_row_bytes(&rows[3], "definitely lost", kinds.definitely.requested,
			 kinds.definitely.blocks);
	figure_row_bytes(&rows[4], "indirectly lost", kinds.indirectly.requested,
			 kinds.indirectly.blocks);
	figure_row_bytes(&rows[5], "possibly lost", 0, 0);
	figure_row_bytes(&rows[6], "still reachable", 0, 0);
	lesson_grid(lesson, 3, 7, rows);
	lesson_para(lesson,
		    "make check runs valgrind on ./chapter4 and holds both summaries to "
		    "these figures: nothing may be possibly lost or still reachable, "
		    "since %s.",
		    held_jobs.blocks > 0 ? "the held jobs, never cancelled, are lost, not held"
					 : "the held jobs were cancelled");
	return 0;
}

int chapter4_run(FILE *out, const struct chapter_opts *opts)
{
	int failed = 0;
	FILE *data = lesson_data_open(opts, chapter4.name, chapter4.name, &failed);
	if (failed)
		return 1;

	/* valgrind's counts take in the whole run, so the chapter's start at its first line. */
	const struct ms_stats start = ms_stats();
	struct chapter4_lost lost = { { 0 }, 0 };
	struct chapter4_dropped held = { 0 }, ring = { 0 };
	struct lesson lesson = LESSON_INIT(out);
	lesson_heading(&lesson, &chapter4);
	lesson_para(&lesson,
		    "Pympler's SummaryTracker takes a checkpoint and, at each "
		    "print_diff(), shows what changed by type since the last one. The "
		    "tutorial uses it to simulate a leak. A memstats tracker does the same "
		    "for C blocks and adds two things a leak hunt needs: where the new "
		    "blocks were allocated, and the peak since the checkpoint. This "
		    "lesson looks at what the tutorial really measured, then at a real "
		    "leak, at memory held by work that never finishes, and at the fixes.");
	int status = show_tutorial(&lesson);
	if (status == 0)
		status = show_leak(&lesson, &lost);
	if (status == 0)
		status = show_held_work(&lesson, &held, lost.count > 0);
	if (status == 0)
		status = show_fixes(&lesson);
	if (status == 0)
		status = show_rounds(&lesson, &lost, data);
	if (status == 0)
		status = show_valgrind(&lesson, &lost, &held, &ring, &start);
	if (status != 0)
		fprintf(stderr, "chapter4: out of memory\n");
	if (opts && opts->free_leaks) {
		chapter4_lost_free(&lost);
		chapter4_dropped_free(&held);
		chapter4_dropped_free(&ring);
	}

	if (lesson_finish(&lesson, chapter4.name) != 0)
		status = -1;
	if (data && lesson_data_close(data, chapter4.name) != 0)
		status = -1;
	return status == 0 ? 0 : 1;
}

const struct chapter chapter4 = { "chapter4", "leak checkpoints", chapter4_run };

#ifndef MS_NO_MAIN
int main(int argc, char **argv)
{
	return chapter_main(argc, argv, &chapter4);
}
#endif
