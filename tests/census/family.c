/* family.c: a census workload that leaves in each way a process can (forking, forking and running exec, by _exit, killed by a signal), or frees all it made by one call. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * No stdio, whose buffers are malloc'd: the test knows every call. The
 * blocks are held to exit, so each process's live blocks are its counts.
 */
static void allocate(int count, size_t size)
{
	for (int i = 0; i < count; i++) {
		volatile char *p = malloc(size);
		if (!p)
			_exit(10);
		p[0] = 1;
	}
}

/* The child's exit status, or 100 + its signal. */
static int wait_child(pid_t child)
{
	int status;
	if (child < 0 || waitpid(child, &status, 0) != child)
		return 20;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

/* fork: 3 blocks, then the child 2 more and the parent 4 more. */
static int forks(void)
{
	allocate(3, 16);
	pid_t child = fork();
	if (child == 0) {
		allocate(2, 32);
		exit(0);
	}
	allocate(4, 64);
	return wait_child(child);
}

/* exec: 3 blocks, then a child that allocates 5 and runs this program again as "exit". */
static int forks_and_execs(const char *self)
{
	allocate(3, 16);
	pid_t child = fork();
	if (child == 0) {
		allocate(5, 48);
		execl(self, self, "exit", (char *)NULL);
		_exit(30);
	}
	return wait_child(child);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "fork"))
		return forks();
	if (!strcmp(mode, "exec"))
		return forks_and_execs(argv[0]);
	if (!strcmp(mode, "exit")) {        /* 6 blocks, then exit(0) */
		allocate(6, 8);
		return 0;
	}
	if (!strcmp(mode, "freed")) {       /* 2 blocks by calloc, both freed; 1 by malloc, kept */
		free(calloc(1, 10));
		free(calloc(2, 10));
		allocate(1, 30);
		return 0;
	}
	if (!strcmp(mode, "_exit")) {       /* 7 blocks, then _exit(5): no atexit, no destructors */
		allocate(7, 24);
		_exit(5);
	}
	if (!strcmp(mode, "signal")) {      /* 2 blocks, then SIGTERM */
		allocate(2, 40);
		raise(SIGTERM);
	}
	return 2;
}
