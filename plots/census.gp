# census.gp: live requested bytes of each process a census watched, on one clock.
#
# Data: ./census --data DIR -- PROGRAM ARGS writes DIR/census.dat, a block
# per process (a quoted "pid N program" line, then rows: ms since the
# first process started, live blocks, live requested bytes), blocks parted by
# two blank lines. Not drawn by `make plots` (no chapter writes it); by
# hand: ./census --data plots/out -- PROGRAM && gnuplot plots/census.gp
# (-e "datafile='...'; outfile='...'" reads and writes elsewhere).

if (!exists("datafile")) datafile = "plots/out/census.dat"
if (!exists("outfile")) outfile = "plots/out/census.png"

# pngcairo draws smoother text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 960,600 font "sans,11"
} else {
    set terminal png size 960,600
}
set output outfile
set termoption noenhanced

set title "census: live requested bytes of each process over time"
set xlabel "time since the census began (ms)"
set ylabel "live requested bytes (KB)"
set key top left
set grid
# one line per process, titled by its block's first line
stats datafile using 1 nooutput
plot for [i=0:STATS_blocks-1] datafile index i using 1:($3/1024.0) \
     with steps lw 2 title columnheader(1)
