#!/bin/sh
# valgrind-check.sh: run a program under valgrind and hold valgrind's report to the figures the program prints.
# Usage: valgrind-check.sh PROGRAM
#
# PROGRAM may print, each on a line of its own (indented or not), or as
# a row of a table, "LINE | B | N" (a lesson's grid, " | " between
# columns, B and N right-aligned):
#   "in use at exit: B bytes in N blocks" (row "in use at exit | B | N"):
#   valgrind's HEAP SUMMARY must say exactly that (0 bytes in 0 blocks if
#   not printed);
#   "total heap usage: allocs - frees = K, bytes allocated >= M" (row
#   "total heap usage | >= M | K"): its allocs must exceed its frees by
#   exactly K, and its bytes allocated be at least M (not checked if not
#   printed);
#   "definitely lost: B bytes in N blocks" (and "indirectly lost",
#   "possibly lost", "still reachable"; or rows "definitely lost | B | N"
#   and so on): valgrind's LEAK SUMMARY must say exactly that for the
#   kind, and 0 bytes in 0 blocks for every kind it does not print;
#   "uninitialised: N", "invalid reads: N": valgrind must report exactly
#   that many uninitialised-value errors and invalid reads (0 if not
#   printed), and no error of any other kind.
# make check runs it on chapter 4 (its deliberate leak) and on
# tests/checkers_probe (what memstats tells valgrind).
program=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT

fail() {
	echo "valgrind-check: $program: $1"
	echo "  valgrind said:"
	cat "$dir/valgrind"
	exit 1
}

echo "valgrind $program (its report held to the figures it prints)"
valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=none \
	--log-file="$dir/valgrind" "$program" > "$dir/out" ||
	fail "exited with status $?"

# What the program printed for `$1`, or `$2` if nothing; a row of a table
# read back as the line would say it.
printed() {
	figure=$(sed -n -e "s/^ *$1: //p" \
		-e "s/^ *$1 | *\([0-9]*\) | *\([0-9]*\)\$/\1 bytes in \2 blocks/p" \
		-e "s/^ *$1 | *>= \([0-9]*\) | *\([0-9]*\)\$/allocs - frees = \2, bytes allocated >= \1/p" \
		"$dir/out" | head -n 1)
	echo "${figure:-$2}"
}

uninitialised=$(grep -c "Conditional jump or move depends on uninitialised value" "$dir/valgrind")
invalid=$(grep -c "Invalid read of size" "$dir/valgrind")
errors=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$dir/valgrind")
[ "$uninitialised" = "$(printed uninitialised 0)" ] ||
	fail "$uninitialised uninitialised-value errors, not $(printed uninitialised 0)"
[ "$invalid" = "$(printed 'invalid reads' 0)" ] ||
	fail "$invalid invalid reads, not $(printed 'invalid reads' 0)"
[ "$errors" = "$((uninitialised + invalid))" ] || fail "$errors errors in all: some of another kind"

want=$(printed 'in use at exit' "0 bytes in 0 blocks")
got=$(sed -n 's/^==[0-9]*== *in use at exit: \([0-9,]*\) bytes in \([0-9,]*\) blocks$/\1 bytes in \2 blocks/p' \
	"$dir/valgrind" | tr -d ,)
[ "$got" = "$want" ] || fail "in use at exit: ${got:-nothing}, not $want"

usage=$(printed 'total heap usage' '')
if [ -n "$usage" ]; then
	want_net=$(echo "$usage" | sed -n 's/^allocs - frees = \([0-9]*\), .*/\1/p')
	want_bytes=$(echo "$usage" | sed -n 's/.*, bytes allocated >= \([0-9]*\)$/\1/p')
	[ -n "$want_net" ] && [ -n "$want_bytes" ] || fail "cannot read its total heap usage line: $usage"
	set -- $(sed -n 's/^==[0-9]*== *total heap usage: \([0-9,]*\) allocs, \([0-9,]*\) frees, \([0-9,]*\) bytes allocated$/\1 \2 \3/p' \
		"$dir/valgrind" | tr -d ,)
	[ $# = 3 ] || fail "no total heap usage"
	[ $(($1 - $2)) = "$want_net" ] || fail "allocs - frees = $(($1 - $2)), not $want_net"
	[ "$3" -ge "$want_bytes" ] || fail "$3 bytes allocated, fewer than $want_bytes"
fi

for kind in 'definitely lost' 'indirectly lost' 'possibly lost' 'still reachable'; do
	want=$(printed "$kind" "0 bytes in 0 blocks")
	got=$(sed -n "s/^==[0-9]*== *$kind: \([0-9,]*\) bytes in \([0-9,]*\) blocks\$/\1 bytes in \2 blocks/p" \
		"$dir/valgrind" | tr -d ,)
	# no LEAK SUMMARY at all when nothing was left allocated
	[ "${got:-0 bytes in 0 blocks}" = "$want" ] || fail "$kind: ${got:-nothing}, not $want"
done
echo "  $errors errors as printed; the heap summary and every leak kind as printed"
