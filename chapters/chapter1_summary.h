/* chapter1_summary.h: the word index chapter 1 summarizes, open to its tests so they can rebuild it. */
#ifndef CHAPTER1_SUMMARY_H
#define CHAPTER1_SUMMARY_H

struct word_index;

/*
 * Build the word index over chapter 1's fixed text, every block tracked
 * by memstats. NULL (nothing left live) if an allocation failed.
 */
struct word_index *chapter1_index_build(void);

/* Free every block of the index; NULL is a no-op. */
void chapter1_index_free(struct word_index *index);

#endif
