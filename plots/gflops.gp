# GFLOP/s of each implementation on each layer: clustered bars, log scale.
# convbench writes DIR/gflops_t<threads>.dat and runs this once per thread
# count (harness/charts.c). By hand, from the source tree:
#   gnuplot -e "datafile='results/resnet-X/gflops_t1.dat'; outfile='/tmp/gflops.png'; title='resnet: 1 thread'" plots/gflops.gp
# Optional variables (see bars.gp): subtitle, width, height, ymin, ymax, linetypes.
# Run it as a file, as above: it finds bars.gp (and palette.gp) beside itself
# through ARG0.
ylabel = "GFLOP/s (log scale)"
here = ARG0[1 : strlen(ARG0) - strlen("gflops.gp")]
load here . "bars.gp"
