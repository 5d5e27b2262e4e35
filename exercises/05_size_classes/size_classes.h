/* size_classes.h: size classes' shape and scaffolding, shared by exercise.c (yours) and solution.c, which differ only in the three functions declared here. */
#ifndef EXERCISES_SIZE_CLASSES_H
#define EXERCISES_SIZE_CLASSES_H

#include "02_pool/pool.h"

/* Classes of 16, 32, 64, ... 1024 bytes: each twice the one before. */
#define SIZE_CLASS_COUNT 7
#define SIZE_CLASS_SMALLEST 16

/*
 * One pool per class: an object goes to the pool of the smallest class
 * that holds it, and since free is told the object's size, it finds the
 * same pool again with no header on the object. Objects above the largest
 * class are refused.
 */
struct size_classes {
	struct strategy base; /* first, so a struct strategy * is the whole */
	struct pool pools[SIZE_CLASS_COUNT];
};

/* The bytes of class `index`. */
static inline size_t size_class_bytes(size_t index)
{
	return (size_t)SIZE_CLASS_SMALLEST << index;
}

/*
 * YOUR PART (exercise.c):
 * size_class_index: the index of the smallest class of at least `size`
 *   bytes (0 for 0), or SIZE_CLASS_COUNT when no class is that large.
 * size_classes_alloc: an object from its class's pool; a size above the
 *   largest class is refused: NULL with errno = EINVAL.
 * size_classes_free: the object back to its class's pool.
 */
size_t size_class_index(size_t size);
void *size_classes_alloc(struct strategy *s, size_t size);
void size_classes_free(struct strategy *s, void *object, size_t size);

/* Every pool drops its objects at once. */
static inline void size_classes_reset(struct strategy *s)
{
	struct size_classes *classes = (struct size_classes *)s;
	for (size_t i = 0; i < SIZE_CLASS_COUNT; i++)
		pool_reset(&classes->pools[i].base);
}

static inline void size_classes_destroy(struct strategy *s)
{
	struct size_classes *classes = (struct size_classes *)s;
	for (size_t i = 0; i < SIZE_CLASS_COUNT; i++)
		pool_destroy(&classes->pools[i].base);
}

/* Empty size classes, each pool taking `slab_size`-byte slabs, all tagged "size-classes". */
static inline void size_classes_init(struct size_classes *classes, size_t slab_size)
{
	classes->base = (struct strategy){ "size-classes", size_classes_alloc, size_classes_free,
					   size_classes_reset, size_classes_destroy };
	for (size_t i = 0; i < SIZE_CLASS_COUNT; i++)
		pool_init(&classes->pools[i], classes->base.name, size_class_bytes(i), slab_size);
}

#endif
