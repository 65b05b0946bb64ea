/* The registry: one line per implementation. Tests and benchmarks iterate
 * this table, so adding an implementation is its file plus one line here
 * (and one in CMakeLists.txt's IMPL_SOURCES). */
#include "conv.h"

#include <string.h>

extern const conv_impl conv_impl_naive;
extern const conv_impl conv_impl_naive_omp;
extern const conv_impl conv_impl_reorder;
extern const conv_impl conv_impl_im2col_gemm;
extern const conv_impl conv_impl_kn2row_gemm;
#if defined(__x86_64__)
extern const conv_impl conv_impl_direct_avx512;
extern const conv_impl conv_impl_direct_avx2;
#elif defined(__aarch64__)
extern const conv_impl conv_impl_direct_neon;
#endif
extern const conv_impl conv_impl_winograd_f2x3;
extern const conv_impl conv_impl_winograd_f4x3;
extern const conv_impl conv_impl_winograd_f6x3;

const conv_impl *const conv_impls[] = {
    &conv_impl_naive,
    &conv_impl_naive_omp,
    &conv_impl_reorder,
    &conv_impl_im2col_gemm,
    &conv_impl_kn2row_gemm,
#if defined(__x86_64__)
    &conv_impl_direct_avx512,
    &conv_impl_direct_avx2,
#elif defined(__aarch64__)
    &conv_impl_direct_neon,
#endif
    &conv_impl_winograd_f2x3,
    &conv_impl_winograd_f4x3,
    &conv_impl_winograd_f6x3,
};
const int conv_nimpls = (int)(sizeof conv_impls / sizeof conv_impls[0]);

const conv_impl *conv_find_impl(const char *name) {
    for (int i = 0; i < conv_nimpls; i++)
        if (!strcmp(conv_impls[i]->name, name)) return conv_impls[i];
    return NULL;
}
