/* The GEMM microkernel: one MR x NR tile of C from an MR-wide panel of A
 * and an NR-wide panel of B (gemm.h's packed form). Portable C, no
 * intrinsics: the accumulator block is a fixed-size array the compiler
 * keeps in vector registers (MR rows of NR/vector-length registers); each
 * depth step is one broadcast of A per row and one fused multiply-add per
 * register.
 *
 * impls/isa.cmake compiles this file once per ISA, each time with its own
 * -m flags, UKERNEL_VARIANT, UKERNEL_ISA, MR and NR; each compilation
 * defines gemm_kernel_<variant>, which gemm.c lists. It wants -O3,
 * -ffp-contract=fast (ISO C mode otherwise forbids fusing a*b+c into an
 * FMA) and -fopenmp-simd (for the simd pragmas below). */
#include "gemm.h"

#include "conv.h"

#if !defined(UKERNEL_VARIANT) || !defined(UKERNEL_ISA) || !defined(MR) || !defined(NR)
#error "compile with -DUKERNEL_VARIANT=avx2 -DUKERNEL_ISA=CONV_ISA_AVX2 -DMR=6 -DNR=16 (see impls/isa.cmake)"
#endif

#define PASTE_(a, b) a##b
#define PASTE(a, b) PASTE_(a, b)
#define STR_(x) #x
#define STR(x) STR_(x)
#define CACHE_LINE_FLOATS 16

/* Only the j loops (along NR) are to be vectorised: `omp simd` marks them.
 * Without it GCC unrolls them before vectorising and packs the scalars
 * badly (4 instead of 110 GFLOP/s for AVX2 6x16); Clang also needs the
 * other loops marked, or it vectorises them instead, with gathers and
 * scatters on acc (2.6 instead of 114 GFLOP/s for AVX-512 8x32). */
#if defined(__clang__)
#define NOT_THIS_LOOP _Pragma("clang loop vectorize(disable)")
#else
#define NOT_THIS_LOOP
#endif
#define UKERNEL_FN PASTE(gemm_ukernel_, UKERNEL_VARIANT)

/* c[i][j] = (accumulate ? c[i][j] : row_bias[i] or 0) + acc[i][j] over a
 * whole MR x NR tile: constant trip counts, so the updates vectorise. */
static inline void update_tile(float acc[MR][NR], float *restrict c, ptrdiff_t ldc,
                               bool accumulate, const float *restrict row_bias) {
    for (int i = 0; i < MR; i++) {
        float *restrict ci = c + i * ldc;
        const float base = row_bias ? row_bias[i] : 0.0f;
        for (int j = 0; j < NR; j++)
            ci[j] = (accumulate ? ci[j] : base) + acc[i][j];
    }
}

static void UKERNEL_FN(int kc, const float *restrict a, const float *restrict b,
                       float *restrict c, ptrdiff_t ldc, int m, int n, bool accumulate,
                       const float *restrict row_bias) {
#if defined(__GNUC__)
    /* Ask for the C tile now, so that it has arrived when the depth loop
     * is done (+10% on a 1024^3 GEMM whose C lives in L3). */
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j += CACHE_LINE_FLOATS) __builtin_prefetch(c + i * ldc + j, 1);
#endif
    /* The first depth step initialises acc (gemm_run never passes kc < 1):
     * zeroing it instead costs GCC a rep stos on its stack copy of acc. */
    float acc[MR][NR];
    NOT_THIS_LOOP
    for (int i = 0; i < MR; i++)
#pragma omp simd
        for (int j = 0; j < NR; j++) acc[i][j] = a[i] * b[j];
    NOT_THIS_LOOP
    for (int p = 1; p < kc; p++) {
        const float *restrict ap = a + (ptrdiff_t)p * MR;
        const float *restrict bp = b + (ptrdiff_t)p * NR;
        NOT_THIS_LOOP
        for (int i = 0; i < MR; i++)
#pragma omp simd
            for (int j = 0; j < NR; j++)
                acc[i][j] += ap[i] * bp[j];
    }

    if (m == MR && n == NR) {
        update_tile(acc, c, ldc, accumulate, row_bias);
        return;
    }
    /* An edge tile goes through a whole one on the stack. */
    float tile[MR][NR] = {{0}};
    float bias[MR] = {0};
    for (int i = 0; i < m; i++) {
        if (row_bias) bias[i] = row_bias[i];
        if (accumulate)
            for (int j = 0; j < n; j++) tile[i][j] = c[i * ldc + j];
    }
    update_tile(acc, &tile[0][0], NR, accumulate, row_bias ? bias : NULL);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) c[i * ldc + j] = tile[i][j];
}

const gemm_kernel PASTE(gemm_kernel_, UKERNEL_VARIANT) = {
    .name = STR(UKERNEL_VARIANT) "_" STR(MR) "x" STR(NR),
    .isa = UKERNEL_ISA,
    .mr = MR,
    .nr = NR,
    .tile = UKERNEL_FN,
};
