/* The blocked GEMM (impls/gemm.h) against a triple loop, for every
 * microkernel variant this CPU runs (on AArch64 that includes NEON). Data
 * are small integers, so every partial sum is exact in float and any
 * summation order gives the same bits: results must be equal, not close.
 * Sizes straddle MR, NR and the MC/KC/NC blocks (small blockings make the
 * blocks easy to cross). The same cases run on teams of 2, 3 and 7
 * threads (gemm_run_team), which must also give the same bits as one
 * thread on random data: threads split C, never a sum. */
#include "check.h"
#include "conv.h"
#include "gemm.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CANARY_BYTES = 256 };
static const unsigned char CANARY = 0xA5;

static uint32_t rng_state = 12345;
static int small_int(void) { /* -4..4 */
    rng_state = rng_state * 1664525u + 1013904223u;
    return (int)((rng_state >> 16) % 9) - 4;
}
static void fill(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = (float)small_int();
}

/* Workspace of exactly the size gemm asks for, followed by a canary that
 * must survive: gemm_workspace_bytes and gemm_run agree on the size. */
static void *workspace_with_canary(size_t bytes) {
    unsigned char *ws = aligned_alloc(64, (bytes + CANARY_BYTES + 63) / 64 * 64);
    memset(ws + bytes, CANARY, CANARY_BYTES);
    return ws;
}
static int canary_intact(const void *ws, size_t bytes) {
    const unsigned char *tail = (const unsigned char *)ws + bytes;
    for (int i = 0; i < CANARY_BYTES; i++)
        if (tail[i] != CANARY) return 0;
    return 1;
}

typedef struct gemm_case {
    int m, n, k;
    int extra_ldc;      /* ldc = n + extra_ldc; the gap must stay untouched */
    bool accumulate;
    bool bias;          /* row_bias (only without accumulate) */
    bool prepack_a, prepack_b;
    int nthreads;       /* 0 or 1: gemm_run; more: gemm_run_team on a team */
    int calls;          /* 0 or 1; more: that many accumulating calls on one ws, like kn2row's taps */
} gemm_case;

/* gemm_run, or gemm_run_team on a team of nthreads; calls times, each
 * after the first accumulating (in the team's one parallel region, with no
 * barrier in between, as kn2row_gemm runs its taps). */
static void run_gemm(const gemm_kernel *kern, const gemm_blocking *blk, const gemm_problem *prob,
                     void *ws, int nthreads, int calls) {
    gemm_problem next = *prob;
    next.accumulate = true;
    if (calls < 1) calls = 1;
    if (nthreads <= 1) {
        for (int i = 0; i < calls; i++) gemm_run(kern, blk, i ? &next : prob, ws);
        return;
    }
#pragma omp parallel num_threads(nthreads)
    for (int i = 0; i < calls; i++)
        gemm_run_team(kern, blk, i ? &next : prob, ws, omp_get_thread_num(), omp_get_num_threads());
}

static void run_case(const gemm_kernel *kern, const gemm_blocking *blk, const gemm_case *tc) {
    const int m = tc->m, n = tc->n, k = tc->k;
    const ptrdiff_t ldc = n + tc->extra_ldc;
    float *a = malloc(sizeof(float) * ((size_t)m * k + 1));
    float *b = malloc(sizeof(float) * ((size_t)k * n + 1));
    float *c = malloc(sizeof(float) * (size_t)m * ldc);
    float *want = malloc(sizeof(float) * (size_t)m * ldc);
    float *bias = malloc(sizeof(float) * (size_t)m);
    fill(a, (size_t)m * k);
    fill(b, (size_t)k * n);
    fill(c, (size_t)m * ldc); /* also the gap columns: they must survive */
    fill(bias, (size_t)m);
    memcpy(want, c, sizeof(float) * (size_t)m * ldc);
    const int calls = tc->calls > 1 ? tc->calls : 1;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = tc->accumulate ? want[i * ldc + j] : tc->bias ? bias[i] : 0.0;
            for (int p = 0; p < k; p++) sum += (double)calls * a[i * k + p] * b[p * n + j];
            want[i * ldc + j] = (float)sum;
        }

    const gemm_matrix a_matrix = {a, k}, b_matrix = {b, n};
    float *a_packed = NULL, *b_packed = NULL;
    gemm_problem prob = {
        .m = m, .n = n, .k = k,
        .a = {.pack = gemm_pack_a_rowmajor, .ctx = &a_matrix},
        .b = {.pack = gemm_pack_b_rowmajor, .ctx = &b_matrix},
        .c = c, .ldc = ldc,
        .accumulate = tc->accumulate,
        .row_bias = tc->bias ? bias : NULL,
    };
    if (tc->prepack_a) {
        a_packed = malloc(sizeof(float) * (gemm_prepacked_floats(m, k, kern->mr) + 1));
        gemm_prepack(gemm_pack_a_rowmajor, &a_matrix, m, k, kern->mr, blk->kc, a_packed);
        prob.a = (gemm_operand){.prepacked = a_packed};
    }
    if (tc->prepack_b) {
        b_packed = malloc(sizeof(float) * (gemm_prepacked_floats(n, k, kern->nr) + 1));
        gemm_prepack(gemm_pack_b_rowmajor, &b_matrix, n, k, kern->nr, blk->kc, b_packed);
        prob.b = (gemm_operand){.prepacked = b_packed};
    }
    const unsigned packs = (tc->prepack_a ? 0 : GEMM_PACKS_A) | (tc->prepack_b ? 0 : GEMM_PACKS_B);
    const size_t ws_bytes = gemm_workspace_bytes(kern, blk, m, n, k, packs, tc->nthreads > 1 ? tc->nthreads : 1);
    void *ws = workspace_with_canary(ws_bytes);
    run_gemm(kern, blk, &prob, ws, tc->nthreads, tc->calls);

    size_t bad = 0, first_bad = 0;
    for (size_t i = 0; i < (size_t)m * ldc; i++)
        if (c[i] != want[i] && bad++ == 0) first_bad = i;
    CHECK(bad == 0,
          "%s mc=%d kc=%d nc=%d: m=%d n=%d k=%d ldc=%td threads=%d calls=%d%s%s%s%s: %zu wrong, first [%zu][%zu] = %g, want %g",
          kern->name, blk->mc, blk->kc, blk->nc, m, n, k, ldc, tc->nthreads, calls,
          tc->accumulate ? " accumulate" : "", tc->bias ? " bias" : "",
          tc->prepack_a ? " prepacked-A" : "", tc->prepack_b ? " prepacked-B" : "", bad,
          first_bad / ldc, first_bad % ldc, c[first_bad], want[first_bad]);
    CHECK(canary_intact(ws, ws_bytes), "%s: m=%d n=%d k=%d wrote past its %zu-byte workspace",
          kern->name, m, n, k, ws_bytes);
    free(ws);
    free(a_packed);
    free(b_packed);
    free(a);
    free(b);
    free(c);
    free(want);
    free(bias);
}

/* Every size combination, in each mode, under one blocking, on nthreads. */
static void sweep(const gemm_kernel *kern, const gemm_blocking *blk, int nthreads) {
    const int mr = kern->mr, nr = kern->nr;
    const int ms[] = {1, 7, mr, mr + 1, 17, 33, 100};
    const int ns[] = {1, nr - 1, nr, nr + 1, 33, 100, 257};
    const int ks[] = {1, 7, 16, 17, 33, 100};
    for (size_t im = 0; im < sizeof ms / sizeof *ms; im++)
        for (size_t in = 0; in < sizeof ns / sizeof *ns; in++)
            for (size_t ik = 0; ik < sizeof ks / sizeof *ks; ik++) {
                const int mode = (int)((im + in + ik) % 4); /* vary the mode cheaply */
                gemm_case tc = {.m = ms[im], .n = ns[in], .k = ks[ik],
                                .extra_ldc = (int)(in % 3) * 5,
                                .accumulate = mode == 1 || mode == 3,
                                .bias = mode == 2,
                                .prepack_a = mode == 3 || (mode == 0 && ik % 2),
                                .prepack_b = mode == 2 || (mode == 0 && ik % 2),
                                .nthreads = nthreads, .calls = 1 + (int)(im % 2) * 2};
                run_case(kern, blk, &tc);
            }
}

static float random_float(void) { /* [-1, 1) */
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / (float)(1u << 23) - 1.0f;
}

/* Random (inexact) data: every thread count gives the bits of one thread. */
static void same_bits_on_teams(const gemm_kernel *kern, const gemm_blocking *blk, int m, int n,
                               int k, bool prepack_a) {
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
    float *one = malloc(sizeof(float) * (size_t)m * n), *many = malloc(sizeof(float) * (size_t)m * n);
    float *bias = malloc(sizeof(float) * (size_t)m);
    float *a_packed = malloc(sizeof(float) * gemm_prepacked_floats(m, k, kern->mr));
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = random_float();
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = random_float();
    for (int i = 0; i < m; i++) bias[i] = random_float();
    const gemm_matrix a_matrix = {a, k}, b_matrix = {b, n};
    gemm_prepack(gemm_pack_a_rowmajor, &a_matrix, m, k, kern->mr, blk->kc, a_packed);
    gemm_problem prob = {
        .m = m, .n = n, .k = k,
        .a = {.pack = gemm_pack_a_rowmajor, .ctx = &a_matrix},
        .b = {.pack = gemm_pack_b_rowmajor, .ctx = &b_matrix},
        .ldc = n, .row_bias = bias,
    };
    if (prepack_a) prob.a = (gemm_operand){.prepacked = a_packed};
    const unsigned packs = (prepack_a ? 0 : GEMM_PACKS_A) | GEMM_PACKS_B;
    static const int teams[] = {2, 3, 7};
    const size_t ws_bytes = gemm_workspace_bytes(kern, blk, m, n, k, packs, 7);
    void *ws = workspace_with_canary(ws_bytes);
    prob.c = one;
    run_gemm(kern, blk, &prob, ws, 1, 3);
    for (size_t t = 0; t < sizeof teams / sizeof *teams; t++) {
        for (size_t i = 0; i < (size_t)m * n; i++) many[i] = -777.0f;
        prob.c = many;
        run_gemm(kern, blk, &prob, ws, teams[t], 3);
        CHECK(!memcmp(one, many, sizeof(float) * (size_t)m * n),
              "%s mc=%d kc=%d nc=%d a_ways=%d m=%d n=%d k=%d%s: %d threads differ from 1",
              kern->name, blk->mc, blk->kc, blk->nc, blk->a_ways, m, n, k, prepack_a ? " prepacked-A" : "", teams[t]);
        CHECK(canary_intact(ws, ws_bytes), "%s: %d threads wrote past the workspace", kern->name,
              teams[t]);
    }
    free(ws);
    free(a);
    free(b);
    free(one);
    free(many);
    free(bias);
    free(a_packed);
}

static void test_variant(const gemm_kernel *kern) {
    /* Blocks of a few micro-panels: m, n, k of 100+ cross them several
     * times, and mc/nc that are not multiples of MR/NR get rounded up. */
    const gemm_blocking small = {.mc = 2 * kern->mr + 1, .kc = 16, .nc = 2 * kern->nr + 3};
    static const int teams[] = {1, 2, 3, 7};
    for (size_t t = 0; t < sizeof teams / sizeof *teams; t++) sweep(kern, &small, teams[t]);
    const gemm_blocking tiny = {.mc = 1, .kc = 1, .nc = 1};
    const gemm_case one_step = {.m = 9, .n = 21, .k = 5, .extra_ldc = 3, .accumulate = true};
    run_case(kern, &tiny, &one_step);
    const gemm_case one_step_team = {.m = 9, .n = 21, .k = 5, .extra_ldc = 3, .accumulate = true,
                                     .nthreads = 3, .calls = 2};
    run_case(kern, &tiny, &one_step_team);

    /* The defaults, on problems beyond each default block. */
    const gemm_blocking def = gemm_default_blocking();
    for (size_t t = 0; t < sizeof teams / sizeof *teams; t++) {
        const gemm_case beyond_kc = {.m = 37, .n = 45, .k = def.kc * 2 + 3, .bias = true,
                                     .nthreads = teams[t]};
        const gemm_case beyond_mc = {.m = def.mc + 2 * kern->mr + 1, .n = 19, .k = 9,
                                     .accumulate = true, .nthreads = teams[t]};
        const gemm_case beyond_nc = {.m = 3, .n = def.nc + kern->nr + 5, .k = 4, .extra_ldc = 1,
                                     .prepack_a = true, .prepack_b = true, .nthreads = teams[t]};
        const gemm_case conv_like = {.m = 64, .n = def.nc + 7 * kern->nr + 3, .k = def.kc + 5,
                                     .bias = true, .prepack_a = true, .nthreads = teams[t],
                                     .calls = 3};
        run_case(kern, &def, &beyond_kc);
        run_case(kern, &def, &beyond_mc);
        run_case(kern, &def, &beyond_nc);
        run_case(kern, &def, &conv_like);
    }

    /* Teams on random data: pixels split (many columns), channels split
     * (few columns: a 7x7 layer), both packed; ragged last blocks. */
    same_bits_on_teams(kern, &small, 100, 257, 100, true);
    same_bits_on_teams(kern, &small, 100, 257, 100, false);
    same_bits_on_teams(kern, &def, 256, 49, def.kc + 44, true);
    same_bits_on_teams(kern, &def, 61, 3 * kern->nr + 1, 70, false);
    /* Each decomposition the tuner may force (a_ways, up to more ways than
     * threads), with A packed by the team or prepacked. */
    for (int ways = 1; ways <= 8; ways *= 2) {
        gemm_blocking forced = small;
        forced.a_ways = ways;
        same_bits_on_teams(kern, &forced, 100, 257, 100, true);
        same_bits_on_teams(kern, &forced, 61, 3 * kern->nr + 1, 70, false);
    }

    /* The convenience wrappers, on one thread and on a team. */
    const int m = 13, n = 40, k = 29;
    float a[13 * 29], b[29 * 40], c[13 * 40], want[13 * 40];
    fill(a, sizeof a / sizeof *a);
    fill(b, sizeof b / sizeof *b);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j];
            want[i * n + j] = sum;
        }
    const size_t ws_bytes = gemm_workspace_bytes(kern, &def, m, n, k, GEMM_PACKS_A | GEMM_PACKS_B, 3);
    void *ws = workspace_with_canary(ws_bytes);
    for (int threads = 1; threads <= 3; threads += 2) {
        memset(c, 0, sizeof c);
        gemm_sgemm(kern, &def, m, n, k, a, k, b, n, c, n, false, threads, ws);
        CHECK(!memcmp(c, want, sizeof c), "%s: gemm_sgemm on %d threads differs from the triple loop",
              kern->name, threads);
        CHECK(canary_intact(ws, ws_bytes), "%s: gemm_sgemm wrote past its workspace", kern->name);
    }
    free(ws);
}

/* The benchmark entry: the best kernel, default blocking, any thread count. */
static void test_sgemm_best(void) {
    const int m = 70, n = 300, k = 90;
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
    float *c = malloc(sizeof(float) * m * n), *want = malloc(sizeof(float) * m * n);
    fill(a, (size_t)m * k);
    fill(b, (size_t)k * n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j];
            want[i * n + j] = sum;
        }
    const size_t ws_bytes = gemm_sgemm_best_workspace(m, n, k);
    void *ws = workspace_with_canary(ws_bytes);
    for (int threads = 1; threads <= 4; threads++) {
        memset(c, 0, sizeof(float) * m * n);
        CHECK(gemm_sgemm_best(m, n, k, a, k, b, n, c, n, threads, threads == 4 ? NULL : ws) == 0,
              "gemm_sgemm_best failed");
        CHECK(!memcmp(c, want, sizeof(float) * m * n), "gemm_sgemm_best on %d threads differs", threads);
    }
    CHECK(canary_intact(ws, ws_bytes), "gemm_sgemm_best wrote past its workspace");
    free(ws);
    free(a);
    free(b);
    free(c);
    free(want);
}

int main(void) {
    const unsigned isa = conv_cpu_isa();
    CHECK(gemm_kernel_count() >= 1, "no microkernel variants compiled in");
    CHECK(gemm_kernel_for_isa(CONV_ISA_NONE)->isa == CONV_ISA_NONE,
          "the fallback variant needs an ISA: %s", gemm_kernel_for_isa(CONV_ISA_NONE)->name);
    CHECK((gemm_kernel_best()->isa & ~isa) == 0, "best variant %s needs more than this CPU has",
          gemm_kernel_best()->name);
    for (int i = 0; i < gemm_kernel_count(); i++) {
        const gemm_kernel *kern = gemm_kernel_at(i);
        if (kern->isa & ~isa) {
            printf("skipping %s: CPU lacks it\n", kern->name);
            continue;
        }
        printf("testing %s (MR=%d NR=%d)\n", kern->name, kern->mr, kern->nr);
        test_variant(kern);
    }
    test_sgemm_best();
    CHECK(gemm_kernel_at(gemm_kernel_count()) == NULL, "gemm_kernel_at past the end");
    return check_report();
}
