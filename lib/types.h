/* types.h: rows, the identities blocks are counted by (a described type or a byte tag), which types.c registers on first use. */
#ifndef MS_TYPES_H
#define MS_TYPES_H

#include "memstats.h"

#include <pthread.h>
#include <stdbool.h>

#define MS_MAX_ROWS 4096u       /* fits the block header's 16-bit row */

struct ms_row_info {
	const char *name;          /* owned copy */
	const ms_type *type;       /* NULL for a tag */
	size_t element_size;       /* 1 for a tag */
};

/* Rows registered so far (acquire: every row below it is complete). */
extern _Atomic uint32_t ms_rows_registered;
static inline uint32_t ms_row_count(void)
{
	return atomic_load_explicit(&ms_rows_registered, memory_order_acquire);
}
/* Row `row` (< ms_row_count()). */
const struct ms_row_info *ms_row_get(uint32_t row);

/*
 * The row of `type`, registering it on first use. UINT32_MAX if the type
 * is invalid or its name is taken, after reporting through misuse.
 */
uint32_t ms_row_of_type_slow(ms_type *type, const char *function, const char *file, int line);
static inline uint32_t ms_row_of_type(ms_type *type, const char *function, const char *file,
				      int line)
{
	uint32_t row = type ? atomic_load_explicit(&type->row_, memory_order_acquire) : 0;
	return row ? row - 1 : ms_row_of_type_slow(type, function, file, line);
}

/*
 * The row of `tag`, registering it on first use; UINT32_MAX on misuse.
 * *constant tells whether the tag's text cannot change (see
 * ms_program_read_only, readonly.h), so a cache of its address need not
 * compare it; it is false whenever the row is UINT32_MAX.
 */
uint32_t ms_row_of_tag(const char *tag, bool *constant, const char *function, const char *file,
		       int line);

/* Held while a row is registered (fork.c holds it across a fork). */
extern pthread_mutex_t ms_rows_lock;

#endif
