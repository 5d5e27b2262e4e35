/* chapters.h: the six chapter programs as their mains and tests name them, and the descriptor two of them share (chapters.c). */
#ifndef CHAPTERS_H
#define CHAPTERS_H

#include <stdio.h>

#include "chapter.h"
#include "memstats.h"

int chapter1_run(FILE *out, const struct chapter_opts *opts);
int chapter2_run(FILE *out, const struct chapter_opts *opts);
int chapter3_run(FILE *out, const struct chapter_opts *opts);
int chapter4_run(FILE *out, const struct chapter_opts *opts);
int chapter5_run(FILE *out, const struct chapter_opts *opts);
int chapter6_run(FILE *out, const struct chapter_opts *opts);
extern const struct chapter chapter1;
extern const struct chapter chapter2;
extern const struct chapter chapter3;
extern const struct chapter chapter4;
extern const struct chapter chapter5;
extern const struct chapter chapter6;

/*
 * Blocks of `int *`, each element pointing at one int (row "int *"), as
 * deep sizing follows them. Shared because two descriptors may not share
 * a type name.
 */
extern ms_type lesson_int_pointer_type;

#endif
