#!/bin/sh
# leak-check.sh: run a chapter that leaks on purpose under valgrind and hold valgrind's leak summary to the chapter's own figure.
# Usage: leak-check.sh PROGRAM
#
# PROGRAM prints "definitely lost: N bytes in M blocks", indented, on a line
# of its own. valgrind's LEAK SUMMARY must say exactly that for
# "definitely lost" and 0 bytes in 0 blocks for every other kind. Memory
# errors stay fatal; leaks are not counted as errors, they are compared.
program=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT

fail() {
	echo "leak-check: $program: $1"
	echo "  valgrind said:"
	sed -n '/LEAK SUMMARY/,/suppressed/p' "$dir/valgrind"
	exit 1
}

echo "valgrind $program (its deliberate leak held to the figure it prints)"
if ! valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=all \
	--errors-for-leak-kinds=none --log-file="$dir/valgrind" "$program" > "$dir/out"; then
	cat "$dir/valgrind"
	echo "valgrind found errors in $program"
	exit 1
fi

printed=$(sed -n 's/^ *definitely lost: \([0-9]*\) bytes in \([0-9]*\) blocks$/\1 \2/p' "$dir/out")
[ -n "$printed" ] || fail "printed no \"definitely lost: N bytes in M blocks\" line"

# One kind of valgrind's summary as "BYTES BLOCKS", thousands separators
# dropped; "0 0" where there is no summary (no leaks are possible).
kind() {
	figures=$(sed -n "s/^==[0-9]*== *$1: \([0-9,]*\) bytes in \([0-9,]*\) blocks\$/\1 \2/p" \
		"$dir/valgrind" | tr -d ,)
	echo "${figures:-0 0}"
}

[ "$(kind 'definitely lost')" = "$printed" ] ||
	fail "valgrind's definitely lost ($(kind 'definitely lost')) is not the printed $printed (bytes blocks)"
for other in 'indirectly lost' 'possibly lost' 'still reachable'; do
	[ "$(kind "$other")" = "0 0" ] || fail "$other is $(kind "$other") (bytes blocks), not 0 0"
done
echo "  definitely lost: $printed (bytes blocks), as printed; nothing else lost or reachable"
