#!/bin/sh
# lib-headers.sh: hold lib's headers to the two rules that keep them walkable: each opens by naming what it is for and the .c that owns it, and their includes only go down.
# Usage: lib-headers.sh [LIB]   (LIB defaults to lib; make check runs it)
#
# 1. The first line of every LIB/*.h is "/* NAME.h: purpose */", the
#    purpose naming the header's owner: NAME.c where LIB has one, else a
#    LIB/*.c that exists (or "no .c file", for a header of macros only).
#    memstats.h, owned section by section, names a .c in the banner of
#    each section instead.
# 2. The graph of #include "..." between LIB's headers has no cycle: a
#    header never includes, however indirectly, one that includes it back.
lib=${1:-lib}
set -- "$lib"/*.h
[ -e "$1" ] || { echo "lib-headers: no headers in $lib/" >&2; exit 1; }

# The .c files of LIB that a line of text names, one a line.
named_sources() {
	printf '%s\n' "$1" | tr -c 'A-Za-z0-9_.' '\n' | sed 's/\.*$//' | grep -x '[A-Za-z0-9_]*\.c' |
		while IFS= read -r c; do
			if [ -f "$lib/$c" ]; then echo "$c"; fi
		done
}

# Does line $2 of header $1 name its owner? NAME.c where LIB has one; else any .c of LIB, or "no .c file".
names_owner() {
	if [ -f "$lib/${1%.h}.c" ]; then
		named_sources "$2" | grep -qx "${1%.h}\.c"
	else
		case $2 in *"no .c file"*) return 0 ;; esac
		[ -n "$(named_sources "$2")" ]
	fi
}

status=0
for h in "$@"; do
	name=$(basename "$h")
	first=$(sed -n 1p "$h")
	case $first in
	"/* $name: "*" */") ;;
	*)
		echo "lib-headers: $h: the first line is not \"/* $name: purpose */\"" >&2
		status=1
		continue
		;;
	esac
	if [ "$name" = memstats.h ]; then
		# a banner: the line between two rules of dashes
		owners=$(awk '/^\/\* -+ \*\/$/ { getline; print; getline }' "$h")
	else
		owners=$first
	fi
	unowned=$(printf '%s\n' "$owners" | while IFS= read -r line; do
		names_owner "$name" "$line" || printf '%s\n' "$line"
	done)
	if [ -n "$unowned" ]; then
		printf '%s\n' "$unowned" | sed "s|^|lib-headers: $h: names no owner here: |" >&2
		status=1
	fi
done

# Each edge "a.h b.h" is a header and one of LIB's headers it includes.
for h in "$@"; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$h" |
		while IFS= read -r inc; do
			[ -f "$lib/$inc" ] && printf '%s %s\n' "$(basename "$h")" "$inc"
		done
done | awk -v lib="$lib" '
	{ edges[$1] = edges[$1] " " $2; nodes[$1]; nodes[$2] }
	# Depth first; a header met again while still on the path closes a cycle.
	function visit(n,    i, k, next_list, path_at) {
		state[n] = "open"
		path[++depth] = n
		k = split(edges[n], next_list, " ")
		for (i = 1; i <= k; i++) {
			if (state[next_list[i]] == "open") {
				for (path_at = 1; path[path_at] != next_list[i]; path_at++) ;
				cycle = ""
				for (; path_at <= depth; path_at++)
					cycle = cycle path[path_at] " -> "
				printf "lib-headers: an include cycle in %s/: %s%s\n", lib, cycle,
					next_list[i] > "/dev/stderr"
				found = 1
			} else if (state[next_list[i]] == "") {
				visit(next_list[i])
			}
		}
		depth--
		state[n] = "done"
	}
	END {
		for (n in nodes)
			if (state[n] == "")
				visit(n)
		exit found
	}' || status=1

[ "$status" -eq 0 ] && echo "lib-headers: $# headers in $lib/ name their owners; their includes form no cycle"
exit "$status"
