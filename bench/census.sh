#!/bin/bash
# census.sh: the wall time of real programs plain, under ./census and under heaptrack (where installed), the median of RUNS interleaved runs each, and the ratios to plain.
# Usage: census.sh CENSUS CHURN RUNS OUTDIR   (CENSUS is ./census, CHURN build/bench/census-churn)
# bash, not sh: $EPOCHREALTIME times a command with no process of its own
# around it, which matters when the command itself takes 1 ms (true).
set -e
if [ $# -ne 4 ]; then
	echo "usage: census.sh CENSUS CHURN RUNS OUTDIR" >&2
	exit 2
fi
census=$(realpath "$1")
churn=$(realpath "$2")
runs=$3
outdir=$4
top=$(pwd)
mkdir -p "$outdir"
outdir=$(realpath "$outdir")
if [ -z "${EPOCHREALTIME:-}" ]; then
	echo "bench-census: this bash has no \$EPOCHREALTIME (bash 5 has)" >&2
	exit 1
fi
# The symboliser's cache, emptied first: the warm-up round fills it, so the
# runs counted name their sites as a second census of a program does.
export CENSUS_SYMBOL_CACHE=$outdir/symbol-cache
rm -rf "$CENSUS_SYMBOL_CACHE"
have_heaptrack=
command -v heaptrack > /dev/null 2>&1 && have_heaptrack=yes

# Inputs made once, the same on every machine: 400,000 lines of seeded
# numbers to sort (6 MB), and the first 1.5 MB of them for xz.
input=$outdir/sort-input.txt
if [ ! -s "$input" ]; then
	awk 'BEGIN { srand(1); for (i = 0; i < 400000; i++) printf "%.6f %d\n", rand(), i }' > "$input"
fi
xz_input=$outdir/xz-input.txt
[ -s "$xz_input" ] || head -c 1500000 "$input" > "$xz_input"
# python3 itself, not a launcher in front of it: pyenv's shim is a bash
# script that starts some forty processes before the interpreter.
python=$(python3 -c 'import sys; print(sys.executable)')
python_script='import json; d = [{"k": i, "v": str(i) * 3} for i in range(20000)]; s = json.dumps(d); json.loads(s)'

# Run one command once (stdout to /dev/null, stderr to OUTDIR/last.err);
# print its wall time in ms.
time_once() {
	local start end
	start=$EPOCHREALTIME
	if ! "$@" > /dev/null 2> "$outdir/last.err"; then
		cat "$outdir/last.err" >&2
		echo "bench-census: failed: $*" >&2
		exit 1
	fi
	end=$EPOCHREALTIME
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) * 1000 }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# heaptrack leaves a data file per run; kept only for the last.
under_heaptrack() {
	rm -f "$outdir"/heaptrack.*
	heaptrack -o "$outdir/heaptrack" "$@"
}

# One workload: NAME, then the command. Plain, census and heaptrack take
# turns, run by run, so a slow spell of this shared machine falls on all
# three alike; the first round warms the page cache and is not counted.
workload() {
	local name=$1 plain=() census_ms=() heap=() i program
	shift
	# the program's path: bash's own `true` would run no program at all,
	# and heaptrack wants a path
	program=$(type -P "$1") || { echo "bench-census: no program $1" >&2; exit 1; }
	shift
	set -- "$program" "$@"
	for ((i = 0; i <= runs; i++)); do
		p=$(time_once "$@")
		c=$(time_once "$census" -o "$outdir/census-report.txt" -- "$@")
		h=
		[ -z "$have_heaptrack" ] || h=$(time_once under_heaptrack "$@")
		if [ "$i" -gt 0 ]; then
			plain+=("$p")
			census_ms+=("$c")
			heap+=("$h")
		fi
	done
	p=$(printf '%s\n' "${plain[@]}" | median)
	c=$(printf '%s\n' "${census_ms[@]}" | median)
	h=-
	[ -z "$have_heaptrack" ] || h=$(printf '%s\n' "${heap[@]}" | median)
	awk -v n="$name" -v p="$p" -v c="$c" -v h="$h" 'BEGIN {
		hx = h == "-" ? "-" : sprintf("%.2f", h / p)
		printf "  %-34s %9.1f %9.1f %6.2fx %9s %7s\n", n, p, c, c / p, h, hx
	}'
	[ "$name" != true ] || awk -v p="$p" -v c="$c" \
		'BEGIN { printf "  fixed cost of a census: %.1f ms a process (census -- true less true)\n", c - p }' > "$outdir/fixed.txt"
}

echo "bench-census: wall ms, median of $runs interleaved runs (after one to warm up and fill the symbol cache), output to /dev/null"
printf "  %-34s %9s %9s %7s %9s %7s\n" "workload" "plain" "census" "x" "heaptrack" "x"
workload true true
workload "ls -lR /usr/share" ls -lR /usr/share
workload "sort (400k lines, 6 MB)" sort "$input"
workload "python3 -c (json of 20k dicts)" "$python" -c "$python_script"
workload "xz -9 (1.5 MB)" xz -9 -c "$xz_input"
workload "gcc -c lib/sizeof.c" gcc -std=c17 -O2 -I "$top/lib" -c "$top/lib/sizeof.c" -o "$outdir/sizeof.o"
workload "git log (this repository)" git -C "$top" log
workload "4 threads x 1M malloc/free pairs" "$churn" 4 1000000
cat "$outdir/fixed.txt"
[ -n "$have_heaptrack" ] || echo "  heaptrack: not installed (apt-get install heaptrack)"
echo "(the last census report: $outdir/census-report.txt)"
