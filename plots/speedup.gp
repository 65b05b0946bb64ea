# Speedup of each implementation over naive on each layer (naive's median
# time / the implementation's): clustered bars, log scale, dashed line at 1x.
# convbench writes DIR/speedup_t<threads>.dat and runs this once per thread
# count (harness/charts.c). By hand, from the source tree:
#   gnuplot -e "datafile='results/resnet-X/speedup_t1.dat'; outfile='/tmp/speedup.png'; title='resnet: 1 thread'" plots/speedup.gp
# Optional variables (see bars.gp): subtitle, width, height, ymin, ymax, linetypes.
# Run it as a file, as above: it finds bars.gp (and palette.gp) beside itself
# through ARG0.
ylabel = "speedup over naive (log scale)"
yformat = "%g×"
refline = 1
here = ARG0[1 : strlen(ARG0) - strlen("speedup.gp")]
load here . "bars.gp"
