/* vfork.c: a child made by vfork fails to exec and leaves by _exit(127), sharing its parent's memory until then; the parent then allocates on, and its report must be its own. */
#define _DEFAULT_SOURCE /* vfork */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *before = malloc(100); /* site: before */
	pid_t child = vfork();
	if (child == 0) {
		execl("/nonexistent/program", "program", (char *)NULL);
		_exit(127);
	}
	int status;
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 127)
		return 1;
	for (int i = 0; i < 1000; i++)
		free(malloc(50)); /* site: churn */
	char *after = malloc(12345); /* site: after */
	int ok = before && after;
	/* both held to the end: 2 live blocks of the parent's own */
	return ok ? 0 : 1;
}
