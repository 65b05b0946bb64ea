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

#include <stdlib.h>
#include <string.h>

typedef struct geometry {
    int oh, ow, cg, kg, taps;
    size_t pixels;  /* oh*ow: the GEMM's n */
} geometry;

static geometry make_geometry(const conv_problem *p) {
    geometry G;
    G.oh = conv_out_h(p);
    G.ow = conv_out_w(p);
    G.cg = p->c / p->groups;
    G.kg = p->k / p->groups;
    G.taps = p->r * p->s;
    G.pixels = (size_t)G.oh * G.ow;
    return G;
}

static size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

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

/* The input pixels one tap sees: column y*ow + x of B, row c, is
 * src[c][y*stride_h + dy][x*stride_w + dx], 0 outside the input. */
typedef struct tap_pixels {
    const float *src;  /* the group's first input channel of this image */
    size_t plane;      /* h*w */
    int h, w, ow, stride_h, stride_w, dy, dx;
} tap_pixels;

/* A stretch of a panel's lanes whose pixels are stride_w apart in one input
 * row (or run on across rows that abut), or all padding (src_offset < 0). */
typedef struct lane_run {
    int lane, count;
    ptrdiff_t src_offset;
} lane_run;

enum { MAX_PANEL_WIDTH = 256 };

/* Splits lanes [0, w) of the panel whose first pixel is (y, x) into runs;
 * lanes at or past `valid` are padding. Returns the number of runs. */
static int panel_runs(const tap_pixels *t, int y, int x, int valid, int w, lane_run *runs) {
    int nruns = 0;
    for (int lane = 0; lane < w; lane++) {
        ptrdiff_t off = -1;
        if (lane < valid) {
            const int iy = y * t->stride_h + t->dy, ix = x * t->stride_w + t->dx;
            if (iy >= 0 && iy < t->h && ix >= 0 && ix < t->w) off = (ptrdiff_t)iy * t->w + ix;
            if (++x == t->ow) x = 0, y++;
        }
        lane_run *last = nruns ? &runs[nruns - 1] : NULL;
        if (last && (off < 0 ? last->src_offset < 0
                             : last->src_offset >= 0 &&
                                   off == last->src_offset + (ptrdiff_t)last->count * t->stride_w))
            last->count++;
        else
            runs[nruns++] = (lane_run){lane, 1, off};
    }
    return nruns;
}

static void pack_tap_pixels(const void *ctx, int k0, int kc, int x0, int len, int w,
                            float *packed) {
    const tap_pixels *t = ctx;
    const int sw = t->stride_w;
    lane_run runs[MAX_PANEL_WIDTH];
    for (int x = 0; x < len; x += w, packed += (size_t)w * kc) {
        const int first = x0 + x;
        const int nruns = panel_runs(t, first / t->ow, first % t->ow, len - x, w, runs);
        /* The runs are the same for every channel: found once, copied kc times. */
        for (int p = 0; p < kc; p++) {
            const float *chan = t->src + (size_t)(k0 + p) * t->plane;
            float *out = packed + (size_t)p * w;
            for (int r = 0; r < nruns; r++) {
                float *dst = out + runs[r].lane;
                const int count = runs[r].count;
                if (runs[r].src_offset < 0) {
                    for (int i = 0; i < count; i++) dst[i] = 0.0f;
                } else {
                    const float *src = chan + runs[r].src_offset;
                    if (sw == 1)
                        memcpy(dst, src, (size_t)count * sizeof(float));
                    else
                        for (int i = 0; i < count; i++) dst[i] = src[(ptrdiff_t)i * sw];
                }
            }
        }
    }
}

/* The weights packed for one kernel variant and KC: one A matrix per
 * (group, tap), in that order. */
typedef struct packed_weights {
    const gemm_kernel *kern;
    int kc;
    size_t matrix_floats;
    float *panels;
} packed_weights;

static tap_weights weights_of_tap(const geometry *G, const float *wei, int g, int tap) {
    return (tap_weights){.first = wei + (size_t)g * G->kg * G->cg * G->taps + tap,
                         .row_stride = (ptrdiff_t)G->cg * G->taps,
                         .col_stride = G->taps};
}

static const char *kn2row_unsupported(const conv_problem *p) {
    if ((size_t)conv_out_h(p) * conv_out_w(p) > (size_t)0x7fffffff)
        return "needs oh*ow < 2^31 (the GEMM's n is an int)";
    if (gemm_kernel_best()->nr > MAX_PANEL_WIDTH) return "GEMM kernel's NR too wide";
    return NULL;
}

static size_t kn2row_workspace(const conv_problem *p, const conv_params *prm) {
    const geometry G = make_geometry(p);
    const gemm_blocking blk = gemm_blocking_from_params(prm);
    /* The weights are prepacked, so the GEMM packs only B. */
    return gemm_workspace_bytes(gemm_kernel_best(), &blk, G.kg, (int)G.pixels, G.cg, GEMM_PACKS_B);
}

static int kn2row_prepare(conv_args *a) {
    const conv_problem *p = a->p;
    const geometry G = make_geometry(p);
    packed_weights *pw = malloc(sizeof *pw);
    if (!pw) return -1;
    pw->kern = gemm_kernel_best();
    pw->kc = gemm_blocking_from_params(a->params).kc;
    pw->matrix_floats = gemm_prepacked_floats(G.kg, G.cg, pw->kern->mr);
    const size_t matrices = (size_t)p->groups * G.taps;
    pw->panels = aligned_alloc(64, round64(pw->matrix_floats * matrices * sizeof(float)));
    if (!pw->panels) {
        free(pw);
        return -1;
    }
    for (int g = 0; g < p->groups; g++)
        for (int tap = 0; tap < G.taps; tap++) {
            const tap_weights w = weights_of_tap(&G, a->wei, g, tap);
            gemm_prepack(pack_tap_weights, &w, G.kg, G.cg, pw->kern->mr, pw->kc,
                         pw->panels + ((size_t)g * G.taps + tap) * pw->matrix_floats);
        }
    a->state = pw;
    return 0;
}

static void kn2row_release(void *state) {
    packed_weights *pw = state;
    if (!pw) return;
    free(pw->panels);
    free(pw);
}

static void kn2row_run(const conv_args *a) {
    const conv_problem *p = a->p;
    const geometry G = make_geometry(p);
    if (G.pixels == 0) return;
    const packed_weights *pw = a->state;
    gemm_blocking blk = gemm_blocking_from_params(a->params);
    blk.kc = pw->kc; /* the KC blocks the weights were cut into */

    for (int n = 0; n < p->n; n++)
        for (int g = 0; g < p->groups; g++) {
            const float *src = a->src + ((size_t)n * p->c + (size_t)g * G.cg) * p->h * p->w;
            float *dst = a->dst + ((size_t)n * p->k + (size_t)g * G.kg) * G.pixels;
            for (int i = 0, tap = 0; i < p->r; i++)
                for (int j = 0; j < p->s; j++, tap++) {
                    const tap_pixels pixels = {
                        .src = src, .plane = (size_t)p->h * p->w, .h = p->h, .w = p->w,
                        .ow = G.ow, .stride_h = p->stride_h, .stride_w = p->stride_w,
                        .dy = i * p->dil_h - p->pad_t, .dx = j * p->dil_w - p->pad_l};
                    const gemm_problem prob = {
                        .m = G.kg, .n = (int)G.pixels, .k = G.cg,
                        .a = {.prepacked = pw->panels + ((size_t)g * G.taps + tap) * pw->matrix_floats},
                        .b = {.pack = pack_tap_pixels, .ctx = &pixels},
                        .c = dst,
                        .ldc = (ptrdiff_t)G.pixels,
                        .accumulate = tap > 0, /* the first tap writes dst, with the bias */
                        .row_bias = a->bias ? a->bias + g * G.kg : NULL,
                    };
                    gemm_run(pw->kern, &blk, &prob, a->ws);
                }
        }
}

const conv_impl conv_impl_kn2row_gemm = {
    .name = "kn2row_gemm",
    .summary = "one blocked GEMM per kernel tap, shifted input packed straight into B; no im2col buffer",
    .tol = 2.0,
    .unsupported = kn2row_unsupported,
    .workspace_bytes = kn2row_workspace,
    .prepare = kn2row_prepare,
    .run = kn2row_run,
    .release = kn2row_release,
    .params = gemm_blocking_params,
    .nparams = GEMM_NPARAMS,
};
