/* cli.c: chapter_main(), the command line every chapter program shares. */
#include "chapter.h"

#include <string.h>

#include "lesson.h"

static void print_usage(FILE *out, const struct chapter *chapter)
{
	fprintf(out,
		"usage: %s [--data DIR] [--help]\n"
		"Chapter %s of memstats: %s.\n"
		"  --data DIR  also write the numbers behind the chapter's plot into DIR\n"
		"  -h, --help  print this help and exit\n",
		chapter->name, chapter->name + strlen("chapter"), chapter->title);
}

int chapter_main(int argc, char **argv, const struct chapter *chapter)
{
	struct chapter_opts opts = { NULL, false };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			print_usage(stdout, chapter);
			return lesson_flush(stdout, chapter->name, "standard output") == 0 ? 0 : 1;
		} else if (strcmp(arg, "--data") == 0 && i + 1 < argc) {
			opts.data_dir = argv[++i];
		} else if (strncmp(arg, "--data=", strlen("--data=")) == 0 &&
			   arg[strlen("--data=")] != '\0') {
			opts.data_dir = arg + strlen("--data=");
		} else {
			fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", chapter->name,
				arg);
			print_usage(stderr, chapter);
			return 2;
		}
	}
	/* run() flushes stdout itself and says if writing the lesson failed. */
	return chapter->run(stdout, &opts);
}
