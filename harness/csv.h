/* results.csv: one row per layer x implementation x thread count, appended
 * and flushed as each finishes, so an interrupted run keeps its rows. */
#ifndef CONVBENCH_CSV_H
#define CONVBENCH_CSV_H
#include <stdio.h>

typedef struct result_row {
    const char *layer, *shape, *impl;
    int threads;
    const char *status;          /* ok | mismatch | unsupported | error */
    int timed;                   /* 0: the timing columns stay empty */
    double median_ms, min_ms, mean_ms, stddev_ms, cv;
    int noisy, repetitions;
    double gflops;
    double pct_peak;             /* share of the measured FMA peak; < 0: unknown */
    double intensity;            /* flops per byte of compulsory traffic (src + wei + dst) */
    double workspace_bytes;      /* < 0: not known */
    double prepare_ms;           /* < 0: no prepare step */
    /* Phases of one timed iteration (means over every iteration run), for
     * implementations with layout conversions; < 0: no phases. */
    double layout_in_ms, kernel_ms, layout_out_ms;
    double tuned_vs_default;     /* default median / this row's median, same run; < 0: not tuned */
    int validated;               /* 0: error columns stay empty */
    double max_abs_err, max_rel_err;
    const char *params;          /* "mc=96;kc=256" or "" */
    const char *note;            /* why unsupported, mismatch detail, ... */
    const char *timestamp;
} result_row;

extern const char *const csv_columns; /* the header line, without newline */

/* Writes the header. */
FILE *csv_create(const char *path);
/* Appends one row (RFC 4180 quoting), flushes and syncs it to disk. */
int csv_append(FILE *f, const result_row *row);
/* Appends one CSV field with quoting to f (also used for samples.csv). */
void csv_field(FILE *f, const char *s);
#endif
