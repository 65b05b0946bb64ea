/* Charts of one benchmark run, drawn by gnuplot from its results.csv. */
#ifndef CONVBENCH_CHARTS_H
#define CONVBENCH_CHARTS_H
#include <stddef.h>

/* Render every chart for the results directory DIR (reads DIR/results.csv,
 * writes .dat and .png files into DIR via the gnuplot scripts in PLOTS_DIR).
 * Returns 0 or -1 with a one-line message.
 *
 * For each thread count in the CSV: DIR/gflops_t<threads>.{dat,png} (GFLOP/s
 * per layer per implementation) and, when naive has results at that thread
 * count, DIR/speedup_t<threads>.{dat,png} (naive's median time / each
 * implementation's). Only status=ok rows count; anything else is NaN in the
 * .dat, a missing bar in the chart. GNUPLOT is the program to run, looked up
 * in PATH when it has no '/'.
 *
 * When the CSV has the intensity column: DIR/roofline_t<threads>.{dat,png},
 * GFLOP/s against arithmetic intensity under the roofs of DIR/peak.txt at
 * that thread count (the highest FMA peak solid, lower ISAs' dashed, triad
 * GB/s x intensity below the knee); without peak.txt, or without lines for
 * that thread count, the points alone. When the CSV has more than one
 * thread count: DIR/scaling.{dat,png}, per implementation with rows at two or
 * more counts its speedup over its own median time at the lowest count
 * (geometric mean over the layers ok at both), and DIR/scaling_layers.dat,
 * the same per layer.
 *
 * When some ok row has a tuned_vs_default value: DIR/tuning_t<threads>.{dat,png}
 * at each thread count with one, per layer and implementation that value
 * (the defaults' median time / the tuned parameters', same run; the `best`
 * rows, copies of another, left out). When DIR/tuning.csv exists:
 * DIR/heatmap.{dat,png}, the tuning landscape of the (layer, impl, threads)
 * with the most ok candidates among implementations with two parameters or
 * more, over the two parameters with the most distinct values (any others
 * free: a cell is its fastest candidate), in per cent of the fastest
 * candidate; skipped when no group has 4 cells with an ok candidate. */
int charts_render(const char *dir, const char *plots_dir, const char *gnuplot, char *err,
                  size_t errlen);
/* The config's name from a run directory "DIR/<config>-<timestamp>". */
void charts_config_name(const char *dir, char *out, size_t outlen);
#endif
