/* kn2row_gemm — convolution as r*s matrix multiplies, one per kernel tap:
 * tap (i, j) multiplies its k x c weight matrix W_ij[k][c] = wei[k][c][i][j]
 * by the input pixels that tap sees, one column per output pixel, and adds
 * the product into dst (the first tap writes dst, with the bias):
 *     dst[k][y*ow + x] += W_ij[k][c] · src[c][y*stride_h - pad_t + i*dil_h]
 *                                           [x*stride_w - pad_l + j*dil_w]
 * There is no im2col matrix: the GEMM's B packer gathers each tap's shifted,
 * strided pixels straight into its packed panels, zeros where the tap lands
 * in the padding. The workspace is only the GEMM's packing buffers, the
 * memory this algorithm saves over im2col_gemm; the price is r*s passes
 * over dst and r*s GEMMs of depth c instead of one of depth c*r*s.
 * prepare() packs each tap's weight matrix into the GEMM's A panels (run()
 * needs them). */
#include "conv.h"
#include "gemm.h"

#include <omp.h>
#include <string.h>

/* One tap's weights of one group as a k x c matrix: row stride c*r*s,
 * column stride r*s in the canonical KCRS tensor. */
typedef struct tap_weights {
    const float *first; /* wei[g*kg][0][i][j] */
    ptrdiff_t row_stride, col_stride;
} tap_weights;

static void pack_tap_weights(const void *ctx, int k0, int kc, int x0, int len, int w,
                             float *packed) {
    const tap_weights *t = ctx;
    for (int x = 0; x < len; x += w, packed += (size_t)w * kc)
        for (int p = 0; p < kc; p++)
            for (int lane = 0; lane < w; lane++)
                packed[(size_t)p * w + lane] =
                    x + lane < len ? t->first[(x0 + x + lane) * t->row_stride +
                                              (k0 + p) * t->col_stride]
                                   : 0.0f;
}

static tap_weights weights_of_tap(const gemm_conv_shape *S, const float *wei, int g, int tap) {
    return (tap_weights){.first = wei + (size_t)g * S->kg * S->cg * S->taps + tap,
                         .row_stride = (ptrdiff_t)S->cg * S->taps,
                         .col_stride = S->taps};
}

/* One item's scratch: the GEMM's packing buffers for a team of up to
 * max_threads (the weights are prepacked, so the GEMM packs only B). */
static size_t slot_bytes(const gemm_conv_shape *S, const conv_params *prm, int max_threads) {
    const gemm_blocking blk = gemm_blocking_from_params(prm);
    return gemm_workspace_bytes(gemm_kernel_best(), &blk, S->kg, (int)S->pixels, S->cg,
                                GEMM_PACKS_B, max_threads);
}

static size_t kn2row_workspace(const conv_problem *p, const conv_params *prm) {
    const gemm_conv_shape S = gemm_conv_shape_of(p);
    return gemm_conv_workspace(S.items, slot_bytes(&S, prm, gemm_thread_slots()),
                               slot_bytes(&S, prm, 1));
}

/* Matrix g*taps + tap: tap's weights of group g. */
static int kn2row_prepare(conv_args *a) {
    const conv_problem *p = a->p;
    const gemm_conv_shape S = gemm_conv_shape_of(p);
    gemm_packed_weights *pw = gemm_packed_weights_alloc(S.kg, S.cg, p->groups * S.taps, a->params);
    if (!pw) return -1;
#pragma omp parallel num_threads(a->nthreads)
    for (int i = 0; i < pw->count; i++) {
        const tap_weights w = weights_of_tap(&S, a->wei, i / S.taps, i % S.taps);
        gemm_packed_weights_pack(pw, i, pack_tap_weights, &w, omp_get_thread_num(),
                                 omp_get_num_threads());
    }
    a->state = pw;
    return 0;
}

typedef struct run_ctx {
    const conv_args *a;
    gemm_conv_shape S;
    gemm_blocking blk;
} run_ctx;

/* Image n = item / groups, group g = item % groups: one GEMM per tap into
 * the same dst, each split between the nthr threads calling (see
 * gemm_conv_run) the same way, so each output stays with one thread. */
static void kn2row_item(const void *ctx, int item, void *slot, int tid, int nthr) {
    const run_ctx *rc = ctx;
    const conv_args *a = rc->a;
    const conv_problem *p = a->p;
    const gemm_conv_shape *S = &rc->S;
    const gemm_packed_weights *pw = a->state;
    const int n = item / p->groups, g = item % p->groups;
    const float *src = a->src + ((size_t)n * p->c + (size_t)g * S->cg) * p->h * p->w;
    float *dst = a->dst + ((size_t)n * p->k + (size_t)g * S->kg) * S->pixels;
    for (int i = 0, tap = 0; i < p->r; i++)
        for (int j = 0; j < p->s; j++, tap++) {
            const gemm_tap_pixels pixels = gemm_tap_pixels_of(p, src, i, j);
            const gemm_problem prob = {
                .m = S->kg, .n = (int)S->pixels, .k = S->cg,
                .a = {.prepacked = gemm_packed_weights_matrix(pw, g * S->taps + tap)},
                .b = {.pack = gemm_pack_tap_pixels, .ctx = &pixels},
                .c = dst,
                .ldc = (ptrdiff_t)S->pixels,
                .accumulate = tap > 0, /* the first tap writes dst, with the bias */
                .row_bias = a->bias ? a->bias + g * S->kg : NULL,
            };
            gemm_run_team(pw->kern, &rc->blk, &prob, slot, tid, nthr);
        }
}

static void kn2row_run(const conv_args *a) {
    run_ctx rc = {.a = a, .S = gemm_conv_shape_of(a->p)};
    if (rc.S.pixels == 0) return;
    rc.blk = gemm_packed_weights_blocking(a->state, a->params);
    gemm_conv_run(rc.S.items, slot_bytes(&rc.S, a->params, gemm_thread_slots()),
                  slot_bytes(&rc.S, a->params, 1), a->nthreads, a->ws, kn2row_item, &rc);
}

const conv_impl conv_impl_kn2row_gemm = {
    .name = "kn2row_gemm",
    .summary = "one blocked GEMM per kernel tap, shifted input packed straight into B; no im2col buffer",
    .parallel = true,
    .tol = 2.0,
    .unsupported = gemm_conv_unsupported,
    .workspace_bytes = kn2row_workspace,
    .prepare = kn2row_prepare,
    .run = kn2row_run,
    .release = gemm_packed_weights_free,
    .params = gemm_blocking_params,
    .nparams = GEMM_NPARAMS,
};
