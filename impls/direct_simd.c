/* direct_<isa> — direct convolution with SIMD intrinsics on channel-blocked
 * layouts. One source, compiled once per instruction set (impls/direct.cmake):
 * SIMD_AVX512 / SIMD_AVX2 / SIMD_NEON select the vector type of impls/simd.h
 * (VW floats), DIRECT_VARIANT the exported conv_impl_direct_<variant>.
 *
 * Layouts (all held in the state prepare() makes; vw = VW, the vector width):
 *   input   [n][g][C/g/vw][phase][hq][wq][vw]   layout_in, from canonical NCHW
 *           (unpadded 1x1 layers, strides 1-2, with pixel blocks of 8 or
 *           more, i.e. AVX-512's: none, run() reads the NCHW input in place)
 *   weights [g][k-group][C/g/vw][r*s][c][kb][vw] prepare(), once
 *   output  [n][g][K/g/vw][oh][ow][vw]           run(); layout_out -> NCHW
 * Channel counts are rounded up to whole vectors per group, the padding lanes
 * zero, so any C and K work (a partial last channel block is only streamed
 * over its real channels: C = 3 costs 3 channels, not 16), and groups too.
 *
 * Channel-wise path: where a group has fewer than VW/2 output channels
 * (depthwise, its multipliers, a few channels per group) most lanes of the
 * layouts above would idle. There the output channels of all groups share
 * one lane space, k blocks of VW, and the input is laid out to match it:
 *   input   [n][K/vw][c < C/g][phase][hq][wq][vw]  lane l of k block kb, plane c,
 *           holds input channel ((kb*vw + l) / (K/g)) * (C/g) + c (its group's c-th)
 *   weights [K/vw][c][r*s][vw]              output  [n][K/vw][oh][ow][vw]
 * so every FMA is element-wise over vw output channels (dw_body; K/g times
 * the input is stored, K/g < vw/2; no copy for depthwise itself).
 *
 * The input is zero-padded physically (pad_t/l/b/r are real zeros that are
 * never overwritten) and split into stride phases: padded pixel (y, x) lives
 * in phase (y % sh, x % sw) at (y / sh, x / sw). Then for every stride,
 * padding and dilation, output pixel (oy, ox) reads tap (r, s) at
 *   plane position (oy, ox) + a constant per tap,
 * so consecutive output pixels read consecutive vw-float pixels and the hot
 * loop has no border test and no stride in its addresses. Only the phases
 * the taps touch are stored: a 1x1 stride-2 layer keeps one quarter of the
 * input, already subsampled, and runs as a dense GEMM. When a plane row is
 * exactly an output row long ((S-1)*dil_w < stride_w: every 1x1), rows are
 * contiguous and a whole image is one long row of pixels.
 *
 * Microkernel: a register tile of OWB output pixels x KB output-channel
 * vectors (OWB*KB accumulators), for every input channel of the pass and
 * every tap: KB weight vectors loaded, then per pixel one broadcast input
 * value times the KB weight vectors. kernel_body() is written once, always
 * inlined into one function per (KB, OWB) pair with both compile-time
 * constants (the table below), so the tile is fully unrolled and lives in
 * registers. A row of pixels is cut into near-equal blocks of at most
 * ow_block (e.g. 7 -> 4+3 rather than 6+1), each block one kernel call:
 * remainders are other instantiations, picked outside the hot loop.
 *
 * Loops: n, group, channel pass (c_tile blocks; the first starts from the
 * bias, later ones accumulate into dst), pixel chunk (rows or flat blocks
 * whose pass input fits CHUNK_BYTES: it stays in L2 while every k-group
 * reads it), k-group (KB vectors), output row, pixel block. A pass's weights
 * for a k-group (c_tile*vw channels x taps x KB*vw) stay in L1/L2 over the
 * chunk, and while they are used the next ones are prefetched into L2, a
 * slice per kernel call (the late layers' weights come from L3 or DRAM and
 * each line serves only 7-14 calls: without it res5a_branch2b ran at 70-75%
 * of peak on AVX2, with it 90-97%, best-of-15 timings on Zen 4). Per output
 * row, kernel rows that fall wholly in the top/bottom padding are skipped
 * (a tap range; no test in the hot loop); columns in the left/right padding
 * are multiplied as zeros.
 * Channel-wise: n, k block, output row, pixel block, one pass over all the
 * group's input channels, kept in registers.
 *
 * Threads (a->nthreads, one OpenMP region per phase, none nested): every
 * phase flattens its independent work into one index space and gives each
 * thread one contiguous, near-equal share of it: a static schedule over
 * units as fine as a row, so shares differ by at most one unit and no item
 * count needs tuning. run()'s units are (n, g, k-group, output row), or on
 * the flat 1x1 path (n, g, k-group, pixel block); a unit weighs its
 * k-group's vector count, so a narrower last k-group costs less. A thread
 * runs its units of a k-group through every channel pass (passes inside
 * the share): it owns those outputs across all passes, which accumulate in
 * the same order at any thread count, so results are bit-identical.
 * The order of the index space is chosen per problem (geom.spatial):
 *   by pixels    (n, g, unit, k-group): each thread takes a band of rows
 *                (pixels) for every k-group and reads all the weights;
 *                layout_in shares (n, g, input row or VW-pixel group) and
 *                layout_out (n, g, VW-pixel group), every channel block of
 *                each, so a thread converts the input it reads and the
 *                output it wrote: only halo rows and share edges move
 *                between cores. Early layers (56x56: 64-256 channels,
 *                2 k-groups), channel-wise layers.
 *   by channels  (n, g, k-group, unit): each thread takes whole k-groups
 *                and reads all the input; layout_in shares (n, g, c-block,
 *                row), layout_out (n, g, k-block, pixel group). Late layers
 *                (7x7 or 14x14, 512-2048 channels: weights dominate).
 * The choice: split whichever the group reads more of (pixels when its
 * packed weights are no larger than its blocked input), so the smaller is
 * the one read by every thread. Batches split by image either way. Threads
 * write disjoint rows / pixel blocks of the blocked output (a pixel is a
 * 64-byte line on AVX-512). */
#include "conv.h"
#include "simd.h"

#include <omp.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef DIRECT_VARIANT
#error "direct_simd.c: define DIRECT_VARIANT (avx512, avx2, neon)"
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(a) #a
#define STR(a) STR_(a)

#if defined(SIMD_AVX512)
#define DIRECT_ISA CONV_ISA_AVX512
#elif defined(SIMD_AVX2)
#define DIRECT_ISA CONV_ISA_AVX2
#else
#define DIRECT_ISA CONV_ISA_NEON
#endif

/* Register tile limits: accumulators + KB weight vectors + one broadcast
 * <= SIMD_NREGS, i.e. OWB <= (NREGS - 1 - KB) / KB, and OWB <= 28 (checked
 * in the disassembly: no tile in the table spills; 4x3 on AVX2 does). */
#define MAX_KB 4
#if SIMD_NREGS >= 32
#define OWB_MAX_1 28
#define OWB_MAX_2 14
#define OWB_MAX_3 9
#define OWB_MAX_4 6
#define MAX_OWB 28
#define DEF_KB 2
#define OW_BLOCK_WHY                                                                      \
    "widest pixel block; 0: as wide as the registers allow for each k-group's "         \
    "vectors ((31-k)/k: 14x2 = 28 of 32 zmm accumulate, and 14 divides 112/56/28/14)"
#define K_BLOCKS_WHY                                                                      \
    "output-channel vectors per tile; 0: 2 (2 loads feed 28 FMAs; 32 channels divide "  \
    "every ResNet layer), 1 where a narrower last k-group would hold over 1/8 of the "  \
    "channels"
#else
#define OWB_MAX_1 14
#define OWB_MAX_2 6
#define OWB_MAX_3 4
#define OWB_MAX_4 2
#define MAX_OWB 14
#define DEF_KB 3
#define OW_BLOCK_WHY                                                                      \
    "widest pixel block; 0: as wide as the registers allow for each k-group's "         \
    "vectors ((15-k)/k: 4x3 or 6x2 = 12 of 16 ymm accumulate, the weights and a "        \
    "broadcast fill the rest)"
#define K_BLOCKS_WHY                                                                      \
    "output-channel vectors per tile; 0: 3, where 7-wide rows (4+3) keep 9-12 "          \
    "accumulators and 6x2 drops to 6-8 (+15% on res5), but 2 where the 2-vector "        \
    "k-groups of 3 would hold over 1/8 of the channels (64 or 128 channels: 3+3+2 runs " \
    "a quarter of the work on 8 accumulators; 6x2 +1-5% there)"
#endif
static const int owb_max[MAX_KB + 1] = {0, OWB_MAX_1, OWB_MAX_2, OWB_MAX_3, OWB_MAX_4};

enum { P_OW_BLOCK, P_K_BLOCKS, P_C_TILE, P_SPLIT, NPARAMS };
enum { SPLIT_MODEL, SPLIT_PIXELS, SPLIT_CHANNELS }; /* P_SPLIT's values */
static const conv_param_def direct_params[NPARAMS] = {
    [P_OW_BLOCK] = {"ow_block", 0, 0, MAX_OWB, 1, OW_BLOCK_WHY},
    [P_K_BLOCKS] = {"k_blocks", 0, 0, MAX_KB, 1, K_BLOCKS_WHY},
    [P_C_TILE] = {"c_tile", 16, 1, 256, 0,
                  "channel blocks per pass before partial sums go back to dst: 8 loses 1-3%, "
                  "32-256 gain nothing and read more input planes at once, sparsely"},
    [P_SPLIT] = {"split", SPLIT_MODEL, SPLIT_MODEL, SPLIT_CHANNELS, 1,
                 "how threads share a group's work: 1 by pixels (each reads every weight), 2 by "
                 "output channels (each reads all the input); 0: whichever makes the smaller of "
                 "the two the one read twice",
                 .threads_only = true},
};

/* ---- geometry, derived once from the problem and the parameters ---- */

typedef struct geom {
    int G, Cg, Kg, CBg, KBg, wc;  /* wc: packed weight rows per channel block */
    int R, S, ntaps;
    int OH, OW, SH, SW;
    int nph_h, nph_w, Hq, Wq;     /* stored phases, plane extent */
    int rows, rowlen;             /* kernel rows: OH rows of OW, or 1 row of OH*OW */
    int kb, owb, ct;              /* parameters after clamping */
    int nkg;                      /* k-groups per conv group */
    int units;                    /* run()'s units per k-group: OH rows, or flat pixel blocks */
    int chunk;                    /* units per chunk of a pass (run()'s pixel blocking) */
    int nchw;                     /* > 0: run() reads the NCHW input in place, pixels nchw
                                   * (the stride) floats apart; no layout_in */
    int spatial;                  /* threads split pixels (1) or output channels (0) */
    int dw, dcg, dkg;             /* channel-wise path (groups of dcg in, dkg out < VW/2): then
                                   * G = 1, Kg = K, CBg = KBg * dcg input planes, kb = 1 */
    size_t in_cb, in_img;         /* floats per channel block / image, blocked input */
    size_t out_kb, out_img;       /* floats per k block / image, blocked output */
    size_t w_group;               /* floats of packed weights per conv group */
} geom;

static int imin(int a, int b) { return a < b ? a : b; }

/* run()'s pixel chunk: a pass reads the input of at most CHUNK_BYTES per
 * chunk before its k-groups move on, so the chunk stays in L2 (1 MiB on Zen 4,
 * 1-2 MiB on recent Xeons; a quarter of it leaves room for the weights and
 * the output) while every k-group reads it. Without it, a 56x56 layer of 256
 * channels streams its 3 MiB input from L3 once per k-group. */
#define CHUNK_BYTES (256 * 1024)
/* Weights of a group larger than this do not stay in L2 from one pass to
 * the next: run() prefetches them (see run_units). */
#define PF_BYTES (512 * 1024)
/* The narrowest pixel block that reads a 1x1 layer's NCHW input in place
 * (make_geom): half a 64-byte line of floats. */
#define NCHW_MIN_OWB 8

/* Cut total into near-equal blocks of at most maxblk: block i's start/size. */
static int nblocks(int total, int maxblk) { return (total + maxblk - 1) / maxblk; }
static void split(int total, int nblk, int i, int *start, int *size) {
    int base = total / nblk, rem = total % nblk;
    *size = base + (i < rem);
    *start = i * base + imin(i, rem);
}

/* This thread's contiguous share [*lo, *hi) of total units. */
static void thread_share(long long total, long long *lo, long long *hi) {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    *lo = total * t / nt;
    *hi = total * (t + 1) / nt;
}

/* k_blocks 0: DEF_KB vectors per k-group, fewer while the narrower
 * k-groups the split leaves (KBg into near-equal groups of at most kb)
 * would hold more than 1/8 of the KBg vectors, on rows (not flat) no
 * narrower than two of the smaller tile's blocks. */
static int auto_kb(int KBg, int flat, int rowlen) {
    for (int kb = DEF_KB; kb > 1 && KBg > 0; kb--) {
        const int nkg = nblocks(KBg, kb), base = KBg / nkg, rem = KBg % nkg;
        const int narrow = base < kb ? (nkg - rem) * base : 0; /* vectors in narrower groups */
        if (8 * narrow <= KBg || (!flat && rowlen < 2 * owb_max[kb - 1])) return kb;
    }
    return 1;
}

static void make_geom(const conv_problem *p, const conv_params *prm, geom *g) {
    memset(g, 0, sizeof *g);
    g->G = p->groups;
    g->Cg = p->c / p->groups;
    g->Kg = p->k / p->groups;
    g->CBg = (g->Cg + VW - 1) / VW;
    g->KBg = (g->Kg + VW - 1) / VW;
    g->wc = g->Cg < VW ? g->Cg : VW;
    g->R = p->r;
    g->S = p->s;
    g->ntaps = p->r * p->s;
    g->OH = conv_out_h(p);
    g->OW = conv_out_w(p);
    g->SH = p->stride_h;
    g->SW = p->stride_w;
    /* Phases are needed only where some tap lands off the stride grid. */
    g->nph_h = 1;
    for (int r = 0; r < p->r; r++)
        if (r * p->dil_h % p->stride_h) g->nph_h = p->stride_h;
    g->nph_w = 1;
    for (int s = 0; s < p->s; s++)
        if (s * p->dil_w % p->stride_w) g->nph_w = p->stride_w;
    g->Hq = g->OH + (p->r - 1) * p->dil_h / p->stride_h;
    g->Wq = g->OW + (p->s - 1) * p->dil_w / p->stride_w;
    /* Channel-wise: output channel k of all groups in one lane space, its
     * vector lane l of k block kb reading, per c < dcg, the input channel
     * ((kb*VW + l) / dkg) * dcg + c: an input plane per (kb, c), so one
     * "group" of K channels, KBg*dcg input planes, one k block per k-group. */
    g->dw = p->groups > 1 && 2 * g->Kg < VW;
    if (g->dw) {
        g->dcg = g->Cg;
        g->dkg = g->Kg;
        g->G = 1;
        g->Kg = p->k;
        g->KBg = (p->k + VW - 1) / VW;
        g->CBg = g->KBg * g->dcg;
    }

    int kb = prm->v[P_K_BLOCKS];
    kb = g->dw ? 1 : kb < 1 ? auto_kb(g->KBg, g->Wq == g->OW, g->OW) : kb > MAX_KB ? MAX_KB : kb;
    g->kb = imin(kb, g->KBg > 0 ? g->KBg : 1);
    g->nkg = nblocks(g->KBg, g->kb);
    int owb = prm->v[P_OW_BLOCK];
    g->owb = owb < 1 ? MAX_OWB : owb; /* 0: owb_max of each k-group, where it is used */
    int ct = prm->v[P_C_TILE];
    g->ct = ct < 1 ? 1 : ct;
    /* 1x1, unpadded, strides 1 or 2: run() reads the NCHW input where it
     * lies (a broadcast takes one float wherever it is, pixels nchw floats
     * apart) and layout_in has nothing to do: that copy cost 5-14% of the
     * 1x1 layers of 56x56 and 28x28 inputs. A block then reads, per channel,
     * its pixels' run of a cache line or two, a pass's c_tile*VW runs at
     * once: only where that run is at least half a line (NCHW_MIN_OWB
     * pixels: AVX-512's 14) are the lines used up before L1 drops them;
     * AVX2's 4-pixel blocks lost 5-20% that way. Strided, the blocks
     * are cut from output rows, not from one long row: only where a row
     * holds a whole block (7x7 outputs lost 5% of the kernel's speed in
     * 7-pixel blocks, more than the copy saved). */
    const int wide = imin(g->owb, owb_max[g->kb]);
    g->nchw = !g->dw && g->ntaps == 1 && p->pad_t == 0 && p->pad_l == 0 && p->pad_b == 0 &&
                      p->pad_r == 0 && g->SH <= 2 && g->SW <= 2 && wide >= NCHW_MIN_OWB &&
                      ((g->SH == 1 && g->SW == 1) || g->OW >= wide)
                  ? g->SW
                  : 0;
    /* Rows, or one long row where a plane row is an output row long and
     * rows follow each other (blocked: every 1x1; in place: unstrided). */
    const int flat = g->nchw ? g->SH == 1 && g->SW == 1 : g->Wq == g->OW;
    g->rows = flat ? (g->OH > 0) : g->OH;
    g->rowlen = flat ? g->OH * g->OW : g->OW;
    /* Flat: the long row's pixel blocks, cut for the widest k-group (kb
     * vectors); a narrower last k-group may take wider blocks (owb_max
     * falls with k_blocks), so each of these is one kernel call there too. */
    g->units = g->rows > 1 ? g->rows
                           : g->rowlen > 0 ? nblocks(g->rowlen, imin(g->owb, owb_max[g->kb])) : 0;
    g->in_cb = (size_t)g->nph_h * g->nph_w * g->Hq * g->Wq * VW;
    g->in_img = g->in_cb * g->CBg * g->G;
    g->out_kb = (size_t)g->OH * g->OW * VW;
    g->out_img = g->out_kb * g->KBg * g->G;
    g->w_group = g->dw ? (size_t)g->KBg * VW * g->dcg * g->ntaps
                       : (size_t)g->KBg * VW * g->CBg * g->ntaps * g->wc;
    /* A pass's chunk: as many units as keep the input they read in one pass
     * (ct channel blocks of in_cb floats over `units` units) within
     * CHUNK_BYTES. */
    {
        const size_t ncb = g->dw ? (size_t)g->dcg : (size_t)imin(g->ct, g->CBg);
        const size_t per_unit = g->units ? ncb * g->in_cb * sizeof(float) / g->units : 1;
        const size_t c = per_unit ? (size_t)CHUNK_BYTES / per_unit : (size_t)g->units;
        g->chunk = c < 1 ? 1 : c > (size_t)g->units ? (g->units > 0 ? g->units : 1) : (int)c;
    }
    /* What threads share, one of two: split by pixels, each thread reads
     * every weight of the group; split by k-groups, each reads all of the
     * image's input. Whichever is smaller is read twice. Pixels also keep
     * each thread on its own input and output across the three phases. */
    const int split = prm->v[P_SPLIT];
    g->spatial = split == SPLIT_PIXELS     ? 1
                 : split == SPLIT_CHANNELS ? 0
                                           : g->w_group <= g->in_cb * g->CBg;
}

/* ---- the microkernel ---- */

typedef struct kargs {
    const float *in;          /* input (blocked, or NCHW in place): the block's first pixel,
                               * the pass's first channel block */
    const float *w;           /* packed weights of the pass: [cb][tap][wc][KB][VW] */
    float *out;               /* blocked output: the block's first pixel, the k-group's first block */
    const float *bias;        /* blocked bias of the k-group (zeros without bias) */
    const ptrdiff_t *toff;    /* per tap: offset in floats from the pixel's position */
    int ntaps, t0, t1;        /* taps per channel block; the range [t0, t1) to run */
    int ncb, nc_last;         /* channel blocks; channels in the last block */
    int wc;                   /* packed weight rows per channel block */
    int accumulate;           /* start from out (later passes), not from bias */
    const char *pf, *pf_end;  /* the weights read next: this call's slice starts at pf, */
    int pf_cb;                /* pf_cb lines per channel block, none past pf_end (0: none) */
    size_t in_cb, out_kb;     /* floats between channel blocks / k blocks */
    ptrdiff_t in_cs;          /* NCHW input: floats between channels */
} kargs;

typedef void kernel_fn(const kargs *a);

/* nc input channels of one tap: per channel KB weight vectors, then per pixel
 * one broadcast and KB FMAs. */
#define UNROLL_ALL _Pragma("GCC unroll 32")
static inline __attribute__((always_inline)) void
tap_step(vec acc[MAX_OWB][MAX_KB], const float *ip, const float *wp, const int nc, const int KB,
         const int OWB, const int PS, const ptrdiff_t cs) {
    _Pragma("GCC unroll 4")
    for (int c = 0; c < nc; c++) {
        vec wv[MAX_KB];
        UNROLL_ALL for (int j = 0; j < KB; j++) wv[j] = v_load(wp + (c * KB + j) * VW);
        UNROLL_ALL for (int i = 0; i < OWB; i++) {
            vec b = v_bcast(ip + c * cs + i * PS);
            UNROLL_ALL for (int j = 0; j < KB; j++) acc[i][j] = v_fma(b, wv[j], acc[i][j]);
        }
    }
}

static inline __attribute__((always_inline)) void kernel_body(const kargs *a, const int KB,
                                                                const int OWB, const int NCHW) {
    /* NCHW: the input read in place (geom.nchw), pixels NCHW floats apart
     * and channels in_cs; else blocked, pixels VW apart. */
    const int PS = NCHW ? NCHW : VW;
    const ptrdiff_t cs = NCHW ? a->in_cs : 1;
    vec acc[MAX_OWB][MAX_KB];
    if (a->accumulate) {
        UNROLL_ALL for (int i = 0; i < OWB; i++)
            UNROLL_ALL for (int j = 0; j < KB; j++)
                acc[i][j] = v_load(a->out + j * a->out_kb + i * VW);
    } else {
        UNROLL_ALL for (int j = 0; j < KB; j++) {
            vec b = v_load(a->bias + j * VW);
            UNROLL_ALL for (int i = 0; i < OWB; i++) acc[i][j] = b;
        }
    }
    const ptrdiff_t wstep = (ptrdiff_t)a->wc * KB * VW, wcb = wstep * a->ntaps;
    const int nfull = a->nc_last == VW ? a->ncb : a->ncb - 1;
    const float *ib = a->in, *wb = a->w + a->t0 * wstep;
    const char *pf = a->pf;
    for (int cb = 0; cb < nfull; cb++, ib += a->in_cb, wb += wcb) {
        for (int k = 0; k < a->pf_cb && pf < a->pf_end; k++, pf += 64)
            __builtin_prefetch(pf, 0, 2); /* into L2 (prefetcht1) */
        const float *wp = wb;
        for (int t = a->t0; t < a->t1; t++, wp += wstep)
            tap_step(acc, ib + a->toff[t], wp, VW, KB, OWB, PS, cs);
    }
    if (nfull < a->ncb) { /* the partial last block: only its real channels */
        const float *wp = wb;
        for (int t = a->t0; t < a->t1; t++, wp += wstep)
            tap_step(acc, ib + a->toff[t], wp, a->nc_last, KB, OWB, PS, cs);
    }
    UNROLL_ALL for (int i = 0; i < OWB; i++)
        UNROLL_ALL for (int j = 0; j < KB; j++) v_store(a->out + j * a->out_kb + i * VW, acc[i][j]);
}

/* One function per (KB, OWB), OWB = 1..OWB_MAX_<KB>: SEQ_n lists 1..n. */
#define SEQ_1(X, K) X(K, 1)
#define SEQ_2(X, K) SEQ_1(X, K) X(K, 2)
#define SEQ_3(X, K) SEQ_2(X, K) X(K, 3)
#define SEQ_4(X, K) SEQ_3(X, K) X(K, 4)
#define SEQ_5(X, K) SEQ_4(X, K) X(K, 5)
#define SEQ_6(X, K) SEQ_5(X, K) X(K, 6)
#define SEQ_7(X, K) SEQ_6(X, K) X(K, 7)
#define SEQ_8(X, K) SEQ_7(X, K) X(K, 8)
#define SEQ_9(X, K) SEQ_8(X, K) X(K, 9)
#define SEQ_10(X, K) SEQ_9(X, K) X(K, 10)
#define SEQ_11(X, K) SEQ_10(X, K) X(K, 11)
#define SEQ_12(X, K) SEQ_11(X, K) X(K, 12)
#define SEQ_13(X, K) SEQ_12(X, K) X(K, 13)
#define SEQ_14(X, K) SEQ_13(X, K) X(K, 14)
#define SEQ_15(X, K) SEQ_14(X, K) X(K, 15)
#define SEQ_16(X, K) SEQ_15(X, K) X(K, 16)
#define SEQ_17(X, K) SEQ_16(X, K) X(K, 17)
#define SEQ_18(X, K) SEQ_17(X, K) X(K, 18)
#define SEQ_19(X, K) SEQ_18(X, K) X(K, 19)
#define SEQ_20(X, K) SEQ_19(X, K) X(K, 20)
#define SEQ_21(X, K) SEQ_20(X, K) X(K, 21)
#define SEQ_22(X, K) SEQ_21(X, K) X(K, 22)
#define SEQ_23(X, K) SEQ_22(X, K) X(K, 23)
#define SEQ_24(X, K) SEQ_23(X, K) X(K, 24)
#define SEQ_25(X, K) SEQ_24(X, K) X(K, 25)
#define SEQ_26(X, K) SEQ_25(X, K) X(K, 26)
#define SEQ_27(X, K) SEQ_26(X, K) X(K, 27)
#define SEQ_28(X, K) SEQ_27(X, K) X(K, 28)
#define KERNELS(X)                                                              \
    CAT(SEQ_, OWB_MAX_1)(X, 1) CAT(SEQ_, OWB_MAX_2)(X, 2) CAT(SEQ_, OWB_MAX_3)(X, 3) \
    CAT(SEQ_, OWB_MAX_4)(X, 4)

#define DEFINE_KERNEL(K, W) \
    static void kernel_##K##_##W(const kargs *a) { kernel_body(a, K, W, 0); }
KERNELS(DEFINE_KERNEL)
#define KERNEL_ENTRY(K, W) [K][W] = kernel_##K##_##W,
static kernel_fn *const kernels[MAX_KB + 1][MAX_OWB + 1] = {KERNELS(KERNEL_ENTRY)};
/* The same reading the NCHW input in place (geom.nchw), strides 1 and 2. */
#define DEFINE_NCHW_KERNEL(K, W)                                                 \
    static void nchw1_kernel_##K##_##W(const kargs *a) { kernel_body(a, K, W, 1); } \
    static void nchw2_kernel_##K##_##W(const kargs *a) { kernel_body(a, K, W, 2); }
KERNELS(DEFINE_NCHW_KERNEL)
#define NCHW1_KERNEL_ENTRY(K, W) [K][W] = nchw1_kernel_##K##_##W,
#define NCHW2_KERNEL_ENTRY(K, W) [K][W] = nchw2_kernel_##K##_##W,
static kernel_fn *const nchw_kernels[2][MAX_KB + 1][MAX_OWB + 1] = {
    {KERNELS(NCHW1_KERNEL_ENTRY)}, {KERNELS(NCHW2_KERNEL_ENTRY)}};

/* The channel-wise kernel: OWB pixels of one k block, each output lane its
 * own channel, so element-wise FMAs: per input plane c (ncb of them, in_cb
 * apart) and tap, one weight vector [c][tap][VW] times OWB input vectors.
 * Every lane does useful work whatever the group width. */
static inline __attribute__((always_inline)) void dw_body(const kargs *a, const int OWB) {
    vec acc[MAX_OWB];
    const vec b = v_load(a->bias);
    UNROLL_ALL for (int i = 0; i < OWB; i++) acc[i] = b;
    const float *ib = a->in, *wb = a->w;
    for (int c = 0; c < a->ncb; c++, ib += a->in_cb, wb += a->ntaps * VW)
        for (int t = a->t0; t < a->t1; t++) {
            const vec w = v_load(wb + t * VW);
            const float *ip = ib + a->toff[t];
            UNROLL_ALL for (int i = 0; i < OWB; i++) acc[i] = v_fma(v_load(ip + i * VW), w, acc[i]);
        }
    UNROLL_ALL for (int i = 0; i < OWB; i++) v_store(a->out + i * VW, acc[i]);
}
#define DEFINE_DW_KERNEL(K, W) \
    static void dw_kernel_##W(const kargs *a) { dw_body(a, W); }
CAT(SEQ_, OWB_MAX_1)(DEFINE_DW_KERNEL, 0)
#define DW_KERNEL_ENTRY(K, W) [W] = dw_kernel_##W,
static kernel_fn *const dw_kernels[MAX_OWB + 1] = {CAT(SEQ_, OWB_MAX_1)(DW_KERNEL_ENTRY, 0)};

/* ---- state: packed weights and the blocked buffers ---- */

typedef struct state {
    geom g;
    float *w, *bias, *in, *out;
    ptrdiff_t *toff;
} state;

static void *alloc64(size_t bytes, int zero) {
    bytes = (bytes + 63) / 64 * 64;
    if (!bytes) bytes = 64;
    void *p = aligned_alloc(64, bytes);
    if (p && zero) memset(p, 0, bytes);
    return p;
}

static void direct_release(void *vs) {
    state *st = vs;
    if (!st) return;
    free(st->w);
    free(st->bias);
    free(st->in);
    free(st->out);
    free(st->toff);
    free(st);
}

static int direct_prepare(conv_args *a) {
    const conv_problem *p = a->p;
    state *st = calloc(1, sizeof *st);
    if (!st) return -1;
    geom *g = &st->g;
    make_geom(p, a->params, g);
    st->w = alloc64(g->w_group * g->G * sizeof(float), 1);
    st->bias = alloc64((size_t)g->G * g->KBg * VW * sizeof(float), 1);
    /* Zeroed once: the padding and the unused lanes are never written again. */
    st->in = alloc64((g->nchw ? 0 : g->in_img * p->n) * sizeof(float), 1);
    st->out = alloc64(g->out_img * p->n * sizeof(float), 0);
    st->toff = alloc64((size_t)g->ntaps * sizeof(ptrdiff_t), 0);
    if (!st->w || !st->bias || !st->in || !st->out || !st->toff) {
        direct_release(st);
        return -1;
    }
    for (int r = 0; r < g->R; r++)
        for (int s = 0; s < g->S; s++) {
            int dr = r * p->dil_h, ds = s * p->dil_w;
            int ph = g->nph_h > 1 ? dr % g->SH : 0, pw = g->nph_w > 1 ? ds % g->SW : 0;
            st->toff[r * g->S + s] =
                ((((ptrdiff_t)ph * g->nph_w + pw) * g->Hq + dr / g->SH) * g->Wq + ds / g->SW) * VW;
        }
    /* Weights: per group, per k-group of kbn vectors: [cb][tap][c][kbn][VW];
     * channel-wise: [kb][c][tap][VW]. */
    if (g->dw)
        for (int k = 0; k < p->k; k++)
            for (int c = 0; c < g->dcg; c++)
                for (int t = 0; t < g->ntaps; t++)
                    st->w[(((size_t)(k / VW) * g->dcg + c) * g->ntaps + t) * VW + k % VW] =
                        a->wei[((size_t)k * g->dcg + c) * g->ntaps + t];
    for (int gi = 0; gi < g->G && !g->dw; gi++)
        for (int kg = 0; kg < g->nkg; kg++) {
            int kb0, kbn;
            split(g->KBg, g->nkg, kg, &kb0, &kbn);
            float *base = st->w + gi * g->w_group + (size_t)kb0 * VW * g->CBg * g->ntaps * g->wc;
            for (int kl = kb0 * VW; kl < imin((kb0 + kbn) * VW, g->Kg); kl++) {
                const int j = kl / VW - kb0, l = kl % VW, k = gi * g->Kg + kl;
                for (int cl = 0; cl < g->Cg; cl++)
                    for (int t = 0; t < g->ntaps; t++) {
                        size_t at = (((size_t)(cl / VW) * g->ntaps + t) * g->wc + cl % VW) * kbn * VW;
                        base[at + j * VW + l] = a->wei[((size_t)k * g->Cg + cl) * g->ntaps + t];
                    }
            }
        }
    if (a->bias)
        for (int gi = 0; gi < g->G; gi++)
            for (int kl = 0; kl < g->Kg; kl++)
                st->bias[(size_t)gi * g->KBg * VW + kl] = a->bias[gi * g->Kg + kl];
    a->state = st;
    return 0;
}

/* ---- layouts ---- */

/* One source row segment of nc channel rows (lane c from srow[c] + x),
 * len pixels, to the blocked input: source pixel x goes to phase (x + off) % sw at
 * position (x + off) / sw of prow (phase planes `plane` floats apart; only
 * phase 0 is stored when nph == 1). VW pixels x VW channels at a time,
 * transposed in registers; the last chunk overlaps the one before (rewriting
 * equal values) instead of going scalar. */
static void row_in(float *prow, const float *const srow[VW], int nc, int len, int off, int sw,
                   int nph, size_t plane) {
    for (int x = 0; x < len; x += VW) {
        const int x0 = x + VW <= len ? x : len - VW;
        if (x0 < 0) { /* a row narrower than a vector */
            for (int i = 0, pw = off % sw, q = off / sw; i < len; i++) {
                if (nph > 1 || pw == 0) {
                    float *d = prow + (size_t)(nph > 1 ? pw : 0) * plane + (size_t)q * VW;
                    for (int c = 0; c < nc; c++) d[c] = srow[c][i];
                }
                if (++pw == sw) pw = 0, q++;
            }
            return;
        }
        vec v[VW];
        for (int c = 0; c < VW; c++) v[c] = c < nc ? v_loadu(srow[c] + x0) : v_zero();
        v_transpose(v);
        if (sw == 1) {
            for (int i = 0; i < VW; i++) v_store(prow + (size_t)(x0 + off + i) * VW, v[i]);
            continue;
        }
        for (int i = 0, pw = (x0 + off) % sw, q = (x0 + off) / sw; i < VW; i++) {
            if (nph > 1 || pw == 0)
                v_store(prow + (size_t)(nph > 1 ? pw : 0) * plane + (size_t)q * VW, v[i]);
            if (++pw == sw) pw = 0, q++;
        }
    }
}

/* Pixel groups of a plane of len pixels: VW each, the last taking the
 * remainder (len / VW groups; one when len < VW), so the overlapping last
 * vector of row_in / layout_out stays inside one thread's group. */
static int pix_groups(int len) { return len < VW ? 1 : len / VW; }
static void pix_group(int len, int i, int *x0, int *x1) {
    const int ng = pix_groups(len);
    *x0 = i * VW;
    *x1 = i == ng - 1 ? len : *x0 + VW;
}

/* Units [u0, u1) of input plane (n, g, cb): VW-pixel groups of the one long
 * row (identity mapping) or input rows. */
static void in_units(const conv_args *a, int n, int gi, int cb, int u0, int u1, int identity) {
    const conv_problem *p = a->p;
    const state *st = a->state;
    const geom *g = &st->g;
    const size_t HW = (size_t)p->h * p->w, plane = (size_t)g->Hq * g->Wq * VW;
    const float *img = a->src + (size_t)n * p->c * HW;
    const float *src[VW];
    int nc;
    if (g->dw) { /* plane cb = (kb, c): lane l reads channel ((kb*VW + l) / dkg) * dcg + c */
        const int kb = cb / g->dcg, c = cb % g->dcg;
        nc = imin(VW, p->k - kb * VW);
        for (int l = 0; l < nc; l++)
            src[l] = img + (size_t)((kb * VW + l) / g->dkg * g->dcg + c) * HW;
    } else {
        nc = imin(VW, g->Cg - cb * VW);
        for (int l = 0; l < nc; l++) src[l] = img + (size_t)(gi * g->Cg + cb * VW + l) * HW;
    }
    float *blk = st->in + n * g->in_img + (size_t)(gi * g->CBg + cb) * g->in_cb;
    if (identity) {
        int x0, x1, y0, y1;
        pix_group((int)HW, u0, &x0, &y0);
        pix_group((int)HW, u1 - 1, &y1, &x1);
        for (int l = 0; l < nc; l++) src[l] += x0;
        row_in(blk + (size_t)x0 * VW, src, nc, x1 - x0, 0, 1, 1, plane);
        return;
    }
    /* Input columns some stored position holds: x + pad_l < Wq * SW. */
    const int xend = imin(p->w, g->Wq * g->SW - p->pad_l);
    for (int y = u0; y < u1; y++) {
        const int py = y + p->pad_t, ph = py % g->SH, j = py / g->SH;
        if ((g->nph_h == 1 && ph) || j >= g->Hq || xend <= 0) continue;
        float *prow = blk + (size_t)(g->nph_h > 1 ? ph : 0) * g->nph_w * plane +
                      (size_t)j * g->Wq * VW;
        const float *srow[VW];
        for (int l = 0; l < nc; l++) srow[l] = src[l] + (size_t)y * p->w;
        row_in(prow, srow, nc, xend, p->pad_l, g->SW, g->nph_w, plane);
    }
}

/* The next segment of this thread's share [*at, hi) of a space of outer
 * items of `units` units each: item *outer, units [*u0, *u1). 0 when done. */
static int next_segment(long long *at, long long hi, int units, long long *outer, int *u0,
                        int *u1) {
    if (*at >= hi) return 0;
    *outer = *at / units;
    *u0 = (int)(*at % units);
    *u1 = hi - *at < units - *u0 ? *u0 + (int)(hi - *at) : units;
    *at += *u1 - *u0;
    return 1;
}

/* A layout phase's work: per (n, g), nblocks channel blocks of `units`
 * units each, shared out as run() shares them (geom.spatial): by pixels,
 * a thread's units of an (n, g) with every block; else by channel blocks,
 * (n, g, block, unit). fn does units [u0, u1) of one block; flag is its own. */
typedef void block_units_fn(const conv_args *a, int n, int gi, int blk, int u0, int u1, int flag);

static void split_units(const conv_args *a, int nblocks, int units, block_units_fn *fn, int flag) {
    const conv_problem *p = a->p;
    const geom *g = &((const state *)a->state)->g;
    const long long total = (long long)p->n * g->G * (g->spatial ? 1 : nblocks) * units;
    if (total == 0) return;
    #pragma omp parallel num_threads(a->nthreads) if (a->nthreads > 1)
    {
        long long at, hi, o;
        int u0, u1;
        thread_share(total, &at, &hi);
        while (next_segment(&at, hi, units, &o, &u0, &u1)) {
            if (g->spatial) {
                const int n = (int)(o / g->G), gi = (int)(o % g->G);
                for (int blk = 0; blk < nblocks; blk++) fn(a, n, gi, blk, u0, u1, flag);
            } else {
                const int blk = (int)(o % nblocks), gi = (int)(o / nblocks % g->G),
                          n = (int)(o / nblocks / g->G);
                fn(a, n, gi, blk, u0, u1, flag);
            }
        }
    }
}

/* NCHW -> [n][g][cb][phase][hq][wq][VW]. Only positions some tap reads are
 * written; the padding stays zero from prepare(). Without padding or stride
 * the mapping is the identity and a channel plane is one long row, shared
 * out in VW-pixel groups; otherwise the units are the input rows. Split as
 * run() splits: by pixels, (n, g, unit) with every channel block, or by
 * channel blocks, (n, g, cb, unit). */
static void direct_layout_in(const conv_args *a) {
    const conv_problem *p = a->p;
    const geom *g = &((const state *)a->state)->g;
    const size_t HW = (size_t)p->h * p->w;
    const int identity = g->SH == 1 && g->SW == 1 && p->pad_t == 0 && p->pad_l == 0 &&
                         g->Hq == p->h && g->Wq == p->w;
    if (g->nchw || HW == 0) return; /* nchw: run() reads a->src */
    split_units(a, g->CBg, identity ? pix_groups((int)HW) : p->h, in_units, identity);
}

/* VW-pixel groups [u0, u1) of output plane (n, g, kb) to NCHW, VW pixels x
 * VW channels at a time. */
static void out_units(const conv_args *a, int n, int gi, int kb, int u0, int u1, int unused) {
    (void)unused;
    const conv_problem *p = a->p;
    const state *st = a->state;
    const geom *g = &st->g;
    const int P = g->OH * g->OW;
    const int nk = imin(VW, g->Kg - kb * VW);
    const float *ob = st->out + n * g->out_img + (size_t)(gi * g->KBg + kb) * g->out_kb;
    float *d = a->dst + ((size_t)n * p->k + gi * g->Kg + kb * VW) * P;
    if (P < VW) {
        for (int px = 0; px < P; px++)
            for (int c = 0; c < nk; c++) d[(size_t)c * P + px] = ob[(size_t)px * VW + c];
        return;
    }
    int x0, x1, y0, y1;
    pix_group(P, u0, &x0, &y0);
    pix_group(P, u1 - 1, &y1, &x1);
    /* The last chunk overlaps the one before rather than going scalar. */
    for (int px = x0; px < x1; px += VW) {
        const int p0 = px + VW <= x1 ? px : x1 - VW;
        vec v[VW];
        for (int i = 0; i < VW; i++) v[i] = v_load(ob + (size_t)(p0 + i) * VW);
        v_transpose(v);
        for (int c = 0; c < nk; c++) v_storeu(d + (size_t)c * P + p0, v[c]);
    }
}

/* [n][g][kb][oh*ow][VW] -> NCHW, split as run() splits: (n, g, pixel group)
 * with every k block, or (n, g, kb, pixel group). */
static void direct_layout_out(const conv_args *a) {
    const geom *g = &((const state *)a->state)->g;
    const int P = g->OH * g->OW;
    if (P == 0) return;
    split_units(a, g->KBg, pix_groups(P), out_units, 0);
}

/* ---- run ---- */

/* Units [u0, u1) of k-group kg of group gi of image n, channel pass c0
 * (its first channel block): output rows (each cut into pixel blocks), or
 * pixel blocks of the flat row. */
static void run_units(const conv_args *a, int n, int gi, int kg, int c0, int u0, int u1,
                      const float *next_w, size_t next_bytes) {
    const conv_problem *p = a->p;
    const state *st = a->state;
    const geom *g = &st->g;
    const int nc_tail = g->Cg - (g->CBg - 1) * VW;
    const int flat = g->rows == 1;
    int kb0, kbn;
    split(g->KBg, g->nkg, kg, &kb0, &kbn);
    /* Pixel blocks of a row: nblk near-equal ones, the first rem one wider.
     * Flat: the units are the blocks (at most owb_max[g->kb] <= owb_max[kbn] wide). */
    const int nblk = flat ? g->units : nblocks(g->rowlen, imin(g->owb, owb_max[kbn]));
    const int base = g->rowlen / nblk, rem = g->rowlen % nblk;
    kernel_fn *const(*const kt)[MAX_OWB + 1] = g->nchw ? nchw_kernels[g->nchw - 1] : kernels;
    kernel_fn *const wide = g->dw ? dw_kernels[base + (rem > 0)] : kt[kbn][base + (rem > 0)];
    kernel_fn *const narrow = g->dw ? dw_kernels[base] : kt[kbn][base];
    /* Channel-wise (kbn = 1): k block kb0's weights and its dcg input planes. */
    const float *wk = g->dw ? st->w + (size_t)kb0 * g->dcg * g->ntaps * VW
                            : st->w + gi * g->w_group + (size_t)kb0 * VW * g->CBg * g->ntaps * g->wc;
    /* NCHW in place: channel blocks VW planes apart, output pixels SW
     * floats apart, output rows SH input rows. */
    const size_t HW = (size_t)p->h * p->w, ps = g->nchw ? (size_t)g->SW : VW;
    const size_t in_cb = g->nchw ? VW * HW : g->in_cb;
    const size_t in_rstride = g->nchw ? (size_t)g->SH * p->w : (size_t)g->Wq * VW;
    const float *ik = g->nchw ? a->src + ((size_t)n * p->c + (size_t)gi * g->Cg) * HW
                              : st->in + n * g->in_img +
                                    (g->dw ? (size_t)kb0 * g->dcg : (size_t)gi * g->CBg) * g->in_cb;
    float *ok = st->out + n * g->out_img + (size_t)(gi * g->KBg + kb0) * g->out_kb;
    kargs ka = {.bias = st->bias + (size_t)(gi * g->KBg + kb0) * VW, .toff = st->toff,
                .ntaps = g->ntaps, .wc = g->wc, .in_cb = in_cb, .out_kb = g->out_kb,
                .in_cs = (ptrdiff_t)HW, .t0 = 0, .t1 = g->ntaps};
    /* Flat: blocks b0..b1 of the one row; else whole rows, all blocks. */
    const int r0 = flat ? 0 : u0, r1 = flat ? 1 : u1;
    const int b0 = flat ? u0 : 0, b1 = flat ? u1 : nblk;
    const int x_b0 = b0 * base + imin(b0, rem);
    /* The weights run() reads next (next_bytes from next_w) are prefetched
     * into L2, an equal slice per kernel call, a few lines per channel block,
     * so the first call of the next pass does not wait on L3 or DRAM for them
     * (ResNet's late layers read 1-9 MB of weights, each line reused by only
     * 7-14 calls). Weights that stay in L2 anyway (w_group within PF_BYTES)
     * are not prefetched. */
    const long long calls = (long long)(r1 - r0) * (b1 - b0);
    const long long lines =
        next_w && g->w_group * sizeof(float) > PF_BYTES ? (long long)(next_bytes + 63) / 64 : 0;
    const long long per_call = calls > 0 ? (lines + calls - 1) / calls : 0;
    const int ncb = g->dw ? 0 : imin(g->ct, g->CBg - c0);
    ka.pf_cb = ncb > 0 && lines > 0 ? (int)((per_call + ncb - 1) / ncb) : 0;
    ka.pf = ka.pf_end = ka.pf_cb ? (const char *)next_w : (const char *)wk; /* wk: never read */
    if (ka.pf_cb) ka.pf_end += lines * 64;
    const size_t pf_step = ka.pf_cb ? (size_t)per_call * 64 : 0; /* a call's slice */
    /* The pass; channel-wise, the one pass over the dcg planes (no partial
     * sums leave the registers). */
    ka.ncb = g->dw ? g->dcg : imin(g->ct, g->CBg - c0);
    ka.nc_last = g->dw || c0 + ka.ncb < g->CBg ? VW : nc_tail;
    ka.accumulate = c0 > 0;
    ka.w = wk + (size_t)c0 * g->ntaps * g->wc * kbn * VW;
    for (int row = r0; row < r1; row++) {
        /* Kernel rows wholly in the top or bottom padding are
         * skipped (taps are r-major): their products are zeros. */
        if (!flat) {
            const int iy = row * g->SH - p->pad_t; /* input row of r = 0 */
            int rr0 = iy >= 0 ? 0 : (-iy + p->dil_h - 1) / p->dil_h;
            int rr1 = iy > p->h - 1 ? 0 : imin(g->R, (p->h - 1 - iy) / p->dil_h + 1);
            ka.t0 = rr0 * g->S;
            ka.t1 = (rr1 > rr0 ? rr1 : rr0) * g->S;
        }
        const float *in_row = ik + c0 * in_cb + (size_t)row * in_rstride;
        float *out_row = ok + (size_t)row * g->OW * VW;
        for (int b = b0, x = x_b0; b < b1; b++) {
            ka.in = in_row + (size_t)x * ps;
            ka.out = out_row + (size_t)x * VW;
            if (b < rem) {
                wide(&ka);
                x += base + 1;
            } else {
                narrow(&ka);
                x += base;
            }
            ka.pf += pf_step;
        }
    }
}

/* This thread's units [*u0, *u1) of k-group kg of one (n, g), whose share
 * is [w0, w1) relative to the (n, g)'s first unit: unit u of the k-group
 * starting at kb0 (kbn vectors) sits at off + u * step, and is the
 * thread's when it starts in the share. */
static void kg_units(const geom *g, int kg, long long w0, long long w1, int *u0, int *u1) {
    int kb0, kbn;
    split(g->KBg, g->nkg, kg, &kb0, &kbn);
    const long long off = g->spatial ? kb0 : (long long)kb0 * g->units;
    const long long step = g->spatial ? g->KBg : kbn;
    long long a = w0 <= off ? 0 : (w0 - off + step - 1) / step;
    long long b = w1 <= off ? 0 : (w1 - off + step - 1) / step;
    *u0 = (int)(a > g->units ? g->units : a);
    *u1 = (int)(b > g->units ? g->units : b);
}

/* The units of (n, g), each weighing its k-group's vector count kbn (its
 * cost), KBg*units in all, laid out unit-major when splitting by pixels
 * (unit u, k-group kg at u*KBg + kb0) or k-group-major when splitting by
 * output channels (at kb0*units + u*kbn). A thread takes the units whose
 * first weight falls in its share of N*G*KBg*units. It runs them pass by
 * pass (a GEMM's kc loop), each pass chunk by chunk of geom.chunk units
 * (its mc loop: the pass's input for a chunk stays in L2) and each chunk
 * k-group by k-group (its nc loop: a k-group's pass weights stay in L1, or
 * L2 for 3x3, over the chunk), so the input is read from beyond L2 about once per pass, not
 * once per k-group. Every output still sees its passes in order, whatever
 * the thread count. One thread runs the serial loops. */
static void direct_run(const conv_args *a) {
    const conv_problem *p = a->p;
    const state *st = a->state;
    const geom *g = &st->g;
    if (g->rows == 0 || g->rowlen == 0 || g->KBg == 0) return;
    const long long per_ng = (long long)g->KBg * g->units;
    const long long total = (long long)p->n * g->G * per_ng;
    #pragma omp parallel num_threads(a->nthreads) if (a->nthreads > 1)
    {
        long long lo, hi;
        thread_share(total, &lo, &hi);
        for (long long ng = lo / per_ng; ng < p->n * (long long)g->G && ng * per_ng < hi; ng++) {
            const int n = (int)(ng / g->G), gi = (int)(ng % g->G);
            const long long w0 = lo - ng * per_ng, w1 = hi - ng * per_ng; /* relative to (n, g) */
            int umin = g->units, umax = 0;
            for (int kg = 0; kg < g->nkg; kg++) {
                int u0, u1;
                kg_units(g, kg, w0, w1, &u0, &u1);
                if (u0 < u1) {
                    umin = imin(umin, u0);
                    umax = u1 > umax ? u1 : umax;
                }
            }
            for (int c0 = 0; c0 < (g->dw ? 1 : g->CBg); c0 += g->ct)
                for (int cs = umin; cs < umax; cs += g->chunk)
                    for (int kg = 0; kg < g->nkg; kg++) {
                        int u0, u1;
                        kg_units(g, kg, w0, w1, &u0, &u1);
                        u0 = u0 > cs ? u0 : cs;
                        u1 = imin(u1, cs + g->chunk);
                        if (u0 >= u1) continue;
                        /* What comes next: the chunk's next k-group, else
                         * the next chunk's (the same pass) or pass's first. */
                        int nkg = kg + 1, nc0 = c0;
                        if (nkg == g->nkg) nkg = 0, nc0 = cs + g->chunk < umax ? c0 : c0 + g->ct;
                        const float *nw = NULL;
                        size_t nbytes = 0;
                        if (!g->dw && nc0 < g->CBg) {
                            int kb0, kbn;
                            split(g->KBg, g->nkg, nkg, &kb0, &kbn);
                            nw = st->w + gi * g->w_group +
                                 ((size_t)kb0 * VW * g->CBg + (size_t)nc0 * kbn * VW) * g->ntaps *
                                     g->wc;
                            nbytes = (size_t)imin(g->ct, g->CBg - nc0) * g->ntaps * g->wc * kbn *
                                     VW * sizeof(float);
                        }
                        run_units(a, n, gi, kg, c0, u0, u1, nw, nbytes);
                    }
        }
    }
}

/* The register budget: ow_block x k_blocks accumulators plus k_blocks
 * weight vectors and a broadcast must fit the vector registers (owb_max).
 * The cache fit: a pass's weights for one k-group (c_tile channel blocks x
 * taps x k_blocks vectors, as run() uses them) must stay in L2 over the
 * pixel chunk that reuses them. */
static const char *direct_check_params(const conv_problem *p, const conv_params *prm) {
    const int kb = prm->v[P_K_BLOCKS], owb = prm->v[P_OW_BLOCK];
    if (kb >= 1 && kb <= MAX_KB && owb > owb_max[kb])
        return "ow_block x k_blocks accumulators need more vector registers than there are";
    static _Thread_local char why[160];
    geom g;
    make_geom(p, prm, &g);
    const size_t pass = (size_t)(g.dw ? g.dcg : imin(g.ct, g.CBg)) * g.ntaps * g.wc * g.kb * VW *
                        sizeof(float);
    const conv_caches caches = conv_cpu_caches();
    if (caches.l2 && pass > caches.l2) {
        snprintf(why, sizeof why, "c_tile=%d: a pass's weights for a k-group (%zu KiB) do not fit in L2 (%zu KiB)",
                 prm->v[P_C_TILE], pass >> 10, caches.l2 >> 10);
        return why;
    }
    return NULL;
}

const conv_impl CAT(conv_impl_direct_, DIRECT_VARIANT) = {
    .name = "direct_" STR(DIRECT_VARIANT),
    .summary = "direct convolution, " STR(DIRECT_VARIANT)
               " intrinsics, NCHW" STR(VW) "c blocked layouts, register-tiled pixels x channels",
    .isa = DIRECT_ISA,
    .parallel = true,
    .tol = 2.0,
    .prepare = direct_prepare,
    .run = direct_run,
    .release = direct_release,
    .layout_in = direct_layout_in,
    .layout_out = direct_layout_out,
    .params = direct_params,
    .nparams = NPARAMS,
    .check_params = direct_check_params,
};
