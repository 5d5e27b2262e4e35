/* types.c: rows, the identities summaries count by: described types and byte tags. */
#include "types.h"
#include "bookkeeping.h"
#include "checkers.h"
#include "fork.h"
#include "hot.h"
#include "misuse.h"
#include "readonly.h"
#include "text.h"

#include <pthread.h>
#include <string.h>

MS_TYPE_LEAF(ms_type_int, int);
MS_TYPE_LEAF(ms_type_char, char);
ms_type ms_type_bytes = { "bytes", 1, NULL, 0, 0 };

/*
 * Rows are appended under a mutex and never removed, so readers index the
 * table without a lock once they have read the count with acquire.
 */
static struct ms_row_info rows[MS_MAX_ROWS];
_Atomic uint32_t ms_rows_registered;
pthread_mutex_t ms_rows_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Tags are found by address first: an open-addressed table from tag
 * address (XOR-ed, so a leaked tag buffer stays lost to a leak checker) to
 * row and a read-only flag, read without a lock (a slot's row is written
 * before its key is published). Two addresses holding the same text share
 * one row, found by name on the slow path: whether equal literals in two
 * files get one address is the linker's choice, and a summary must not
 * depend on it.
 */
#define TAG_SLOTS (2 * MS_MAX_ROWS)
static _Atomic uintptr_t tag_keys[TAG_SLOTS];   /* MS_HIDE_ADDRESS(tag); 0: empty */
static _Atomic uint32_t tag_rows[TAG_SLOTS];    /* the row, | TAG_CONSTANT */
/* In tag_rows: the address is read-only, so its text is not compared on a hit. */
#define TAG_CONSTANT (UINT32_C(1) << 31)
_Static_assert(MS_MAX_ROWS < TAG_CONSTANT, "a row number leaves the flag bit free");
static uint32_t tag_addresses;   /* slots used, under ms_rows_lock: at most half */

const struct ms_row_info *ms_row_get(uint32_t row)
{
	return &rows[row];
}

/* The row named `name`, or UINT32_MAX. Called with ms_rows_lock held. */
static uint32_t find_row_by_name(const char *name)
{
	uint32_t n = atomic_load_explicit(&ms_rows_registered, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return i;
	return UINT32_MAX;
}

/*
 * Append a row, with ms_rows_lock held. On failure returns UINT32_MAX and
 * sets *why, for the caller to report once the lock is released (a misuse
 * handler may itself allocate).
 */
static uint32_t add_row(const char *name, const ms_type *type, size_t element_size,
			enum ms_misuse_kind *kind, const char **why)
{
	uint32_t n = atomic_load_explicit(&ms_rows_registered, memory_order_relaxed);
	if (n == MS_MAX_ROWS) {
		*kind = MS_MISUSE_LIMIT;
		*why = "all rows are taken";
		return UINT32_MAX;
	}
	size_t len = strlen(name) + 1;
	char *copy = ms_bookkeeping_alloc(len);
	if (!copy) {
		*kind = MS_MISUSE_NO_MEMORY;
		*why = "no memory for a new row";
		return UINT32_MAX;
	}
	memcpy(copy, name, len);
	rows[n] = (struct ms_row_info){ copy, type, element_size };
	atomic_store_explicit(&ms_rows_registered, n + 1, memory_order_release);
	return n;
}

/* Register `type` with ms_rows_lock held; UINT32_MAX (and *kind, *why) on failure. */
static uint32_t register_type(ms_type *type, enum ms_misuse_kind *kind, const char **why)
{
	uint32_t row = atomic_load_explicit(&type->row_, memory_order_relaxed);
	if (row)                        /* another thread registered it first */
		return row - 1;
	if (find_row_by_name(type->name) != UINT32_MAX) {
		*kind = MS_MISUSE_BAD_TYPE;
		*why = "the name is already taken by another descriptor or tag";
		return UINT32_MAX;
	}
	row = add_row(type->name, type, type->size, kind, why);
	if (row != UINT32_MAX)
		atomic_store_explicit(&type->row_, row + 1, memory_order_release);
	return row;
}

/*
 * The built-in types take their rows before anything else, so a tag or a
 * user's type named "int", "char" or "bytes" is the one refused, whatever
 * the order of first use. With ms_rows_lock held. False (and *kind, *why)
 * if memory for one ran out: the calling registration fails too, so no
 * other row can go first.
 */
static bool register_builtins(enum ms_misuse_kind *kind, const char **why)
{
	static ms_type *const builtins[] = { &ms_type_int, &ms_type_char, &ms_type_bytes };
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (register_type(builtins[i], kind, why) == UINT32_MAX)
			return false;
	return true;
}

/* Why `type` cannot be used, or NULL if it is well formed. */
static const char *type_problem(const ms_type *type)
{
	if (!type->name || !type->name[0])
		return "it has no name";
	if (type->size == 0)
		return "its size is 0";
	if (type->field_count && !type->fields)
		return "it counts fields but has no field table";
	for (size_t i = 0; i < type->field_count; i++) {
		const ms_field *f = &type->fields[i];
		if (f->offset + sizeof(void *) > type->size)
			return "a field lies outside the struct";
		bool has_len = f->kind == MS_FIELD_ARRAY || f->kind == MS_FIELD_PTR_ARRAY;
		if (f->kind > MS_FIELD_STRING)
			return "a field has an unknown kind";
		if (has_len && f->len_offset + sizeof(size_t) > type->size)
			return "a length field lies outside the struct";
		if (f->kind != MS_FIELD_STRING && !f->target)
			return "a pointer field has no target type";
	}
	return NULL;
}

uint32_t ms_row_of_type_slow(ms_type *type, const char *function, const char *file, int line)
{
	if (!type) {
		ms_misuse(MS_MISUSE_NULL, function, file, line, "type is NULL");
		return UINT32_MAX;
	}
	const char *problem = type_problem(type);
	if (problem) {
		ms_misuse(MS_MISUSE_BAD_TYPE, function, file, line, "type '%s' is invalid: %s",
			  ms_show(type->name ? type->name : "(null)").text, problem);
		return UINT32_MAX;
	}
	ms_lock(&ms_rows_lock);
	enum ms_misuse_kind kind;
	const char *why;
	uint32_t row = register_builtins(&kind, &why) ? register_type(type, &kind, &why) : UINT32_MAX;
	pthread_mutex_unlock(&ms_rows_lock);
	if (row == UINT32_MAX)
		ms_misuse(kind, function, file, line, "cannot register type '%s': %s",
			  ms_show(type->name).text, why);
	return row;
}

static size_t tag_slot(uintptr_t hidden)
{
	uint64_t h = hidden ^ hidden >> 17;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h >> 40) % TAG_SLOTS;
}

/*
 * The slow path of ms_row_of_tag, apart so that the lookup stays a small
 * function: the row of a tag address not in the table yet, or whose text
 * changed, registering the tag if its text is new.
 */
MS_COLD uint32_t register_tag(const char *tag, uintptr_t hidden, bool known_writable,
			      bool *constant, const char *function, const char *file, int line)
{
	/*
	 * The empty tag would be a row with no name, refused as an empty type
	 * name is. It never enters the tag table, so every use of it comes
	 * here and the lookup needs no test of its own.
	 */
	if (!tag[0]) {
		*constant = false;
		ms_misuse(MS_MISUSE_BAD_TYPE, function, file, line, "tag '' is invalid: it has no name");
		return UINT32_MAX;
	}
	*constant = !known_writable && ms_program_read_only(tag);
	ms_lock(&ms_rows_lock);
	enum ms_misuse_kind kind = MS_MISUSE_BAD_TYPE;
	const char *why = "it is the name of a described type";
	bool builtins_in = register_builtins(&kind, &why);
	uint32_t row = builtins_in ? find_row_by_name(tag) : UINT32_MAX;
	if (row != UINT32_MAX && rows[row].type)
		row = UINT32_MAX;
	else if (builtins_in && row == UINT32_MAX)
		row = add_row(tag, NULL, 1, &kind, &why);
	if (row != UINT32_MAX) {
		/* Point the address at its row: a new slot, or the slot of its old text. */
		size_t slot = tag_slot(hidden);
		uintptr_t key;
		while ((key = atomic_load_explicit(&tag_keys[slot], memory_order_relaxed)) &&
		       key != hidden)
			slot = (slot + 1) % TAG_SLOTS;
		uint32_t value = row | (*constant ? TAG_CONSTANT : 0);
		if (key) {
			atomic_store_explicit(&tag_rows[slot], value, memory_order_release);
		} else if (tag_addresses < TAG_SLOTS / 2) {
			tag_addresses++;
			atomic_store_explicit(&tag_rows[slot], value, memory_order_relaxed);
			atomic_store_explicit(&tag_keys[slot], hidden, memory_order_release);
		}
	}
	pthread_mutex_unlock(&ms_rows_lock);
	if (row == UINT32_MAX) {
		*constant = false;
		ms_misuse(kind, function, file, line, "cannot register tag '%s': %s",
			  ms_show(tag).text, why);
	}
	return row;
}

uint32_t ms_row_of_tag(const char *tag, bool *constant, const char *function, const char *file,
		       int line)
{
	*constant = false;
	if (!tag) {
		ms_misuse(MS_MISUSE_NULL, function, file, line, "tag is NULL");
		return UINT32_MAX;
	}
	/*
	 * A hit by address is checked against the row's name, since a buffer
	 * reused with new text (snprintf into one array, say) is a new tag;
	 * the text at a read-only address cannot change, so it is not.
	 */
	uintptr_t hidden = MS_HIDE_ADDRESS(tag);
	for (size_t slot = tag_slot(hidden);; slot = (slot + 1) % TAG_SLOTS) {
		uintptr_t key = atomic_load_explicit(&tag_keys[slot], memory_order_acquire);
		if (key == hidden) {
			uint32_t value = atomic_load_explicit(&tag_rows[slot], memory_order_acquire);
			uint32_t row = value & ~TAG_CONSTANT;
			*constant = value & TAG_CONSTANT;
			if (*constant || strcmp(rows[row].name, tag) == 0)
				return row;
			/* new text at an address known to be writable: no segment walk */
			return register_tag(tag, hidden, true, constant, function, file, line);
		}
		if (!key)
			break;
	}
	return register_tag(tag, hidden, false, constant, function, file, line);
}
