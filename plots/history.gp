# History of a config: one panel per layer, each implementation's GFLOP/s
# (or median time) run by run, oldest first, log scale y, so a regression
# shows as a step; one legend for all panels. convbench history writes the
# data file (one block per layer, separated by two blank lines, each with its
# own header row "run" "label" impl...; NaN where a run has no valid result)
# and runs this once per thread count and group of layers
# (harness/history.c). By hand, from the source tree:
#   gnuplot -e "datafile='results/history/resnet/gflops_t1_1.dat'; outfile='/tmp/h.png'; npanels=6; nruns=12" plots/history.gp
# Variables: datafile, outfile, npanels (blocks in the file), nruns (rows per
# block); optional: title, ylabel, panel<k> (the k-th panel's title),
# ncols<k> (its implementation columns; else up to the first empty one),
# lt<k> (their linetypes, space-separated, so an implementation keeps its
# colour in every panel and chart), nkeys, key<j> and keylt<j> (the legend:
# names and linetypes; without them each panel has its own), width, height.
if (!exists("datafile")) datafile = "history.dat"
if (!exists("outfile")) outfile = "history.png"
if (!exists("title")) title = ""
if (!exists("ylabel")) ylabel = "GFLOP/s (log scale)"
if (!exists("npanels")) npanels = 1
if (!exists("nruns")) nruns = 1
cols = npanels > 2 ? 2 : 1
rows = (npanels + cols - 1) / cols
if (!exists("nkeys")) nkeys = 0
if (!exists("width")) width = cols * 720 + 230
if (!exists("height")) height = rows * 400 + 90

# noenhanced: layer and implementation names hold underscores, not subscripts.
if (strstrt(GPVAL_TERMINALS, "pngcairo")) {
    set terminal pngcairo noenhanced size width, height font "DejaVu Sans,10"
} else {
    set terminal png noenhanced size width, height font "DejaVu Sans,10"
}
set output outfile
load ARG0[1 : strlen(ARG0) - strlen("history.gp")] . "palette.gp"
set datafile missing "NaN"
set logscale y
set format y "% h"
set grid xtics ytics mytics lc rgb "#e4e4e4"
set xrange [-0.5 : nruns - 0.5]
set xtics rotate by 35 right nomirror
set ytics nomirror
# One legend, right of the panels, for every implementation in the chart.
set key at screen 1 - 200.0 / width, 0.9 left top vertical Left reverse samplen 2 font ",9"
set ylabel ylabel
set multiplot layout rows, cols title title font ",13" margins 100.0 / width, 1 - 230.0 / width, 0.14, 0.9 spacing 0.12, 0.16
filled(lt) = word("7 5 9 11 13 15 5 7 9 11 13 15", (lt - 1) % 12 + 1) + 0
do for [p = 1:npanels] {
    name = exists(sprintf("panel%d", p)) ? value(sprintf("panel%d", p)) : sprintf("layer %d", p)
    lts = exists(sprintf("lt%d", p)) ? value(sprintf("lt%d", p)) : ""
    last = exists(sprintf("ncols%d", p)) ? value(sprintf("ncols%d", p)) + 2 : 0
    colour(i) = i - 2 <= words(lts) ? word(lts, i - 2) + 0 : i - 2
    set title name font ",11"
    if (nkeys > 0 && p == 1 && last > 0) {
        # The legend: entries that draw nothing, one per implementation.
        plot for [i = 3:last] datafile index (p - 1) using 1:i:xtic(2) notitle with linespoints lt colour(i) pt filled(colour(i)) ps 1.1 lw 1.8, \
             for [j = 1:nkeys] NaN title value(sprintf("key%d", j)) with linespoints lt value(sprintf("keylt%d", j)) pt filled(value(sprintf("keylt%d", j))) ps 1.1 lw 1.8
    } else {
        if (nkeys > 0) { unset key }
        if (last > 0) {
            plot for [i = 3:last] datafile index (p - 1) using 1:i:xtic(2) title columnheader(i) with linespoints lt colour(i) pt filled(colour(i)) ps 1.1 lw 1.8
        } else {
            plot for [i = 3:*] datafile index (p - 1) using 1:i:xtic(2) title columnheader(i) with linespoints lt colour(i) pt filled(colour(i)) ps 1.1 lw 1.8
        }
    }
}
unset multiplot
