/* memstats.h: the whole public API of libmemstats, heap allocation counted by type; each section's banner names the .c that defines it. */
#ifndef MEMSTATS_H
#define MEMSTATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Size notions: the three ways a block is seen (named in table.c)     */
/* ------------------------------------------------------------------ */

/*
 * One X-macro feeds the enum, the printers' column headers and the data
 * file headers, so they cannot disagree.  X(enum name, short name, header)
 *   requested: what the program asked for;
 *   usable:    what the allocator granted (malloc_usable_size), without
 *              the header memstats keeps before each block;
 *   footprint: usable plus the allocator's own chunk header.
 */
#define MS_NOTIONS(X)                                   \
	X(MS_REQUESTED, "requested", "requested size")  \
	X(MS_USABLE, "usable", "usable size")           \
	X(MS_FOOTPRINT, "footprint", "footprint")

enum ms_notion {
#define MS_NOTION_ENUM_(id, short_name, header) id,
	MS_NOTIONS(MS_NOTION_ENUM_)
#undef MS_NOTION_ENUM_
	MS_NOTION_COUNT
};

/* The short name of a notion ("requested"), or NULL if out of range. */
const char *ms_notion_name(enum ms_notion notion);

/* ------------------------------------------------------------------ */
/* Printers (their tables: table.c)                                    */
/* ------------------------------------------------------------------ */

/*
 * Every call below that writes to a FILE * (ms_sized_print,
 * ms_summary_print, ms_sites_print, ms_tracker_print_diff,
 * ms_objtracker_print_summary, ms_objtracker_write_data) flushes it before
 * it returns, so that a write that fails shows in its result rather than
 * only at the caller's fclose: 0 if the stream took every byte, else -1
 * with errno as the failed write set it (ENOSPC for a full disk, EBADF for
 * a stream not open for writing), ENOMEM, or EINVAL for a NULL argument.
 * A stream whose error indicator (ferror) is already set fails too: what
 * went to it before is lost, so the text cannot have arrived whole.
 */

/*
 * How ms_table_print lays a table out: each column as wide as its widest
 * cell plus `padding`, its cells right-aligned, or left-aligned where
 * `left` has MS_TABLE_COLUMN(c) set (for columns 0 to 31).
 */
#define MS_TABLE_COLUMN(c) (1u << (c))

struct ms_table_style {
	size_t padding;       /* columns added to each column's widest cell */
	unsigned left;        /* MS_TABLE_COLUMN(...) bits: left-aligned columns */
};

/* Pympler's tables: every column right-aligned, padded by two. */
#define MS_TABLE_PYMPLER { 2, 0 }

/*
 * Print `rows` rows of `columns` cells each, `cells` row after row, row 0
 * the header, in Pympler's shape: columns laid out as `style` says (NULL:
 * MS_TABLE_PYMPLER), " | " between them, a rule of '=' as wide as each
 * column under the header. No line ends in a space the table put there:
 * empty cells at a line's end take no padding, and the separator before
 * them ends in its '|'. Cells print escaped and are measured escaped (see
 * "Names as printed", below); a NULL cell is empty. Every summary, site
 * table and diff memstats prints is one of these. 0, or -1 with errno set
 * (Printers).
 */
int ms_table_print(FILE *out, size_t columns, size_t rows, const char *const *cells,
		   const struct ms_table_style *style);

/* ------------------------------------------------------------------ */
/* Type descriptors (types.c)                                          */
/* ------------------------------------------------------------------ */

/* What a described field holds. */
enum ms_field_kind {
	MS_FIELD_PTR,       /* a pointer to one object of `target` */
	MS_FIELD_ARRAY,     /* a pointer to `len` objects of `target` */
	MS_FIELD_PTR_ARRAY, /* a pointer to `len` pointers, each to a `target` */
	MS_FIELD_STRING     /* a NUL-terminated C string */
};

typedef struct ms_type ms_type;

/* One field of a struct that points elsewhere. Build it with the macros. */
typedef struct ms_field {
	const char *name;          /* the member's name, for sized trees */
	enum ms_field_kind kind;
	size_t offset;             /* offsetof the pointer member */
	size_t len_offset;         /* offsetof the size_t length member */
	const ms_type *target;     /* described type pointed at (NULL for strings) */
} ms_field;

/*
 * A described type. Define one with MS_TYPE or MS_TYPE_LEAF; the library
 * fills in `row_` on first use (0 means "not yet registered").
 */
struct ms_type {
	const char *name;          /* the row's identity, e.g. "struct node" */
	size_t size;               /* sizeof one element */
	const ms_field *fields;
	size_t field_count;
	_Atomic uint32_t row_;     /* library-owned: row number + 1 */
};

/*
 * The compile-time checks inside these macros reject a member that is not
 * pointer-sized (for pointers) or not size_t-sized (for lengths): a
 * negative array size stops the build with the offending line.
 */
#define MS_CHECK_SIZE_(ctype, member, want) \
	(0 * sizeof(char[sizeof(((ctype *)0)->member) == (want) ? 1 : -1]))

#define MS_FIELD_(ctype, member, kind_, len_off, target_)                   \
	{ #member, kind_,                                                    \
	  offsetof(ctype, member) + MS_CHECK_SIZE_(ctype, member, sizeof(void *)), \
	  len_off, target_ }

#define MS_LEN_(ctype, len) \
	(offsetof(ctype, len) + MS_CHECK_SIZE_(ctype, len, sizeof(size_t)))

/* `member` points at one object of `target` (an `ms_type *`). */
#define MS_PTR(ctype, member, target) \
	MS_FIELD_(ctype, member, MS_FIELD_PTR, 0, target)
/* `member` points at `len` objects of `target`; `len` is a size_t member. */
#define MS_ARRAY(ctype, member, len, target) \
	MS_FIELD_(ctype, member, MS_FIELD_ARRAY, MS_LEN_(ctype, len), target)
/* `member` points at `len` pointers, each to one object of `target`. */
#define MS_PTR_ARRAY(ctype, member, len, target) \
	MS_FIELD_(ctype, member, MS_FIELD_PTR_ARRAY, MS_LEN_(ctype, len), target)
/* `member` is a NUL-terminated C string. */
#define MS_STRING(ctype, member) \
	MS_FIELD_(ctype, member, MS_FIELD_STRING, 0, NULL)

/*
 * Define a descriptor next to its struct in one statement:
 *   MS_TYPE(node_type, struct node,
 *           MS_PTR(struct node, left, &node_type),
 *           MS_STRING(struct node, label));
 * A storage class may go in front (`static MS_TYPE(...)`).
 */
#define MS_TYPE(var, ctype, ...)                                          \
	ms_type var = { #ctype, sizeof(ctype),                            \
			(const ms_field[]){ __VA_ARGS__ },                \
			sizeof((const ms_field[]){ __VA_ARGS__ }) / sizeof(ms_field), 0 }

/* A descriptor for a type with no pointer fields, e.g. `double`. */
#define MS_TYPE_LEAF(var, ctype) ms_type var = { #ctype, sizeof(ctype), NULL, 0, 0 }

/*
 * A descriptor for a pointer type whose every element points at one
 * `target`: `int *`, the elements of `int **x = ms_alloc(&int_ptr, 10)`.
 *   MS_TYPE_POINTER(int_ptr, int *, &ms_type_int);
 * Its one field is named "*"; sized trees call its elements "[i]".
 */
#define MS_TYPE_POINTER(var, ctype, target)                                  \
	ms_type var = { #ctype, sizeof(ctype),                               \
			(const ms_field[]){ { "*", MS_FIELD_PTR,                  \
					      0 * sizeof(char[sizeof(ctype) ==    \
							       sizeof(void *) ? 1 : -1]), \
					      0, target } },                      \
			1, 0 }

/* Built-in descriptors: rows "int", "char" and "bytes". */
extern ms_type ms_type_int;
extern ms_type ms_type_char;
extern ms_type ms_type_bytes;

/* ------------------------------------------------------------------ */
/* Allocation (alloc.c)                                                */
/* ------------------------------------------------------------------ */

/*
 * The macros record the call site: the file's base name and the line.
 * Each has a function form taking the site, usable as a function pointer.
 * A zero count (or size) is defined: it returns a live, unique block of 0
 * requested bytes, counted as one block.  Failure returns NULL with errno
 * set (ENOMEM for overflow or exhaustion, EINVAL for a bad argument) and
 * reports the call through the misuse handler.
 */
#ifdef __FILE_NAME__
#define MS_SITE_FILE_ __FILE_NAME__
#else
#define MS_SITE_FILE_ __FILE__
#endif

/* `count` uninitialised objects of `type`; the caller frees with ms_free. */
#define ms_alloc(type, count) ms_alloc_at((type), (count), MS_SITE_FILE_, __LINE__)
void *ms_alloc_at(ms_type *type, size_t count, const char *file, int line);

/* As ms_alloc, zero-filled. */
#define ms_calloc(type, count) ms_calloc_at((type), (count), MS_SITE_FILE_, __LINE__)
void *ms_calloc_at(ms_type *type, size_t count, const char *file, int line);

/*
 * `size` untyped bytes, summarized under `tag` (a row of its own). Tags
 * with equal text share a row wherever the strings live; a tag may not
 * reuse a described type's name, and may not be empty (either is
 * refused as a bad type: NULL with errno = EINVAL). The tag text is copied.
 */
#define ms_alloc_bytes(size, tag) ms_alloc_bytes_at((size), (tag), MS_SITE_FILE_, __LINE__)
void *ms_alloc_bytes_at(size_t size, const char *tag, const char *file, int line);

/*
 * As ms_alloc_bytes, zero-filled by calloc beneath, so a large block on
 * pages the system has just mapped (and zeroed) is not written again: a
 * calloc adapter's large zeroed buffer stays out of the process's RSS
 * until it is used, as under calloc itself.
 */
#define ms_calloc_bytes(size, tag) ms_calloc_bytes_at((size), (tag), MS_SITE_FILE_, __LINE__)
void *ms_calloc_bytes_at(size_t size, const char *tag, const char *file, int line);

/*
 * As ms_alloc_bytes, the block's address a multiple of `alignment`, a
 * power of two (any: posix_memalign's, aligned_alloc's, memalign's,
 * valloc's page and pvalloc's rounded size all map onto it). The caller
 * frees it with ms_free; ms_realloc moves it to malloc's alignment, as C's
 * realloc may. Up to 16 it is any tagged block, malloc's alignment; past
 * that memstats asks posix_memalign for a block aligned as asked, with
 * the header in its last 32 bytes before the program's, and the rest of
 * that front, alignment - 32 bytes from 64 on, padding. The block's
 * usable size is what the malloc block holds from the program's pointer
 * on (for a block glibc mapped on its own, what malloc(size)'s mapping
 * would, where the mapping holds that much), its footprint that and
 * malloc's chunk header, as for any block; the header and padding are
 * memstats' bookkeeping (ms_stats' header_bytes). An
 * alignment that is not a power of two is misuse (MS_MISUSE_ALIGNMENT,
 * NULL with errno = EINVAL); one past 2^40 cannot be met (ENOMEM).
 */
#define ms_alloc_aligned(alignment, size, tag) \
	ms_alloc_aligned_at((alignment), (size), (tag), MS_SITE_FILE_, __LINE__)
void *ms_alloc_aligned_at(size_t alignment, size_t size, const char *tag, const char *file,
			  int line);

/*
 * Resize a live block to `count` objects of its own type (bytes, for a
 * tagged block). Like realloc, the block may move; on failure the old
 * block is untouched. A NULL pointer is misuse (there is no type to use).
 * ms_realloc(p, 0) keeps a 0-byte block; it does not free. One case is
 * beyond repair: if the block moved and the page map then has no memory
 * for its new address (other threads took the node set aside for it),
 * the moved block is returned untracked and reported as out of memory;
 * neither ms_free nor free can release it.
 */
#define ms_realloc(ptr, count) ms_realloc_at((ptr), (count), MS_SITE_FILE_, __LINE__)
void *ms_realloc_at(void *ptr, size_t count, const char *file, int line);

/*
 * C's realloc, for an adapter that maps realloc onto memstats one to one:
 * ms_realloc_bytes(NULL, size, tag) is ms_alloc_bytes(size, tag); a size
 * of 0 frees `ptr` and returns NULL, as glibc's realloc does (C17 leaves
 * it to the implementation); otherwise the live block `ptr` is resized to
 * `size` bytes, as ms_realloc resizes it to a count of its elements
 * (moved and renumbered at this call's site, NULL with errno = ENOMEM and
 * the block untouched on failure, a bad pointer reported, and handed to
 * realloc under MS_FOREIGN_PASS). `tag` names the row of a new block
 * only: a resized block keeps its row, so a described type's block given
 * a size that is no whole number of its elements counts the whole ones
 * (ms_block_info's count) and requests the bytes.
 */
#define ms_realloc_bytes(ptr, size, tag) \
	ms_realloc_bytes_at((ptr), (size), (tag), MS_SITE_FILE_, __LINE__)
void *ms_realloc_bytes_at(void *ptr, size_t size, const char *tag, const char *file, int line);

/*
 * The bytes the program asked for in the live block `ptr` (its last
 * allocation or resize): what an adapter's size call returns, SQLite's
 * xSize or malloc_usable_size. SQLite takes xSize as the bytes it may use
 * (a Mem's capacity is sqlite3DbMallocSize of its buffer), and the
 * requested bytes are, under valgrind and ASan too, which hold the
 * program to them where the usable size would not be; they are also
 * what SQLite's own mem1.c, without malloc_usable_size, records. Reads
 * the page map and the header only: no size of malloc's, no row, no
 * lock. 0 for NULL; for a pointer memstats did not hand out, 0 with
 * errno = EINVAL and nothing reported, or under MS_FOREIGN_PASS the
 * allocator's malloc_usable_size of it.
 */
size_t ms_size(const void *ptr);

/* A tracked copy of `s`, counted in the "char" row. */
#define ms_strdup(s) ms_strdup_at((s), MS_SITE_FILE_, __LINE__)
char *ms_strdup_at(const char *s, const char *file, int line);

/*
 * Release a block. NULL is a no-op. A pointer memstats did not hand out,
 * one already freed, or one inside a block is reported and ignored. A
 * pointer inside a live block is reported as such (MS_MISUSE_INTERIOR,
 * naming the block) while the process has no other thread, as the kernel
 * counts them now: a thread pthread_join returned for may count a moment
 * longer. With other threads it is reported as not a live block, since
 * one of them could free the block below while it is looked at.
 */
#define ms_free(ptr) ms_free_at((ptr), MS_SITE_FILE_, __LINE__)
void ms_free_at(void *ptr, const char *file, int line);

/*
 * Call sites by return address, for a program built without memstats: an
 * LD_PRELOAD object that defines malloc and its kin has no file and line
 * to give, only the address its caller returns to
 * (__builtin_return_address(0) in the interposed function). These are
 * ms_alloc_bytes_at, ms_calloc_bytes_at, ms_alloc_aligned_at,
 * ms_realloc_bytes_at and ms_free_at with that address, not NULL, for the site: kept in the
 * block's header where a file and line go (so a block costs no more),
 * grouped by in site tables, and shown, in tables and misuse messages, as
 * the base name of the loaded object that holds the address and the
 * offset into it, "test_return_sites+0x1a2b" (dladdr): the same from run
 * to run, wherever the object was loaded. ms_block_info and a site
 * table's rows give the address itself, to symbolise further. A line of
 * -1 in the _at calls is taken to mark such a site.
 */
void *ms_alloc_bytes_ret(size_t size, const char *tag, const void *return_address);
void *ms_calloc_bytes_ret(size_t size, const char *tag, const void *return_address);
void *ms_alloc_aligned_ret(size_t alignment, size_t size, const char *tag,
			   const void *return_address);
void *ms_realloc_bytes_ret(void *ptr, size_t size, const char *tag, const void *return_address);
void ms_free_ret(void *ptr, const void *return_address);

/*
 * For an LD_PRELOAD object built on memstats: `size` bytes from the
 * allocator beneath memstats (the C library's, or in a preload build the
 * next object's), uncounted, for the object's own work done through the
 * program's malloc (qsort's buffer while it sorts a site table, say),
 * which must not be counted as the program's. Under MS_FOREIGN_PASS,
 * ms_free and ms_realloc hand such a block back to that allocator.
 */
void *ms_beneath_malloc(size_t size);

/* What ms_free and ms_realloc do with a pointer memstats knows nothing of. */
enum ms_foreign_policy {
	MS_FOREIGN_REPORT,   /* report it as not a live block, and leave it alone (the default) */
	MS_FOREIGN_PASS      /* hand it to the allocator beneath, silently and uncounted */
};

/*
 * Choose what ms_free and ms_realloc (ms_realloc_bytes, ms_size) do
 * with a pointer memstats did not hand out, for a program whose every free and realloc goes through
 * memstats while some of its blocks do not: those malloc made before
 * memstats took over, or a library that calls malloc under another name.
 * With MS_FOREIGN_PASS, ms_free(p) calls free(p) and ms_realloc(p, n)
 * returns realloc(p, n), `n` taken as bytes (a foreign block has no
 * type), its result as foreign as `p` was: nothing is counted or
 * reported, and errno is realloc's. The allocator is the C library's, or
 * in a preload build the next object's (lib/next.h). What memstats
 * knows is still reported, since handing it on would corrupt the heap: a
 * block this thread freed among its last 64 frees (a double free), and,
 * while the process has one thread, a pointer into a live block. Returns
 * the policy in force before; an unknown `policy` leaves it, with errno
 * = EINVAL. One global: set it while no other thread frees.
 */
enum ms_foreign_policy ms_set_foreign_policy(enum ms_foreign_policy policy);

/* What memstats knows about one live block. */
struct ms_block_info {
	const char *type_name;     /* the row: a type name or a tag */
	const ms_type *type;       /* NULL for a tagged block */
	size_t count;              /* elements (bytes, for a tagged block) */
	int64_t bytes[MS_NOTION_COUNT];
	size_t malloc_bytes;       /* what memstats asked malloc for: the request, padded
				      to malloc's minimum, and header_bytes; for a
				      block glibc mapped on its own, its usable size and
				      header_bytes */
	size_t header_bytes;       /* memstats' bytes in front of the program's: a 16-byte
				      header for a block made under 32 KiB at malloc's
				      alignment (and kept so by realloc within that
				      size), else 32 (also where memstats could not
				      number the block's site), and an aligned
				      block's padding */
	uint64_t seq;              /* allocation number within its thread slot */
	unsigned thread;           /* the allocating thread's slot (reused after a thread ends) */
	const char *file;          /* allocation (or last realloc) site; NULL for an */
	int line;                  /*   address site (the _ret calls), line 0 */
	const void *return_address; /* an address site's address, else NULL */
};

/*
 * Fill `info` for the live block `ptr`: 0, or -1 with errno = EINVAL if
 * `ptr` is not the start of a live tracked block (nothing is reported).
 */
int ms_block_info(const void *ptr, struct ms_block_info *info);

/* ------------------------------------------------------------------ */
/* Sizing: one block, or everything reachable from it (sizeof.c)       */
/* ------------------------------------------------------------------ */

/*
 * The live block `p`'s own size in `notion`. 0 for NULL; -1 with errno =
 * EINVAL (and a misuse report) if `p` is not the start of a live block.
 */
#define ms_sizeof_flat(p, notion) ms_sizeof_flat_at((p), (notion), MS_SITE_FILE_, __LINE__)
int64_t ms_sizeof_flat_at(const void *p, enum ms_notion notion, const char *file, int line);

/* What a deep sizing met on its way. */
struct ms_deep {
	int64_t bytes;       /* every block reached, each counted once, in the notion */
	int64_t blocks;      /* blocks counted */
	int64_t shared;      /* references to a block already counted: sharing, cycles */
	int64_t untracked;   /* non-NULL pointers to memory memstats did not hand out */
};

/*
 * Bytes reachable from the live block `p`: the block, then, depth-first in
 * field declaration order, every block its described fields point at,
 * each counted once however often it is reached (so cycles end). Every
 * element of `p`'s block is walked; an MS_ARRAY field's first `len`
 * elements; an MS_PTR field's one object. A pointer to memory memstats
 * did not hand out (or into the middle of a block) is reported as misuse
 * and not counted; so is a field whose block has another described type.
 * 0 for NULL; -1 with errno = EINVAL if `p` is not a live block's start.
 * Not to be run from two threads at once on blocks that change meanwhile.
 */
#define ms_sizeof_deep(p, notion) ms_sizeof_deep_at((p), (notion), NULL, MS_SITE_FILE_, __LINE__)
/* The same, also filling *found with what the walk met. */
#define ms_sizeof_deep_found(p, notion, found) \
	ms_sizeof_deep_at((p), (notion), (found), MS_SITE_FILE_, __LINE__)
int64_t ms_sizeof_deep_at(const void *p, enum ms_notion notion, struct ms_deep *found,
			  const char *file, int line);

/*
 * A sized tree, Pympler's asized(): a node per reference, the root for
 * the block itself. `size` is the bytes first reached through this node
 * (its block and everything below it), `flat` the block this node reaches
 * if it was first counted here. A reference to a block already counted
 * has size and flat 0 and `counted_at` naming the node that counted it.
 */
struct ms_sized {
	char *name;                      /* "struct node", "left", "[3]", "[2].label" */
	int64_t size;
	int64_t flat;
	const struct ms_sized *counted_at; /* shared: where the block was counted */
	int counted_below;               /* shared, counted below `counted_at` (past detail) */
	int untracked;                   /* points at memory memstats did not hand out */
	int mistyped;                    /* points at a block of another described type */
	const struct ms_sized *parent;   /* NULL at the root */
	size_t child_count;
	struct ms_sized *children;       /* by size, descending; ties in traversal order */
	struct ms_deep totals;           /* the whole traversal (root only; zero elsewhere) */
};

/*
 * Size `p` as ms_sizeof_deep does and keep a tree `detail` levels deep (0:
 * the root alone). `detail` changes the tree, never the totals. The caller
 * owns the tree (ms_sized_free). NULL with errno = EINVAL if `p` is not a
 * live block's start, ENOMEM (reported as misuse) if memory ran out.
 */
#define ms_sized(p, detail, notion) ms_sized_at((p), (detail), (notion), MS_SITE_FILE_, __LINE__)
struct ms_sized *ms_sized_at(const void *p, int detail, enum ms_notion notion, const char *file,
			     int line);

/*
 * Print a tree in the shape of Pympler's asized().format(): a line per
 * node, "name size=N flat=M", children indented 4 spaces; a shared
 * reference says where it was counted. Names print escaped (see "Names
 * as printed", below). The indentation stops at 16 levels (64 spaces): a
 * deeper node's line starts there with its depth, "[depth 17] next
 * size=N flat=M", so the output grows with the number of nodes, not with
 * depth squared. 0, or -1 with errno set (Printers).
 */
int ms_sized_print(const struct ms_sized *tree, FILE *out);

/* The path of a node from the root, e.g. "left.right" or "[3].label" ("" at the root); owned by the caller (free). */
char *ms_sized_path(const struct ms_sized *node);

/* Release a tree; NULL is a no-op. */
void ms_sized_free(struct ms_sized *tree);

/* ------------------------------------------------------------------ */
/* The registry: gauges, peaks, bookkeeping (stats.c, peaks.c)         */
/* ------------------------------------------------------------------ */

/* A gauge: live now, the most live at once, everything ever added. */
struct ms_gauge {
	int64_t current;
	int64_t peak;
	int64_t total;
};

/* Blocks and bytes in each notion, each as a gauge. */
struct ms_gauges {
	struct ms_gauge blocks;
	struct ms_gauge bytes[MS_NOTION_COUNT];
};

/* The whole program, as memstats counts it. */
struct ms_stats {
	struct ms_gauges all;        /* every tracked block */
	int64_t bookkeeping_bytes;   /* memstats' own memory, never in a row */
	int64_t header_bytes;        /*   of which: per-block headers (and the padding in
					  front of an aligned block's, ms_alloc_aligned) */
	int64_t table_bytes;         /*   of which: tables, page maps, snapshots */
	int64_t misuse_count;        /* bad calls reported since the last reset */
	size_t rows;                 /* types and tags registered */
	size_t threads;              /* thread states: the most threads that counted at once */
};

/*
 * The program-wide gauges, summed over threads. Each thread counts what it
 * allocates and frees, and keeps the peak of its own count; a peak here is
 * the sum of those. It is exact while one thread does all the allocating
 * and freeing. With several it is an upper bound on the true peak, and a
 * loose one when blocks are allocated in one thread and freed in another
 * (the allocating thread's count only grows). ms_peak_reset() racing with
 * other threads' allocations may leave a peak below its current value
 * until that thread allocates again.
 */
struct ms_stats ms_stats(void);

/* Tracked blocks live now (all types). */
int64_t ms_live_blocks(void);

/* Restart every peak (program-wide and per row) at the current value. */
void ms_peak_reset(void);

/*
 * For tests and chapters: zero every gauge, sequence number and misuse
 * count. Registered types and tags stay. Fails with -1 and errno = EBUSY
 * while any tracked block is live or any ms_tracker or ms_objtracker
 * exists (a checkpoint and a tracked object are kept as allocation
 * numbers, which a reset restarts: a new block would take a freed
 * object's number); other threads must not be allocating.
 */
int ms_reset(void);

/* ------------------------------------------------------------------ */
/* Summaries (summary.c; ms_format_size: table.c)                      */
/* ------------------------------------------------------------------ */

typedef struct ms_summary ms_summary;

/* One row: a type or tag and its gauges. */
struct ms_summary_row {
	const char *name;
	struct ms_gauges g;
};

/*
 * A value snapshot of every row with live blocks, sorted by requested
 * bytes (descending), then blocks (descending), then name. It also keeps,
 * unlisted, each row counted since the last reset that has no live block
 * now: ms_summary_find reads its peak and total, and a diff needs them.
 * Costs O(rows x threads), never a walk of the heap. The caller owns it
 * (ms_summary_free); its memory is bookkeeping. NULL with errno = ENOMEM
 * on failure.
 */
ms_summary *ms_summarize(void);

/*
 * What changed from `before` to `after`: a row for each name whose current
 * blocks or bytes differ; current and total are differences (a row that
 * appears or empties between them counts only what happened between),
 * peak is `after`'s. Sorted by the size of the requested change (absolute
 * value, descending), then of the block change, then name. The caller
 * owns it.
 */
ms_summary *ms_summary_diff(const ms_summary *before, const ms_summary *after);

/* Rows in the summary. */
size_t ms_summary_count(const ms_summary *s);
/* Row `i` (in sort order), or NULL past the end. Owned by the summary. */
const struct ms_summary_row *ms_summary_row(const ms_summary *s, size_t i);
/*
 * The row named `name`, or NULL. In a summary (not a diff) that includes
 * a row with no live blocks, counted since the last reset: its current
 * figures are 0, its peak and total readable. Owned by the summary.
 */
const struct ms_summary_row *ms_summary_find(const ms_summary *s, const char *name);
/* Release a summary; NULL is a no-op. */
void ms_summary_free(ms_summary *s);

/*
 * Which size columns a table shows: a bit per notion. One size column is
 * headed by its notion's header ("requested size"); several by their
 * short names ("requested", "usable", "footprint"), so all fit 80 columns.
 */
#define MS_COLUMN(notion) (1u << (notion))

struct ms_print_opts {
	int limit;            /* most rows printed; negative prints all */
	unsigned columns;     /* MS_COLUMN(...) bits, in notion order */
};

/* Pympler's defaults: 15 rows, the requested size column. */
#define MS_PRINT_DEFAULTS { 15, MS_COLUMN(MS_REQUESTED) }

/*
 * Names as printed. Tables (summaries, site tables, an object tracker's
 * summary), sized trees and misuse messages print a type name, tag, field
 * name, file name, object name or label escaped, so that no name can break a line or a
 * table or drive the terminal, and the printed text reads back
 * unambiguously: a newline as "\n", a tab as "\t", a backslash as "\\",
 * and as "\xNN" (lowercase hex, a byte each) any other byte below 0x20,
 * 0x7f, the two bytes of a C1 control (U+0080..U+009F) and every byte that
 * is not part of well-formed UTF-8 (overlong forms and surrogates
 * included). Well-formed UTF-8 prints as it is. Columns are measured on
 * the escaped text, a character a column (one a terminal draws two
 * columns wide still counts one). The names the calls return are kept as
 * given.
 */

/*
 * Print `s` in Pympler's table shape: right-aligned columns, " | "
 * between them, a rule of '=' under the header, sizes scaled as Pympler's
 * pp() does (negative ones too), names escaped (above). `opts` NULL means
 * MS_PRINT_DEFAULTS. 0, or -1 with errno set (Printers).
 */
int ms_summary_print(const ms_summary *s, FILE *out, const struct ms_print_opts *opts);

/*
 * Format `bytes` as Pympler's pp() does, 10 characters wide: "1024     B",
 * "   1.00 KB" for 1025, units up to TB; negative values scale too. Writes
 * at most `cap` bytes including the NUL; returns `buf`.
 */
char *ms_format_size(int64_t bytes, char *buf, size_t cap);

/*
 * ms_format_size fit for a sentence: no padding, one space before the
 * unit ("4.97 KB", "100 B"). Writes at most `cap` bytes including the
 * NUL; returns `buf`.
 */
char *ms_format_size_text(int64_t bytes, char *buf, size_t cap);

/* ------------------------------------------------------------------ */
/* Checkpoint trackers (tracker.c, sites.c)                            */
/* ------------------------------------------------------------------ */

typedef struct ms_tracker ms_tracker;

/*
 * A tracker with its checkpoint taken now: a summary of what is live,
 * where each thread's allocation numbers stand, and a peak of its own
 * from here on (unaffected by other trackers and by ms_peak_reset). Its
 * memory is bookkeeping, so it never sees itself. The caller owns it
 * (ms_tracker_free). NULL with errno = ENOMEM on failure.
 */
ms_tracker *ms_tracker_new(void);

/*
 * What changed by type since the checkpoint (as ms_summary_diff), and
 * moves the checkpoint to now. The caller owns the diff. NULL on failure.
 */
ms_summary *ms_tracker_diff(ms_tracker *t);

/*
 * The most live at once since the checkpoint, for blocks (`blocks`) and
 * each notion (`bytes`); a peak that came and went shows here even when
 * the diff is empty. Does not move the checkpoint.
 */
struct ms_tracker_peak {
	int64_t blocks;
	int64_t bytes[MS_NOTION_COUNT];
};
struct ms_tracker_peak ms_tracker_peak(const ms_tracker *t);   /* all 0 for NULL */

typedef struct ms_sites ms_sites;

/*
 * One row of a site table: blocks of one row from one call site, a file
 * and line or a return address (the _ret calls, above).
 */
struct ms_site_row {
	const char *file;          /* base name; for an address site, its object's (the
				      loader's text: valid while the object is loaded) */
	int line;                  /* 0 for an address site */
	const char *name;          /* the row: type or tag */
	int64_t blocks;
	int64_t bytes[MS_NOTION_COUNT];
	const void *return_address; /* an address site's address, else NULL */
	uintptr_t offset;          /* the address's offset into its object (file) */
};

/*
 * Blocks allocated since the checkpoint and still live, grouped by call
 * site and row, sorted by requested bytes (descending), then blocks, then
 * site and name. Walks every live block (O(live blocks)), reading their
 * headers: not to be called while other threads free blocks. Does not
 * move the checkpoint. The caller owns the table (ms_sites_free).
 */
ms_sites *ms_tracker_sites(ms_tracker *t);
size_t ms_sites_count(const ms_sites *s);
const struct ms_site_row *ms_sites_row(const ms_sites *s, size_t i);
void ms_sites_free(ms_sites *s);

/*
 * Print a site table in the summary's shape ("site | types | # blocks |
 * requested size" and the columns `opts` asks for), a site as "file:line"
 * or "object+0xOFFSET". 0, or -1 with errno set (Printers).
 */
int ms_sites_print(const ms_sites *s, FILE *out, const struct ms_print_opts *opts);

/*
 * Pympler's print_diff, and more: the by-type diff since the checkpoint;
 * if anything allocated since is still live, the site table; and if the
 * peak since the checkpoint rose above what was live then, two lines:
 * "Peak since the checkpoint: N blocks, X requested" and "(at the
 * checkpoint: M blocks, Y requested)". So nothing happening prints exactly the
 * two header lines. Moves the checkpoint, as Pympler's does, once all of
 * it is written out and flushed. 0, or -1 with errno set (Printers), and
 * then the checkpoint stays, so the next print shows the change again.
 */
int ms_tracker_print_diff(ms_tracker *t, FILE *out);

/* Release a tracker; NULL is a no-op. */
void ms_tracker_free(ms_tracker *t);

/* ------------------------------------------------------------------ */
/* Object trackers (objtracker.c)                                      */
/* ------------------------------------------------------------------ */

typedef struct ms_objtracker ms_objtracker;

/* An empty object tracker, Pympler's ClassTracker. NULL with errno = ENOMEM. */
ms_objtracker *ms_objtracker_new(void);

/*
 * Watch the live block `obj` under `name` (copied; several objects may
 * share a name, and are summed under it). The tracker keeps the address
 * hidden and the block's allocation number, so a freed object is seen as
 * gone, never read, even if a new block takes its address; a realloc that
 * moves or renumbers the block ends its tracking too. Returns the
 * object's index (from 0, in tracking order), or -1 with errno = EINVAL
 * (reported as misuse) if `obj` is not a live block's start, or ENOMEM
 * (reported too) if memory ran out.
 */
#define ms_objtracker_track(ot, obj, name) \
	ms_objtracker_track_at((ot), (obj), (name), MS_SITE_FILE_, __LINE__)
int ms_objtracker_track_at(ms_objtracker *ot, const void *obj, const char *name,
			   const char *file, int line);

/* One object's sizes in one snapshot. */
struct ms_objsample {
	int alive;                        /* 0 once the object was freed */
	int64_t flat[MS_NOTION_COUNT];
	int64_t deep[MS_NOTION_COUNT];    /* shared parts go to the first object tracked */
};

/* A snapshot's totals over every live tracked object. */
struct ms_objsnapshot {
	const char *label;
	size_t active;                    /* tracked objects still alive */
	int64_t flat[MS_NOTION_COUNT];
	int64_t deep[MS_NOTION_COUNT];    /* everything they reach, each block once */
};

/*
 * Size every tracked object now, flat and deep in each notion, in one walk
 * (a block two objects reach is counted once, for the one tracked first),
 * and keep the result under `label` (copied). 0, or -1 with errno set;
 * running out of memory is reported as misuse, and leaves the tracker as
 * it was.
 */
#define ms_objtracker_snapshot(ot, label) \
	ms_objtracker_snapshot_at((ot), (label), MS_SITE_FILE_, __LINE__)
int ms_objtracker_snapshot_at(ms_objtracker *ot, const char *label, const char *file, int line);

/* Snapshots taken so far, and one of them (NULL past the end). */
size_t ms_objtracker_snapshot_count(const ms_objtracker *ot);
const struct ms_objsnapshot *ms_objtracker_totals(const ms_objtracker *ot, size_t i);
/* Objects tracked so far, the name of one, and its sample in snapshot `i`. */
size_t ms_objtracker_object_count(const ms_objtracker *ot);
const char *ms_objtracker_object_name(const ms_objtracker *ot, size_t object);
const struct ms_objsample *ms_objtracker_sample(const ms_objtracker *ot, size_t snapshot,
						size_t object);

/*
 * Pympler's stats.print_summary(): a "---- SUMMARY ---" rule; per
 * snapshot, a header with its label (cut to 35 characters as Pympler's
 * trunc() does, escaped as "Names as printed" says) and total deep size,
 * then one line per name (cut to 33; alphabetical, every name in every
 * snapshot): active objects,
 * their deep size, the average, and pct, their share of the snapshot's
 * tracked total (Pympler divides by the process's virtual size, so its
 * pct reads 0% or 4363%); a closing rule. Sizes are requested bytes.
 * 0, or -1 with errno set (Printers).
 */
int ms_objtracker_print_summary(const ms_objtracker *ot, FILE *out);

/*
 * One line per snapshot for gnuplot: a '#' line naming the columns, then
 * index, "label", active, flat and deep requested, deep usable, deep
 * footprint. 0, or -1 with errno set (Printers).
 */
int ms_objtracker_write_data(const ms_objtracker *ot, FILE *out);

/* Release a tracker (never the objects); NULL is a no-op. */
void ms_objtracker_free(ms_objtracker *ot);

/* ------------------------------------------------------------------ */
/* The process's view (process.c)                                      */
/* ------------------------------------------------------------------ */

/* What the allocator and the kernel say, beside what memstats counts. */
struct ms_process {
	int64_t rss_bytes;        /* resident set, /proc/self/statm */
	int64_t heap_arena_bytes; /* mallinfo2 arena: heap taken from the system */
	int64_t heap_used_bytes;  /* mallinfo2 uordblks: heap chunks in use */
	int64_t heap_free_bytes;  /* mallinfo2 fordblks: free heap chunks */
	int64_t mmapped_bytes;    /* mallinfo2 hblkhd: blocks in their own mappings */
};

/*
 * Fill `p`: 0, or -1 with errno set when /proc/self/statm cannot be read.
 * Under ASan or valgrind malloc is replaced and the mallinfo2 figures are 0.
 */
int ms_process_read(struct ms_process *p);

/*
 * How memstats counts a block that malloc, calloc or realloc handed out
 * directly, not through memstats: a program can measure malloc itself by
 * the rules memstats counts its own blocks by.
 */
struct ms_malloc_block {
	size_t usable;      /* malloc_usable_size */
	size_t footprint;   /* usable and glibc's chunk header: 8 bytes for a heap
			       chunk, 16 for one mapped on its own (whole pages);
			       usable alone under any other malloc (ASan, valgrind,
			       jemalloc...), whose own cost memstats cannot see */
	int glibc;          /* malloc is glibc's: memstats found its chunk headers */
	int mapped;         /* glibc mapped the block on its own */
};

/*
 * Fill `info` for the live malloc block `block`: 0, or -1 with errno =
 * EINVAL if either is NULL. `block` is not const, as malloc_usable_size's
 * is not: gcc warns when a block not yet written is passed as const.
 */
int ms_malloc_block_info(void *block, struct ms_malloc_block *info);

/* ------------------------------------------------------------------ */
/* Misuse (misuse.c)                                                   */
/* ------------------------------------------------------------------ */

/* Every kind of bad call memstats reports. X(enum name, short description) */
#define MS_MISUSE_KINDS(X)                                         \
	X(MS_MISUSE_NOT_LIVE, "not a live block")                  \
	X(MS_MISUSE_DOUBLE_FREE, "double free")                    \
	X(MS_MISUSE_INTERIOR, "interior pointer")                  \
	X(MS_MISUSE_CORRUPT, "corrupt block header")               \
	X(MS_MISUSE_NULL, "NULL argument")                         \
	X(MS_MISUSE_OVERFLOW, "size overflow")                     \
	X(MS_MISUSE_NO_MEMORY, "out of memory")                    \
	X(MS_MISUSE_BAD_TYPE, "bad type descriptor")               \
	X(MS_MISUSE_UNTRACKED, "untracked pointer")                \
	X(MS_MISUSE_LIMIT, "limit reached")                        \
	X(MS_MISUSE_ALIGNMENT, "bad alignment")

enum ms_misuse_kind {
#define MS_MISUSE_ENUM_(id, text) id,
	MS_MISUSE_KINDS(MS_MISUSE_ENUM_)
#undef MS_MISUSE_ENUM_
	MS_MISUSE_KIND_COUNT
};

/* One reported bad call. Valid only during the handler call. */
struct ms_misuse {
	enum ms_misuse_kind kind;
	const char *function;    /* "ms_free" */
	const char *file;        /* the caller's site */
	int line;
	/*
	 * One line, no newline: "memstats: a.c:3: ms_free: ...". The names in
	 * it (the file, types, tags, fields) are escaped as "Names as printed"
	 * says, and one longer than 64 characters shows its first 61 and
	 * "...", so the reason after it is always whole. `file` is as given.
	 */
	const char *message;
};

typedef void ms_misuse_handler(const struct ms_misuse *misuse, void *context);

/*
 * Install `handler` (called with `context`) for every bad call; NULL
 * restores the default, which prints the message and a newline to stderr.
 * The call that was reported is ignored either way, and counted in
 * ms_stats().misuse_count. Set the handler while no other thread can
 * misuse the library (before starting threads, say): it is one global.
 */
void ms_set_misuse_handler(ms_misuse_handler *handler, void *context);

/* A ready handler: print like the default, then abort(). */
void ms_misuse_abort(const struct ms_misuse *misuse, void *context);

/* The short description of a kind ("not a live block"), or NULL. */
const char *ms_misuse_kind_name(enum ms_misuse_kind kind);

#endif
