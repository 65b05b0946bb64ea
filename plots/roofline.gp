# Roofline at one thread count: each implementation's GFLOP/s on each layer
# against the layer's arithmetic intensity (flops per byte of compulsory
# traffic: src, weights and dst each crossing from memory once), log-log,
# under the machine's roofs: FMA peak GFLOP/s (flat) and STREAM triad GB/s
# times intensity (the slope), drawn as min(peak, bandwidth x intensity).
# convbench writes DIR/roofline_t<threads>.dat (header "layer" "intensity"
# impl...; one row per layer; NaN where an implementation has no valid result;
# the roofs it used in its leading comments) and runs this once per thread
# count with the roofs of DIR/peak.txt (harness/charts.c). By hand, from the
# source tree:
#   gnuplot -e "datafile='results/resnet-X/roofline_t1.dat'; outfile='/tmp/roofline.png'; nroofs=1; roof1=117.5; bw=30.9" plots/roofline.gp
# Roofs, all optional (without them only the points are drawn):
#   nroofs; roof1 .. roof<nroofs>: compute peaks in GFLOP/s, highest first (the
#     first is drawn solid, the others dashed); roof<k>_label: their labels
#   bw: memory bandwidth in GB/s; bw_label: its label
# Also optional: title, subtitle, footnote, width, height (pixels), linetypes
# (one linetype number per implementation column, space-separated, so an
# implementation keeps its colour and marker from chart to chart), xmin, xmax,
# ymin, ymax (else whole decades around the points and the roof's knee).
if (!exists("datafile")) datafile = "roofline.dat"
if (!exists("outfile")) outfile = "roofline.png"
if (!exists("title")) title = ""
if (!exists("subtitle")) subtitle = ""
if (!exists("footnote")) footnote = ""
if (!exists("width")) width = 1300
if (!exists("height")) height = 800
if (!exists("linetypes")) linetypes = ""
if (!exists("nroofs")) nroofs = 0
if (!exists("bw")) bw = 0
if (!exists("bw_label")) bw_label = sprintf("memory %.3g GB/s", bw)
do for [k = 1:nroofs] {
    if (!exists(sprintf("roof%d_label", k))) {
        eval sprintf("roof%d_label = sprintf('FMA peak %%.3g GFLOP/s', roof%d)", k, k)
    }
}
roof(k) = value(sprintf("roof%d", k))
peak = nroofs > 0 ? roof(1) : 0
# The roof under compute peak p: flat at p, sloping at bw below the knee.
ceiling(x, p) = bw > 0 ? (p > 0 ? (bw * x < p ? bw * x : p) : bw * x) : p

# noenhanced: layer and implementation names hold underscores, not subscripts.
# pngcairo draws better; plain png (libgd) where gnuplot was built without cairo.
if (strstrt(GPVAL_TERMINALS, "pngcairo")) {
    set terminal pngcairo noenhanced size width, height font "DejaVu Sans,11"
} else {
    set terminal png noenhanced size width, height font "DejaVu Sans,11"
}
set datafile missing "NaN"
load ARG0[1 : strlen(ARG0) - strlen("roofline.gp")] . "palette.gp"
set logscale xy

# Ranges: whole decades around the points, the knee (peak / bw) and the peak
# with room for its label. A first pass into a scratch table finds the data's
# extent without drawing anything.
if (!exists("xmin") || !exists("xmax") || !exists("ymin") || !exists("ymax")) {
    set table $scratch
    plot for [i=3:*] datafile using 2:i notitle
    unset table
    xlo = GPVAL_DATA_X_MIN; xhi = GPVAL_DATA_X_MAX
    ylo = GPVAL_DATA_Y_MIN; yhi = GPVAL_DATA_Y_MAX
    if (peak > 0 && bw > 0) {
        xlo = xlo < peak / bw ? xlo : peak / bw
        xhi = xhi > peak / bw ? xhi : peak / bw
    }
    if (peak > 0) { yhi = yhi > peak ? yhi : peak }
    if (!exists("xmin")) { xmin = 10 ** floor(log10(xlo / 1.5)) }
    if (!exists("xmax")) { xmax = 10 ** ceil(log10(xhi * 1.5)) }
    if (!exists("ymin")) { ymin = 10 ** floor(log10(ylo / 1.5)) }
    if (!exists("ymax")) { ymax = 10 ** ceil(log10(yhi * 1.5)) }
}
set xrange [xmin:xmax]
set yrange [ymin:ymax]

# The plot area pinned in screen fractions, so the slope's angle on the page
# is known before drawing (for its label); on its right the roofs' labels,
# then the key.
left = 0.07; right = 0.65; bottom = 0.13; top = 0.89
set lmargin at screen left
set rmargin at screen right
set bmargin at screen bottom
set tmargin at screen top
set output outfile
set title (strlen(subtitle) ? title . "\n" . subtitle : title) font ",14"
set xlabel "arithmetic intensity (flop per byte of compulsory traffic, log scale)"
set ylabel "GFLOP/s (log scale)"
set format x "%g"
set format y "%g"
set grid xtics ytics mxtics mytics lc rgb "#e4e4e4", lc rgb "#f2f2f2"
set xtics nomirror
set ytics nomirror
set key at screen 0.83, screen top left top vertical Left reverse width 2 title "implementation"
set samples 2000

# The flat roofs labelled on the right axis, where their lines end: outside
# the plot, so no point ever covers a label (points crowd right under the
# roof, and padded layers can sit above it). A parenthesis goes on a second
# line. The slope labelled near its lower end, turned to lie along it: above
# the memory roof, where points seldom are.
set logscale y2
set y2range [ymin:ymax]
if (nroofs > 0) {
    set y2tics () scale 0.5 nomirror font ",10" textcolor rgb "#222222"
} else {
    unset y2tics
}
do for [k = 1:nroofs] {
    lab = value(sprintf("roof%d_label", k))
    cut = strstrt(lab, " (")
    lab = cut ? lab[1:cut - 1] . "\n" . lab[cut + 1:] : lab
    set y2tics add (lab roof(k))
}
if (bw > 0) {
    px_x = (right - left) * width / log10(xmax / xmin)
    px_y = (top - bottom) * height / log10(ymax / ymin)
    angle = atan(px_y / px_x) * 180 / pi
    xs = xmin > ymin / bw ? xmin : ymin / bw
    set label bw_label at first xs * 1.3, first bw * xs * 1.3 * 1.25 left rotate by angle offset -0.5, 0.5 font ",10" textcolor rgb "#222222" front
}
if (strlen(footnote)) set label footnote at screen 0.01, screen 0.025 left font ",9" textcolor rgb "#555555"

# Markers: filled, shaped by linetype (so per implementation), outlined in
# grey so that light colours stay visible on white.
colour(i) = i - 2 <= words(linetypes) ? word(linetypes, i - 2) + 0 : i - 2
filled(lt) = word("7 5 9 11 13 15 5 7 9 11 13 15", (lt - 1) % 12 + 1) + 0
# Built as a string: a roof is only drawn where there is one (gnuplot
# refuses a function that is undefined everywhere).
cmd = "plot "
do for [k = 2:nroofs] {
    cmd = cmd . sprintf("ceiling(x, roof(%d)) notitle with lines dt 2 lw 1.5 lc rgb '#888888', ", k)
}
if (nroofs > 0 || bw > 0) {
    cmd = cmd . "ceiling(x, peak) notitle with lines lw 2.5 lc rgb '#222222', "
}
cmd = cmd . "for [i=3:*] datafile using 2:i title columnheader(i) with points lt colour(i) pt filled(colour(i)) ps 1.8, "
cmd = cmd . "for [i=3:*] datafile using 2:i notitle with points lc rgb '#555555' pt filled(colour(i)) - 1 ps 1.8"
eval cmd
