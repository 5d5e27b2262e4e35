# strategies.gp: every reference allocation strategy on the same traces: blocks taken from the allocator, and bytes held at the peak and left unused at the end.
# chapter: strategies
#
# The data is the comparison program's: ./strategies --data plots/out writes
# strategies.dat (columns: trace strategy objects handed_out payload_peak
# calls taken peak_held held_at_end live_at_end teardown_frees footprint_peak
# run_ns teardown_ns). `make plots` runs both steps; by hand:
#   gnuplot -e "datafile='plots/out/strategies.dat'; outfile='plots/out/strategies.png'" plots/strategies.gp
# The "# chapter:" line above tells `make plots` which program writes the data.

if (!exists("datafile")) datafile = "plots/out/strategies.dat"
if (!exists("outfile")) outfile = "plots/out/strategies.png"

# pngcairo draws smoother lines and text; libgd's png is everywhere gnuplot is.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1200,560 font "sans,11"
} else {
    set terminal png size 1200,560
}
set output outfile
# Plain text: enhanced mode would read the _ in names as a subscript.
set termoption noenhanced

# One colour per strategy, the same in both panels; a gap between traces.
strategies = "malloc arena pool size-classes"
colour(name) = name eq "malloc" ? 0xc0392b : name eq "arena" ? 0x2e86c1 : \
               name eq "pool" ? 0x28b463 : 0xb9770e
x(row, trace) = row + (trace eq "churn" ? 1 : trace eq "mixed" ? 2 : 0)
label(trace, strategy) = trace . " " . strategy

set style fill solid 0.85 border -1
set boxwidth 0.8
set xtics rotate by -40 left nomirror
set grid ytics
# Room above the tallest bar for the key, and to the right for the last slanted label.
set key top center horizontal box opaque
set rmargin 13
stats datafile using 6 nooutput
most_blocks = STATS_max
stats datafile using ($8 / 1048576) nooutput
most_mib = STATS_max

set multiplot layout 1,2 title "Allocation strategies on the same traces (each trace fixed and seeded)"

set title "Blocks taken from the allocator (memstats)"
set ylabel "blocks (log scale)"
set format y "%.0f"
set logscale y
set yrange [1:most_blocks * 30]
plot datafile using (x($0, strcol(1))):6:(colour(strcol(2))):xtic(label(strcol(1), strcol(2))) \
        with boxes lc rgb variable notitle, \
     for [i=1:words(strategies)] 1/0 with boxes lc rgb colour(word(strategies, i)) \
        title word(strategies, i)

set title "Bytes held: at the peak (bar), unused when the trace ended (hatched)"
set ylabel "MiB held"
set format y "%g"
unset logscale y
set yrange [0:most_mib * 1.3]
plot datafile using (x($0, strcol(1))):($8 / 1048576):(colour(strcol(2))):xtic(label(strcol(1), strcol(2))) \
        with boxes lc rgb variable notitle, \
     ''       using (x($0, strcol(1))):(($9 - $10) / 1048576) with boxes \
        fill pattern 4 border -1 lc rgb "black" title "unused at end", \
     for [i=1:words(strategies)] 1/0 with boxes lc rgb colour(word(strategies, i)) \
        title word(strategies, i)

unset multiplot
