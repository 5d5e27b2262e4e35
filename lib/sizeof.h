/* sizeof.h: deep sizes of several blocks in one walk, which sizeof.c does for object trackers. */
#ifndef MS_SIZEOF_H
#define MS_SIZEOF_H

#include "memstats.h"

/*
 * Deep sizes of several live blocks in one walk, in every notion at once:
 * a block reachable from more than one root is counted for the first
 * root that reaches it, so the sizes in `each` add up to the deep size of
 * them all. NULL roots size 0. 0, or -1 with errno = ENOMEM.
 */
int ms_deep_many(const void *const *roots, size_t count,
		 int64_t (*each)[MS_NOTION_COUNT], const char *function, const char *file, int line);

#endif
