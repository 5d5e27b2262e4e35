/* chapters.c: what more than one chapter allocates with, described once (see chapters.h). */
#include "chapters.h"

/*
 * One descriptor for "int *" blocks whose elements each point at an int:
 * a type's name is its row's identity, so chapters that allocate "int *"
 * must share it rather than describe it twice.
 */
MS_TYPE_POINTER(lesson_int_pointer_type, int *, &ms_type_int);
