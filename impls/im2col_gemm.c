/* im2col_gemm — convolution as one matrix multiply per image and group:
 * unfold the input into the im2col matrix col[c*r*s][oh*ow] (every kernel
 * tap's view of the input, zeros where it lands in the padding), then
 *     dst[k][oh*ow] = W[k][c*r*s] · col[c*r*s][oh*ow] (+ bias[k])
 * with the project's blocked GEMM (gemm.h). The col matrix lives in the
 * workspace: r*s times the input's size, the memory this algorithm costs.
 * It is unfolded straight into the GEMM's packed panels (gemm.h's packed
 * form, as if prepacked), so the GEMM reads it as it stands instead of
 * copying it once more into packing buffers. A 1x1, stride-1, unpadded
 * convolution needs no unfolding: the input planes already are the matrix,
 * packed by the GEMM as it goes. prepare() packs the weights into the
 * GEMM's A panels once (run() needs them).
 *
 * Threads (gemm_conv_run): images and groups whole while there are enough
 * of them; within one, the team unfolds col together, each thread the
 * pixels it will then multiply when the GEMM splits pixels, and the GEMM
 * splits C (gemm_run_team). */
#include "conv.h"
#include "gemm.h"

#include <omp.h>

typedef struct geometry {
    gemm_conv_shape S;
    int depth;       /* cg*r*s: the GEMM's k, one output's dot-product length */
    bool pointwise;  /* the input planes are col as they stand */
} geometry;

static geometry make_geometry(const conv_problem *p) {
    geometry G;
    G.S = gemm_conv_shape_of(p);
    G.depth = G.S.cg * G.S.taps;
    G.pointwise = p->r == 1 && p->s == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                  p->pad_t == 0 && p->pad_l == 0 && p->pad_b == 0 && p->pad_r == 0;
    return G;
}

/* One item's scratch: the packed col matrix, or for a pointwise problem
 * the GEMM's buffers to pack the input planes in, for a team of up to
 * max_threads (the weights are prepacked, so it packs only B). */
static size_t slot_bytes(const geometry *G, const conv_params *prm, int max_threads) {
    const gemm_kernel *kern = gemm_kernel_best();
    const gemm_blocking blk = gemm_blocking_from_params(prm);
    if (!G->pointwise)
        return gemm_round64(gemm_prepacked_floats((int)G->S.pixels, G->depth, kern->nr) * sizeof(float));
    return gemm_workspace_bytes(kern, &blk, G->S.kg, (int)G->S.pixels, G->depth, GEMM_PACKS_B,
                                max_threads);
}

static size_t im2col_workspace(const conv_problem *p, const conv_params *prm) {
    const geometry G = make_geometry(p);
    return gemm_conv_workspace(G.S.items, slot_bytes(&G, prm, gemm_thread_slots()),
                               slot_bytes(&G, prm, 1));
}

/* One KCRS group of weights is the row-major kg x cg*r*s matrix A. */
static int im2col_prepare(conv_args *a) {
    const conv_problem *p = a->p;
    const geometry G = make_geometry(p);
    gemm_packed_weights *pw = gemm_packed_weights_alloc(G.S.kg, G.depth, p->groups, a->params);
    if (!pw) return -1;
#pragma omp parallel num_threads(a->nthreads)
    for (int g = 0; g < p->groups; g++) {
        const gemm_matrix w = {a->wei + (size_t)g * G.S.kg * G.depth, G.depth};
        gemm_packed_weights_pack(pw, g, gemm_pack_a_rowmajor, &w, omp_get_thread_num(),
                                 omp_get_num_threads());
    }
    a->state = pw;
    return 0;
}

typedef struct run_ctx {
    const conv_args *a;
    geometry G;
    gemm_blocking blk;
} run_ctx;

/* Image n = item / groups, group g = item % groups: unfold, then multiply,
 * both split between the nthr threads calling (see gemm_conv_run). */
static void im2col_item(const void *ctx, int item, void *slot, int tid, int nthr) {
    const run_ctx *rc = ctx;
    const conv_args *a = rc->a;
    const conv_problem *p = a->p;
    const geometry *G = &rc->G;
    const gemm_packed_weights *pw = a->state;
    const int n = item / p->groups, g = item % p->groups;
    const float *src = a->src + ((size_t)n * p->c + (size_t)g * G->S.cg) * p->h * p->w;
    const gemm_matrix planes = {src, (ptrdiff_t)G->S.pixels};
    gemm_problem prob = {
        .m = G->S.kg, .n = (int)G->S.pixels, .k = G->depth,
        .a = {.prepacked = gemm_packed_weights_matrix(pw, g)},
        .b = {.pack = gemm_pack_b_rowmajor, .ctx = &planes},
        .c = a->dst + ((size_t)n * p->k + (size_t)g * G->S.kg) * G->S.pixels,
        .ldc = (ptrdiff_t)G->S.pixels,
        .row_bias = a->bias ? a->bias + g * G->S.kg : NULL,
    };
    if (!G->pointwise) {
        /* Everyone is done with the last item's col, then unfolds its
         * share; the second barrier makes col whole for everyone. */
        if (nthr > 1) {
#pragma omp barrier
        }
        gemm_im2col_packed(p, src, rc->blk.kc, rc->blk.nc, pw->kern->nr, slot, tid, nthr);
        if (nthr > 1) {
#pragma omp barrier
        }
        prob.b = (gemm_operand){.prepacked = slot};
    }
    gemm_run_team(pw->kern, &rc->blk, &prob, slot, tid, nthr);
}

static void im2col_run(const conv_args *a) {
    run_ctx rc = {.a = a, .G = make_geometry(a->p)};
    if (rc.G.S.pixels == 0) return;
    rc.blk = gemm_packed_weights_blocking(a->state, a->params);
    gemm_conv_run(rc.G.S.items, slot_bytes(&rc.G, a->params, gemm_thread_slots()),
                  slot_bytes(&rc.G, a->params, 1), a->nthreads, a->ws, im2col_item, &rc);
}

const conv_impl conv_impl_im2col_gemm = {
    .name = "im2col_gemm",
    .summary = "im2col into the workspace, then one blocked GEMM per image and group",
    .parallel = true,
    .tol = 2.0,
    .unsupported = gemm_conv_unsupported,
    .workspace_bytes = im2col_workspace,
    .prepare = im2col_prepare,
    .run = im2col_run,
    .release = gemm_packed_weights_free,
    .params = gemm_blocking_params,
    .nparams = GEMM_NPARAMS,
};
