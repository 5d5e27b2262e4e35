#!/bin/sh
# json_profile.sh: where the tracked cJSON parse+delete spends what it adds, under valgrind: instructions per block by function (callgrind) and D1 and LL misses per block by function (cachegrind), raw, counting and tracked.
# Usage: json_profile.sh PROGRAM OUTDIR   (PROGRAM is build/bench/memstats-json)
set -e
usage="usage: json_profile.sh PROGRAM OUTDIR"
program=${1:?$usage} outdir=${2:?$usage}
for tool in valgrind callgrind_annotate cg_annotate cg_diff; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		echo "bench-json-profile: $tool is missing; make deps (or: apt-get install -y valgrind)" >&2
		exit 1
	fi
done
mkdir -p "$outdir"
# The cache cachegrind simulates: this machine's L1d, and its 2 MiB L2 as the last
# level, since past it each miss goes to the far larger L3 or memory, which cachegrind
# cannot tell apart.
caches="--D1=49152,12,64 --LL=2097152,16,64"

blocks=$("$program" sizes | awk '/blocks per parse/ { print $6 }')
[ -n "$blocks" ] || { echo "bench-json-profile: $program sizes printed no block count" >&2; exit 1; }

# Run valgrind (the arguments) quietly, its output kept beside the profile.
quiet() {
	log=$1
	shift
	"$@" > "$log" 2>&1 || { cat "$log" >&2; echo "bench-json-profile: $* failed" >&2; exit 1; }
}

# The PROGRAM TOTALS line of an annotation, its numbers alone: no commas, no percentages.
totals() {
	awk '/PROGRAM TOTALS/ { gsub(",", ""); gsub(/\([^)]*\)/, ""); print; exit }'
}

for hooks in raw counting tracked; do
	# Instructions of the parses and deletes alone: callgrind collects only inside them.
	quiet "$outdir/callgrind.$hooks.log" valgrind --tool=callgrind \
		--callgrind-out-file="$outdir/callgrind.$hooks" \
		--toggle-collect=cJSON_ParseWithLength --toggle-collect=cJSON_Delete \
		"$program" --fresh "$hooks" 2
	# Misses of one round: a run of two rounds less a run of one (cachegrind has no toggle).
	for rounds in 1 2; do
		quiet "$outdir/cachegrind.$hooks.$rounds.log" valgrind --tool=cachegrind $caches \
			--cachegrind-out-file="$outdir/cachegrind.$hooks.$rounds" \
			"$program" --fresh "$hooks" $rounds
	done
	cg_diff "$outdir/cachegrind.$hooks.1" "$outdir/cachegrind.$hooks.2" \
		> "$outdir/cachegrind.$hooks.round" 2> /dev/null
done

echo "bench-json-profile: one --fresh round of make bench's 4 MB document, $blocks blocks"
printf "  %-9s %12s %12s %12s %12s %12s\n" hooks "Ir/block" "D1 rd/block" "D1 wr/block" \
	"LL rd/block" "LL wr/block"
for hooks in raw counting tracked; do
	ir=$(callgrind_annotate "$outdir/callgrind.$hooks" | totals | awk '{ print $1 }')
	cg_annotate --show=Ir,D1mr,D1mw,DLmr,DLmw "$outdir/cachegrind.$hooks.round" | totals |
		awk -v h="$hooks" -v ir="$ir" -v b="$blocks" '{
			printf "  %-9s %12.1f %12.3f %12.3f %12.3f %12.3f\n", h, ir / 2 / b, $2 / b, $3 / b, $4 / b, $5 / b
		}'
done
echo
echo "tracked, instructions by function (callgrind, two rounds; inlined code under its header):"
callgrind_annotate "$outdir/callgrind.tracked" | sed -n '/file:function/,/^$/p' | sed -n '3,24p'
echo
echo "counting, instructions by function:"
callgrind_annotate "$outdir/callgrind.counting" | sed -n '/file:function/,/^$/p' | sed -n '3,14p'
for hooks in tracked counting; do
	echo
	echo "$hooks, one round's misses by function (cachegrind, by LL read misses):"
	cg_annotate --show=Ir,D1mr,D1mw,DLmr,DLmw --sort=DLmr "$outdir/cachegrind.$hooks.round" |
		sed -n '/file:function/,/^$/p' | sed -n '1,18p'
done
echo "(the profiles: $outdir/)"
