/* closefds.c: a program that closes every descriptor from 3 to 1023, as a daemon does, then opens a file of its own (argv[1]) and allocates while it writes there. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	/* the lowest free number: where a descriptor census.so held would have been */
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	if (dprintf(fd, "first line\n") < 0)
		return 1;
	char *blocks[10];
	for (int i = 0; i < 10; i++)
		blocks[i] = malloc(100); /* site: blocks */
	for (int i = 0; i < 5; i++)
		free(blocks[i]);
	if (dprintf(fd, "last line\n") < 0 || close(fd) != 0)
		return 1;
	return 0;
}
