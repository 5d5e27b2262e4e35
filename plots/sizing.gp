# sizing.gp: what a small malloc really costs, usable size, footprint and overhead against the request.
# chapter: chapter3
#
# The data is chapter 3's: ./chapter3 --data plots/out writes malloc_cost.dat
# (columns: requested usable footprint overhead_percent). `make plots` runs
# both steps; by hand:
#   gnuplot -e "datafile='plots/out/malloc_cost.dat'; outfile='plots/out/sizing.png'" plots/sizing.gp
# The "# chapter:" line above tells `make plots` which chapter writes the data.

if (!exists("datafile")) datafile = "plots/out/malloc_cost.dat"
if (!exists("outfile")) outfile = "plots/out/sizing.png"

# pngcairo draws smoother lines and text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 960,600 font "sans,11"
} else {
    set terminal png size 960,600
}
set output outfile
# Plain text: enhanced mode would read the _ in malloc_usable_size as a subscript.
set termoption noenhanced

set title "What malloc(n) really costs on this machine"
set xlabel "requested size n (bytes)"
set ylabel "bytes"
# Ticks every 8 bytes, so glibc's 16-byte steps (at 24, 40, 56, ...) fall on grid lines.
set xrange [0:128]
set xtics 8
set yrange [0:*]
set ytics nomirror
set y2tics
# Off glibc memstats knows no chunk header, so an overhead can be 0, which a log scale cannot show.
stats datafile using 4 nooutput
if (STATS_min > 0) {
    set logscale y2
    set y2label "overhead: footprint beyond the request (% of the request, log scale)"
} else {
    set y2label "overhead: footprint beyond the request (% of the request)"
}
set grid xtics ytics
set key bottom right box opaque

plot datafile using 1:3 with steps linewidth 2 title "footprint (bytes): usable + glibc's chunk header", \
     ''       using 1:2 with steps linewidth 2 title "usable (bytes): malloc_usable_size", \
     ''       using 1:1 with lines dashtype 2 title "requested (bytes)", \
     ''       using 1:4 axes x1y2 with lines linewidth 2 title "overhead (%, right axis)"
