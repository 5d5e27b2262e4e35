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

/* A parsed line; it owns no other block. */
struct record {
	char key[24];
	int64_t value;
};

/* The two versions of each experiment. */
enum chapter4_version { CHAPTER4_LEAKING, CHAPTER4_FIXED };

/*
 * The records a leaking import lost. Their addresses are kept XOR-ed with
 * a constant, as memstats keeps its own copies, so a leak checker does
 * not take them for pointers and still finds the blocks lost; only the
 * chapter's count and the tests' clean-up turn them back. The capacity
 * is what the chapter loses: one import, then one per round.
 */
#define CHAPTER4_LOST_MAX (CHAPTER4_BAD_LINES * (1 + CHAPTER4_ROUNDS))
struct chapter4_lost {
	uintptr_t hidden[CHAPTER4_LOST_MAX];
	size_t count;
};

/*
 * Import one batch: parse every line into a record, use the good ones
 * and free them again. The leaking version loses the record of each
 * malformed line (noted in `lost`); the fixed one frees it (`lost` may
 * be NULL). Returns the good records, or -1 if memory ran out or `lost`
 * is full (then only the records noted in `lost` are left live).
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
 * A ring of lost jobs: CHAPTER4_JOBS jobs queued as chapter4_jobs_submit
 * queues them, the last one's next pointing back at the first, and the
 * queue dropped. Every job has a pointer to it, from the job before, and
 * no root reaches any. One job's address is kept, hidden as the lost
 * records' are (0: no ring).
 */
struct chapter4_ring {
	uintptr_t hidden;
};

/* Make the ring: 0, or -1 if memory ran out (then nothing is left live). */
int chapter4_ring_make(struct chapter4_ring *ring);

/* The ring's kept job, its address turned back (NULL if there is no ring). */
void *chapter4_ring_job(const struct chapter4_ring *ring);

/* The ring's jobs and, apart, their buffers. */
void chapter4_ring_blocks(const struct chapter4_ring *ring, struct chapter4_blocks *jobs,
			  struct chapter4_blocks *buffers);

/* Free every job of the ring and its buffer, and forget the ring. */
void chapter4_ring_free(struct chapter4_ring *ring);

#endif
