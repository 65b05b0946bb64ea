/* winograd — F(m x m, 3 x 3) Winograd convolution (Lavin & Gray 2016) for
 * m = 2, 4, 6: one parametrised source, the tile size m an argument of the
 * shared code; winograd_f2x3, winograd_f4x3 and winograd_f6x3 are thin
 * wrappers.
 *
 * Per output tile of m x m pixels (input tile alpha x alpha, alpha = m + 2):
 *     Y = A^T [ (G g G^T) . (B^T d B) ] A  (+ bias)
 * where the element-wise product, summed over input channels, is alpha^2
 * independent matrix products: for each of the T = alpha^2 transformed
 * positions t, M_t (K x tiles) = U_t (K x C) . V_t (C x tiles). Those run on
 * the project's blocked GEMM (gemm.h) with U_t prepacked in prepare() and
 * V_t written by the input transform straight into the GEMM's packed-B form,
 * so the GEMM packs nothing.
 *
 * Transforms (Cook-Toom / Lagrange, computed in double at prepare time from
 * the interpolation points, not hard-coded): with finite points p_0..p_{n-1}
 * (n = alpha - 1) and the point at infinity,
 *     A^T[i][j] = p_j^i,             A^T[i][inf] = [i == m-1]
 *     G[j][k]   = p_j^k / N_j,       G[inf][k]   = [k == r-1],
 *                 N_j = prod_{l != j} (p_j - p_l)
 *     B^T[j][.] = coefficients of prod_{l != j} (x - p_l),
 *     B^T[inf][.] = coefficients of prod_l (x - p_l).
 * Points (measured, docs/winograd-accuracy.md): F2 {0, 1, -1, inf}; F4
 * {0, 1/2, -1/2, 2, -2, inf} (rel. L2 error 1.6x lower than Lavin's
 * {0, +-1, +-2}); F6 {0, +-1, +-1/2, +-2, inf} (the best of the sets tried:
 * +-3/2, +-3/4, +-1/4, +-3, +-4 in place of one pair are 2-30x worse). The finite points
 * other than 0 come in pairs +-p, which the transforms exploit (Barabasz et
 * al. 2018): B^T's rows for -p are row p with odd coefficients negated, so
 * both come from one even and one odd partial sum (E + O, E - O); A^T's
 * columns for +-p are applied to (m_p + m_-p) and (m_p - m_-p). Half the
 * multiplications, and the large-magnitude terms of a pair cancel before
 * they are scaled rather than after.
 *
 * Blocking: the tiles of all images, row-major, are cut into blocks of
 * `tile_block` tiles. Per block: the input transform writes V (T matrices
 * C x block, packed), T GEMMs write M (T matrices K x block), the output
 * transform reads M and writes dst. The workspace holds one block's V and M,
 * so it is the same size for any image and a block's data is still in cache
 * (L2 for the smaller layers, L3 for the widest) when the next phase reads it.
 * Partial tiles at the right and bottom edges read zeros past the input and
 * write only the outputs that exist.
 *
 * Threads: every block on the whole team: the input transform split by
 * (channel, group of tiles), the T GEMMs shared out whole (one thread per
 * GEMM), the output transform split by (output channel, group of tiles);
 * two barriers per block. Each output is computed by one thread in one
 * order, so the result is the same bits at any thread count.
 *
 * Vectorisation: the transforms work on LANES tiles at once (the innermost
 * loop, unit stride, `omp simd`), so any compiler vectorises them; the
 * x86-64 build compiles that code three times (AVX-512, AVX2+FMA, baseline)
 * with target attributes and picks by conv_cpu_isa(), like the GEMM kernel.
 * On AVX-512 the transforms have their own code (intrinsics, same sums in
 * the same order, so the same bits): patches gathered a row at a time by
 * masked vector loads and 8 x 8 transposes instead of scalar loads (the
 * masks are the padding), outputs scattered the same way, maps without the
 * coefficients that are zero by construction; and blocks of at most
 * FEW_TILES tiles (7 x 7 images) multiply on their own register tile. With
 * them the input transform went from ~40% to ~18% of F4's time on
 * res2a_branch2b, and F4 from 0.61x to ~0.8x oneDNN's Winograd (ResNet-50
 * 3x3 layers, geometric mean, one thread, Zen 4).
 *
 * Also on AVX-512: the transposed product (few tiles) runs on register tiles
 * of its own, the tiles in balanced groups of at most 8 (rows_multiply: 49
 * tiles are 7 x 7, not 56 rows of the GEMM's 8 x 32 tile); where the
 * transformed weights are past half of L3 and a block has few tiles
 * (res5a_branch2b, VGG conv5_1) they are not stored at all but transformed
 * from the raw weights chunk by chunk right before they are multiplied
 * (G.otf, otf_multiply), instead of streaming 37.7 MB from memory on every
 * run — with at most FEW_TILES tiles not even a chunk at a time: each U
 * value is made in registers right where it is multiplied (otf_column); and
 * a last chunk of at most 8 tiles is transformed two channels at
 * a time (wino_block.pairs). F4 / onednn_winograd on the ResNet-50 3x3
 * layers, geometric mean, median of ten runs 0.86 -> 0.96 (0.76-0.98 ->
 * 0.79-1.07 on the shared 2-core VM; docs/winograd-accuracy.md).
 *
 * Accuracy with few input channels (wino_geom.dbl, see make_geom): F6 up
 * to 8 input channels and F4 up to 2 keep U and V in double and do the
 * product and the output transform's column pass in double, so that their
 * error stays within 10x (F6) and 5x (F4) of the float direct sum's, which
 * is small there; in float F6 was 13-17x at C = 1..5. */
#include "conv.h"
#include "gemm.h"

#include <math.h>
#include <stdio.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

enum {
    KR = 3,          /* the kernel size */
    MAX_ALPHA = 8,   /* m = 6 */
    MAX_T = MAX_ALPHA * MAX_ALPHA,
    LANES = 16,      /* tiles per transform step: one AVX-512 register */
    SUB = 8,         /* the narrowest GEMM NR; every NR is a multiple */
    FEW_TILES = 4,   /* blocks of at most this many tiles multiply on few_tiles_r (AVX-512) */
    OTF_W = 32,      /* the AVX-512 GEMM kernel's NR: U^T's packed panels (rows_multiply) */
    OTF_KW = 64,     /* on-the-fly weights, U stored per chunk (more than FEW_TILES tiles):
                        output channels per chunk, 4 vectors a row of the product: 4 tiles x 4 =
                        16 accumulators, where 32 (8 accumulators) left res5a's product at ~half
                        the FMA rate */
    OTF_CC = 32,     /* and input channels: T x 32 x 64 floats = 288 KiB for F4, in L2 */
    OTF_COL_KW = 16, /* on-the-fly weights, U never stored (at most FEW_TILES tiles, see
                        otf_column): output channels a pass, one vector */
    OTF_COL_CC = 64, /* and input channels per chunk: 36 KiB of raw weights in L1; 32: 3-10%
                        slower on res5a, 128: 30% */
    OTF_PF = 2,      /* input channels of raw weights prefetched ahead */
    OTF_MAX_TILES = 32, /* at most this many tiles a block: more amortise streaming U (VGG conv4_2: no gain) */
    FUSED_MAX_C = 8,    /* the fused product (see make_geom) up to this many input channels */
    FUSED_KN = 4,       /* and output channels per pass over V: a t's C vectors loaded once for
                           4 channels, 1.25 loads per multiply-add; the products, 16 KiB for F6, in L1 */
    FUSED_BLOCK_SCALE = 8, /* and blocks of 8 x tile_block tiles (see make_geom) */
    DBL_MAX_C6 = 8,     /* F6 in double (see make_geom) up to this many input channels */
    DBL_MAX_C4 = 2,     /* and F4 */
    DBL_MAX_C = 8,      /* the larger of the two */
    DBL_KN = 2,         /* output channels per pass over V in double: the products, 16 KiB for F6
                           (1 or 4: 10-15% slower on VGG conv1_1) */
};

/* ---------------------------------------------------------------- matrices */

/* The interpolation points, finite ones in the order 0, p1, -p1, p2, -p2, ...
 * (the last point, infinity, is implicit). */
static int points_for(int m, double *pts) {
    static const double f2[] = {0, 1, -1};
    static const double f4[] = {0, 0.5, -0.5, 2, -2};
    static const double f6[] = {0, 1, -1, 0.5, -0.5, 2, -2};
    const double *src = m == 2 ? f2 : m == 4 ? f4 : f6;
    const int n = m + KR - 2;
    for (int i = 0; i < n; i++) pts[i] = src[i];
    return n;
}

/* The three matrices in double (alpha = m + 2; index alpha-1 is infinity). */
typedef struct wino_mats {
    int m, alpha;
    double at[MAX_ALPHA][MAX_ALPHA]; /* m x alpha */
    double g[MAX_ALPHA][KR];         /* alpha x 3 */
    double bt[MAX_ALPHA][MAX_ALPHA]; /* alpha x alpha */
} wino_mats;

/* coef[0..deg] of prod over l in pts, l != skip, of (x - pts[l]). */
static int poly_from_roots(const double *pts, int n, int skip, double *coef) {
    int deg = 0;
    coef[0] = 1;
    for (int l = 0; l < n; l++) {
        if (l == skip) continue;
        coef[deg + 1] = 0;
        for (int d = deg + 1; d >= 1; d--) coef[d] = coef[d - 1] - pts[l] * coef[d];
        coef[0] = -pts[l] * coef[0];
        deg++;
    }
    return deg;
}

static void make_mats(int m, wino_mats *W) {
    double pts[MAX_ALPHA];
    const int n = points_for(m, pts), alpha = m + KR - 1;
    memset(W, 0, sizeof *W);
    W->m = m;
    W->alpha = alpha;
    for (int j = 0; j < n; j++) {
        double Nj = 1, pw = 1;
        for (int l = 0; l < n; l++)
            if (l != j) Nj *= pts[j] - pts[l];
        for (int i = 0; i < m; i++, pw *= pts[j]) W->at[i][j] = pw;
        pw = 1;
        for (int k = 0; k < KR; k++, pw *= pts[j]) W->g[j][k] = pw / Nj;
        double coef[MAX_ALPHA + 1];
        const int deg = poly_from_roots(pts, n, j, coef);
        for (int l = 0; l <= deg; l++) W->bt[j][l] = coef[l];
    }
    W->at[m - 1][alpha - 1] = 1;
    W->g[alpha - 1][KR - 1] = 1;
    double coef[MAX_ALPHA + 1];
    const int deg = poly_from_roots(pts, n, -1, coef);
    for (int l = 0; l <= deg; l++) W->bt[alpha - 1][l] = coef[l];
}

/* One linear map out[i] = sum_e cf[i][e] * in[e], dense (zeros included);
 * cd holds the same coefficients in double (exact in float for these
 * points) for the double mode (wino_geom.dbl). */
typedef struct lin_map {
    float cf[MAX_ALPHA][MAX_ALPHA];
    double cd[MAX_ALPHA][MAX_ALPHA];
} lin_map;

/* The float programs the run-time transforms follow:
 *  input (one dimension): u = bt_sums . d (the point 0, one E and one O per
 *    pair, infinity), then out[0] = u[0], out[2q-1] = E_q + O_q,
 *    out[2q] = E_q - O_q, out[inf] = u[inf];
 *  output (one dimension): s = (m_0, m_p1 + m_-p1, m_p1 - m_-p1, ..., m_inf),
 *    then y = at_sums . s. */
typedef struct wino_xform {
    int m, alpha, npairs;
    lin_map in, out;
    bool ones_row0;  /* out's row 0 is all ones (p^0 of the finite points): adds, not multiplies */
} wino_xform;

static void add_term(lin_map *s, int row, int col, double c) {
    s->cf[row][col] = (float)c;
    s->cd[row][col] = (float)c;
}

static void make_xform(const wino_mats *W, wino_xform *X) {
    const int alpha = W->alpha, m = W->m, np = (alpha - 2) / 2;
    memset(X, 0, sizeof *X);
    X->m = m;
    X->alpha = alpha;
    X->npairs = np;
    for (int l = 0; l < alpha; l++) add_term(&X->in, 0, l, W->bt[0][l]);
    for (int q = 1; q <= np; q++) {
        const int row = 2 * q - 1; /* +p; -p is row 2q with odd coefficients negated */
        for (int l = 0; l < alpha; l += 2) add_term(&X->in, row, l, W->bt[row][l]);
        for (int l = 1; l < alpha; l += 2) add_term(&X->in, row + 1, l, W->bt[row][l]);
    }
    for (int l = 0; l < alpha; l++) add_term(&X->in, alpha - 1, l, W->bt[alpha - 1][l]);
    X->ones_row0 = true;
    for (int i = 0; i < m; i++) {
        add_term(&X->out, i, 0, W->at[i][0]);
        for (int q = 1; q <= np; q++) /* even powers see the sum, odd the difference */
            add_term(&X->out, i, 2 * q - 1 + (i & 1), W->at[i][2 * q - 1]);
        add_term(&X->out, i, alpha - 1, W->at[i][alpha - 1]);
    }
}

/* ------------------------------------------------------------ the geometry */

typedef struct wino_geom {
    int m, alpha, T;
    int oh, ow, th, tw;    /* output size; tiles per column and row */
    size_t tiles;          /* n * th * tw */
    int nb;                /* tiles per block */
    int nr, mr, kc;        /* the GEMM's panel widths and depth block (<= C) */
    bool tr;               /* transposed: M_t^T = V_t^T U_t^T (few tiles, see make_geom) */
    int ld;                /* nb rounded up: V's and M's tile extent */
    int ldk;               /* transposed: M^T's rows, K rounded up to LANES */
    size_t v_floats, m_floats; /* one t's V and M */
    bool otf;              /* transposed, weights transformed on the fly (see otf_multiply) */
    bool otf_col;          /* otf, U never stored: made column by column in registers (otf_column) */
    int otf_kw;            /* otf: output channels per chunk: wr's panels (OTF_COL_KW or OTF_KW) */
    int otf_cc;            /* otf: input channels per transformed chunk of U */
    size_t ub_floats;      /* otf: one t's chunk of U^T (otf_cc x OTF_KW, padded) */
    bool fused;            /* few input channels: the product inside the output transform */
    bool dbl;              /* fewer still (F6, F4): V, U, the products and the output transform in
                              double, rounded once at the end (see make_geom) */
} wino_geom;

enum { PARAM_TILES, WINO_NPARAMS };

static const conv_param_def wino_params[WINO_NPARAMS] = {
    [PARAM_TILES] = {"tile_block", 64, 16, 1024, 0,
                     "tiles transformed and multiplied per block: 64 tiles are two 32-wide GEMM "
                     "panels, so each weight micro-panel is used twice per load; one block's V and M "
                     "(T x (C+K) x 64 floats: 1.2 MiB for F4 at C = K = 64) stay in L2/L3 between "
                     "phases; 32..256 measured within 10% of each other (Xeon, ResNet/VGG 3x3); "
                     "with <= 8 input channels (the fused product) blocks are 8x this"},
};

static int round_up_int(int x, int to) { return (x + to - 1) / to * to; }

static gemm_blocking wino_blocking(void) { return gemm_default_blocking(); }

/* Tiles per block: want, or all the tiles where they are fewer. (Blocks
 * of one size, the tiles split evenly, were tried: res2a F4 +5% and F6
 * +17% on AVX-512, but F2 on 56 x 56 -10% and on 28 x 28 with the AVX2
 * kernel -20%, its 49-tile blocks padded to 64 where 3 x 64 + 4 pad to
 * 208 columns in all; Zen 5, driver.) */
static int block_tiles(size_t tiles, size_t want) {
    if (tiles == 0) return 1;
    return (int)(want < tiles ? want : tiles);
}

static wino_geom make_geom(const conv_problem *p, const conv_params *prm, int m) {
    wino_geom G;
    G.m = m;
    G.alpha = m + KR - 1;
    G.T = G.alpha * G.alpha;
    G.oh = conv_out_h(p);
    G.ow = conv_out_w(p);
    G.th = (G.oh + m - 1) / m;
    G.tw = (G.ow + m - 1) / m;
    G.tiles = (size_t)p->n * G.th * G.tw;
    G.nb = block_tiles(G.tiles, (size_t)prm->v[PARAM_TILES]);
    const gemm_kernel *kern = gemm_kernel_best();
    G.nr = kern->nr;
    G.mr = kern->mr;
    const gemm_blocking blk = wino_blocking();
    G.kc = blk.kc < p->c ? blk.kc : p->c;
    G.ldk = round_up_int(p->k, LANES);
    /* With few input channels the direct sum has few terms and its own
     * error is small (rel. L2 1.0e-7 at C = 3), while the float roundings
     * of U, V and M and the float arithmetic of the transforms, each
     * amplified by A^T's large entries (2^5 for the point 2 in F6), cost
     * F6 a rel. L2 error of ~1.4e-6 whatever C is: 13-14x naive's at C = 3
     * and 5, 17x at C = 1 (the ratio gate is 10x; F4 5.2x at C = 1, gate
     * 5x). Measured by stage (F6, C = 3, x naive): all float 13.1; the
     * input transform in double and V rounded once 11.2; the output
     * transform in double 11.6; the sum over C in double 12.2; all three,
     * V and M still rounded once to float 8.1; M kept in double too 6.5.
     * The float storage alone (U, V, M each rounded once, exact
     * arithmetic) is 8.1x. So up to DBL_MAX_C6 (F6) or DBL_MAX_C4 (F4)
     * input channels U is kept in double, V computed and kept in double,
     * and the products summed over C and the output transform's first
     * (column) pass done in double, rounded once to float; the row pass
     * and the bias stay in float (all in double would be 0.3x naive;
     * this is 1.4-2.6x for F6 at C = 8..1, F4 1.2-1.4x at C = 1, 2). The
     * product is then done inside the output transform, as in the fused
     * mode below, on every ISA, with the same bits on each. Cost: F6 on
     * VGG conv1_1 (C = 3) 1.1-1.2 -> 1.9-2.1 ms (one thread, Zen 4; F4,
     * 1.3 ms, is the faster there anyway); no change for C > 8. F6 at
     * C = 9..16 stays in float at 8.6-9.5x naive (gate 10x). */
    G.dbl = p->c <= (m == 6 ? DBL_MAX_C6 : m == 4 ? DBL_MAX_C4 : 0);
    /* The GEMM's tile is MR x NR (8 x 32 for AVX-512): with the tiles as
     * its n, a block of 4 or 16 tiles (F4 on 7x7 or 14x14 images) wastes
     * most of each NR-wide panel. Then the product is done transposed,
     * tiles as the rows (MR granularity) and output channels as the
     * columns, whichever pads less; needs MR a multiple of SUB. */
    const long normal = (long)round_up_int(p->k, G.mr) * round_up_int(G.nb, G.nr);
    const long transposed = (long)round_up_int(G.nb, G.mr) * round_up_int(p->k, G.nr);
    G.tr = !G.dbl && G.mr % SUB == 0 && transposed < normal;
    /* Transformed weights (T x K x C floats) past half of L3 stream from
     * memory on every run (37.7 MB for F4 at C = K = 512, where this
     * machine's one core reads ~14-25 GB/s), which bounds a block of few
     * tiles (res5a_branch2b: 4, VGG conv5_1: 16). Then the raw weights (9/T
     * of that, prefetched a chunk ahead) are transformed chunk by chunk into
     * an L2-sized buffer right before they are multiplied: F4 on res5a
     * 2.3-3.3 -> ~1.9 ms, conv5_1 +15-20%. F6 is left out: its weight
     * transform in single precision would cost accuracy. */
    G.otf = false;
#if defined(__x86_64__) && defined(__GNUC__)
    const conv_caches caches = conv_cpu_caches();
    const size_t u_bytes = (size_t)G.T * p->k * p->c * sizeof(float);
    const size_t l3 = caches.l3 ? caches.l3 : (size_t)32 << 20;
    G.otf = G.tr && m <= 4 && kern->nr == OTF_W && kern->mr == SUB && (conv_cpu_isa() & CONV_ISA_AVX512) &&
            u_bytes > l3 / 2 && G.nb <= OTF_MAX_TILES;
    /* With few input channels (VGG conv1_1: 3) the T products are GEMMs of
     * depth C: each writes a K x tiles matrix M for every C multiply-adds
     * per element, and the output transform reads it back (28.9 MB in all
     * for conv1_1). Then the output transform computes its T values of M
     * itself from U (T x C floats per output channel, read in order) and
     * the chunk's V (T x C x LANES, in L1), summing over c in the GEMM's
     * order: the same bits, and M never exists. F4, one thread, Zen 4, mean
     * ms, GEMMs -> fused: C = 3 at 224x224 (K = 64) 5.07 -> 3.85; at
     * 112x112, C = 4 0.93 -> 0.71, C = 8 1.15-1.35 -> 1.05-1.08, C = 16
     * 1.60 -> 1.86 (FUSED_MAX_C). F6 on C = 3 4.51 -> 3.47. */
    G.fused = !G.dbl && !G.tr && !G.otf && p->c <= FUSED_MAX_C && kern->nr % LANES == 0 &&
              (conv_cpu_isa() & CONV_ISA_AVX512);
    /* Fused, a block holds V only, C <= 8 channels deep (27 KiB for 64 F4
     * tiles at C = 3, where the GEMM path's V and M take 1.2 MiB at C = K =
     * 64), so its blocks are FUSED_BLOCK_SCALE times tile_block tiles:
     * VGG conv1_1 F4, driver, Zen 5, min ms of four alternations: 64 tiles
     * 0.96-1.01, 128 0.90-0.92, 256 0.86-0.92, 512 0.83-0.88. */
    if (G.fused) G.nb = block_tiles(G.tiles, (size_t)prm->v[PARAM_TILES] * FUSED_BLOCK_SCALE);
#else
    G.fused = false;
#endif
    /* otf on a block of at most FEW_TILES tiles: U's values used by so few
     * tiles are made right where they are multiplied, never stored (the
     * stores to the U buffer in L2 and their loads were the cost: res5a F4
     * 1.03-1.24 -> 0.84-0.87 ms; conv5_1's 16 tiles were 20% slower so) */
    G.otf_col = G.otf && G.nb <= FEW_TILES;
    G.otf_kw = G.otf_col ? OTF_COL_KW : OTF_KW;
    G.otf_cc = G.otf_col ? OTF_COL_CC : OTF_CC;
    if (G.otf_cc > G.kc) G.otf_cc = G.kc;
    G.ub_floats = G.otf && !G.otf_col ? (size_t)G.otf_cc * OTF_KW + LANES : 0;
    /* The block's V and M. One cache line more than the matrix: the T
     * matrices of a block are written (V) and read (M) a line from each at
     * a time, and at a power-of-two stride (16 KiB for F4 at C = 64) those
     * lines would all fall in one L1 set. The double mode's V holds
     * doubles; it and the fused product have no M. */
    G.ld = round_up_int(G.nb, G.nr > LANES ? G.nr : LANES);
    G.v_floats = (size_t)p->c * G.ld * (G.dbl ? 2 : 1) + LANES;
    G.m_floats = G.dbl || G.fused ? 0 : (G.tr ? (size_t)G.ld * G.ldk : (size_t)p->k * G.ld) + LANES;
    return G;
}

static const char *wino_unsupported(const conv_problem *p) {
    if (p->r != 3 || p->s != 3) return "needs a 3x3 kernel";
    if (p->stride_h != 1 || p->stride_w != 1) return "needs stride 1";
    if (p->dil_h != 1 || p->dil_w != 1) return "needs no dilation";
    if (p->groups != 1) return "needs groups == 1";
    if (gemm_kernel_best()->nr % SUB) return "GEMM kernel's NR not a multiple of 8";
    return NULL;
}

/* otf: a thread's slot of the workspace, in floats: its U buffer, then a
 * gap of OTF_SLOT_GAP bytes before the next thread's. With the buffers
 * back to back, thread 1 ran its share of res5a F4 at 2 threads 1.5x
 * slower than thread 0 (whichever half of the work it took), and F4 gained
 * 1.25x from the second thread; a gap of 16 KiB halved the loss, 32 KiB or
 * more removed it (1.78x; Zen 4) — likely a prefetcher running past the end
 * of one buffer into the start of the next, which another core writes. */
enum { OTF_SLOT_GAP = 64 << 10 };
static size_t otf_slot_floats(const wino_geom *G) {
    if (!G->ub_floats) return 0; /* otf_col: no U buffer */
    return (gemm_round64((size_t)G->T * G->ub_floats * sizeof(float)) + OTF_SLOT_GAP) / sizeof(float);
}

/* The workspace: one block's V and M, then (otf) the threads' slots. */
static size_t vm_bytes(const wino_geom *G) {
    return gemm_round64((size_t)G->T * (G->v_floats + G->m_floats) * sizeof(float));
}

static size_t wino_workspace(const conv_problem *p, const conv_params *prm, int m) {
    const wino_geom G = make_geom(p, prm, m);
    return vm_bytes(&G) +
           (G.otf ? (size_t)gemm_thread_slots() * otf_slot_floats(&G) * sizeof(float) : 0);
}

/* The cache-fit constraint on tile_block: one block's V and M (the
 * workspace) must stay in L3 between the phases that write and read them;
 * past it every block round-trips through memory. */
static const char *wino_check(const conv_problem *p, const conv_params *prm, int m) {
    static _Thread_local char why[160];
    const conv_caches caches = conv_cpu_caches();
    const size_t bytes = wino_workspace(p, prm, m);
    if (!caches.l3 || bytes <= caches.l3) return NULL;
    snprintf(why, sizeof why, "tile_block=%d: a block's V and M (%zu KiB) do not fit in L3 (%zu KiB)",
             prm->v[PARAM_TILES], bytes >> 10, caches.l3 >> 10);
    return why;
}

/* --------------------------------------------------------------- the state */

/* G's rows, by the pairs' symmetry (the rows for +-p share N_p): row 0 =
 * (g0, 0, 0), rows +-p = (e0, +-o1, e2), infinity = (0, 0, 1). The on-the-fly
 * weight transform uses them divided by g0 and e0 (1, 0, 0) and (1, +-p,
 * p^2): exact powers of two for F2 and F4, so U' = U / (s_i s_j) costs
 * fewer multiplies and roundings; the output transform takes the factors
 * s (g0, e0 of each pair, 1) back in its coefficients (wino_state.Xo). */
typedef struct otf_coef {
    float o1[3], e2[3]; /* p and p^2 */
} otf_coef;

typedef struct wino_state {
    gemm_packed_weights *pw; /* U_t, t = 0..T-1: K x C each, GEMM A panels (or NULL) */
    float *ut;               /* transposed mode: U_t^T, C x K each, GEMM B panels */
    size_t ut_floats;
    float *wr;               /* otf: the raw weights, [K/kw][C][3 x 3][kw] (kw: wino_geom.otf_kw), zero past K */
    otf_coef gc;             /* otf: G's coefficients, scaled */
    wino_xform X;
    wino_xform Xo;           /* otf: X with A^T's columns times the factors U' left out */
    float *uf;               /* fused: U as [k][t][c] */
    double *ud;              /* dbl: U as [k][t][c], in double (not rounded) */
} wino_state;

static void wino_release(void *state) {
    wino_state *s = state;
    if (!s) return;
    gemm_packed_weights_free(s->pw);
    free(s->ut);
    free(s->wr);
    free(s->uf);
    free(s->ud);
    free(s);
}

/* U_t[k][c] = (G g G^T)[i][j] in double, rounded once; packed for the GEMM
 * (dbl: kept in double). */
static int wino_prepare(conv_args *a, int m) {
    const conv_problem *p = a->p;
    wino_state *s = calloc(1, sizeof *s);
    if (!s) return -1;
    wino_mats W;
    make_mats(m, &W);
    make_xform(&W, &s->X);
    const int alpha = W.alpha, T = alpha * alpha, K = p->k, C = p->c;
    const gemm_blocking blk = wino_blocking();
    conv_params gp = {{0}};
    gp.v[GEMM_PARAM_MC] = blk.mc;
    gp.v[GEMM_PARAM_KC] = blk.kc;
    gp.v[GEMM_PARAM_NC] = blk.nc;
    const wino_geom G = make_geom(p, a->params, m);
    if (G.otf) {
        const int kw = G.otf_kw, kq = (K + kw - 1) / kw;
        s->wr = aligned_alloc(64, gemm_round64((size_t)kq * C * KR * KR * kw * sizeof(float)));
        if (!s->wr) {
            wino_release(s);
            return -1;
        }
        s->Xo = s->X;
        s->Xo.ones_row0 = false; /* row 0 scaled below */
        for (int i = 0; i < m; i++) s->Xo.out.cf[i][0] = (float)(W.at[i][0] * W.g[0][0]);
        for (int q = 1; q <= (alpha - 2) / 2; q++) {
            const double e0 = W.g[2 * q - 1][0];
            s->gc.o1[q - 1] = (float)(W.g[2 * q - 1][1] / e0);
            s->gc.e2[q - 1] = (float)(W.g[2 * q - 1][2] / e0);
            for (int i = 0; i < m; i++) s->Xo.out.cf[i][2 * q - 1 + (i & 1)] = (float)(W.at[i][2 * q - 1] * e0);
        }
#pragma omp parallel for num_threads(a->nthreads) schedule(static)
        for (int q = 0; q < kq; q++)
            for (int c = 0; c < C; c++)
                for (int e = 0; e < KR * KR; e++)
                    for (int l = 0; l < kw; l++) {
                        const int k = q * kw + l;
                        s->wr[(((size_t)q * C + c) * KR * KR + e) * kw + l] =
                            k < K ? a->wei[((size_t)k * C + c) * KR * KR + e] : 0.0f;
                    }
        a->state = s;
        return 0;
    }
    if (!G.tr && !G.fused && !G.dbl) s->pw = gemm_packed_weights_alloc(K, C, T, &gp);
    if (G.tr) {
        s->ut_floats = gemm_prepacked_floats(K, C, G.nr);
        s->ut = aligned_alloc(64, gemm_round64(s->ut_floats * T * sizeof(float)));
    }
    if (G.dbl) s->ud = malloc((size_t)T * K * C * sizeof(double));
    float *u = G.dbl ? NULL : malloc((size_t)T * K * C * sizeof(float));
    if (G.dbl ? !s->ud : !u || (G.tr ? !s->ut : !G.fused && !s->pw)) {
        free(u);
        wino_release(s);
        return -1;
    }
#pragma omp parallel num_threads(a->nthreads)
    {
#pragma omp for schedule(static)
        for (int kc = 0; kc < K * C; kc++) {
            const float *g = a->wei + (size_t)kc * KR * KR;
            double gt[MAX_ALPHA][KR]; /* G g */
            for (int i = 0; i < alpha; i++)
                for (int b = 0; b < KR; b++) {
                    double acc = 0;
                    for (int r = 0; r < KR; r++) acc += W.g[i][r] * g[r * KR + b];
                    gt[i][b] = acc;
                }
            for (int i = 0; i < alpha; i++)
                for (int j = 0; j < alpha; j++) {
                    double acc = 0;
                    for (int b = 0; b < KR; b++) acc += gt[i][b] * W.g[j][b];
                    /* [t][k][c], [t][c][k] for the transposed product, [k][t][c] fused */
                    const size_t t = (size_t)(i * alpha + j), k = (size_t)(kc / C), c = (size_t)(kc % C);
                    if (G.dbl) {
                        s->ud[(k * T + t) * C + c] = acc;
                        continue;
                    }
                    const size_t at = G.fused ? (k * T + t) * C + c : t * K * C + (G.tr ? c * K + k : (size_t)kc);
                    u[at] = (float)acc;
                }
        }
        const int tid = omp_get_thread_num(), nthr = omp_get_num_threads();
        for (int t = 0; t < T && !G.dbl; t++) {
            if (G.tr) {
                if (t % nthr == tid) {
                    const gemm_matrix um = {u + (size_t)t * K * C, K};
                    gemm_prepack(gemm_pack_b_rowmajor, &um, K, C, G.nr, blk.kc, s->ut + (size_t)t * s->ut_floats);
                }
            } else if (!G.fused) {
                const gemm_matrix um = {u + (size_t)t * K * C, C};
                gemm_packed_weights_pack(s->pw, t, gemm_pack_a_rowmajor, &um, tid, nthr);
            }
        }
    }
    if (G.fused) s->uf = u; /* used as it is */
    else free(u);
    a->state = s;
    return 0;
}

/* ---------------------------------------------------------- the transforms */

/* The transforms are written once, for any m, and instantiated for m = 2,
 * 4, 6 (a compile-time constant after inlining, so every loop over alpha
 * unrolls and the LANES-wide accumulators stay in registers). The maps are
 * dense alpha x alpha: a zero coefficient adds an exact 0, so the result is
 * that of the sparse sums, and there is no loop control to pay. */
#define INLINE static inline __attribute__((always_inline))

/* The three maps, written once for a scalar type T (float; double for the
 * double mode, wino_geom.dbl, with the coefficients' double copy CF), the
 * same sums in the same order:
 *  apply_map: out[i] = sum_e cf[i][e] in[e], rows outputs, alpha inputs,
 *    LANES each;
 *  in_1d: the input transform in one dimension, alpha elements (stride
 *    is) to alpha (stride os), through the E/O sums of each pair;
 *  out_1d: the output transform in one dimension, alpha elements (stride
 *    is) to m (stride os), through the sums and differences of each pair. */
#define SIMD_LOOP(l) _Pragma("omp simd") for (int l = 0; l < LANES; l++)
#define DEFINE_MAPS(T, SFX, CF)                                                                          \
    INLINE void apply_map##SFX(const T(*cf)[MAX_ALPHA], int rows, int alpha, const T *in, size_t is,    \
                               T *out, size_t os) {                                                     \
        for (int i = 0; i < rows; i++) {                                                                \
            T acc[LANES];                                                                               \
            SIMD_LOOP(l) acc[l] = 0;                                                                    \
            for (int e = 0; e < alpha; e++) {                                                           \
                const T c = cf[i][e];                                                                   \
                const T *src = in + (size_t)e * is;                                                     \
                SIMD_LOOP(l) acc[l] += c * src[l];                                                      \
            }                                                                                           \
            T *dst = out + (size_t)i * os;                                                              \
            SIMD_LOOP(l) dst[l] = acc[l];                                                               \
        }                                                                                               \
    }                                                                                                   \
    INLINE void in_1d##SFX(const wino_xform *X, int m, const T *in, size_t is, T *out, size_t os) {     \
        const int alpha = m + KR - 1, np = (alpha - 2) / 2;                                             \
        T u[MAX_ALPHA][LANES];                                                                          \
        apply_map##SFX(X->in.CF, alpha, alpha, in, is, &u[0][0], LANES);                                \
        SIMD_LOOP(l) {                                                                                  \
            out[l] = u[0][l];                                                                           \
            out[(alpha - 1) * os + l] = u[alpha - 1][l];                                                \
        }                                                                                               \
        for (int q = 1; q <= np; q++) {                                                                 \
            T *o1 = out + (2 * q - 1) * os, *o2 = out + 2 * q * os;                                     \
            SIMD_LOOP(l) {                                                                              \
                const T e = u[2 * q - 1][l], o = u[2 * q][l];                                           \
                o1[l] = e + o;                                                                          \
                o2[l] = e - o;                                                                          \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
    INLINE void out_1d##SFX(const wino_xform *X, int m, const T *in, size_t is, T *out, size_t os) {    \
        const int alpha = m + KR - 1, np = (alpha - 2) / 2;                                             \
        T s[MAX_ALPHA][LANES];                                                                          \
        SIMD_LOOP(l) {                                                                                  \
            s[0][l] = in[l];                                                                            \
            s[alpha - 1][l] = in[(alpha - 1) * is + l];                                                 \
        }                                                                                               \
        for (int q = 1; q <= np; q++) {                                                                 \
            const T *a = in + (2 * q - 1) * is, *b = in + 2 * q * is;                                   \
            SIMD_LOOP(l) {                                                                              \
                s[2 * q - 1][l] = a[l] + b[l];                                                          \
                s[2 * q][l] = a[l] - b[l];                                                              \
            }                                                                                           \
        }                                                                                               \
        apply_map##SFX(X->out.CF, m, alpha, &s[0][0], LANES, out, os);                                  \
    }
DEFINE_MAPS(float, , cf)
DEFINE_MAPS(double, _d, cd)

/* What one block's transforms need. */
typedef struct wino_block {
    const conv_problem *p;
    const wino_geom *G;
    const wino_xform *X;
    size_t t0;     /* first tile of the block */
    int nb;        /* tiles in it */
    int w;         /* V's panel width: NR (V_t is the GEMM's B) or MR (transposed: A) */
    int npad;      /* nb rounded up to w: the packed V's extent */
    int chunks;    /* groups of LANES tiles */
    bool pairs;    /* input: the last chunk has at most SUB tiles and takes channels two at a time */
    float *V, *M;
    const float *uf; /* fused (wino_geom.fused): U as [k][t][c], else NULL */
    const double *ud; /* dbl (wino_geom.dbl): U as [k][t][c] in double, else NULL */
} wino_block;

/* The input phase's units: (channel, chunk), or for a last chunk in pairs
 * (b->pairs) a pair of channels. */
static size_t input_units(const wino_block *b) {
    const size_t C = (size_t)b->p->c;
    return b->pairs ? C * (b->chunks - 1) + (C + 1) / 2 : C * b->chunks;
}

/* Where the GEMM's packed V (C x npad as B, or npad x C as A: KC blocks,
 * panels of w) keeps (c, j). */
static inline size_t v_index(const wino_block *b, int c, int j) {
    const int kc = b->G->kc, nr = b->w, C = b->p->c;
    const int blk = c / kc, kch = kc < C - blk * kc ? kc : C - blk * kc;
    return (size_t)blk * kc * b->npad + (size_t)(j / nr) * nr * kch + (size_t)(c % kc) * nr + j % nr;
}

/* The double mode's V: t's C x ld doubles, (c, j) at c * ld + j. */
static inline double *v_dbl(const wino_block *b, int t, int c, int j) {
    return (double *)(b->V + (size_t)t * b->G->v_floats) + (size_t)c * b->G->ld + j;
}

/* One lane's tile: image, top-left corner (input or output coordinates). */
typedef struct lane_tile {
    int n, y, x;
    bool whole;    /* input: the alpha x alpha patch inside the image; output: m x m outputs */
    bool live;     /* a tile of the block (not padding past nb) */
} lane_tile;

INLINE void lane_tiles(const wino_block *b, int j0, int m, bool input, lane_tile *lt) {
    const wino_geom *G = b->G;
    const conv_problem *p = b->p;
    const int alpha = m + KR - 1;
    const size_t per_img = (size_t)G->th * G->tw;
    for (int l = 0; l < LANES; l++) {
        lt[l].live = j0 + l < b->nb;
        if (!lt[l].live) continue;
        const size_t tile = b->t0 + j0 + l;
        const int rem = (int)(tile % per_img);
        lt[l].n = (int)(tile / per_img);
        lt[l].y = rem / G->tw * m;
        lt[l].x = rem % G->tw * m;
        if (input) {
            lt[l].y -= p->pad_t;
            lt[l].x -= p->pad_l;
            lt[l].whole = lt[l].y >= 0 && lt[l].x >= 0 && lt[l].y + alpha <= p->h && lt[l].x + alpha <= p->w;
        } else {
            lt[l].whole = lt[l].y + m <= G->oh && lt[l].x + m <= G->ow;
        }
    }
}

/* d[a][bb][l] = the chunk's patches of channel c (zeros in the padding
 * and in the lanes past the block). */
INLINE void gather_patch(const wino_block *b, const float *src, const lane_tile *lt, int c, int m,
                         float *restrict d) {
    const conv_problem *p = b->p;
    const int alpha = m + KR - 1, H = p->h, Wd = p->w;
    const size_t row = (size_t)alpha * LANES;
    for (int l = 0; l < LANES; l++) {
        if (!lt[l].live) {
            for (int e = 0; e < alpha * alpha; e++) d[e * LANES + l] = 0.0f;
            continue;
        }
        const float *plane = src + ((size_t)lt[l].n * p->c + c) * H * Wd;
        const int y0 = lt[l].y, x0 = lt[l].x;
        if (lt[l].whole) {
            const float *rowp = plane + (size_t)y0 * Wd + x0;
            for (int a = 0; a < alpha; a++, rowp += Wd)
                for (int bb = 0; bb < alpha; bb++) d[a * row + bb * LANES + l] = rowp[bb];
        } else {
            for (int a = 0; a < alpha; a++) {
                const int y = y0 + a;
                const bool yin = y >= 0 && y < H;
                for (int bb = 0; bb < alpha; bb++) {
                    const int x = x0 + bb;
                    d[a * row + bb * LANES + l] = yin && x >= 0 && x < Wd ? plane[(size_t)y * Wd + x] : 0.0f;
                }
            }
        }
    }
}

/* Input transform of channel c for the chunk's tiles. */
INLINE void input_unit(const wino_block *b, const float *src, const lane_tile *lt, int c, int j0, int m) {
    const wino_geom *G = b->G;
    const int alpha = m + KR - 1;
    float d[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    float w[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    float v[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    const size_t row = (size_t)alpha * LANES; /* d[a][b][l] */
    gather_patch(b, src, lt, c, m, d);
    /* Columns: w[i][bb] = sum_a BT[i][a] d[a][bb]; then rows: v[i][jj] = sum_bb w[i][bb] BT[jj][bb]. */
    for (int bb = 0; bb < alpha; bb++) in_1d(b->X, m, d + bb * LANES, row, w + bb * LANES, row);
    for (int i = 0; i < alpha; i++) in_1d(b->X, m, w + i * row, LANES, v + i * row, LANES);
    /* Into the T packed matrices: a whole cache line per matrix when the
     * chunk lies in one panel, else SUB lanes at a time (a panel holds
     * whole SUBs). */
    const int T = alpha * alpha;
    if (b->w % LANES == 0 && j0 + LANES <= b->npad) {
        const size_t at = v_index(b, c, j0);
        for (int t = 0; t < T; t++) {
            float *dst = b->V + (size_t)t * G->v_floats + at;
            const float *from = v + (size_t)t * LANES;
#pragma omp simd
            for (int l = 0; l < LANES; l++) dst[l] = from[l];
        }
        return;
    }
    for (int s = 0; s < LANES; s += SUB) {
        if (j0 + s >= b->npad) break;
        const size_t at = v_index(b, c, j0 + s);
        for (int t = 0; t < T; t++) {
            float *dst = b->V + (size_t)t * G->v_floats + at;
            const float *from = v + (size_t)t * LANES + s;
#pragma omp simd
            for (int l = 0; l < SUB; l++) dst[l] = from[l];
        }
    }
}

/* Input transform in double (wino_geom.dbl): channel c of the chunk's
 * tiles into V in double, the same program as input_unit. */
INLINE void input_unit_dbl(const wino_block *b, const float *src, const lane_tile *lt, int c, int j0, int m) {
    const int alpha = m + KR - 1;
    float df[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    double d[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    double w[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    double v[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    const size_t row = (size_t)alpha * LANES;
    gather_patch(b, src, lt, c, m, df);
#pragma omp simd
    for (int e = 0; e < alpha * alpha * LANES; e++) d[e] = df[e];
    for (int bb = 0; bb < alpha; bb++) in_1d_d(b->X, m, d + bb * LANES, row, w + bb * LANES, row);
    for (int i = 0; i < alpha; i++) in_1d_d(b->X, m, w + i * row, LANES, v + i * row, LANES);
    for (int t = 0; t < alpha * alpha; t++) {
        double *to = v_dbl(b, t, c, j0);
#pragma omp simd
        for (int l = 0; l < LANES; l++) to[l] = v[t * LANES + l];
    }
}

/* y[i][jj][l] (m x m x LANES) to the chunk's output tiles of channel k. */
INLINE void scatter_tile_out(const wino_block *b, float *dst, const lane_tile *lt, int k, const float *y, int m) {
    const conv_problem *p = b->p;
    const wino_geom *G = b->G;
    const size_t yrow = (size_t)m * LANES;
    for (int l = 0; l < LANES; l++) {
        if (!lt[l].live) break;
        float *plane = dst + ((size_t)lt[l].n * p->k + k) * G->oh * G->ow + (size_t)lt[l].y * G->ow + lt[l].x;
        if (lt[l].whole) {
            for (int i = 0; i < m; i++)
                for (int jj = 0; jj < m; jj++) plane[(size_t)i * G->ow + jj] = y[i * yrow + jj * LANES + l];
        } else {
            const int hh = G->oh - lt[l].y < m ? G->oh - lt[l].y : m;
            const int ww = G->ow - lt[l].x < m ? G->ow - lt[l].x : m;
            for (int i = 0; i < hh; i++)
                for (int jj = 0; jj < ww; jj++) plane[(size_t)i * G->ow + jj] = y[i * yrow + jj * LANES + l];
        }
    }
}

/* The output transform's row pass: y[i][jj] (m x m, LANES each) = out_1d
 * along the rows of w[i][bb] (m x alpha). */
INLINE void output_rows_pass(const wino_xform *X, int m, const float *w, float *y) {
    const size_t row = (size_t)(m + KR - 1) * LANES, yrow = (size_t)m * LANES;
    for (int i = 0; i < m; i++) out_1d(X, m, w + i * row, LANES, y + i * yrow, LANES);
}

/* The whole output transform: y (m x m) from the T values mm (alpha x
 * alpha), down the columns, then along the rows. */
INLINE void output_2d(const wino_xform *X, int m, const float *mm, float *y) {
    const size_t row = (size_t)(m + KR - 1) * LANES;
    float w[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64))); /* [i][bb] m x alpha */
    for (int bb = 0; bb < m + KR - 1; bb++) out_1d(X, m, mm + bb * LANES, row, w + bb * LANES, row);
    output_rows_pass(X, m, w, y);
}

/* Channel k's outputs y (m x m) of the chunk's tiles: the bias, and each
 * to its tile. */
INLINE void output_bias_scatter(const wino_block *b, float *dst, const float *bias, const lane_tile *lt, int k,
                                float *y, int m) {
    const float bv = bias ? bias[k] : 0.0f;
#pragma omp simd
    for (int e = 0; e < m * m * LANES; e++) y[e] += bv;
    scatter_tile_out(b, dst, lt, k, y, m);
}

/* Output transform in double (wino_geom.dbl) of output channel k for the
 * chunk's tiles: the T products summed over c (a product, then
 * multiply-adds in channel order) and out_1d down the columns in double,
 * rounded once to float; out_1d along the rows and the bias in float, as
 * in output_unit (the rows' float arithmetic costs little: F6 at C = 3,
 * 1.7x naive's error instead of 0.3x with the rows in double too, and
 * 4.8x with U in float). */
INLINE void output_unit_dbl(const wino_block *b, float *dst, const float *bias, const lane_tile *lt, int k,
                            int j0, int m) {
    const int alpha = m + KR - 1, T = alpha * alpha, C = b->p->c;
    double mm[MAX_T * LANES] __attribute__((aligned(64)));
    const double *u = b->ud + (size_t)k * T * C;
    for (int t = 0; t < T; t++) {
        double acc[LANES];
        const double *v = v_dbl(b, t, 0, j0);
#pragma omp simd
        for (int l = 0; l < LANES; l++) acc[l] = u[t * C] * v[l];
        for (int c = 1; c < C; c++) {
            const double uc = u[t * C + c];
            const double *vc = v_dbl(b, t, c, j0);
#pragma omp simd
            for (int l = 0; l < LANES; l++) acc[l] += uc * vc[l];
        }
#pragma omp simd
        for (int l = 0; l < LANES; l++) mm[t * LANES + l] = acc[l];
    }
    double wd[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    const size_t row = (size_t)alpha * LANES;
    for (int bb = 0; bb < alpha; bb++) out_1d_d(b->X, m, mm + bb * LANES, row, wd + bb * LANES, row);
    float w[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
#pragma omp simd
    for (int e = 0; e < m * alpha * LANES; e++) w[e] = (float)wd[e];
    float y[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    output_rows_pass(b->X, m, w, y);
    output_bias_scatter(b, dst, bias, lt, k, y, m);
}

/* mm[t] = the LANES values of each of the T matrices of M at off. */
INLINE void load_m(const wino_block *b, size_t off, int m, float *mm) {
    const int T = (m + KR - 1) * (m + KR - 1);
    for (int t = 0; t < T; t++) {
        const float *from = b->M + (size_t)t * b->G->m_floats + off;
#pragma omp simd
        for (int l = 0; l < LANES; l++) mm[t * LANES + l] = from[l];
    }
}

/* Output transform of output channel k for the chunk's tiles. */
INLINE void output_unit(const wino_block *b, float *dst, const float *bias, const lane_tile *lt, int k,
                        int j0, int m) {
    float mm[MAX_T * LANES] __attribute__((aligned(64)));
    load_m(b, (size_t)k * b->G->ld + j0, m, mm);
    float y[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    output_2d(b->X, m, mm, y);
    output_bias_scatter(b, dst, bias, lt, k, y, m);
}

/* Transposed mode: output channels [k0, k0+LANES) of tile j, from the
 * rows of M_t^T (tiles x ldk). */
/* Where tile j of the block writes output channel k0: its first output,
 * the rows and columns of it inside the image (hh x ww, less than m x m at
 * the bottom and right edges) and the channel planes' stride. */
typedef struct tile_out {
    float *first;
    int hh, ww;
    size_t plane;
} tile_out;

INLINE tile_out tile_out_of(const wino_block *b, float *dst, int j, int k0, int m) {
    const wino_geom *G = b->G;
    const size_t per_img = (size_t)G->th * G->tw, tile = b->t0 + j;
    const int n = (int)(tile / per_img), rem = (int)(tile % per_img);
    const int oy = rem / G->tw * m, ox = rem % G->tw * m;
    tile_out t = {.hh = G->oh - oy < m ? G->oh - oy : m, .ww = G->ow - ox < m ? G->ow - ox : m,
                  .plane = (size_t)G->oh * G->ow};
    t.first = dst + ((size_t)n * b->p->k + k0) * t.plane + (size_t)oy * G->ow + ox;
    return t;
}

INLINE void output_unit_tr(const wino_block *b, float *dst, const float *bias, int j, int k0, int m) {
    const conv_problem *p = b->p;
    const wino_geom *G = b->G;
    float mm[MAX_T * LANES] __attribute__((aligned(64)));
    load_m(b, (size_t)j * G->ldk + k0, m, mm);
    float y[MAX_ALPHA * MAX_ALPHA * LANES] __attribute__((aligned(64)));
    const size_t yrow = (size_t)m * LANES;
    output_2d(b->X, m, mm, y);
    const int lanes = p->k - k0 < LANES ? p->k - k0 : LANES;
    float bv[LANES];
    for (int l = 0; l < LANES; l++) bv[l] = bias && l < lanes ? bias[k0 + l] : 0.0f;
    for (int e = 0; e < m * m; e++)
#pragma omp simd
        for (int l = 0; l < LANES; l++) y[e * LANES + l] += bv[l];
    const tile_out to = tile_out_of(b, dst, j, k0, m);
    const int hh = to.hh, ww = to.ww;
    const size_t plane = to.plane;
    float *first = to.first;
    for (int i = 0; i < hh; i++)
        for (int jj = 0; jj < ww; jj++)
            for (int l = 0; l < lanes; l++) first[l * plane + (size_t)i * G->ow + jj] = y[i * yrow + jj * LANES + l];
}

INLINE void output_range_tr(const wino_block *b, float *dst, const float *bias, size_t u0, size_t u1, int m) {
    const int kchunks = b->G->ldk / LANES;
    for (size_t u = u0; u < u1; u++)
        output_unit_tr(b, dst, bias, (int)(u / kchunks), (int)(u % kchunks) * LANES, m);
}

/* Units [u0, u1) of a phase: unit u is chunk u / channels, channel
 * u % channels (input channels for the input transform, output channels
 * for the output one), so a thread's consecutive units share their tiles.
 * input and dbl are constants after inlining: one loop per mode, no test
 * per unit (with one, the baseline input transform took 7% more
 * instructions). */
INLINE void units_generic(const wino_block *b, bool input, bool dbl, const float *src, float *dst,
                          const float *bias, size_t u0, size_t u1, int m) {
    const int per = input ? b->p->c : b->p->k;
    lane_tile lt[LANES];
    int chunk = -1;
    for (size_t u = u0; u < u1; u++) {
        if ((int)(u / per) != chunk) {
            chunk = (int)(u / per);
            lane_tiles(b, chunk * LANES, m, input, lt);
        }
        const int ch = (int)(u % per), j0 = chunk * LANES;
        if (input && dbl) input_unit_dbl(b, src, lt, ch, j0, m);
        else if (input) input_unit(b, src, lt, ch, j0, m);
        else if (dbl) output_unit_dbl(b, dst, bias, lt, ch, j0, m);
        else output_unit(b, dst, bias, lt, ch, j0, m);
    }
}

INLINE void input_range(const wino_block *b, const float *src, size_t u0, size_t u1, int m) {
    if (b->ud) units_generic(b, true, true, src, NULL, NULL, u0, u1, m);
    else units_generic(b, true, false, src, NULL, NULL, u0, u1, m);
}

INLINE void output_range(const wino_block *b, float *dst, const float *bias, size_t u0, size_t u1, int m) {
    if (b->ud) units_generic(b, false, true, NULL, dst, bias, u0, u1, m);
    else units_generic(b, false, false, NULL, dst, bias, u0, u1, m);
}

/* ------------------------------------------- the AVX-512 input transform
 *
 * The same arithmetic as input_unit (columns, then rows, the same sums in
 * the same order, so the same bits), without its scalar gather: each
 * lane's patch is read a row at a time with a masked vector load (the mask
 * drops the columns and rows that fall in the padding, and lanes past the
 * block), two lanes per register (lane l in the low eight floats, lane
 * l + 8 in the high eight), and an 8 x 8 transpose in each half turns the
 * sixteen rows into the alpha columns d[a][0..alpha) of LANES tiles. The
 * maps skip the coefficients make_xform leaves zero by construction: the
 * point 0's row and each pair's even sum E read the even inputs, the odd
 * sums O and the point at infinity the odd ones. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX512_INLINE static inline __attribute__((always_inline, target("avx512f,fma")))

/* Where the chunk's lanes read: for pair l (lanes l and l + 8), the offsets
 * of their patches' top-left corners from the image's first channel, and per
 * patch row the load mask (lane l in bits 0..7, lane l + 8 in 8..15). */
typedef struct lane_src {
    ptrdiff_t lo[8], hi[8]; /* hi: less 8, so that the high half loads it */
    uint16_t mask[MAX_ALPHA][8];
    /* Input only: per patch row, bit l (lane l, 0..15) set when the lane's
     * row is whole and 8 floats from its start lie in the image's row, so
     * an unmasked 256-bit load may read it (the floats past alpha are
     * never used): masked 512-bit loads merging two lanes took ~30% of F4
     * on VGG conv1_2 (Zen 4, perf). */
    uint16_t plain[MAX_ALPHA];
    /* Output only: per row, bit l (lane l, 0..15) set when lane l may store
     * 8 floats unmasked — the 8 - m past its own are written again, later,
     * by the lanes after it (see lane_dests). */
    uint16_t wide[MAX_ALPHA];
    /* Output only, F4: row i of the 16 tiles is one run of 16 x 4 outputs
     * in a row of the image (whole tiles side by side), which store_run4
     * stores; no lane of it needs wide. */
    bool run[MAX_ALPHA];
} lane_src;

static void lane_sources(const wino_block *b, const lane_tile *lt, int m, lane_src *ls) {
    const conv_problem *p = b->p;
    const int alpha = m + KR - 1, H = p->h, Wd = p->w;
    for (int l = 0; l < LANES; l++) {
        ptrdiff_t off = 0;
        unsigned xmask = 0;
        if (lt[l].live) {
            off = (ptrdiff_t)lt[l].n * p->c * H * Wd + (ptrdiff_t)lt[l].y * Wd + lt[l].x;
            for (int bb = 0; bb < alpha; bb++)
                if (lt[l].x + bb >= 0 && lt[l].x + bb < Wd) xmask |= 1u << bb;
        }
        const bool fits = lt[l].live && lt[l].x >= 0 && lt[l].x + 8 <= Wd;
        for (int a = 0; a < alpha; a++) {
            const int y = lt[l].y + a;
            const unsigned rm = lt[l].live && y >= 0 && y < H ? xmask : 0;
            if (l < 8) ls->mask[a][l] = (uint16_t)rm;
            else ls->mask[a][l - 8] |= (uint16_t)(rm << 8);
            if (l == 0) ls->plain[a] = 0;
            if (fits && rm == (1u << alpha) - 1) ls->plain[a] |= (uint16_t)(1u << l);
        }
        if (l < 8) ls->lo[l] = off;
        else ls->hi[l - 8] = off - 8;
    }
}

/* r[0..8): eight rows of 16 floats, seen as two 8 x 8 matrices (the low
 * and the high eight floats of each row), transposed each in place:
 * out[j] (j < n) = [r[0..8)[j] | r[0..8)[j + 8]]. */
AVX512_INLINE void transpose_halves(const __m512 *r, int n, __m512 *out) {
    __m512 t[8], s[8];
    for (int q = 0; q < 4; q++) {
        t[2 * q] = _mm512_unpacklo_ps(r[2 * q], r[2 * q + 1]);
        t[2 * q + 1] = _mm512_unpackhi_ps(r[2 * q], r[2 * q + 1]);
    }
    for (int h = 0; h < 2; h++) { /* rows 4h .. 4h+3 */
        s[4 * h + 0] = _mm512_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        s[4 * h + 1] = _mm512_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
        s[4 * h + 2] = _mm512_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        s[4 * h + 3] = _mm512_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
    }
    /* s[c] (c < 4) holds column c of rows 0..3 in 128-bit lanes 0 (low
     * half) and 2 (high half), column c + 4 in lanes 1 and 3; s[4 + c]
     * the same of rows 4..7. */
    const __m512i lo_cols = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
    const __m512i hi_cols = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    for (int j = 0; j < n; j++)
        out[j] = _mm512_permutex2var_ps(s[j & 3], j < 4 ? lo_cols : hi_cols, s[4 + (j & 3)]);
}

/* Row a of the chunk's patches: d[bb] = column bb of row a, LANES tiles. */
AVX512_INLINE void load_patch_row(const float *base, const lane_src *ls, int a, size_t row_off,
                                  int alpha, __m512 *d) {
    __m512 r[8];
    for (int l = 0; l < 8; l++) {
        if ((ls->plain[a] >> l & 0x101) == 0x101) { /* lanes l and l + 8 */
            const __m256 lo = _mm256_loadu_ps(base + ls->lo[l] + row_off);
            const __m256 hi = _mm256_loadu_ps(base + ls->hi[l] + 8 + row_off);
            r[l] = _mm512_castpd_ps(
                _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1));
            continue;
        }
        const __mmask16 mk = ls->mask[a][l];
        r[l] = _mm512_maskz_loadu_ps(mk & 0xff, base + ls->lo[l] + row_off);
        r[l] = _mm512_mask_loadu_ps(r[l], mk & 0xff00, base + ls->hi[l] + row_off);
    }
    transpose_halves(r, alpha, d);
}

/* The maps on registers, written once for a vector type VT of scalars ST
 * (intrinsics _mm512_*_S: __m512 of float, and __m512d of double for the
 * double mode, wino_geom.dbl, with the coefficients' double copy CF):
 *  sparse_sum: out[i] = sum_e cf[i][e] in[e] over e of the given parity,
 *    in increasing e: apply_map's sum without its zero terms;
 *  in_1d_v: in_1d;
 *  out_1d_v: y[i] = sum_e cf[i][e] s[e] over the columns make_xform
 *    fills, in increasing e, less the terms that are zero by construction
 *    (in X and in the otf Xo alike): the point 0 reaches only row 0 (p^i =
 *    [i == 0]) and infinity only row m-1, with coefficient 1. The same bits
 *    as the dense map (x + 0 y is x for finite y, 1 y is y), in 14
 *    operations instead of 20 for F4 (VGG conv1_1 F4 -2..10%, conv1_2
 *    -2%); row 0, all ones for X, by additions (fma(1, x, a) is x + a). */
#define DEFINE_VMAPS(VT, ST, S, SFX, CF)                                                                 \
    AVX512_INLINE VT sparse_sum##SFX(const ST *cf, int alpha, int parity, const VT *in) {               \
        VT acc = _mm512_mul_##S(_mm512_set1_##S(cf[parity]), in[parity]);                              \
        for (int e = parity + 2; e < alpha; e += 2)                                                     \
            acc = _mm512_fmadd_##S(_mm512_set1_##S(cf[e]), in[e], acc);                                 \
        return acc;                                                                                     \
    }                                                                                                   \
    AVX512_INLINE void in_1d_v##SFX(const wino_xform *X, int m, const VT *in, VT *out) {                \
        const int alpha = m + KR - 1, np = (alpha - 2) / 2;                                             \
        out[0] = sparse_sum##SFX(X->in.CF[0], alpha, 0, in);                                            \
        for (int q = 1; q <= np; q++) {                                                                 \
            const VT e = sparse_sum##SFX(X->in.CF[2 * q - 1], alpha, 0, in);                            \
            const VT o = sparse_sum##SFX(X->in.CF[2 * q], alpha, 1, in);                                \
            out[2 * q - 1] = _mm512_add_##S(e, o);                                                      \
            out[2 * q] = _mm512_sub_##S(e, o);                                                          \
        }                                                                                               \
        out[alpha - 1] = sparse_sum##SFX(X->in.CF[alpha - 1], alpha, 1, in);                            \
    }                                                                                                   \
    AVX512_INLINE void out_1d_v##SFX(const wino_xform *X, int m, const VT *in, VT *out) {               \
        const int alpha = m + KR - 1, np = (alpha - 2) / 2;                                             \
        VT s[MAX_ALPHA];                                                                                \
        s[0] = in[0];                                                                                   \
        s[alpha - 1] = in[alpha - 1];                                                                   \
        for (int q = 1; q <= np; q++) {                                                                 \
            s[2 * q - 1] = _mm512_add_##S(in[2 * q - 1], in[2 * q]);                                    \
            s[2 * q] = _mm512_sub_##S(in[2 * q - 1], in[2 * q]);                                        \
        }                                                                                               \
        for (int i = 0; i < m; i++) {                                                                   \
            const ST *cf = X->out.CF[i];                                                                \
            if (i == 0 && X->ones_row0) {                                                               \
                VT acc = s[0];                                                                          \
                for (int q = 1; q <= np; q++) acc = _mm512_add_##S(acc, s[2 * q - 1]);                  \
                out[0] = acc; /* infinity reaches row m - 1 only, never 0 (m >= 2) */                   \
                continue;                                                                               \
            }                                                                                           \
            const int first = i == 0 ? 0 : 1 + (i & 1); /* the point 0's column, else the first pair's */ \
            VT acc = _mm512_mul_##S(_mm512_set1_##S(cf[first]), s[first]);                              \
            for (int q = 1; q <= np; q++) {                                                             \
                const int e = 2 * q - 1 + (i & 1);                                                      \
                if (e != first) acc = _mm512_fmadd_##S(_mm512_set1_##S(cf[e]), s[e], acc);              \
            }                                                                                           \
            out[i] = i == m - 1 ? _mm512_add_##S(acc, s[alpha - 1]) : acc;                              \
        }                                                                                               \
    }
DEFINE_VMAPS(__m512, float, ps, , cf)
DEFINE_VMAPS(__m512d, double, pd, d, cd)

/* x's low (h = 0) or high (h = 1) eight floats, in double. */
AVX512_INLINE __m512d half_pd(__m512 x, int h) {
    return _mm512_cvtps_pd(h ? _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1))
                             : _mm512_castps512_ps256(x));
}

/* input_unit_dbl's transform of the patches d (as input_unit_avx512
 * loads them), eight lanes at a time in double; pair: the high eight
 * lanes are channel c + 1's (units_avx512). */
AVX512_INLINE void input_dbl_avx512(const wino_block *b, __m512 d[MAX_ALPHA][MAX_ALPHA], int c, int j0, int m,
                                    bool pair) {
    const int alpha = m + KR - 1;
    for (int h = 0; h < 2; h++) {
        const int ch = pair ? c + h : c, j = pair ? j0 : j0 + 8 * h;
        if (ch >= b->p->c) break;
        __m512d dd[MAX_ALPHA][MAX_ALPHA];
        for (int bb = 0; bb < alpha; bb++) {
            __m512d col[MAX_ALPHA], out[MAX_ALPHA];
            for (int a = 0; a < alpha; a++) col[a] = half_pd(d[a][bb], h);
            in_1d_vd(b->X, m, col, out);
            for (int i = 0; i < alpha; i++) dd[i][bb] = out[i];
        }
#pragma GCC unroll 8
        for (int i = 0; i < alpha; i++) {
            __m512d v[MAX_ALPHA];
            in_1d_vd(b->X, m, dd[i], v);
            for (int jj = 0; jj < alpha; jj++) _mm512_storeu_pd(v_dbl(b, i * alpha + jj, ch, j), v[jj]);
        }
    }
}

AVX512_INLINE void input_unit_avx512(const wino_block *b, const float *src, const lane_src *ls, int c,
                                     int j0, int m, bool pair) {
    const conv_problem *p = b->p;
    const wino_geom *G = b->G;
    const int alpha = m + KR - 1;
    const float *base = src + (size_t)c * p->h * p->w;
    __m512 d[MAX_ALPHA][MAX_ALPHA]; /* [a][bb], then w[i][bb] */
    for (int a = 0; a < alpha; a++) load_patch_row(base, ls, a, (size_t)a * p->w, alpha, d[a]);
    if (b->ud) {
        input_dbl_avx512(b, d, c, j0, m, pair);
        return;
    }
    /* Columns: w[i][bb] = sum_a BT[i][a] d[a][bb]. */
    for (int bb = 0; bb < alpha; bb++) {
        __m512 col[MAX_ALPHA], out[MAX_ALPHA];
        for (int a = 0; a < alpha; a++) col[a] = d[a][bb];
        in_1d_v(b->X, m, col, out);
        for (int i = 0; i < alpha; i++) d[i][bb] = out[i];
    }
    /* Rows: v[i][jj] = sum_bb w[i][bb] BT[jj][bb], into the T packed
     * matrices: a whole cache line per matrix when the chunk lies in one
     * panel, else SUB lanes at a time (a panel holds whole SUBs). */
    const bool whole = !pair && b->w % LANES == 0 && j0 + LANES <= b->npad;
    const size_t at = v_index(b, c, j0);
    size_t at_hi = whole || j0 + SUB >= b->npad ? at + SUB : v_index(b, c, j0 + SUB);
    __mmask16 hi_mask = j0 + SUB < b->npad ? 0xff00 : 0;
    if (pair) { /* the high eight lanes are the same tiles' channel c + 1 */
        hi_mask = c + 1 < p->c ? 0xff00 : 0;
        at_hi = c + 1 < p->c ? v_index(b, c + 1, j0) : at;
    }
#pragma GCC unroll 8 /* d in registers, as in output_unit_avx512 */
    for (int i = 0; i < alpha; i++) {
        __m512 v[MAX_ALPHA];
        in_1d_v(b->X, m, d[i], v);
        for (int jj = 0; jj < alpha; jj++) {
            float *dst = b->V + (size_t)(i * alpha + jj) * G->v_floats;
            if (whole) {
                _mm512_storeu_ps(dst + at, v[jj]);
            } else {
                _mm512_mask_storeu_ps(dst + at, 0x00ff, v[jj]);
                _mm512_mask_storeu_ps(dst + at_hi - SUB, hi_mask, v[jj]);
            }
        }
    }
}

/* Where lane l (0..15) of ls starts. */
static ptrdiff_t lane_at(const lane_src *ls, int l) { return l < 8 ? ls->lo[l] : ls->hi[l - 8] + 8; }

/* How many floats lane l (0..15) has in row i of ls: its mask's bits. */
static int row_width(const lane_src *ls, int i, int l) {
    const unsigned bits = l < 8 ? ls->mask[i][l] & 0xffu : ls->mask[i][l - 8] >> 8;
    return __builtin_popcount(bits);
}

/* Where the chunk's lanes write: lane_sources for the output tiles. */
static void lane_dests(const wino_block *b, const lane_tile *lt, int m, lane_src *ls) {
    const wino_geom *G = b->G;
    for (int l = 0; l < LANES; l++) {
        ptrdiff_t off = 0;
        int hh = 0, ww = 0;
        if (lt[l].live) {
            off = (ptrdiff_t)lt[l].n * b->p->k * G->oh * G->ow + (ptrdiff_t)lt[l].y * G->ow + lt[l].x;
            hh = G->oh - lt[l].y < m ? G->oh - lt[l].y : m;
            ww = G->ow - lt[l].x < m ? G->ow - lt[l].x : m;
        }
        for (int i = 0; i < m; i++) {
            const unsigned rm = i < hh ? (1u << ww) - 1 : 0;
            if (l < 8) ls->mask[i][l] = (uint16_t)rm;
            else ls->mask[i][l - 8] |= (uint16_t)(rm << 8);
        }
        if (l < 8) ls->lo[l] = off;
        else ls->hi[l - 8] = off - 8;
    }
    /* A masked 512-bit store per lane and row cost 2/3 of VGG conv1_1 (perf,
     * Zen 4: the cycles sit behind the masked stores). Lanes store in order
     * 0..15, so lane l may write a whole 256-bit row of 8 floats when the
     * lanes after it in the same row rewrite the 8 - width floats past its
     * own: a tile row of consecutive whole tiles, all but the last lane. */
    for (int i = 0; i < m; i++) {
        ls->wide[i] = 0;
        ls->run[i] = m == 4;
        for (int l = 0; l < LANES && ls->run[i]; l++)
            if (row_width(ls, i, l) != m || lane_at(ls, l) != ls->lo[0] + (ptrdiff_t)l * m) ls->run[i] = false;
        if (ls->run[i]) continue;
        for (int l = 0; l < LANES; l++) {
            const ptrdiff_t start = lane_at(ls, l);
            ptrdiff_t covered = start + row_width(ls, i, l);
            if (covered == start) continue;
            for (int n = l + 1; n < LANES && covered < start + 8; n++) {
                const ptrdiff_t at = lane_at(ls, n);
                const int width = row_width(ls, i, n);
                if (width == 0 || at > covered) break;
                if (at + width > covered) covered = at + width;
            }
            if (covered >= start + 8) ls->wide[i] |= (uint16_t)(1u << l);
        }
    }
}

/* The first half of the output transform, on registers: w[i][bb] (i < m)
 * = out_1d down each column bb of the T matrices' values (t's at from +
 * t * stride), a column loaded at a time. */
AVX512_INLINE void output_columns(const wino_block *b, const float *from, size_t stride, int m,
                                  __m512 w[MAX_ALPHA][MAX_ALPHA]) {
    const int alpha = m + KR - 1;
    for (int bb = 0; bb < alpha; bb++) {
        __m512 col[MAX_ALPHA], out[MAX_ALPHA];
        for (int a = 0; a < alpha; a++) col[a] = _mm512_loadu_ps(from + (size_t)(a * alpha + bb) * stride);
        out_1d_v(b->X, m, col, out);
        for (int i = 0; i < m; i++) w[i][bb] = out[i];
    }
}

/* Fused (b->uf): prod[i][t] = the product of t for output channel k0 + i
 * and the LANES tiles from j0, summed over the C channels as the GEMM's
 * microkernel sums them (a product, then fused multiply-adds in channel
 * order), so the bits are the GEMM path's. A t's C vectors of V are loaded
 * once for the kn channels; loading them per channel, beside the broadcast
 * of U, made the loads the bound (C = 3). C is a constant in each
 * instantiation (fused_products), so the vectors stay in registers. */
AVX512_INLINE void fused_products_c(const wino_block *b, int C, int k0, int kn, int j0,
                                    float prod[FUSED_KN][MAX_T][LANES]) {
    const int T = b->G->T;
    /* fused: C <= KC, so V_t is one KC block, channel c of the LANES tiles
     * at c * w past channel 0 */
    const float *v = b->V + v_index(b, 0, j0);
    const float *u = b->uf + (size_t)k0 * T * C;
    for (int t = 0; t < T; t++) {
        const float *vt = v + (size_t)t * b->G->v_floats;
        __m512 vc[FUSED_MAX_C];
        for (int c = 0; c < C; c++) vc[c] = _mm512_loadu_ps(vt + (size_t)c * b->w);
        for (int i = 0; i < kn; i++) {
            const float *ut = u + ((size_t)i * T + t) * C;
            __m512 acc = _mm512_mul_ps(_mm512_set1_ps(ut[0]), vc[0]);
            for (int c = 1; c < C; c++) acc = _mm512_fmadd_ps(_mm512_set1_ps(ut[c]), vc[c], acc);
            _mm512_store_ps(prod[i][t], acc);
        }
    }
}

/* NAME(b, k0, kn, j0, prod) calls NAME_c with its C a constant 1..8, so
 * that the C vectors stay in registers: the products over few channels,
 * fused and in the double mode. */
#define DEFINE_PRODUCTS_BY_C(NAME, T, KN)                                                               \
    __attribute__((target("avx512f,fma"))) static void NAME(const wino_block *b, int k0, int kn, int j0, \
                                                            T prod[KN][MAX_T][LANES]) {                 \
        switch (b->p->c) {                                                                              \
        case 1: NAME##_c(b, 1, k0, kn, j0, prod); break;                                                \
        case 2: NAME##_c(b, 2, k0, kn, j0, prod); break;                                                \
        case 3: NAME##_c(b, 3, k0, kn, j0, prod); break;                                                \
        case 4: NAME##_c(b, 4, k0, kn, j0, prod); break;                                                \
        case 5: NAME##_c(b, 5, k0, kn, j0, prod); break;                                                \
        case 6: NAME##_c(b, 6, k0, kn, j0, prod); break;                                                \
        case 7: NAME##_c(b, 7, k0, kn, j0, prod); break;                                                \
        case 8: NAME##_c(b, 8, k0, kn, j0, prod); break;                                                \
        }                                                                                               \
    }
DEFINE_PRODUCTS_BY_C(fused_products, float, FUSED_KN)
_Static_assert(FUSED_MAX_C == 8, "fused_products instantiates C = 1..8");

/* dst[0..64) = 16 tiles' rows of 4 side by side: dst[4 l + j] = y[j][l],
 * four full stores after 16 shuffles (interleave y0..y3 within 128-bit
 * blocks, then a 4 x 4 transpose of the blocks), instead of a transpose of
 * eight rows and a store per lane. */
AVX512_INLINE void store_run4(float *dst, const __m512 *y) {
    const __m512 t0 = _mm512_unpacklo_ps(y[0], y[1]), t1 = _mm512_unpackhi_ps(y[0], y[1]);
    const __m512 t2 = _mm512_unpacklo_ps(y[2], y[3]), t3 = _mm512_unpackhi_ps(y[2], y[3]);
    /* s[j]'s 128-bit block q: tile 4q + j's four values */
    const __m512 s0 = _mm512_shuffle_ps(t0, t2, 0x44), s1 = _mm512_shuffle_ps(t0, t2, 0xee);
    const __m512 s2 = _mm512_shuffle_ps(t1, t3, 0x44), s3 = _mm512_shuffle_ps(t1, t3, 0xee);
    const __m512 u0 = _mm512_shuffle_f32x4(s0, s1, 0x44), u1 = _mm512_shuffle_f32x4(s0, s1, 0xee);
    const __m512 u2 = _mm512_shuffle_f32x4(s2, s3, 0x44), u3 = _mm512_shuffle_f32x4(s2, s3, 0xee);
    _mm512_storeu_ps(dst, _mm512_shuffle_f32x4(u0, u2, 0x88));
    _mm512_storeu_ps(dst + 16, _mm512_shuffle_f32x4(u0, u2, 0xdd));
    _mm512_storeu_ps(dst + 32, _mm512_shuffle_f32x4(u1, u3, 0x88));
    _mm512_storeu_ps(dst + 48, _mm512_shuffle_f32x4(u1, u3, 0xdd));
}

/* Row i of the chunk's output tiles, y[jj] (jj < m; zero past m) the
 * jj-th output of each lane's row, to row (the output plane's row i): by
 * store_run4, or a transpose and per-lane stores. */
AVX512_INLINE void store_out_row(const lane_src *ls, float *row, int i, __m512 *y) {
    if (ls->run[i]) {
        store_run4(row + ls->lo[0], y);
        return;
    }
    __m512 r[8];
    transpose_halves(y, 8, r);
    const unsigned wide = ls->wide[i];
    /* Lanes in order (0..7 from the low halves, then 8..15): see lane_dests. */
    for (int l = 0; l < 8; l++) {
        if (wide >> l & 1) _mm256_storeu_ps(row + ls->lo[l], _mm512_castps512_ps256(r[l]));
        else _mm512_mask_storeu_ps(row + ls->lo[l], ls->mask[i][l] & 0xff, r[l]);
    }
    for (int l = 0; l < 8; l++) {
        if (wide >> (l + 8) & 1)
            _mm256_storeu_ps(row + ls->hi[l] + 8, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(r[l]), 1)));
        else _mm512_mask_storeu_ps(row + ls->hi[l], ls->mask[i][l] & 0xff00, r[l]);
    }
}

/* The second half of the output transform and the stores, for output
 * channel k: out_1d along each row i of w, the bias, and each lane's m
 * outputs of the row through store_out_row. */
AVX512_INLINE void output_rows(const wino_block *b, float *dst, const float *bias, const lane_src *ls, int k,
                               __m512 w[MAX_ALPHA][MAX_ALPHA], int m) {
    const wino_geom *G = b->G;
    const __m512 bv = _mm512_set1_ps(bias ? bias[k] : 0.0f);
    float *plane = dst + (size_t)k * G->oh * G->ow;
    /* unrolled, so that w is registers: indexed by a variable i it lived on
     * the stack, a third of the instructions here were copies (perf). VGG
     * conv1_1 F4 1.65-1.78 -> 1.30-1.32 ms, conv1_2 F4 -6%, F6 -8% */
#pragma GCC unroll 8
    for (int i = 0; i < m; i++) {
        __m512 y[8];
        out_1d_v(b->X, m, w[i], y);
        for (int jj = 0; jj < 8; jj++) y[jj] = jj < m ? _mm512_add_ps(y[jj], bv) : _mm512_setzero_ps();
        store_out_row(ls, plane + (size_t)i * G->ow, i, y);
    }
}

/* output_unit's arithmetic for output channel k, the T values t at from +
 * t * stride (M's, or the fused products'); each lane's m x m outputs
 * leave a row of m at a time, through store_run4 or a transpose and
 * per-lane stores. */
AVX512_INLINE void output_unit_avx512(const wino_block *b, float *dst, const float *bias,
                                      const lane_src *ls, int k, const float *from, size_t stride, int m) {
    __m512 w[MAX_ALPHA][MAX_ALPHA];
    output_columns(b, from, stride, m, w);
    output_rows(b, dst, bias, ls, k, w, m);
}

/* The double mode (wino_geom.dbl): prod[i][t] = the product of t for
 * output channel k0 + i (i < kn) and the LANES tiles from j0, summed over
 * the C channels in double as output_unit_dbl sums them (a product, then
 * multiply-adds in channel order); a t's V loaded once for the kn
 * channels, as in fused_products_c. */
AVX512_INLINE void dbl_products_c(const wino_block *b, int C, int k0, int kn, int j0,
                                  double prod[DBL_KN][MAX_T][LANES]) {
    const int T = b->G->T;
    const double *u = b->ud + (size_t)k0 * T * C;
    for (int t = 0; t < T; t++) {
        const double *vt = v_dbl(b, t, 0, j0);
        __m512d v0[DBL_MAX_C], v1[DBL_MAX_C];
        for (int c = 0; c < C; c++) {
            v0[c] = _mm512_loadu_pd(vt + (size_t)c * b->G->ld);
            v1[c] = _mm512_loadu_pd(vt + (size_t)c * b->G->ld + 8);
        }
        for (int i = 0; i < kn; i++) {
            const double *ut = u + ((size_t)i * T + t) * C;
            const __m512d u0 = _mm512_set1_pd(ut[0]);
            __m512d a0 = _mm512_mul_pd(u0, v0[0]), a1 = _mm512_mul_pd(u0, v1[0]);
            for (int c = 1; c < C; c++) {
                const __m512d uc = _mm512_set1_pd(ut[c]);
                a0 = _mm512_fmadd_pd(uc, v0[c], a0);
                a1 = _mm512_fmadd_pd(uc, v1[c], a1);
            }
            _mm512_store_pd(prod[i][t], a0);
            _mm512_store_pd(prod[i][t] + 8, a1);
        }
    }
}

DEFINE_PRODUCTS_BY_C(dbl_products, double, DBL_KN)
_Static_assert(DBL_MAX_C == 8, "dbl_products instantiates C = 1..8");

/* output_unit_dbl on registers, from one channel's products (prod, [t][LANES]
 * doubles): out_1d down the columns in double, eight lanes at a time,
 * rounded to float, then output_rows. */
AVX512_INLINE void output_unit_avx512_dbl(const wino_block *b, float *dst, const float *bias,
                                          const lane_src *ls, int k, const double (*prod)[LANES], int m) {
    const int alpha = m + KR - 1;
    __m512 w[MAX_ALPHA][MAX_ALPHA];
    for (int bb = 0; bb < alpha; bb++) {
        __m512d col[MAX_ALPHA], lo[MAX_ALPHA], hi[MAX_ALPHA];
        for (int a = 0; a < alpha; a++) col[a] = _mm512_load_pd(prod[a * alpha + bb]);
        out_1d_vd(b->X, m, col, lo);
        for (int a = 0; a < alpha; a++) col[a] = _mm512_load_pd(prod[a * alpha + bb] + 8);
        out_1d_vd(b->X, m, col, hi);
        for (int i = 0; i < m; i++)
            w[i][bb] = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo[i]))),
                                                           _mm256_castps_pd(_mm512_cvtpd_ps(hi[i])), 1));
    }
    output_rows(b, dst, bias, ls, k, w, m);
}

/* dst[0..m) = the first m floats of r's low (half 0) or high (half 1)
 * eight, by unmasked 128- and 64-bit stores: a masked 512-bit store per
 * tile row cost ~10% of F4 on res3a_branch2b (Zen 4). */
AVX512_INLINE void store_tile_row(float *dst, __m512 r, int half, int m) {
    const __m128 q0 = half ? _mm512_extractf32x4_ps(r, 2) : _mm512_castps512_ps128(r);
    if (m == 2) {
        _mm_storel_pi((__m64 *)dst, q0);
        return;
    }
    _mm_storeu_ps(dst, q0);
    if (m == 6) _mm_storel_pi((__m64 *)(dst + 4), _mm512_extractf32x4_ps(r, half ? 3 : 1));
}

/* Transposed mode: output_unit_tr's arithmetic; a lane is an output
 * channel, so each row of m outputs leaves through a transpose and masked
 * stores, one per channel. */
AVX512_INLINE void output_unit_tr_avx512(const wino_block *b, float *dst, const float *bias, int j, int k0,
                                         int m) {
    const conv_problem *p = b->p;
    const wino_geom *G = b->G;
    __m512 w[MAX_ALPHA][MAX_ALPHA];
    output_columns(b, b->M + (size_t)j * G->ldk + k0, G->m_floats, m, w);
    const int lanes = p->k - k0 < LANES ? p->k - k0 : LANES;
    const __mmask16 live = (__mmask16)((1u << lanes) - 1);
    const __m512 bv = bias ? _mm512_maskz_loadu_ps(live, bias + k0) : _mm512_setzero_ps();
    const tile_out to = tile_out_of(b, dst, j, k0, m);
    const int hh = to.hh, ww = to.ww;
    const size_t plane = to.plane;
    float *first = to.first;
    const unsigned rm = (1u << ww) - 1;
    for (int i = 0; i < hh; i++) {
        __m512 y[8], r[8];
        out_1d_v(b->X, m, w[i], y);
        for (int jj = 0; jj < 8; jj++) y[jj] = jj < m ? _mm512_add_ps(y[jj], bv) : _mm512_setzero_ps();
        transpose_halves(y, 8, r);
        float *row = first + (size_t)i * G->ow;
        if (ww == m && lanes == LANES) { /* a whole tile row in every lane */
            for (int l = 0; l < 8; l++) {
                store_tile_row(row + l * plane, r[l], 0, m);
                store_tile_row(row + (l + 8) * plane, r[l], 1, m);
            }
            continue;
        }
        for (int l = 0; l < 8; l++) {
            const __mmask16 lo = l < lanes ? rm : 0, hi = l + 8 < lanes ? rm << 8 : 0;
            _mm512_mask_storeu_ps(row + l * plane, lo, r[l]);
            _mm512_mask_storeu_ps(row + (l + 8) * plane - 8, hi, r[l]);
        }
    }
}

AVX512_INLINE void output_range_tr_avx512(const wino_block *b, float *dst, const float *bias, size_t u0,
                                          size_t u1, int m) {
    const int kchunks = b->G->ldk / LANES;
    for (size_t u = u0; u < u1; u++)
        output_unit_tr_avx512(b, dst, bias, (int)(u / kchunks), (int)(u % kchunks) * LANES, m);
}

/* The transposed product for a block of at most FEW_TILES tiles (F4 and F6
 * on a 7 x 7 image: 2 x 2 tiles): M_t^T (R x K) = V_t^T (R x C) U_t^T
 * (C x K) on the same packed operands, KC blocks and sums as the GEMM's
 * (so the same bits), with R x 64 register tiles in place of the 8 x 32
 * microkernel, half of whose rows would be padding. Such a layer streams
 * T*C*K weights for very few tiles: the multiply-adds saved are what
 * keeps it from being bound by them. */

AVX512_INLINE void few_tiles_r(const int R, int C, int K, int kc, const float *a, int npad, const float *b,
                               float *c, int ldc) {
    enum { NRW = 32 }; /* the AVX-512 GEMM kernel's NR, which U^T was packed for */
    const int kpad = round_up_int(K, NRW), panels = kpad / NRW;
    for (int pc = 0; pc < C; pc += kc) {
        const int kch = C - pc < kc ? C - pc : kc;
        const float *ap = a + (size_t)pc * npad, *bp = b + (size_t)pc * kpad;
        for (int q = 0; q < panels; q += 2) {
            const bool two = q + 1 < panels;
            const float *b0 = bp + (size_t)q * NRW * kch, *b1 = two ? b0 + NRW * kch : b0;
            __m512 acc[FEW_TILES][4];
            for (int i = 0; i < R; i++) {
                const __m512 ai = _mm512_set1_ps(ap[i]);
                acc[i][0] = _mm512_mul_ps(ai, _mm512_loadu_ps(b0));
                acc[i][1] = _mm512_mul_ps(ai, _mm512_loadu_ps(b0 + 16));
                acc[i][2] = _mm512_mul_ps(ai, _mm512_loadu_ps(b1));
                acc[i][3] = _mm512_mul_ps(ai, _mm512_loadu_ps(b1 + 16));
            }
            for (int cc = 1; cc < kch; cc++) {
                const __m512 v0 = _mm512_loadu_ps(b0 + (size_t)cc * NRW), v1 = _mm512_loadu_ps(b0 + (size_t)cc * NRW + 16);
                const __m512 v2 = _mm512_loadu_ps(b1 + (size_t)cc * NRW), v3 = _mm512_loadu_ps(b1 + (size_t)cc * NRW + 16);
                for (int i = 0; i < R; i++) {
                    const __m512 ai = _mm512_set1_ps(ap[(size_t)cc * SUB + i]);
                    acc[i][0] = _mm512_fmadd_ps(ai, v0, acc[i][0]);
                    acc[i][1] = _mm512_fmadd_ps(ai, v1, acc[i][1]);
                    acc[i][2] = _mm512_fmadd_ps(ai, v2, acc[i][2]);
                    acc[i][3] = _mm512_fmadd_ps(ai, v3, acc[i][3]);
                }
            }
            for (int v = 0; v < (two ? 4 : 2); v++) {
                const int col = q * NRW + v * 16;
                if (col >= K) break;
                const __mmask16 mk = K - col >= 16 ? 0xffff : (__mmask16)((1u << (K - col)) - 1);
                for (int i = 0; i < R; i++) {
                    float *to = c + (size_t)i * ldc + col;
                    const __m512 base = pc ? _mm512_maskz_loadu_ps(mk, to) : _mm512_setzero_ps();
                    _mm512_mask_storeu_ps(to, mk, _mm512_add_ps(base, acc[i][v]));
                }
            }
        }
    }
}

__attribute__((target("avx512f,fma"))) static void few_tiles_gemm_avx512(int R, int C, int K, int kc,
                                                                       const float *a, int npad,
                                                                       const float *b, float *c, int ldc) {
    switch (R) {
    case 1: few_tiles_r(1, C, K, kc, a, npad, b, c, ldc); break;
    case 2: few_tiles_r(2, C, K, kc, a, npad, b, c, ldc); break;
    case 3: few_tiles_r(3, C, K, kc, a, npad, b, c, ldc); break;
    default: few_tiles_r(4, C, K, kc, a, npad, b, c, ldc); break;
    }
}

/* On-the-fly weights (G.otf), stored a chunk at a time (more than
 * FEW_TILES tiles; otf_column for fewer): for OTF_KW output channels at a
 * time and chunks of otf_cc input channels, U_t^T = (G g G^T)_t is
 * computed in float into a per-thread buffer ub ([t][c][OTF_KW], in L2) and
 * multiplied there
 * with the block's V_t^T into M_t^T, the tiles in row groups of a V panel
 * (at most SUB) so that no padded row costs a multiply-add. Partial sums
 * per chunk are added into M in the chunks' order, and each output channel
 * belongs to one thread: the same bits at any thread count. */
/* Pair q's two outputs of the scaled 1-D weight transform of (x0, x1, x2):
 * (x0 + p^2 x2) + p x1 and (x0 + p^2 x2) - p x1. */
AVX512_INLINE void otf_pair(const otf_coef *k, int q, __m512 x0, __m512 x1, __m512 x2, __m512 *plus,
                            __m512 *minus) {
    const __m512 e = _mm512_fmadd_ps(_mm512_set1_ps(k->e2[q - 1]), x2, x0);
    const __m512 o = _mm512_mul_ps(_mm512_set1_ps(k->o1[q - 1]), x1);
    *plus = _mm512_add_ps(e, o);
    *minus = _mm512_sub_ps(e, o);
}

AVX512_INLINE void otf_1d(const otf_coef *k, int m, __m512 x0, __m512 x1, __m512 x2, __m512 *y) {
    const int alpha = m + KR - 1, np = (alpha - 2) / 2;
    y[0] = x0;
    for (int q = 1; q <= np; q++) otf_pair(k, q, x0, x1, x2, &y[2 * q - 1], &y[2 * q]);
    y[alpha - 1] = x2;
}

/* w: one input channel's [3 x 3][OTF_KW] raw weights; u: its row of the T
 * chunks (stride us). */
AVX512_INLINE void otf_transform(const otf_coef *k_, int m, const float *restrict w, float *restrict u, size_t us) {
    const int alpha = m + KR - 1;
    /* a copy: through k_ every coefficient was loaded again after each store to u (may alias) */
    const otf_coef kc = *k_, *k = &kc;
    for (int e = 0; e < KR * KR * OTF_KW; e += 16) /* a later channel's weights, to L2 */
        _mm_prefetch((const char *)(w + OTF_PF * KR * KR * OTF_KW + e), _MM_HINT_T1);
    for (int h = 0; h < OTF_KW; h += 16) {
        /* Rows first: row[r][j] = sum_b g[r][b] G[j][b]; then down each
         * column j: U[i][j] = sum_r G[i][r] row[r][j], stored as it comes. */
        __m512 row[KR][MAX_ALPHA];
        for (int r = 0; r < KR; r++)
            otf_1d(k, m, _mm512_loadu_ps(w + (r * KR) * OTF_KW + h), _mm512_loadu_ps(w + (r * KR + 1) * OTF_KW + h),
                   _mm512_loadu_ps(w + (r * KR + 2) * OTF_KW + h), row[r]);
        for (int j = 0; j < alpha; j++) {
            __m512 y[MAX_ALPHA];
            otf_1d(k, m, row[0][j], row[1][j], row[2][j], y);
            for (int i = 0; i < alpha; i++) _mm512_storeu_ps(u + (size_t)(i * alpha + j) * us + h, y[i]);
        }
    }
}

/* c[i][0..16 NV) (masks mk[0..NV)) = (first ? 0 : c[i]) + sum_cc
 * a[i][cc*SUB] u[cc][0..16 NV), for rows i < R (a[i]: where row i's values
 * start, SUB apart as in a packed panel; u's rows 16 NV apart). npf lines
 * from pf are prefetched into L2 on the way, one per depth step; C's rows
 * are asked for at the start, to be there when the sums are. */
AVX512_INLINE void rows_mul_r(const int R, const int NV, int cnt, const float *const *a, const float *u,
                              float *c, int ldc, bool first, const __mmask16 *mk, const char *pf, int npf) {
    for (int i = 0; i < R; i++)
        for (int v = 0; v < NV; v++) _mm_prefetch((const char *)(c + (size_t)i * ldc + 16 * v), _MM_HINT_T0);
    __m512 acc[SUB][4];
    {
        __m512 uv[4];
        for (int v = 0; v < NV; v++) uv[v] = _mm512_loadu_ps(u + 16 * v);
        for (int i = 0; i < R; i++) {
            const __m512 ai = _mm512_set1_ps(a[i][0]);
            for (int v = 0; v < NV; v++) acc[i][v] = _mm512_mul_ps(ai, uv[v]);
        }
    }
    for (int cc = 1; cc < cnt; cc++) {
        if (cc <= npf) _mm_prefetch(pf + (size_t)(cc - 1) * 64, _MM_HINT_T1); /* spread out, not a burst */
        __m512 uv[4];
        for (int v = 0; v < NV; v++) uv[v] = _mm512_loadu_ps(u + (size_t)cc * 16 * NV + 16 * v);
        for (int i = 0; i < R; i++) {
            const __m512 ai = _mm512_set1_ps(a[i][(size_t)cc * SUB]);
            for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(ai, uv[v], acc[i][v]);
        }
    }
    for (int i = 0; i < R; i++)
        for (int v = 0; v < NV; v++) {
            float *to = c + (size_t)i * ldc + 16 * v;
            if (first) _mm512_mask_storeu_ps(to, mk[v], acc[i][v]);
            else _mm512_mask_storeu_ps(to, mk[v], _mm512_add_ps(_mm512_maskz_loadu_ps(mk[v], to), acc[i][v]));
        }
}

/* rows_mul_r for a run-time R: each R its own unrolled body; R <= SUB rows
 * of 2 vectors (16 accumulators at most) or R <= 4 of 4. */
AVX512_INLINE void rows_mul(int R, int NV, int cnt, const float *const *a, const float *u, float *c, int ldc,
                            bool first, const __mmask16 *mk, const char *pf, int npf) {
#define ROWS_MUL(R_, NV_) rows_mul_r(R_, NV_, cnt, a, u, c, ldc, first, mk, pf, npf)
    if (NV == 4) {
        switch (R) {
        case 1: ROWS_MUL(1, 4); break;
        case 2: ROWS_MUL(2, 4); break;
        case 3: ROWS_MUL(3, 4); break;
        default: ROWS_MUL(4, 4); break;
        }
        return;
    }
    switch (R) {
    case 1: ROWS_MUL(1, 2); break;
    case 2: ROWS_MUL(2, 2); break;
    case 3: ROWS_MUL(3, 2); break;
    case 4: ROWS_MUL(4, 2); break;
    case 5: ROWS_MUL(5, 2); break;
    case 6: ROWS_MUL(6, 2); break;
    case 7: ROWS_MUL(7, 2); break;
    default: ROWS_MUL(8, 2); break;
    }
#undef ROWS_MUL
}

/* The masks of the 16-lane vectors of output channels [col, col + 16 nv)
 * of K. */
static void col_masks(int K, int col, int nv, __mmask16 *mk) {
    for (int v = 0; v < nv; v++) {
        const int left = K - col - 16 * v;
        mk[v] = left >= 16 ? 0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
    }
}

/* The transposed product of one t, M_t^T (nb x K) = V_t^T U_t^T, in place
 * of the GEMM, whose MR = 8 rows would pad 49 tiles (a 7 x 7 image under
 * F4) to 56: the tiles in balanced groups of at most SUB rows (7 x 7), each
 * row read from wherever the packed V keeps it. The same operands, KC
 * blocks and partial sums as the GEMM. */
__attribute__((target("avx512f,fma"))) static void rows_multiply(const wino_block *b, const float *vt,
                                                                 const float *ut, float *mt) {
    const conv_problem *p = b->p;
    const wino_geom *G = b->G;
    const int C = p->c, K = p->k, kc = G->kc, nb = b->nb, kpad = round_up_int(K, OTF_W);
    const int groups = (nb + SUB - 1) / SUB;
    for (int pc = 0; pc < C; pc += kc) {
        const int kch = C - pc < kc ? C - pc : kc;
        const float *vp = vt + (size_t)pc * b->npad, *up = ut + (size_t)pc * kpad;
        for (int col = 0; col < K; col += OTF_W) {
            __mmask16 mk[2];
            col_masks(K, col, 2, mk);
            const float *u = up + (size_t)col * kch;
            for (int g = 0; g < groups; g++) {
                const int j0 = (int)((long)nb * g / groups), R = (int)((long)nb * (g + 1) / groups) - j0;
                const float *a[SUB];
                for (int i = 0; i < R; i++) a[i] = vp + (size_t)((j0 + i) / SUB) * SUB * kch + (j0 + i) % SUB;
                float *c = mt + (size_t)j0 * G->ldk + col;
                rows_mul(R, 2, kch, a, u, c, G->ldk, pc == 0, mk, NULL, 0);
            }
        }
    }
}

/* Output channels [q0*OTF_KW, q1*OTF_KW) of the block: M_t^T for every t. */
AVX512_INLINE void otf_multiply_stored_m(const wino_block *b, const wino_state *s, float *ub, int q0, int q1, int m) {
    enum { NV = OTF_KW / 16, RG = 4 }; /* vectors a row; rows a group: RG x NV accumulators */
    const conv_problem *p = b->p;
    const wino_geom *G = b->G;
    const int C = p->c, K = p->k, T = (m + KR - 1) * (m + KR - 1), kc = G->kc;
    const size_t per_c = (size_t)KR * KR * OTF_KW; /* one channel's raw weights in wr */
    /* Chunks of channels outside, output channels inside: a chunk's V stays
     * in L2 for all of this thread's output channels (M, T x nb x K, is
     * the part that is revisited, once per chunk). */
    for (int pc = 0; pc < C; pc += kc) {
        const int kch = C - pc < kc ? C - pc : kc;
        for (int c0 = pc; c0 < pc + kch; c0 += G->otf_cc) {
            const int cnt = pc + kch - c0 < G->otf_cc ? pc + kch - c0 : G->otf_cc;
            for (int q = q0; q < q1; q++) {
                const int col = q * OTF_KW;
                __mmask16 mk[NV];
                col_masks(K, col, NV, mk);
                for (int c = 0; c < cnt; c++)
                    otf_transform(&s->gc, m, s->wr + ((size_t)q * C + c0 + c) * per_c, ub + (size_t)c * OTF_KW,
                                  G->ub_floats);
                /* the raw weights of the next (q, chunk) to L2 while this one multiplies */
                int nq = q + 1, nc0 = c0;
                if (nq == q1) nq = q0, nc0 = c0 + cnt;
                const int ncnt = nc0 < C ? (C - nc0 < G->otf_cc ? C - nc0 : G->otf_cc) : 0;
                const char *next = (const char *)(s->wr + ((size_t)nq * C + nc0) * per_c);
                const size_t lines = (size_t)ncnt * per_c * sizeof(float) / 64;
                for (int t = 0; t < T; t++) {
                    const size_t l0 = lines * t / T, l1 = lines * (t + 1) / T;
                    const float *vt = b->V + (size_t)t * G->v_floats + (size_t)pc * b->npad + (size_t)(c0 - pc) * SUB;
                    float *mt = b->M + (size_t)t * G->m_floats + col;
                    for (int j = 0; j < b->nb; j += RG) {
                        const int R = b->nb - j < RG ? b->nb - j : RG;
                        const float *rows[RG]; /* tile j + i's values, SUB apart, in its panel */
                        for (int i = 0; i < R; i++) rows[i] = vt + (size_t)((j + i) / SUB) * SUB * kch + (j + i) % SUB;
                        rows_mul(R, NV, cnt, rows, ub + (size_t)t * G->ub_floats, mt + (size_t)j * G->ldk, G->ldk,
                                 c0 == 0, mk, next + l0 * 64, j ? 0 : (int)(l1 - l0));
                    }
                }
            }
        }
    }
}

/* On-the-fly weights never stored (G.otf_col, at most FEW_TILES tiles: each
 * U value serves so few tiles that storing it to the L2-resident buffer
 * and loading it back cost as much as the product; an experiment with 6
 * stores a column instead of 36 took res5a F4 1.0 -> 0.72 ms). One column
 * j of the product, rows [i0, i1): for R tiles from V's offset voff and 16
 * output channels (raw weights w0, channel by channel), the sums of M's
 * column j over cnt input channels stay in registers, each channel's U
 * values of the column made from its raw weights (column j of the row
 * pass, then down the column) right before their multiply-adds, which
 * take V's values as broadcasts from memory; then added into M (or stored,
 * for the first chunk). The same sums in the same order at any thread
 * count (each output channel is one thread's). */
AVX512_INLINE void otf_column(const wino_block *b, const otf_coef *kcf, const int m, const int j, const int R,
                              const int i0, const int i1, const float *w0, size_t voff, int cnt, float *mcol,
                              __mmask16 mk, bool first) {
    const wino_geom *G = b->G;
    const int alpha = m + KR - 1, np = (alpha - 2) / 2;
    const size_t per_c = (size_t)KR * KR * OTF_COL_KW;
    __m512 acc[MAX_ALPHA][FEW_TILES];
    for (int i = i0; i < i1; i++)
        for (int r = 0; r < R; r++) acc[i][r] = _mm512_setzero_ps();
    const float *vt[MAX_ALPHA]; /* V_t, t = (i, j), at the first channel and tile */
    for (int i = i0; i < i1; i++) vt[i] = b->V + (size_t)(i * alpha + j) * G->v_floats + voff;
    for (int cc = 0; cc < cnt; cc++) {
        const float *w = w0 + (size_t)cc * per_c;
        __m512 rv[KR]; /* column j of the row pass, for the three rows */
        for (int r = 0; r < KR; r++) {
            const float *wr = w + (size_t)r * KR * OTF_COL_KW;
            if (j == 0) rv[r] = _mm512_loadu_ps(wr);
            else if (j == alpha - 1) rv[r] = _mm512_loadu_ps(wr + 2 * OTF_COL_KW);
            else {
                __m512 plus, minus;
                otf_pair(kcf, (j + 1) / 2, _mm512_loadu_ps(wr), _mm512_loadu_ps(wr + OTF_COL_KW),
                         _mm512_loadu_ps(wr + 2 * OTF_COL_KW), &plus, &minus);
                rv[r] = j & 1 ? plus : minus;
            }
        }
#define OTF_FMA(I, U)                                                                                           \
    for (int r = 0; r < R; r++) acc[I][r] = _mm512_fmadd_ps(_mm512_set1_ps(vt[I][(size_t)cc * SUB + r]), (U), acc[I][r])
        if (i0 == 0) OTF_FMA(0, rv[0]);
        for (int qq = 1; qq <= np; qq++) { /* down the column: U[i][j], one pair at a time */
            if (2 * qq - 1 < i0 || 2 * qq >= i1) continue;
            __m512 plus, minus;
            otf_pair(kcf, qq, rv[0], rv[1], rv[2], &plus, &minus);
            OTF_FMA(2 * qq - 1, plus);
            OTF_FMA(2 * qq, minus);
        }
        if (i1 == alpha) OTF_FMA(alpha - 1, rv[2]);
#undef OTF_FMA
    }
    for (int i = i0; i < i1; i++)
        for (int r = 0; r < R; r++) {
            float *to = mcol + (size_t)i * alpha * G->m_floats + (size_t)r * G->ldk;
            if (first) _mm512_mask_storeu_ps(to, mk, acc[i][r]);
            else _mm512_mask_storeu_ps(to, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, to), acc[i][r]));
        }
}

/* Output channels [q0*OTF_COL_KW, q1*OTF_COL_KW) of the block: M_t^T for every t,
 * column by column (otf_column), U never stored. */
AVX512_INLINE void otf_multiply_col_m(const wino_block *b, const wino_state *s, int q0, int q1, int m) {
    const conv_problem *p = b->p;
    const wino_geom *G = b->G;
    const int C = p->c, K = p->k, alpha = m + KR - 1, kc = G->kc, nb = b->nb; /* nb <= FEW_TILES */
    const otf_coef kcf = s->gc;
    const size_t per_c = (size_t)KR * KR * OTF_COL_KW; /* one channel's raw weights in wr */
    for (int pc = 0; pc < C; pc += kc) {
        const int kch = C - pc < kc ? C - pc : kc;
        for (int q = q0; q < q1; q++) {
            const int col = q * OTF_COL_KW;
            __mmask16 mk;
            col_masks(K, col, 1, &mk);
            for (int c0 = pc; c0 < pc + kch; c0 += G->otf_cc) {
                const int cnt = pc + kch - c0 < G->otf_cc ? pc + kch - c0 : G->otf_cc;
                const float *w0 = s->wr + ((size_t)q * C + c0) * per_c;
                /* V's values of the block's nb <= FEW_TILES tiles, one panel */
                const size_t voff = (size_t)pc * b->npad + (size_t)(c0 - pc) * SUB;
#pragma GCC unroll 8
                for (int j = 0; j < alpha; j++) {
                    float *mcol = b->M + (size_t)j * G->m_floats + col;
                    /* F4: rows 0..2 and 3..5 apart, the row pass made for each (24
                     * sums at once and the rest spilled); F2's 4 rows at once */
                    const int split = m == 2 ? alpha : 3;
#define OTF_COLUMN(R_)                                                                                \
    do {                                                                                              \
        otf_column(b, &kcf, m, j, R_, 0, split, w0, voff, cnt, mcol, mk, c0 == 0);                    \
        if (split < alpha) otf_column(b, &kcf, m, j, R_, split, alpha, w0, voff, cnt, mcol, mk, c0 == 0); \
    } while (0)
                    switch (nb) {
                    case 1: OTF_COLUMN(1); break;
                    case 2: OTF_COLUMN(2); break;
                    case 3: OTF_COLUMN(3); break;
                    default: OTF_COLUMN(4); break;
                    }
#undef OTF_COLUMN
                }
            }
        }
    }
}

/* Output channel panels [q0, q1) of otf_kw channels: M_t^T for every t. */
__attribute__((target("avx512f,fma"))) static void otf_multiply(const wino_block *b, const wino_state *s, float *ub,
                                                                int q0, int q1) {
    const bool col = b->G->otf_col;
    switch (b->G->m) {
    case 2:
        if (col) otf_multiply_col_m(b, s, q0, q1, 2);
        else otf_multiply_stored_m(b, s, ub, q0, q1, 2);
        break;
    default:
        if (col) otf_multiply_col_m(b, s, q0, q1, 4);
        else otf_multiply_stored_m(b, s, ub, q0, q1, 4);
        break;
    }
}

/* How many output channels one pass takes: at most most, and no more than
 * the chunk's channels left (in_chunk) or the thread's units left. */
static inline int units_ahead(int in_chunk, size_t left, int most) {
    int n = in_chunk < most ? in_chunk : most;
    return (size_t)n > left ? (int)left : n;
}

/* A phase's units [u0, u1): unit u is channel u % per (input channels for
 * the input transform, output channels for the output one) of chunk
 * u / per of LANES tiles, whose lane geometry is worked out once per chunk. */
AVX512_INLINE void units_avx512(const wino_block *b, bool input, const float *src, float *dst,
                                const float *bias, size_t u0, size_t u1, int m) {
    const int per = input ? b->p->c : b->p->k;
    lane_tile lt[LANES];
    lane_src ls;
    int chunk = -1;
    const size_t paired = input && b->pairs ? (size_t)per * (b->chunks - 1) : (size_t)-1;
    if (paired != (size_t)-1 && u1 > paired) {
        /* the last chunk's tiles in the low eight lanes, channel c there and
         * channel c + 1 in the high eight: the same loads, arithmetic and
         * bits per lane, half the units */
        const size_t first = u0 > paired ? u0 : paired;
        const size_t plane = (size_t)b->p->h * b->p->w;
        lane_tiles(b, (b->chunks - 1) * LANES, m, true, lt);
        lane_sources(b, lt, m, &ls);
        lane_src two = ls, one = ls;
        for (int l = 0; l < 8; l++) {
            two.hi[l] = ls.lo[l] + (ptrdiff_t)plane - 8;
            for (int a = 0; a < m + KR - 1; a++) {
                two.mask[a][l] = (uint16_t)((ls.mask[a][l] & 0xff) | (ls.mask[a][l] & 0xff) << 8);
                one.mask[a][l] = (uint16_t)(ls.mask[a][l] & 0xff);
            }
        }
        for (int a = 0; a < m + KR - 1; a++) {
            two.plain[a] = (uint16_t)((ls.plain[a] & 0xff) | (ls.plain[a] & 0xff) << 8);
            one.plain[a] = (uint16_t)(ls.plain[a] & 0xff);
        }
        for (size_t u = first; u < u1; u++) {
            const int c = 2 * (int)(u - paired);
            input_unit_avx512(b, src, c + 1 < per ? &two : &one, c, (b->chunks - 1) * LANES, m, true);
        }
        u1 = paired;
    }
    _Alignas(64) float prod[FUSED_KN][MAX_T][LANES]; /* fused products, 16 KiB */
    _Alignas(64) double prodd[DBL_KN][MAX_T][LANES]; /* double mode's, 16 KiB */
    for (size_t u = u0; u < u1;) {
        if ((int)(u / per) != chunk) {
            chunk = (int)(u / per);
            lane_tiles(b, chunk * LANES, m, input, lt);
            if (input) lane_sources(b, lt, m, &ls);
            else lane_dests(b, lt, m, &ls);
        }
        const int k = (int)(u % per), j0 = chunk * LANES;
        if (input) {
            input_unit_avx512(b, src, &ls, k, j0, m, false);
            u++;
        } else if (b->ud) { /* up to DBL_KN channels of this chunk at once */
            const int kn = units_ahead(per - k, u1 - u, DBL_KN);
            dbl_products(b, k, kn, j0, prodd);
            for (int i = 0; i < kn; i++) output_unit_avx512_dbl(b, dst, bias, &ls, k + i, prodd[i], m);
            u += kn;
        } else if (b->uf) { /* up to FUSED_KN channels of this chunk at once */
            const int kn = units_ahead(per - k, u1 - u, FUSED_KN);
            fused_products(b, k, kn, j0, prod);
            for (int i = 0; i < kn; i++) output_unit_avx512(b, dst, bias, &ls, k + i, prod[i][0], LANES, m);
            u += kn;
        } else {
            output_unit_avx512(b, dst, bias, &ls, k, b->M + (size_t)k * b->G->ld + j0, b->G->m_floats, m);
            u++;
        }
    }
}

AVX512_INLINE void input_range_avx512(const wino_block *b, const float *src, size_t u0, size_t u1, int m) {
    units_avx512(b, true, src, NULL, NULL, u0, u1, m);
}

AVX512_INLINE void output_range_avx512(const wino_block *b, float *dst, const float *bias, size_t u0,
                                       size_t u1, int m) {
    units_avx512(b, false, NULL, dst, bias, u0, u1, m);
}
#endif

/* Each compiled per ISA on x86-64 (target attributes), once elsewhere,
 * and per m. */
#define DEFINE_PHASES(sfx, attr, in_range, out_range, out_range_tr)                                                      \
    attr static void input_phase_##sfx(const wino_block *b, const float *src, size_t u0, size_t u1) { \
        switch (b->G->m) {                                                                     \
        case 2: in_range(b, src, u0, u1, 2); break;                                            \
        case 4: in_range(b, src, u0, u1, 4); break;                                            \
        default: in_range(b, src, u0, u1, 6); break;                                           \
        }                                                                                      \
    }                                                                                          \
    attr static void output_phase_##sfx(const wino_block *b, float *dst, const float *bias, size_t u0, \
                                        size_t u1) {                                           \
        if (b->G->tr) {                                                                        \
            switch (b->G->m) {                                                                 \
            case 2: out_range_tr(b, dst, bias, u0, u1, 2); break;                              \
            case 4: out_range_tr(b, dst, bias, u0, u1, 4); break;                              \
            default: out_range_tr(b, dst, bias, u0, u1, 6); break;                             \
            }                                                                                  \
            return;                                                                            \
        }                                                                                      \
        switch (b->G->m) {                                                                     \
        case 2: out_range(b, dst, bias, u0, u1, 2); break;                                     \
        case 4: out_range(b, dst, bias, u0, u1, 4); break;                                     \
        default: out_range(b, dst, bias, u0, u1, 6); break;                                    \
        }                                                                                      \
    }

typedef void (*input_phase_fn)(const wino_block *, const float *, size_t, size_t);
typedef void (*output_phase_fn)(const wino_block *, float *, const float *, size_t, size_t);

DEFINE_PHASES(base, , input_range, output_range, output_range_tr)
#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_PHASES(avx2, __attribute__((target("avx2,fma"))), input_range, output_range, output_range_tr)
DEFINE_PHASES(avx512, __attribute__((target("avx512f,fma"))), input_range_avx512, output_range_avx512, \
              output_range_tr_avx512)
#endif

static void pick_phases(input_phase_fn *in, output_phase_fn *out, bool *pairs) {
    *pairs = false;
    *in = input_phase_base;
    *out = output_phase_base;
#if defined(__x86_64__) && defined(__GNUC__)
    const unsigned isa = conv_cpu_isa();
    if (isa & CONV_ISA_AVX512) {
        *in = input_phase_avx512;
        *out = output_phase_avx512;
        *pairs = true;
    } else if (isa & CONV_ISA_AVX2) {
        *in = input_phase_avx2;
        *out = output_phase_avx2;
    }
#endif
}

/* ---------------------------------------------------------------- the run */

static void wino_run(const conv_args *a, int m) {
    const conv_problem *p = a->p;
    const wino_state *s = a->state;
    const wino_geom G = make_geom(p, a->params, m);
    if (G.tiles == 0) return;
    input_phase_fn in_phase;
    output_phase_fn out_phase;
    bool pairs_ok;
    pick_phases(&in_phase, &out_phase, &pairs_ok);
    const gemm_kernel *kern = gemm_kernel_best(); /* the one prepare() packed for */
    const gemm_blocking blk = wino_blocking();     /* and its KC */
    float *V = a->ws, *M = V + (size_t)G.T * G.v_floats;
    int nthreads = a->nthreads < 1 ? 1 : a->nthreads;
    /* otf: one buffer of U per thread in the workspace's slots */
    if (G.ub_floats && nthreads > gemm_thread_slots()) nthreads = gemm_thread_slots();
    float *ubs = (float *)((char *)a->ws + vm_bytes(&G));
    const size_t ub_stride = otf_slot_floats(&G);
    (void)ubs, (void)ub_stride; /* x86-64 only */
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
    {
        const int tid = omp_get_thread_num(), nthr = omp_get_num_threads();
        for (size_t t0 = 0; t0 < G.tiles; t0 += G.nb) {
            const int nb = G.tiles - t0 < (size_t)G.nb ? (int)(G.tiles - t0) : G.nb;
            const int chunks = (nb + LANES - 1) / LANES;
            const int w = G.tr ? G.mr : G.nr;
            const wino_block b = {.p = p, .G = &G, .X = G.otf ? &s->Xo : &s->X, .t0 = t0, .nb = nb, .w = w,
                                  .npad = round_up_int(nb, w), .chunks = chunks,
                                  .pairs = pairs_ok && nb - (chunks - 1) * LANES <= SUB, .V = V, .M = M,
                                  .uf = G.fused ? s->uf : NULL, .ud = G.dbl ? s->ud : NULL};
            /* few_tiles_r's NR is the AVX-512 kernel's, and its A panels SUB wide */
            const bool few_tiles = G.tr && nb <= FEW_TILES && kern->nr == 32 && kern->mr == SUB &&
                                   (conv_cpu_isa() & CONV_ISA_AVX512);
            /* rows_multiply's U^T panels are the AVX-512 kernel's, V's panels SUB wide:
             * res3a_branch2b (49 tiles) 0.80-0.88 -> 0.70-0.80 ms, res4a (16) a few %,
             * VGG conv4_1/conv4_2 (49) +5-10% */
            const bool rows = G.tr && kern->nr == OTF_W && kern->mr == SUB && (conv_cpu_isa() & CONV_ISA_AVX512);
            (void)few_tiles, (void)rows; /* x86-64 only */
            size_t units = input_units(&b);
            in_phase(&b, a->src, gemm_split_at(units, nthr, tid), gemm_split_at(units, nthr, tid + 1));
#pragma omp barrier
#if defined(__x86_64__) && defined(__GNUC__)
            if (G.otf) {
                const int kq = (p->k + G.otf_kw - 1) / G.otf_kw;
                otf_multiply(&b, s, ubs + (size_t)tid * ub_stride, (int)gemm_split_at(kq, nthr, tid),
                             (int)gemm_split_at(kq, nthr, tid + 1));
            }
#endif
            const bool gemms = !G.otf && !G.fused && !G.dbl;
            for (int t = (int)gemm_split_at(G.T, nthr, tid); gemms && t < (int)gemm_split_at(G.T, nthr, tid + 1); t++) {
                const gemm_problem prob = G.tr ? (gemm_problem){
                    .m = nb, .n = p->k, .k = p->c,
                    .a = {.prepacked = V + (size_t)t * G.v_floats},
                    .b = {.prepacked = s->ut + (size_t)t * s->ut_floats},
                    .c = M + (size_t)t * G.m_floats, .ldc = G.ldk,
                } : (gemm_problem){
                    .m = p->k, .n = nb, .k = p->c,
                    .a = {.prepacked = gemm_packed_weights_matrix(s->pw, t)},
                    .b = {.prepacked = V + (size_t)t * G.v_floats},
                    .c = M + (size_t)t * G.m_floats, .ldc = G.ld,
                };
#if defined(__x86_64__) && defined(__GNUC__)
                if (few_tiles) {
                    few_tiles_gemm_avx512(nb, p->c, p->k, G.kc, prob.a.prepacked, b.npad, prob.b.prepacked,
                                          prob.c, G.ldk);
                    continue;
                }
                if (rows) {
                    rows_multiply(&b, prob.a.prepacked, prob.b.prepacked, prob.c);
                    continue;
                }
#endif
                gemm_run(kern, &blk, &prob, a->ws); /* both operands prepacked: no scratch used */
            }
            if (gemms || G.otf) { /* M is written: all of it before the output phase reads it */
#pragma omp barrier
            }
            units = G.tr ? (size_t)nb * (G.ldk / LANES) : (size_t)p->k * chunks;
            out_phase(&b, a->dst, a->bias, gemm_split_at(units, nthr, tid),
                      gemm_split_at(units, nthr, tid + 1));
            /* No barrier: the next block's input phase writes V (its GEMMs
             * are past the barrier above), and its GEMMs write M only after
             * the next barrier. Fused or in double, the output phase reads V: then all
             * of it is done before the next input phase. */
            if (G.fused || G.dbl) {
#pragma omp barrier
            }
        }
    }
}

/* ------------------------------------------------------- the three variants */

#define WINO_IMPL(M_)                                                                        \
    static size_t ws_f##M_(const conv_problem *p, const conv_params *prm) {                 \
        return wino_workspace(p, prm, M_);                                                   \
    }                                                                                        \
    static const char *check_f##M_(const conv_problem *p, const conv_params *prm) {         \
        return wino_check(p, prm, M_);                                                       \
    }                                                                                        \
    static int prepare_f##M_(conv_args *a) { return wino_prepare(a, M_); }                   \
    static void run_f##M_(const conv_args *a) { wino_run(a, M_); }                           \
    const conv_impl conv_impl_winograd_f##M_##x3 = {                                         \
        .name = "winograd_f" #M_ "x3",                                                       \
        .summary = "Winograd F(" #M_ "x" #M_ ",3x3): transforms in blocks of tiles, "        \
                   "(" #M_ "+2)^2 GEMMs over channels on the project's GEMM",               \
        .parallel = true,                                                                    \
        .approximate = true,                                                                 \
        .tol = WINO_TOL_F##M_,                                                               \
        .unsupported = wino_unsupported,                                                     \
        .workspace_bytes = ws_f##M_,                                                         \
        .prepare = prepare_f##M_,                                                            \
        .run = run_f##M_,                                                                    \
        .release = wino_release,                                                             \
        .params = wino_params,                                                               \
        .nparams = WINO_NPARAMS,                                                             \
        .check_params = check_f##M_,                                                         \
    };

/* Random-data tolerances, max |err| <= tol * FLT_EPSILON * 9C, from the
 * measurements in docs/winograd-accuracy.md. */
#define WINO_TOL_F2 1.0
#define WINO_TOL_F4 5.0
#define WINO_TOL_F6 24.0

WINO_IMPL(2)
WINO_IMPL(4)
WINO_IMPL(6)

/* For tests/test_winograd.c: the transform matrices in double. */
int winograd_matrices(int m, double *at, double *g, double *bt);
int winograd_matrices(int m, double *at, double *g, double *bt) {
    if (m != 2 && m != 4 && m != 6) return -1;
    wino_mats W;
    make_mats(m, &W);
    const int alpha = W.alpha;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < alpha; j++) at[i * alpha + j] = W.at[i][j];
    for (int i = 0; i < alpha; i++)
        for (int k = 0; k < KR; k++) g[i * KR + k] = W.g[i][k];
    for (int i = 0; i < alpha; i++)
        for (int j = 0; j < alpha; j++) bt[i * alpha + j] = W.bt[i][j];
    return alpha;
}
