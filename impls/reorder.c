/* reorder — naive's arithmetic, loops reordered so the innermost loop is
 * unit-stride and the compiler vectorises it (portable C, no intrinsics).
 *
 * Per (image, group, block of output rows) the input band those rows read is
 * staged once into the workspace, zero-padded and split into stride phases:
 * plane (ph, pw) of a channel holds padded pixels (ph + j*stride_h,
 * pw + q*stride_w) at [j][q], with a row pitch `pitch` >= ow. Then every
 * kernel tap (c, r, s) is one constant offset into the staged band, and for
 * output pixel i = y*pitch + x of the block the tap reads stage[off + i]:
 * stride, padding and dilation have all become a shift, so one branch-free,
 * unit-stride loop runs over the whole block of rows at once (short rows such
 * as 7x7 make one long loop instead of seven short ones). The pitch - ow
 * columns past each row's end are computed and thrown away.
 *
 * The inner loop accumulates a few consecutive taps into a few output channels
 * per pass (TAPS_PER_PASS x CHANNELS_PER_PASS, compile-time so the partial
 * sums stay in registers), into a block of output channels x pixels held in
 * the workspace. Every output still sums bias, then taps in naive's (c, r, s)
 * order, one rounding per add: the result equals naive's bit for bit (padding
 * taps add an exact 0).
 *
 * Threads: the (image, group, row block, channel block) blocks, in that
 * order, are cut into one run of consecutive blocks per thread; each thread
 * stages the bands its blocks need into its own slot of the workspace. Row
 * blocks are made equal in size so that the runs are equal work. */
#include "conv.h"
#include "gemm.h" /* gemm_thread_slots, gemm_split_at */

#include <omp.h>
#include <string.h>

/* Tile of the inner loop: each input vector loaded feeds 4 channels, and each
 * partial-sum load/store carries 4 taps, 16 multiply-adds in all. Measured
 * best among 2..8 x 1..8 on SSE2; with more channels GCC's alias checks give
 * up and the loop is not vectorised at all. */
#define CHANNELS_PER_PASS 4
#define TAPS_PER_PASS 4

enum { PARAM_OC_BLOCK, PARAM_PX_BLOCK };
static const conv_param_def reorder_params[] = {
    [PARAM_OC_BLOCK] = {"oc_block", 8, 4, 256, 0,
                        "channels reusing each staged input row from L1: 8x512 sums (16 KiB) "
                        "leave room in a 32 KiB L1"},
    [PARAM_PX_BLOCK] = {"px_block", 512, 16, 4096, 0,
                        "output pixels per block, whole rows: long vector loops, still L1-sized "
                        "(256-1024 measured within 5%)"},
};

/* The blocking, derived once from the problem and the parameters. */
typedef struct layout {
    int oh, ow, cg, kg, taps;     /* taps = cg*r*s, the length of one dot product */
    int oc_block, rows;           /* output channels and rows per block */
    int pitch, band_rows;         /* staged row length (>= ow); rows per plane */
    int yblocks, kblocks;         /* blocks of rows, of channels, per (image, group) */
    size_t plane, chan;           /* floats per plane, per staged channel */
    size_t stage_bytes, acc_bytes, offs_bytes;
} layout;

static size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

static layout make_layout(const conv_problem *p, const conv_params *prm) {
    layout L;
    L.oh = conv_out_h(p);
    L.ow = conv_out_w(p);
    L.cg = p->c / p->groups;
    L.kg = p->k / p->groups;
    L.taps = L.cg * p->r * p->s;
    L.oc_block = prm->v[PARAM_OC_BLOCK] < L.kg ? prm->v[PARAM_OC_BLOCK] : L.kg;
    if (L.oc_block < 1) L.oc_block = 1;
    /* A tap's offset in a phase plane is (r*dil / stride) rows and columns in. */
    L.pitch = L.ow + (conv_kext_w(p) - 1) / p->stride_w;
    L.rows = prm->v[PARAM_PX_BLOCK] / L.pitch;
    if (L.rows < 1) L.rows = 1;
    if (L.rows > L.oh) L.rows = L.oh;
    /* As many blocks as px_block asks for, but of (nearly) equal rows, so
     * that threads sharing them out get equal work. */
    L.yblocks = L.rows ? (L.oh + L.rows - 1) / L.rows : 0;
    if (L.yblocks) L.rows = (L.oh + L.yblocks - 1) / L.yblocks;
    L.kblocks = (L.kg + L.oc_block - 1) / L.oc_block;
    L.band_rows = L.rows + (conv_kext_h(p) - 1) / p->stride_h;
    L.plane = (size_t)L.band_rows * L.pitch;
    L.chan = L.plane * p->stride_h * p->stride_w;
    L.stage_bytes = round64(L.chan * L.cg * sizeof(float));
    L.acc_bytes = round64((size_t)L.oc_block * L.rows * L.pitch * sizeof(float));
    L.offs_bytes = round64((size_t)L.taps * sizeof(size_t));
    return L;
}

/* Threads: the tap offsets, shared, then one slot per thread (its staged
 * band and its block of sums), for at most gemm_thread_slots() threads
 * (workspace_bytes() is not told the thread count; see gemm.h). */
static size_t slot_bytes(const layout *L) { return L->stage_bytes + L->acc_bytes; }

static int thread_slots(const conv_problem *p, const layout *L) {
    const size_t blocks = (size_t)p->n * p->groups * L->yblocks * L->kblocks;
    const int slots = gemm_thread_slots();
    return blocks < (size_t)slots ? (blocks ? (int)blocks : 1) : slots;
}

static size_t reorder_workspace(const conv_problem *p, const conv_params *prm) {
    layout L = make_layout(p, prm);
    return L.offs_bytes + slot_bytes(&L) * thread_slots(p, &L);
}

/* Where tap (c, r, s) starts in the staged band, in naive's summation order. */
static void tap_offsets(const conv_problem *p, const layout *L, size_t *offs) {
    int t = 0;
    for (int c = 0; c < L->cg; c++)
        for (int r = 0; r < p->r; r++)
            for (int s = 0; s < p->s; s++) {
                int dy = r * p->dil_h, dx = s * p->dil_w;
                size_t phase = (size_t)(dy % p->stride_h) * p->stride_w + dx % p->stride_w;
                offs[t++] = c * L->chan + phase * L->plane +
                            (size_t)(dy / p->stride_h) * L->pitch + dx / p->stride_w;
            }
}

/* Whether some tap i of n (dilation dil) reads phase ph of stride st. */
static bool phase_used(int n, int dil, int st, int ph) {
    for (int i = 0; i < n && i < st; i++)
        if (i * dil % st == ph) return true;
    return false;
}

/* Stage input channels [c0, c0+cg) of one image for the output rows from y0:
 * nrows rows per phase plane, zeros wherever a tap lands in the padding. */
static void stage_band(const conv_problem *p, const layout *L, const float *src_image,
                       int c0, int y0, int nrows, float *stage) {
    const int sh = p->stride_h, sw = p->stride_w;
    for (int c = 0; c < L->cg; c++) {
        const float *chan = src_image + (size_t)(c0 + c) * p->h * p->w;
        for (int ph = 0; ph < sh; ph++)
            for (int pw = 0; pw < sw; pw++) {
                /* A phase no tap reads (1x1 stride 2 reads one of four) stays unstaged. */
                if (!phase_used(p->r, p->dil_h, sh, ph) || !phase_used(p->s, p->dil_w, sw, pw))
                    continue;
                float *plane = stage + c * L->chan + (size_t)(ph * sw + pw) * L->plane;
                /* Staged column q is input column q*sw + pw - pad_l: the valid
                 * q are [q_lo, q_hi), found once instead of tested per pixel. */
                int first = p->pad_l - pw; /* q*sw >= first */
                int q_lo = first <= 0 ? 0 : (first + sw - 1) / sw;
                int q_hi = (p->w - 1 + first) < 0 ? 0 : (p->w - 1 + first) / sw + 1;
                if (q_hi > L->pitch) q_hi = L->pitch;
                if (q_lo > q_hi) q_lo = q_hi;
                for (int j = 0; j < nrows; j++) {
                    float *row = plane + (size_t)j * L->pitch;
                    int iy = (y0 + j) * sh + ph - p->pad_t;
                    if (iy < 0 || iy >= p->h || q_lo == q_hi) {
                        memset(row, 0, L->pitch * sizeof(float));
                        continue;
                    }
                    const float *in = chan + (size_t)iy * p->w + (q_lo * sw - first);
                    memset(row, 0, q_lo * sizeof(float));
                    for (int q = q_lo; q < q_hi; q++) row[q] = in[(size_t)(q - q_lo) * sw];
                    memset(row + q_hi, 0, (L->pitch - q_hi) * sizeof(float));
                }
            }
    }
}

/* acc[j][i] += sum over taps t of w[j][t] * stage[offs[t] + i], for nk output
 * channels and nt taps, each add in tap order. Inlined with constant nk and
 * nt, the j and t loops unroll and the i loop vectorises. */
static inline __attribute__((always_inline)) void
accumulate(const int nk, const int nt, float *restrict acc, size_t acc_pitch,
           const float *restrict stage, const size_t *offs, const float *w,
           size_t w_pitch, int len) {
    const float *in[TAPS_PER_PASS];
    float wt[CHANNELS_PER_PASS][TAPS_PER_PASS];
    float *out[CHANNELS_PER_PASS];
    for (int t = 0; t < nt; t++) in[t] = stage + offs[t];
    for (int j = 0; j < nk; j++) {
        out[j] = acc + j * acc_pitch;
        for (int t = 0; t < nt; t++) wt[j][t] = w[j * w_pitch + t];
    }
    for (int i = 0; i < len; i++) {
        float sum[CHANNELS_PER_PASS];
        for (int j = 0; j < nk; j++) sum[j] = out[j][i];
        for (int t = 0; t < nt; t++) {
            float v = in[t][i];
            for (int j = 0; j < nk; j++) sum[j] += wt[j][t] * v;
        }
        for (int j = 0; j < nk; j++) out[j][i] = sum[j];
    }
}

/* One pass: a full tile, or a single channel or tap left over at a block's
 * edge (depthwise runs on single channels). Four constant instantiations of
 * accumulate(); remainders are rare enough that finer ones would not pay. */
static void accumulate_pass(int nk, int nt, float *acc, size_t acc_pitch, const float *stage,
                            const size_t *offs, const float *w, size_t w_pitch, int len) {
    const int K = CHANNELS_PER_PASS, T = TAPS_PER_PASS;
    if (nk == K && nt == T) accumulate(K, T, acc, acc_pitch, stage, offs, w, w_pitch, len);
    else if (nk == K)       accumulate(K, 1, acc, acc_pitch, stage, offs, w, w_pitch, len);
    else if (nt == T)       accumulate(1, T, acc, acc_pitch, stage, offs, w, w_pitch, len);
    else                    accumulate(1, 1, acc, acc_pitch, stage, offs, w, w_pitch, len);
}

/* Blocks [b0, b1) of the problem's (image, group, row block, channel
 * block) blocks, in that order: each band of input rows is staged once
 * for all the channel blocks after it in the range. */
static void run_blocks(const conv_args *a, const layout *L, const size_t *offs, float *stage,
                       float *acc, size_t b0, size_t b1) {
    const conv_problem *p = a->p;
    const size_t acc_pitch = (size_t)L->rows * L->pitch;
    size_t staged = (size_t)-1; /* the (image, group, row block) in stage */
    for (size_t b = b0; b < b1; b++) {
        const size_t band = b / L->kblocks;
        const int k0 = (int)(b % L->kblocks) * L->oc_block;
        const int y0 = (int)(band % L->yblocks) * L->rows;
        const int g = (int)(band / L->yblocks % p->groups), n = (int)(band / L->yblocks / p->groups);
        const int rows = L->oh - y0 < L->rows ? L->oh - y0 : L->rows;
        const int len = (rows - 1) * L->pitch + L->ow; /* last row's tail unused */
        if (band != staged) {
            stage_band(p, L, a->src + (size_t)n * p->c * p->h * p->w, g * L->cg, y0,
                       rows + (L->band_rows - L->rows), stage);
            staged = band;
        }
        const int kb = L->kg - k0 < L->oc_block ? L->kg - k0 : L->oc_block;
        const int kfirst = g * L->kg + k0;
        for (int j = 0; j < kb; j++) {
            float init = a->bias ? a->bias[kfirst + j] : 0.0f;
            for (int i = 0; i < len; i++) acc[j * acc_pitch + i] = init;
        }
        /* Taps outer: the staged rows a pass reads stay in L1 for
         * every channel of the block. */
        for (int t = 0, nt; t < L->taps; t += nt) {
            nt = L->taps - t >= TAPS_PER_PASS ? TAPS_PER_PASS : 1;
            for (int j = 0, nk; j < kb; j += nk) {
                nk = kb - j >= CHANNELS_PER_PASS ? CHANNELS_PER_PASS : 1;
                accumulate_pass(nk, nt, acc + j * acc_pitch, acc_pitch, stage, offs + t,
                                a->wei + (size_t)(kfirst + j) * L->taps + t, L->taps, len);
            }
        }
        for (int j = 0; j < kb; j++) {
            float *dst = a->dst + (((size_t)n * p->k + kfirst + j) * L->oh + y0) * L->ow;
            for (int y = 0; y < rows; y++)
                memcpy(dst + (size_t)y * L->ow, acc + j * acc_pitch + (size_t)y * L->pitch,
                       L->ow * sizeof(float));
        }
    }
}

/* Threads take equal runs of consecutive blocks (each output block is
 * computed whole by one thread, so the bits do not depend on the count);
 * a thread stages each band it needs once, at most one more than its share. */
static void reorder_run(const conv_args *a) {
    const conv_problem *p = a->p;
    const layout L = make_layout(p, a->params);
    const int nthreads = a->nthreads < thread_slots(p, &L) ? a->nthreads : thread_slots(p, &L);
    if (L.oh == 0 || L.ow == 0) return;
    size_t *offs = a->ws;
    char *slots = (char *)a->ws + L.offs_bytes;
    tap_offsets(p, &L, offs);
    const size_t blocks = (size_t)p->n * p->groups * L.yblocks * L.kblocks;
    if (nthreads <= 1) {
        run_blocks(a, &L, offs, (float *)slots, (float *)(slots + L.stage_bytes), 0, blocks);
        return;
    }
#pragma omp parallel num_threads(nthreads)
    {
        const int tid = omp_get_thread_num(), nthr = omp_get_num_threads();
        char *slot = slots + (size_t)tid * slot_bytes(&L);
        run_blocks(a, &L, offs, (float *)slot, (float *)(slot + L.stage_bytes),
                   gemm_split_at(blocks, nthr, tid), gemm_split_at(blocks, nthr, tid + 1));
    }
}

const conv_impl conv_impl_reorder = {
    .name = "reorder",
    .summary = "naive's loops reordered and blocked: unit-stride, autovectorised inner loop",
    .tol = 2.0,
    .parallel = true,
    .workspace_bytes = reorder_workspace,
    .run = reorder_run,
    .params = reorder_params,
    .nparams = (int)(sizeof reorder_params / sizeof reorder_params[0]),
};
