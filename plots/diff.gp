# diff.gp: what each C version of x = [2] * 10 added, chapter 2's diffs as bars by type.
# chapter: chapter2
#
# Data: ./chapter2 --data plots/out writes chapter2.dat, one data set per
# variant, (a), (b) and (c) in order (columns: "type" blocks requested).
# `make plots` runs both steps, finding the chapter by the line above; by
# hand: ./chapter2 --data plots/out && gnuplot plots/diff.gp
# (-e "datafile='...'; outfile='...'" reads and writes elsewhere).

if (!exists("datafile")) datafile = "plots/out/chapter2.dat"
if (!exists("outfile")) outfile = "plots/out/diff.png"

# pngcairo draws smoother text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 960,600 font "sans,11"
} else {
    set terminal png size 960,600
}
set output outfile
set termoption noenhanced

set title "Chapter 2: the diff of each x = [2] * 10 in C, requested bytes by type"
set xlabel "variant (one diff each)"
set ylabel "requested bytes added (live after, not before)"
# The three data sets sit at x = 0, 1, 2; each type's bar is shifted aside.
set xrange [-0.6:2.6]
set xtics ("(a) int[10]: ten values" 0, \
           "(b) ten int *, one shared int" 1, \
           "(c) ten int *, ten ints" 2)
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set grid ytics
set style fill solid 0.7 border -1
set boxwidth 0.35
set key top left box opaque

# The rows chapter 2's diffs have: the pointer blocks, and the ints.
type(i) = i == 1 ? "int" : "int *"
shift(i) = i == 1 ? -0.19 : 0.19
bar(i) = strcol(1) eq type(i) ? $3 : NaN
blocks(n) = sprintf("%d %s", n, n == 1 ? "block" : "blocks")

plot for [t = 1:2] for [v = 0:2] datafile index v \
         using (v + shift(t)):(bar(t)) with boxes linecolor t \
         title (v == 0 ? type(t) . " (bytes)" : ""), \
     for [t = 1:2] for [v = 0:2] datafile index v \
         using (v + shift(t)):(bar(t)):(blocks($2)) with labels offset 0, 0.8 notitle
