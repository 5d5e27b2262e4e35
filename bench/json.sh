#!/bin/sh
# json.sh: the cJSON workload through every hook set of memstats-json, each in processes of its own, on a fresh and on an aged heap: the median ms per parse+delete and its ratio to the counting hooks.
# Usage: json.sh PROGRAM RUNS OUTDIR   (PROGRAM is build/bench/memstats-json)
set -e
usage="usage: json.sh PROGRAM RUNS OUTDIR"
program=${1:?$usage} runs=${2:?$usage} outdir=${3:?$usage}
mkdir -p "$outdir"
sets="raw counting tracked pad32 header32 header16 header16-unpadded side"
# Fresh: 8 rounds, each on a trimmed heap. Aged: 12 rounds on one heap, the
# first 11 parses age it (rounds 2-12 give the median; the first is growth).
fresh_rounds=8
aged_rounds=12

# Runs outside, hook sets inside: a drift in the machine's speed falls on every set alike.
run=1
while [ "$run" -le "$runs" ]; do
	for hooks in $sets; do
		"$program" --fresh "$hooks" $fresh_rounds > "$outdir/$hooks.fresh.$run"
		"$program" "$hooks" $aged_rounds > "$outdir/$hooks.aged.$run"
	done
	run=$((run + 1))
done

# The median over runs of each run's median ms ("...: median 31.2 ms per ...").
median_of() {
	for f in "$outdir/$1.$2".*; do
		awk '/: median / { for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1) }' "$f"
	done | sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The share of nodes near the one before in the last aged round.
locality_of() {
	for f in "$outdir/$1.aged".*; do
		awk '/^round / { share = $5 } END { sub("%", "", share); print share }' "$f"
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

counting_fresh=$(median_of counting fresh)
counting_aged=$(median_of counting aged)
echo "bench-json: cJSON parse+delete of make bench's 4 MB document, the median of $runs runs a hook set"
printf "  %-18s %10s %8s %10s %8s %14s\n" "hooks" "fresh ms" "x count" "aged ms" "x count" "aged near"
for hooks in $sets; do
	fresh=$(median_of "$hooks" fresh)
	aged=$(median_of "$hooks" aged)
	near=$(locality_of "$hooks")
	awk -v h="$hooks" -v f="$fresh" -v a="$aged" -v cf="$counting_fresh" -v ca="$counting_aged" -v n="$near" \
		'BEGIN { printf "  %-18s %10.1f %8.2f %10.1f %8.2f %13s%%\n", h, f, f / cf, a, a / ca, n }'
done
echo "(aged near: nodes within 4 KiB of the node parsed before, in round $aged_rounds; each run's output: $outdir/)"
