# What tuning bought: for each layer and implementation whose row was tuned,
# the tuned parameters' speed over the defaults' (the default median time /
# the tuned median time, both measured with full repetitions in the same run:
# results.csv's tuned_vs_default). Clustered bars rising (or falling) from the
# 1x line, linear scale, each labelled with its value. 1x: the search found
# nothing faster than the defaults (the harness then keeps the defaults).
# convbench writes DIR/tuning_t<threads>.dat (header "layer" impl...; one row
# per layer; NaN where an implementation has no tuned row; the parameters
# each row ran with in its leading comments) and runs this once per thread
# count with tuned rows (harness/charts.c). By hand, from the source tree:
#   gnuplot -e "datafile='results/resnet-X/tuning_t1.dat'; outfile='/tmp/tuning.png'; title='resnet: tuned vs default, 1 thread'" plots/tuning.gp
# Optional variables: subtitle, width, height (pixels), ymin, ymax (else a
# span of at least 0.25x around 1x and the values), linetypes (one linetype
# number per implementation column, space-separated, so an implementation
# keeps its colour from chart to chart). Run it as a file, as above: it finds
# palette.gp beside itself through ARG0.
if (!exists("datafile")) datafile = "tuning.dat"
if (!exists("outfile")) outfile = "tuning.png"
if (!exists("title")) title = ""
if (!exists("subtitle")) subtitle = ""
if (!exists("width")) width = 1200
if (!exists("height")) height = 700
if (!exists("linetypes")) linetypes = ""

# noenhanced: layer and implementation names hold underscores, not subscripts.
# pngcairo draws better; plain png (libgd) where gnuplot was built without cairo.
if (strstrt(GPVAL_TERMINALS, "pngcairo")) {
    set terminal pngcairo noenhanced size width, height font "DejaVu Sans,11"
} else {
    set terminal png noenhanced size width, height font "DejaVu Sans,11"
}
set datafile missing "NaN"
load ARG0[1 : strlen(ARG0) - strlen("tuning.gp")] . "palette.gp"

# A first pass into a scratch table: the number of layers (rows) and of
# implementations (columns), and the values' extent.
ncols = 0
set table $scratch
plot for [i=2:*] datafile every ::1 using 0:(ncols = i - 1, column(i)) notitle
unset table
nrows = GPVAL_DATA_X_MAX + 1
lo = GPVAL_DATA_Y_MIN < 1 ? GPVAL_DATA_Y_MIN : 1
hi = GPVAL_DATA_Y_MAX > 1 ? GPVAL_DATA_Y_MAX : 1
# Bar c of a cluster (c = 1..ncols) at row x: clusters 0.84 wide, a bar
# at most 0.3 (a lone bar is no wider for being alone).
bw = 0.84 / ncols < 0.3 ? 0.84 / ncols : 0.3
centre(x, c) = x + bw * (c - 0.5 - ncols / 2.0)
# Value labels: above a bar that rises, below one that falls; turned on end
# when the bars are too narrow for them.
px_per_bar = (width - 350.0) / nrows * bw
angle = px_per_bar < 38 ? 90 : 0
# At least a quarter of a unit, so that a 2% gain looks like one; room above
# and below the bars for their labels.
span = hi - lo > 0.25 ? hi - lo : 0.25
if (!exists("ymin")) { ymin = lo - (lo < 1 ? (angle ? 0.2 : 0.1) : 0.04) * span }
if (!exists("ymax")) { ymax = lo + span + (angle ? 0.2 : 0.12) * span }
set yrange [ymin:ymax]
set xrange [-0.6 : nrows - 0.4]

set output outfile
set title (strlen(subtitle) ? title . "\n" . subtitle : title) font ",14"
set ylabel "tuned / default speed (×)"
set format y "%g×"
set ytics nomirror
set grid ytics lc rgb "#dddddd"
set xtics rotate by 30 right scale 0 nomirror
# Outside the plot, so it never covers a bar; implementations in table order.
set key outside right top vertical Left reverse width 2 title "implementation"
set style fill solid 0.85 border -1
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb "#444444" front
set label "1× = the defaults" at graph 1, first 1 offset 0.5, 0 left font ",9" textcolor rgb "#444444"

colour(i) = i - 1 <= words(linetypes) ? word(linetypes, i - 1) + 0 : i - 1
up = angle ? "left offset 0, 0.4" : "center offset 0, 0.7"
down = angle ? "right offset 0, -0.4" : "center offset 0, -0.7"
plot datafile every ::1 using 0:(NaN):xtic(1) notitle, \
    for [i=2:ncols + 1] datafile using (centre($0, i - 1)):i:(centre($0, i - 1) - bw / 2):(centre($0, i - 1) + bw / 2):(1):i \
        title columnheader(i) with boxxyerror lt colour(i), \
    for [i=2:ncols + 1] datafile every ::1 using (centre($0, i - 1)):(column(i) >= 1 ? column(i) : NaN):(sprintf("%.2f×", column(i))) \
        notitle with labels rotate by angle @up font ",9", \
    for [i=2:ncols + 1] datafile every ::1 using (centre($0, i - 1)):(column(i) < 1 ? column(i) : NaN):(sprintf("%.2f×", column(i))) \
        notitle with labels rotate by angle @down font ",9"
