#include "peak.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "conv.h"
#include "machine.h"
#include "util.h"

/* The per-ISA copies of harness/peak_kernel.c. */
#define PEAK_DECL(isa)                                                      \
    extern const int peak_naccs_##isa[];                                    \
    float peak_run_##isa(int nacc, int64_t steps, float seed);
PEAK_DECL(base)
#if defined(__x86_64__)
PEAK_DECL(avx2)
PEAK_DECL(avx512)
#endif

typedef struct peak_isa {
    const char *name;
    unsigned conv_isa;      /* CONV_ISA_* bit it needs, 0 for the baseline */
    int vw;                 /* floats per vector */
    float (*run)(int, int64_t, float);
    const int *naccs;
} peak_isa;

static const peak_isa isas[PEAK_NISA] = {
#if defined(__x86_64__)
    [PEAK_BASE] = {"sse2", 0, 4, peak_run_base, peak_naccs_base},
    [PEAK_AVX2] = {"avx2", CONV_ISA_AVX2, 8, peak_run_avx2, peak_naccs_avx2},
    [PEAK_AVX512] = {"avx512", CONV_ISA_AVX512, 16, peak_run_avx512, peak_naccs_avx512},
#else
    [PEAK_BASE] = {"neon", 0, 4, peak_run_base, peak_naccs_base},
#endif
};

/* Each measurement lasts about this long: long enough to dwarf the thread
 * start-up, short enough that the whole table takes seconds. */
#define PEAK_SECONDS 0.05

static volatile float peak_sink;

/* GFLOP/s of nthreads copies of the loop, each steps long. */
static double fma_rate(const peak_isa *pi, int nacc, int nthreads, int64_t steps) {
    double t0 = 0, t1 = 0;
    float sink = 0;
    #pragma omp parallel num_threads(nthreads) reduction(+ : sink)
    {
        #pragma omp barrier
        #pragma omp master
        t0 = cb_now();
        sink += pi->run(nacc, steps, (float)omp_get_thread_num() + 1);
        #pragma omp barrier
        #pragma omp master
        t1 = cb_now();
    }
    peak_sink = sink;
    return 2.0 * pi->vw * nacc * (double)steps * nthreads / (t1 - t0) * 1e-9;
}

/* Steps that make one thread's run last about PEAK_SECONDS. */
static int64_t calibrate(const peak_isa *pi, int nacc) {
    int64_t steps = 1 << 14;
    for (;;) {
        double t0 = cb_now();
        peak_sink = pi->run(nacc, steps, 1);
        double dt = cb_now() - t0;
        if (dt > PEAK_SECONDS / 8 || steps > (INT64_C(1) << 40))
            return (int64_t)(steps * (PEAK_SECONDS / (dt > 0 ? dt : 1e-6)));
        steps *= 4;
    }
}

/* STREAM triad a = b + s*c, best of a few passes; bytes counted as STREAM
 * does (two reads, one write: 12 bytes an element). */
static double triad_rate(float *a, const float *b, const float *c, size_t n, int nthreads) {
    double best = 0;
    for (int pass = 0; pass < 4; pass++) {
        double t0 = cb_now();
        #pragma omp parallel for num_threads(nthreads) schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0f * c[i];
        double dt = cb_now() - t0;
        double gbs = 12.0 * n / dt * 1e-9;
        if (gbs > best) best = gbs;
    }
    return best;
}

static void table_path(const char *root, const char *fp, char *out, size_t len) {
    snprintf(out, len, "%s/machine/peak-%016llx.txt", root, (unsigned long long)cb_hash(fp));
}

static int load(const char *path, const char *fp, peak_table *t) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[1024];
    int ok = 0;
    memset(t, 0, sizeof *t);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char isa[32];
        int th, nacc;
        double v;
        if (!strncmp(line, "fingerprint ", 12)) {
            ok = !strcmp(line + 12, fp);
            snprintf(t->fingerprint, sizeof t->fingerprint, "%.500s", line + 12);
        } else if (sscanf(line, "fma %31s %d %lf %d", isa, &th, &v, &nacc) == 4 && th >= 1 &&
                   th <= PEAK_MAX_THREADS) {
            for (int i = 0; i < PEAK_NISA; i++)
                if (isas[i].name && !strcmp(isas[i].name, isa)) {
                    t->gflops[i][th] = v;
                    if (th == 1) t->best_nacc[i] = nacc;
                }
            if (th > t->max_threads) t->max_threads = th;
        } else if (sscanf(line, "triad %d %lf", &th, &v) == 2 && th >= 1 && th <= PEAK_MAX_THREADS) {
            t->triad_gbs[th] = v;
        }
    }
    fclose(f);
    return ok && t->max_threads > 0 ? 0 : -1;
}

static int store(const char *root, const char *path, const peak_table *t) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/machine", root);
    if (mkdir(root, 0777) && errno != EEXIST) return -1;
    if (mkdir(dir, 0777) && errno != EEXIST) return -1;
    return peak_store_file(path, t);
}

int peak_store_file(const char *path, const peak_table *t) {
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "# convbench peak: FMA GFLOP/s per ISA and thread count (fma ISA THREADS GFLOPS ACCUMULATORS),\n"
               "# STREAM triad GB/s per thread count. Delete this file or run `convbench peak --force` to re-measure.\n");
    fprintf(f, "fingerprint %s\n", t->fingerprint);
    for (int i = 0; i < PEAK_NISA; i++)
        for (int th = 1; th <= t->max_threads; th++)
            if (t->gflops[i][th] > 0)
                fprintf(f, "fma %s %d %.2f %d\n", isas[i].name, th, t->gflops[i][th], t->best_nacc[i]);
    for (int th = 1; th <= t->max_threads; th++)
        if (t->triad_gbs[th] > 0) fprintf(f, "triad %d %.2f\n", th, t->triad_gbs[th]);
    int bad = fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void measure(peak_table *t, int verbose) {
    const machine_info *m = machine_get();
    const unsigned have = conv_cpu_isa();
    t->max_threads = m->cores < PEAK_MAX_THREADS ? m->cores : PEAK_MAX_THREADS;
    for (int i = 0; i < PEAK_NISA; i++) {
        const peak_isa *pi = &isas[i];
        if (!pi->run || (pi->conv_isa & ~have)) continue;
        /* Sweep the accumulator count on one thread; keep the best. */
        double best = 0;
        int best_nacc = 0;
        /* Best of two trials each: a neighbour on a shared machine can only
         * make a trial slower, never faster. */
        for (const int *n = pi->naccs; *n; n++)
            for (int trial = 0; trial < 2; trial++) {
                double r = fma_rate(pi, *n, 1, calibrate(pi, *n));
                if (r > best) best = r, best_nacc = *n;
            }
        t->best_nacc[i] = best_nacc;
        t->gflops[i][1] = best;
        int64_t steps = calibrate(pi, best_nacc);
        for (int th = 2; th <= t->max_threads; th++)
            for (int trial = 0; trial < 2; trial++) {
                double r = fma_rate(pi, best_nacc, th, steps);
                if (r > t->gflops[i][th]) t->gflops[i][th] = r;
            }
        if (verbose)
            fprintf(stderr, "convbench: peak %s: %.1f GFLOP/s on 1 thread (%d accumulators)\n",
                    pi->name, best, best_nacc);
    }
    /* Arrays 4x the last-level cache (at least 64 MiB) so the triad streams from memory. */
    size_t llc = m->l3 ? m->l3 : m->l2;
    size_t bytes = 4 * llc > (64u << 20) ? 4 * llc : (64u << 20);
    size_t n = bytes / sizeof(float);
    float *a = cb_alloc(bytes), *b = cb_alloc(bytes), *c = cb_alloc(bytes);
    if (a && b && c) {
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) b[i] = 1.0f, c[i] = 2.0f, a[i] = 0.0f; /* first touch */
        for (int th = 1; th <= t->max_threads; th++) t->triad_gbs[th] = triad_rate(a, b, c, n, th);
        if (verbose)
            fprintf(stderr, "convbench: triad bandwidth: %.1f GB/s on 1 thread, %.1f on %d\n",
                    t->triad_gbs[1], t->triad_gbs[t->max_threads], t->max_threads);
    }
    cb_free(a);
    cb_free(b);
    cb_free(c);
}

int peak_get(const char *root, int force, int verbose, peak_table *t, char *err, size_t errlen) {
    char path[4300];
    const char *fp = machine_fingerprint();
    table_path(root, fp, path, sizeof path);
    if (!force && !load(path, fp, t)) return 0;
    memset(t, 0, sizeof *t);
    snprintf(t->fingerprint, sizeof t->fingerprint, "%s", fp);
    if (verbose) fprintf(stderr, "convbench: measuring this machine's peak (once; stored in %s)\n", path);
    measure(t, verbose);
    if (store(root, path, t))
        return cb_fail(err, errlen, "%s: cannot store the peak table (%s); check that %s is writable",
                       path, strerror(errno), root);
    return 0;
}

double peak_for(const peak_table *t, unsigned impl_isa, int threads) {
    if (threads < 1 || threads > t->max_threads) return 0;
    int idx = PEAK_BASE;
    unsigned isa = impl_isa ? impl_isa : conv_cpu_isa();
    if (isa & CONV_ISA_AVX512) idx = PEAK_AVX512;
    else if (isa & CONV_ISA_AVX2) idx = PEAK_AVX2;
    return t->gflops[idx][threads];
}

void peak_print(const peak_table *t) {
    printf("fingerprint: %s\n", t->fingerprint);
    printf("%8s", "threads");
    for (int i = 0; i < PEAK_NISA; i++)
        if (isas[i].name && t->gflops[i][1] > 0) printf(" %10s", isas[i].name);
    printf(" %12s\n", "triad GB/s");
    for (int th = 1; th <= t->max_threads; th++) {
        printf("%8d", th);
        for (int i = 0; i < PEAK_NISA; i++)
            if (isas[i].name && t->gflops[i][1] > 0) printf(" %10.1f", t->gflops[i][th]);
        printf(" %12.1f\n", t->triad_gbs[th]);
    }
    printf("FMA peak in GFLOP/s (best of %s accumulators on 1 thread:", "8..24");
    for (int i = 0; i < PEAK_NISA; i++)
        if (isas[i].name && t->best_nacc[i]) printf(" %s %d", isas[i].name, t->best_nacc[i]);
    printf(")\n");
}
