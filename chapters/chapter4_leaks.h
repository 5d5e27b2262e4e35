/* chapter4_leaks.h: chapter 4's leaking and fixed experiments, open to its tests so they can repeat them. */
#ifndef CHAPTER4_LEAKS_H
#define CHAPTER4_LEAKS_H

#include <stddef.h>
#include <stdint.h>

/* One import reads a batch of "key=value" lines; every tenth is malformed. */
#define CHAPTER4_BATCH_LINES 100
#define CHAPTER4_BAD_EVERY 10
#define CHAPTER4_BAD_LINES (CHAPTER4_BATCH_LINES / CHAPTER4_BAD_EVERY)

/* Checkpoints in the leaking-against-fixed comparison (after the first). */
#define CHAPTER4_ROUNDS 5

/* The held work: jobs queued, each with a buffer, never completed. */
#define CHAPTER4_JOBS 8
#define CHAPTER4_JOB_BUFFER 4096

/* lesson code: chapter4_record */
/* A parsed line; it owns no other block. */
struct record {
	char key[24];
	int64_t value;
};
/* end lesson code */

/* The two versions of each experiment. */
enum chapter4_version { CHAPTER4_LEAKING, CHAPTER4_FIXED };

/*
 * The records a leaking import lost. Their addresses are kept XOR-ed with
 * a constant, as memstats keeps its own copies, so a leak checker does
 * not take them for pointers and still finds the blocks lost; only the
 * chapter's count and the tests' clean-up turn them back. The capacity
 * is every line of what the chapter imports with the leaking parser: one
 * import, then one per round.
 */
#define CHAPTER4_LOST_MAX (CHAPTER4_BATCH_LINES * (1 + CHAPTER4_ROUNDS))
struct chapter4_lost {
	uintptr_t hidden[CHAPTER4_LOST_MAX];
	size_t count;
};

/*
 * Import one batch: parse every line into a record, use the good ones
 * and free them again. The leaking version loses the record of each
 * malformed line (noted in `lost`); the fixed one frees it (`lost` may
 * be NULL). Returns the good records, or -1 if memory ran out (then only
 * the records noted in `lost` are left live) or if `lost` has no room
 * for a whole batch's lines (then nothing is made).
 */
int chapter4_import(enum chapter4_version version, struct chapter4_lost *lost);

/* Lost record `i` (of lost->count), its address turned back. */
void *chapter4_lost_at(const struct chapter4_lost *lost, size_t i);

/* Live blocks counted three ways: blocks, requested bytes, and what memstats asked malloc for. */
struct chapter4_blocks {
	int64_t blocks;
	int64_t requested;
	int64_t malloc_bytes;
};

/* The lost records' blocks. */
struct chapter4_blocks chapter4_lost_blocks(const struct chapter4_lost *lost);

/* Free every lost record and empty `lost`. */
void chapter4_lost_free(struct chapter4_lost *lost);

/* A queue of jobs, each holding a buffer until it completes. */
struct job;
struct chapter4_queue {
	struct job *head;
	struct job **tail;
	size_t length;
};
#define CHAPTER4_QUEUE_INIT(q) { NULL, &(q).head, 0 }

/*
 * Queue CHAPTER4_JOBS jobs, each with a CHAPTER4_JOB_BUFFER-byte buffer:
 * 0, or -1 if memory ran out (the jobs queued so far stay queued).
 */
int chapter4_jobs_submit(struct chapter4_queue *queue);

/*
 * Complete every queued job: each fills its buffer, adds it up and frees
 * it and itself. Returns the sum of the jobs' results.
 */
uint64_t chapter4_jobs_run(struct chapter4_queue *queue);

/* Cancel every queued job: the same frees, with the work never done. */
void chapter4_jobs_cancel(struct chapter4_queue *queue);

/*
 * Jobs dropped with no pointer to any of them from a root: a queue whose
 * holder is gone, or a ring, the last job's next pointing back at the
 * first. Each job but a queue's first has a pointer to it, from the job
 * before. One job's address is kept, hidden as the lost records' are (0:
 * none dropped).
 */
struct chapter4_dropped {
	uintptr_t hidden;
};

/*
 * Drop `queue`'s jobs, noting its first in `dropped` (0 if it is empty),
 * and leave the queue empty: what is left when a queue's holder is gone.
 */
void chapter4_queue_drop(struct chapter4_queue *queue, struct chapter4_dropped *dropped);

/*
 * A ring of lost jobs: CHAPTER4_JOBS jobs queued as chapter4_jobs_submit
 * queues them, the last one's next pointing back at the first, and the
 * queue dropped: every job has a pointer to it, and no root reaches any.
 * 0, or -1 if memory ran out (then nothing is left live).
 */
int chapter4_ring_make(struct chapter4_dropped *ring);

/* The dropped jobs' kept job, its address turned back (NULL if none was dropped). */
void *chapter4_dropped_job(const struct chapter4_dropped *dropped);

/* The dropped jobs and, apart, their buffers. */
void chapter4_dropped_blocks(const struct chapter4_dropped *dropped,
			     struct chapter4_blocks *jobs, struct chapter4_blocks *buffers);

/* Free every dropped job and its buffer, and forget them. */
void chapter4_dropped_free(struct chapter4_dropped *dropped);

#endif
