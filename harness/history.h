/* History of a config: every run of it under a results root, oldest first,
 * as one chart per thread count and group of layers, so a regression shows
 * as a step. `convbench history CONFIG` / `make history CONFIG=...`. */
#ifndef CONVBENCH_HISTORY_H
#define CONVBENCH_HISTORY_H
#include <stddef.h>

typedef struct history_options {
    const char *root;       /* results root to scan; default "results" */
    const char *out_dir;    /* default <root>/history/<stem> */
    int use_time;           /* plot median time (ms) instead of GFLOP/s */
    int group;              /* layers per chart; default 6 */
} history_options;

/* Gathers <root>/<stem>-<YYYYmmdd-HHMMSS>[-N]/results.csv (git and
 * timestamp per run), writes <out_dir>/<metric>_t<threads>_<k>.{dat,png}
 * for each thread count and k-th group of layers (one panel per layer,
 * one line per implementation over the runs, x labelled commit and date)
 * with PLOTS_DIR/history.gp. *nruns and *ncharts get the counts. Returns 0,
 * or -1 with a one-line message (no runs is an error). */
int history_render(const char *stem, const history_options *opt, const char *plots_dir, const char *gnuplot,
                   int *nruns, int *ncharts, char *err, size_t errlen);

/* `convbench history CONFIG [--results DIR] [--out DIR] [--metric gflops|time] [--group N]` */
int cmd_history(int argc, char **argv);
extern const char *const history_usage;
#endif
