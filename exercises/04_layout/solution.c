/* solution.c: the struct-layout exercise's reference: each struct's fields largest alignment first, so only tail padding is left. */
#include "layout.h"

/*
 * Largest alignment first: every field's size is a multiple of its
 * alignment, so each field ends where the next may start and padding is
 * left only at the end, up to a multiple of the struct's alignment.
 */

struct particle {
	double x;
	double y;
	double z;
	int32_t id;
	int16_t life;
	char alive;
	char kind;
	char flags;
};

struct request {
	const char *path;
	uint64_t content_length;
	void *user_data;
	uint32_t timeout_ms;
	uint16_t port;
	bool keep_alive;
	uint8_t method;
};

struct entry {
	struct entry *next;
	int32_t key;
	int16_t weight;
	char name[5];
	char flag;
};

LAYOUT_DESCRIBE(particle, PARTICLE_FIELDS);
LAYOUT_DESCRIBE(request, REQUEST_FIELDS);
LAYOUT_DESCRIBE(entry, ENTRY_FIELDS);
