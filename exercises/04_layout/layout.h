/* layout.h: the struct-layout exercise's given structs and what a layout is measured by, shared by exercise.c (yours) and solution.c, which differ only in field order. */
#ifndef EXERCISES_LAYOUT_H
#define EXERCISES_LAYOUT_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The structs as given, each field list declared once:
 * X(S, type, name, array suffix). The suffix is empty but for arrays.
 */
#define PARTICLE_FIELDS(X, S)      \
	X(S, char, alive, )        \
	X(S, double, x, )          \
	X(S, char, kind, )         \
	X(S, double, y, )          \
	X(S, int32_t, id, )        \
	X(S, char, flags, )        \
	X(S, double, z, )          \
	X(S, int16_t, life, )
#define REQUEST_FIELDS(X, S)              \
	X(S, bool, keep_alive, )          \
	X(S, const char *, path, )        \
	X(S, uint16_t, port, )            \
	X(S, uint64_t, content_length, )  \
	X(S, uint8_t, method, )           \
	X(S, uint32_t, timeout_ms, )      \
	X(S, void *, user_data, )
#define ENTRY_FIELDS(X, S)              \
	X(S, char, name, [5])           \
	X(S, struct entry *, next, )    \
	X(S, int16_t, weight, )         \
	X(S, int32_t, key, )            \
	X(S, char, flag, )

/* The given order, as the structs particle_given, request_given and entry_given. */
#define LAYOUT_DECLARE_FIELD_(S, type, name, suffix) type name suffix;
struct particle_given { PARTICLE_FIELDS(LAYOUT_DECLARE_FIELD_, ) };
struct request_given { REQUEST_FIELDS(LAYOUT_DECLARE_FIELD_, ) };
struct entry_given { ENTRY_FIELDS(LAYOUT_DECLARE_FIELD_, ) };

/* Where one field sits in a struct. */
struct layout_field {
	const char *name;
	size_t offset;
	size_t size;
	size_t align;
};

#define LAYOUT_MAX_FIELDS 8

/* A struct's size and its fields, listed in the given order whatever order the struct has. */
struct layout {
	const char *name; /* "struct particle" */
	size_t size;      /* sizeof, padding included */
	size_t field_count;
	struct layout_field fields[LAYOUT_MAX_FIELDS];
};

#define LAYOUT_FIELD_(S, type, name, suffix) { #name, offsetof(S, name), sizeof(type suffix), alignof(type suffix) },
#define LAYOUT_COUNT_FIELD_(S, type, name, suffix) +1
/* The layout of struct S, whose fields are FIELDS. */
#define LAYOUT_OF(S, FIELDS) \
	{ #S, sizeof(S), 0 FIELDS(LAYOUT_COUNT_FIELD_, S), { FIELDS(LAYOUT_FIELD_, S) } }

/* A field of the reordered struct that lost its name or changed its type stops the build here. */
#define LAYOUT_CHECK_FIELD_(S, type, name, suffix)                              \
	_Static_assert(_Generic(&((S *)0)->name, type(*) suffix: 1, default: 0), \
		       #S " must keep its field " #name " of type " #type #suffix);

/*
 * Define `const struct layout layout_<tag>` for `struct <tag>`, checking
 * at compile time that it has every field of FIELDS with its type.
 */
#define LAYOUT_DESCRIBE(tag, FIELDS)                    \
	FIELDS(LAYOUT_CHECK_FIELD_, struct tag)         \
	const struct layout layout_##tag = LAYOUT_OF(struct tag, FIELDS)

#define LAYOUT_COUNT 3
/* The structs as given, and as exercise.c or solution.c orders them: particle, request, entry. */
extern const struct layout *const layouts_given[LAYOUT_COUNT];
extern const struct layout *const layouts_reordered[LAYOUT_COUNT];
/* Defined by LAYOUT_DESCRIBE in exercise.c or solution.c. */
extern const struct layout layout_particle, layout_request, layout_entry;

/* How many instances the saving is priced at. */
#define LAYOUT_INSTANCES 1000000

/* The bytes the fields themselves hold: sizeof without padding. */
size_t layout_field_bytes(const struct layout *layout);

/*
 * The smallest size any order of the fields can have: the field bytes
 * rounded up to the largest alignment, since an array of the struct must
 * keep every field aligned. Largest alignment first reaches it, because
 * every field's size is a multiple of its alignment.
 */
size_t layout_smallest_size(const struct layout *layout);

#endif
