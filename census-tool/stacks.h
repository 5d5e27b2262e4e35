/* stacks.h: call stacks a few frames deep, each kept once in census.so's own table so a block's site can be one stack (./census --frames N). */
#ifndef CENSUS_STACKS_H
#define CENSUS_STACKS_H

#include <stddef.h>

/* The deepest stack kept: --frames takes 1 to this. */
#define CENSUS_MAX_FRAMES 8

/* Frames a site is to hold: 1 (the caller's return address alone, the default) to CENSUS_MAX_FRAMES. */
void stacks_set_depth(int frames);

/*
 * The site of the call whose return address is `caller`: `caller` itself
 * when one frame is asked for (or the stack cannot be kept), else the key
 * of the stack from `caller` outward, kept once however often it is met.
 */
const void *stacks_site(const void *caller);

/*
 * The frames of the stack whose key is `site`, innermost first, into
 * `frames`: their number, or 0 if `site` is a plain return address.
 */
int stacks_frames(const void *site, const void *frames[CENSUS_MAX_FRAMES]);

#endif
