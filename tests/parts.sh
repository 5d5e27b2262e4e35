#!/bin/sh
# parts.sh: hold every #include of the workbook to the parts its file may use, so no part reaches into another by a relative path or a stray -I.
# Usage: parts.sh < LIST        (make check-parts writes LIST from the Makefile's INCLUDES_*)
#        parts.sh --self-test   (the check, run on a small tree that breaks every rule once)
#
# Each line of LIST is a file, then the include path it is compiled with:
#     exercises/strategies.c -Iexercises -Ikit -Ilib
# An include, "..." or <...>, is looked up as the compiler looks it up: a
# "..." one in the file's own directory first, then in each -I directory
# in turn. What it finds must lie in one of those -I directories, which
# are the file's own part and the parts it may use: so
# `#include "../chapters/lesson.h"` from exercises/ fails, though the
# compiler would find it. A "..." include found nowhere fails too (run
# make's generated headers first); a <...> one found nowhere is the
# system's.

# Print a line on stderr for each include of the files listed on stdin that breaks the rules; fail if any did.
check() {
	broken=$(while read -r file flags; do
		dirs=$(printf '%s\n' $flags | sed -n 's/^-I//p')
		if [ -z "$dirs" ]; then
			echo "parts: $file is in no part: the Makefile gives it no include path"
			continue
		fi
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$file" |
			sed 's/^\([0-9]*\):[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"]\)\([^>"]*\).*/\1 \2 \3/' |
			while read -r line kind name; do
				found=
				if [ "$kind" = '"' ] && [ -f "$(dirname "$file")/$name" ]; then
					found=$(dirname "$file")/$name
				else
					for d in $dirs; do
						if [ -f "$d/$name" ]; then
							found=$d/$name
							break
						fi
					done
				fi
				if [ -z "$found" ]; then
					# <...> found in no part is the system's
					[ "$kind" = '"' ] &&
						echo "parts: $file:$line: #include \"$name\" is in none of the parts it may use ($(echo $dirs))"
					continue
				fi
				found=$(realpath -m --relative-to=. "$found")
				ok=
				for d in $dirs; do
					case $found in "$d"/*) ok=1 ;; esac
				done
				[ -n "$ok" ] ||
					echo "parts: $file:$line: #include $kind$name$(printf '%s' "$kind" | tr '<' '>') reaches $found," \
						"outside the parts it may use ($(echo $dirs))"
			done
	done)
	[ -z "$broken" ] && return 0
	printf '%s\n' "$broken" >&2
	return 1
}

# A tree with one include of each kind that must fail, and some that must pass: the check must find exactly the bad ones.
self_test() {
	tree=$(mktemp -d) || exit 1
	mkdir -p "$tree/lib" "$tree/kit" "$tree/chapters" "$tree/exercises/01_x"
	printf '/* lib */\n' > "$tree/lib/memstats.h"
	printf '#include "memstats.h"\n#include "lesson.h"\n#include "../kit/lesson.h"\n' > "$tree/lib/a.c"
	printf '#include "memstats.h"\n' > "$tree/kit/lesson.h"
	printf '#include "lesson.h"\n' > "$tree/chapters/c.h"
	printf '#include <stdio.h>\n#include "lesson.h"\n#include "01_x/x.h"\n#include "../chapters/c.h"\n#include <../chapters/c.h>\n' \
		> "$tree/exercises/e.c"
	printf '#include "x.h"\n' > "$tree/exercises/01_x/x.h"
	out=$(cd "$tree" && printf '%s\n' 'lib/a.c -Ilib' 'kit/lesson.h -Ikit -Ilib' 'chapters/c.h -Ichapters -Ikit -Ilib' \
		'exercises/e.c -Iexercises -Ikit -Ilib' 'exercises/01_x/x.h -Iexercises -Ikit -Ilib' 'bench/b.c' | check 2>&1)
	rm -rf "$tree"
	# lib/a.c:2 and :3, exercises/e.c:4 and :5, and bench/b.c in no part.
	expected='lib/a.c:2: lib/a.c:3: exercises/e.c:4: exercises/e.c:5: bench/b.c '
	got=$(printf '%s\n' "$out" | sed -n 's/^parts: \([^ ]*\) .*/\1/p' | tr '\n' ' ')
	if [ "$got" != "$expected" ]; then
		printf 'parts: the self-test expected failures at %s\nbut the check said:\n%s\n' "$expected" "$out" >&2
		exit 1
	fi
}

if [ "$1" = --self-test ]; then
	self_test
	echo "parts: the check finds every include its self-test breaks the rules with"
	exit 0
fi
list=$(cat)
check_status=0
printf '%s\n' "$list" | check || check_status=1
[ "$check_status" -eq 0 ] && echo "parts: the $(printf '%s\n' "$list" | wc -l) files of the parts include only what their part may use"
exit "$check_status"
