# growth.gp: how one object's deep size grows with n, in requested, usable and footprint bytes.
# chapter: chapter5
#
# Data: ./chapter5 --data plots/out writes growth.dat, one row per
# snapshot (columns: n flat_requested deep_requested deep_usable
# deep_footprint).
# `make plots` runs both steps, finding the chapter by the line above; by
# hand: ./chapter5 --data plots/out && gnuplot plots/growth.gp
# (-e "datafile='...'; outfile='...'" reads and writes elsewhere).

if (!exists("datafile")) datafile = "plots/out/growth.dat"
if (!exists("outfile")) outfile = "plots/out/growth.png"

# pngcairo draws smoother text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 960,600 font "sans,11"
} else {
    set terminal png size 960,600
}
set output outfile
# Plain text: enhanced mode reads the _ in malloc_usable_size as a subscript.
set termoption noenhanced

set title "Chapter 5: deep size of obj after multiply(obj, n), one snapshot per n"
set xlabel "n, the ints in each of x, y and z (log scale)"
set ylabel "deep size of obj (bytes, log scale)"
set y2label "footprint / requested (ratio, dashed line)"
# n doubles from 1 to 8192: log axes give each step the same room.
set logscale x 2
set logscale y 10
set xrange [0.8:10000]
set format x "%.0f"
set ytics nomirror
set y2tics
set y2range [0.9:*]
set grid xtics ytics
set key at graph 0.98, graph 0.40 right top box opaque

plot datafile using 1:5 with linespoints linewidth 2 pointtype 7 title "footprint (bytes): usable + chunk headers", \
     ''       using 1:4 with linespoints linewidth 2 pointtype 5 title "usable (bytes): malloc_usable_size", \
     ''       using 1:3 with linespoints linewidth 2 pointtype 9 title "requested (bytes): 32 + 12 n", \
     ''       using 1:($5/$3) axes x1y2 with lines dashtype 2 linewidth 2 title "footprint / requested (ratio, right axis)"
