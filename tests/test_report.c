/* report.md and the charts of a synthetic run, and the history of a config:
 * - charts_render + report_render on a results directory (3 layers, one
 *   with '|' and ',' in its name, 5 implementations, 1 and 2 threads, a
 *   mismatch and unsupported rows, peak.txt, config.yaml): gnuplot exits 0,
 *   every expected chart exists, is a PNG and is linked from report.md, whose
 *   tables hold hand-computed numbers; ratio_t1.dat likewise;
 * - convbench report DIR re-renders, and fails with 2 on a directory without
 *   results.csv;
 * - history_render over three runs of a config (and decoys that are not its
 *   runs): the runs in time order, one chart per group of layers. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "charts.h"
#include "check.h"
#include "csv.h"
#include "history.h"
#include "report.h"

#ifndef CONVBENCH_GNUPLOT
#define CONVBENCH_GNUPLOT "gnuplot"
#endif

static char root[256], plots[4200];

typedef struct fx {
    const char *layer, *impl;
    int threads;
    const char *status;
    double median, gflops, pct;
    const char *note;
} fx;

static void write_csv(const char *path, const fx *rows, int n, const char *git) {
    FILE *f = fopen(path, "w");
    fprintf(f, "%s\n", csv_columns);
    char cols[1024];
    snprintf(cols, sizeof cols, "%s", csv_columns);
    for (int i = 0; i < n; i++) {
        const fx *r = &rows[i];
        const int ok = !strcmp(r->status, "ok");
        char copy[1024], *save = NULL;
        snprintf(copy, sizeof copy, "%s", cols);
        int c = 0;
        for (char *col = strtok_r(copy, ",", &save); col; col = strtok_r(NULL, ",", &save), c++) {
            if (c) fputc(',', f);
            if (!strcmp(col, "layer")) csv_field(f, r->layer);
            else if (!strcmp(col, "shape")) fputs("mb1ic16ih14oc16oh14kh3ph1", f);
            else if (!strcmp(col, "impl")) fputs(r->impl, f);
            else if (!strcmp(col, "threads")) fprintf(f, "%d", r->threads);
            else if (!strcmp(col, "status")) fputs(r->status, f);
            else if (ok && (!strcmp(col, "median_ms") || !strcmp(col, "min_ms") || !strcmp(col, "mean_ms")))
                fprintf(f, "%.6f", r->median);
            else if (ok && !strcmp(col, "gflops")) fprintf(f, "%.3f", r->gflops);
            else if (ok && !strcmp(col, "pct_peak")) fprintf(f, "%.1f", r->pct);
            else if (ok && !strcmp(col, "cv")) fputs("0.01", f);
            else if (ok && !strcmp(col, "noisy")) fputs("0", f);
            else if (ok && !strcmp(col, "repetitions")) fputs("10", f);
            else if (!strcmp(col, "intensity")) fputs("12.5", f);
            else if (!strcmp(col, "max_rel_err") && strcmp(r->status, "unsupported")) fputs("1e-06", f);
            else if (!strcmp(col, "note") && r->note) csv_field(f, r->note);
            else if (!strcmp(col, "cpu")) fputs("Test CPU 9000", f);
            else if (!strcmp(col, "isa")) fputs("avx512f+avx2", f);
            else if (!strcmp(col, "compiler")) fputs("GNU 12.2.0", f);
            else if (!strcmp(col, "git")) fputs(git, f);
            else if (!strcmp(col, "timestamp")) fputs("2026-11-23T01:02:03+0000", f);
        }
        fputc('\n', f);
    }
    fclose(f);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int is_png(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    unsigned char sig[8] = {0};
    size_t n = fread(sig, 1, 8, f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    return n == 8 && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8) && size > 2000;
}

#define LAYER_C "odd|name, c"
static const fx run_rows[] = {
    /* conv_a: blocked best (40), reorder best own (20), naive 10 ms vs blocked 0.5 ms -> 20x. */
    {"conv_a", "naive", 1, "ok", 10.0, 2.0, 1.7, NULL},
    {"conv_a", "reorder", 1, "ok", 1.0, 20.0, 17.0, NULL},
    {"conv_a", "im2col_gemm", 1, "ok", 2.0, 10.0, 8.5, NULL},
    {"conv_a", "onednn", 1, "ok", 0.8, 25.0, 21.3, NULL},
    {"conv_a", "onednn_blocked", 1, "ok", 0.5, 40.0, 34.1, NULL},
    {"conv_a", "best", 1, "ok", 1.0, 20.0, 17.0, "= reorder (the fastest implementation here)"},
    /* conv_b: reorder mismatches; im2col_gemm best (30) beats blocked (15): 2x. */
    {"conv_b", "naive", 1, "ok", 6.0, 1.0, 0.9, NULL},
    {"conv_b", "reorder", 1, "mismatch", 0, 0, 0, "dst[n=0][k=3][y=1][x=2] (index 31): expected 4, got 5"},
    {"conv_b", "im2col_gemm", 1, "ok", 0.2, 30.0, 25.6, NULL},
    {"conv_b", "onednn", 1, "ok", 0.5, 12.0, 10.2, NULL},
    {"conv_b", "onednn_blocked", 1, "ok", 0.4, 15.0, 12.8, NULL},
    {LAYER_C, "naive", 1, "ok", 3.0, 0.5, 0.4, NULL},
    {LAYER_C, "reorder", 1, "ok", 0.3, 5.0, 4.3, NULL},
    {LAYER_C, "im2col_gemm", 1, "unsupported", 0, 0, 0, "needs groups == 1"},
    {LAYER_C, "onednn", 1, "ok", 0.4, 4.0, 3.4, NULL},
    {LAYER_C, "onednn_blocked", 1, "ok", 0.25, 6.0, 5.1, NULL},
    /* 2 threads: serial naive and reorder unsupported, the rest faster. */
    {"conv_a", "naive", 2, "unsupported", 0, 0, 0, "serial implementation: runs with 1 thread only"},
    {"conv_a", "reorder", 2, "unsupported", 0, 0, 0, "serial implementation: runs with 1 thread only"},
    {"conv_a", "im2col_gemm", 2, "ok", 1.1, 18.0, 8.0, NULL},
    {"conv_a", "onednn", 2, "ok", 0.45, 44.0, 19.0, NULL},
    {"conv_a", "onednn_blocked", 2, "ok", 0.28, 70.0, 31.0, NULL},
    {"conv_b", "im2col_gemm", 2, "ok", 0.11, 55.0, 24.0, NULL},
    {"conv_b", "onednn", 2, "ok", 0.3, 20.0, 9.0, NULL},
    {"conv_b", "onednn_blocked", 2, "ok", 0.22, 27.0, 12.0, NULL},
};
enum { NROWS = sizeof run_rows / sizeof run_rows[0] };

static void test_report(void) {
    char dir[512], path[700];
    snprintf(dir, sizeof dir, "%s/smoke-20261123-010203", root);
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    write_csv(path, run_rows, NROWS, "abc1234");
    snprintf(path, sizeof path, "%s/peak.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("# convbench peak\nfingerprint cpu=Test CPU 9000;isa=avx512f+avx2;cores=4;l1d=32768\n"
          "fma avx2 1 117.13 10\nfma avx2 2 108.10 10\nfma avx512 1 117.07 16\nfma avx512 2 225.5 16\n"
          "triad 1 29.57\ntriad 2 25.17\n",
          f);
    fclose(f);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    f = fopen(path, "w");
    fputs("repetitions: 10\nmin_time: 0.02\nthreads: [1, 2]\nlayers:\n"
          "  - {name: conv_a, c: 16, h: 14, k: 16, r: 3, pad: 1}\n"
          "  - {name: conv_b, c: 16, h: 14, k: 16, r: 3, pad: 1}\n",
          f);
    fclose(f);

    char err[1024] = "";
    int rc = charts_render(dir, plots, CONVBENCH_GNUPLOT, err, sizeof err);
    CHECK(rc == 0, "charts_render: %s", err);
    rc = report_render(dir, plots, CONVBENCH_GNUPLOT, err, sizeof err);
    CHECK(rc == 0, "report_render (gnuplot on ratio.gp): %s", err);

    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = slurp(path);
    CHECK(md != NULL, "report.md exists");
    if (!md) return;
    /* The chart set, each a PNG and linked. */
    static const char *charts[] = {"gflops_t1.png",   "gflops_t2.png",   "speedup_t1.png", "ratio_t1.png",
                                   "ratio_t2.png",    "roofline_t1.png", "roofline_t2.png", "scaling.png"};
    for (size_t k = 0; k < sizeof charts / sizeof charts[0]; k++) {
        char link[128];
        snprintf(path, sizeof path, "%s/%s", dir, charts[k]);
        snprintf(link, sizeof link, "](%s)", charts[k]);
        CHECK(is_png(path), "%s: a non-empty PNG", charts[k]);
        CHECK(strstr(md, link) != NULL, "report.md links %s", charts[k]);
    }
    /* Every link points at a file in the directory. */
    int links = 0;
    for (const char *p = md; (p = strstr(p, "](")); p += 2) {
        const char *end = strchr(p + 2, ')');
        if (!end) break;
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)(end - p - 2), p + 2);
        struct stat st;
        CHECK(!stat(path, &st) && st.st_size > 0, "linked file %s exists", path);
        links++;
    }
    CHECK(links >= 9, "%d links (8 charts and config.yaml)", links);
    /* Machine, peak, config, compiler, commit. */
    CHECK(strstr(md, "Test CPU 9000, 4 cores; ISA used: avx512f+avx2") != NULL, "machine line with cores from peak.txt");
    CHECK(strstr(md, "avx512 FMA 117 GFLOP/s at 1 thread, 226 at 2") != NULL, "measured peak");
    CHECK(strstr(md, "triad 29.6 GB/s") != NULL, "triad");
    CHECK(strstr(md, "| Config | smoke ([config.yaml](config.yaml)): 2 layers; repetitions 10, min_time 0.02 s") != NULL,
          "config from config.yaml");
    CHECK(strstr(md, "| Compiler | GNU 12.2.0 |") && strstr(md, "| Commit | abc1234 |"), "compiler and commit");
    /* The per-layer table: best, GFLOP/s, %peak, x naive, x blocked, own best, validation. */
    CHECK(strstr(md, "| layer | best | GFLOP/s | % of peak | × naive | × onednn_blocked |") != NULL, "table header");
    CHECK(strstr(md, "| conv_a | onednn_blocked | 40.0 | 34.1% | 20.0× | 1.00× | reorder (20.0 GFLOP/s) | 0.50× | 5 ok |") !=
              NULL,
          "conv_a at 1 thread");
    CHECK(strstr(md, "| conv_b | im2col_gemm | 30.0 | 25.6% | 30.0× | 2.00× | im2col_gemm (30.0 GFLOP/s) | 2.00× | "
                     "**mismatch reorder**; 4 ok |") != NULL,
          "conv_b at 1 thread: the mismatch in the validation column");
    CHECK(strstr(md, "| odd\\|name, c | onednn_blocked |") != NULL, "a '|' in a layer name is escaped");
    /* At 2 threads the own best's efficiency: 18 / (2 x 10) and 55 / (2 x 30). */
    CHECK(strstr(md, "| conv_a | onednn_blocked | 70.0 | 31.0% | - | 1.00× | im2col_gemm (18.0 GFLOP/s) | 0.26× | 90% | "
                     "3 ok, 2 unsupported |") != NULL,
          "conv_a at 2 threads");
    CHECK(strstr(md, "| conv_b | im2col_gemm | 55.0 | 24.0% | - | 2.04× | im2col_gemm (55.0 GFLOP/s) | 2.04× | 92% | "
                     "3 ok |") != NULL,
          "conv_b at 2 threads");
    /* Geometric means of the own best: (0.5 x 2 x 5/6)^(1/3) at 1 thread;
     * (18/70 x 55/27)^(1/2) and (0.9 x 0.9167)^(1/2) at 2. */
    CHECK(strstr(md, "Best of convbench's own per layer, geometric mean over 3 layers: 0.941× onednn_blocked.\n") !=
              NULL,
          "own-best geomean at 1 thread");
    CHECK(strstr(md, "geometric mean over 2 layers: 0.724× onednn_blocked; parallel efficiency 90.8% (its speedup "
                     "over its own one-thread time ÷ 2, over 2 layers).") != NULL,
          "own-best geomean and efficiency at 2 threads");
    /* Mismatches and unsupported rows. */
    const char *mm = strstr(md, "## Mismatches and errors");
    CHECK(mm && strstr(mm, "| conv_b | reorder | 1 | mismatch | dst[n=0][k=3][y=1][x=2] (index 31): expected 4, got 5 |"),
          "the mismatch is listed with its first difference");
    const char *un = strstr(md, "## Unsupported rows");
    CHECK(un && strstr(un, "| odd\\|name, c | im2col_gemm | 1 | unsupported | needs groups == 1 |") &&
              strstr(un, "| conv_a | naive | 2 | unsupported | serial implementation"),
          "unsupported rows listed with why");
    CHECK(strstr(md, "| Rows | 23: 19 ok, 3 unsupported, 1 mismatch or error;") != NULL, "row counts");
    CHECK(strstr(md, "| reorder | 1 | 2 | 10.0 | 0.65× |") != NULL, "per implementation: reorder geomean of 20 and 5, 0.5x and 0.83x blocked");
    CHECK(strstr(md, "| best | 1 |") == NULL && strstr(md, "| conv_a | onednn_blocked | 40.0 |") != NULL, "the best pseudo-row is left out of the report");
    free(md);

    /* ratio_t1.dat: GFLOP/s / onednn_blocked's. */
    snprintf(path, sizeof path, "%s/ratio_t1.dat", dir);
    char *dat = slurp(path);
    CHECK(dat && strstr(dat, "\"layer\" \"naive\" \"reorder\" \"im2col_gemm\" \"onednn\"\n"), "ratio columns: no blocked, no best");
    CHECK(dat && strstr(dat, "\"conv_a\" 0.05 0.5 0.25 0.625\n"), "conv_a ratios");
    CHECK(dat && strstr(dat, "\"conv_b\" 0.0666667 NaN 2 0.8\n"), "conv_b ratios, NaN for the mismatch");
    free(dat);

    /* convbench report DIR re-renders; without results.csv: 2. */
    snprintf(path, sizeof path, "%s/ratio_t1.png", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/report.md", dir);
    unlink(path);
    char *argv[] = {dir};
    CHECK(cmd_report(1, argv) == 0, "convbench report DIR: exit 0");
    snprintf(path, sizeof path, "%s/ratio_t1.png", dir);
    CHECK(is_png(path), "re-rendered ratio chart");
    snprintf(path, sizeof path, "%s/report.md", dir);
    CHECK(access(path, R_OK) == 0, "re-rendered report.md");
    char empty[600];
    snprintf(empty, sizeof empty, "%s/empty", root);
    mkdir(empty, 0777);
    char *argv2[] = {empty};
    CHECK(cmd_report(1, argv2) == 2, "convbench report on a directory without results.csv: exit 2");
    char *argv3[] = {dir, "extra"};
    CHECK(cmd_report(2, argv3) == 2, "convbench report with two arguments: exit 2");

    /* No onednn_blocked rows at all: no ratio chart, the report still written. */
    char dir2[512];
    snprintf(dir2, sizeof dir2, "%s/noref-20261123-010203", root);
    mkdir(dir2, 0777);
    snprintf(path, sizeof path, "%s/results.csv", dir2);
    write_csv(path, run_rows, 3, "abc1234");
    rc = report_render(dir2, plots, CONVBENCH_GNUPLOT, err, sizeof err);
    snprintf(path, sizeof path, "%s/ratio_t1.png", dir2);
    CHECK(rc == 0 && access(path, F_OK) != 0, "no reference: no ratio chart, no error (%s)", err);
    snprintf(path, sizeof path, "%s/report.md", dir2);
    md = slurp(path);
    CHECK(md && strstr(md, "no peak.txt") && strstr(md, "No charts in this directory"), "report without peak or charts");
    free(md);
}

static void test_history(void) {
    char hroot[600], dir[700], path[800], err[1024] = "";
    snprintf(hroot, sizeof hroot, "%s/hist-results", root);
    mkdir(hroot, 0777);
    /* Three runs of "net" (written out of order), and directories that are not its runs. */
    static const char *runs[] = {"net-20261125-090000", "net-20261123-080000", "net-20261123-080000-2"};
    static const char *gits[] = {"ccc3333", "aaa1111", "bbb2222"};
    for (int i = 0; i < 3; i++) {
        fx rows[NROWS];
        memcpy(rows, run_rows, sizeof rows);
        for (int k = 0; k < NROWS; k++) /* the newest run: reorder 2x slower */
            if (i == 0 && !strcmp(rows[k].impl, "reorder")) rows[k].gflops /= 2, rows[k].median *= 2;
        snprintf(dir, sizeof dir, "%s/%s", hroot, runs[i]);
        mkdir(dir, 0777);
        snprintf(path, sizeof path, "%s/results.csv", dir);
        write_csv(path, rows, NROWS, gits[i]);
    }
    static const char *decoys[] = {"net-big-20261123-080000", "network-20261123-080000", "net-2026", "net-20261123-0800"};
    for (int i = 0; i < 4; i++) {
        snprintf(dir, sizeof dir, "%s/%s", hroot, decoys[i]);
        mkdir(dir, 0777);
        snprintf(path, sizeof path, "%s/results.csv", dir);
        write_csv(path, run_rows, 2, "ddd4444");
    }
    history_options opt = {.root = hroot, .group = 2};
    int nruns = 0, ncharts = 0;
    int rc = history_render("net", &opt, plots, CONVBENCH_GNUPLOT, &nruns, &ncharts, err, sizeof err);
    CHECK(rc == 0, "history_render: %s", err);
    CHECK(nruns == 3, "%d runs, want 3 (decoys left out)", nruns);
    /* 1 thread: 3 layers in groups of 2 -> 2 charts; 2 threads: 2 layers -> 1. */
    CHECK(ncharts == 3, "%d charts, want 3", ncharts);
    static const char *pngs[] = {"gflops_t1_1.png", "gflops_t1_2.png", "gflops_t2_1.png"};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/history/net/%s", hroot, pngs[k]);
        CHECK(is_png(path), "%s: a non-empty PNG", path);
    }
    snprintf(path, sizeof path, "%s/history/net/gflops_t1_1.dat", hroot);
    char *dat = slurp(path);
    /* Oldest first: aaa1111 (23rd 08:00), bbb2222 (-2), ccc3333 (25th); reorder halves in the last. */
    const char *a = dat ? strstr(dat, "0 \"aaa1111 11-23 08:00\"") : NULL, *b = dat ? strstr(dat, "1 \"bbb2222 11-23 08:00\"") : NULL,
               *c = dat ? strstr(dat, "2 \"ccc3333 11-25 09:00\"") : NULL;
    CHECK(a && b && c && a < b && b < c, "runs in time order, labelled commit and date");
    CHECK(dat && strstr(dat, "2 \"ccc3333 11-25 09:00\" 2 10 10 25 40\n"), "conv_a in the newest run: reorder at 10");
    CHECK(dat && strstr(dat, "# layer: conv_b\n\"run\" \"label\" \"naive\" \"im2col_gemm\" \"onednn\" \"onednn_blocked\"\n"),
          "conv_b's block without the implementation that never passed");
    free(dat);
    opt.use_time = 1;
    opt.out_dir = NULL;
    rc = history_render("net", &opt, plots, CONVBENCH_GNUPLOT, &nruns, &ncharts, err, sizeof err);
    snprintf(path, sizeof path, "%s/history/net/time_t1_1.png", hroot);
    CHECK(rc == 0 && is_png(path), "--metric time: %s", err);
    rc = history_render("nothing", &opt, plots, CONVBENCH_GNUPLOT, &nruns, &ncharts, err, sizeof err);
    CHECK(rc != 0 && nruns == 0 && strstr(err, "no runs of nothing"), "no runs: an error naming the config (%s)", err);
    char *argv[] = {"net.yaml", "--results", hroot};
    CHECK(cmd_history(3, argv) == 0, "convbench history net.yaml --results DIR");
    char *argv2[] = {"net", "--metric", "speed"};
    CHECK(cmd_history(3, argv2) == 2, "bad --metric: exit 2");
}

int main(void) {
    snprintf(root, sizeof root, "/tmp/convbench-report-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(plots, sizeof plots, "%s/plots", bench_source_dir());
    test_report();
    test_history();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (!check_failed && system(cmd)) fprintf(stderr, "could not remove %s\n", root);
    else if (check_failed) fprintf(stderr, "fixtures kept in %s\n", root);
    return check_report();
}
