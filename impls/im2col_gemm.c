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
    return gemm_conv_workspace(p, slot_bytes(&G, prm, gemm_thread_slots()), slot_bytes(&G, prm, 1));
}

/* One KCRS group of weights is the row-major kg x cg*r*s matrix A. */
static int im2col_prepare(conv_args *a) {
    const geometry G = make_geometry(a->p);
    return gemm_conv_prepare_weights(a, 1, G.depth, 1);
}

/* One image and group: unfold, then multiply, both split between the
 * threads of the team doing it (see gemm_conv_run). */
static void im2col_item(const gemm_conv_item *it, const void *ctx) {
    const conv_problem *p = it->a->p;
    const geometry *G = ctx;
    const gemm_matrix planes = {it->src, (ptrdiff_t)G->S.pixels};
    gemm_problem prob = {
        .m = G->S.kg, .n = (int)G->S.pixels, .k = G->depth,
        .a = {.prepacked = gemm_packed_weights_matrix(it->pw, it->g)},
        .b = {.pack = gemm_pack_b_rowmajor, .ctx = &planes},
        .c = it->dst, .ldc = (ptrdiff_t)G->S.pixels,
        .row_bias = it->bias,
    };
    if (!G->pointwise) {
        /* Everyone is done with the last item's col, then unfolds its
         * share; the second barrier makes col whole for everyone. */
        if (it->nthr > 1) {
#pragma omp barrier
        }
        gemm_im2col_packed(p, it->src, it->blk.kc, it->blk.nc, it->pw->kern->nr, it->slot, it->tid,
                           it->nthr);
        if (it->nthr > 1) {
#pragma omp barrier
        }
        prob.b = (gemm_operand){.prepacked = it->slot};
    }
    gemm_run_team(it->pw->kern, &it->blk, &prob, it->slot, it->tid, it->nthr);
}

static void im2col_run(const conv_args *a) {
    const geometry G = make_geometry(a->p);
    gemm_conv_run(a, slot_bytes(&G, a->params, gemm_thread_slots()), slot_bytes(&G, a->params, 1),
                  im2col_item, &G);
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
    .machine_defaults = gemm_machine_defaults,
    .check_params = gemm_check_params,
};
