/* solution.c: the size-classes exercise's reference: powers of two from 16 to 1024 bytes, each class a pool. */
#include "size_classes.h"

size_t size_class_index(size_t size)
{
	size_t index = 0;
	while (index < SIZE_CLASS_COUNT && size_class_bytes(index) < size)
		index++;
	return index;
}

void *size_classes_alloc(struct strategy *s, size_t size)
{
	size_t index = size_class_index(size);
	if (index == SIZE_CLASS_COUNT) {
		errno = EINVAL;
		return NULL;
	}
	struct pool *pool = &((struct size_classes *)s)->pools[index];
	return pool_alloc(&pool->base, size);
}

void size_classes_free(struct strategy *s, void *object, size_t size)
{
	struct pool *pool = &((struct size_classes *)s)->pools[size_class_index(size)];
	pool_free(&pool->base, object, size);
}
