/* im2col_gemm — convolution as one matrix multiply per image and group:
 * unfold the input into the im2col matrix col[c*r*s][oh*ow] (every kernel
 * tap's view of the input, zeros where it lands in the padding), then
 *     dst[k][oh*ow] = W[k][c*r*s] · col[c*r*s][oh*ow] (+ bias[k])
 * with the project's blocked GEMM (gemm.h). The col matrix lives in the
 * workspace: r*s times the input's size, the memory this algorithm costs.
 * A 1x1, stride-1, unpadded convolution needs no unfolding: the input
 * planes already are the matrix. prepare() packs the weights into the
 * GEMM's A panels once (run() needs them), so run() packs only the input. */
#include "conv.h"
#include "gemm.h"

#include <stdlib.h>
#include <string.h>

typedef struct geometry {
    int oh, ow, cg, kg;
    int depth;       /* cg*r*s: the GEMM's k, one output's dot-product length */
    size_t pixels;   /* oh*ow: the GEMM's n */
    bool pointwise;  /* the input planes are col as they stand */
} geometry;

static geometry make_geometry(const conv_problem *p) {
    geometry G;
    G.oh = conv_out_h(p);
    G.ow = conv_out_w(p);
    G.cg = p->c / p->groups;
    G.kg = p->k / p->groups;
    G.depth = G.cg * p->r * p->s;
    G.pixels = (size_t)G.oh * G.ow;
    G.pointwise = p->r == 1 && p->s == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                  p->pad_t == 0 && p->pad_l == 0 && p->pad_b == 0 && p->pad_r == 0;
    return G;
}

static size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

static size_t col_bytes(const geometry *G) {
    return G->pointwise ? 0 : round64((size_t)G->depth * G->pixels * sizeof(float));
}

/* The weights packed for one kernel variant and KC: one A matrix per group. */
typedef struct packed_weights {
    const gemm_kernel *kern;
    int kc;
    size_t group_floats;
    float *panels;
} packed_weights;

static const char *im2col_unsupported(const conv_problem *p) {
    return (size_t)conv_out_h(p) * conv_out_w(p) > (size_t)0x7fffffff
               ? "needs oh*ow < 2^31 (the GEMM's n is an int)" : NULL;
}

static size_t im2col_workspace(const conv_problem *p, const conv_params *prm) {
    const geometry G = make_geometry(p);
    const gemm_blocking blk = gemm_blocking_from_params(prm);
    /* The weights are prepacked, so the GEMM packs only B. */
    return col_bytes(&G) + gemm_workspace_bytes(gemm_kernel_best(), &blk, G.kg, (int)G.pixels,
                                                G.depth, GEMM_PACKS_B);
}

static int im2col_prepare(conv_args *a) {
    const conv_problem *p = a->p;
    const geometry G = make_geometry(p);
    packed_weights *pw = malloc(sizeof *pw);
    if (!pw) return -1;
    pw->kern = gemm_kernel_best();
    pw->kc = gemm_blocking_from_params(a->params).kc;
    pw->group_floats = gemm_prepacked_floats(G.kg, G.depth, pw->kern->mr);
    pw->panels = aligned_alloc(64, round64(pw->group_floats * p->groups * sizeof(float)));
    if (!pw->panels) {
        free(pw);
        return -1;
    }
    for (int g = 0; g < p->groups; g++) {
        const gemm_matrix w = {a->wei + (size_t)g * G.kg * G.depth, G.depth};
        gemm_prepack(gemm_pack_a_rowmajor, &w, G.kg, G.depth, pw->kern->mr, pw->kc,
                     pw->panels + g * pw->group_floats);
    }
    a->state = pw;
    return 0;
}

static void im2col_release(void *state) {
    packed_weights *pw = state;
    if (!pw) return;
    free(pw->panels);
    free(pw);
}

/* col[(c*r + i)*s + j][y*ow + x] = src[c][y*stride_h - pad_t + i*dil_h]
 * [x*stride_w - pad_l + j*dil_w], 0 where that lies in the padding. The
 * valid x of each tap are one range, found once per tap, not per pixel. */
static void im2col(const conv_problem *p, const geometry *G, const float *src, float *col) {
    const int sh = p->stride_h, sw = p->stride_w;
    const size_t plane = (size_t)p->h * p->w;
    for (int c = 0; c < G->cg; c++)
        for (int i = 0; i < p->r; i++)
            for (int j = 0; j < p->s; j++) {
                float *row = col + ((size_t)(c * p->r + i) * p->s + j) * G->pixels;
                const int dx = j * p->dil_w - p->pad_l; /* input x = x*sw + dx */
                int x_lo = dx >= 0 ? 0 : (-dx + sw - 1) / sw;
                int x_hi = p->w - 1 - dx < 0 ? 0 : (p->w - 1 - dx) / sw + 1;
                if (x_hi > G->ow) x_hi = G->ow;
                if (x_lo > x_hi) x_lo = x_hi;
                for (int y = 0; y < G->oh; y++) {
                    float *out = row + (size_t)y * G->ow;
                    const int iy = y * sh - p->pad_t + i * p->dil_h;
                    if (iy < 0 || iy >= p->h) {
                        memset(out, 0, (size_t)G->ow * sizeof(float));
                        continue;
                    }
                    const float *in = src + c * plane + (size_t)iy * p->w;
                    memset(out, 0, (size_t)x_lo * sizeof(float));
                    if (sw == 1)
                        memcpy(out + x_lo, in + x_lo + dx, (size_t)(x_hi - x_lo) * sizeof(float));
                    else
                        for (int x = x_lo; x < x_hi; x++) out[x] = in[x * sw + dx];
                    memset(out + x_hi, 0, (size_t)(G->ow - x_hi) * sizeof(float));
                }
            }
}

static void im2col_run(const conv_args *a) {
    const conv_problem *p = a->p;
    const geometry G = make_geometry(p);
    if (G.pixels == 0) return;
    const packed_weights *pw = a->state;
    gemm_blocking blk = gemm_blocking_from_params(a->params);
    blk.kc = pw->kc; /* the KC blocks the weights were cut into */
    float *col = a->ws;
    void *gemm_ws = (char *)a->ws + col_bytes(&G);

    for (int n = 0; n < p->n; n++)
        for (int g = 0; g < p->groups; g++) {
            const float *src = a->src + ((size_t)n * p->c + (size_t)g * G.cg) * p->h * p->w;
            if (!G.pointwise) im2col(p, &G, src, col);
            const gemm_matrix cols = {G.pointwise ? src : col, (ptrdiff_t)G.pixels};
            const gemm_problem prob = {
                .m = G.kg, .n = (int)G.pixels, .k = G.depth,
                .a = {.prepacked = pw->panels + g * pw->group_floats},
                .b = {.pack = gemm_pack_b_rowmajor, .ctx = &cols},
                .c = a->dst + ((size_t)n * p->k + (size_t)g * G.kg) * G.pixels,
                .ldc = (ptrdiff_t)G.pixels,
                .row_bias = a->bias ? a->bias + g * G.kg : NULL,
            };
            gemm_run(pw->kern, &blk, &prob, gemm_ws);
        }
}

const conv_impl conv_impl_im2col_gemm = {
    .name = "im2col_gemm",
    .summary = "im2col into the workspace, then one blocked GEMM per image and group",
    .tol = 2.0,
    .unsupported = im2col_unsupported,
    .workspace_bytes = im2col_workspace,
    .prepare = im2col_prepare,
    .run = im2col_run,
    .release = im2col_release,
    .params = gemm_blocking_params,
    .nparams = GEMM_NPARAMS,
};
