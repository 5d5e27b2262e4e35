/* chapter4_leaks.c: lesson 4, leak checkpoints: what the tutorial measured, a real leak, work that never finishes, and the fixes. */
#include "chapter4_leaks.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapter.h"
#include "lesson.h"
#include "memstats.h"

/* XOR-ed with this, an address reads as a number far above user space. */
#define HIDE_ADDRESS ((uintptr_t)0xa5a5a5a5a5a5a5a5u)

/* The tag of the jobs' buffers: a row of its own. */
#define JOB_BUFFER_TAG "job buffer"

/* ------------------------------------------------------------------ */
/* A parser that leaks on its error path                               */
/* ------------------------------------------------------------------ */

static MS_TYPE_LEAF(record_type, struct record);

/* Note a lost record in `lost`; false if there is no room. */
static bool note_lost(struct chapter4_lost *lost, const void *record)
{
	if (lost->count == CHAPTER4_LOST_MAX)
		return false;
	lost->hidden[lost->count++] = (uintptr_t)record ^ HIDE_ADDRESS;
	return true;
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

/*
 * Parse "key=value" into a new record in *out. The record is allocated
 * before the line is checked; on a malformed line the leaking version
 * forgets it (noting the address in `lost`), the fixed one frees it.
 * FAILED if memory ran out or `lost` had no room (nothing left live).
 */
static enum parsed record_parse(const char *line, enum chapter4_version version,
				struct chapter4_lost *lost, struct record **out)
{
	struct record *r = ms_alloc(&record_type, 1);
	if (!r)
		return FAILED;
	const char *equals = strchr(line, '=');
	size_t key_length = equals ? (size_t)(equals - line) : 0;
	if (!equals || key_length >= sizeof r->key) {
		/* The error path: the leaking version returns without freeing r. */
		if (version == CHAPTER4_LEAKING && note_lost(lost, r))
			return MALFORMED;
		ms_free(r);
		return version == CHAPTER4_LEAKING ? FAILED : MALFORMED;
	}
	memcpy(r->key, line, key_length);
	r->key[key_length] = '\0';
	r->value = strtoll(equals + 1, NULL, 10);
	*out = r;
	return PARSED;
}

int chapter4_import(enum chapter4_version version, struct chapter4_lost *lost)
{
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

struct job {
	struct job *next;
	char *buffer;     /* `size` bytes, tagged JOB_BUFFER_TAG */
	size_t size;
	int id;
};
static MS_TYPE(job_type, struct job, MS_PTR(struct job, next, &job_type));

int chapter4_jobs_submit(struct chapter4_queue *queue)
{
	for (int id = 0; id < CHAPTER4_JOBS; id++) {
		struct job *job = ms_calloc(&job_type, 1);
		char *buffer = job ? ms_alloc_bytes(CHAPTER4_JOB_BUFFER, JOB_BUFFER_TAG) : NULL;
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

/* Take every job off the queue, doing its work first if `work`; the sum of the results. */
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

int chapter4_ring_make(struct chapter4_ring *ring)
{
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	if (chapter4_jobs_submit(&queue) != 0) {
		chapter4_jobs_cancel(&queue);
		return -1;
	}
	/* The queue's tail is the last job's next: pointed back at the first, it closes the ring. */
	*queue.tail = queue.head;
	ring->hidden = (uintptr_t)queue.head ^ HIDE_ADDRESS;
	return 0;
}

void *chapter4_ring_job(const struct chapter4_ring *ring)
{
	return ring->hidden ? (void *)(ring->hidden ^ HIDE_ADDRESS) : NULL;
}

void chapter4_ring_blocks(const struct chapter4_ring *ring, struct chapter4_blocks *jobs,
			  struct chapter4_blocks *buffers)
{
	*jobs = *buffers = (struct chapter4_blocks){ 0, 0, 0 };
	const struct job *first = chapter4_ring_job(ring);
	for (const struct job *job = first; job; job = job->next == first ? NULL : job->next) {
		count_block(jobs, job);
		count_block(buffers, job->buffer);
	}
}

void chapter4_ring_free(struct chapter4_ring *ring)
{
	struct job *first = chapter4_ring_job(ring);
	if (!first)
		return;
	/* Cut after the kept job, and the ring is a queue again, that job last: cancel it. */
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	queue.head = first->next;
	first->next = NULL;
	chapter4_jobs_cancel(&queue);
	ring->hidden = 0;
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

static void seen_free(struct seen *seen)
{
	ms_summary_free(seen->diff);
	ms_sites_free(seen->sites);
}

/* Read the sites, the peak and the diff, moving the checkpoint: 0, or -1 if out of memory. */
static int checkpoint_take(struct checkpoint *cp, struct seen *seen)
{
	/* The sites and the peak first: the diff moves the checkpoint they are measured from. */
	struct ms_tracker_peak peak = ms_tracker_peak(cp->tracker);
	seen->sites = ms_tracker_sites(cp->tracker);
	seen->diff = seen->sites ? ms_tracker_diff(cp->tracker) : NULL;
	seen->peak_blocks = peak.blocks - cp->blocks;
	seen->peak_requested = peak.bytes[MS_REQUESTED] - cp->requested;
	note_live(cp);
	if (!seen->diff) {
		seen_free(seen);
		return -1;
	}
	return 0;
}

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

/* Take a checkpoint and print what it saw: 0, or -1 if out of memory. */
static int show_checkpoint(struct lesson *lesson, struct checkpoint *cp)
{
	struct seen seen;
	if (checkpoint_take(cp, &seen) != 0)
		return -1;
	print_seen(lesson, &seen);
	seen_free(&seen);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The lesson                                                          */
/* ------------------------------------------------------------------ */

/* (1) The tutorial's experiment, and the same nothing in C. */
static int show_tutorial(struct lesson *lesson)
{
	lesson_subheading(lesson, "What the tutorial measured");
	lesson_para(lesson, "The tutorial simulates a leak with an async function that sleeps:");
	lesson_code(lesson,
		    "async def test_fxn():\n"
		    "    import time\n"
		    "    my_dict = {\"x\":0}\n"
		    "    time.sleep(5)\n"
		    "    return 0\n"
		    "\n"
		    "tr = tracker.SummaryTracker()\n"
		    "tr.print_diff()\n"
		    "test_fxn()\n"
		    "tr.print_diff()");
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
	lesson_para(lesson, "The same nothing in C, with a memstats tracker:");
	lesson_code(lesson,
		    "ms_tracker *tr = ms_tracker_new();       /* tracker.SummaryTracker() */\n"
		    "ms_summary *diff = ms_tracker_diff(tr);  /* the first print_diff() */\n"
		    "ms_summary_print(diff, stdout, NULL);\n"
		    "ms_summary_free(diff);\n"
		    "/* test_fxn() without await: nothing runs */\n"
		    "diff = ms_tracker_diff(tr);              /* the second */\n"
		    "ms_summary_print(diff, stdout, NULL);");
	struct checkpoint cp;
	if (checkpoint_start(&cp) != 0)
		return -1;
	lesson_para(lesson, "The first diff:");
	int status = show_checkpoint(lesson, &cp);
	if (status == 0) {
		lesson_para(lesson, "The second:");
		status = show_checkpoint(lesson, &cp);
	}
	ms_tracker_free(cp.tracker);
	if (status != 0)
		return -1;
	lesson_para(lesson,
		    "Both are empty. A tracker's checkpoint (a summary, and where each "
		    "thread's allocation numbers stand) is memstats' bookkeeping, never "
		    "in a row, so even the first diff does not see the tracker. With "
		    "nothing in between, the second diff shows nothing, and nothing came "
		    "and went either. That is what Pympler's second diff would have shown "
		    "without the warning and the tracker's own rows. ms_tracker_diff "
		    "returns the diff and moves the checkpoint to now, as print_diff() "
		    "does.");
	return 0;
}

/* The parser as the lesson prints it: the leaking version's error path. */
static const char record_parse_code[] =
	"struct record {\n"
	"    char key[24];\n"
	"    int64_t value;\n"
	"};\n"
	"\n"
	"struct record *record_parse(const char *line)\n"
	"{\n"
	"    struct record *r = ms_alloc(&record_type, 1);\n"
	"    if (!r)\n"
	"        return NULL;\n"
	"    const char *equals = strchr(line, '=');\n"
	"    size_t key_length = equals ? (size_t)(equals - line) : 0;\n"
	"    if (!equals || key_length >= sizeof r->key)\n"
	"        return NULL;                      /* r is lost */\n"
	"    memcpy(r->key, line, key_length);\n"
	"    r->key[key_length] = '\\0';\n"
	"    r->value = strtoll(equals + 1, NULL, 10);\n"
	"    return r;\n"
	"}";

/* (2) A parser that loses a record on each malformed line. */
static int show_leak(struct lesson *lesson, struct chapter4_lost *lost)
{
	lesson_subheading(lesson, "A real leak");
	lesson_para(lesson,
		    "A real leak is memory the program can no longer free, because it "
		    "holds no pointer to it. Here an import parses lines such as "
		    "\"sensor07=59\" into records. The parser allocates the record first "
		    "and checks the line after, and its error path forgets the record:");
	lesson_code(lesson, record_parse_code);
	lesson_para(lesson,
		    "One import parses a batch of %d lines, of which every %dth is "
		    "malformed, uses the good records and frees them. Around it, a "
		    "checkpoint. The site table and the peak are read before the diff, "
		    "which moves the checkpoint:",
		    CHAPTER4_BATCH_LINES, CHAPTER4_BAD_EVERY);
	lesson_code(lesson,
		    "ms_tracker *tr = ms_tracker_new();\n"
		    "import_batch();                                 /* 100 lines */\n"
		    "ms_sites *sites = ms_tracker_sites(tr);         /* new and still live */\n"
		    "struct ms_tracker_peak peak = ms_tracker_peak(tr);\n"
		    "ms_summary *diff = ms_tracker_diff(tr);         /* moves the checkpoint */");

	struct checkpoint cp;
	if (checkpoint_start(&cp) != 0)
		return -1;
	size_t lost_before = lost->count;
	int good = chapter4_import(CHAPTER4_LEAKING, lost);
	struct seen seen = { NULL, NULL, 0, 0 };
	int status = good < 0 ? -1 : checkpoint_take(&cp, &seen);
	ms_tracker_free(cp.tracker);
	if (status != 0)
		return -1;
	/* The leak's one site; a parser that lost nothing would have none. */
	const struct ms_site_row *site = ms_sites_row(seen.sites, 0);
	print_seen(lesson, &seen);
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
		    lost->count - lost_before, site ? site->file : "(no site)", site ? site->line : 0,
		    seen.peak_blocks, good);
	seen_free(&seen);
	return 0;
}

/* (3) Jobs queued and never completed, then cancelled before the chapter ends. */
static int show_held_work(struct lesson *lesson)
{
	lesson_subheading(lesson, "Memory held by work that never finishes");
	lesson_para(lesson,
		    "What the tutorial meant to show is another thing: memory held by "
		    "work that was started and never finished. Here a server queues %d "
		    "jobs, each with a %d-byte buffer for its reply, and the replies "
		    "never come:",
		    CHAPTER4_JOBS, CHAPTER4_JOB_BUFFER);
	lesson_code(lesson,
		    "struct job {\n"
		    "    struct job *next;\n"
		    "    char *buffer;                  /* tagged \"job buffer\" */\n"
		    "    size_t size;\n"
		    "    int id;\n"
		    "};\n"
		    "\n"
		    "for (int id = 0; id < 8; id++) {\n"
		    "    struct job *job = ms_calloc(&job_type, 1);\n"
		    "    job->buffer = ms_alloc_bytes(4096, \"job buffer\");\n"
		    "    enqueue(&queue, job);\n"
		    "}\n"
		    "/* no job ever completes */");

	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	struct checkpoint cp;
	if (checkpoint_start(&cp) != 0)
		return -1;
	int status = chapter4_jobs_submit(&queue);
	if (status == 0)
		status = show_checkpoint(lesson, &cp);
	if (status == 0) {
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
			    "either:");
		lesson_code(lesson, "cancel_jobs(&queue);             /* frees every job and buffer */");
	}
	chapter4_jobs_cancel(&queue);
	if (status == 0)
		status = show_checkpoint(lesson, &cp);
	ms_tracker_free(cp.tracker);
	return status;
}

/* (4) The fixed parser and the jobs that complete, each between two checkpoints. */
static int show_fixes(struct lesson *lesson)
{
	lesson_subheading(lesson, "The fixes");
	lesson_para(lesson, "The fixed parser frees the record on its error path:");
	lesson_code(lesson,
		    "if (!equals || key_length >= sizeof r->key) {\n"
		    "    ms_free(r);\n"
		    "    return NULL;\n"
		    "}");
	struct checkpoint cp;
	if (checkpoint_start(&cp) != 0)
		return -1;
	struct chapter4_queue queue = CHAPTER4_QUEUE_INIT(queue);
	int good = chapter4_import(CHAPTER4_FIXED, NULL);
	int status = good < 0 ? -1 : show_checkpoint(lesson, &cp);
	if (status == 0) {
		lesson_para(lesson,
			    "The diff is empty: nothing allocated since the checkpoint is "
			    "still live, so there is no site table either. The peak still "
			    "shows the work, the %d good records live at once and freed "
			    "before the checkpoint was read.",
			    good);
		lesson_para(lesson, "The held work's fix is to finish it: each job completes "
				    "and frees its buffer and itself.");
		lesson_code(lesson,
			    "submit_jobs(&queue);\n"
			    "run_jobs(&queue);    /* each job does its work and frees itself */");
		status = chapter4_jobs_submit(&queue);
	}
	chapter4_jobs_run(&queue);
	if (status == 0)
		status = show_checkpoint(lesson, &cp);
	ms_tracker_free(cp.tracker);
	if (status != 0)
		return -1;
	lesson_para(lesson,
		    "Empty again, and the peak is the %d jobs with their buffers: all of "
		    "it came and went between the two checkpoints. An empty diff says "
		    "nothing is left over, not that nothing happened; the peak says how "
		    "much did.",
		    CHAPTER4_JOBS);
	return 0;
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

/*
 * valgrind's HEAP SUMMARY of a run that leaves `left` allocated at exit
 * and began at `start`: malloc's blocks in use, and every allocation.
 */
static void show_heap_summary(struct lesson *lesson, struct chapter4_blocks left,
			      const struct ms_stats *start)
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
		    " + %" PRId64 " x %" PRId64 " = %" PRId64 ":",
		    header, left.blocks, left.malloc_bytes, made, left.blocks + made,
		    left.blocks, made, requested, requested, made, header, at_least);
	char summary[160];
	snprintf(summary, sizeof summary,
		 "in use at exit: %" PRId64 " bytes in %" PRId64 " blocks\n"
		 "total heap usage: allocs - frees = %" PRId64 ", bytes allocated >= %" PRId64,
		 left.malloc_bytes, left.blocks, left.blocks + made, at_least);
	lesson_code(lesson, summary);
}

/*
 * (5) What the program leaves at exit, and what valgrind will count: the
 * lost records and a lost ring of jobs, the run having begun at `start`.
 */
static int show_valgrind(struct lesson *lesson, const struct chapter4_lost *lost,
			 struct chapter4_ring *ring, const struct ms_stats *start)
{
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
	if (chapter4_ring_make(ring) != 0)
		return -1;
	struct chapter4_blocks records = chapter4_lost_blocks(lost), jobs, buffers;
	chapter4_ring_blocks(ring, &jobs, &buffers);
	/* valgrind heads the ring with whichever job it meets first; they are all one size. */
	int64_t one_job = jobs.blocks ? jobs.requested / jobs.blocks : 0;
	lesson_para(lesson,
		    "Run as a program, this chapter leaves two kinds of lost memory at "
		    "exit. (Its tests run it in-process and free both at the end.) One "
		    "is the records its leaking imports lost: %" PRId64 " blocks, %" PRId64
		    " bytes requested, with no pointer to any of them left. The other is "
		    "a ring of %" PRId64 " jobs, each with its buffer: a queue whose last "
		    "job points back at the first, dropped without being cancelled, so "
		    "every job has a pointer to it, from the job before. valgrind counts "
		    "the records definitely lost, and one job of the ring; the other %" PRId64
		    " jobs and the %" PRId64 " buffers are indirectly lost, reachable only "
		    "through it. The chapter kept each lost address XOR-ed with a "
		    "constant, which no leak checker takes for a pointer.",
		    records.blocks, records.requested, jobs.blocks, jobs.blocks - 1,
		    buffers.blocks);
	show_heap_summary(lesson, blocks_plus(records, blocks_plus(jobs, buffers)), start);
	lesson_para(lesson,
		    "The LEAK SUMMARY counts the pool's blocks, each as the program asked "
		    "for it, on any machine:");
	char summary[256];
	snprintf(summary, sizeof summary,
		 "definitely lost: %" PRId64 " bytes in %" PRId64 " blocks\n"
		 "indirectly lost: %" PRId64 " bytes in %" PRId64 " blocks\n"
		 "possibly lost: 0 bytes in 0 blocks\n"
		 "still reachable: 0 bytes in 0 blocks",
		 records.requested + one_job, records.blocks + 1,
		 jobs.requested - one_job + buffers.requested, jobs.blocks - 1 + buffers.blocks);
	lesson_code(lesson, summary);
	lesson_para(lesson,
		    "make check runs valgrind on ./chapter4 and holds both summaries to "
		    "these lines: nothing may be possibly lost or still reachable, since "
		    "the held jobs were cancelled.");
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
	struct chapter4_ring ring = { 0 };
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
		chapter4_ring_free(&ring);
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
