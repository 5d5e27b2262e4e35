# chapter6.gp: wordcount's live heap over its run, as ./census sampled it: requested bytes and blocks over time.
# chapter: chapter6
#
# Data: ./chapter6 --data plots/out writes wordcount.dat, one row per
# sample the census took of the program under it (columns: ms blocks
# bytes; times differ from run to run, the shape does not).
# `make plots` runs both steps, finding the chapter by the line above; by
# hand: ./chapter6 --data plots/out && gnuplot plots/chapter6.gp
# (-e "datafile='...'; outfile='...'" reads and writes elsewhere).

if (!exists("datafile")) datafile = "plots/out/wordcount.dat"
if (!exists("outfile")) outfile = "plots/out/chapter6.png"

# pngcairo draws smoother text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 960,600 font "sans,11"
} else {
    set terminal png size 960,600
}
set output outfile
set termoption noenhanced

set title "Chapter 6: wordcount's live heap under ./census, a point a sample"
set xlabel "time since the program started (ms)"
set ylabel "live requested bytes"
set y2label "live blocks (dashed line)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid xtics ytics
set key left top box opaque

plot datafile using 1:3 with linespoints linewidth 2 pointtype 7 \
         title "live bytes (requested)", \
     ''       using 1:2 axes x1y2 with lines dashtype 2 linewidth 2 \
         title "live blocks (right axis)"
