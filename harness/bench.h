/* The run: for each layer x implementation x thread count, check support,
 * validate against oneDNN, time through Google Benchmark, append a row. */
#ifndef CONVBENCH_BENCH_H
#define CONVBENCH_BENCH_H
#include "config.h"

typedef struct bench_options {
    const char *results_root;   /* where run directories go; default "results" */
    int validate_only;          /* `convbench validate`: no timing, no files */
    int tune_override;          /* a tune_mode from the command line, or -1: the config's */
    double tune_budget;         /* seconds per search from the command line; 0: config/mode */
} bench_options;

/* Returns the process exit status: 0 all good, 1 when any row is a
 * mismatch or an error, 2 when the run could not start. */
int bench_run(const bench_config *cfg, const bench_options *opt);

/* The source tree (for configs/ and plots/): $CONVBENCH_SOURCE_DIR or the
 * build's. */
const char *bench_source_dir(void);
#endif
