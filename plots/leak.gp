# leak.gp: live bytes at each checkpoint, a leaking import against the fixed one, with the peaks between checkpoints.
# chapter: chapter4
#
# The data is chapter 4's: ./chapter4 --data plots/out writes chapter4.dat
# (columns: checkpoint leaking_live leaking_peak fixed_live fixed_peak,
# requested bytes above what was live at the first checkpoint). `make
# plots` runs both steps; by hand:
#   gnuplot -e "datafile='plots/out/chapter4.dat'; outfile='plots/out/leak.png'" plots/leak.gp
# The "# chapter:" line above tells `make plots` which chapter writes the data.

if (!exists("datafile")) datafile = "plots/out/chapter4.dat"
if (!exists("outfile")) outfile = "plots/out/leak.png"

# pngcairo draws smoother lines and text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 960,600 font "sans,11"
} else {
    set terminal png size 960,600
}
set output outfile
# Plain text: enhanced mode would read the _ in column names as a subscript.
set termoption noenhanced

set title "A leak grows at every checkpoint; the fixed import's live bytes stay at zero"
set xlabel "checkpoint (one import of 100 lines before each)"
set ylabel "requested bytes above the first checkpoint"
set xtics 1
set ytics 0, 500
# A margin around the data, so the fixed import's line at zero stands clear
# of the axis; "fix" keeps autoscaling from stretching it to the next tic.
set autoscale xfix
set autoscale yfixmin
set offsets 0.2, 0.2, 300, 200
set grid xtics ytics
set key top left box opaque

plot datafile using 1:2 with linespoints linewidth 2 pointtype 7 title "leaking: live at the checkpoint", \
     ''       using 1:3 with linespoints linewidth 1 dashtype 2 pointtype 6 title "leaking: peak since the checkpoint before", \
     ''       using 1:4 with linespoints linewidth 2 pointtype 5 title "fixed: live at the checkpoint", \
     ''       using 1:5 with linespoints linewidth 1 dashtype 2 pointtype 4 title "fixed: peak since the checkpoint before"
