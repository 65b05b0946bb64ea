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

/* One item's scratch: the GEMM's packing buffers for a team of up to
 * max_threads (the weights are prepacked, so the GEMM packs only B). */
static size_t slot_bytes(const gemm_conv_shape *S, const conv_params *prm, int max_threads) {
    const gemm_blocking blk = gemm_blocking_from_params(prm);
    return gemm_workspace_bytes(gemm_kernel_best(), &blk, S->kg, (int)S->pixels, S->cg,
                                GEMM_PACKS_B, max_threads);
}

static size_t kn2row_workspace(const conv_problem *p, const conv_params *prm) {
    const gemm_conv_shape S = gemm_conv_shape_of(p);
    return gemm_conv_workspace(p, slot_bytes(&S, prm, gemm_thread_slots()), slot_bytes(&S, prm, 1));
}

/* Tap t's weights of group g, a kg x cg matrix (row stride cg*r*s, column
 * stride r*s in the KCRS tensor), are matrix g*taps + t. */
static int kn2row_prepare(conv_args *a) {
    const gemm_conv_shape S = gemm_conv_shape_of(a->p);
    return gemm_conv_prepare_weights(a, S.taps, S.cg, S.taps);
}

/* One image and group: one GEMM per tap into the same dst, each split
 * between the threads of the team doing it (see gemm_conv_run) the same
 * way, so each output stays with one thread. */
static void kn2row_item(const gemm_conv_item *it, const void *ctx) {
    const conv_problem *p = it->a->p;
    for (int i = 0, tap = 0; i < p->r; i++)
        for (int j = 0; j < p->s; j++, tap++) {
            const gemm_tap_pixels pixels = gemm_tap_pixels_of(p, it->src, i, j);
            const gemm_problem prob = {
                .m = it->S.kg, .n = (int)it->S.pixels, .k = it->S.cg,
                .a = {.prepacked = gemm_packed_weights_matrix(it->pw, it->g * it->S.taps + tap)},
                .b = {.pack = gemm_pack_tap_pixels, .ctx = &pixels},
                .c = it->dst, .ldc = (ptrdiff_t)it->S.pixels,
                .accumulate = tap > 0, /* the first tap writes dst, with the bias */
                .row_bias = it->bias,
            };
            gemm_run_team(it->pw->kern, &it->blk, &prob, it->slot, it->tid, it->nthr);
        }
}

static void kn2row_run(const conv_args *a) {
    const gemm_conv_shape S = gemm_conv_shape_of(a->p);
    gemm_conv_run(a, slot_bytes(&S, a->params, gemm_thread_slots()), slot_bytes(&S, a->params, 1),
                  kn2row_item, NULL);
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
    .machine_defaults = gemm_machine_defaults,
    .check_params = gemm_check_params,
};
