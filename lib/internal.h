/* internal.h: what the library's files share and no user of memstats sees. */
#ifndef MS_INTERNAL_H
#define MS_INTERNAL_H

#include "memstats.h"

#include <pthread.h>
#include <stdbool.h>

/*
 * For the small helpers of the allocation calls that gcc -O2 leaves out of
 * line because several calls share them: on a path of a few hundred
 * instructions, each such call costs more than its body (make
 * bench-callgrind counts it). A GNU attribute, ignored where unknown.
 */
#if defined(__GNUC__)
#define MS_HOT static inline __attribute__((always_inline))
#else
#define MS_HOT static inline
#endif
/* A slow path kept out of the hot function that calls it: its registers and stack stay out too. */
#if defined(__GNUC__)
#define MS_COLD static __attribute__((noinline, cold))
#else
#define MS_COLD static
#endif

/* ------------------------------------------------------------------ */
/* Every allocation the library makes goes through these                */
/* ------------------------------------------------------------------ */

/*
 * Built with -DMS_FAULT_INJECTION (the build/fault tree), each call is
 * counted and the k-th can be made to fail (fault.c), so tests can check
 * that every failure is reported and leaves the counts right. Otherwise
 * they are the C library's own, at no cost.
 */
#ifdef MS_FAULT_INJECTION
void *ms_fault_malloc(size_t size);
void *ms_fault_calloc(size_t count, size_t size);
void *ms_fault_realloc(void *p, size_t size);
void *ms_fault_mmap(void *addr, size_t size, int prot, int flags, int fd, long offset);
#define ms_raw_malloc ms_fault_malloc
#define ms_raw_calloc ms_fault_calloc
#define ms_raw_realloc ms_fault_realloc
#define ms_raw_mmap ms_fault_mmap
#else
#define ms_raw_malloc malloc
#define ms_raw_calloc calloc
#define ms_raw_realloc realloc
#define ms_raw_mmap mmap
#endif

/* ------------------------------------------------------------------ */
/* The header: what memstats keeps about a block, before its bytes.     */
/* ------------------------------------------------------------------ */

/*
 * Every tracked block is one malloc block: this header in its first 32
 * bytes, the program's bytes after it. A free reads the header from the
 * cache line where malloc keeps its own chunk header, which free reads
 * anyway; a trailer at the block's far end cost a second, cold line on
 * every alloc and every free (README, design notes). The header is read
 * only after the page map has said the pointer starts a live block, so
 * memstats never reads foreign memory. 32 bytes is two of glibc's 16-byte
 * chunk steps, which keeps a tracked block's usable size equal to what
 * malloc(n) alone would grant, and the program's pointer 16-byte aligned.
 * checkers.h tells valgrind and ASan where the program's bytes are.
 */
struct ms_header {
	uint64_t seq;          /* thread slot << MS_SEQ_BITS | per-thread number */
	const char *file;      /* allocation site */
	uint64_t requested;    /* bytes the program asked for */
	uint16_t row;          /* the block's row */
	uint16_t check;        /* a hash of the rest and the block's address */
	uint32_t line;
};

#define MS_HEADER_SIZE ((size_t)sizeof(struct ms_header))
_Static_assert(sizeof(struct ms_header) == 32,
	       "two of glibc's 16-byte steps: usable sizes match plain malloc, pointers stay aligned");
#define MS_SEQ_BITS 48
#define MS_SEQ_MASK ((UINT64_C(1) << MS_SEQ_BITS) - 1)
#define MS_MAX_THREADS (1u << 16)

/* A block's place in the three notions. */
struct ms_block_sizes {
	int64_t bytes[MS_NOTION_COUNT];
};

/*
 * Read the live block `p`'s header and sizes: false if `p` does not start
 * a live block (or its header is overwritten). Reads only memory the page
 * map says memstats owns.
 */
bool ms_block_lookup(const void *p, struct ms_header *h, struct ms_block_sizes *sizes);

/*
 * Report `p`, which is not a live block's start, as precisely as can be
 * said: a double free, an interior pointer (and into what), or unknown.
 */
void ms_report_not_live(const void *p, const char *function, const char *file, int line);

/*
 * The process's threads now, as the kernel counts them (process.c), or -1
 * if it cannot say. A thread that pthread_join has just returned for may
 * be counted a moment longer, until the kernel has finished its exit.
 */
int ms_process_threads(void);

/* ------------------------------------------------------------------ */
/* Rows: types and tags (types.c)                                       */
/* ------------------------------------------------------------------ */

#define MS_MAX_ROWS 4096u       /* fits the header's 16-bit row */

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
 * ms_program_read_only), so a cache of its address need not compare it;
 * it is false whenever the row is UINT32_MAX.
 */
uint32_t ms_row_of_tag(const char *tag, bool *constant, const char *function, const char *file,
		       int line);

/*
 * True if `p` is in a read-only segment of the program itself (one of its
 * string literals or const arrays): its bytes cannot change while the
 * program runs. A library's literal is not, since a library can be
 * unloaded. The program's segments are read once (readonly.c); a tag
 * address is asked about once, when the tag table first meets it.
 */
bool ms_program_read_only(const void *p);

/* ------------------------------------------------------------------ */
/* Per-thread gauges (gauges.c)                                         */
/* ------------------------------------------------------------------ */

/*
 * Twelve counters per row: for blocks and each notion, current, peak and
 * total. Each thread writes only its own rows, with relaxed atomic loads
 * and stores (plain moves on x86-64, no lock prefix); summaries add up all
 * threads' rows. So the hot path never writes memory another thread
 * writes, which is what made shared counters 4x slower with two threads.
 */
#define MS_MEASURES (1 + MS_NOTION_COUNT)   /* blocks, then each notion */

struct ms_gauge_row {
	_Atomic int64_t current[MS_MEASURES];
	_Atomic int64_t peak[MS_MEASURES];
	_Atomic int64_t total[MS_MEASURES];
};

/*
 * A thread's whole-program counters: current and peak, which no sum of
 * rows gives (the peak is of the sum). Its totals are the sums of its
 * rows' totals, added up when asked, one update fewer per measure.
 */
struct ms_program_row {
	_Atomic int64_t current[MS_MEASURES];
	_Atomic int64_t peak[MS_MEASURES];
};

#define MS_ROWS_PER_CHUNK 64u
#define MS_ROW_CHUNKS (MS_MAX_ROWS / MS_ROWS_PER_CHUNK)

/*
 * The last blocks a thread freed, so a second free of one can be named as
 * a double free. Addresses are stored XOR-ed with a constant: a copy of a
 * plain address would keep a leaked block "reachable" to a leak checker
 * once the address is reused.
 */
#define MS_FREED_RING 64
#define MS_HIDE_ADDRESS(p) ((uintptr_t)(p) ^ (uintptr_t)0xa5a5a5a5a5a5a5a5u)

struct ms_freed {
	uintptr_t hidden;
	const char *file;       /* where it was freed */
	uint32_t line;
	uint32_t row;
};

struct ms_thread {
	struct ms_program_row all;                        /* every row together */
	_Atomic(struct ms_gauge_row *) chunks[MS_ROW_CHUNKS];
	/*
	 * The last block's header seq, slot and number together, so a new
	 * block's is one add. After 2^48 blocks in one slot the number would
	 * carry into the slot's bits: 30 days of allocating at 10 ns a block.
	 */
	_Atomic uint64_t next_seq;
	uint64_t slot;                                    /* fixed at creation */
	struct ms_freed freed[MS_FREED_RING];             /* read by this thread only */
	unsigned freed_next;
	/* the last read-only tag this thread allocated under: MS_HIDE_ADDRESS of it, or 0 */
	uintptr_t last_tag;
	uint32_t last_tag_row;
	struct ms_gauge_row *last_tag_gauges;             /* this thread's gauges of that row */
	_Atomic bool in_use;                              /* a live thread owns it */
	struct ms_thread *next;                           /* all states, never freed */
};

/* The calling thread's state, created on first use; NULL if that fails. */
struct ms_thread *ms_thread_self_slow(void);
extern _Thread_local struct ms_thread *ms_thread_current;
static inline struct ms_thread *ms_thread_self(void)
{
	struct ms_thread *t = ms_thread_current;
	return t ? t : ms_thread_self_slow();
}

/* The gauge row of `row` in `t`, created if needed; NULL on failure. */
struct ms_gauge_row *ms_thread_row_slow(struct ms_thread *t, uint32_t row);
static inline struct ms_gauge_row *ms_thread_row(struct ms_thread *t, uint32_t row)
{
	struct ms_gauge_row *chunk = atomic_load_explicit(&t->chunks[row / MS_ROWS_PER_CHUNK],
							  memory_order_relaxed);
	return chunk ? &chunk[row % MS_ROWS_PER_CHUNK] : ms_thread_row_slow(t, row);
}

static inline int64_t ms_gauge_load(_Atomic int64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static inline void ms_gauge_store(_Atomic int64_t *v, int64_t value)
{
	atomic_store_explicit(v, value, memory_order_relaxed);
}

static inline void ms_gauge_add(_Atomic int64_t *v, int64_t delta)
{
	ms_gauge_store(v, ms_gauge_load(v) + delta);
}

/* Raise `current` by `delta` (>= 0), and `peak` with it. */
MS_HOT void ms_gauge_rise(_Atomic int64_t *current, _Atomic int64_t *peak, int64_t delta)
{
	int64_t now = ms_gauge_load(current) + delta;
	ms_gauge_store(current, now);
	if (now > ms_gauge_load(peak))
		ms_gauge_store(peak, now);
}

/*
 * Count `delta` of measure `m` in: the row's current, total and peak, and
 * the program's current and peak.
 */
MS_HOT void ms_measure_in(struct ms_gauge_row *g, struct ms_program_row *all, int m,
			  int64_t delta)
{
	ms_gauge_rise(&g->current[m], &g->peak[m], delta);
	ms_gauge_add(&g->total[m], delta);
	ms_gauge_rise(&all->current[m], &all->peak[m], delta);
}

MS_HOT void ms_measure_out(struct ms_gauge_row *g, struct ms_program_row *all, int m,
			   int64_t delta)
{
	ms_gauge_add(&g->current[m], -delta);
	ms_gauge_add(&all->current[m], -delta);
}

/*
 * Count one block of `sizes` in or out of row `g` and the program `all`.
 * Spelled out, not looped: gcc -O2 keeps a 4-step loop, and it costs the
 * hot path about 7 ns.
 */
_Static_assert(MS_NOTION_COUNT == 3, "ms_count_in and _out name every notion");

MS_HOT void ms_count_in(struct ms_gauge_row *g, struct ms_program_row *all,
			const struct ms_block_sizes *s)
{
	ms_measure_in(g, all, 0, 1);
	ms_measure_in(g, all, 1 + MS_REQUESTED, s->bytes[MS_REQUESTED]);
	ms_measure_in(g, all, 1 + MS_USABLE, s->bytes[MS_USABLE]);
	ms_measure_in(g, all, 1 + MS_FOOTPRINT, s->bytes[MS_FOOTPRINT]);
}

MS_HOT void ms_count_out(struct ms_gauge_row *g, struct ms_program_row *all,
			 const struct ms_block_sizes *s)
{
	ms_measure_out(g, all, 0, 1);
	ms_measure_out(g, all, 1 + MS_REQUESTED, s->bytes[MS_REQUESTED]);
	ms_measure_out(g, all, 1 + MS_USABLE, s->bytes[MS_USABLE]);
	ms_measure_out(g, all, 1 + MS_FOOTPRINT, s->bytes[MS_FOOTPRINT]);
}

/*
 * In a child just forked, where only the forking thread runs: every other
 * thread's state, counts kept, is marked free for the child's new threads.
 */
void ms_thread_states_after_fork(void);

/* The first thread state; walk with ->next. Never freed, so no lock. */
struct ms_thread *ms_thread_first(void);
/*
 * `row`'s gauges summed over every thread (UINT32_MAX: the whole program,
 * whose totals are its rows' totals: O(rows x threads)).
 */
void ms_gauges_sum(uint32_t row, struct ms_gauges *out);
/* The whole program's current and peak per measure, summed over threads: O(threads). */
void ms_program_now(int64_t current[MS_MEASURES], int64_t peak[MS_MEASURES]);
/* What ms_gauges_reset restarts. */
enum ms_gauges_reset_what {
	MS_RESTART_PROGRAM_PEAKS,  /* the whole-program rows' peaks, at their current values */
	MS_RESTART_ALL_PEAKS,      /* every peak, at its current value */
	MS_ZERO_EVERYTHING         /* every counter to 0, every thread's numbering restarted */
};
void ms_gauges_reset(enum ms_gauges_reset_what what);

/*
 * Peaks over intervals (peaks.c). The whole-program rows' peaks measure
 * the current interval only; each peak event (a tracker checkpoint,
 * ms_peak_reset) folds them into the program's peak and into every
 * watcher's, then restarts them. So each watcher sees the peak since it
 * started, whatever other watchers and ms_peak_reset do.
 */
struct ms_peak_watch {
	int64_t peak[MS_MEASURES];
	struct ms_peak_watch *prev, *next;
};
/*
 * Start watching from now: the peak so far is the current value, copied to
 * `now` (NULL: not wanted) before any other thread's peak event can raise it.
 */
void ms_peak_watch_start(struct ms_peak_watch *w, int64_t now[MS_MEASURES]);
/* Stop watching; `w` may then be freed. */
void ms_peak_watch_stop(struct ms_peak_watch *w);
/* The peak since `w` started, for blocks and each notion. */
void ms_peak_watch_read(const struct ms_peak_watch *w, int64_t peak[MS_MEASURES]);
/* The whole program's peaks, since the start or the last ms_peak_reset. */
void ms_program_peaks(int64_t peak[MS_MEASURES]);
/* Forget every peak (ms_reset). */
void ms_peaks_zero(void);
/* True while any watcher (a tracker) is started. */
bool ms_peak_watchers_exist(void);
/* True while any object tracker exists (objtracker.c). */
bool ms_objtrackers_exist(void);
/* Thread states made so far. */
size_t ms_thread_count(void);
/* Thread slots handed out so far, above any state's slot: a tracker's marks are indexed by slot. */
size_t ms_thread_slots(void);

/*
 * Names as printed (text.c): a byte that is no part of well-formed UTF-8,
 * a control character (below 0x20, 0x7f, U+0080..U+009F) and the
 * backslash are escaped ("\n", "\t", "\\", else "\xNN" a byte), so a
 * name can neither break a line or a table nor drive the terminal, and
 * the escaped text reads back unambiguously.
 */
/* The columns `name` takes once escaped: one a character, so an escape counts its length. */
size_t ms_text_width(const char *name);
/* Print `name` escaped: 0, or -1 if writing failed. */
int ms_text_print(const char *name, FILE *out);
/*
 * `name` escaped into `buf`, cut as Pympler's trunc() cuts: if it takes
 * more than `columns` columns (at least 3), what fits before "..." and
 * then "...". Returns the columns `buf` takes. A column holds at most 4
 * bytes (a character of UTF-8), so `buf` holds MS_CLIP_CAP(columns).
 */
#define MS_CLIP_CAP(columns) (4 * (columns) + 1)
size_t ms_text_clip(const char *name, size_t columns, char *buf);

/*
 * A name as a misuse message shows it: escaped and cut to 64 columns, so
 * that no name, however long, pushes the reason after it out of the
 * message. Used as ms_show(name).text in the arguments of ms_misuse (or
 * of a printf): a structure a call returns lives until the end of the
 * full expression it is in.
 */
#define MS_SHOWN_COLUMNS 64
struct ms_shown {
	char text[MS_CLIP_CAP(MS_SHOWN_COLUMNS)];
};
struct ms_shown ms_show(const char *name);

/*
 * Print `rows` rows of `columns` cells (row 0 the header) in Pympler's
 * shape: each column right-aligned to its widest cell plus 2, " | "
 * between columns, a rule of '=' under the header; cells are escaped
 * names (ms_text_print), measured escaped. Ends with ms_print_end: 0, or
 * -1 with errno set.
 */
int ms_table_write(FILE *out, size_t columns, size_t rows, const char *const *cells);

/*
 * The last step of every printer. stdio holds what was written in its
 * buffer, so a full disk or a bad descriptor shows only once the buffer
 * goes out: flush it now, so that the printer's result says whether its
 * text arrived. `failed`: the printer has already failed (a write, or no
 * memory). 0 if nothing failed and the stream holds no error; else -1,
 * errno from the printer's own failure if there was one, else as the
 * stream's write set it.
 */
int ms_print_end(FILE *out, bool failed);

/*
 * A table filled cell by cell, row by row (the header first): the
 * printers of summaries and site tables build theirs with it. `opts`
 * (NULL: MS_PRINT_DEFAULTS) says how many of `count` rows to show and
 * which size columns follow the `fixed_columns` ones.
 */
#define MS_CELL 64   /* room for "file.c:LINE" or any number */
struct ms_cells {
	const struct ms_print_opts *opts;
	size_t rows, columns, next;
	const char **cells;
	char (*text)[MS_CELL];
};
int ms_cells_start(struct ms_cells *t, size_t count, size_t fixed_columns,
		   const struct ms_print_opts *opts);
/* The next cell: a string that outlives the table. */
void ms_cells_put(struct ms_cells *t, const char *text);
/* The next cell, formatted into the table's own storage. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void ms_cells_printf(struct ms_cells *t, const char *fmt, ...);
/* The headers of the size columns `opts` asks for. */
void ms_cells_size_headers(struct ms_cells *t);
/* The sizes of one row, in the columns `opts` asks for. */
void ms_cells_sizes(struct ms_cells *t, const int64_t bytes[MS_NOTION_COUNT]);
/* Print the table and release it: 0, or -1 with errno set. */
int ms_cells_finish(struct ms_cells *t, FILE *out);
/* The column header of a notion ("requested size"). */
const char *ms_notion_header(enum ms_notion notion);

/*
 * Deep sizes of several live blocks in one walk (sizeof.c), in every
 * notion at once: a block reachable from more than one root is counted
 * for the first root that reaches it, so the sizes in `each` add up to
 * the deep size of them all. NULL roots size 0. 0, or -1 with errno = ENOMEM.
 */
int ms_deep_many(const void *const *roots, size_t count,
		 int64_t (*each)[MS_NOTION_COUNT], const char *function, const char *file, int line);

/*
 * Live blocks whose number in their thread slot is above `marks[slot]`
 * (or whose slot is at or past `mark_count`), by site (sites.c).
 */
ms_sites *ms_sites_since(const uint64_t *marks, size_t mark_count);

/* ------------------------------------------------------------------ */
/* Locks, and fork (fork.c)                                             */
/* ------------------------------------------------------------------ */

/*
 * Every lock of the library, each beside what it guards (types.c,
 * peaks.c, bookkeeping.c). fork.c holds them all across a fork.
 */
extern pthread_mutex_t ms_rows_lock;
extern pthread_mutex_t ms_peak_lock;
extern pthread_mutex_t ms_arena_lock;

/*
 * Register the fork handlers, once. It is called before any lock is taken
 * and before any thread state is made, the two things a fork must deal
 * with; both are slow paths, so the allocation's fast path never calls it.
 */
void ms_fork_handlers_once(void);

/* Take one of the library's locks, the fork handlers registered first. */
void ms_lock(pthread_mutex_t *lock);

/* ------------------------------------------------------------------ */
/* Bookkeeping and misuse (registry.c, misuse.c)                        */
/* ------------------------------------------------------------------ */

/*
 * memstats' own memory (bookkeeping.c): a table, permanent, zeroed, taken from mappings
 * of its own rather than malloc, so valgrind and LeakSanitizer never list
 * it as still reachable and mallinfo2 shows only the program's blocks.
 * NULL when the system has no memory left.
 */
void *ms_bookkeeping_alloc(size_t size);
/* Count `delta` more bytes of memstats' own held in malloc blocks (summaries, trackers). */
void ms_bookkeeping_add(int64_t delta);
/* memstats' own memory in use, ms_stats' table_bytes: tables plus what ms_bookkeeping_add counted. */
int64_t ms_bookkeeping_table_bytes(void);


/*
 * Report a bad call (printf-style detail); the caller then ignores it.
 * Every name in the detail goes in as ms_show(name).text; the message
 * has room for the site and at most four of them besides the wording.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void ms_misuse(enum ms_misuse_kind kind, const char *function, const char *file, int line,
	       const char *fmt, ...);
/* Bad calls reported since the last ms_misuse_total_reset(). */
int64_t ms_misuse_total(void);
void ms_misuse_total_reset(void);

#endif
