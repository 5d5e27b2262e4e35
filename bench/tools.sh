#!/bin/sh
# tools.sh: the churn workload under heaptrack, valgrind with no tool and valgrind massif, where installed, beside raw malloc and memstats: ns per pair and the ratio to raw.
# Usage: tools.sh PROGRAM PAIRS OUTDIR   (PROGRAM is build/bench/memstats-churn)
set -e
if [ $# -ne 3 ]; then
	echo "usage: tools.sh PROGRAM PAIRS OUTDIR" >&2
	exit 2
fi
program=$1
pairs=$2
outdir=$3
mkdir -p "$outdir"

# The ns per pair the program printed for MODE ("raw: 21.3 ns/pair") in FILE.
ns_of() {
	awk -v mode="$1:" '$1 == mode { print $2; found = 1; exit } END { exit !found }' "$2" || {
		cat "$2" >&2
		echo "bench-tools: no '$1:' line in $2" >&2
		exit 1
	}
}

# Run the raw churn under a tool (the rest of the arguments), its output in OUTDIR/NAME.txt.
under() {
	name=$1
	shift
	"$@" "$program" raw "$pairs" > "$outdir/$name.txt" 2>&1 || {
		cat "$outdir/$name.txt" >&2
		echo "bench-tools: $name failed" >&2
		exit 1
	}
}

"$program" both "$pairs" > "$outdir/native.txt"
raw=$(ns_of raw "$outdir/native.txt")
tracked=$(ns_of tracked "$outdir/native.txt")

row() {
	awk -v name="$1" -v ns="$2" -v raw="$raw" \
		'BEGIN { printf "  %-30s %10.1f %8.2f\n", name, ns, ns / raw }'
}

echo "bench-tools: $pairs churn pairs (sizes 16..512, 10000 live), the pairs timed inside the program"
printf "  %-30s %10s %8s\n" "what watches the heap" "ns/pair" "x raw"
row "nothing (raw malloc/free)" "$raw"
row "memstats (ms_alloc_bytes)" "$tracked"
if command -v heaptrack > /dev/null 2>&1; then
	under heaptrack heaptrack -o "$outdir/heaptrack"
	ns=$(ns_of raw "$outdir/heaptrack.txt")   # apart: set -e does not see inside $(...) in an argument
	row "heaptrack" "$ns"
else
	echo "  heaptrack: not installed (apt-get install heaptrack)"
fi
if command -v valgrind > /dev/null 2>&1; then
	# valgrind with no tool first: what valgrind's own translation costs, apart from massif's
	under valgrind valgrind --tool=none
	ns=$(ns_of raw "$outdir/valgrind.txt")
	row "valgrind, no tool" "$ns"
	under massif valgrind --tool=massif --massif-out-file="$outdir/massif.out"
	ns=$(ns_of raw "$outdir/massif.txt")
	row "valgrind massif" "$ns"
else
	echo "  valgrind: not installed (apt-get install valgrind)"
fi
echo "(each tool's own output: $outdir/)"
