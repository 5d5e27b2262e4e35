/* process.h: what the kernel says about the process, read by process.c, for the library's own use. */
#ifndef MS_PROCESS_H
#define MS_PROCESS_H

/*
 * The process's threads now, as the kernel counts them, or -1 if it
 * cannot say. A thread that pthread_join has just returned for may be
 * counted a moment longer, until the kernel has finished its exit.
 */
int ms_process_threads(void);

#endif
