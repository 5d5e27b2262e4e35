/* types.c: rows, the identities summaries count by: described types and byte tags. */
#include "internal.h"

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
static _Atomic uint32_t row_count;
static pthread_mutex_t rows_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Tags are found by address first: an open-addressed table from tag
 * pointer to row, read without a lock (a slot's row is written before its
 * key is published). Two addresses holding the same text share one row,
 * found by name on the slow path: whether equal literals in two files get
 * one address is the linker's choice, and a summary must not depend on it.
 */
#define TAG_SLOTS (2 * MS_MAX_ROWS)
static _Atomic(const char *) tag_keys[TAG_SLOTS];
static _Atomic uint32_t tag_rows[TAG_SLOTS];
static uint32_t tag_addresses;   /* slots used, under rows_lock: at most half */

uint32_t ms_row_count(void)
{
	return atomic_load_explicit(&row_count, memory_order_acquire);
}

const struct ms_row_info *ms_row_get(uint32_t row)
{
	return &rows[row];
}

/* The row named `name`, or UINT32_MAX. Called with rows_lock held. */
static uint32_t find_row_by_name(const char *name)
{
	uint32_t n = atomic_load_explicit(&row_count, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return i;
	return UINT32_MAX;
}

/* Append a row; UINT32_MAX when the table is full or memory is out. Lock held. */
static uint32_t add_row(const char *name, const ms_type *type, size_t element_size,
			const char *function, const char *file, int line)
{
	uint32_t n = atomic_load_explicit(&row_count, memory_order_relaxed);
	if (n == MS_MAX_ROWS) {
		ms_misuse(MS_MISUSE_LIMIT, function, file, line,
			  "cannot add row '%s': all %u rows are taken", name, MS_MAX_ROWS);
		return UINT32_MAX;
	}
	size_t len = strlen(name) + 1;
	char *copy = ms_table_alloc(len);
	if (!copy) {
		ms_misuse(MS_MISUSE_NO_MEMORY, function, file, line,
			  "no memory to register row '%s'", name);
		return UINT32_MAX;
	}
	memcpy(copy, name, len);
	rows[n] = (struct ms_row_info){ copy, type, element_size };
	atomic_store_explicit(&row_count, n + 1, memory_order_release);
	return n;
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
			  type->name ? type->name : "(null)", problem);
		return UINT32_MAX;
	}
	pthread_mutex_lock(&rows_lock);
	uint32_t row = atomic_load_explicit(&type->row_, memory_order_relaxed);
	if (row) {                      /* another thread registered it first */
		pthread_mutex_unlock(&rows_lock);
		return row - 1;
	}
	if (find_row_by_name(type->name) != UINT32_MAX) {
		pthread_mutex_unlock(&rows_lock);
		ms_misuse(MS_MISUSE_BAD_TYPE, function, file, line,
			  "type name '%s' is already taken by another descriptor or tag",
			  type->name);
		return UINT32_MAX;
	}
	row = add_row(type->name, type, type->size, function, file, line);
	if (row != UINT32_MAX)
		atomic_store_explicit(&type->row_, row + 1, memory_order_release);
	pthread_mutex_unlock(&rows_lock);
	return row;
}

static size_t tag_slot(const char *tag)
{
	uintptr_t h = (uintptr_t)tag;
	h ^= h >> 17;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h >> 40) % TAG_SLOTS;
}

uint32_t ms_row_of_tag(const char *tag, const char *function, const char *file, int line)
{
	if (!tag) {
		ms_misuse(MS_MISUSE_NULL, function, file, line, "tag is NULL");
		return UINT32_MAX;
	}
	/*
	 * A hit by address is checked against the row's name: a buffer reused
	 * with new text (snprintf into one array, say) is a new tag.
	 */
	size_t slot = tag_slot(tag);
	for (;;) {
		const char *key = atomic_load_explicit(&tag_keys[slot], memory_order_acquire);
		if (key == tag) {
			uint32_t row = atomic_load_explicit(&tag_rows[slot], memory_order_acquire);
			if (strcmp(rows[row].name, tag) == 0)
				return row;
			break;
		}
		if (!key)
			break;
		slot = (slot + 1) % TAG_SLOTS;
	}

	pthread_mutex_lock(&rows_lock);
	uint32_t row = find_row_by_name(tag);
	if (row != UINT32_MAX && rows[row].type) {
		pthread_mutex_unlock(&rows_lock);
		ms_misuse(MS_MISUSE_BAD_TYPE, function, file, line,
			  "tag '%s' is the name of a described type", tag);
		return UINT32_MAX;
	}
	if (row == UINT32_MAX)
		row = add_row(tag, NULL, 1, function, file, line);
	if (row != UINT32_MAX) {
		/* Point the address at its row: a new slot, or the slot of its old text. */
		slot = tag_slot(tag);
		const char *key;
		while ((key = atomic_load_explicit(&tag_keys[slot], memory_order_relaxed)) &&
		       key != tag)
			slot = (slot + 1) % TAG_SLOTS;
		if (key) {
			atomic_store_explicit(&tag_rows[slot], row, memory_order_release);
		} else if (tag_addresses < TAG_SLOTS / 2) {
			tag_addresses++;
			atomic_store_explicit(&tag_rows[slot], row, memory_order_relaxed);
			atomic_store_explicit(&tag_keys[slot], tag, memory_order_release);
		}
	}
	pthread_mutex_unlock(&rows_lock);
	return row;
}
