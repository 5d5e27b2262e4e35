/* test_starters.c: every exercise's untouched starter builds and fails its test, saying what is left to write, so each has real work in it. */
#define _GNU_SOURCE /* asprintf */
#include "test_util.h"

#include <glob.h>
#include <libgen.h>
#include <stdbool.h>
#include <unistd.h>

#include "golden.h"

#define EXERCISE_GLOB "exercises/[0-9][0-9]_*"

/* Where this program was built: the starters' tests sit beside it, in the same build tree. */
static char *build_dir;

/* True if git says `path` differs from the last commit: the learner has worked on it. */
static bool edited_since_commit(const char *path)
{
	char *command = NULL;
	if (asprintf(&command, "exec git diff --quiet HEAD -- '%s' 2>/dev/null", path) < 0)
		fail_msg("out of memory");
	struct golden_process git;
	golden_exec((char *[]){ "/bin/sh", "-c", command, NULL }, &git);
	free(command);
	golden_process_free(&git);
	/* 1 is "differs"; anything else (no git, not a checkout) cannot tell, so check the starter. */
	return git.exit_status == 1;
}

static void test_untouched_starters_fail(void **state)
{
	(void)state;
	glob_t exercises;
	assert_int_equal(glob(EXERCISE_GLOB, GLOB_ONLYDIR, NULL, &exercises), 0);
	assert_true(exercises.gl_pathc >= 4);
	for (size_t i = 0; i < exercises.gl_pathc; i++) {
		const char *exercise = exercises.gl_pathv[i];
		char *source = NULL, *starter = NULL;
		if (asprintf(&source, "%s/exercise.c", exercise) < 0 ||
		    asprintf(&starter, "%s/%s/test-exercise", build_dir, strrchr(exercise, '/') + 1) < 0)
			fail_msg("out of memory");
		if (edited_since_commit(source)) {
			print_message("%s is edited, so it is yours, not the starter: not checked\n",
				      source);
		} else {
			if (access(starter, X_OK) != 0)
				fail_msg("%s is not built: `make test` builds every starter", starter);
			struct golden_process run;
			golden_exec((char *[]){ starter, NULL }, &run);
			if (run.exit_status == 0)
				fail_msg("the starter %s passes its test: it must leave work to do", source);
			if (!strstr(run.out, "TODO") && !strstr(run.err, "TODO"))
				fail_msg("the starter %s fails without saying which TODO is left:\n%s%s",
					 source, run.out, run.err);
			golden_process_free(&run);
		}
		free(source);
		free(starter);
	}
	globfree(&exercises);
}

int main(int argc, char **argv)
{
	(void)argc;
	char *program = strdup(argv[0]);
	assert_non_null(program);
	build_dir = dirname(program);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untouched_starters_fail),
	};
	int failed = cmocka_run_group_tests_name("exercise starters", tests, NULL, NULL);
	free(program);
	return failed;
}
