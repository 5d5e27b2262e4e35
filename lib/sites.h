/* sites.h: live blocks grouped by the line or return address that allocated them, which sites.c finds for a tracker's checkpoint. */
#ifndef MS_SITES_H
#define MS_SITES_H

#include "memstats.h"

/*
 * Live blocks whose number in their thread slot is above `marks[slot]`
 * (or whose slot is at or past `mark_count`), by site.
 */
ms_sites *ms_sites_since(const uint64_t *marks, size_t mark_count);

#endif
