/* The autotuner's search and the wisdom file, without timing: a synthetic
 * cost with a known minimum, constraints, a "fast but wrong" region that
 * validation rejects, and wisdom round trips, merges, foreign fingerprints
 * and a line cut short by a kill. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gemm.h"
#include "tune.h"
#include "validate.h"
#include "wisdom.h"

static const conv_param_def fake_params[] = {
    {"a", 8, 1, 96, 1, "linear range", false},
    {"b", 16, 1, 1024, 0, "powers of two", false},
    {"c", 2, 1, 8, 1, "small", false},
};
/* Rejects odd a with c > 4: a constraint like a register budget. */
static const char *fake_check(const conv_problem *p, const conv_params *prm) {
    return prm->v[0] % 2 && prm->v[2] > 4 ? "odd a needs c <= 4" : NULL;
}
static const conv_impl fake = {.name = "fake", .params = fake_params, .nparams = 3,
                               .check_params = fake_check};

typedef struct { int calls, bad_calls, wrong_region; } cost_ctx;

/* Minimum 1.0 at a=37, b=32, c=3; a "wrong answer" region near b=1024
 * that would be cheaper if it were allowed to win. */
static double synthetic(void *vctx, const conv_params *prm) {
    cost_ctx *c = vctx;
    c->calls++;
    if (fake_check(NULL, prm)) c->bad_calls++;
    if (prm->v[1] == 1024) {
        c->wrong_region++;
        return -1; /* failed validation */
    }
    double a = prm->v[0] - 37, b = log2(prm->v[1]) - 5, cc = prm->v[2] - 3;
    return 1.0 + 0.01 * a * a + 0.2 * b * b + 0.1 * cc * cc;
}

static void test_search(void) {
    conv_problem p = {0};
    cost_ctx ctx = {0};
    tune_budget b = {.seconds = 10, .exhaustive_limit = 16, .samples = 24, .patience = 200};
    tune_result r;
    tune_search(&fake, &p, 1, synthetic, &ctx, &b, 42, &r, NULL, NULL);
    CHECK(!r.exhaustive, "the space (%d points) is larger than the exhaustive limit", r.space_size);
    CHECK(r.best.v[0] == 37 && r.best.v[1] == 32 && r.best.v[2] == 3,
          "found a=%d b=%d c=%d, want 37 32 3", r.best.v[0], r.best.v[1], r.best.v[2]);
    CHECK(fabs(r.best_cost - 1.0) < 1e-12, "best cost %g", r.best_cost);
    CHECK(ctx.bad_calls == 0, "%d invalid combinations were run", ctx.bad_calls);
    CHECK(r.evaluated < r.space_size / 4, "local search evaluated %d of %d points", r.evaluated,
          r.space_size);
    CHECK(r.nrunners > 0 && r.runner_cost[0] >= r.best_cost, "runners-up");

    /* Exhaustive on a small space: every valid point once. */
    static const conv_param_def small_params[] = {{"a", 2, 1, 4, 1, "", false}, {"c", 1, 1, 8, 0, "", false}};
    const conv_impl small = {.name = "small", .params = small_params, .nparams = 2};
    cost_ctx c2 = {0};
    tune_budget b2 = {.seconds = 10, .exhaustive_limit = 64, .samples = 0, .patience = 1};
    tune_search(&small, &p, 1, synthetic, &c2, &b2, 1, &r, NULL, NULL);
    CHECK(r.exhaustive && r.space_size == 16 && c2.calls == 16, "exhaustive: %d points, %d calls",
          r.space_size, c2.calls);
    /* The cost reads v[1] as b: (log2 b - 5)^2 is least at b = 8 of 1..8. */
    CHECK(r.best.v[0] == 4 && r.best.v[1] == 8, "exhaustive best a=%d b=%d", r.best.v[0], r.best.v[1]);

    /* Everything wrong: nothing may win. */
    static const conv_param_def wrong_params[] = {{"a", 37, 37, 37, 1, "", false},
                                                  {"b", 1024, 1024, 1024, 0, "", false}};
    const conv_impl wrong = {.name = "wrong", .params = wrong_params, .nparams = 2};
    tune_search(&wrong, &p, 1, synthetic, &c2, &b2, 1, &r, NULL, NULL);
    CHECK(r.best_cost < 0 && r.rejected == 1, "a rejected candidate won (cost %g)", r.best_cost);
}

/* A parallel-decomposition parameter: held at its default for one thread,
 * searched (0 = "the model's choice" included) for more. */
static double ways_cost(void *vctx, const conv_params *prm) {
    cost_ctx *c = vctx;
    c->calls++;
    return prm->v[0] == 4 ? 1.0 : prm->v[0] == 0 ? 1.5 : 2.0;
}

static void test_threads_only(void) {
    static const conv_param_def ways_params[] = {
        {"ways", 0, 0, 16, 0, "0: a model's choice", .threads_only = true}};
    const conv_impl ways = {.name = "ways", .params = ways_params, .nparams = 1};
    conv_problem p = {0};
    tune_budget b = {.seconds = 10, .exhaustive_limit = 64, .samples = 0, .patience = 64};
    tune_result r;
    cost_ctx c = {0};
    tune_search(&ways, &p, 1, ways_cost, &c, &b, 1, &r, NULL, NULL);
    CHECK(r.space_size == 1 && c.calls == 1 && r.best.v[0] == 0,
          "one thread: %d points, %d calls, best ways=%d (want the default alone)", r.space_size,
          c.calls, r.best.v[0]);
    c = (cost_ctx){0};
    tune_search(&ways, &p, 2, ways_cost, &c, &b, 1, &r, NULL, NULL);
    CHECK(r.space_size == 6 && c.calls == 6 && r.best.v[0] == 4,
          "two threads: %d points (0, 1, 2, 4, 8, 16), %d calls, best ways=%d", r.space_size,
          c.calls, r.best.v[0]);
}

/* The GEMM blocking's cache-fit constraints, on given cache sizes and on
 * this machine's. */
static void test_cache_fit(void) {
    const gemm_kernel *kern = gemm_kernel_best();
    const conv_caches small = {.l1d = 32 << 10, .l2 = 512 << 10, .l3 = 4 << 20};
    gemm_blocking blk = {.mc = 256, .kc = 256, .nc = 1024};
    CHECK(!gemm_blocking_misfit(kern, &blk, &small), "256 KiB of A fits a 512 KiB L2");
    blk.mc = 512;
    const char *why = gemm_blocking_misfit(kern, &blk, &small);
    CHECK(why && strstr(why, "L2"), "512 KiB of A plus a B micro-panel in a 512 KiB L2: %s",
          why ? why : "accepted");
    blk = (gemm_blocking){.mc = 64, .kc = 256, .nc = 8192};
    why = gemm_blocking_misfit(kern, &blk, &small);
    CHECK(why && strstr(why, "L3"), "8 MiB of B in a 4 MiB L3: %s", why ? why : "accepted");
    const conv_caches unknown = {0, 0, 0};
    blk = (gemm_blocking){.mc = 4096, .kc = 2048, .nc = 65536};
    CHECK(!gemm_blocking_misfit(kern, &blk, &unknown), "unknown sizes constrain nothing");

    /* The analytical defaults: on Zen 4's caches the table's 256 / 512 /
     * 2048 for every kernel; on any caches, KC = 2 MC filling half of L2,
     * and blocks that fit them. */
    const conv_caches zen4 = {.l1d = 32 << 10, .l2 = 1 << 20, .l3 = 32 << 20};
    for (int v = 0; v < gemm_kernel_count(); v++) {
        const gemm_kernel *kv = gemm_kernel_at(v);
        blk = gemm_model_blocking(kv, &zen4);
        CHECK(blk.mc == 256 && blk.kc == 512 && blk.nc == 2048, "%s on Zen 4: mc %d kc %d nc %d",
              kv->name, blk.mc, blk.kc, blk.nc);
        const conv_caches sizes[] = {zen4, small, {.l1d = 48 << 10, .l2 = 2 << 20, .l3 = 16 << 20},
                                     {.l1d = 64 << 10, .l2 = 256 << 10, .l3 = 0}};
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            blk = gemm_model_blocking(kv, &sizes[i]);
            CHECK((size_t)blk.mc * blk.kc * 4 == sizes[i].l2 / 2 &&
                      (blk.kc == 2 * blk.mc || blk.kc == blk.mc),
                  "%s: mc %d kc %d: A's block is half of L2 %zu, kc 2 mc (or mc where the power of 2 is odd)",
                  kv->name, blk.mc, blk.kc, sizes[i].l2);
            why = gemm_blocking_misfit(kv, &blk, &sizes[i]);
            CHECK(!why, "%s: the model's blocking misfits caches %zu/%zu/%zu: %s", kv->name,
                  sizes[i].l1d, sizes[i].l2, sizes[i].l3, why);
        }
    }

    /* Through the implementation's check_params, on this machine. */
    const conv_caches here = conv_cpu_caches();
    extern const conv_impl conv_impl_im2col_gemm;
    const conv_impl *im = &conv_impl_im2col_gemm;
    conv_problem p = {.n = 1, .c = 64, .h = 56, .w = 56, .k = 64, .r = 3, .s = 3, .stride_h = 1,
                      .stride_w = 1, .pad_t = 1, .pad_l = 1, .pad_b = 1, .pad_r = 1, .dil_h = 1,
                      .dil_w = 1, .groups = 1};
    conv_params prm;
    conv_default_params(im, &prm);
    CHECK(!conv_params_invalid(im, &p, &prm), "the defaults fit this machine (L2 %zu, L3 %zu)",
          here.l2, here.l3);
    prm.v[GEMM_PARAM_MC] = 4096;
    prm.v[GEMM_PARAM_KC] = 2048;
    if (here.l2 && here.l2 < (size_t)32 << 20)
        CHECK(conv_params_invalid(im, &p, &prm) != NULL, "32 MiB of A is rejected for L2 %zu",
              here.l2);
    else
        printf("note: L2 size unknown or over 32 MiB here; the machine-level check is skipped\n");

    /* Winograd's tile_block: a block's V and M must stay in L3. F(6x6) on a
     * 112x112 image of 512 channels in and out, 361 tiles in one block:
     * 64 x 1024 x 384 floats = 96 MiB; 16 tiles (32 with padding): 8 MiB. */
    extern const conv_impl conv_impl_winograd_f6x3;
    const conv_impl *wf6 = &conv_impl_winograd_f6x3;
    const conv_problem wide = {.n = 1, .c = 512, .h = 112, .w = 112, .k = 512, .r = 3, .s = 3,
                               .stride_h = 1, .stride_w = 1, .pad_t = 1, .pad_l = 1, .pad_b = 1,
                               .pad_r = 1, .dil_h = 1, .dil_w = 1, .groups = 1};
    conv_default_params(wf6, &prm);
    prm.v[0] = 512;
    if (here.l3 && here.l3 < (size_t)96 << 20)
        CHECK(conv_params_invalid(wf6, &wide, &prm) != NULL, "a 96 MiB Winograd block is rejected for L3 %zu",
              here.l3);
    /* The direct kernels: a pass's weights for a k-group must stay in L2.
     * 256 channel blocks x 49 taps x 4 vectors: 12.25 MiB on AVX2 (8-wide),
     * 49 MiB on AVX-512; the default pass of 16 blocks fits a 3x3 kernel. */
    const conv_problem deep = {.n = 1, .c = 4096, .h = 9, .w = 9, .k = 128, .r = 7, .s = 7,
                               .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1};
    for (int i = 0; i < conv_nimpls; i++) {
        const conv_impl *d = conv_impls[i];
        if (strncmp(d->name, "direct_", 7)) continue;
        conv_params dp;
        conv_default_params(d, &dp);
        conv_problem deep3 = deep;
        deep3.r = deep3.s = 3; /* a ResNet-like 3x3: 16 x 9 x 2 vectors of 16 is 288 KiB */
        CHECK(!conv_params_invalid(d, &deep3, &dp), "%s: the default pass fits on 3x3", d->name);
        dp.v[1] = 4;   /* k_blocks */
        dp.v[2] = 256; /* c_tile */
        if (here.l2 && here.l2 < (size_t)12 << 20) {
            why = conv_params_invalid(d, &deep, &dp);
            CHECK(why && strstr(why, "L2"), "%s: a 12+ MiB pass is rejected for L2 %zu: %s", d->name,
                  here.l2, why ? why : "accepted");
        }
    }
    prm.v[0] = 16;
    if (here.l3 >= (size_t)9 << 20)
        CHECK(!conv_params_invalid(wf6, &wide, &prm), "an 8 MiB Winograd block fits L3 %zu", here.l3);
}

static void test_wisdom(void) {
    char dir[] = "/tmp/convbench-wisdom-XXXXXX", err[256], path[256];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    const char *fp = wisdom_fingerprint();
    wisdom w;
    CHECK(!wisdom_load(dir, &w, err, sizeof err) && w.n == 0, "empty dir");
    wisdom_entry e = {.threads = 1, .best_ms = 2.0, .default_ms = 3.0};
    snprintf(e.fingerprint, sizeof e.fingerprint, "%s", fp);
    strcpy(e.impl, "im2col_gemm");
    strcpy(e.shape, "mb1ic64ih56oc64oh56kh3ph1");
    strcpy(e.params, "mc=256;kc=128;nc=4096");
    strcpy(e.date, "2026-11-23");
    CHECK(!wisdom_append(dir, &w, &e, err, sizeof err), "append: %s", err);
    wisdom_entry other = e;
    strcpy(other.impl, "kn2row_gemm");
    other.best_ms = 1.5;
    CHECK(!wisdom_append(dir, &w, &other, err, sizeof err), "append 2: %s", err);
    wisdom_entry foreign = e;
    strcpy(foreign.fingerprint, "cpu=Other;isa=avx2");
    foreign.best_ms = 0.1;
    CHECK(!wisdom_append(dir, &w, &foreign, err, sizeof err), "append foreign: %s", err);
    wisdom_free(&w);

    /* A run killed mid-write leaves a line without its newline. */
    snprintf(path, sizeof path, "%s/wisdom-0000000000000000.tsv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "v1\t%s\tim2col_gemm\tmb1ic64ih56oc64oh56kh3ph1\t1\tmc=8;kc=8;nc=8\t0.001", fp);
    fclose(f);

    CHECK(!wisdom_load(dir, &w, err, sizeof err), "reload: %s", err);
    CHECK(w.n == 3 && w.foreign == 1, "%d entries, %d foreign", w.n, w.foreign);
    const wisdom_entry *got = wisdom_find(&w, fp, "im2col_gemm", e.shape, 1);
    CHECK(got && !strcmp(got->params, e.params) && got->best_ms == 2.0, "round trip");
    CHECK(!wisdom_find(&w, fp, "im2col_gemm", e.shape, 2), "thread count is part of the key");
    const wisdom_entry *best = wisdom_best_impl(&w, fp, e.shape, 1);
    CHECK(best && !strcmp(best->impl, "kn2row_gemm"), "best impl: %s (the foreign 0.1 ms must not count)",
          best ? best->impl : "none");
    CHECK(wisdom_find_foreign(&w, fp, "im2col_gemm", e.shape, 1) != NULL, "foreign lookup");

    /* Merge: a faster entry for a key wins, a slower one does not. */
    char other_file[300];
    snprintf(other_file, sizeof other_file, "%s/../convbench-wisdom-merge-%d.tsv", dir, (int)getpid());
    f = fopen(other_file, "w");
    fprintf(f, "v1\t%s\tim2col_gemm\t%s\t1\tmc=64;kc=64;nc=64\t1.000000\t3.0\t2026-11-24\t\n", fp, e.shape);
    fprintf(f, "v1\t%s\tkn2row_gemm\t%s\t1\tmc=64;kc=64;nc=64\t9.000000\t3.0\t2026-11-24\t\n", fp, e.shape);
    fclose(f);
    const char *files[] = {other_file};
    CHECK(!wisdom_merge(dir, files, 1, err, sizeof err), "merge: %s", err);
    wisdom_free(&w);
    CHECK(!wisdom_load(dir, &w, err, sizeof err), "reload after merge");
    got = wisdom_find(&w, fp, "im2col_gemm", e.shape, 1);
    CHECK(got && got->best_ms == 1.0, "merge kept the faster im2col entry (%g)", got ? got->best_ms : -1);
    got = wisdom_find(&w, fp, "kn2row_gemm", e.shape, 1);
    CHECK(got && got->best_ms == 1.5, "merge kept the faster kn2row entry (%g)", got ? got->best_ms : -1);
    wisdom_free(&w);
    unlink(other_file);

    conv_params prm;
    CHECK(!wisdom_parse_params(&fake, "a=5;b=64;c=2", &prm) && prm.v[0] == 5 && prm.v[1] == 64,
          "parse params");
    CHECK(wisdom_parse_params(&fake, "a=5;zz=1", &prm) == -1, "unknown parameter rejected");
    char s[64];
    wisdom_format_params(&fake, &prm, s, sizeof s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "cleanup");
}

/* A real kernel with a parameter that breaks it: "skip" leaves the last
 * output channel out, which is faster and wrong. The harness's tuning cost
 * validates every candidate first; with that, the wrong one never wins. */
extern const conv_impl conv_impl_naive;
static void skippy_run(const conv_args *a) {
    conv_impl_naive.run(a);
    if (a->params->v[0]) { /* the broken variant */
        size_t plane = conv_dst_elems(a->p) / ((size_t)a->p->n * a->p->k);
        memset(a->dst + ((size_t)a->p->k - 1) * plane, 0, plane * sizeof(float));
    }
}
static const conv_param_def skippy_params[] = {{"skip", 0, 0, 1, 1, "1 is wrong", false}};
static const conv_impl skippy = {.name = "skippy", .tol = 2, .run = skippy_run,
                                 .params = skippy_params, .nparams = 1};

static double validated_cost(void *ctx, const conv_params *prm) {
    const conv_problem *p = ctx;
    validation v;
    validate_impl(&skippy, p, prm, 1, &v);
    if (v.status != VALID_OK) return -1;
    return prm->v[0] ? 0.5 : 1.0; /* pretend the broken one is twice as fast */
}

static void test_wrong_candidate(void) {
    conv_problem p = {.n = 1, .c = 3, .h = 6, .w = 6, .k = 4, .r = 3, .s = 3, .stride_h = 1,
                      .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1};
    tune_budget b = {.seconds = 10, .exhaustive_limit = 8, .samples = 0, .patience = 8};
    tune_result r;
    tune_search(&skippy, &p, 1, validated_cost, &p, &b, 3, &r, NULL, NULL);
    CHECK(r.best_cost == 1.0 && r.best.v[0] == 0 && r.rejected == 1,
          "the wrong candidate: best skip=%d cost %g, %d rejected", r.best.v[0], r.best_cost, r.rejected);
}

int main(void) {
    test_search();
    test_threads_only();
    test_cache_fit();
    test_wrong_candidate();
    test_wisdom();
    return check_report();
}
