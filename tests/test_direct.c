/* The direct SIMD kernels (impls/direct_simd.c, one per ISA this CPU runs)
 * against naive over the cases their blocking makes delicate: partial
 * channel blocks, widths around the register block, padding on each side
 * alone, strides 2 and 3, dilation, batch, bias, 1x1 (the flattened GEMM
 * path, strided and padded too; unpadded, with pixel blocks of 8 or more,
 * reading the NCHW input in place), 7x7 stride 2 on 3
 * channels, groups, and the channel-wise path for groups narrower than half
 * a vector (depthwise, multipliers, a few channels per group; which cases
 * take it depends on the vector width); each under every (ow_block,
 * k_blocks) pair the kernel table allows and a few c_tile values. Two data
 * sets per case:
 *   small integers: every partial sum exact in f32, so results must equal
 *                   naive's bit for bit whatever the summation order;
 *   reals in [-1, 1]: max |err| <= tol * FLT_EPSILON * accumulation length.
 * Then every kernel instantiation (k_blocks x width) once on a problem whose
 * rows are exactly that wide, and each default against oneDNN.
 * Threads: every case at 2, 3, 5 and 7 threads must give 1 thread's bits, under
 * parameters that make several channel passes, uneven k-groups (a narrower
 * last one) and narrow or wide pixel blocks, so thread shares start and end
 * mid k-group, mid row and mid flat row; plus larger layers where shares
 * cut through k-groups of many rows. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conv.h"
#include "util.h"
#include "validate.h"

extern const conv_impl conv_impl_naive;

/* n c h w k r s  sh sw  pt pl pb pr  dh dw  g bias */
static const int cases[][17] = {
    {1, 3, 9, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},       /* C=3, K=5: partial blocks */
    {1, 17, 8, 11, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},    /* one past a block, bias */
    {1, 40, 6, 7, 36, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},     /* several blocks, partial last */
    {1, 8, 3, 3, 16, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},      /* one output pixel */
    {1, 16, 3, 7, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},     /* width 5 */
    {1, 16, 3, 15, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},    /* width 13 */
    {1, 16, 3, 16, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},    /* width 14 */
    {1, 16, 3, 17, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},    /* width 15 */
    {1, 16, 4, 30, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},    /* width 28 */
    {1, 16, 4, 31, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},    /* width 29 */
    {1, 20, 3, 61, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},    /* width 61 */
    {1, 9, 7, 8, 10, 3, 3, 1, 1, 2, 0, 0, 0, 1, 1, 1, 0},      /* pad top only */
    {1, 9, 7, 8, 10, 3, 3, 1, 1, 0, 2, 0, 0, 1, 1, 1, 0},      /* pad left only */
    {1, 9, 7, 8, 10, 3, 3, 1, 1, 0, 0, 2, 0, 1, 1, 1, 0},      /* pad bottom only */
    {1, 9, 7, 8, 10, 3, 3, 1, 1, 0, 0, 0, 2, 1, 1, 1, 0},      /* pad right only */
    {1, 12, 11, 13, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0},   /* stride 2 */
    {1, 12, 13, 14, 20, 3, 3, 3, 3, 1, 1, 0, 2, 1, 1, 1, 1},   /* stride 3, asymmetric pad */
    {1, 7, 10, 19, 9, 2, 4, 3, 2, 0, 1, 2, 0, 1, 1, 1, 0},     /* strides 3x2, 2x4 kernel */
    {1, 10, 12, 12, 12, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0},   /* dilation 2 */
    {1, 10, 13, 12, 12, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0},   /* dilation 2, stride 2: one phase */
    {1, 6, 14, 13, 7, 3, 2, 2, 3, 1, 0, 3, 2, 3, 2, 1, 0},     /* dilation 3x2, strides 2x3 */
    {2, 11, 6, 9, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},     /* batch 2, bias */
    {1, 35, 9, 9, 50, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},     /* 1x1: one long row */
    {2, 20, 7, 6, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},     /* 1x1 batch 2 */
    {1, 24, 13, 11, 40, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, 0},   /* 1x1 stride 2: subsampled */
    {1, 20, 5, 37, 24, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, 0},    /* 1x1 stride 2, odd rows of vectors */
    {1, 12, 6, 40, 16, 1, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1},    /* the same, odd left pad, bias */
    {2, 40, 5, 6, 56, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2, 1},     /* 1x1 groups 2, batch 2: NCHW in place */
    {1, 9, 7, 19, 12, 1, 1, 2, 1, 0, 0, 0, 0, 1, 1, 1, 0},     /* 1x1 strides 2x1 */
    {2, 18, 6, 21, 10, 1, 1, 1, 2, 0, 0, 0, 0, 1, 1, 1, 1},    /* 1x1 strides 1x2, batch 2, bias */
    {1, 16, 6, 7, 16, 1, 1, 1, 1, 1, 2, 0, 1, 1, 1, 1, 1},     /* 1x1 padded: bias-only border */
    {1, 5, 8, 12, 6, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0},      /* 3x1: rows still contiguous */
    {1, 3, 23, 22, 20, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1},    /* 7x7 stride 2, C=3 (conv1) */
    {1, 3, 40, 40, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, 0},    /* conv1 with a full K block */
    {1, 64, 5, 5, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},     /* whole blocks everywhere */
    {2, 48, 6, 6, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1},     /* groups 2 */
    {1, 12, 7, 9, 18, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 3, 0},     /* groups 3: 4 in, 6 out */
    {1, 12, 6, 10, 36, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 4, 1},    /* groups 4: 3 in, 9 out */
    {1, 20, 8, 8, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 20, 1},    /* depthwise: channel-wise path */
    {2, 35, 11, 13, 35, 3, 3, 2, 2, 1, 0, 1, 2, 1, 1, 35, 0},  /* depthwise stride 2, asym pad, batch */
    {1, 24, 9, 10, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 24, 1},   /* depthwise multiplier 2 */
    {1, 14, 8, 9, 21, 3, 2, 1, 2, 1, 1, 1, 0, 2, 1, 7, 0},     /* groups 7: 2 in, 3 out, dilated */
    {1, 32, 6, 7, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 32, 1},    /* depthwise 1x1: flat, identity input */
    {1, 17, 5, 3, 17, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 17, 0},    /* depthwise 5x5, rows narrower than VW */
    {1, 5, 4, 6, 3, 6, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},       /* kernel as large as padded input */
};

static conv_problem make(const int *v) {
    return (conv_problem){.n = v[0], .c = v[1], .h = v[2], .w = v[3], .k = v[4], .r = v[5],
                          .s = v[6], .stride_h = v[7], .stride_w = v[8], .pad_t = v[9],
                          .pad_l = v[10], .pad_b = v[11], .pad_r = v[12], .dil_h = v[13],
                          .dil_w = v[14], .groups = v[15], .has_bias = v[16]};
}

static void describe(const conv_problem *p, char *out, size_t len) {
    snprintf(out, len, "n%d c%d %dx%d k%d %dx%d s%dx%d p%d,%d,%d,%d d%dx%d g%d%s", p->n, p->c,
             p->h, p->w, p->k, p->r, p->s, p->stride_h, p->stride_w, p->pad_t, p->pad_l,
             p->pad_b, p->pad_r, p->dil_h, p->dil_w, p->groups, p->has_bias ? " bias" : "");
}

/* A problem's data and naive's answers for both data sets. */
typedef struct fixture {
    const conv_problem *p;
    float *src[2], *wei[2], *bias[2], *want[2], *got;
} fixture;

static void fixture_init(fixture *f, const conv_problem *p) {
    memset(f, 0, sizeof *f);
    f->p = p;
    cb_rng rng = {0xD1EC7u + (uint64_t)conv_accum_len(p) * 131 + conv_dst_elems(p)};
    const size_t ns = conv_src_elems(p), nw = conv_wei_elems(p), nd = conv_dst_elems(p);
    for (int d = 0; d < 2; d++) {
        f->src[d] = cb_alloc(ns * 4);
        f->wei[d] = cb_alloc(nw * 4);
        f->bias[d] = cb_alloc((size_t)p->k * 4);
        f->want[d] = cb_alloc(nd * 4);
        float *bufs[3] = {f->src[d], f->wei[d], f->bias[d]};
        size_t counts[3] = {ns, nw, (size_t)p->k};
        for (int b = 0; b < 3; b++)
            for (size_t i = 0; i < counts[b]; i++)
                bufs[b][i] = d == 0 ? (float)cb_rng_int(&rng, -3, 3) : cb_rng_uniform(&rng, -1, 1);
        conv_params none = {{0}};
        conv_args a = {.p = p, .params = &none, .src = f->src[d], .wei = f->wei[d],
                       .bias = p->has_bias ? f->bias[d] : NULL, .dst = f->want[d], .nthreads = 1};
        conv_impl_naive.run(&a);
    }
    f->got = cb_alloc(nd * 4);
}

static void fixture_free(fixture *f) {
    for (int d = 0; d < 2; d++) {
        cb_free(f->src[d]);
        cb_free(f->wei[d]);
        cb_free(f->bias[d]);
        cb_free(f->want[d]);
    }
    cb_free(f->got);
}

/* impl with prm on both data sets; true when both match. */
static bool check_params(const conv_impl *im, fixture *f, const conv_params *prm) {
    const conv_problem *p = f->p;
    const size_t nd = conv_dst_elems(p);
    char err[256], shape[160], params[96] = "";
    for (int i = 0; i < im->nparams; i++)
        snprintf(params + strlen(params), sizeof params - strlen(params), "%s%s=%d", i ? " " : "",
                 im->params[i].name, prm->v[i]);
    describe(p, shape, sizeof shape);
    for (int d = 0; d < 2; d++) {
        for (size_t i = 0; i < nd; i++) f->got[i] = NAN;
        int rc = conv_execute_once(im, p, prm, 1, f->src[d], f->wei[d], f->bias[d], f->got, NULL,
                                   err, sizeof err);
        CHECK(rc == 0, "%s on %s (%s): %s", im->name, shape, params, err);
        if (rc) return false;
        const double bound = d == 0 ? -1 : im->tol * FLT_EPSILON * conv_accum_len(p);
        char detail[256] = "";
        size_t bad = compare_outputs(p, f->want[d], f->got, bound, NULL, NULL, detail, sizeof detail);
        CHECK(bad == 0, "%s on %s (%s), %s data: %zu wrong; first %s", im->name, shape, params,
              d == 0 ? "integer" : "random", bad, detail);
        if (bad) return false;
    }
    return true;
}

enum { P_OW_BLOCK, P_K_BLOCKS, P_C_TILE, P_SPLIT };

/* impl with prm at 2, 3, 5 and 7 threads gives 1 thread's bits (random data),
 * and 1 thread matches naive within the tolerance. */
static bool check_threads(const conv_impl *im, fixture *f, const conv_params *prm) {
    static const int counts[] = {2, 3, 5, 7};
    const conv_problem *p = f->p;
    const size_t nd = conv_dst_elems(p);
    char err[256], shape[160];
    describe(p, shape, sizeof shape);
    float *one = cb_alloc(nd * 4);
    bool ok = true;
    for (size_t i = 0; i < nd; i++) one[i] = NAN;
    int rc = conv_execute_once(im, p, prm, 1, f->src[1], f->wei[1], f->bias[1], one, NULL, err,
                               sizeof err);
    CHECK(rc == 0, "%s on %s: %s", im->name, shape, err);
    char detail[256] = "";
    size_t bad = rc ? nd : compare_outputs(p, f->want[1], one, im->tol * FLT_EPSILON *
                                           conv_accum_len(p), NULL, NULL, detail, sizeof detail);
    CHECK(bad == 0, "%s on %s (%d %d %d), 1 thread: %zu wrong; first %s", im->name, shape,
          prm->v[0], prm->v[1], prm->v[2], bad, detail);
    ok = rc == 0 && bad == 0;
    for (size_t t = 0; t < sizeof counts / sizeof counts[0] && ok; t++) {
        for (size_t i = 0; i < nd; i++) f->got[i] = NAN;
        rc = conv_execute_once(im, p, prm, counts[t], f->src[1], f->wei[1], f->bias[1], f->got,
                               NULL, err, sizeof err);
        CHECK(rc == 0, "%s on %s: %s", im->name, shape, err);
        ok = rc == 0 && !memcmp(one, f->got, nd * 4);
        CHECK(ok, "%s on %s (ow_block %d k_blocks %d c_tile %d split %d): %d threads differ from 1",
              im->name, shape, prm->v[P_OW_BLOCK], prm->v[P_K_BLOCKS], prm->v[P_C_TILE],
              prm->v[P_SPLIT], counts[t]);
    }
    cb_free(one);
    return ok;
}

/* Larger layers for the thread shares: many rows and k-groups, several
 * passes under c_tile 1, batch, groups, the flat 1x1 path, strided input. */
static const int thread_cases[][17] = {
    {1, 40, 30, 30, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* 30 rows, K = 4.5 vectors */
    {2, 33, 20, 21, 48, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},   /* flat 1x1, 420 pixels, batch */
    {1, 64, 7, 7, 200, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},    /* res5-like: many k-groups */
    {1, 48, 29, 27, 64, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, 0},   /* 1x1 stride 2 */
    {3, 24, 17, 19, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1},   /* stride 2, groups 2, batch 3 */
    {1, 40, 30, 30, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 40, 1},  /* depthwise, 30 rows */
    {2, 48, 15, 15, 96, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 48, 0},  /* depthwise x2, stride 2 */
};

/* The largest ow_block the kernel table has for k_blocks: the ow_block
 * above which the kernel clamps (found by asking it: a clamped ow_block
 * runs the same kernels as the largest valid one). Declared per ISA in
 * direct_simd.c; mirrored here from the vector registers. */
static int owb_limit(const conv_impl *im, int kb) {
    const bool wide = !strcmp(im->name, "direct_avx512") || !strcmp(im->name, "direct_neon");
    static const int regs32[] = {0, 28, 14, 9, 6}, regs16[] = {0, 14, 6, 4, 2};
    return wide ? regs32[kb] : regs16[kb];
}

static int vector_width(const conv_impl *im) {
    return !strcmp(im->name, "direct_avx512") ? 16 : !strcmp(im->name, "direct_avx2") ? 8 : 4;
}

int main(void) {
    const char *names[] = {"direct_avx512", "direct_avx2", "direct_neon"};
    int tested = 0;
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        const conv_impl *im = conv_find_impl(names[n]);
        if (!im) continue; /* not built for this architecture */
        const char *why = conv_impl_unavailable(im);
        if (why) {
            printf("%s: skipped (%s)\n", im->name, why);
            continue;
        }
        tested++;
        CHECK(im->nparams == 4 && !strcmp(im->params[P_OW_BLOCK].name, "ow_block") &&
                  !strcmp(im->params[P_K_BLOCKS].name, "k_blocks") &&
                  !strcmp(im->params[P_C_TILE].name, "c_tile") &&
                  !strcmp(im->params[P_SPLIT].name, "split") && im->params[P_SPLIT].threads_only,
              "%s: parameters are not (ow_block, k_blocks, c_tile, split)", im->name);
        CHECK(im->params[P_OW_BLOCK].max == owb_limit(im, 1), "%s: ow_block max %d, table says %d",
              im->name, im->params[P_OW_BLOCK].max, owb_limit(im, 1));
        conv_params def;
        conv_default_params(im, &def);
        int runs = 0, failed_cases = 0, skipped = 0;

        /* Every case under every (ow_block, k_blocks) pair and c_tile 1, 2, default. */
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            conv_problem p = make(cases[c]);
            const char *why = im->unsupported ? im->unsupported(&p) : NULL;
            CHECK(!why || p.groups > 1, "%s: case %zu unsupported (%s)", im->name, c, why);
            if (why) {
                skipped++;
                continue;
            }
            fixture f;
            fixture_init(&f, &p);
            bool ok = true;
            for (int kb = 1; kb <= im->params[P_K_BLOCKS].max && ok; kb++)
                for (int owb = 1; owb <= owb_limit(im, kb) + 1 && ok; owb++) /* +1: clamped */
                    for (int ct = 0; ct < 3 && ok; ct++) {
                        conv_params prm = def;
                        prm.v[P_OW_BLOCK] = owb;
                        prm.v[P_K_BLOCKS] = kb;
                        prm.v[P_C_TILE] = ct == 0 ? def.v[P_C_TILE] : ct;
                        ok = check_params(im, &f, &prm);
                        runs++;
                    }
            failed_cases += !ok;
            /* And once against oneDNN with the defaults, as the harness validates. */
            validation v;
            validate_impl(im, &p, &def, 1, &v);
            char shape[160];
            describe(&p, shape, sizeof shape);
            CHECK(v.status == VALID_OK && v.exact_pass, "%s on %s vs oneDNN: %s", im->name, shape,
                  v.detail);
            fixture_free(&f);
        }

        /* Every kernel instantiation on rows exactly its width: k_blocks
         * vectors of output channels (the last partial), ow_block pixels. */
        const int vw = vector_width(im);
        for (int kb = 1; kb <= im->params[P_K_BLOCKS].max; kb++)
            for (int owb = 1; owb <= owb_limit(im, kb); owb++) {
                conv_problem p = {.n = 1, .c = vw + 3, .h = 4, .w = owb + 2, .k = kb * vw - 3,
                                  .r = 3, .s = 3, .stride_h = 1, .stride_w = 1, .pad_t = 1,
                                  .pad_b = 1, .dil_h = 1, .dil_w = 1, .groups = 1, .has_bias = true};
                fixture f;
                fixture_init(&f, &p);
                conv_params prm = def;
                prm.v[P_OW_BLOCK] = owb;
                prm.v[P_K_BLOCKS] = kb;
                check_params(im, &f, &prm);
                runs++;
                fixture_free(&f);
            }
        /* Threads: every case and the larger ones, under parameter sets that
         * give several passes, uneven k-groups, narrow and wide blocks. */
        int thread_runs = 0, thread_failed = 0;
        const size_t ncases = sizeof cases / sizeof cases[0];
        const size_t nthread_cases = sizeof thread_cases / sizeof thread_cases[0];
        for (size_t c = 0; c < ncases + nthread_cases; c++) {
            conv_problem p = make(c < ncases ? cases[c] : thread_cases[c - ncases]);
            if (im->unsupported && im->unsupported(&p)) continue;
            fixture f;
            fixture_init(&f, &p);
            /* ow_block, k_blocks, c_tile, split (0: the model's, 1: by pixels, 2: by channels) */
            const int sets[][4] = {{def.v[P_OW_BLOCK], def.v[P_K_BLOCKS], def.v[P_C_TILE], 0},
                                   {def.v[P_OW_BLOCK], def.v[P_K_BLOCKS], def.v[P_C_TILE], 1},
                                   {def.v[P_OW_BLOCK], def.v[P_K_BLOCKS], def.v[P_C_TILE], 2},
                                   {3, 3, 1, 0},
                                   {owb_limit(im, 1), 1, 2, 2},
                                   {owb_limit(im, 4), 4, 1, 1}};
            bool ok = true;
            for (size_t s = 0; s < sizeof sets / sizeof sets[0] && ok; s++) {
                conv_params prm = def;
                prm.v[P_OW_BLOCK] = sets[s][0];
                prm.v[P_K_BLOCKS] = sets[s][1];
                prm.v[P_C_TILE] = sets[s][2];
                prm.v[P_SPLIT] = sets[s][3];
                ok = check_threads(im, &f, &prm);
                thread_runs++;
            }
            thread_failed += !ok;
            fixture_free(&f);
        }
        printf("%s: %zu cases (%d unsupported), %d runs, %d cases failed; threads: %d runs, "
               "%d cases failed\n", im->name, ncases, skipped, runs, failed_cases, thread_runs,
               thread_failed);
    }
    if (!tested) printf("no direct kernel runs on this CPU: nothing to test\n");
    return check_report();
}
