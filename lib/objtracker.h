/* objtracker.h: what the rest of the library asks of objtracker.c's object trackers. */
#ifndef MS_OBJTRACKER_H
#define MS_OBJTRACKER_H

#include <stdbool.h>

/*
 * True while any object tracker exists: it knows its objects by
 * allocation number, which ms_reset would restart.
 */
bool ms_objtrackers_exist(void);

#endif
