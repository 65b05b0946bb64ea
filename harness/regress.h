/* Comparing two runs (`convbench compare BASE NEW`): rows matched by layer,
 * implementation and thread count; per row the relative change of the
 * median time, a two-sided Mann-Whitney U test on the per-repetition
 * samples of samples.csv, a minimum effect size, the same on times
 * normalised by a reference implementation of the same run (onednn_blocked),
 * status changes and accuracy (max_rel_err) growth. Also the small CSV
 * reader that compare, report and history share. */
#ifndef CONVBENCH_REGRESS_H
#define CONVBENCH_REGRESS_H
#include <stdbool.h>
#include <stddef.h>

/* ---------------------------------------------------------------- CSV */

/* An RFC 4180 file read whole: row 0 is the header; every row has the
 * header's number of fields (else rtab_read fails naming the line). */
typedef struct rtab {
    char *text;
    char **field;    /* nrows * ncols, row-major */
    int *line;       /* line each row starts on */
    int ncols, nrows;
} rtab;

/* 0, or -1 with "PATH: what is wrong" (PATH:LINE: where it helps). */
int rtab_read(const char *path, rtab *t, char *err, size_t errlen);
/* The same, but rows with more or fewer fields than the header (a line cut
 * short by an interrupted run) are left out and counted in *skipped. */
int rtab_read_skipping(const char *path, rtab *t, int *skipped, char *err, size_t errlen);
void rtab_free(rtab *t);
/* Index of the header column NAME, or -1. */
int rtab_col(const rtab *t, const char *name);
/* Field (row, col); "" when col < 0. */
const char *rtab_get(const rtab *t, int row, int col);

/* ---------------------------------------------------------- statistics */

/* Two-sided p-value of the Mann-Whitney U test of a against b: exact
 * (the U distribution by counting) when there are no ties and both sides
 * have at most 50 values, else the normal approximation with tie and
 * continuity correction. 1 when either side is empty. *exact, if not NULL,
 * says which was used. */
double regress_mwu_p(const double *a, int na, const double *b, int nb, bool *exact);
/* The smallest two-sided p the exact test can give with na and nb values
 * (2 / C(na+nb, na)): at or above alpha, no difference can be significant. */
double regress_mwu_min_p(int na, int nb);
/* Median of v (n > 0); sorts v. */
double regress_median(double *v, int n);

/* ------------------------------------------------------------ compare */

typedef struct regress_options {
    double alpha;          /* significance level of the U test; default 0.05 */
    double min_effect;     /* minimum relative change of the median; default 0.05 */
    double acc_factor;     /* max_rel_err growth past this factor is a regression; default 2 */
    double acc_floor;      /* growth ignored while both errors are below this; default 1e-7 */
    const char *reference; /* the implementation rows are normalised by; default onednn_blocked */
    bool normalize;        /* decide on the normalised times */
    bool fail_on_missing;  /* a row of BASE that NEW lacks fails the comparison */
    const char *markdown;  /* write the comparison as Markdown here, or NULL */
    const char *json;      /* and as JSON here, or NULL */
    bool quiet;            /* no table on stdout (the summary line still goes out) */
} regress_options;

void regress_defaults(regress_options *opt);

/* Compare two runs, each a results directory or its results.csv (samples.csv
 * is read from beside it). Prints the table and a summary line; returns the
 * exit status: 0 nothing regressed, 1 a timing or accuracy regression or a
 * failure on the NEW side (mismatch, error, ok -> unsupported), 2 bad input
 * (a one-line message on stderr names the file and what is wrong). */
int regress_compare(const char *base, const char *new_, const regress_options *opt);

/* `convbench compare BASE NEW [--alpha A] [--min-effect E] [--accuracy-factor F]
 *  [--normalize IMPL] [--markdown FILE] [--json FILE] [--fail-on-missing] [--quiet]`. */
int cmd_compare(int argc, char **argv);
extern const char *const regress_usage;
#endif
