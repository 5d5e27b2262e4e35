/* exercise.c: YOUR struct layouts: reorder the fields of the three structs below to cut their padding, then run `make exercises`. */
#include "layout.h"

/*
 * TODO: each struct has its fields in the order they came to mind, and
 * pays for it in padding. Reorder the fields of each one, keeping every
 * field with its name and type, so that sizeof is as small as it can be.
 */

struct particle {
	char alive;
	double x;
	char kind;
	double y;
	int32_t id;
	char flags;
	double z;
	int16_t life;
};

struct request {
	bool keep_alive;
	const char *path;
	uint16_t port;
	uint64_t content_length;
	uint8_t method;
	uint32_t timeout_ms;
	void *user_data;
};

struct entry {
	char name[5];
	struct entry *next;
	int16_t weight;
	int32_t key;
	char flag;
};

/* Leave these: they tell the test where each field sits, and stop the build if one went missing. */
LAYOUT_DESCRIBE(particle, PARTICLE_FIELDS);
LAYOUT_DESCRIBE(request, REQUEST_FIELDS);
LAYOUT_DESCRIBE(entry, ENTRY_FIELDS);
