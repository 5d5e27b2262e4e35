#!/bin/sh
# callgrind.sh: instructions per raw and per tracked churn pair, counted by callgrind, which repeat exactly run after run.
# Usage: callgrind.sh PROGRAM PAIRS OUTFILE   (PROGRAM is build/bench/memstats-churn)
set -e
program=$1
pairs=$2
outfile=$3
for tool in valgrind callgrind_annotate; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		echo "bench-callgrind: $tool is missing; make deps (or: apt-get install -y valgrind)" >&2
		exit 1
	fi
done
valgrind --tool=callgrind --callgrind-out-file="$outfile" "$program" both "$pairs" \
	> "$outfile.log" 2>&1 || { cat "$outfile.log" >&2; exit 1; }

# Inclusive instructions of one function: everything it and its callees ran.
inclusive() {
	callgrind_annotate --inclusive=yes --threshold=100 "$outfile" |
		awk -v fn="$1" '$0 ~ (":" fn "( |$)") { gsub(",", "", $1); print $1; exit }'
}
raw=$(inclusive churn_pairs_raw)
tracked=$(inclusive churn_pairs_tracked)
if [ -z "$raw" ] || [ -z "$tracked" ]; then
	echo "bench-callgrind: no churn_pairs_raw/churn_pairs_tracked in $outfile" >&2
	exit 1
fi
awk -v raw="$raw" -v tracked="$tracked" -v pairs="$pairs" 'BEGIN {
	printf "callgrind, %d churn pairs (sizes 16..512, 10000 live), instructions per pair:\n", pairs
	printf "  raw malloc/free:            %8.1f\n", raw / pairs
	printf "  ms_alloc_bytes/ms_free:     %8.1f\n", tracked / pairs
	printf "ratio tracked/raw instructions: %.2f\n", tracked / raw
}'
