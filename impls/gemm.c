/* gemm — the five loops of the Goto/BLIS SGEMM around a register
 * microkernel, the packing of operands into micro-panels, and the choice of
 * microkernel variant for this CPU. See gemm.h for the packed form. */
#include "gemm.h"

#include "conv.h"

#include <stdint.h>
#include <string.h>

/* The microkernel variants: one source (gemm_ukernel.c) compiled per ISA by
 * impls/isa.cmake, best first. The x86 ones exist only in x86-64 builds. */
#if defined(__x86_64__) || defined(_M_X64)
extern const gemm_kernel gemm_kernel_avx512, gemm_kernel_avx2;
#endif
extern const gemm_kernel gemm_kernel_generic;

static const gemm_kernel *const variants[] = {
#if defined(__x86_64__) || defined(_M_X64)
    &gemm_kernel_avx512,
    &gemm_kernel_avx2,
#endif
    &gemm_kernel_generic,
};

int gemm_kernel_count(void) { return (int)(sizeof variants / sizeof variants[0]); }

const gemm_kernel *gemm_kernel_at(int i) {
    return i >= 0 && i < gemm_kernel_count() ? variants[i] : NULL;
}

const gemm_kernel *gemm_kernel_for_isa(unsigned isa) {
    for (int i = 0; i < gemm_kernel_count(); i++)
        if ((variants[i]->isa & ~isa) == 0) return variants[i];
    return &gemm_kernel_generic;
}

const gemm_kernel *gemm_kernel_best(void) { return gemm_kernel_for_isa(conv_cpu_isa()); }

/* Defaults for the AVX-512 8x32 kernel, BLIS style, from the cache sizes of
 * an AMD EPYC core: L1d 32 KiB (Zen 4) or 48 KiB (Zen 5), L2 1 MiB, L3
 * 32 MiB shared by 8 cores. On Zen 4 every value from half to twice these
 * measures the same within noise on ResNet-50 layers and a 1024^3 GEMM. */
const conv_param_def gemm_blocking_params[GEMM_NPARAMS] = {
    [GEMM_PARAM_MC] = {"mc", 512, 16, 4096, 0,
                       "rows of A per packed block: MC x KC = 512 x 256 floats = 512 KiB, half of L2, the rest for B and C streaming past"},
    [GEMM_PARAM_KC] = {"kc", 256, 16, 2048, 0,
                       "depth per block: the KC x NR B micro-panel (32 KiB) plus an MR x KC A micro-panel (8 KiB) in a 48 KiB L1d"},
    [GEMM_PARAM_NC] = {"nc", 4096, 64, 65536, 0,
                       "columns of B per packed block: KC x NC = 4 MiB, one core's share of a 32 MiB L3; more than most layers' pixels, so B is packed once"},
};

gemm_blocking gemm_blocking_from_params(const conv_params *prm) {
    return (gemm_blocking){.mc = prm->v[GEMM_PARAM_MC], .kc = prm->v[GEMM_PARAM_KC],
                           .nc = prm->v[GEMM_PARAM_NC]};
}

gemm_blocking gemm_default_blocking(void) {
    return (gemm_blocking){.mc = gemm_blocking_params[GEMM_PARAM_MC].def,
                           .kc = gemm_blocking_params[GEMM_PARAM_KC].def,
                           .nc = gemm_blocking_params[GEMM_PARAM_NC].def};
}

static int min_int(int a, int b) { return a < b ? a : b; }
static int round_up(int x, int to) { return (x + to - 1) / to * to; }

/* The blocking gemm_run really uses: mc and nc whole micro-panels, none of
 * the three larger than the (rounded-up) problem, so small problems need
 * small workspaces. gemm_workspace_bytes applies the same rule. */
static gemm_blocking effective_blocking(const gemm_kernel *kern, const gemm_blocking *blk,
                                        int m, int n, int k) {
    gemm_blocking e;
    e.mc = min_int(round_up(blk->mc > 0 ? blk->mc : 1, kern->mr), round_up(m > 0 ? m : 1, kern->mr));
    e.nc = min_int(round_up(blk->nc > 0 ? blk->nc : 1, kern->nr), round_up(n > 0 ? n : 1, kern->nr));
    e.kc = min_int(blk->kc > 0 ? blk->kc : 1, k > 0 ? k : 1);
    return e;
}

enum { PANEL_ALIGN = 64 }; /* a cache line: packed panels start on one */

static size_t align_up(size_t x) { return (x + PANEL_ALIGN - 1) / PANEL_ALIGN * PANEL_ALIGN; }

/* The workspace: a packed MC x KC block of A, then a packed KC x NC block
 * of B, each only if gemm_run packs that operand. */
static size_t a_block_bytes(const gemm_blocking *e, unsigned packs) {
    return packs & GEMM_PACKS_A ? align_up((size_t)e->mc * e->kc * sizeof(float)) : 0;
}
static size_t b_block_bytes(const gemm_blocking *e, unsigned packs) {
    return packs & GEMM_PACKS_B ? align_up((size_t)e->kc * e->nc * sizeof(float)) : 0;
}

size_t gemm_workspace_bytes(const gemm_kernel *kern, const gemm_blocking *blk,
                            int m, int n, int k, unsigned packs) {
    const gemm_blocking e = effective_blocking(kern, blk, m, n, k);
    return a_block_bytes(&e, packs) + b_block_bytes(&e, packs);
}

void gemm_run(const gemm_kernel *kern, const gemm_blocking *blk,
              const gemm_problem *prob, void *ws) {
    const int m = prob->m, n = prob->n, k = prob->k;
    const int mr = kern->mr, nr = kern->nr;
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* an empty sum: C = bias or 0, or C unchanged */
        if (!prob->accumulate)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    prob->c[i * prob->ldc + j] = prob->row_bias ? prob->row_bias[i] : 0.0f;
        return;
    }
    const gemm_blocking e = effective_blocking(kern, blk, m, n, k);
    const unsigned packs = (prob->a.prepacked ? 0 : GEMM_PACKS_A) | (prob->b.prepacked ? 0 : GEMM_PACKS_B);
    float *a_block = ws;
    float *b_block = (float *)((char *)ws + a_block_bytes(&e, packs));
    /* Offsets of prepacked operands: KC block pc starts after pc depth
     * steps of every (rounded-up) item, panel x0 after x0 items of this block. */
    const size_t m_padded = (size_t)round_up(m, mr), n_padded = (size_t)round_up(n, nr);

    /* 5th loop: an NC-wide slab of B and C; its packed KC x NC block of B is sized for L3. */
    for (int jc = 0; jc < n; jc += e.nc) {
        const int nc = min_int(e.nc, n - jc);
        /* 4th loop: one rank-KC update; the slab's KC x NC block of B is packed once for all of A. */
        for (int pc = 0; pc < k; pc += e.kc) {
            const int kc = min_int(e.kc, k - pc);
            const float *b_packed;
            if (prob->b.prepacked) {
                b_packed = prob->b.prepacked + (size_t)pc * n_padded + (size_t)jc * kc;
            } else {
                prob->b.pack(prob->b.ctx, pc, kc, jc, nc, nr, b_block);
                b_packed = b_block;
            }
            /* The first KC block writes C (with bias) unless asked to accumulate; later ones add. */
            const bool accumulate = prob->accumulate || pc > 0;
            /* 3rd loop: an MC x KC block of A, packed to stay in L2 while all of B's slab streams past.
             * (To thread: split this loop, one A block per thread, B's block shared.) */
            for (int ic = 0; ic < m; ic += e.mc) {
                const int mc = min_int(e.mc, m - ic);
                const float *a_packed;
                if (prob->a.prepacked) {
                    a_packed = prob->a.prepacked + (size_t)pc * m_padded + (size_t)ic * kc;
                } else {
                    prob->a.pack(prob->a.ctx, pc, kc, ic, mc, mr, a_block);
                    a_packed = a_block;
                }
                /* 2nd loop: one KC x NR micro-panel of B, kept in L1 across the whole 1st loop. */
                for (int jr = 0; jr < nc; jr += nr) {
                    const float *b_panel = b_packed + (size_t)jr * kc;
                    /* 1st loop: an MR x KC micro-panel of A from L2 meets it: one MR x NR tile of C in registers. */
                    for (int ir = 0; ir < mc; ir += mr) {
                        const int row = ic + ir;
                        kern->tile(kc, a_packed + (size_t)ir * kc, b_panel,
                                   prob->c + row * prob->ldc + jc + jr, prob->ldc,
                                   min_int(mr, mc - ir), min_int(nr, nc - jr), accumulate,
                                   !accumulate && prob->row_bias ? prob->row_bias + row : NULL);
                    }
                }
            }
        }
    }
}

size_t gemm_prepacked_floats(int len, int k, int w) {
    return (size_t)round_up(len, w) * (size_t)k;
}

void gemm_prepack(gemm_pack_fn pack, const void *ctx, int len, int k, int w,
                  int kc, float *packed) {
    const size_t len_padded = (size_t)round_up(len, w);
    const int step = kc > 0 ? kc : 1;
    for (int pc = 0; pc < k; pc += step)
        pack(ctx, pc, min_int(step, k - pc), 0, len, w, packed + (size_t)pc * len_padded);
}

/* A row-major: item x is row x, so a panel gathers w rows side by side.
 * Reading each row contiguously and writing with stride w keeps the loads
 * sequential; A is the smaller operand and usually packed ahead of time. */
void gemm_pack_a_rowmajor(const void *matrix, int k0, int kc, int x0, int len,
                          int w, float *packed) {
    const gemm_matrix *a = matrix;
    for (int x = 0; x < len; x += w, packed += (size_t)w * kc) {
        const int lanes = min_int(w, len - x);
        for (int lane = 0; lane < lanes; lane++) {
            const float *row = a->data + (x0 + x + lane) * a->ld + k0;
            for (int p = 0; p < kc; p++) packed[(size_t)p * w + lane] = row[p];
        }
        for (int lane = lanes; lane < w; lane++)
            for (int p = 0; p < kc; p++) packed[(size_t)p * w + lane] = 0.0f;
    }
}

/* B row-major: a panel's w columns are w consecutive floats of each row. */
void gemm_pack_b_rowmajor(const void *matrix, int k0, int kc, int x0, int len,
                          int w, float *packed) {
    const gemm_matrix *b = matrix;
    for (int x = 0; x < len; x += w, packed += (size_t)w * kc) {
        const int lanes = min_int(w, len - x);
        const float *col = b->data + (ptrdiff_t)k0 * b->ld + x0 + x;
        for (int p = 0; p < kc; p++) {
            const float *src = col + p * b->ld;
            float *dst = packed + (size_t)p * w;
            if (lanes == w) {
                memcpy(dst, src, (size_t)w * sizeof(float));
            } else {
                memcpy(dst, src, (size_t)lanes * sizeof(float));
                memset(dst + lanes, 0, (size_t)(w - lanes) * sizeof(float));
            }
        }
    }
}

void gemm_sgemm(const gemm_kernel *kern, const gemm_blocking *blk, int m, int n,
                int k, const float *a, ptrdiff_t lda, const float *b,
                ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate,
                void *ws) {
    const gemm_matrix a_matrix = {a, lda}, b_matrix = {b, ldb};
    const gemm_problem prob = {
        .m = m, .n = n, .k = k,
        .a = {.pack = gemm_pack_a_rowmajor, .ctx = &a_matrix},
        .b = {.pack = gemm_pack_b_rowmajor, .ctx = &b_matrix},
        .c = c, .ldc = ldc,
        .accumulate = accumulate,
    };
    gemm_run(kern, blk, &prob, ws);
}
