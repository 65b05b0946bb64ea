/* charts_render on a small results.csv: 3 layers (one with a comma in its
 * name), 4 implementations, 2 thread counts, rows that are not ok, and quoting
 * that exercises the CSV reader; the directory name holds a space and a quote
 * to exercise the quoting on gnuplot's command line. With the intensity
 * column and a peak.txt: the rooflines (with and without roofs) and the
 * thread-scaling chart, whose speedups are checked against hand-computed
 * geometric means; without the column (an older CSV): no roofline. With the
 * tuned_vs_default column and a tuning.csv: the tuned-vs-default bars and
 * the heat map of the tuning landscape, checked against hand-computed
 * values; without them (or with too little in them): neither, no error. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charts.h"
#include "check.h"

static char dir[512];
static const char *plots_dir;

static const char *in_dir(const char *name) {
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

/* The header of an older results.csv (no pct_peak, no intensity), and of
 * the current one. */
static const char *old_header =
    "layer,shape,impl,threads,status,median_ms,min_ms,mean_ms,stddev_ms,cv,noisy,repetitions,gflops,"
    "workspace_bytes,prepare_ms,max_abs_err,max_rel_err,params,note,cpu,isa,compiler,git,timestamp\r\n";
static const char *header =
    "layer,shape,impl,threads,status,median_ms,min_ms,mean_ms,stddev_ms,cv,noisy,repetitions,gflops,"
    "pct_peak,intensity,workspace_bytes,prepare_ms,max_abs_err,max_rel_err,params,note,cpu,isa,compiler,git,"
    "timestamp\r\n";

/* One CSV row; layer and note come already CSV-quoted where they need it.
 * Rows that were not timed have empty numeric fields, as the harness writes,
 * but the layer's intensity (intensity < 0: the older format without it). */
static void row(FILE *f, const char *layer, const char *impl, int threads, const char *status,
                double median_ms, double gflops, double intensity, const char *note) {
    const char *machine = "\"AMD EPYC, 2 cores\",avx512,GNU 12.2.0,9db0c51,2026-11-23T05:00:39Z";
    char roofline[64] = "";
    const bool timed = !strcmp(status, "ok") || !strcmp(status, "mismatch");
    if (intensity >= 0) snprintf(roofline, sizeof roofline, "%s,%.10g,", timed ? "50.0" : "", intensity);
    if (!timed) {
        fprintf(f, "%s,mb1ic64ih56,%s,%d,%s,,,,,,,,,%s,,,,,%s,%s\n", layer, impl, threads, status, roofline,
                note, machine);
        return;
    }
    fprintf(f, "%s,mb1ic64ih56,%s,%d,%s,%.10g,%.10g,%.10g,0.01,0.002,0,10,%g,%s0,0,1e-6,1e-7,"
               "\"oc_block=8,px_block=512\",%s,%s\n",
            layer, impl, threads, status, median_ms, median_ms, median_ms, gflops, roofline, note, machine);
}

/* 2-thread speedup of every implementation on layer l: the scaling chart's
 * geometric means are checked against these. */
static const double layer_speedup[3] = {1.5, 2.0, 4.0};

/* The fixture: layers x implementations at 1 to max_threads threads; with
 * the intensity column (and intensity 0.5, 5, 50 for the layers) unless
 * old_format. */
static void write_results(bool old_format, int max_threads) {
    FILE *f = fopen(in_dir("results.csv"), "w");
    CHECK(f != NULL, "cannot write results.csv");
    if (!f) return;
    fputs(old_format ? old_header : header, f);
    const char *layers[] = {"conv1", "\"res2a,branch2b\"", "res5c"};
    const char *impls[] = {"naive", "reorder", "im2col_gemm", "kn2row_gemm"};
    const double intensity[] = {0.5, 5.0, 50.0};
    for (int threads = 1; threads <= max_threads; threads++)
        for (int l = 0; l < 3; l++)
            for (int i = 0; i < 4; i++) {
                /* naive is not parallel: it has no rows at 2 threads. */
                if (threads == 2 && i == 0) continue;
                const char *status = "ok", *note = "";
                if (l == 0 && i == 3) status = "unsupported", note = "\"needs groups == 1\"";
                if (l == 2 && i == 2) status = "mismatch", note = "\"max error 3e-2, \"\"way\"\" off\nsee log\"";
                double median = i == 0 ? 100.0 : 10.0 / i / (threads == 2 ? layer_speedup[l] : 1);
                row(f, layers[l], impls[i], threads, status, median, 1.0 * (l + 1) * (i + 1) * threads,
                    old_format ? -1 : intensity[l], note);
            }
    CHECK(fclose(f) == 0, "cannot write results.csv");
}

/* peak.txt as harness/peak.c writes it: roofs at 1 and 2 threads. */
static void write_peaks(void) {
    FILE *f = fopen(in_dir("peak.txt"), "w");
    CHECK(f != NULL, "cannot write peak.txt");
    if (!f) return;
    fputs("# convbench peak: FMA GFLOP/s per ISA and thread count (fma ISA THREADS GFLOPS ACCUMULATORS),\n"
          "# STREAM triad GB/s per thread count.\n"
          "fingerprint cpu=AMD EPYC;isa=avx512f+avx2;cores=2\n"
          "fma sse2 1 25.00 12\nfma sse2 2 50.00 12\n"
          "fma avx2 1 60.00 10\nfma avx2 2 120.00 10\n"
          "fma avx512 1 100.00 16\nfma avx512 2 200.00 16\n"
          "triad 1 20.00\ntriad 2 30.00\n", f);
    CHECK(fclose(f) == 0, "cannot write peak.txt");
}

static bool file_has(const char *name, const char *text) {
    FILE *f = fopen(in_dir(name), "r");
    if (!f) return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

/* A PNG, at least 5 kB (more than an empty frame), its IHDR size that of a
 * readable chart. */
static void check_png(const char *name) {
    const char *path = in_dir(name);
    unsigned char sig[24] = {0};
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "%s was not written", name);
    if (!f) return;
    size_t got = fread(sig, 1, sizeof sig, f);
    fclose(f);
    CHECK(got == sizeof sig && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8) && !memcmp(sig + 12, "IHDR", 4),
          "%s is not a PNG", name);
    const unsigned long width = (unsigned long)sig[16] << 24 | sig[17] << 16 | sig[18] << 8 | sig[19];
    const unsigned long height = (unsigned long)sig[20] << 24 | sig[21] << 16 | sig[22] << 8 | sig[23];
    CHECK(width >= 800 && width <= 16000 && height >= 600 && height <= 2000, "%s is %lux%lu pixels", name,
          width, height);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 5000, "%s is only %ld bytes", name, (long)st.st_size);
}

/* The value in a .dat table in the row that starts with KEY (NKEY fields:
 * quoted names or numbers, as written) and the column headed "COLUMN".
 * Comment lines are skipped. Returns -1 (and fails a check) when the row or
 * column is missing. */
static double row_value(const char *file, const char *key, int nkey, const char *column) {
    FILE *f = fopen(in_dir(file), "r");
    CHECK(f != NULL, "%s was not written", file);
    if (!f) return -1;
    char line[1024], quoted[128];
    int col = -1;
    double value = -1;
    bool found = false;
    while (fgets(line, sizeof line, f) && line[0] == '#') continue;
    snprintf(quoted, sizeof quoted, "\"%s\"", column);
    int k = 0;
    for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n"), k++)
        if (!strcmp(tok, quoted)) col = k;
    snprintf(quoted, sizeof quoted, "%s ", key);
    while (col >= nkey && fgets(line, sizeof line, f)) {
        if (strncmp(line, quoted, strlen(quoted))) continue;
        char *rest = line + strlen(quoted);
        for (int k = nkey; k < col; k++) strtod(rest, &rest);
        value = strtod(rest, NULL);
        found = true;
    }
    fclose(f);
    CHECK(col >= nkey, "%s: no column for %s", file, column);
    CHECK(col < nkey || found, "%s: no row for %s", file, key);
    return value;
}

/* The value at (layer, impl) in a table with one row per layer. */
static double dat_value(const char *file, const char *layer, const char *impl) {
    char key[128];
    snprintf(key, sizeof key, "\"%s\"", layer);
    return row_value(file, key, 1, impl);
}

/* The geometric-mean speedup of impl at `threads` in scaling.dat. */
static double scaling_value(int threads, const char *impl) {
    char key[32];
    snprintf(key, sizeof key, "%d", threads);
    return row_value("scaling.dat", key, 1, impl);
}

/* Whether the .dat table's header has a column for impl. */
static bool has_column(const char *file, const char *impl) {
    char quoted[128];
    snprintf(quoted, sizeof quoted, "\"%s\"", impl);
    return file_has(file, quoted);
}

/* The .dat tables hold 6 significant digits. */
static bool near(double got, double want) { return fabs(got - want) <= 1e-5 * fabs(want); }

static void test_render(void) {
    write_results(false, 2);
    write_peaks();
    char err[1024] = "";
    int rc = charts_render(dir, plots_dir, "gnuplot", err, sizeof err);
    CHECK(rc == 0, "charts_render: %s", err);

    check_png("gflops_t1.png");
    check_png("gflops_t2.png");
    check_png("speedup_t1.png");
    CHECK(access(in_dir("speedup_t2.png"), F_OK) != 0, "speedup_t2.png drawn though naive has no 2-thread rows");

    CHECK(isnan(dat_value("gflops_t1.dat", "conv1", "kn2row_gemm")), "unsupported row is not NaN");
    CHECK(isnan(dat_value("gflops_t1.dat", "res5c", "im2col_gemm")), "mismatch row is not NaN");
    CHECK(isnan(dat_value("gflops_t2.dat", "res5c", "im2col_gemm")), "mismatch row is not NaN at 2 threads");
    CHECK(dat_value("gflops_t1.dat", "res2a,branch2b", "reorder") == 4.0, "gflops of res2a,branch2b reorder");
    CHECK(dat_value("gflops_t2.dat", "conv1", "im2col_gemm") == 6.0, "gflops of conv1 im2col_gemm at 2 threads");
    /* naive's 100 ms over reorder's 10 ms. */
    CHECK(dat_value("speedup_t1.dat", "res2a,branch2b", "reorder") == 10.0, "speedup of reorder");
    CHECK(isnan(dat_value("speedup_t1.dat", "conv1", "kn2row_gemm")), "speedup of an unsupported row");
}

/* The roofline per thread count, from the same fixture and peak.txt. */
static void test_roofline(void) {
    check_png("roofline_t1.png");
    check_png("roofline_t2.png");
    CHECK(dat_value("roofline_t1.dat", "res2a,branch2b", "intensity") == 5.0, "intensity of res2a,branch2b");
    CHECK(dat_value("roofline_t1.dat", "res5c", "intensity") == 50.0, "intensity of res5c");
    CHECK(dat_value("roofline_t1.dat", "res2a,branch2b", "reorder") == 4.0, "roofline GFLOP/s of reorder");
    CHECK(dat_value("roofline_t2.dat", "conv1", "im2col_gemm") == 6.0, "roofline GFLOP/s at 2 threads");
    CHECK(isnan(dat_value("roofline_t1.dat", "conv1", "kn2row_gemm")), "an unsupported row on the roofline");
    CHECK(isnan(dat_value("roofline_t1.dat", "res5c", "im2col_gemm")), "a mismatch row on the roofline");
    CHECK(!has_column("roofline_t2.dat", "naive"), "naive, with no 2-thread rows, on the 2-thread roofline");
    /* The roofs it drew, recorded in the .dat: this thread count's only. */
    CHECK(file_has("roofline_t1.dat", "# roof: fma avx512 100 GFLOP/s"), "1-thread avx512 roof");
    CHECK(file_has("roofline_t1.dat", "# roof: triad 20 GB/s"), "1-thread memory roof");
    CHECK(file_has("roofline_t2.dat", "# roof: fma avx512 200 GFLOP/s"), "2-thread avx512 roof");
    CHECK(file_has("roofline_t2.dat", "# roof: triad 30 GB/s"), "2-thread memory roof");
    CHECK(!file_has("roofline_t2.dat", "# roof: fma avx512 100 "), "a 1-thread roof at 2 threads");

    /* Without peak.txt: the points, no roofs, no error. */
    unlink(in_dir("peak.txt"));
    unlink(in_dir("roofline_t1.png"));
    char err[1024] = "";
    CHECK(charts_render(dir, plots_dir, "gnuplot", err, sizeof err) == 0, "charts_render without peak.txt: %s", err);
    check_png("roofline_t1.png");
    CHECK(!file_has("roofline_t1.dat", "# roof:"), "roofs without a peak.txt");
    CHECK(dat_value("roofline_t1.dat", "res2a,branch2b", "reorder") == 4.0, "points without a peak.txt");
}

/* Thread scaling: each implementation's 1-thread median / 2-thread median,
 * geometric mean over the layers ok at both. */
static void test_scaling(void) {
    check_png("scaling.png");
    /* reorder: every layer, sqrt3(1.5 x 2 x 4) = sqrt3(12). */
    CHECK(near(scaling_value(2, "reorder"), cbrt(12.0)), "reorder scales %g, not %g", scaling_value(2, "reorder"),
          cbrt(12.0));
    /* im2col_gemm: res5c is a mismatch, so conv1 and res2a: sqrt(1.5 x 2). */
    CHECK(near(scaling_value(2, "im2col_gemm"), sqrt(3.0)), "im2col_gemm scales %g, not %g",
          scaling_value(2, "im2col_gemm"), sqrt(3.0));
    /* kn2row_gemm: conv1 is unsupported, so res2a and res5c: sqrt(2 x 4). */
    CHECK(near(scaling_value(2, "kn2row_gemm"), sqrt(8.0)), "kn2row_gemm scales %g, not %g",
          scaling_value(2, "kn2row_gemm"), sqrt(8.0));
    CHECK(scaling_value(1, "reorder") == 1.0, "the 1-thread point is not 1");
    CHECK(!has_column("scaling.dat", "naive"), "naive, with 1-thread rows only, has a scaling line");
    /* Per layer. */
    CHECK(near(row_value("scaling_layers.dat", "\"res5c\" 2", 2, "reorder"), 4.0), "res5c reorder per layer");
    CHECK(isnan(row_value("scaling_layers.dat", "\"conv1\" 2", 2, "kn2row_gemm")), "unsupported per layer");
}

static void check_no_tuning_charts(const char *when);

/* An older CSV, without the intensity column, and one thread count: the bar
 * charts only, no error. */
static void test_without_intensity(void) {
    write_results(true, 1);
    write_peaks();
    char err[1024] = "";
    CHECK(charts_render(dir, plots_dir, "gnuplot", err, sizeof err) == 0, "charts_render, older CSV: %s", err);
    check_png("gflops_t1.png");
    CHECK(access(in_dir("roofline_t1.png"), F_OK) != 0, "a roofline without intensities");
    CHECK(access(in_dir("scaling.png"), F_OK) != 0, "a scaling chart of one thread count");
    check_no_tuning_charts("from an older CSV");
}

/* ------------------------------------------------------------- tuning */

/* The current header, as harness/csv.c writes it. */
static const char *tuned_header =
    "layer,shape,impl,threads,status,median_ms,min_ms,mean_ms,stddev_ms,cv,noisy,repetitions,gflops,"
    "pct_peak,intensity,workspace_bytes,prepare_ms,layout_in_ms,kernel_ms,layout_out_ms,max_abs_err,"
    "max_rel_err,params,tuned_vs_default,note,cpu,isa,compiler,git,omp_env,timestamp\n";

/* Every layer does 3e7 flops: GFLOP/s = 30 / median ms. */
static void tuned_row(FILE *f, const char *layer, const char *impl, int threads, const char *status,
                      double median_ms, const char *params, const char *tuned) {
    fprintf(f, "%s,mb1ic64ih56,%s,%d,%s,%.10g,%.10g,%.10g,0.01,0.002,0,10,%.10g,50.0,5.0,0,0,,,,0,0,%s,%s,,"
               "\"AMD EPYC, 2 cores\",avx512,GNU 12.2.0,9db0c51,OMP_NUM_THREADS=2,2026-11-23T05:00:39Z\n",
            layer, impl, threads, status, median_ms, median_ms, median_ms, 30.0 / median_ms, params, tuned);
}

/* results.csv with the tuned_vs_default column: filled as below when
 * `tuned`, else empty everywhere. */
static void write_tuned_results(bool tuned) {
    FILE *f = fopen(in_dir("results.csv"), "w");
    CHECK(f != NULL, "cannot write results.csv");
    if (!f) return;
    fputs(tuned_header, f);
    const char *gemm = "mc=512;kc=256;nc=4096", *blocks = "oc_block=16;px_block=256";
    tuned_row(f, "conv1", "naive", 1, "ok", 100, "", "");
    tuned_row(f, "conv1", "reorder", 1, "ok", 8, blocks, tuned ? "1.2500" : "");
    tuned_row(f, "conv1", "im2col_gemm", 1, "ok", 4, gemm, tuned ? "1.0000" : "");
    /* A copy of reorder's row: never a bar of its own. */
    tuned_row(f, "conv1", "best", 1, "ok", 4, gemm, tuned ? "1.0000" : "");
    tuned_row(f, "\"res2a,branch2b\"", "naive", 1, "ok", 100, "", "");
    tuned_row(f, "\"res2a,branch2b\"", "reorder", 1, "ok", 6, blocks, tuned ? "1.5000" : "");
    /* Not ok: no bar, whatever the column says. */
    tuned_row(f, "\"res2a,branch2b\"", "im2col_gemm", 1, "mismatch", 3, gemm, tuned ? "2.0000" : "");
    /* Nothing tuned on res5c: no cluster. */
    tuned_row(f, "res5c", "naive", 1, "ok", 100, "", "");
    tuned_row(f, "res5c", "reorder", 1, "ok", 10, blocks, "");
    /* At 2 threads, a tuned row slower than the defaults: a bar below 1. */
    tuned_row(f, "conv1", "im2col_gemm", 2, "ok", 2, gemm, tuned ? "0.9000" : "");
    CHECK(fclose(f) == 0, "cannot write results.csv");
}

/* tuning.csv: im2col_gemm on res2a,branch2b has the most ok candidates
 * among implementations with two parameters or more (6; "single", with one
 * parameter, has more and does not count); mc takes 3 values, kc and nc 2
 * each: mc on x, kc (declared before nc) on y, nc free. The cells, in ms:
 *             mc=64     mc=128         mc=256
 *   kc=256   rejected   2.0 | 1.0 (nc)  0.8  <- the fastest
 *   kc=128   2.0        1.6            1.0
 * so (mc=128, kc=256) is 0.8 / 1.0 = 80% of the best, at 3e7 flops / 1 ms
 * = 30 GFLOP/s. */
static void write_tuning(void) {
    FILE *f = fopen(in_dir("tuning.csv"), "w");
    CHECK(f != NULL, "cannot write tuning.csv");
    if (!f) return;
    fputs("layer,impl,threads,params,status,ms\n", f);
    for (int k = 1; k <= 10; k++) fprintf(f, "conv1,single,1,block=%d,ok,%d.5\n", k, k);
    static const char *reorder[] = {"oc_block=4;px_block=64,ok,3.0", "oc_block=8;px_block=64,ok,2.5",
                                    "oc_block=8;px_block=128,ok,2.0", "oc_block=16;px_block=128,ok,2.2",
                                    "oc_block=16;px_block=256,ok,2.1"};
    for (int k = 0; k < 5; k++) fprintf(f, "conv1,reorder,1,%s\n", reorder[k]);
    static const char *gemm[] = {"mc=64;kc=128;nc=1024,ok,2.000000",   "mc=128;kc=128;nc=1024,ok,1.600000",
                                 "mc=256;kc=128;nc=1024,ok,1.000000",  "mc=128;kc=256;nc=1024,ok,2.000000",
                                 "mc=128;kc=256;nc=4096,ok,1.000000",  "mc=256;kc=256;nc=4096,ok,0.800000",
                                 "mc=64;kc=256;nc=4096,rejected,"};
    for (int k = 0; k < 7; k++) fprintf(f, "\"res2a,branch2b\",im2col_gemm,1,%s\n", gemm[k]);
    /* A line cut short by an interrupted run. */
    fputs("\"res2a,branch2b\",im2col_gemm,1,mc=16", f);
    CHECK(fclose(f) == 0, "cannot write tuning.csv");
}

static void remove_charts(void) {
    static const char *names[] = {"tuning_t1.png", "tuning_t2.png", "tuning_t1.dat", "tuning_t2.dat",
                                  "heatmap.png", "heatmap.dat"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) unlink(in_dir(names[k]));
}

static void check_no_tuning_charts(const char *when) {
    CHECK(access(in_dir("tuning_t1.png"), F_OK) != 0 && access(in_dir("tuning_t2.png"), F_OK) != 0,
          "a tuned-vs-default chart %s", when);
    CHECK(access(in_dir("heatmap.png"), F_OK) != 0 && access(in_dir("heatmap.dat"), F_OK) != 0,
          "a heat map %s", when);
}

/* The column is there but empty, and tuning.csv has too little: neither
 * chart, no error. */
static void test_without_tuning(void) {
    remove_charts();
    write_tuned_results(false);
    char err[1024] = "";
    CHECK(charts_render(dir, plots_dir, "gnuplot", err, sizeof err) == 0, "charts_render, nothing tuned: %s", err);
    check_png("gflops_t1.png");
    check_no_tuning_charts("without tuning data");

    /* A header alone. */
    FILE *f = fopen(in_dir("tuning.csv"), "w");
    if (f) fputs("layer,impl,threads,params,status,ms\n", f), fclose(f);
    CHECK(charts_render(dir, plots_dir, "gnuplot", err, sizeof err) == 0, "charts_render, empty tuning.csv: %s", err);
    check_no_tuning_charts("from an empty tuning.csv");

    /* 3 cells (one more rejected), and a one-parameter implementation with
     * many: too few to draw. */
    f = fopen(in_dir("tuning.csv"), "w");
    if (f) {
        fputs("layer,impl,threads,params,status,ms\n"
              "conv1,reorder,1,oc_block=4;px_block=64,ok,3.0\n"
              "conv1,reorder,1,oc_block=8;px_block=64,ok,2.0\n"
              "conv1,reorder,1,oc_block=8;px_block=128,ok,2.5\n"
              "conv1,reorder,1,oc_block=8;px_block=128,ok,2.4\n"
              "conv1,reorder,1,oc_block=16;px_block=128,rejected,\n", f);
        for (int k = 1; k <= 10; k++) fprintf(f, "conv1,single,1,block=%d,ok,%d.5\n", k, k);
        fclose(f);
    }
    CHECK(charts_render(dir, plots_dir, "gnuplot", err, sizeof err) == 0, "charts_render, small tuning.csv: %s",
          err);
    check_no_tuning_charts("from 3 cells");
    unlink(in_dir("tuning.csv"));
}

static void test_tuning(void) {
    remove_charts();
    write_tuned_results(true);
    write_tuning();
    char err[1024] = "";
    CHECK(charts_render(dir, plots_dir, "gnuplot", err, sizeof err) == 0, "charts_render, tuned: %s", err);

    /* Tuned vs default, per thread count. */
    check_png("tuning_t1.png");
    check_png("tuning_t2.png");
    CHECK(dat_value("tuning_t1.dat", "conv1", "reorder") == 1.25, "conv1 reorder tuned vs default");
    CHECK(dat_value("tuning_t1.dat", "res2a,branch2b", "reorder") == 1.5, "res2a reorder tuned vs default");
    CHECK(dat_value("tuning_t1.dat", "conv1", "im2col_gemm") == 1.0, "defaults kept: 1");
    CHECK(isnan(dat_value("tuning_t1.dat", "res2a,branch2b", "im2col_gemm")), "a mismatch row with a bar");
    CHECK(dat_value("tuning_t2.dat", "conv1", "im2col_gemm") == 0.9, "2 threads: below 1");
    CHECK(!has_column("tuning_t1.dat", "naive"), "naive, never tuned, has a column");
    CHECK(!has_column("tuning_t1.dat", "best"), "the best row repeats another as a column");
    CHECK(!file_has("tuning_t1.dat", "\"res5c\""), "res5c, not tuned, has a row");
    CHECK(file_has("tuning_t1.dat", "# params: conv1 / reorder: oc_block=16;px_block=256"),
          "the tuned parameters in the comments");

    /* The heat map. */
    check_png("heatmap.png");
    CHECK(file_has("heatmap.dat", "layer \"res2a,branch2b\", implementation im2col_gemm, 1 thread(s): 6 ok"),
          "the heat map's group: res2a,branch2b im2col_gemm, 6 ok candidates");
    CHECK(file_has("heatmap.dat", "# x: mc, log2") && file_has("heatmap.dat", "y: kc, log2"), "axes: mc, kc");
    CHECK(file_has("heatmap.dat", "free (the best over them): nc; fixed: none."), "nc free");
    CHECK(near(row_value("heatmap.dat", "128 256", 2, "pct_of_best"), 80.0), "cell (128, 256): %g%% of the best",
          row_value("heatmap.dat", "128 256", 2, "pct_of_best"));
    CHECK(near(row_value("heatmap.dat", "128 256", 2, "gflops"), 30.0), "cell (128, 256) GFLOP/s");
    CHECK(row_value("heatmap.dat", "128 256", 2, "ok") == 2, "cell (128, 256) holds 2 candidates");
    CHECK(near(row_value("heatmap.dat", "128 256", 2, "xpos"), 7.0), "mc=128 at log2 position 7");
    CHECK(near(row_value("heatmap.dat", "256 256", 2, "pct_of_best"), 100.0), "the best cell");
    CHECK(near(row_value("heatmap.dat", "64 128", 2, "pct_of_best"), 40.0), "cell (64, 128)");
    CHECK(near(row_value("heatmap.dat", "256 128", 2, "gflops"), 30.0), "cell (256, 128) GFLOP/s");
    CHECK(isnan(row_value("heatmap.dat", "64 256", 2, "pct_of_best")), "a rejected cell has a speed");
    CHECK(row_value("heatmap.dat", "64 256", 2, "rejected") == 1, "the rejected cell's count");
}

static void test_failures(void) {
    char err[1024] = "";
    CHECK(charts_render(dir, plots_dir, "false", err, sizeof err) == -1, "a failing gnuplot succeeded");
    CHECK(strstr(err, "exited with status 1") != NULL && !strchr(err, '\n'), "message: %s", err);

    err[0] = '\0';
    CHECK(charts_render(dir, plots_dir, "/no/such/gnuplot", err, sizeof err) == -1, "a missing gnuplot succeeded");
    CHECK(strstr(err, "cannot run /no/such/gnuplot") != NULL, "message: %s", err);

    err[0] = '\0';
    CHECK(charts_render(in_dir("nothing-here"), plots_dir, "gnuplot", err, sizeof err) == -1,
          "a missing results.csv succeeded");
    CHECK(strstr(err, "results.csv: cannot open") != NULL, "message: %s", err);

    FILE *f = fopen(in_dir("results.csv"), "w");
    if (f) {
        fputs(header, f);
        fputs("conv1,\"mb1ic3,naive,1,ok\n", f);
        fclose(f);
    }
    err[0] = '\0';
    CHECK(charts_render(dir, plots_dir, "gnuplot", err, sizeof err) == -1, "a damaged CSV succeeded");
    CHECK(strstr(err, "results.csv:2: a quoted field never ends") != NULL, "message: %s", err);
}

static void remove_dir(void) {
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(in_dir(e->d_name));
    if (d) closedir(d);
    rmdir(dir);
}

int main(void) {
    static char plots[4096];
    const char *source = getenv("CONVBENCH_SOURCE_DIR");
    snprintf(plots, sizeof plots, "%s/plots", source && *source ? source : ".");
    plots_dir = plots;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/convbench charts 'q' XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_without_intensity();
    test_render();
    test_scaling();
    test_roofline();
    check_no_tuning_charts("from a CSV without tuned_vs_default and no tuning.csv");
    test_without_tuning();
    test_tuning();
    if (getenv("CONVBENCH_KEEP_CHARTS")) {
        /* What a person looks at: the full set, roofs included. */
        write_peaks();
        charts_render(dir, plots_dir, "gnuplot", (char[256]){0}, 256);
        printf("charts kept in %s\n", dir);
    }
    test_failures();
    if (!getenv("CONVBENCH_KEEP_CHARTS")) remove_dir();
    return check_report();
}
