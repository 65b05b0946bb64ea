# A slice of the tuning landscape: for one layer, implementation and thread
# count, the speed of the candidates the autotuner timed (DIR/tuning.csv) over
# two of the implementation's parameters, as a heat map. A cell is the
# fastest ok candidate with those two values (any other parameter free), in
# per cent of the fastest candidate of all (100% = the best time, higher is
# better); the best cell is outlined; grey cells had candidates that all
# failed validation; blank cells were never tried. An axis whose values are
# all powers of two is a log2 axis (a cell per power); otherwise one cell per
# integer value, or per distinct value when they spread too far.
# convbench writes DIR/heatmap.dat (one line per cell: the two parameter
# values, the cell's position on each axis, per cent of the best, GFLOP/s,
# ms, ok and rejected candidates; what was chosen in its leading comments)
# and runs this when a run tuned (harness/charts.c). By hand, from the
# source tree:
#   gnuplot -e "datafile='results/resnet-X/heatmap.dat'; outfile='/tmp/heatmap.png'; xname='mc'; yname='kc'; title='resnet: tuning landscape'" plots/heatmap.gp
# Optional variables: detail (a second title line: what the cells are),
# subtitle (a third: the machine), xname, yname (the parameters on the axes),
# width, height (pixels), cbmin (the colour bar's low end in per cent; else
# the slowest cell's, rounded down to 10%).
if (!exists("datafile")) datafile = "heatmap.dat"
if (!exists("outfile")) outfile = "heatmap.png"
if (!exists("title")) title = ""
if (!exists("subtitle")) subtitle = ""
if (!exists("detail")) detail = ""
if (!exists("xname")) xname = "parameter 1"
if (!exists("yname")) yname = "parameter 2"
if (!exists("width")) width = 1100
if (!exists("height")) height = 800

# noenhanced: layer and implementation names hold underscores, not subscripts.
# pngcairo draws better; plain png (libgd) where gnuplot was built without cairo.
if (strstrt(GPVAL_TERMINALS, "pngcairo")) {
    set terminal pngcairo noenhanced size width, height font "DejaVu Sans,11"
} else {
    set terminal png noenhanced size width, height font "DejaVu Sans,11"
}
set datafile missing "NaN"

# The grid's extent, whether each axis is log2 (its positions are the log2
# of its values), and the slowest cell.
stats datafile every ::1 using 3:4 nooutput
x0 = STATS_min_x; x1 = STATS_max_x; y0 = STATS_min_y; y1 = STATS_max_y
stats datafile every ::1 using (abs($3 - log($1) / log(2)) < 1e-6 ? 0 : 1):(abs($4 - log($2) / log(2)) < 1e-6 ? 0 : 1) nooutput
xlog2 = STATS_max_x == 0
ylog2 = STATS_max_y == 0
stats datafile every ::1 using 5 nooutput
if (!exists("cbmin")) { cbmin = floor(STATS_min / 10) * 10; cbmin = cbmin > 90 ? 90 : cbmin }

set output outfile
heading = title
if (strlen(detail)) heading = heading . "\n" . detail
if (strlen(subtitle)) heading = heading . "\n" . subtitle
set title heading font ",13"
set label "red outline: the fastest candidate   grey: every candidate failed validation   blank: not tried" \
    at screen 0.01, screen 0.02 left font ",9" textcolor rgb "#555555"
set xrange [x0 - 0.5 : x1 + 0.5]
set yrange [y0 - 0.5 : y1 + 0.5]
set xlabel xname . (xlog2 ? " (log2 scale)" : "")
set ylabel yname . (ylog2 ? " (log2 scale)" : "")
# Tics at the cells' values (from the data), and on a log2 axis at every
# power of two in between as well.
set xtics () scale 0 nomirror
set ytics () scale 0 nomirror
if (xlog2) { do for [p = int(x0) : int(x1)] { set xtics add (sprintf("%d", 2 ** p) p) } }
if (ylog2) { do for [p = int(y0) : int(y1)] { set ytics add (sprintf("%d", 2 ** p) p) } }
set cbrange [cbmin : 100]
set cblabel "speed, % of the best candidate (higher is better)"
set format cb "%g%%"
set cbtics nomirror
# viridis: dark and blue for slow, yellow for the best; reads in grey too.
set palette defined (0 "#440154", 0.25 "#3b528b", 0.5 "#21908d", 0.75 "#5dc963", 1 "#fde725")
set border lw 1
set bmargin 5.5
unset key
set style fill solid 1.0 border lc rgb "#ffffff"

# Labels in the cells while they are wide enough to hold "100%"; light text
# on the dark half of the palette.
cells_x = x1 - x0 + 1
cells_y = y1 - y0 + 1
px = (width - 300.0) / cells_x
py = (height - 250.0) / cells_y
labelled = px >= 34 && py >= 16
fs = px >= 60 && py >= 30 ? 11 : 8
dark(p) = (p - cbmin) / (100 - cbmin) < 0.55
cell = "3:4:($3 - 0.5):($3 + 0.5):($4 - 0.5):($4 + 0.5)"
plot datafile every ::1 using 3:4:xtic(1) with points pt -1 notitle, \
    datafile every ::1 using 3:4:ytic(2) with points pt -1 notitle, \
    datafile every ::1 using @cell:5 with boxxyerror fc palette notitle, \
    datafile every ::1 using 3:($5 != $5 && $9 > 0 ? $4 : NaN):($3 - 0.5):($3 + 0.5):($4 - 0.5):($4 + 0.5) \
        with boxxyerror fc rgb "#c8c8c8" notitle, \
    datafile every ::1 using 3:($5 >= 99.9999 ? $4 : NaN):($3 - 0.5):($3 + 0.5):($4 - 0.5):($4 + 0.5) \
        with boxxyerror fs empty border lw 3 lc rgb "#d62728" notitle, \
    datafile every ::1 using 3:(labelled && dark($5) ? $4 : NaN):(sprintf("%.0f%%", $5)) \
        with labels font sprintf(",%d", fs) textcolor rgb "#ffffff" notitle, \
    datafile every ::1 using 3:(labelled && !dark($5) ? $4 : NaN):(sprintf("%.0f%%", $5)) \
        with labels font sprintf(",%d", fs) textcolor rgb "#000000" notitle, \
    datafile every ::1 using 3:(labelled && $5 != $5 && $9 > 0 ? $4 : NaN):("rejected") \
        with labels font sprintf(",%d", fs - 2) textcolor rgb "#444444" notitle
