/* report.md of a run: machine, config, compiler and commit; per layer the
 * best implementation with its GFLOP/s, share of peak and ratios to naive
 * and onednn_blocked; mismatches and unsupported rows; the charts. Also the
 * ratio-to-oneDNN chart (plots/ratio.gp) it embeds. */
#ifndef CONVBENCH_REPORT_H
#define CONVBENCH_REPORT_H
#include <stddef.h>

/* For each thread count with onednn_blocked rows: DIR/ratio_t<N>.{dat,png}
 * (per layer per implementation its GFLOP/s / onednn_blocked's, log scale,
 * a line at 1x) drawn with PLOTS_DIR/ratio.gp; then DIR/report.md (written
 * atomically), linking every chart present in DIR. Reads DIR/results.csv,
 * DIR/peak.txt and DIR/config.yaml (the last two when present). Call it
 * after charts_render so the report links the full chart set. Returns 0, or
 * -1 with a one-line message (report.md is still written when only a chart
 * failed). */
int report_render(const char *dir, const char *plots_dir, const char *gnuplot, char *err, size_t errlen);

/* `convbench report DIR`: charts_render, then report_render. */
int cmd_report(int argc, char **argv);
extern const char *const report_usage;

#endif
