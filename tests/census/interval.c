/* interval.c: a census workload that allocates, waits for a checkpoint, allocates again and waits again, so each checkpoint's change is known. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * census.so takes a checkpoint asked for by ./census --interval at the
 * next allocation it looks around at, and writes it to this process's
 * data file. So the program waits for one by reading that file, and
 * makes events meanwhile that change nothing live: one block resized to
 * its own size, kept in the realloc row from the start. No stdio, whose
 * buffers are malloc'd (snprintf into the stack does not allocate).
 */
static char *probe;

/* The highest checkpoint number in this process's data file so far (0: none). */
static int last_checkpoint(void)
{
	static char text[1 << 16];
	char path[4096];
	snprintf(path, sizeof path, "%s/%ld.0.census", getenv("CENSUS_DIR"), (long)getpid());
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		_exit(20);
	ssize_t n, used = 0;
	while (used < (ssize_t)sizeof text - 1 && (n = read(fd, text + used, sizeof text - 1 - (size_t)used)) > 0)
		used += n;
	close(fd);
	text[used] = '\0';
	int last = 0;
	for (const char *at = text; (at = strstr(at, "\ncheckpoint ")); at++)
		last = atoi(at + 12);
	return last;
}

/* Wait for a checkpoint after `after`, resizing the probe in place meanwhile; its number. */
static int wait_for_checkpoint(int after)
{
	struct timespec pause = { 0, 2000000 };
	/* a bound, not a measure: census asks every 50 ms, so 20 s means it never will */
	for (int tries = 0; tries < 10000; tries++) {
		int last = last_checkpoint();
		if (last > after)
			return last;
		if (!(probe = realloc(probe, 8)))
			_exit(21);
		nanosleep(&pause, NULL);
	}
	_exit(22);
}

static void say(const char *what, int number)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%s %d\n", what, number);
	if (write(1, line, (size_t)n) != n)
		_exit(23);
}

int main(void)
{
	if (!getenv("CENSUS_DIR") || !(probe = realloc(NULL, 8)))
		return 24;
	for (int i = 0; i < 5; i++)             /* before: 5 x 100 bytes by malloc */
		if (!malloc(100))
			return 25;
	int before = wait_for_checkpoint(0);
	for (int i = 0; i < 3; i++)             /* between: 3 x 300 bytes by calloc */
		if (!calloc(3, 100))
			return 26;
	int after = wait_for_checkpoint(last_checkpoint());
	int idle = wait_for_checkpoint(after);  /* nothing allocated: an empty checkpoint */
	say("before", before);
	say("after", after);
	say("idle", idle);
	return 0;
}
