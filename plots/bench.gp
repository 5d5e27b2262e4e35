# bench.gp: what tracking costs, an allocation+free pair raw and tracked, and a summary's time as the live set grows.
#
# The data is make bench's: build/bench/memstats-bench --data plots/out writes
# bench.dat (index 0: case raw_ns tracked_ns ratio; index 1: live_blocks us).
# `make bench` runs both steps; by hand:
#   gnuplot -e "datafile='plots/out/bench.dat'; outfile='plots/out/bench.png'" plots/bench.gp
# This script names no chapter, so `make plots` leaves it to `make bench`.

if (!exists("datafile")) datafile = "plots/out/bench.dat"
if (!exists("outfile")) outfile = "plots/out/bench.png"

# pngcairo draws smoother lines and text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1200,540 font "sans,11"
} else {
    set terminal png size 1200,540
}
set output outfile
# Plain text: enhanced mode would read the _ in ms_summarize as a subscript.
set termoption noenhanced

set multiplot layout 1,2 title "memstats against raw malloc on this machine (make bench)"

# Left: one allocation+free pair, raw and tracked, with the ratio over each pair of bars.
set title "cost of one allocation+free pair"
set ylabel "ns per pair"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics nomirror
set grid ytics
set key below
plot datafile index 0 using 2:xtic(1) title "raw malloc/free", \
     ''       index 0 using 3 title "ms_alloc_bytes/ms_free", \
     ''       index 0 using ($0):3:(sprintf("%.2fx", $4)) with labels offset 0,1 notitle

# Right: a summary costs O(types), so the line should stay flat as blocks grow a thousandfold.
set title "one ms_summarize call against live blocks (target: flat, <= 2 us)"
set style data linespoints
set xlabel "live tracked blocks (log scale)"
set ylabel "microseconds"
set logscale x
set xrange [500:2000000]
# At least up to 2.5, so the 2 us target line shows.
set yrange [0:2.5<*]
set xtics auto
set key below
plot datafile index 1 using 1:2 with linespoints linewidth 2 pointtype 7 title "ms_summarize", \
     2 with lines dashtype 2 title "target"

unset multiplot
