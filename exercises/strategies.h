/* strategies.h: the comparison program's parts, open to its test: which reference strategy runs which trace, and the program itself. */
#ifndef EXERCISES_STRATEGIES_H
#define EXERCISES_STRATEGIES_H

#include <stdio.h>

#include "01_arena/arena.h"
#include "02_pool/pool.h"
#include "05_size_classes/size_classes.h"
#include "chapter.h"
#include "traces.h"

/* The strategies compared, in the order of the table's rows within a trace. */
enum strategy_id { STRATEGY_MALLOC, STRATEGY_ARENA, STRATEGY_POOL, STRATEGY_SIZE_CLASSES,
		   STRATEGY_COUNT };

/* Room for any one of them. */
union strategy_storage {
	struct strategy malloc_each;
	struct arena arena;
	struct pool pool;
	struct size_classes size_classes;
};

/*
 * Make the reference strategy `id`, ready for `trace`, in `storage` and
 * return it; NULL when it cannot run that trace (a pool hands out one
 * size, and the mixed trace asks for many).
 */
struct strategy *strategies_make(enum strategy_id id, enum trace_id trace,
				 union strategy_storage *storage);

/*
 * Print the comparison to `out`: every strategy on every trace it can run,
 * the growth policies and the struct layouts, each table followed by an
 * "On this machine" block; with opts->data_dir, also write
 * strategies.dat there. 0, or 1 with a message on stderr.
 */
int strategies_run(FILE *out, const struct chapter_opts *opts);

/* The program as the golden tests see a chapter: "strategies", its title, strategies_run. */
extern const struct chapter strategies_program;

#endif
