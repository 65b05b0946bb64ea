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
 * impls/isa.cmake); gemm_kernel_best() picks one by conv_cpu_isa(). */
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
 * and clamps all three to the problem, so any values >= 1 are valid. */
typedef struct gemm_blocking {
    int mc, kc, nc;
} gemm_blocking;

/* The blocking as tunable convolution parameters, in this order, with the
 * defaults and their reasons; shared by the GEMM-based convolutions. */
enum { GEMM_PARAM_MC, GEMM_PARAM_KC, GEMM_PARAM_NC, GEMM_NPARAMS };
extern const conv_param_def gemm_blocking_params[GEMM_NPARAMS];
gemm_blocking gemm_blocking_from_params(const conv_params *prm);
gemm_blocking gemm_default_blocking(void);

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
 * prepacked), one KC x NC block of B if it packs B. */
enum { GEMM_PACKS_A = 1u << 0, GEMM_PACKS_B = 1u << 1 };
size_t gemm_workspace_bytes(const gemm_kernel *kern, const gemm_blocking *blk,
                            int m, int n, int k, unsigned packs);
/* C (+)= A·B. ws: gemm_workspace_bytes() bytes, 64-byte aligned. */
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

/* Convenience: C (+)= A·B for row-major A (lda), B (ldb), C (ldc); ws:
 * gemm_workspace_bytes(..., GEMM_PACKS_A | GEMM_PACKS_B). */
void gemm_sgemm(const gemm_kernel *kern, const gemm_blocking *blk, int m, int n,
                int k, const float *a, ptrdiff_t lda, const float *b,
                ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate,
                void *ws);

#endif
