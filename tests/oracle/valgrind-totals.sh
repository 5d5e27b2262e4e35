#!/bin/sh
# valgrind-totals.sh: run a program under valgrind's memcheck and print its heap totals, one line per process: pid allocs frees bytes.
#
# usage: tests/oracle/valgrind-totals.sh [-u] [-c] [-f|-C] [-k DIR] [--] PROGRAM [ARG]...
#
#   -u      after bytes, valgrind's "in use at exit" bytes and blocks, commas
#           removed: pid allocs frees bytes in-use-bytes in-use-blocks
#   -c      append each process's command (valgrind's "Command:" line) to its line
#   -f      leave valgrind's freeing at exit on (--run-libc-freeres=yes and
#           --run-cxx-freeres=yes, valgrind's defaults); without -f both are
#           off, so the totals count what the program itself frees, as a plain
#           run or an LD_PRELOAD counter sees it
#   -C      --run-cxx-freeres=yes only (libstdc++'s emergency pool freed at
#           exit), as heaptrack's preload does: then a C++ program's totals
#           equal heaptrack's
#   -k DIR  keep valgrind's logs in DIR (vg.PID, one per process); without it
#           they go to a temporary directory, removed at the end
#
# The program runs with --trace-children=yes, so every process it starts with
# exec is measured too, each in its own log. The first line is the process
# started here; the others follow in pid order. A process with no totals in
# its log (it ended by a signal, or valgrind could not run it) prints
# "PID - - -" ("PID - - - - -" with -u). allocs, frees and bytes are valgrind's "total heap usage"
# figures, commas removed. The program's standard output goes to standard
# error, so standard output holds only the totals; standard input is the
# program's.
#
# Exit status: 2 on a usage error; otherwise the program's own exit status as
# valgrind returns it (so a program that itself exits 2 is indistinguishable
# from a usage error), or 1 if valgrind wrote no log at all.

usage() {
	echo "usage: $0 [-u] [-c] [-f|-C] [-k DIR] [--] PROGRAM [ARG]..." >&2
	exit 2
}

command -v valgrind >/dev/null 2>&1 || { echo "$0: valgrind not found" >&2; exit 1; }

show_cmd=0
in_use=0
freeres=no
cxxfreeres=no
keep=
while [ $# -gt 0 ]; do
	case $1 in
	-u) in_use=1; shift ;;
	-c) show_cmd=1; shift ;;
	-f) freeres=yes; cxxfreeres=yes; shift ;;
	-C) cxxfreeres=yes; shift ;;
	-k) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
[ -n "$1" ] || usage

if [ -n "$keep" ]; then
	mkdir -p "$keep" || exit 1
	dir=$keep
	rm -f "$dir"/vg.* "$dir"/root.pid
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/vgtotals.XXXXXX") || exit 1
	trap 'rm -rf "$dir"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi

# The inner shell writes its pid, then becomes valgrind: that pid is the
# first process's, and names its log.
sh -c 'echo $$ > "$1/root.pid"; shift; exec "$@"' sh "$dir" \
	valgrind --tool=memcheck --trace-children=yes \
	--run-libc-freeres=$freeres --run-cxx-freeres=$cxxfreeres \
	--leak-check=no --error-limit=no \
	--log-file="$dir/vg.%p" -- "$@" >&2
status=$?

root=$(cat "$dir/root.pid" 2>/dev/null)
found=0
for f in "$dir"/vg.*; do
	[ -f "$f" ] && found=1
done
if [ $found -eq 0 ]; then
	echo "$0: valgrind wrote no log" >&2
	exit 1
fi

# One line per log: pid allocs frees bytes [in-use-bytes in-use-blocks] [command]
report() {
	awk -v show="$show_cmd" -v in_use="$in_use" '
	/== Command: / { cmd = $0; sub(/^==[0-9]+== Command: /, "", cmd) }
	/== +in use at exit: / {
		line = $0; sub(/^.*in use at exit: /, "", line); gsub(/,/, "", line)
		split(line, w, " "); ub = w[1]; un = w[4]
	}
	/== +total heap usage: / {
		line = $0; sub(/^.*total heap usage: /, "", line); gsub(/,/, "", line)
		split(line, w, " "); a = w[1]; fr = w[3]; b = w[5]
	}
	END {
		pid = FILENAME; sub(/^.*\/vg\./, "", pid)
		if (a == "") { a = "-"; fr = "-"; b = "-" }
		if (ub == "" || a == "-") { ub = "-"; un = "-" }
		if (in_use == 1) { b = b " " ub " " un }
		if (show == 1) print pid, a, fr, b, cmd
		else print pid, a, fr, b
	}' "$1"
}

[ -f "$dir/vg.$root" ] && report "$dir/vg.$root"
for f in "$dir"/vg.*; do
	echo "${f##*/vg.}"
done | grep '^[0-9][0-9]*$' | sort -n | while read -r pid; do
	[ "$pid" = "$root" ] || report "$dir/vg.$pid"
done
exit $status
