/* chapter4_leaks.c: lesson 4, leak checkpoints: what the tutorial measured, a real leak, work that never finishes, and the fixes. */
#include "chapter4_leaks.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapter.h"
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

/*
 * Line `i` of a batch: "sensorNN=VALUE", or every tenth "sensorNN VALUE",
 * its '=' missing. The last line is a good one, so a batch's peak is its
 * good records.
 */
static void batch_line(size_t i, char *line, size_t cap)
{
	bool malformed = i % CHAPTER4_BAD_EVERY == CHAPTER4_BAD_EVERY / 2;
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
	chapter4_jobs_cancel(queue);
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
	lesson_para(lesson,
		    "Both are empty. A tracker's checkpoint (a summary, and where each "
		    "thread's allocation numbers stand) is memstats' bookkeeping, never "
		    "in a row, so even the first diff does not see the tracker. With "
		    "nothing in between, the second diff shows nothing, and nothing came "
		    "and went either. That is what Pympler's second diff would have shown "
		    "without the warning and the tracker's own rows. ms_tracker_diff "
		    "returns the diff and moves the checkpoint to now, as print_diff() "
		    "does.");
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
		    "\"sensor07=59\" into records. The parser allocates the record first "
		    "and checks the line after, and its error path forgets the record "
		    "unless it is the fixed version:");
	lesson_code(lesson, LESSON_CODE_chapter4_record "\n\n" LESSON_CODE_chapter4_record_parse);
	lesson_para(lesson,
		    "One import parses a batch of %d lines, of which every %dth is "
		    "malformed, uses the good records and frees them. Around it, a "
		    "checkpoint. checkpoint_take reads the site table and the peak before "
		    "the diff, which moves the checkpoint:",
		    CHAPTER4_BATCH_LINES, CHAPTER4_BAD_EVERY);
	lesson_code(lesson, LESSON_CODE_chapter4_checkpoint_take);
	/* The leak's one site; a parser that lost nothing would have none. */
	const struct ms_site_row *site = ms_sites_row(seen->sites, 0);
	print_seen(lesson, seen);
	lesson_para(lesson,
		    "The diff shows %zu records, one per malformed line: a leak grows with "
		    "the work that triggers it. The site table names the line that "
		    "allocated them, %s:%d, the ms_alloc in record_parse; the error path "
		    "that lost them is below it, and valgrind's report points at the same "
		    "line through the allocation's stack. The peak shows what no diff "
		    "can: %" PRId64 " records were live at once, before the %d good ones "
		    "were freed. ms_tracker_print_diff(tr, out) prints the diff, the "
		    "sites and the peak in one call, as Pympler's print_diff() prints its "
		    "diff.",
		    lost, site ? site->file : "(no site)", site ? site->line : 0,
		    seen->peak_blocks, good);
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

/* (3) Jobs queued and never completed: the checkpoint while they were held, and after. */
static void print_held_work(struct lesson *lesson, const struct seen *held,
			    const struct seen *after)
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
		    "The tracker shows the growth, by type and by site, as it did for "
		    "the leak. The difference is who still holds the memory. valgrind "
		    "judges that at exit by reachability: it starts from the roots, "
		    "the registers, the stacks and the globals, and follows pointers "
		    "from block to block. Were the program to exit now, with the queue "
		    "in hand, these blocks would be \"still reachable\": a chain of "
		    "pointers to blocks' starts leads to each of them from a root, "
		    "from the queue on the stack to the first job, from each job to "
		    "the next and to its buffer. Nothing is lost; the work is only "
		    "never finished.");
	lesson_para(lesson,
		    "That holds with memstats in between, though memstats keeps its "
		    "bookkeeping in a header in front of the program's bytes, so the "
		    "program's pointer points into the middle of a malloc block, and "
		    "valgrind calls a block that the roots reach only through such "
		    "interior pointers \"possibly lost\". memstats tells valgrind "
		    "where the program's block starts. This chapter cancels the jobs "
		    "before it goes on, so nothing is still reachable at its end "
		    "either. hold_jobs read the checkpoint above while the jobs were "
		    "queued; cancelling takes each job off the queue and frees it with "
		    "its buffer, and then it reads the next:");
	lesson_code(lesson, LESSON_CODE_chapter4_hold_jobs "\n\n" LESSON_CODE_chapter4_drain);
	print_seen(lesson, after);
}

static int show_held_work(struct lesson *lesson)
{
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	struct checkpoint cp;
	struct seen held = SEEN_NONE, after = SEEN_NONE;
	int status = checkpoint_start(&cp);
	if (status == 0)
		status = hold_jobs(&queue, &cp, &held, &after);
	ms_tracker_free(cp.tracker);
	if (status == 0)
		print_held_work(lesson, &held, &after);
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
	lesson_para(lesson,
		    "The diff is empty: nothing allocated since the checkpoint is "
		    "still live, so there is no site table either. The peak still "
		    "shows the work, the %d good records live at once and freed "
		    "before the checkpoint was read.",
		    good);
	lesson_para(lesson, "The held work's fix is to finish it: each job completes "
			    "and frees its buffer and itself (chapter4_jobs_run, above).");
	lesson_code(lesson, LESSON_CODE_chapter4_finish_jobs);
	print_seen(lesson, finished);
	lesson_para(lesson,
		    "Empty again, and the peak is the %d jobs with their buffers: all of "
		    "it came and went between the two checkpoints. An empty diff says "
		    "nothing is left over, not that nothing happened; the peak says how "
		    "much did.",
		    CHAPTER4_JOBS);
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

/* One version's live and peak requested bytes at each checkpoint, above the first. */
struct series {
	int64_t live[1 + CHAPTER4_ROUNDS];
	int64_t peak[1 + CHAPTER4_ROUNDS];
};

/* Import CHAPTER4_ROUNDS times with a checkpoint after each: 0, or -1 if out of memory. */
static int measure_rounds(enum chapter4_version version, struct chapter4_lost *lost,
			  struct series *series)
{
	struct checkpoint cp;
	if (checkpoint_start(&cp) != 0)
		return -1;
	const int64_t first = cp.requested;
	*series = (struct series){ { 0 }, { 0 } };
	int status = 0;
	for (int round = 1; status == 0 && round <= CHAPTER4_ROUNDS; round++) {
		struct seen seen;
		int64_t before = cp.requested;
		status = chapter4_import(version, lost) < 0 ? -1 : checkpoint_take(&cp, &seen);
		if (status != 0)
			break;
		series->live[round] = cp.requested - first;
		series->peak[round] = before - first + seen.peak_requested;
		seen_free(&seen);
	}
	ms_tracker_free(cp.tracker);
	return status;
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
	lesson_para(lesson,
		    "Each leaking diff is the same row, %d struct record blocks of "
		    "%" PRId64 " bytes, the records of the malformed lines: the live bytes "
		    "climb by as much at every import, without end. The fixed version's "
		    "stay at %" PRId64 ". Both peaks carry each batch's good records; the "
		    "leaking one rides on its leak. ./chapter4 --data DIR writes these "
		    "columns to DIR/chapter4.dat, and plots/leak.gp draws them.",
		    CHAPTER4_BAD_LINES, leaking.live[1], fixed.live[CHAPTER4_ROUNDS]);
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
	/* Each live block has one header: their bytes over the live blocks are one header's. */
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

/*
 * (5) What the program leaves at exit, and what valgrind will count: the
 * lost records and a lost ring of jobs, the run having begun at `start`.
 */
static int show_valgrind(struct lesson *lesson, const struct chapter4_lost *lost,
			 struct chapter4_dropped *ring, const struct ms_stats *start)
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
	struct chapter4_blocks records = chapter4_lost_blocks(lost), jobs, buffers;
	chapter4_dropped_blocks(ring, &jobs, &buffers);
	/* valgrind heads the ring with whichever job it meets first; they are all one size. */
	int64_t one_job = jobs.blocks ? jobs.requested / jobs.blocks : 0;
	lesson_para(lesson,
		    "Run as a program, this chapter leaves two kinds of lost memory at "
		    "exit. (Its tests run it in-process and free both at the end.) One "
		    "is the records its leaking imports lost: %" PRId64 " blocks, %" PRId64
		    " bytes requested, with no pointer to any of them left. The other is "
		    "a ring of %" PRId64 " jobs, each with its buffer: a queue whose last "
		    "job points back at the first, dropped without being cancelled, so "
		    "every job has a pointer to it, from the job before:",
		    records.blocks, records.requested, jobs.blocks);
	lesson_code(lesson, LESSON_CODE_chapter4_ring_make);
	lesson_para(lesson,
		    "valgrind counts the records definitely lost, and one job of the "
		    "ring; the other %" PRId64 " jobs and the %" PRId64 " buffers are "
		    "indirectly lost, reachable only through it. The chapter kept each "
		    "lost address XOR-ed with a constant, which no leak checker takes "
		    "for a pointer.",
		    jobs.blocks - 1, buffers.blocks);
	struct lesson_grid_row rows[7] = { { { "valgrind's line", "bytes", "blocks" } } };
	heap_summary(lesson, blocks_plus(records, blocks_plus(jobs, buffers)), start, &rows[1]);
	lesson_para(lesson,
		    "The LEAK SUMMARY counts the pool's blocks, each as the program asked "
		    "for it, on any machine. Both summaries, then, line by line; for the "
		    "total heap usage, the least its bytes allocated can be, and its "
		    "allocs less its frees:");
	figure_row_bytes(&rows[3], "definitely lost", records.requested + one_job,
			 records.blocks + 1);
	figure_row_bytes(&rows[4], "indirectly lost", jobs.requested - one_job + buffers.requested,
			 jobs.blocks - 1 + buffers.blocks);
	figure_row_bytes(&rows[5], "possibly lost", 0, 0);
	figure_row_bytes(&rows[6], "still reachable", 0, 0);
	lesson_grid(lesson, 3, 7, rows);
	lesson_para(lesson,
		    "make check runs valgrind on ./chapter4 and holds both summaries to "
		    "these figures: nothing may be possibly lost or still reachable, "
		    "since the held jobs were cancelled.");
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
	struct chapter4_dropped ring = { 0 };
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
		status = show_held_work(&lesson);
	if (status == 0)
		status = show_fixes(&lesson);
	if (status == 0)
		status = show_rounds(&lesson, &lost, data);
	if (status == 0)
		status = show_valgrind(&lesson, &lost, &ring, &start);
	if (status != 0)
		fprintf(stderr, "chapter4: out of memory\n");
	if (opts && opts->free_leaks) {
		chapter4_lost_free(&lost);
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
