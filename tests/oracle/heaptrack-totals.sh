#!/bin/sh
# heaptrack-totals.sh: run a program under heaptrack and print its heap totals, one line: pid allocs frees bytes.
#
# usage: tests/oracle/heaptrack-totals.sh [-c] [-x] [-s] [-k DIR] [--] PROGRAM [ARG]...
#
#   -c      append the program's command (the data file's X line) to the line
#   -x      append four more fields: heaptrack_print's "temporary memory
#           allocations", and, worked out from the data file, the peak of
#           the bytes live, the bytes still live at exit and the blocks
#           still live at exit (heaptrack_print prints the peak and the
#           leak rounded, 73.70K, and leaves its suppressed leaks out)
#   -s      start the program with the heaptrack command itself; its pid is
#           then unknown and printed as "-" (heaptrack 1.4 names its file
#           after its own shell's pid, and its -o ignores %p)
#   -k DIR  keep the data file in DIR (ht.PID.zst); without it, a temporary
#           directory, removed at the end
#
# By default the program is started as the heaptrack command starts it
# (LD_PRELOAD=libheaptrack_preload.so, DUMP_HEAPTRACK_OUTPUT=a fifo read by
# heaptrack_interpret, compressed with zstd), from a shell that writes its
# pid and then execs it, so the line names the program's pid.
#
# The fields:
#   allocs  heaptrack_print's "calls to allocation functions", checked
#           against the count of allocations ("+" lines) in the data file
#   frees   the "-" lines in the data file: frees of a block heaptrack saw
#           allocated (it drops the rest); heaptrack_print prints no count
#           of frees
#   bytes   the sizes of those allocations added up, from the data file
#           (heaptrack_print prints no total of bytes allocated)
# heaptrack traces only the process it starts (its preload unsets
# LD_PRELOAD for children), and writes its data at exit: a process that
# execs or dies by a signal, or a program that could not be run, has no
# totals and prints "PID - - -".
# The program's standard output goes to standard error, so standard output
# holds only the totals; standard input is the program's.
#
# Exit status: 2 on a usage error; otherwise the program's own exit status
# (so a program that itself exits 2 is indistinguishable from a usage
# error), or 1 if heaptrack could not be found or run.

usage() {
	echo "usage: $0 [-c] [-x] [-s] [-k DIR] [--] PROGRAM [ARG]..." >&2
	exit 2
}

show_cmd=0
extra=0
script=0
keep=
while [ $# -gt 0 ]; do
	case $1 in
	-c) show_cmd=1; shift ;;
	-x) extra=1; shift ;;
	-s) script=1; shift ;;
	-k) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
[ -n "$1" ] || usage

for tool in heaptrack heaptrack_print zstd; do
	command -v $tool >/dev/null 2>&1 || { echo "$0: $tool not found" >&2; exit 1; }
done
# The preload and the interpreter, where the heaptrack command finds them.
bindir=$(dirname "$(readlink -f "$(command -v heaptrack)")")
preload=$(readlink -f "$bindir/../lib/heaptrack/libheaptrack_preload.so")
interp=$(readlink -f "$bindir/../lib/heaptrack/libexec/heaptrack_interpret")
if [ "$script" -eq 0 ] && { [ ! -f "$preload" ] || [ ! -x "$interp" ]; }; then
	echo "$0: no $preload or $interp; try -s" >&2
	exit 1
fi

if [ -n "$keep" ]; then
	mkdir -p "$keep" || exit 1
	dir=$(cd "$keep" && pwd)
	rm -f "$dir"/ht.* "$dir"/root.pid "$dir"/fifo "$dir"/print
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/httotals.XXXXXX") || exit 1
	trap 'rm -rf "$dir"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi

if [ "$script" -eq 1 ]; then
	heaptrack -o "$dir/ht.run" "$@" >&2
	status=$?
	pid=-
	data=$dir/ht.run.zst
else
	mkfifo "$dir/fifo" || exit 1
	"$interp" < "$dir/fifo" | zstd -q -c > "$dir/ht.zst" &
	reader=$!
	# The fifo opens when the preload starts; if the exec fails, nothing
	# opens it, so open it here for writing once, which lets the reader end.
	sh -c 'echo $$ > "$1/root.pid"
		LD_PRELOAD="$2${LD_PRELOAD:+:$LD_PRELOAD}"
		DUMP_HEAPTRACK_OUTPUT=$1/fifo
		export LD_PRELOAD DUMP_HEAPTRACK_OUTPUT
		shift 2
		exec "$@"' sh "$dir" "$preload" "$@" >&2
	status=$?
	: > "$dir/fifo" &
	opener=$!
	wait $reader
	kill $opener 2>/dev/null
	pid=$(cat "$dir/root.pid" 2>/dev/null)
	[ -n "$pid" ] || pid=-
	data=$dir/ht.$pid.zst
	mv "$dir/ht.zst" "$data"
fi

if [ ! -s "$data" ]; then
	echo "$0: heaptrack wrote no data" >&2
	exit 1
fi

heaptrack_print -f "$data" -p 0 -a 0 -T 0 > "$dir/print" 2>/dev/null
calls=$(sed -n 's/^calls to allocation functions: \([0-9][0-9]*\).*/\1/p' "$dir/print")
temp=$(sed -n 's/^temporary memory allocations: \([0-9][0-9]*\).*/\1/p' "$dir/print")

zstd -q -dc "$data" | awk -v pid="$pid" -v calls="$calls" -v temp="$temp" \
	-v show="$show_cmd" -v extra="$extra" '
function hex(s,   i, v) {
	v = 0; s = tolower(s)
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
$1 == "X" { cmd = $0; sub(/^X /, "", cmd) }
$1 == "a" { size[n++] = hex($2) }
$1 == "+" { s = size[hex($2)]; a++; b += s; live += s; blocks++; if (live > peak) peak = live }
$1 == "-" { f++; live -= size[hex($2)]; blocks-- }
END {
	# No X line: the program never started under the preload.
	if (calls == "" || cmd == "") { print pid, "-", "-", "-"; exit 0 }
	if (calls != a + 0) {
		printf "heaptrack-totals: heaptrack_print counts %s allocations, the data file %d\n", calls, a > "/dev/stderr"
		exit 1
	}
	line = sprintf("%s %d %d %.0f", pid, a, f, b)
	if (extra == 1) line = line sprintf(" %s %.0f %.0f %d", temp, peak, live, blocks)
	if (show == 1) line = line " " cmd
	print line
}' || exit 1
exit $status
