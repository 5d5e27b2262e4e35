/* layout.c: the struct-layout harness: the given structs' layouts and the smallest size any order could have. */
#include "layout.h"

static const struct layout particle_given = LAYOUT_OF(struct particle_given, PARTICLE_FIELDS);
static const struct layout request_given = LAYOUT_OF(struct request_given, REQUEST_FIELDS);
static const struct layout entry_given = LAYOUT_OF(struct entry_given, ENTRY_FIELDS);

const struct layout *const layouts_given[LAYOUT_COUNT] = { &particle_given, &request_given,
							   &entry_given };
const struct layout *const layouts_reordered[LAYOUT_COUNT] = { &layout_particle, &layout_request,
							       &layout_entry };

size_t layout_field_bytes(const struct layout *layout)
{
	size_t bytes = 0;
	for (size_t i = 0; i < layout->field_count; i++)
		bytes += layout->fields[i].size;
	return bytes;
}

size_t layout_smallest_size(const struct layout *layout)
{
	size_t align = 1;
	for (size_t i = 0; i < layout->field_count; i++)
		if (layout->fields[i].align > align)
			align = layout->fields[i].align;
	return (layout_field_bytes(layout) + align - 1) / align * align;
}
