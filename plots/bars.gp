# Shared by gflops.gp and speedup.gp: one clustered bar chart, log scale y,
# from a wide table (header row "layer" impl...; one row per layer; NaN where
# an implementation has no valid result). The caller sets ylabel and, if it
# wants a reference line, refline (a y value); optional everywhere: title,
# subtitle, width, height (pixels), ymin and ymax (else autoscaled), yformat,
# linetypes (one linetype number per data column, space-separated, so an
# implementation keeps its colour from chart to chart), here (the directory
# of palette.gp, with its trailing slash: the colours past linetype 8).
if (!exists("datafile")) datafile = "chart.dat"
if (!exists("outfile")) outfile = "chart.png"
if (!exists("title")) title = ""
if (!exists("subtitle")) subtitle = ""
if (!exists("width")) width = 1200
if (!exists("height")) height = 700
if (!exists("yformat")) yformat = "% h"
if (!exists("linetypes")) linetypes = ""
if (!exists("ylabel")) ylabel = ""

# noenhanced: layer and implementation names hold underscores, not subscripts.
# pngcairo draws better; plain png (libgd) where gnuplot was built without cairo.
if (strstrt(GPVAL_TERMINALS, "pngcairo")) {
    set terminal pngcairo noenhanced size width, height font "DejaVu Sans,11"
} else {
    set terminal png noenhanced size width, height font "DejaVu Sans,11"
}
set output outfile
if (exists("here")) load here . "palette.gp"
set datafile missing "NaN"
# Clusters sit at x = 0, 1, ...: trim the empty space histograms leave beside
# them. Counted before any yrange is set, which stats would filter by; every
# ::1 skips the header row.
stats datafile every ::1 using 0 nooutput
set xrange [-0.6 : STATS_records - 0.4]
set title (strlen(subtitle) ? title . "\n" . subtitle : title) font ",14"
set ylabel ylabel
set logscale y
if (exists("ymin") && exists("ymax")) set yrange [ymin:ymax]
set format y yformat
set grid ytics mytics lc rgb "#dddddd"
# Outside the plot, so it never covers a bar; implementations in table order.
set key outside right top vertical Left reverse width 2
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by 30 right scale 0 nomirror
set ytics nomirror
if (exists("refline")) set arrow from graph 0, first refline to graph 1, first refline nohead lw 2 dt 2 lc rgb "#444444" front
colour(i) = i - 1 <= words(linetypes) ? word(linetypes, i - 1) + 0 : i - 1
plot for [i=2:*] datafile using i:xtic(1) title columnheader(i) lt colour(i)
