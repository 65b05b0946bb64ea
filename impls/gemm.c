/* gemm — the five loops of the Goto/BLIS SGEMM around a register
 * microkernel, the packing of operands into micro-panels, and the choice of
 * microkernel variant for this CPU. See gemm.h for the packed form. */
#include "gemm.h"

#include "conv.h"

#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The microkernel variants: one source (gemm_ukernel.c) compiled per ISA by
 * impls/isa.cmake, best first. The x86 ones exist only in x86-64 builds,
 * the NEON one only in AArch64 builds. */
#if defined(__x86_64__) || defined(_M_X64)
extern const gemm_kernel gemm_kernel_avx512, gemm_kernel_avx2;
#elif defined(__aarch64__)
extern const gemm_kernel gemm_kernel_neon;
#endif
extern const gemm_kernel gemm_kernel_generic;

static const gemm_kernel *const variants[] = {
#if defined(__x86_64__) || defined(_M_X64)
    &gemm_kernel_avx512,
    &gemm_kernel_avx2,
#elif defined(__aarch64__)
    &gemm_kernel_neon,
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

/* Defaults, BLIS style, from the cache sizes of an AMD EPYC core: L1d
 * 32 KiB (Zen 4) or 48 KiB (Zen 5), L2 1 MiB, L3 32 MiB shared by 8 cores
 * (gemm_model_blocking derives them; these are its answer on Zen 4 and the
 * fallback when a cache size is unknown). */
const conv_param_def gemm_blocking_params[GEMM_NPARAMS] = {
    [GEMM_PARAM_MC] = {"mc", 256, 16, 4096, 0,
                       "rows of A per packed block: MC x KC fills half of L2 (256 x 512 floats = 512 KiB of a 1 MiB L2), the rest for B and C streaming past"},
    [GEMM_PARAM_KC] = {"kc", 512, 16, 2048, 0,
                       "depth per block: twice MC, which halves the traffic of the C tiles (loaded and stored once per KC) against B's block (re-read once per MC) for the same L2; the KC x NR micro-panel of B then outgrows L1d, which L2 feeds in time"},
    [GEMM_PARAM_NC] = {"nc", 2048, 64, 65536, 0,
                       "columns of B per packed block: KC x NC fills one core's share of L3 (4 MiB of 32 MiB shared by 8 cores)"},
    [GEMM_PARAM_A_WAYS] = {"a_ways", 0, 0, 16, 0,
                           "ways a team splits the rows of A (output channels); the rest split B's columns (pixels). 0: the cost model's grid (choose_grid), right on ResNet-50 at 2 threads but blind to caches and bandwidth",
                           .threads_only = true},
};

gemm_blocking gemm_blocking_from_params(const conv_params *prm) {
    return (gemm_blocking){.mc = prm->v[GEMM_PARAM_MC], .kc = prm->v[GEMM_PARAM_KC],
                           .nc = prm->v[GEMM_PARAM_NC], .a_ways = prm->v[GEMM_PARAM_A_WAYS]};
}

/* The largest power of two <= x (the parameters' grid), within d's range. */
static int pow2_within(size_t x, const conv_param_def *d) {
    size_t v = 1;
    while (v * 2 <= x) v *= 2;
    return v < (size_t)d->min ? d->min : v > (size_t)d->max ? d->max : (int)v;
}

/* The BLIS analytical model (Low et al. 2016, "Analytical modeling is
 * enough for high-performance BLIS"), rounded down to powers of two, with
 * the split of L2 between MC and KC changed (MR x NR come from the registers
 * and FMA latency, impls/isa.cmake):
 * - the MC x KC block of A takes half of L2, the rest left for the B
 *   micro-panels and C streaming past;
 * - within that, KC = 2 MC. Per multiply-add the C tiles cost 8/KC bytes of
 *   L3 traffic (each element loaded and stored once per depth block) and B's
 *   block 4/MC (re-read once per MC rows); with MC x KC fixed the sum is
 *   least at KC = 2 MC. BLIS instead sizes KC for the B micro-panel to fill
 *   L1d (KC 256 for NR 32 here), which on Zen 4 costs more than it saves:
 *   its 2 loads per 16 FMAs are fed from L2 in time, and the 1024^3 GEMM
 *   gains 3-5% from KC 256 -> 512;
 * - the KC x NC block of B takes one core's share of L3, taken as an eighth
 *   (8 cores share one on AMD EPYC; Intel's share per core is smaller still,
 *   but its L3 is not where B is re-read from in time).
 * On Zen 4 (1 MiB L2, 32 MiB L3): MC 256, KC 512, NC 2048, the table's
 * fallbacks. A level of unknown size keeps its fallback. */
gemm_blocking gemm_model_blocking(const gemm_kernel *kern, const conv_caches *c) {
    (void)kern; /* the split is in bytes, the same for every MR x NR */
    const conv_param_def *d = gemm_blocking_params;
    gemm_blocking b = {.mc = d[GEMM_PARAM_MC].def, .kc = d[GEMM_PARAM_KC].def,
                       .nc = d[GEMM_PARAM_NC].def, .a_ways = d[GEMM_PARAM_A_WAYS].def};
    const size_t f = sizeof(float);
    if (c->l2) {
        const size_t a_floats = c->l2 / 2 / f; /* MC x KC */
        size_t kc = 1;
        while ((2 * kc) * (2 * kc) <= 2 * a_floats) kc *= 2; /* the largest with kc^2 <= 2 MC KC */
        b.kc = pow2_within(kc, &d[GEMM_PARAM_KC]);
        b.mc = pow2_within(a_floats / (size_t)b.kc, &d[GEMM_PARAM_MC]);
    }
    if (c->l3) b.nc = pow2_within(c->l3 / 8 / ((size_t)b.kc * f), &d[GEMM_PARAM_NC]);
    return b;
}

gemm_blocking gemm_default_blocking(void) {
    const conv_caches caches = conv_cpu_caches();
    return gemm_model_blocking(gemm_kernel_best(), &caches);
}

void gemm_machine_defaults(conv_params *prm) {
    const gemm_blocking b = gemm_default_blocking();
    prm->v[GEMM_PARAM_MC] = b.mc;
    prm->v[GEMM_PARAM_KC] = b.kc;
    prm->v[GEMM_PARAM_NC] = b.nc;
}

/* The cache-fit constraints, from where gemm_run keeps each block:
 * - the packed MC x KC block of A and the KC x NR micro-panel of B being
 *   multiplied stay in L2 together: every micro-panel of B meets all of A's
 *   block, and each A micro-panel is re-read for every B micro-panel.
 *   (The B micro-panel's textbook place is L1; on Zen 4 a 64 KiB one in a
 *   32 KiB L1 measures as fast as a 32 KiB one, the L2 feeding it in time,
 *   so L1 is not a hard limit.)
 * - the packed KC x NC block of B stays in L3, re-read for every MC block.
 * Values are the declared ones (gemm_run clamps them to the problem, which
 * only shrinks the blocks). */
const char *gemm_blocking_misfit(const gemm_kernel *kern, const gemm_blocking *blk,
                                 const conv_caches *caches) {
    static _Thread_local char why[192];
    const size_t f = sizeof(float);
    const size_t a_block = (size_t)blk->mc * blk->kc * f, b_panel = (size_t)blk->kc * kern->nr * f;
    const size_t b_block = (size_t)blk->kc * blk->nc * f;
    if (caches->l2 && a_block + b_panel > caches->l2) {
        snprintf(why, sizeof why,
                 "mc x kc (%zu KiB of A) and kc x %d (%zu KiB of B) do not fit in L2 (%zu KiB)",
                 a_block >> 10, kern->nr, b_panel >> 10, caches->l2 >> 10);
        return why;
    }
    if (caches->l3 && b_block > caches->l3) {
        snprintf(why, sizeof why, "kc x nc (%zu KiB of B) does not fit in L3 (%zu KiB)",
                 b_block >> 10, caches->l3 >> 10);
        return why;
    }
    return NULL;
}

const char *gemm_check_params(const conv_problem *p, const conv_params *prm) {
    (void)p;
    const gemm_blocking blk = gemm_blocking_from_params(prm);
    const conv_caches caches = conv_cpu_caches();
    return gemm_blocking_misfit(gemm_kernel_best(), &blk, &caches);
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
    e.a_ways = blk->a_ways;
    return e;
}

enum { PANEL_ALIGN = 64 }; /* a cache line: packed panels start on one */

static size_t align_up(size_t x) { return (x + PANEL_ALIGN - 1) / PANEL_ALIGN * PANEL_ALIGN; }

static int div_up(int x, int by) { return (x + by - 1) / by; }

/* Part i's first panel of count; a part's size never shrinks as the count
 * grows, which the private packing regions below rely on. */
static int split_at(int count, int parts, int i) { return (int)gemm_split_at((size_t)count, parts, i); }

/* A team's split of each MC x NC block of C: tm x tn thread blocks, the
 * MR-row micro-panels of A cut tm ways and the NR-column ones of B tn ways;
 * threads past tm*tn only help pack A.
 *
 * B is never shared: each thread packs the B panels it multiplies into a
 * region of its own (the tm threads of one column of the grid pack the
 * same panels), so threads never wait for one another over B, nor read
 * what another core wrote. Splitting A (tm > 1) therefore costs repacking
 * B; it pays when B has few panels to share out (7x7 or 14x14 pixels).
 * The grid minimises the busiest thread's work per depth step: its tiles
 * (MR*NR multiply-adds each) plus the B values it packs (PACK_COST
 * multiply-adds each: packing gathers from strided input, at a few floats
 * per cycle against the microkernel's 32 multiply-adds). A prepacked B
 * costs the same: im2col_gemm's team packs it split by pixels, so a thread
 * that splits A reads panels another core wrote. Ties go to the smaller
 * working set, then to fewer barriers. A, when packed here (not
 * prepacked), is packed by the whole team between barriers if threads
 * share its panels (tn > 1), else by each thread into a region of its own.
 * Measured on Zen 4 at 2 threads: pixels split for 28x28 and larger,
 * channels for 14x14 (7 panels of 32 split 4:3 would idle a thread 1/8 of
 * the time), either for 7x7. */
enum { PACK_COST = 8 };

typedef struct team_grid {
    int tm, tn;
} team_grid;

static team_grid choose_grid(int mpanels, int npanels, int nthr, int mr, int nr, unsigned packs,
                             int a_ways) {
    if (a_ways > 0) { /* the caller's decomposition */
        const int tm = a_ways < nthr ? a_ways : nthr;
        return (team_grid){tm, nthr / tm};
    }
    team_grid best = {1, 1};
    long best_cost = -1, best_set = 0;
    int best_sync = 0;
    for (int tm = 1; tm <= nthr; tm++) {
        const int tn = nthr / tm;
        const long rows = div_up(mpanels, tm), cols = div_up(npanels, tn);
        const long cost = rows * cols * mr * nr + cols * nr * PACK_COST;
        const long set = rows * mr + cols * nr;
        const int sync = (packs & GEMM_PACKS_A) && tn > 1;
        if (best_cost < 0 || cost < best_cost ||
            (cost == best_cost && (set < best_set || (set == best_set && sync < best_sync)))) {
            best = (team_grid){tm, tn};
            best_cost = cost;
            best_set = set;
            best_sync = sync;
        }
    }
    return best;
}

/* The workspace: a packed MC x KC block of A, then tm packed KC x NC
 * blocks of B (one per row of the grid), each only if gemm_run packs that
 * operand. */
static size_t a_block_bytes(const gemm_blocking *e, unsigned packs) {
    return packs & GEMM_PACKS_A ? align_up((size_t)e->mc * e->kc * sizeof(float)) : 0;
}
static size_t b_block_bytes(const gemm_blocking *e, unsigned packs) {
    return packs & GEMM_PACKS_B ? align_up((size_t)e->kc * e->nc * sizeof(float)) : 0;
}

size_t gemm_workspace_bytes(const gemm_kernel *kern, const gemm_blocking *blk,
                            int m, int n, int k, unsigned packs, int max_threads) {
    const gemm_blocking e = effective_blocking(kern, blk, m, n, k);
    int copies = 1;
    if (packs & GEMM_PACKS_B)
        for (int t = 2; t <= max_threads; t++) {
            const team_grid g = choose_grid(div_up(e.mc, kern->mr), div_up(e.nc, kern->nr), t,
                                            kern->mr, kern->nr, packs, blk->a_ways);
            if (g.tm > copies) copies = g.tm;
        }
    return a_block_bytes(&e, packs) + (size_t)copies * b_block_bytes(&e, packs);
}

/* Packs panels [p0, p1) of an operand block (items [x0, x0+len), panels of
 * width w, kc deep) one after another into dst. */
static void pack_panels(const gemm_operand *op, int k0, int kc, int x0, int len, int w,
                        int p0, int p1, float *dst) {
    if (p1 <= p0) return;
    const int first = p0 * w, last = min_int(p1 * w, len);
    op->pack(op->ctx, k0, kc, x0 + first, last - first, w, dst);
}

static void team_barrier(void) {
#pragma omp barrier
}

/* Where part `part` of `parts` packs its panels of a block: a region of its
 * own, placed for the fullest block (full_panels panels, full_kc deep), so
 * a part never writes where another may still read, even when the last
 * blocks are smaller. */
static size_t private_region(int part, int parts, int full_panels, int w, int full_kc) {
    return (size_t)split_at(full_panels, parts, part) * w * full_kc;
}

void gemm_run(const gemm_kernel *kern, const gemm_blocking *blk,
              const gemm_problem *prob, void *ws) {
    gemm_run_team(kern, blk, prob, ws, 0, 1);
}

void gemm_run_team(const gemm_kernel *kern, const gemm_blocking *blk,
                   const gemm_problem *prob, void *ws, int tid, int nthr) {
    const int m = prob->m, n = prob->n, k = prob->k;
    const int mr = kern->mr, nr = kern->nr;
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* an empty sum: C = bias or 0, or C unchanged; rows split */
        if (!prob->accumulate)
            for (int i = split_at(m, nthr, tid); i < split_at(m, nthr, tid + 1); i++)
                for (int j = 0; j < n; j++)
                    prob->c[i * prob->ldc + j] = prob->row_bias ? prob->row_bias[i] : 0.0f;
        return;
    }
    const gemm_blocking e = effective_blocking(kern, blk, m, n, k);
    const unsigned packs = (prob->a.prepacked ? 0 : GEMM_PACKS_A) | (prob->b.prepacked ? 0 : GEMM_PACKS_B);
    /* Offsets of prepacked operands: KC block pc starts after pc depth
     * steps of every (rounded-up) item, panel x0 after x0 items of this block. */
    const size_t m_padded = (size_t)round_up(m, mr), n_padded = (size_t)round_up(n, nr);

    /* This thread's place in the grid (see choose_grid). */
    const int full_mp = div_up(e.mc, mr), full_np = div_up(e.nc, nr);
    const team_grid grid = choose_grid(full_mp, full_np, nthr, mr, nr, packs, blk->a_ways);
    const bool worker = tid < grid.tm * grid.tn;
    const int tm = worker ? grid.tm : 1, tn = worker ? grid.tn : 1;
    const int im = worker ? tid / tn : 0, in = worker ? tid % tn : 0;
    const bool a_shared = (packs & GEMM_PACKS_A) && grid.tn > 1;
    float *a_block = ws;
    /* This thread's B region: grid row im's copy of the block, its columns' part. */
    float *b_region = (float *)((char *)ws + a_block_bytes(&e, packs) + (size_t)im * b_block_bytes(&e, packs)) +
                      private_region(in, tn, full_np, nr, e.kc);

    /* 5th loop: an NC-wide slab of B and C; its packed KC x NC block of B is sized for L3. */
    for (int jc = 0; jc < n; jc += e.nc) {
        const int nc = min_int(e.nc, n - jc);
        const int npanels = div_up(nc, nr);
        /* This thread's panels of the slab (non-workers: none). */
        const int j0 = split_at(npanels, tn, in), j1 = worker ? split_at(npanels, tn, in + 1) : j0;
        /* 4th loop: one rank-KC update; the slab's KC x NC block of B is packed once for all of A. */
        for (int pc = 0; pc < k; pc += e.kc) {
            const int kc = min_int(e.kc, k - pc);
            const float *b_packed; /* panel j0's */
            if (prob->b.prepacked) {
                b_packed = prob->b.prepacked + (size_t)pc * n_padded + (size_t)(jc + j0 * nr) * kc;
            } else {
                pack_panels(&prob->b, pc, kc, jc, nc, nr, j0, j1, b_region);
                b_packed = b_region;
            }
            /* The first KC block writes C (with bias) unless asked to accumulate; later ones add. */
            const bool accumulate = prob->accumulate || pc > 0;
            /* 3rd loop: an MC x KC block of A, packed to stay in L2 while all of B's slab streams past. */
            for (int ic = 0; ic < m; ic += e.mc) {
                const int mc = min_int(e.mc, m - ic);
                const int mpanels = div_up(mc, mr);
                const int i0 = split_at(mpanels, tm, im), i1 = worker ? split_at(mpanels, tm, im + 1) : i0;
                const float *a_packed; /* panel i0's */
                if (prob->a.prepacked) {
                    a_packed = prob->a.prepacked + (size_t)pc * m_padded + (size_t)(ic + i0 * mr) * kc;
                } else if (a_shared) {
                    /* The whole team packs the block, between barriers: everyone
                     * is done with the previous one, then all of it is there. */
                    const int p0 = split_at(mpanels, nthr, tid);
                    team_barrier();
                    pack_panels(&prob->a, pc, kc, ic, mc, mr, p0, split_at(mpanels, nthr, tid + 1),
                                a_block + (size_t)p0 * mr * kc);
                    team_barrier();
                    a_packed = a_block + (size_t)i0 * mr * kc;
                } else {
                    float *a_region = a_block + private_region(im, tm, full_mp, mr, e.kc);
                    pack_panels(&prob->a, pc, kc, ic, mc, mr, i0, i1, a_region);
                    a_packed = a_region;
                }
                /* 2nd loop: one KC x NR micro-panel of B, kept in L1 across the whole 1st loop. */
                for (int jp = j0; jp < j1; jp++) {
                    const int jr = jp * nr;
                    const float *b_panel = b_packed + (size_t)(jp - j0) * nr * kc;
                    /* 1st loop: an MR x KC micro-panel of A from L2 meets it: one MR x NR tile of C in registers. */
                    for (int ip = i0; ip < i1; ip++) {
                        const int ir = ip * mr, row = ic + ir;
                        kern->tile(kc, a_packed + (size_t)(ip - i0) * mr * kc, b_panel,
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
    gemm_prepack_team(pack, ctx, len, k, w, kc, packed, 0, 1);
}

void gemm_prepack_team(gemm_pack_fn pack, const void *ctx, int len, int k, int w,
                       int kc, float *packed, int tid, int nthr) {
    const size_t len_padded = (size_t)round_up(len, w);
    const int step = kc > 0 ? kc : 1, panels = div_up(len, w);
    const gemm_operand op = {.pack = pack, .ctx = ctx};
    for (int pc = 0; pc < k; pc += step)
    {
        const int kc_here = min_int(step, k - pc), p0 = split_at(panels, nthr, tid);
        pack_panels(&op, pc, kc_here, 0, len, w, p0, split_at(panels, nthr, tid + 1),
                    packed + (size_t)pc * len_padded + (size_t)p0 * w * kc_here);
    }
}

/* A row-major: item x is row x, so a panel gathers w rows side by side: a
 * transposition, done PACK_A_DEPTH depth steps at a time so that the
 * block being written (w x PACK_A_DEPTH floats, 2 KiB for w = 32) stays in
 * L1 while each of the w rows is read along a cache line or more. Packing
 * a whole row of kc at once instead wrote a kc x w region with stride w and
 * cost 6.5% of a 1024^3 GEMM on Zen 4 (perf), against 2% this way. */
enum { PACK_A_DEPTH = 16 };

void gemm_pack_a_rowmajor(const void *matrix, int k0, int kc, int x0, int len,
                          int w, float *packed) {
    const gemm_matrix *a = matrix;
    for (int x = 0; x < len; x += w, packed += (size_t)w * kc) {
        const int lanes = min_int(w, len - x);
        const float *rows = a->data + (x0 + x) * a->ld + k0;
        for (int p0 = 0; p0 < kc; p0 += PACK_A_DEPTH) {
            const int depth = min_int(PACK_A_DEPTH, kc - p0);
            float *block = packed + (size_t)p0 * w;
            for (int lane = 0; lane < lanes; lane++) {
                const float *row = rows + lane * a->ld + p0;
                for (int p = 0; p < depth; p++) block[p * w + lane] = row[p];
            }
            for (int lane = lanes; lane < w; lane++)
                for (int p = 0; p < depth; p++) block[p * w + lane] = 0.0f;
        }
    }
}

/* B row-major: a panel's w columns are w consecutive floats of each row.
 * The rows are walked PACK_B_DEPTH at a time across all panels, so that
 * each source row is read along its length (the prefetchers follow it, and
 * the PACK_B_DEPTH rows stay in L1 while the panels take their share) and
 * each panel receives PACK_B_DEPTH x w contiguous floats. A panel at a time
 * instead read w floats from every row, one 4 KiB page apart for a 1024-wide
 * B, with no prefetch across pages. */
enum { PACK_B_DEPTH = 8 };

void gemm_pack_b_rowmajor(const void *matrix, int k0, int kc, int x0, int len,
                          int w, float *packed) {
    const gemm_matrix *b = matrix;
    for (int p0 = 0; p0 < kc; p0 += PACK_B_DEPTH) {
        const int depth = min_int(PACK_B_DEPTH, kc - p0);
        const float *rows = b->data + (ptrdiff_t)(k0 + p0) * b->ld + x0;
        float *panel = packed + (size_t)p0 * w;
        for (int x = 0; x < len; x += w, panel += (size_t)w * kc) {
            const int lanes = min_int(w, len - x);
            for (int p = 0; p < depth; p++) {
                const float *src = rows + p * b->ld + x;
                float *dst = panel + (size_t)p * w;
                if (lanes == w) {
                    memcpy(dst, src, (size_t)w * sizeof(float));
                } else {
                    memcpy(dst, src, (size_t)lanes * sizeof(float));
                    memset(dst + lanes, 0, (size_t)(w - lanes) * sizeof(float));
                }
            }
        }
    }
}

int gemm_thread_slots(void) {
    enum { MIN_SLOTS = 8 };
    static int slots; /* 0 until the first call; every call then agrees */
    int s = __atomic_load_n(&slots, __ATOMIC_RELAXED);
    if (!s) {
        s = omp_get_num_procs();
        if (s < MIN_SLOTS) s = MIN_SLOTS;
        __atomic_store_n(&slots, s, __ATOMIC_RELAXED);
    }
    return s;
}

void gemm_sgemm(const gemm_kernel *kern, const gemm_blocking *blk, int m, int n,
                int k, const float *a, ptrdiff_t lda, const float *b,
                ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate,
                int nthreads, void *ws) {
    const gemm_matrix a_matrix = {a, lda}, b_matrix = {b, ldb};
    const gemm_problem prob = {
        .m = m, .n = n, .k = k,
        .a = {.pack = gemm_pack_a_rowmajor, .ctx = &a_matrix},
        .b = {.pack = gemm_pack_b_rowmajor, .ctx = &b_matrix},
        .c = c, .ldc = ldc,
        .accumulate = accumulate,
    };
    if (nthreads <= 1) {
        gemm_run(kern, blk, &prob, ws);
        return;
    }
#pragma omp parallel num_threads(nthreads)
    gemm_run_team(kern, blk, &prob, ws, omp_get_thread_num(), omp_get_num_threads());
}

size_t gemm_sgemm_best_workspace(int m, int n, int k) {
    const gemm_blocking blk = gemm_default_blocking();
    return gemm_workspace_bytes(gemm_kernel_best(), &blk, m, n, k, GEMM_PACKS_A | GEMM_PACKS_B,
                                gemm_thread_slots());
}

int gemm_sgemm_best(int m, int n, int k, const float *a, ptrdiff_t lda,
                    const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                    int nthreads, void *ws) {
    const gemm_blocking blk = gemm_default_blocking();
    if (nthreads > gemm_thread_slots()) nthreads = gemm_thread_slots();
    void *own = NULL;
    if (!ws) {
        own = ws = aligned_alloc(PANEL_ALIGN, gemm_round64(gemm_sgemm_best_workspace(m, n, k)));
        if (!own) return -1;
    }
    gemm_sgemm(gemm_kernel_best(), &blk, m, n, k, a, lda, b, ldb, c, ldc, false, nthreads, ws);
    free(own);
    return 0;
}

/* --- the GEMM-based convolutions' shared pieces --- */

gemm_conv_shape gemm_conv_shape_of(const conv_problem *p) {
    gemm_conv_shape S;
    S.oh = conv_out_h(p);
    S.ow = conv_out_w(p);
    S.cg = p->c / p->groups;
    S.kg = p->k / p->groups;
    S.taps = p->r * p->s;
    S.items = p->n * p->groups;
    S.pixels = (size_t)S.oh * S.ow;
    return S;
}

/* A run of a panel's lanes whose pixels are stride_w apart in one input
 * row (or run on across rows that abut), or all padding (src_offset < 0). */
typedef struct lane_run {
    int lane, count;
    ptrdiff_t src_offset;
} lane_run;

enum { MAX_PANEL_WIDTH = 256 };

const char *gemm_conv_unsupported(const conv_problem *p) {
    if ((size_t)conv_out_h(p) * conv_out_w(p) > (size_t)0x7fffffff)
        return "needs oh*ow < 2^31 (the GEMM's n is an int)";
    if (gemm_kernel_best()->nr > MAX_PANEL_WIDTH) return "GEMM kernel's NR too wide";
    return NULL;
}

gemm_tap_pixels gemm_tap_pixels_of(const conv_problem *p, const float *src, int i, int j) {
    gemm_tap_pixels t = {.src = src, .plane = (size_t)p->h * p->w, .h = p->h, .w = p->w,
                         .ow = conv_out_w(p), .stride_h = p->stride_h, .stride_w = p->stride_w,
                         .dy = i * p->dil_h - p->pad_t, .dx = j * p->dil_w - p->pad_l};
    /* Output x reads input x*stride_w + dx: inside the row for x in [x_lo, x_hi). */
    const int sw = p->stride_w;
    t.x_lo = t.dx >= 0 ? 0 : (-t.dx + sw - 1) / sw;
    t.x_hi = p->w - 1 - t.dx < 0 ? 0 : (p->w - 1 - t.dx) / sw + 1;
    if (t.x_hi > t.ow) t.x_hi = t.ow;
    if (t.x_lo > t.x_hi) t.x_lo = t.x_hi;
    return t;
}

/* Appends count lanes from src_offset (< 0: padding) to the runs, merging
 * with the last run where the pixels go on (rows that abut). */
static int add_run(lane_run *runs, int nruns, int lane, int count, ptrdiff_t src_offset, int sw) {
    if (count <= 0) return nruns;
    lane_run *last = nruns ? &runs[nruns - 1] : NULL;
    if (last && (src_offset < 0 ? last->src_offset < 0
                                : last->src_offset >= 0 &&
                                      src_offset == last->src_offset + (ptrdiff_t)last->count * sw)) {
        last->count += count;
        return nruns;
    }
    runs[nruns] = (lane_run){lane, count, src_offset};
    return nruns + 1;
}

/* Splits lanes [0, w) of the panel whose first pixel is (y, x) into runs;
 * lanes at or past `valid` are padding. Output row by output row: each is
 * padding, or padding, pixels, padding. Returns the number of runs. */
static int panel_runs(const gemm_tap_pixels *t, int y, int x, int valid, int w, lane_run *runs) {
    int nruns = 0, lane = 0;
    if (valid > w) valid = w;
    while (lane < valid) {
        const int seg = min_int(t->ow - x, valid - lane); /* lanes in output row y */
        const int iy = y * t->stride_h + t->dy;
        if (iy < 0 || iy >= t->h) {
            nruns = add_run(runs, nruns, lane, seg, -1, t->stride_w);
        } else {
            const int lo = t->x_lo < x ? x : t->x_lo > x + seg ? x + seg : t->x_lo;
            const int hi = t->x_hi > x + seg ? x + seg : t->x_hi < lo ? lo : t->x_hi;
            nruns = add_run(runs, nruns, lane, lo - x, -1, t->stride_w);
            nruns = add_run(runs, nruns, lane + lo - x, hi - lo,
                            (ptrdiff_t)iy * t->w + (ptrdiff_t)lo * t->stride_w + t->dx, t->stride_w);
            nruns = add_run(runs, nruns, lane + hi - x, x + seg - hi, -1, t->stride_w);
        }
        lane += seg;
        x = 0;
        y++;
    }
    return add_run(runs, nruns, lane, w - lane, -1, t->stride_w);
}

/* One channel's w lanes of a panel, from its runs. */
static void copy_runs(const lane_run *runs, int nruns, const float *chan, int sw, float *out) {
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

void gemm_pack_tap_pixels(const void *ctx, int k0, int kc, int x0, int len, int w,
                          float *packed) {
    const gemm_tap_pixels *t = ctx;
    lane_run runs[MAX_PANEL_WIDTH];
    for (int x = 0; x < len; x += w, packed += (size_t)w * kc) {
        const int first = x0 + x;
        const int nruns = panel_runs(t, first / t->ow, first % t->ow, len - x, w, runs);
        /* The runs are the same for every channel: found once, copied kc times. */
        for (int p = 0; p < kc; p++)
            copy_runs(runs, nruns, t->src + (size_t)(k0 + p) * t->plane, t->stride_w,
                      packed + (size_t)p * w);
    }
}

size_t gemm_im2col_packed_floats(const conv_problem *p, int w) {
    const gemm_conv_shape S = gemm_conv_shape_of(p);
    return gemm_prepacked_floats((int)S.pixels, S.cg * S.taps, w);
}

/* Panel by panel; in a panel, a batch of taps' runs are found once and
 * serve every channel, channel by channel, so that a channel's input rows
 * stay in L1 across its taps and its rows of the panel (d = c*taps + tap,
 * in KC block d / kc, row d % kc of it) are written one after another. */
void gemm_im2col_packed(const conv_problem *p, const float *src, int kc, int nc, int w,
                        float *packed, int tid, int nthr) {
    enum { RUNS_CAP = 1024, TAPS_CAP = 64 }; /* on the stack: 16 KiB of runs */
    const gemm_conv_shape S = gemm_conv_shape_of(p);
    const int n = (int)S.pixels, depth = S.cg * S.taps;
    const size_t plane = (size_t)p->h * p->w, n_padded = (size_t)round_up(n, w);
    const int batch = min_int(min_int(RUNS_CAP / w, TAPS_CAP), S.taps); /* taps at a time, >= 1 */
    nc = round_up(nc > 0 ? nc : 1, w);
    lane_run runs[RUNS_CAP];
    int nruns[TAPS_CAP];
    for (int jc = 0; jc < n; jc += nc) {
        const int slab = min_int(nc, n - jc), panels = div_up(slab, w);
        for (int panel = split_at(panels, nthr, tid); panel < split_at(panels, nthr, tid + 1); panel++) {
            const int first = jc + panel * w;
            for (int t0 = 0; t0 < S.taps; t0 += batch) {
                const int t1 = min_int(S.taps, t0 + batch);
                for (int tap = t0; tap < t1; tap++) {
                    const gemm_tap_pixels t = gemm_tap_pixels_of(p, src, tap / p->s, tap % p->s);
                    nruns[tap - t0] = panel_runs(&t, first / S.ow, first % S.ow, n - first, w,
                                                 runs + (size_t)(tap - t0) * w);
                }
                for (int c = 0; c < S.cg; c++)
                    for (int tap = t0; tap < t1; tap++) {
                        const int d = c * S.taps + tap, block = d / kc;
                        const int kc_here = min_int(kc, depth - block * kc);
                        float *out = packed + (size_t)block * kc * n_padded + (size_t)first * kc_here +
                                     (size_t)(d % kc) * w;
                        copy_runs(runs + (size_t)(tap - t0) * w, nruns[tap - t0], src + (size_t)c * plane,
                                  p->stride_w, out);
                    }
            }
        }
    }
}

gemm_packed_weights *gemm_packed_weights_alloc(int m, int k, int count,
                                               const conv_params *prm) {
    gemm_packed_weights *pw = malloc(sizeof *pw);
    if (!pw) return NULL;
    pw->kern = gemm_kernel_best();
    pw->m = m;
    pw->k = k;
    pw->kc = gemm_blocking_from_params(prm).kc;
    pw->count = count;
    pw->matrix_floats = gemm_prepacked_floats(m, k, pw->kern->mr);
    pw->panels = aligned_alloc(PANEL_ALIGN, gemm_round64(pw->matrix_floats * count * sizeof(float)));
    if (!pw->panels) {
        free(pw);
        return NULL;
    }
    return pw;
}

void gemm_packed_weights_pack(gemm_packed_weights *pw, int i, gemm_pack_fn pack,
                              const void *ctx, int tid, int nthr) {
    gemm_prepack_team(pack, ctx, pw->m, pw->k, pw->kern->mr, pw->kc,
                      pw->panels + (size_t)i * pw->matrix_floats, tid, nthr);
}

/* A strided matrix as operand A: item x (a row) is first + x*row_stride,
 * depth step p is p*col_stride further. */
typedef struct strided_matrix {
    const float *first;
    ptrdiff_t row_stride, col_stride;
} strided_matrix;

static void pack_a_strided(const void *ctx, int k0, int kc, int x0, int len, int w, float *packed) {
    const strided_matrix *t = ctx;
    for (int x = 0; x < len; x += w, packed += (size_t)w * kc) {
        const int lanes = min_int(w, len - x);
        for (int p = 0; p < kc; p++) {
            const float *col = t->first + (x0 + x) * t->row_stride + (k0 + p) * t->col_stride;
            float *out = packed + (size_t)p * w;
            for (int lane = 0; lane < lanes; lane++) out[lane] = col[lane * t->row_stride];
            for (int lane = lanes; lane < w; lane++) out[lane] = 0.0f;
        }
    }
}

int gemm_conv_prepare_weights(conv_args *a, int views, int depth, int col_stride) {
    const conv_problem *p = a->p;
    const gemm_conv_shape S = gemm_conv_shape_of(p);
    gemm_packed_weights *pw = gemm_packed_weights_alloc(S.kg, depth, p->groups * views, a->params);
    if (!pw) return -1;
#pragma omp parallel num_threads(a->nthreads)
    for (int i = 0; i < pw->count; i++) {
        const strided_matrix w = {.first = a->wei + (size_t)(i / views) * S.kg * S.cg * S.taps + i % views,
                                  .row_stride = (ptrdiff_t)S.cg * S.taps, .col_stride = col_stride};
        gemm_packed_weights_pack(pw, i, pack_a_strided, &w, omp_get_thread_num(), omp_get_num_threads());
    }
    a->state = pw;
    return 0;
}

gemm_blocking gemm_packed_weights_blocking(const gemm_packed_weights *pw,
                                           const conv_params *prm) {
    gemm_blocking blk = gemm_blocking_from_params(prm);
    blk.kc = pw->kc;
    return blk;
}

void gemm_packed_weights_free(void *state) {
    gemm_packed_weights *pw = state;
    if (!pw) return;
    free(pw->panels);
    free(pw);
}

enum { CONV_SLOTS_MAX_BYTES = 64 << 20 };

/* Slots for whole items: 1 (slot 0 only) or up to one per thread. */
static int conv_slots(int items, size_t one_bytes) {
    const int slots = min_int(items, gemm_thread_slots());
    return slots >= 2 && (size_t)slots * one_bytes <= CONV_SLOTS_MAX_BYTES ? slots : 1;
}

size_t gemm_conv_workspace(const conv_problem *p, size_t team_bytes, size_t one_bytes) {
    const int slots = conv_slots(p->n * p->groups, one_bytes);
    return (team_bytes > one_bytes ? team_bytes : one_bytes) + (size_t)(slots - 1) * one_bytes;
}

static void run_item(const conv_args *a, const gemm_blocking *blk, const gemm_conv_shape *S,
                     int item, void *slot, int tid, int nthr, gemm_conv_item_fn fn, const void *ctx) {
    const conv_problem *p = a->p;
    const int n = item / p->groups, g = item % p->groups;
    const gemm_conv_item it = {
        .a = a, .pw = a->state, .blk = *blk, .S = *S, .n = n, .g = g,
        .src = a->src + ((size_t)n * p->c + (size_t)g * S->cg) * p->h * p->w,
        .dst = a->dst + ((size_t)n * p->k + (size_t)g * S->kg) * S->pixels,
        .bias = a->bias ? a->bias + g * S->kg : NULL,
        .slot = slot, .tid = tid, .nthr = nthr,
    };
    fn(&it, ctx);
}

void gemm_conv_run(const conv_args *a, size_t team_bytes, size_t one_bytes, gemm_conv_item_fn fn,
                   const void *ctx) {
    const gemm_conv_shape S = gemm_conv_shape_of(a->p);
    if (S.pixels == 0) return;
    const gemm_blocking blk = gemm_packed_weights_blocking(a->state, a->params);
    const int items = S.items, slots = conv_slots(items, one_bytes);
    const size_t first = team_bytes > one_bytes ? team_bytes : one_bytes;
    void *ws = a->ws;
    int nthreads = a->nthreads;
    if (nthreads <= 1) {
        for (int i = 0; i < items; i++) run_item(a, &blk, &S, i, ws, 0, 1, fn, ctx);
        return;
    }
    /* Teams as large as the workspace was sized for; with several slots,
     * no more threads than slots, which then take whole items. */
    if (nthreads > gemm_thread_slots()) nthreads = gemm_thread_slots();
    if (slots > 1 && nthreads > slots) nthreads = slots;
#pragma omp parallel num_threads(nthreads)
    {
        const int tid = omp_get_thread_num(), nthr = omp_get_num_threads();
        /* Whole items while every thread gets the same number of them. */
        const int whole = slots >= nthr ? items / nthr * nthr : 0;
        void *own = tid ? (char *)ws + first + (size_t)(tid - 1) * one_bytes : ws;
        for (int i = split_at(whole, nthr, tid); i < split_at(whole, nthr, tid + 1); i++)
            run_item(a, &blk, &S, i, own, 0, 1, fn, ctx);
        if (whole > 0 && whole < items) team_barrier(); /* slot 0 becomes shared */
        for (int i = whole; i < items; i++) run_item(a, &blk, &S, i, ws, tid, nthr, fn, ctx);
    }
}
