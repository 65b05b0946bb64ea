/* gemm — the project's own cache-blocked SGEMM, C (+)= A·B, in the
 * Goto/BLIS structure: five loops around an MR x NR register microkernel,
 * with A and B copied ("packed") into contiguous micro-panels first.
 *
 * C is row-major (m x n, leading dimension ldc). A (m x k) and B (k x n)
 * are never read directly: the caller supplies a packer for each, so an
 * operand can be a plain strided matrix, a convolution's input pixels
 * gathered on the fly (kn2row), or weights packed once in advance.
 *
 * Packed form, the same for both operands: the operand's free extent (the
 * m rows of A, the n columns of B) is cut into panels of width w (MR for A,
 * NR for B); panel after panel, each holds, depth step after depth step, its
 * w values (zero beyond the extent):
 *     packed[panel][p][lane] = X(x0 + panel*w + lane, k0 + p)
 * where X(x, p) is A[x][p] for A and B[p][x] for B.
 *
 * The microkernel is portable C compiled once per ISA (gemm_ukernel.c,
 * impls/isa.cmake); gemm_kernel_best() picks one by conv_cpu_isa().
 * gemm_run_team runs the loops on an OpenMP team (see "Threads" below). */
#ifndef CONVBENCH_GEMM_H
#define CONVBENCH_GEMM_H

#include <stdbool.h>
#include <stddef.h>

#include "conv.h"

/* One MR x NR tile: C[0..m)[0..n) (+)= Apanel·Bpanel over kc depth steps.
 * a: MR*kc packed values, b: NR*kc. m <= MR, n <= NR trim the edge tiles.
 * accumulate: C += A·B; else C = A·B + row_bias[i] (row_bias may be NULL). */
typedef void (*gemm_ukernel_fn)(int kc, const float *a, const float *b, float *c,
                                ptrdiff_t ldc, int m, int n, bool accumulate,
                                const float *row_bias);

typedef struct gemm_kernel {
    const char *name;   /* "avx512_8x32": ISA, then MR x NR */
    unsigned isa;       /* CONV_ISA_* bits the CPU needs */
    int mr, nr;
    gemm_ukernel_fn tile;
} gemm_kernel;

/* Every variant compiled into this binary, best first. */
int gemm_kernel_count(void);
const gemm_kernel *gemm_kernel_at(int i);
/* The best variant whose ISA needs are within isa (CONV_ISA_* bits);
 * gemm_kernel_best() is gemm_kernel_for_isa(conv_cpu_isa()). Never NULL. */
const gemm_kernel *gemm_kernel_for_isa(unsigned isa);
const gemm_kernel *gemm_kernel_best(void);

/* Cache blocking; gemm rounds mc up to a multiple of MR and nc to one of NR
 * and clamps all three to the problem, so any values >= 1 are valid.
 * a_ways is the team's decomposition: how many ways a team splits each
 * block's rows of A (the rest of the team splits the columns of B), at most
 * the team's size; 0 leaves it to a cost model (gemm.c's choose_grid). */
typedef struct gemm_blocking {
    int mc, kc, nc;
    int a_ways;
} gemm_blocking;

/* The blocking as tunable convolution parameters, in this order, with the
 * defaults and their reasons; shared by the GEMM-based convolutions. */
enum { GEMM_PARAM_MC, GEMM_PARAM_KC, GEMM_PARAM_NC, GEMM_PARAM_A_WAYS, GEMM_NPARAMS };
extern const conv_param_def gemm_blocking_params[GEMM_NPARAMS];
gemm_blocking gemm_blocking_from_params(const conv_params *prm);
/* The defaults: the BLIS analytical model for kern and the given cache
 * sizes (see gemm.c), and that model for gemm_kernel_best() on this
 * machine's caches (conv_cpu_caches()), which gemm_machine_defaults puts in
 * a convolution's parameters (conv_impl.machine_defaults). */
gemm_blocking gemm_model_blocking(const gemm_kernel *kern, const conv_caches *caches);
gemm_blocking gemm_default_blocking(void);
void gemm_machine_defaults(conv_params *prm);

/* NULL when blk's blocks fit this machine's caches for kern (see gemm.c),
 * else why not; a level caches does not know (0) is not checked. */
const char *gemm_blocking_misfit(const gemm_kernel *kern, const gemm_blocking *blk,
                                 const conv_caches *caches);
/* check_params of the GEMM-based convolutions: the parameters' blocking
 * against conv_cpu_caches() for gemm_kernel_best(). */
const char *gemm_check_params(const conv_problem *p, const conv_params *prm);

/* Packs depth steps [k0, k0+kc) of operand items [x0, x0+len) (rows of A or
 * columns of B) into ceil(len/w) panels of width w, zero-filling lanes past
 * len, in the packed form above. ctx is the caller's description of the
 * operand. Called from the hot path: it must not allocate. */
typedef void (*gemm_pack_fn)(const void *ctx, int k0, int kc, int x0, int len,
                             int w, float *packed);

/* An operand: either a packer, or the whole operand packed in advance by
 * gemm_prepack() (then pack is unused). */
typedef struct gemm_operand {
    gemm_pack_fn pack;
    const void *ctx;
    const float *prepacked;
} gemm_operand;

typedef struct gemm_problem {
    int m, n, k;
    gemm_operand a;         /* m x k, packed in MR-wide panels */
    gemm_operand b;         /* k x n, packed in NR-wide panels */
    float *c;
    ptrdiff_t ldc;
    bool accumulate;        /* C += A·B; else C = A·B (+ row_bias) */
    const float *row_bias;  /* optional, m values, only when !accumulate */
} gemm_problem;

/* Bytes of packing workspace gemm_run needs for an m x n x k problem with
 * this kernel and blocking: one MC x KC block of A if it packs A (A is not
 * prepacked), one KC x NC block of B if it packs B; for gemm_run_team on
 * teams of up to max_threads threads, as many blocks of B as rows in the
 * largest team's grid (1 when max_threads is 1). */
enum { GEMM_PACKS_A = 1u << 0, GEMM_PACKS_B = 1u << 1 };
size_t gemm_workspace_bytes(const gemm_kernel *kern, const gemm_blocking *blk,
                            int m, int n, int k, unsigned packs, int max_threads);
/* C (+)= A·B. ws: gemm_workspace_bytes(..., 1) bytes, 64-byte aligned. */
void gemm_run(const gemm_kernel *kern, const gemm_blocking *blk,
              const gemm_problem *prob, void *ws);

/* Packing a whole operand ahead of time (weights, in prepare()): len items
 * of depth k, panels of width w (kern->mr for A, kern->nr for B), cut into
 * the same KC blocks gemm_run will use: run it with the same kc. */
size_t gemm_prepacked_floats(int len, int k, int w);
void gemm_prepack(gemm_pack_fn pack, const void *ctx, int len, int k, int w,
                  int kc, float *packed);

/* Packers for plain row-major matrices; ctx is a gemm_matrix. */
typedef struct gemm_matrix {
    const float *data;
    ptrdiff_t ld;
} gemm_matrix;
void gemm_pack_a_rowmajor(const void *matrix, int k0, int kc, int x0, int len,
                          int w, float *packed);
void gemm_pack_b_rowmajor(const void *matrix, int k0, int kc, int x0, int len,
                          int w, float *packed);

/* --- Threads -------------------------------------------------------------
 *
 * gemm_run_team is gemm_run for one thread of an OpenMP team: every thread
 * of the team calls it with the same arguments and ws (it may contain
 * `omp barrier`s, so all must), tid = omp_get_thread_num(), nthr =
 * omp_get_num_threads(); ws: gemm_workspace_bytes(..., max_threads) bytes
 * for some max_threads >= nthr, shared by the team. Threads split C, never
 * a sum: each tile of C is computed by one thread with the same KC blocks
 * in the same order, so the result is the same bits for every nthr. The
 * split is a grid of tm x tn thread blocks over each MC x NC block of C,
 * chosen from the problem to balance the work (pixels for a ResNet layer
 * with many of them, channels for one with 7x7); see gemm.c. Each thread
 * packs the B panels it uses itself, so with A prepacked (the
 * convolutions) there is no barrier at all; A packed here is packed by the
 * team together between barriers when threads share its panels. Calls
 * one after another on the same ws with the same m, n, k, blocking and
 * team need no barrier in between (kn2row's taps). */
void gemm_run_team(const gemm_kernel *kern, const gemm_blocking *blk,
                   const gemm_problem *prob, void *ws, int tid, int nthr);

/* Where part i of count things cut into parts starts: the first
 * count % parts parts get one more. A part never shrinks as count grows. */
static inline size_t gemm_split_at(size_t count, int parts, int i) {
    return (size_t)i * (count / parts) + ((size_t)i < count % parts ? (size_t)i : count % parts);
}

/* gemm_prepack's share of thread tid of nthr: together they pack all. */
void gemm_prepack_team(gemm_pack_fn pack, const void *ctx, int len, int k, int w,
                       int kc, float *packed, int tid, int nthr);

/* Per-thread scratch: the contract's workspace_bytes() has no thread
 * count, so an implementation that needs one buffer per thread sizes its
 * workspace for gemm_thread_slots() threads, omp_get_num_procs() (more
 * threads than processors only oversubscribe) but at least 8 (so 3 or 7
 * threads split the work for real on a 2-core test machine), and runs at
 * most that many threads: the results are the same bits either way. The
 * value is fixed at the first call. */
int gemm_thread_slots(void);

/* C (+)= A·B for row-major A (lda), B (ldb), C (ldc) on nthreads threads
 * (its own parallel region; one thread runs without one). ws:
 * gemm_workspace_bytes(..., GEMM_PACKS_A | GEMM_PACKS_B, nthreads) bytes. */
void gemm_sgemm(const gemm_kernel *kern, const gemm_blocking *blk, int m, int n,
                int k, const float *a, ptrdiff_t lda, const float *b,
                ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate,
                int nthreads, void *ws);

/* The benchmark entry: C = A·B for row-major A (m x k, lda), B (k x n, ldb),
 * C (m x n, ldc) with gemm_kernel_best() and gemm_default_blocking() on
 * nthreads threads (at most gemm_thread_slots(): more only oversubscribe).
 * ws: gemm_sgemm_best_workspace(m, n, k) bytes, 64-byte aligned (allocate
 * once, outside the timed loop), or NULL to have one allocated and freed in
 * the call. Returns 0, or -1 when out of memory. */
size_t gemm_sgemm_best_workspace(int m, int n, int k);
int gemm_sgemm_best(int m, int n, int k, const float *a, ptrdiff_t lda,
                    const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                    int nthreads, void *ws);

/* --- Shared by the GEMM-based convolutions (im2col_gemm, kn2row_gemm) --- */

static inline size_t gemm_round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

/* A convolution's sizes as GEMMs: per image and group ("item"), C is the
 * kg x pixels block of dst. */
typedef struct gemm_conv_shape {
    int oh, ow, cg, kg;
    int taps;        /* r*s */
    int items;       /* n*groups independent GEMM problems */
    size_t pixels;   /* oh*ow: the GEMM's n */
} gemm_conv_shape;
gemm_conv_shape gemm_conv_shape_of(const conv_problem *p);
/* NULL, or why the GEMM convolutions cannot run p (their n is an int, and
 * their pixel packers handle panels of at most 256). */
const char *gemm_conv_unsupported(const conv_problem *p);

/* The input pixels one kernel tap (i, j) sees, as a GEMM operand B of an
 * image's group: row c (an input channel of the group), column y*ow + x (an
 * output pixel) is src[c][y*stride_h + dy][x*stride_w + dx], 0 where that
 * is padding. gemm_pack_tap_pixels packs it (a gemm_pack_fn; ctx is a
 * gemm_tap_pixels), copying runs of pixels rather than testing each. */
typedef struct gemm_tap_pixels {
    const float *src;  /* the group's first input channel of this image */
    size_t plane;      /* h*w */
    int h, w, ow, stride_h, stride_w, dy, dx;
    int x_lo, x_hi;    /* the output x whose input x is inside the row */
} gemm_tap_pixels;
gemm_tap_pixels gemm_tap_pixels_of(const conv_problem *p, const float *src, int i, int j);
void gemm_pack_tap_pixels(const void *ctx, int k0, int kc, int x0, int len, int w,
                          float *packed);
/* im2col straight into packed panels: the whole c*r*s x oh*ow im2col
 * matrix of an image's group (row (c*r + i)*s + j is tap (i, j)'s view of
 * channel c) in gemm_prepack's form for KC = kc, panels of width w; this
 * thread packs its share of each NC-wide slab's panels (nc as gemm_run
 * cuts them), the share gemm_run_team gives it when it splits pixels. */
size_t gemm_im2col_packed_floats(const conv_problem *p, int w);
void gemm_im2col_packed(const conv_problem *p, const float *src, int kc, int nc, int w,
                        float *packed, int tid, int nthr);

/* Weights packed once in prepare(): count A matrices of m x k, packed for
 * gemm_kernel_best() in the KC blocks of the parameters. */
typedef struct gemm_packed_weights {
    const gemm_kernel *kern;
    int m, k, kc, count;
    size_t matrix_floats;
    float *panels;
} gemm_packed_weights;
gemm_packed_weights *gemm_packed_weights_alloc(int m, int k, int count,
                                               const conv_params *prm);
/* Packs matrix i (pack and ctx describe it as an A operand); thread tid of
 * nthr packs its share of it. */
void gemm_packed_weights_pack(gemm_packed_weights *pw, int i, gemm_pack_fn pack,
                              const void *ctx, int tid, int nthr);
static inline const float *gemm_packed_weights_matrix(const gemm_packed_weights *pw, int i) {
    return pw->panels + (size_t)i * pw->matrix_floats;
}
/* prepare() of the GEMM convolutions, on a->nthreads threads: the KCRS
 * weights as groups*views A matrices of kg x depth, matrix g*views + v
 * starting at wei[g*kg][0][0][0] + v, rows c*r*s apart and columns
 * col_stride apart; a->state = the gemm_packed_weights. 0, or -1 when out
 * of memory. */
int gemm_conv_prepare_weights(conv_args *a, int views, int depth, int col_stride);
/* The parameters' blocking with the KC the weights were cut into. */
gemm_blocking gemm_packed_weights_blocking(const gemm_packed_weights *pw,
                                           const conv_params *prm);
void gemm_packed_weights_free(void *pw); /* a conv_impl.release */

/* Running a convolution's items (image, group) on threads, in one
 * parallel region:
 *  - items are shared out whole, one per thread at a time, while there are
 *    at least as many left as threads (batches, groups, depthwise): no
 *    synchronisation; the item comes with tid 0 of nthr 1 and the thread's
 *    own slot;
 *  - the rest one after another on the whole team (batch 1, one group: the
 *    ResNet layers): every thread gets the item, with its tid and nthr and
 *    slot 0, and must do its share (gemm_run_team splits a GEMM).
 * Scratch: team_bytes for an item on a team of up to gemm_thread_slots()
 * threads (slot 0), one_bytes for an item on one thread (the other slots),
 * both multiples of 64. Several slots only when there are several items
 * and they are small enough (together at most 64 MiB); with one, every item
 * runs on the whole team. Teams are at most gemm_thread_slots() threads.
 * Either way each output is computed by one thread in one order. */
typedef struct gemm_conv_item {
    const conv_args *a;
    const gemm_packed_weights *pw;  /* a->state */
    gemm_blocking blk;              /* the parameters', with the weights' KC */
    gemm_conv_shape S;
    int n, g;                       /* the image and group */
    const float *src;               /* the group's first input channel of the image */
    float *dst;                     /* its first output channel */
    const float *bias;              /* its first bias, or NULL */
    void *slot;                     /* scratch */
    int tid, nthr;                  /* this thread in the team doing the item */
} gemm_conv_item;
typedef void (*gemm_conv_item_fn)(const gemm_conv_item *it, const void *ctx);
size_t gemm_conv_workspace(const conv_problem *p, size_t team_bytes, size_t one_bytes);
/* run() of the GEMM convolutions: fn(item, ctx) for every item of a->p. */
void gemm_conv_run(const conv_args *a, size_t team_bytes, size_t one_bytes, gemm_conv_item_fn fn,
                   const void *ctx);

#endif
