/* stdout_closed.c: a program started with its standard output closed writes to it anyway, then allocates; it says on stderr whether the write went anywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	static const char text[] = "written to standard output\n";
	ssize_t written = write(STDOUT_FILENO, text, sizeof text - 1);
	char *blocks[4];
	for (int i = 0; i < 4; i++)
		blocks[i] = malloc(64); /* site: blocks */
	free(blocks[0]);
	fprintf(stderr, "stdout write %s\n", written < 0 ? "failed" : "done");
	return blocks[3] ? 0 : 1;
}
