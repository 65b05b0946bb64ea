/* The Winograd implementations (impls/winograd.c): against oneDNN through
 * the harness's validation, against a float64 reference on awkward sizes
 * (not multiples of the tile, 1x1-pixel and tiny images, padding 0, 1, 2 and
 * asymmetric, batch > 1, odd channel counts, several tile blocks), the
 * transforms themselves in double, unsupported problems, and the accuracy
 * gates: relative L2 error against float64 for C <= 512 at most 2e-6 (F2),
 * 1e-5 (F4), 3e-5 (F6), and within 5x (F4) / 10x (F6) of the float32
 * direct convolution's (naive) own error on the same data, at any C (with
 * few input channels F6 and F4 compute in double: wino_geom.dbl).
 *
 *   test_winograd              the tests (ctest)
 *   test_winograd --accuracy   the table of docs/winograd-accuracy.md: every
 *                              3x3 layer of configs/resnet.yaml and
 *                              configs/vgg.yaml and a few odd sizes (minutes) */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "targets.h"
#include "validate.h"

int winograd_matrices(int m, double *at, double *g, double *bt); /* impls/winograd.c */

static const char *const wino_names[] = {"winograd_f2x3", "winograd_f4x3", "winograd_f6x3"};
static const int wino_m[] = {2, 4, 6};
static const double gate_l2[] = {2e-6, 1e-5, 3e-5};
static const double gate_vs_direct[] = {0, 5, 10}; /* 0: no ratio gate for F2 */

static conv_problem problem(int n, int c, int h, int w, int k, int pt, int pl, int pb, int pr,
                            bool bias) {
    conv_problem p = {.n = n, .c = c, .h = h, .w = w, .k = k, .r = 3, .s = 3, .stride_h = 1,
                      .stride_w = 1, .pad_t = pt, .pad_l = pl, .pad_b = pb, .pad_r = pr,
                      .dil_h = 1, .dil_w = 1, .groups = 1, .has_bias = bias};
    return p;
}

/* dst = conv(src, wei) + bias in float64, from float inputs. */
static void reference(const conv_problem *p, const float *src, const float *wei, const float *bias,
                      double *dst) {
    const int oh = conv_out_h(p), ow = conv_out_w(p);
    for (int n = 0; n < p->n; n++)
        for (int k = 0; k < p->k; k++) {
            double *out = dst + ((size_t)n * p->k + k) * oh * ow;
            for (int i = 0; i < oh * ow; i++) out[i] = bias ? bias[k] : 0.0;
            for (int c = 0; c < p->c; c++) {
                const float *in = src + ((size_t)n * p->c + c) * p->h * p->w;
                for (int r = 0; r < 3; r++)
                    for (int s = 0; s < 3; s++) {
                        const double wv = wei[(((size_t)k * p->c + c) * 3 + r) * 3 + s];
                        const int dx = s - p->pad_l;
                        const int x_lo = dx < 0 ? -dx : 0, x_hi = p->w - dx < ow ? p->w - dx : ow;
                        for (int y = 0; y < oh; y++) {
                            const int iy = y + r - p->pad_t;
                            if (iy < 0 || iy >= p->h) continue;
                            const float *row = in + (size_t)iy * p->w + dx;
                            double *o = out + (size_t)y * ow;
                            for (int x = x_lo; x < x_hi; x++) o[x] += wv * row[x];
                        }
                    }
            }
        }
}

typedef struct errs {
    double max_abs, max_rel, rel_l2;
} errs;

/* max |e|; max |e_i| / max(|ref_i|, 1% of max |ref|); ||e||_2 / ||ref||_2. */
static errs errors(const double *ref, const float *got, size_t n) {
    errs e = {0, 0, 0};
    double peak = 0, se = 0, sr = 0;
    for (size_t i = 0; i < n; i++) peak = fmax(peak, fabs(ref[i]));
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)got[i] - ref[i]);
        e.max_abs = fmax(e.max_abs, d);
        e.max_rel = fmax(e.max_rel, d / fmax(fabs(ref[i]), 0.01 * peak));
        se += d * d;
        sr += ref[i] * ref[i];
    }
    e.rel_l2 = sr > 0 ? sqrt(se / sr) : sqrt(se);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(got[i])) e.max_abs = e.max_rel = e.rel_l2 = INFINITY;
    return e;
}

/* The data and the float64 answer for one problem. */
typedef struct case_data {
    conv_problem p;
    float *src, *wei, *bias, *got;
    double *ref;
    size_t nd;
} case_data;

static void case_make(case_data *cd, const conv_problem *p, uint64_t seed) {
    cd->p = *p;
    cd->nd = conv_dst_elems(p);
    cd->src = cb_alloc(conv_src_elems(p) * 4);
    cd->wei = cb_alloc(conv_wei_elems(p) * 4);
    cd->bias = cb_alloc((size_t)p->k * 4);
    cd->got = cb_alloc(cd->nd * 4);
    cd->ref = cb_alloc(cd->nd * 8);
    cb_rng rng = {seed};
    fill_random_data(p, cd->src, cd->wei, cd->bias, &rng);
    reference(p, cd->src, cd->wei, p->has_bias ? cd->bias : NULL, cd->ref);
}

static void case_free(case_data *cd) {
    cb_free(cd->src);
    cb_free(cd->wei);
    cb_free(cd->bias);
    cb_free(cd->got);
    cb_free(cd->ref);
}

/* Runs impl on the case (NaN first, so an unwritten output shows). */
static int case_run(case_data *cd, const conv_impl *im, const conv_params *prm, int nthreads,
                    errs *e) {
    char err[256];
    for (size_t i = 0; i < cd->nd; i++) cd->got[i] = NAN;
    if (conv_execute_once(im, &cd->p, prm, nthreads, cd->src, cd->wei, cd->bias, cd->got, NULL, err,
                          sizeof err)) {
        fprintf(stderr, "%s: %s\n", im->name, err);
        return -1;
    }
    *e = errors(cd->ref, cd->got, cd->nd);
    return 0;
}

/* The transforms in double: A^T [(G g) . (B^T d)] is the correlation of d
 * with g, to rounding in double, for random d and g. */
static void test_matrices(void) {
    for (int v = 0; v < 3; v++) {
        const int m = wino_m[v];
        double at[64], g[24], bt[64], d[8], gg[3];
        const int alpha = winograd_matrices(m, at, g, bt);
        CHECK(alpha == m + 2, "F%d: alpha %d", m, alpha);
        cb_rng rng = {77u + m};
        double worst = 0;
        for (int trial = 0; trial < 100; trial++) {
            for (int i = 0; i < alpha; i++) d[i] = cb_rng_uniform(&rng, -1, 1);
            for (int i = 0; i < 3; i++) gg[i] = cb_rng_uniform(&rng, -1, 1);
            double prod[8];
            for (int j = 0; j < alpha; j++) {
                double u = 0, x = 0;
                for (int k = 0; k < 3; k++) u += g[j * 3 + k] * gg[k];
                for (int l = 0; l < alpha; l++) x += bt[j * alpha + l] * d[l];
                prod[j] = u * x;
            }
            for (int i = 0; i < m; i++) {
                double y = 0, want = 0;
                for (int j = 0; j < alpha; j++) y += at[i * alpha + j] * prod[j];
                for (int k = 0; k < 3; k++) want += d[i + k] * gg[k];
                worst = fmax(worst, fabs(y - want));
            }
        }
        CHECK(worst < 1e-12, "F(%d,3) transforms: error %g in double", m, worst);
    }
    double at[64], g[24], bt[64];
    CHECK(winograd_matrices(3, at, g, bt) < 0, "F(3,3) should be refused");
}

static void test_unsupported(void) {
    conv_problem bad[4];
    for (int i = 0; i < 4; i++) bad[i] = problem(1, 4, 9, 9, 4, 1, 1, 1, 1, false);
    bad[0].stride_h = bad[0].stride_w = 2;
    bad[1].r = bad[1].s = 5;
    bad[2].dil_h = 2;
    bad[3].groups = 2;
    for (int v = 0; v < 3; v++) {
        const conv_impl *im = target_find(wino_names[v]);
        for (int i = 0; i < 4; i++) {
            const char *why = im->unsupported(&bad[i]);
            CHECK(why && why[0], "%s: unsupported case %d accepted", im->name, i);
        }
        conv_problem ok = problem(1, 4, 9, 9, 4, 0, 0, 0, 0, false);
        CHECK(im->unsupported(&ok) == NULL, "%s refuses a plain 3x3", im->name);
    }
    const conv_impl *peer = target_find("onednn_winograd");
    CHECK(peer && peer->unsupported, "onednn_winograd peer missing or without an unsupported hook");
    if (peer && peer->unsupported) {
        const char *why = peer->unsupported(&bad[0]); /* stride 2: no Winograd anywhere */
        CHECK(why && strstr(why, "Winograd"), "onednn_winograd on stride 2: %s", why ? why : "(supported)");
    }
}

/* Odd sizes: against oneDNN (the harness's validation) and float64, at one
 * and two threads (the same bits), default blocks and blocks of 16 tiles. */
static void test_shapes(void) {
    /* n c h w k pt pl pb pr bias */
    static const int shapes[][10] = {
        {1, 3, 1, 1, 4, 1, 1, 1, 1, 0},     /* 1x1-pixel image, padded */
        {2, 2, 1, 1, 3, 1, 1, 1, 1, 1},     /* 1x1 pixels, batch 2, bias */
        {1, 3, 3, 3, 2, 0, 0, 0, 0, 1},     /* tiny, valid: one 1x1 output */
        {1, 5, 2, 3, 3, 1, 1, 1, 1, 0},     /* tiny padded */
        {2, 5, 9, 13, 7, 1, 1, 1, 1, 1},    /* not multiples of 2, 4, 6; batch 2 */
        {1, 17, 7, 5, 3, 2, 2, 2, 2, 1},    /* padding 2 */
        {1, 16, 10, 14, 32, 0, 0, 0, 0, 0}, /* padding 0 */
        {3, 7, 11, 9, 5, 0, 2, 1, 0, 1},    /* asymmetric padding, batch 3 */
        {1, 37, 23, 19, 41, 1, 1, 1, 1, 1}, /* channels not multiples of 8/16, partial tiles */
        {1, 130, 7, 7, 70, 1, 1, 1, 1, 0},  /* accumulation > 1000 */
        {2, 520, 5, 6, 9, 1, 1, 1, 1, 1},   /* C > KC: two depth blocks */
        {1, 8, 40, 37, 12, 1, 1, 1, 1, 1},  /* many tiles: several blocks */
        {1, 4, 9, 70, 5, 1, 1, 1, 1, 1},    /* rows of more than 16 F4 tiles (store_run4) */
        {2, 520, 5, 6, 420, 1, 1, 1, 1, 1}, /* F4's U past half a 32 MiB L3, 8 tiles (F2: 18): weights
                                               transformed on the fly and stored a chunk at a time
                                               (K = 420: a last chunk of 64 output channels with 36,
                                               C > KC) */
        {1, 520, 3, 3, 520, 1, 1, 1, 1, 0}, /* on the fly, at most 4 tiles (F4 1, F2 4; F2's U 17 MB):
                                               U made column by column, never stored (otf_column);
                                               K = 520: a last vector of 8 channels */
        {1, 520, 12, 4, 230, 1, 1, 1, 1, 1}, /* the same, F4 on 3 tiles */
    };
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const int *s = shapes[si];
        const conv_problem p = problem(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]);
        case_data cd;
        case_make(&cd, &p, 1000 + si);
        for (int v = 0; v < 3; v++) {
            const conv_impl *im = target_find(wino_names[v]);
            CHECK(im->approximate, "%s not marked approximate", im->name);
            conv_params prm;
            conv_default_params(im, &prm);
            validation val;
            validate_impl(im, &p, &prm, 1, &val);
            CHECK(val.status == VALID_OK, "%s on shape %zu vs oneDNN: %s", im->name, si, val.detail);
            CHECK(!val.exact_pass, "%s: exact pass ran for an approximate implementation", im->name);
            const double bound = im->tol * FLT_EPSILON * conv_accum_len(&p);
            float *first = cb_alloc(cd.nd * 4);
            for (int variant = 0; variant < 3; variant++) {
                conv_params q = prm;
                int thr = 1;
                if (variant == 1) thr = 2;
                if (variant == 2) q.v[0] = 16; /* blocks of 16 tiles */
                errs e;
                if (case_run(&cd, im, &q, thr, &e)) {
                    CHECK(0, "%s failed to run on shape %zu", im->name, si);
                    continue;
                }
                CHECK(e.max_abs <= bound, "%s on shape %zu (variant %d): max abs %g > bound %g",
                      im->name, si, variant, e.max_abs, bound);
                CHECK(e.rel_l2 <= gate_l2[v], "%s on shape %zu (variant %d): rel L2 %g > %g",
                      im->name, si, variant, e.rel_l2, gate_l2[v]);
                if (variant == 0) memcpy(first, cd.got, cd.nd * 4);
                if (variant == 1)
                    CHECK(!memcmp(first, cd.got, cd.nd * 4), "%s on shape %zu: 2 threads differ from 1",
                          im->name, si);
            }
            cb_free(first);
        }
        case_free(&cd);
    }
}

/* Blocks of 16 tiles on teams of 2, 3 and 7 threads (more than this
 * machine's cores, so the threads interleave), several times over: every
 * run the same bits as one thread. The phases of consecutive blocks share
 * V and M, so a missing barrier shows here as a difference now and then.
 * C = 5 takes the fused product on AVX-512 (its output phase reads V; its
 * blocks are 8 x tile_block = 128 tiles, so its image is larger: F2 10
 * blocks, F4 3, F6 2), C = 24 the GEMMs. */
static void test_blocks_on_teams(void) {
    static const int channels[] = {5, 24};
    static const int teams[] = {2, 3, 7};
    for (size_t ci = 0; ci < sizeof channels / sizeof channels[0]; ci++) {
        const int side = channels[ci] <= 8 ? 70 : 30;
        const conv_problem p = problem(1, channels[ci], side, side - 1, 20, 1, 1, 1, 1, 1);
        case_data cd;
        case_make(&cd, &p, 77 + ci);
        float *first = cb_alloc(cd.nd * 4);
        for (int v = 0; v < 3; v++) {
            const conv_impl *im = target_find(wino_names[v]);
            conv_params prm;
            conv_default_params(im, &prm);
            prm.v[0] = 16;
            errs e;
            CHECK(!case_run(&cd, im, &prm, 1, &e), "%s failed to run", im->name);
            memcpy(first, cd.got, cd.nd * 4);
            int differ = 0;
            for (int rep = 0; rep < 5; rep++)
                for (size_t t = 0; t < sizeof teams / sizeof teams[0]; t++) {
                    CHECK(!case_run(&cd, im, &prm, teams[t], &e), "%s failed to run", im->name);
                    differ += memcmp(first, cd.got, cd.nd * 4) != 0;
                }
            CHECK(!differ, "%s, C = %d, blocks of 16 tiles: %d of 15 runs on 2, 3, 7 threads differ from 1",
                  im->name, channels[ci], differ);
        }
        cb_free(first);
        case_free(&cd);
    }
}

/* Accuracy of the three and of naive on one layer; 0 if it ran. */
typedef struct layer_acc {
    errs wino[3], naive;
} layer_acc;

static int measure(const conv_problem *p, uint64_t seed, layer_acc *acc, int nthreads) {
    case_data cd;
    case_make(&cd, p, seed);
    int rc = 0;
    const conv_impl *naive = target_find("naive");
    conv_params prm;
    conv_default_params(naive, &prm);
    rc |= case_run(&cd, naive, &prm, 1, &acc->naive);
    for (int v = 0; v < 3; v++) {
        const conv_impl *im = target_find(wino_names[v]);
        conv_default_params(im, &prm);
        rc |= case_run(&cd, im, &prm, nthreads, &acc->wino[v]);
    }
    case_free(&cd);
    return rc;
}

static void check_gates(const char *name, const conv_problem *p, const layer_acc *acc) {
    for (int v = 0; v < 3; v++) {
        const conv_impl *im = target_find(wino_names[v]);
        const double bound = im->tol * FLT_EPSILON * conv_accum_len(p);
        CHECK(acc->wino[v].rel_l2 <= gate_l2[v], "%s on %s: rel L2 %.3g > gate %.3g", im->name, name,
              acc->wino[v].rel_l2, gate_l2[v]);
        /* At every C: with few input channels the direct sum's own error is
         * tiny, and F6 (C <= 8) and F4 (C <= 2) compute in double there
         * (in float F6 was 13-14x naive's at C = 3 and 5, F4 5x at C = 1;
         * docs/winograd-accuracy.md). */
        if (gate_vs_direct[v] > 0)
            CHECK(acc->wino[v].rel_l2 <= gate_vs_direct[v] * acc->naive.rel_l2,
                  "%s on %s: rel L2 %.3g > %gx naive's %.3g", im->name, name, acc->wino[v].rel_l2,
                  gate_vs_direct[v], acc->naive.rel_l2);
        CHECK(acc->wino[v].max_abs <= bound, "%s on %s: max abs %.3g > tol bound %.3g", im->name, name,
              acc->wino[v].max_abs, bound);
    }
}

/* The layers (from configs/resnet.yaml and configs/vgg.yaml: their 3x3
 * ones) and odd sizes the table covers; `gate` marks the ones ctest runs. */
typedef struct layer {
    const char *name;
    int n, c, hw, k;
    bool gate;
} layer;
static const layer layers[] = {
    {"resnet res2a_branch2b", 1, 64, 56, 64, true},
    {"resnet res3a_branch2b", 1, 128, 28, 128, true},
    {"resnet res4a_branch2b", 1, 256, 14, 256, true},
    {"resnet res5a_branch2b", 1, 512, 7, 512, true},
    {"vgg conv1_1", 1, 3, 224, 64, false},
    {"vgg conv1_2", 1, 64, 224, 64, false},
    {"vgg conv2_1", 1, 64, 112, 128, false},
    {"vgg conv2_2", 1, 128, 112, 128, false},
    {"vgg conv3_1", 1, 128, 56, 256, false},
    {"vgg conv3_2", 1, 256, 56, 256, false},
    {"vgg conv4_1", 1, 256, 28, 512, false},
    {"vgg conv4_2", 1, 512, 28, 512, false},
    {"vgg conv5_1", 1, 512, 14, 512, true},
    {"odd 2x37x23x23 -> 41", 2, 37, 23, 41, true},
    {"odd 1x130x9x9 -> 70", 1, 130, 9, 70, true},
    {"odd 1x5x13x13 -> 7", 1, 5, 13, 7, true},
    {"odd 2x1x30x30 -> 9", 2, 1, 30, 9, true},
};

static void accuracy(bool table, bool all) {
    if (table) {
        printf("| layer | C | naive rel L2 | F2 max abs | F2 max rel | F2 rel L2 | F4 max abs | F4 max rel | "
               "F4 rel L2 | F6 max abs | F6 max rel | F6 rel L2 | F4/naive | F6/naive |\n");
        printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    }
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        const layer *L = &layers[i];
        if (!all && !L->gate) continue;
        const conv_problem p = problem(L->n, L->c, L->hw, L->hw, L->k, 1, 1, 1, 1, true);
        layer_acc acc;
        if (measure(&p, 0xACC0u + i, &acc, 2)) {
            CHECK(0, "%s: a run failed", L->name);
            continue;
        }
        if (table) {
            printf("| %s | %d | %.2e |", L->name, L->c, acc.naive.rel_l2);
            for (int v = 0; v < 3; v++)
                printf(" %.2e | %.2e | %.2e |", acc.wino[v].max_abs, acc.wino[v].max_rel, acc.wino[v].rel_l2);
            printf(" %.1f | %.1f |\n", acc.wino[1].rel_l2 / acc.naive.rel_l2,
                   acc.wino[2].rel_l2 / acc.naive.rel_l2);
            /* max |err| / (FLT_EPSILON * 9C): what .tol must cover */
            fprintf(stderr, "%-24s tol needed: F2 %.2f F4 %.2f F6 %.2f (naive max abs %.2e)\n", L->name,
                    acc.wino[0].max_abs / (FLT_EPSILON * conv_accum_len(&p)),
                    acc.wino[1].max_abs / (FLT_EPSILON * conv_accum_len(&p)),
                    acc.wino[2].max_abs / (FLT_EPSILON * conv_accum_len(&p)), acc.naive.max_abs);
            fflush(stdout);
        }
        if (L->c <= 512) check_gates(L->name, &p, &acc);
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--accuracy")) {
        accuracy(true, !(argc > 2 && !strcmp(argv[2], "--quick")));
        return check_report();
    }
    test_matrices();
    test_unsupported();
    test_shapes();
    test_blocks_on_teams();
    accuracy(false, false);
    return check_report();
}
