# summary.gp: where chapter 1's word index keeps its memory, live requested bytes by type as horizontal bars.
# chapter: chapter1
#
# Data: ./chapter1 --data plots/out writes chapter1.dat (columns: "type"
# blocks requested, largest first).
# `make plots` runs both steps, finding the chapter by the line above; by
# hand: ./chapter1 --data plots/out && gnuplot plots/summary.gp
# (-e "datafile='...'; outfile='...'" reads and writes elsewhere).

if (!exists("datafile")) datafile = "plots/out/chapter1.dat"
if (!exists("outfile")) outfile = "plots/out/summary.png"

# pngcairo draws smoother text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 960,480 font "sans,11"
} else {
    set terminal png size 960,480
}
set output outfile
# Plain text: enhanced mode reads the _ in word_entry as a subscript.
set termoption noenhanced

set title "Chapter 1: live memory of the word index by type (what ms_summarize counts)"
set xlabel "requested bytes (live now)"
set ylabel "type (a summary row)"
# One bar a row, the largest at the top as the summary prints it: row i at
# y = i. Room on the right for the labels after the bars.
stats datafile using 3 nooutput
set yrange [STATS_records - 0.5:-0.5]
set xrange [0:STATS_max * 1.3]
set ytics nomirror
set grid xtics
set style fill solid 0.7 border -1
set key off

# Each bar runs from 0 to the requested bytes, 0.7 rows thick; its label
# gives the bytes and the blocks behind them.
plot datafile using (0.5 * $3):0:(0.5 * $3):(0.35):yticlabels(1) with boxxyerror linecolor 3, \
     ''       using 3:0:(sprintf("  %d B in %d %s", $3, $2, $2 == 1 ? "block" : "blocks")) \
              with labels left
