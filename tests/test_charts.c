/* charts_render on a small results.csv: 3 layers (one with a comma in its
 * name), 4 implementations, 2 thread counts, rows that are not ok, and quoting
 * that exercises the CSV reader; the directory name holds a space and a quote
 * to exercise the quoting on gnuplot's command line. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif
#include <dirent.h>
#include <math.h>
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

static const char *header =
    "layer,shape,impl,threads,status,median_ms,min_ms,mean_ms,stddev_ms,cv,noisy,repetitions,gflops,"
    "workspace_bytes,prepare_ms,max_abs_err,max_rel_err,params,note,cpu,isa,compiler,git,timestamp\r\n";

/* One CSV row; layer and note come already CSV-quoted where they need it.
 * Rows that were not timed have empty numeric fields, as the harness writes. */
static void row(FILE *f, const char *layer, const char *impl, int threads, const char *status,
                double median_ms, double gflops, const char *note) {
    const char *machine = "\"AMD EPYC, 2 cores\",avx512,GNU 12.2.0,9db0c51,2026-11-23T05:00:39Z";
    if (strcmp(status, "ok") && strcmp(status, "mismatch")) {
        fprintf(f, "%s,mb1ic64ih56,%s,%d,%s,,,,,,,,,,,,,,%s,%s\n", layer, impl, threads, status, note, machine);
        return;
    }
    fprintf(f, "%s,mb1ic64ih56,%s,%d,%s,%g,%g,%g,0.01,0.002,0,10,%g,0,0,1e-6,1e-7,\"oc_block=8,px_block=512\",%s,%s\n",
            layer, impl, threads, status, median_ms, median_ms, median_ms, gflops, note, machine);
}

static void write_results(void) {
    FILE *f = fopen(in_dir("results.csv"), "w");
    CHECK(f != NULL, "cannot write results.csv");
    if (!f) return;
    fputs(header, f);
    const char *layers[] = {"conv1", "\"res2a,branch2b\"", "res5c"};
    const char *impls[] = {"naive", "reorder", "im2col_gemm", "kn2row_gemm"};
    for (int threads = 1; threads <= 2; threads++)
        for (int l = 0; l < 3; l++)
            for (int i = 0; i < 4; i++) {
                /* naive is not parallel: it has no rows at 2 threads. */
                if (threads == 2 && i == 0) continue;
                const char *status = "ok", *note = "";
                if (l == 0 && i == 3) status = "unsupported", note = "\"needs groups == 1\"";
                if (l == 2 && i == 2) status = "mismatch", note = "\"max error 3e-2, \"\"way\"\" off\nsee log\"";
                double median = i == 0 ? 100.0 : 10.0 / (i * threads);
                row(f, layers[l], impls[i], threads, status, median, 1.0 * (l + 1) * (i + 1) * threads, note);
            }
    CHECK(fclose(f) == 0, "cannot write results.csv");
}

static void check_png(const char *name) {
    const char *path = in_dir(name);
    unsigned char sig[8] = {0};
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "%s was not written", name);
    if (!f) return;
    size_t got = fread(sig, 1, 8, f);
    fclose(f);
    CHECK(got == 8 && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8), "%s is not a PNG", name);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 5000, "%s is only %ld bytes", name, (long)st.st_size);
}

/* The value in the .dat table at (layer, impl): names as written, quoted.
 * Returns -1 (and fails a check) when the row or column is missing. */
static double dat_value(const char *file, const char *layer, const char *impl) {
    FILE *f = fopen(in_dir(file), "r");
    CHECK(f != NULL, "%s was not written", file);
    if (!f) return -1;
    char line[1024], quoted[128];
    int col = -1;
    double value = -1;
    if (fgets(line, sizeof line, f)) {
        snprintf(quoted, sizeof quoted, "\"%s\"", impl);
        int k = 0;
        for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n"), k++)
            if (!strcmp(tok, quoted)) col = k;
    }
    snprintf(quoted, sizeof quoted, "\"%s\" ", layer);
    while (col > 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, quoted, strlen(quoted))) continue;
        char *rest = line + strlen(quoted);
        for (int k = 1; k < col; k++) strtod(rest, &rest);
        value = strtod(rest, NULL);
    }
    fclose(f);
    CHECK(col > 0, "%s: no column for %s", file, impl);
    return value;
}

static void test_render(void) {
    write_results();
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
    test_render();
    if (getenv("CONVBENCH_KEEP_CHARTS")) printf("charts kept in %s\n", dir);
    test_failures();
    if (!getenv("CONVBENCH_KEEP_CHARTS")) remove_dir();
    return check_report();
}
