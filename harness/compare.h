/* Reference-free checking: test data, one run of an implementation, and
 * output comparison (harness/compare.c). */
#ifndef CONVBENCH_COMPARE_H
#define CONVBENCH_COMPARE_H
#include <stddef.h>
#include "conv.h"
#include "util.h"

/* Small-integer data (benchdnn's trick): |values| <= m with L*m*m + m < 2^24,
 * L the accumulation length, so every partial sum is an exact f32 integer
 * and any summation order gives the same bits. */
void fill_exact_data(const conv_problem *p, float *src, float *wei, float *bias, cb_rng *rng);
/* Uniform random data in [-1, 1]. */
void fill_random_data(const conv_problem *p, float *src, float *wei, float *bias, cb_rng *rng);

/* Run impl once on caller's tensors (prepare, layouts, run, release):
 * what `convbench conv` and validation share. 0, or -1 with err. */
int conv_execute_once(const conv_impl *impl, const conv_problem *p, const conv_params *prm,
                      int nthreads, const float *src, const float *wei, const float *bias,
                      float *dst, double *seconds, char *err, size_t errlen);

/* Compare got with want (dst of p): fills max errors and, on the first
 * element beyond bound (or non-finite), a description; returns the count
 * of bad elements. bound < 0 means exact equality. */
size_t compare_outputs(const conv_problem *p, const float *want, const float *got, double bound,
                       double *max_abs, double *max_rel, char *detail, size_t detlen);
#endif
