# Thread scaling: each implementation's speedup over its own median time at
# the run's lowest thread count (usually 1), geometric mean over the layers
# with valid results at both counts, against the thread count; log-log (base
# 2), with the ideal linear speedup dashed.
# convbench writes DIR/scaling.dat (header "threads" impl...; one row per
# thread count; NaN where an implementation has no layer valid at both
# counts) and runs this when a run has more than one thread count
# (harness/charts.c). By hand, from the source tree:
#   gnuplot -e "datafile='results/resnet-X/scaling.dat'; outfile='/tmp/scaling.png'; title='resnet: thread scaling'" plots/scaling.gp
# Optional variables: subtitle, width, height (pixels), base (the thread count
# speedups are relative to; else the first row's), linetypes (one linetype
# number per implementation column, space-separated, so an implementation
# keeps its colour and marker from chart to chart), xmin, xmax, ymin, ymax.
if (!exists("datafile")) datafile = "scaling.dat"
if (!exists("outfile")) outfile = "scaling.png"
if (!exists("title")) title = ""
if (!exists("subtitle")) subtitle = ""
if (!exists("width")) width = 1100
if (!exists("height")) height = 750
if (!exists("linetypes")) linetypes = ""

# noenhanced: implementation names hold underscores, not subscripts.
# pngcairo draws better; plain png (libgd) where gnuplot was built without cairo.
if (strstrt(GPVAL_TERMINALS, "pngcairo")) {
    set terminal pngcairo noenhanced size width, height font "DejaVu Sans,11"
} else {
    set terminal png noenhanced size width, height font "DejaVu Sans,11"
}
set datafile missing "NaN"
load ARG0[1 : strlen(ARG0) - strlen("scaling.gp")] . "palette.gp"
set logscale xy 2

# Ranges: a margin around the thread counts, and around the speedups and the
# ideal line. A first pass into a scratch table finds the data's extent.
set table $scratch
plot for [i=2:*] datafile using 1:i notitle
unset table
if (!exists("base")) {
    stats datafile every ::1::1 using 1 nooutput
    base = STATS_min
}
tlo = GPVAL_DATA_X_MIN; thi = GPVAL_DATA_X_MAX
slo = GPVAL_DATA_Y_MIN < 1 ? GPVAL_DATA_Y_MIN : 1
shi = GPVAL_DATA_Y_MAX > thi / base ? GPVAL_DATA_Y_MAX : thi / base
if (!exists("xmin")) { xmin = tlo / 1.3 }
if (!exists("xmax")) { xmax = thi * 1.3 }
if (!exists("ymin")) { ymin = slo / 1.3 }
if (!exists("ymax")) { ymax = shi * 1.3 }
set xrange [xmin:xmax]
set yrange [ymin:ymax]

set output outfile
set title (strlen(subtitle) ? title . "\n" . subtitle : title) font ",14"
set xlabel "threads (log scale)"
set ylabel sprintf("speedup over the same implementation at %g thread%s (log scale)", base, base == 1 ? "" : "s")
# Labelled y tics at round speedups: every power of two and its 1.5x over a
# wide range; quarter steps as well over a narrow one (log2 tics alone would
# leave a 1-to-2-thread chart with two labels).
set ytics () nomirror
narrow = log(ymax / ymin) / log(2) <= 3
do for [v in "0.125 0.25 0.375 0.5 0.625 0.75 0.875 1 1.25 1.5 1.75 2 2.5 3 3.5 4 5 6 7 8 10 12 16 24 32 48 64 96 128 192 256 384 512 768 1024"] {
    t = v + 0
    octave = 2 ** floor(log(t) / log(2) + 1e-9)
    if (t >= ymin && t <= ymax && (narrow || t == octave || t == 1.5 * octave)) {
        set ytics add (sprintf("%g×", t) t)
    }
}
set xtics nomirror
set grid xtics ytics lc rgb "#e4e4e4"
# Outside the plot, so it never covers a line; implementations in table order.
set key outside right top vertical Left reverse width 2 title "implementation"

# Lines and markers as in the roofline: colour and shape by linetype.
colour(i) = i - 1 <= words(linetypes) ? word(linetypes, i - 1) + 0 : i - 1
filled(lt) = word("7 5 9 11 13 15 5 7 9 11 13 15", (lt - 1) % 12 + 1) + 0
set samples 200
plot x / base title "ideal (linear)" with lines dt 2 lw 1.5 lc rgb "#666666", \
    for [i=2:*] datafile using 1:i:xtic(1) title columnheader(i) with linespoints lt colour(i) pt filled(colour(i)) ps 1.6 lw 2
