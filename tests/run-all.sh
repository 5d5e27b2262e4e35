#!/bin/sh
# run-all.sh: run cmocka test programs, then print one closing tally line.
# Usage: run-all.sh WRAPPER TEST...   (WRAPPER may be "" or e.g. "valgrind -q")
wrapper=$1
shift
passed=0
failed=0
skipped=0
failed_programs=""
for t in "$@"; do
	out=$($wrapper "$t" 2>&1)
	status=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	k=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
	skipped=$((skipped + ${k:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$status" -ne 0 ]; then
		[ -n "$f" ] || failed=$((failed + 1))
		failed_programs="$failed_programs $t"
	fi
done
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ -n "$failed_programs" ]; then
	echo "failing programs:$failed_programs"
	exit 1
fi
