#include "gemm_bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include "gbench_shim.h"
#include "gemm.h"
#include "peak.h"
#include "util.h"

typedef struct gemm_case {
    int m, n, k, threads;
    const float *a, *b;
    float *c;
    void *ws;
    int failed;
} gemm_case;

static void ours(void *ctx) {
    gemm_case *g = ctx;
    if (gemm_sgemm_best(g->m, g->n, g->k, g->a, g->k, g->b, g->n, g->c, g->n, g->threads, g->ws))
        g->failed = 1;
}

static void onednn(void *ctx) {
    gemm_case *g = ctx;
    if (dnnl_sgemm('N', 'N', g->m, g->n, g->k, 1.0f, g->a, g->k, g->b, g->n, 0.0f, g->c, g->n) !=
        dnnl_success)
        g->failed = 1;
}

/* Small-integer data make every entry exact; check a sample of them
 * against a dot product (all of them for small sizes). */
static int check(const gemm_case *g, const char *who) {
    cb_rng rng = {99};
    const size_t total = (size_t)g->m * g->n;
    const size_t samples = total < 4096 ? total : 4096;
    for (size_t s = 0; s < samples; s++) {
        size_t idx = samples == total ? s : cb_rng_next(&rng) % total;
        size_t i = idx / g->n, j = idx % g->n;
        float want = 0;
        for (int p = 0; p < g->k; p++) want += g->a[i * g->k + p] * g->b[(size_t)p * g->n + j];
        if (want != g->c[idx]) {
            fprintf(stderr, "convbench: gemm: %s: C[%zu][%zu] = %.9g, expected %.9g\n", who, i, j,
                    g->c[idx], want);
            return -1;
        }
    }
    return 0;
}

static void sample_median(void *user, int rep, double sec, int64_t iters) {
    double *s = user;
    s[rep < 63 ? rep : 63] = sec;
    s[64] = rep + 1 > s[64] ? rep + 1 : s[64];
}

static int cmp_d(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int gemm_bench(int m, int n, int k, int threads, int repetitions, double min_time,
               const char *results_root) {
    float *a = cb_alloc((size_t)m * k * 4), *b = cb_alloc((size_t)k * n * 4);
    float *c = cb_alloc((size_t)m * n * 4);
    void *ws = cb_alloc(gemm_sgemm_best_workspace(m, n, k));
    if (!a || !b || !c || !ws) {
        fprintf(stderr, "convbench: gemm: out of memory for %dx%dx%d\n", m, n, k);
        return 1;
    }
    cb_rng rng = {7};
    /* |values| <= 2: with k <= 2^21 every partial sum stays an exact integer. */
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)cb_rng_int(&rng, -2, 2);
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)cb_rng_int(&rng, -2, 2);
    omp_set_num_threads(threads);
    peak_table peaks;
    char err[512];
    int have_peak = !peak_get(results_root, 0, 0, &peaks, err, sizeof err);
    const double flops = 2.0 * m * n * k;
    struct { const char *name; void (*fn)(void *); } who[] = {
        {"convbench_gemm", ours}, {"onednn_sgemm", onednn}};
    int status = 0;
    printf("gemm %dx%dx%d, %d thread%s, kernel %s\n", m, n, k, threads, threads > 1 ? "s" : "",
           gemm_kernel_best()->name);
    printf("%-16s %12s %10s %7s\n", "impl", "median_ms", "GFLOP/s", "%peak");
    for (size_t w = 0; w < sizeof who / sizeof who[0]; w++) {
        gemm_case g = {m, n, k, threads, a, b, c, ws, 0};
        memset(c, 0, (size_t)m * n * 4);
        who[w].fn(&g);
        if (g.failed || check(&g, who[w].name)) {
            status = 1;
            continue;
        }
        double s[65] = {0};
        char name[96];
        snprintf(name, sizeof name, "gemm/%dx%dx%d/%s/threads:%d", m, n, k, who[w].name, threads);
        gb_spec spec = {.name = name, .body = who[w].fn, .ctx = &g, .repetitions = repetitions,
                        .min_time = min_time, .flops = flops};
        if (gb_run(&spec, sample_median, s, err, sizeof err) < 0) {
            fprintf(stderr, "convbench: gemm: %s\n", err);
            status = 1;
            continue;
        }
        int reps = (int)s[64];
        qsort(s, (size_t)reps, sizeof(double), cmp_d);
        double med = reps % 2 ? s[reps / 2] : 0.5 * (s[reps / 2 - 1] + s[reps / 2]);
        double gf = flops / med * 1e-9, peak = have_peak ? peak_for(&peaks, 0, threads) : 0;
        printf("%-16s %12.4f %10.2f %7s\n", who[w].name, med * 1e3, gf,
               peak > 0 ? (snprintf(err, sizeof err, "%.1f", 100 * gf / peak), err) : "-");
    }
    cb_free(a);
    cb_free(b);
    cb_free(c);
    cb_free(ws);
    return status;
}
