/* hot.h: MS_HOT and MS_COLD, which keep the allocation path's helpers inline and its slow paths out of line (attributes only, no .c file). */
#ifndef MS_HOT_H
#define MS_HOT_H

/*
 * For the small helpers of the allocation calls that gcc -O2 leaves out of
 * line because several calls share them: on a path of a few hundred
 * instructions, each such call costs more than its body (make
 * bench-callgrind counts it). A GNU attribute, ignored where unknown.
 */
#if defined(__GNUC__)
#define MS_HOT static inline __attribute__((always_inline))
#else
#define MS_HOT static inline
#endif
/* A slow path kept out of the hot function that calls it: its registers and stack stay out too. */
#if defined(__GNUC__)
#define MS_COLD static __attribute__((noinline, cold))
#else
#define MS_COLD static
#endif

#endif
