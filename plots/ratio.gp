# Each implementation's GFLOP/s / onednn_blocked's on each layer (same run,
# same thread count): clustered bars, log scale, dashed line at 1x, so a bar
# above the line beats oneDNN on its own preferred layouts.
# convbench writes DIR/ratio_t<threads>.dat and runs this once per thread
# count (harness/report.c, with report.md). By hand, from the source tree:
#   gnuplot -e "datafile='results/resnet-X/ratio_t1.dat'; outfile='/tmp/ratio.png'; title='resnet: 1 thread'" plots/ratio.gp
# Optional variables (see bars.gp): subtitle, width, height, ymin, ymax, linetypes.
# Run it as a file, as above: it finds bars.gp (and palette.gp) beside itself
# through ARG0.
ylabel = "GFLOP/s / onednn_blocked's (log scale)"
yformat = "%g×"
refline = 1
here = ARG0[1 : strlen(ARG0) - strlen("ratio.gp")]
load here . "bars.gp"
