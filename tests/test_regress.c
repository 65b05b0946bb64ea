/* convbench compare on synthetic runs: results.csv (the harness's own
 * header) and samples.csv fixtures written to a temporary directory.
 * - the U test against hand-checked p-values (exact and with ties);
 * - an injected 20% slowdown, 10 repetitions a side, is flagged;
 * - pure noise (same distribution, seeded) is flagged in few of 100 trials;
 * - --normalize onednn_blocked cancels a uniform 15% machine slowdown;
 * - rows on one side only, ok -> mismatch and ok -> unsupported, accuracy
 *   growth, exit statuses 0/1/2, --markdown and --json output. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "csv.h"
#include "regress.h"
#include "util.h"

static char root[256];

/* ------------------------------------------------------------ fixtures */

typedef struct fx_row {
    const char *layer, *impl;
    int threads;
    const char *status;
    double median;       /* ms: the samples are median * (1 + noise) */
    double max_rel;      /* < 0: not validated (empty) */
    const char *note;
    int no_samples;      /* like the harness's `best` row: none in samples.csv */
} fx_row;

static double gauss(cb_rng *r) {
    double u1 = (cb_rng_next(r) >> 11) * 0x1.0p-53, u2 = (cb_rng_next(r) >> 11) * 0x1.0p-53;
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* A run directory NAME under root with ROWS, REPS samples a row with
 * relative noise CV (seeded by SEED), each row's times scaled by SCALE. */
static void write_run(const char *name, const fx_row *rows, int n, int reps, double cv, double scale, uint64_t seed,
                      char *dir, size_t dirlen) {
    snprintf(dir, dirlen, "%s/%s", root, name);
    mkdir(dir, 0777);
    char path[600];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    FILE *f = fopen(path, "w");
    snprintf(path, sizeof path, "%s/samples.csv", dir);
    FILE *s = fopen(path, "w");
    fprintf(f, "%s\n", csv_columns);
    fprintf(s, "layer,impl,threads,repetition,iterations,ms\n");
    cb_rng rng = {seed};
    char cols[1024];
    snprintf(cols, sizeof cols, "%s", csv_columns);
    for (int i = 0; i < n; i++) {
        const fx_row *r = &rows[i];
        const int ok = !strcmp(r->status, "ok");
        double *x = calloc((size_t)reps, sizeof(double)), sum = 0;
        for (int k = 0; ok && k < reps; k++) {
            x[k] = r->median * scale * (1 + cv * gauss(&rng));
            sum += x[k];
            if (!r->no_samples) fprintf(s, "%s,%s,%d,%d,100,%.6f\n", r->layer, r->impl, r->threads, k, x[k]);
        }
        double med = ok ? regress_median(x, reps) : 0;
        free(x);
        /* Every column of the real header, by name. */
        char copy[1024], *save = NULL;
        snprintf(copy, sizeof copy, "%s", cols);
        int c = 0;
        for (char *col = strtok_r(copy, ",", &save); col; col = strtok_r(NULL, ",", &save), c++) {
            if (c) fputc(',', f);
            if (!strcmp(col, "layer")) fputs(r->layer, f);
            else if (!strcmp(col, "shape")) fputs("mb1ic8ih8oc8oh8kh3ph1", f);
            else if (!strcmp(col, "impl")) fputs(r->impl, f);
            else if (!strcmp(col, "threads")) fprintf(f, "%d", r->threads);
            else if (!strcmp(col, "status")) fputs(r->status, f);
            else if (ok && (!strcmp(col, "median_ms") || !strcmp(col, "min_ms") || !strcmp(col, "mean_ms")))
                fprintf(f, "%.6f", !strcmp(col, "mean_ms") ? sum / reps : med);
            else if (ok && !strcmp(col, "repetitions")) fprintf(f, "%d", reps);
            else if (ok && !strcmp(col, "gflops")) fprintf(f, "%.3f", 1.0 / med);
            else if (!strcmp(col, "max_rel_err") && r->max_rel >= 0) fprintf(f, "%.3g", r->max_rel);
            else if (!strcmp(col, "max_abs_err") && r->max_rel >= 0) fprintf(f, "%.3g", r->max_rel);
            else if (!strcmp(col, "note") && r->note) csv_field(f, r->note);
            else if (!strcmp(col, "cpu")) fputs("\"Test CPU, 2 cores\"", f);
            else if (!strcmp(col, "git")) fputs("abc1234", f);
        }
        fputc('\n', f);
    }
    fclose(f);
    fclose(s);
}

/* The integer after "KEY": in FILE, or -1. */
static int json_int(const char *file, const char *key) {
    FILE *f = fopen(file, "r");
    if (!f) return -1;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    char *p = strstr(buf, pat);
    return p ? atoi(p + strlen(pat)) : -1;
}

static int file_contains(const char *file, const char *needle) {
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

/* stdout to /dev/null and back, for the many-trial loops. */
static int saved_stdout = -1;
static void mute(void) {
    fflush(stdout);
    saved_stdout = dup(1);
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    close(fd);
}
static void unmute(void) {
    fflush(stdout);
    dup2(saved_stdout, 1);
    close(saved_stdout);
}

static int compare(const char *a, const char *b, regress_options *opt, const char *json) {
    opt->json = json;
    return regress_compare(a, b, opt);
}

/* 3 layers x (naive, reorder, onednn_blocked), 1 thread. */
static fx_row base_rows[] = {
    {"conv1", "naive", 1, "ok", 10.0, 1e-6, NULL, 0},   {"conv1", "reorder", 1, "ok", 2.0, 1e-6, NULL, 0},
    {"conv1", "onednn_blocked", 1, "ok", 1.0, 1e-6, NULL, 0}, {"conv2", "naive", 1, "ok", 20.0, 2e-6, NULL, 0},
    {"conv2", "reorder", 1, "ok", 3.0, 2e-6, NULL, 0},  {"conv2", "onednn_blocked", 1, "ok", 1.5, 2e-6, NULL, 0},
    {"conv3", "naive", 1, "ok", 5.0, 1e-6, NULL, 0},    {"conv3", "reorder", 1, "ok", 1.0, 1e-6, NULL, 0},
    {"conv3", "onednn_blocked", 1, "ok", 0.7, 1e-6, NULL, 0},
};
enum { NBASE = sizeof base_rows / sizeof base_rows[0] };

/* ---------------------------------------------------------------- tests */

static void test_mwu(void) {
    bool exact;
    double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    double p = regress_mwu_p(a, 3, b, 3, &exact);
    CHECK(exact && fabs(p - 0.1) < 1e-12, "[1,2,3] vs [4,5,6]: exact p %g, want 0.1", p);
    CHECK(fabs(regress_mwu_p(b, 3, a, 3, NULL) - 0.1) < 1e-12, "symmetric");
    double c[10], d[10];
    for (int i = 0; i < 10; i++) c[i] = i + 1, d[i] = i + 11;
    p = regress_mwu_p(c, 10, d, 10, &exact);
    CHECK(exact && fabs(p / 1.082508822446903e-05 - 1) < 1e-9, "1..10 vs 11..20: p %g, want 2/C(20,10)", p);
    double e[] = {1.1, 2.5, 3.3, 4.7, 5.2}, g[] = {2.2, 3.9, 6.1, 7.4, 8.8, 9.0};
    p = regress_mwu_p(e, 5, g, 6, &exact);
    CHECK(exact && fabs(p - 0.12554112554112554) < 1e-12, "5 vs 6: p %g, want 58/462", p);
    double h[] = {3.1, 1.2, 5.5, 4.4}, k[] = {2.3, 6.6, 0.5};
    p = regress_mwu_p(h, 4, k, 3, NULL);
    CHECK(fabs(p - 0.8571428571428571) < 1e-12, "4 vs 3: p %g, want 6/7", p);
    /* Ties: the normal approximation with tie and continuity correction
     * (0.0702; the exact permutation p is 0.0618). */
    double t1[] = {1, 1, 2, 2, 3, 5}, t2[] = {2, 3, 3, 4, 4, 6, 7};
    p = regress_mwu_p(t1, 6, t2, 7, &exact);
    CHECK(!exact && fabs(p - 0.07017791923360661) < 1e-9, "ties: p %g, want 0.0702 (normal approximation)", p);
    double same[] = {2, 2, 2};
    CHECK(regress_mwu_p(same, 3, same, 3, NULL) == 1, "all tied: p 1");
    CHECK(regress_mwu_p(a, 0, b, 3, NULL) == 1, "empty side: p 1");
    CHECK(fabs(regress_mwu_min_p(3, 3) - 0.1) < 1e-12 && regress_mwu_min_p(9, 9) < 0.05, "smallest attainable p");
    double m[] = {3, 1, 2, 5};
    CHECK(regress_median(m, 4) == 2.5, "median of 4");
}

static void test_slowdown_flagged(void) {
    char a[512], b[512], json[600];
    write_run("slow-base", base_rows, NBASE, 10, 0.03, 1.0, 11, a, sizeof a);
    /* reorder 20% slower on every layer; everything else the same distribution. */
    fx_row slow[NBASE];
    memcpy(slow, base_rows, sizeof slow);
    for (int i = 0; i < NBASE; i++)
        if (!strcmp(slow[i].impl, "reorder")) slow[i].median *= 1.2;
    write_run("slow-new", slow, NBASE, 10, 0.03, 1.0, 12, b, sizeof b);
    snprintf(json, sizeof json, "%s/slow.json", root);
    regress_options opt;
    regress_defaults(&opt);
    int st = compare(a, b, &opt, json);
    CHECK(st == 1, "20%% slowdown: exit %d, want 1", st);
    CHECK(json_int(json, "regressions") == 3, "20%% slowdown: %d regressions, want the 3 reorder rows",
          json_int(json, "regressions"));
    CHECK(file_contains(json, "\"impl\": \"reorder\", \"threads\": 1, \"verdict\": \"regression\""),
          "the reorder rows are the regressions");
    CHECK(!file_contains(json, "\"impl\": \"naive\", \"threads\": 1, \"verdict\": \"regression\""), "naive is not");
    /* The same through the CLI, with the results.csv paths, Markdown and JSON. */
    char csv_a[600], csv_b[600], md[600];
    snprintf(csv_a, sizeof csv_a, "%s/results.csv", a);
    snprintf(csv_b, sizeof csv_b, "%s/results.csv", b);
    snprintf(md, sizeof md, "%s/slow.md", root);
    char *argv[] = {csv_a, csv_b, "--markdown", md, "--json", json, "--quiet"};
    st = cmd_compare(7, argv);
    CHECK(st == 1, "CLI on results.csv paths: exit %d, want 1", st);
    CHECK(file_contains(md, "| layer | impl | thr |") && file_contains(md, "**regression**") &&
              file_contains(md, "geometric mean time ratio"),
          "Markdown: table, bold regression, summary line");
    CHECK(json_int(json, "regressions") == 3, "CLI JSON");
    /* A 20% improvement the other way round. */
    st = compare(b, a, &opt, json);
    CHECK(st == 0 && json_int(json, "improvements") == 3, "reverse: exit %d, %d improvements", st,
          json_int(json, "improvements"));
    /* Alone the same data again: nothing. */
    st = compare(a, a, &opt, json);
    CHECK(st == 0 && json_int(json, "regressions") == 0 && json_int(json, "unchanged") == NBASE,
          "a run against itself: exit %d", st);
}

/* The per-layer `best` row (a copy of the fastest implementation's, no
 * samples of its own) is tested on that implementation's samples. */
static void test_best_row(void) {
    fx_row rows[] = {{"conv", "reorder", 1, "ok", 2.0, 1e-6, NULL, 0},
                     {"conv", "im2col_gemm", 1, "ok", 3.0, 1e-6, NULL, 0},
                     {"conv", "onednn_blocked", 1, "ok", 1.0, 1e-6, NULL, 0},
                     {"conv", "best", 1, "ok", 2.0, 1e-6, "= reorder (the fastest implementation here)", 1}};
    char a[512], b[512], json[600];
    snprintf(json, sizeof json, "%s/best.json", root);
    /* Same seed for reorder and best: write_run draws best's times after reorder's; give both the same. */
    write_run("best-base", rows, 4, 10, 0.02, 1.0, 61, a, sizeof a);
    rows[0].median = rows[3].median = 2.4; /* reorder 20% slower: still the fastest own */
    write_run("best-new", rows, 4, 10, 0.02, 1.0, 62, b, sizeof b);
    regress_options opt;
    regress_defaults(&opt);
    opt.quiet = true;
    int st = compare(a, b, &opt, json);
    CHECK(st == 1 && json_int(json, "regressions") == 2, "reorder and best regress (exit %d, %d rows)", st,
          json_int(json, "regressions"));
    CHECK(file_contains(json, "\"impl\": \"best\", \"threads\": 1, \"verdict\": \"regression\"") &&
              !file_contains(json, "no samples"),
          "best tested on reorder's samples");
    /* The fastest changes: best now names im2col_gemm. */
    rows[0].median = 4.0;
    rows[3].median = 3.0;
    rows[3].note = "= im2col_gemm (the fastest implementation here)";
    write_run("best-new2", rows, 4, 10, 0.02, 1.0, 63, b, sizeof b);
    compare(a, b, &opt, json);
    CHECK(file_contains(json, "best was reorder, now im2col_gemm"), "a change of the best implementation is noted");
}

static void test_noise(void) {
    /* Same distribution both sides (cv 5%), 10 repetitions, 100 seeds. */
    fx_row rows[] = {{"conv", "reorder", 1, "ok", 2.0, 1e-6, NULL, 0}, {"conv", "onednn_blocked", 1, "ok", 1.0, 1e-6, NULL, 0}};
    int flagged = 0, significant = 0, nflagged = 0;
    regress_options opt, nopt;
    regress_defaults(&opt);
    opt.quiet = true;
    regress_defaults(&nopt);
    nopt.quiet = true;
    nopt.normalize = true;
    mute();
    for (int t = 0; t < 100; t++) {
        char a[512], b[512], na[64], nb[64];
        snprintf(na, sizeof na, "noise-a%d", t);
        snprintf(nb, sizeof nb, "noise-b%d", t);
        write_run(na, rows, 2, 10, 0.05, 1.0, 1000 + 2 * t, a, sizeof a);
        write_run(nb, rows, 2, 10, 0.05, 1.0, 1001 + 2 * t, b, sizeof b);
        flagged += compare(a, b, &opt, NULL) != 0;
        nflagged += compare(a, b, &nopt, NULL) != 0;
        /* The U test alone, without the effect size: about alpha of the time. */
        cb_rng r1 = {1000 + 2 * t}, r2 = {1001 + 2 * t};
        double x[10], y[10];
        for (int k = 0; k < 10; k++) x[k] = 2 * (1 + 0.05 * gauss(&r1));
        for (int k = 0; k < 10; k++) y[k] = 2 * (1 + 0.05 * gauss(&r2));
        significant += regress_mwu_p(x, 10, y, 10, NULL) < 0.05;
    }
    unmute();
    printf("noise: %d of 100 trials flagged (normalised: %d); the U test alone significant in %d\n", flagged,
           nflagged, significant);
    CHECK(flagged <= 10, "pure noise flagged in %d of 100 trials, want <= 10", flagged);
    CHECK(nflagged <= 10, "pure noise, normalised: flagged in %d of 100 trials, want <= 10", nflagged);
    CHECK(significant <= 12, "U test alone: p < 0.05 in %d of 100 trials, want about 5", significant);
}

static void test_normalized(void) {
    char a[512], b[512], json[600];
    write_run("uni-base", base_rows, NBASE, 10, 0.02, 1.0, 21, a, sizeof a);
    write_run("uni-new", base_rows, NBASE, 10, 0.02, 1.15, 22, b, sizeof b); /* the machine 15% slower */
    snprintf(json, sizeof json, "%s/uni.json", root);
    regress_options opt;
    regress_defaults(&opt);
    int st = compare(a, b, &opt, json);
    CHECK(st == 1 && json_int(json, "regressions") == NBASE, "raw: uniform 15%% slowdown flagged (exit %d, %d rows)",
          st, json_int(json, "regressions"));
    opt.normalize = true;
    st = compare(a, b, &opt, json);
    CHECK(st == 0 && json_int(json, "regressions") == 0, "normalised: no regression (exit %d, %d rows)", st,
          json_int(json, "regressions"));
    CHECK(file_contains(json, "\"decided_on\": \"normalised\""), "decided on the normalised times");
    /* Normalised, a real 20% slowdown of one implementation still shows. */
    fx_row slow[NBASE];
    memcpy(slow, base_rows, sizeof slow);
    for (int i = 0; i < NBASE; i++)
        if (!strcmp(slow[i].impl, "reorder")) slow[i].median *= 1.2;
    write_run("uni-slow", slow, NBASE, 10, 0.02, 1.15, 23, b, sizeof b);
    st = compare(a, b, &opt, json);
    CHECK(st == 1 && json_int(json, "regressions") == 3, "normalised: reorder's own 20%% still flagged (%d rows)",
          json_int(json, "regressions"));
    char *argv[] = {a, b, "--normalize", "onednn_blocked", "--json", json, "--quiet"};
    CHECK(cmd_compare(7, argv) == 1, "CLI --normalize onednn_blocked");
}

static void test_rows_and_status(void) {
    char a[512], b[512], json[600];
    snprintf(json, sizeof json, "%s/rows.json", root);
    regress_options opt;
    regress_defaults(&opt);
    /* conv3 gone, conv4 new. */
    fx_row extra[NBASE];
    memcpy(extra, base_rows, sizeof extra);
    for (int i = 0; i < NBASE; i++)
        if (!strcmp(extra[i].layer, "conv3")) extra[i].layer = "conv4";
    write_run("rows-base", base_rows, NBASE, 10, 0.01, 1.0, 31, a, sizeof a);
    write_run("rows-new", extra, NBASE, 10, 0.01, 1.0, 32, b, sizeof b);
    int st = compare(a, b, &opt, json);
    CHECK(st == 0, "missing and extra rows alone: exit %d, want 0", st);
    CHECK(json_int(json, "only_in_base") == 3 && json_int(json, "only_in_new") == 3, "3 only in base, 3 only in new");
    opt.fail_on_missing = true;
    CHECK(compare(a, b, &opt, json) == 1, "--fail-on-missing: exit 1");
    opt.fail_on_missing = false;

    /* ok -> mismatch fails; ok -> unsupported fails; unsupported both: nothing. */
    fx_row changed[NBASE + 1];
    memcpy(changed, base_rows, sizeof base_rows);
    changed[1].status = "mismatch";
    changed[1].note = "dst[n=0][k=1][y=2][x=3] (index 7): expected 1, got 2";
    write_run("status-new", changed, NBASE, 10, 0.01, 1.0, 33, b, sizeof b);
    st = compare(a, b, &opt, json);
    CHECK(st == 1 && json_int(json, "failures") == 1, "ok -> mismatch: exit %d, %d failures", st,
          json_int(json, "failures"));
    CHECK(file_contains(json, "status ok -> mismatch"), "the status change is named");
    /* A mismatch on the new side fails even when the base had it too. */
    write_run("status-base2", changed, NBASE, 10, 0.01, 1.0, 34, a, sizeof a);
    st = compare(a, b, &opt, json);
    CHECK(st == 1 && json_int(json, "failures") == 1, "mismatch in both: still a failure (exit %d)", st);
    /* mismatch -> ok: fixed, passes. */
    write_run("status-new3", base_rows, NBASE, 10, 0.01, 1.0, 35, b, sizeof b);
    st = compare(a, b, &opt, json);
    CHECK(st == 0 && file_contains(json, "\"verdict\": \"now ok\""), "mismatch -> ok passes (exit %d)", st);
    /* ok -> unsupported fails. */
    memcpy(changed, base_rows, sizeof base_rows);
    changed[4].status = "unsupported";
    changed[4].max_rel = -1;
    changed[4].note = "needs groups == 1";
    write_run("status-base4", base_rows, NBASE, 10, 0.01, 1.0, 36, a, sizeof a);
    write_run("status-new4", changed, NBASE, 10, 0.01, 1.0, 37, b, sizeof b);
    st = compare(a, b, &opt, json);
    CHECK(st == 1 && file_contains(json, "status ok -> unsupported"), "ok -> unsupported fails (exit %d)", st);
}

static void test_accuracy(void) {
    char a[512], b[512], json[600];
    snprintf(json, sizeof json, "%s/acc.json", root);
    regress_options opt;
    regress_defaults(&opt);
    fx_row worse[NBASE];
    memcpy(worse, base_rows, sizeof worse);
    worse[1].max_rel = 3e-6;  /* conv1 reorder: 1e-6 -> 3e-6, x3 */
    worse[4].max_rel = 3.5e-6; /* conv2 reorder: 2e-6 -> 3.5e-6, x1.75: below the factor */
    write_run("acc-base", base_rows, NBASE, 10, 0.01, 1.0, 41, a, sizeof a);
    write_run("acc-new", worse, NBASE, 10, 0.01, 1.0, 42, b, sizeof b);
    int st = compare(a, b, &opt, json);
    CHECK(st == 1 && json_int(json, "accuracy_regressions") == 1, "accuracy x3: exit %d, %d accuracy regressions",
          st, json_int(json, "accuracy_regressions"));
    CHECK(file_contains(json, "accuracy: max_rel_err 1e-06 -> 3e-06"), "the accuracy change is described");
    opt.acc_factor = 4;
    CHECK(compare(a, b, &opt, json) == 0, "--accuracy-factor 4: x3 passes");
    opt.acc_factor = 2;
    /* Growth below 1e-7 on both sides is ignored. */
    fx_row tiny[NBASE], tiny2[NBASE];
    memcpy(tiny, base_rows, sizeof tiny);
    memcpy(tiny2, base_rows, sizeof tiny2);
    for (int i = 0; i < NBASE; i++) tiny[i].max_rel = 1e-8, tiny2[i].max_rel = 8e-8;
    write_run("acc-tiny-a", tiny, NBASE, 10, 0.01, 1.0, 43, a, sizeof a);
    write_run("acc-tiny-b", tiny2, NBASE, 10, 0.01, 1.0, 44, b, sizeof b);
    st = compare(a, b, &opt, json);
    CHECK(st == 0 && json_int(json, "accuracy_regressions") == 0, "1e-8 -> 8e-8: ignored (exit %d)", st);
    /* From 0 to something past 1e-7 is growth. */
    for (int i = 0; i < NBASE; i++) tiny[i].max_rel = 0, tiny2[i].max_rel = 0;
    tiny2[0].max_rel = 5e-7;
    write_run("acc-zero-a", tiny, NBASE, 10, 0.01, 1.0, 45, a, sizeof a);
    write_run("acc-zero-b", tiny2, NBASE, 10, 0.01, 1.0, 46, b, sizeof b);
    CHECK(compare(a, b, &opt, json) == 1, "0 -> 5e-7 is an accuracy regression");
}

static void test_bad_input(void) {
    char a[512], path[700];
    regress_options opt;
    regress_defaults(&opt);
    opt.quiet = true;
    write_run("good", base_rows, NBASE, 3, 0.01, 1.0, 51, a, sizeof a);
    snprintf(path, sizeof path, "%s/nonexistent", root);
    CHECK(regress_compare(a, path, &opt) == 2, "a missing directory: exit 2");
    /* No results.csv in a directory. */
    snprintf(path, sizeof path, "%s/empty-dir", root);
    mkdir(path, 0777);
    CHECK(regress_compare(path, a, &opt) == 2, "a directory without results.csv: exit 2");
    /* Not a convbench CSV. */
    snprintf(path, sizeof path, "%s/other.csv", root);
    FILE *f = fopen(path, "w");
    fputs("a,b,c\n1,2,3\n", f);
    fclose(f);
    CHECK(regress_compare(path, a, &opt) == 2, "a CSV without the columns: exit 2");
    /* A damaged row. */
    char dir[512];
    write_run("damaged", base_rows, NBASE, 3, 0.01, 1.0, 52, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    f = fopen(path, "a");
    fputs("conv9,x,naive,1,ok\n", f);
    fclose(f);
    CHECK(regress_compare(a, dir, &opt) == 2, "a row with too few fields: exit 2");
    /* A bad number in samples.csv. */
    write_run("badsamples", base_rows, NBASE, 3, 0.01, 1.0, 53, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/samples.csv", dir);
    f = fopen(path, "a");
    fputs("conv1,naive,1,9,100,fast\n", f);
    fclose(f);
    CHECK(regress_compare(a, dir, &opt) == 2, "a bad sample: exit 2");
    /* Options. */
    char *bad_alpha[] = {a, a, "--alpha", "2"};
    CHECK(cmd_compare(4, bad_alpha) == 2, "--alpha 2: exit 2");
    char *one[] = {a};
    CHECK(cmd_compare(1, one) == 2, "one path: exit 2");
    char *unknown[] = {a, a, "--frobnicate"};
    CHECK(cmd_compare(3, unknown) == 2, "unknown flag: exit 2");
    /* 3 repetitions a side compare (with a warning), exit 0 against itself. */
    CHECK(regress_compare(a, a, &opt) == 0, "3 repetitions, itself: exit 0");
    /* No samples.csv: decided on the medians alone. */
    write_run("nosamples", base_rows, NBASE, 3, 0.0, 1.3, 54, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/samples.csv", dir);
    unlink(path);
    CHECK(regress_compare(a, dir, &opt) == 1, "without samples.csv a 30%% slowdown still fails");
}

int main(void) {
    snprintf(root, sizeof root, "/tmp/convbench-regress-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_mwu();
    test_slowdown_flagged();
    test_best_row();
    test_noise();
    test_normalized();
    test_rows_and_status();
    test_accuracy();
    test_bad_input();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (!check_failed && system(cmd)) fprintf(stderr, "could not remove %s\n", root);
    return check_report();
}
