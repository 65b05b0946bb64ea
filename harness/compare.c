/* The checks that need no reference library: test data, running an
 * implementation once, comparing outputs. Shared by validation against
 * oneDNN and by the oneDNN-free kernel tests (cross-built for AArch64). */
#include "compare.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <omp.h>

#include "util.h"

int conv_execute_once(const conv_impl *impl, const conv_problem *p, const conv_params *prm,
                      int nthreads, const float *src, const float *wei, const float *bias,
                      float *dst, double *seconds, char *err, size_t errlen) {
    size_t ws_bytes = impl->workspace_bytes ? impl->workspace_bytes(p, prm) : 0;
    void *ws = ws_bytes ? cb_alloc(ws_bytes) : NULL;
    if (ws_bytes && !ws)
        return cb_fail(err, errlen, "cannot allocate %zu bytes of workspace", ws_bytes);
    conv_args a = {.p = p, .params = prm, .src = src, .wei = wei,
                   .bias = p->has_bias ? bias : NULL, .dst = dst, .ws = ws,
                   .nthreads = nthreads};
    omp_set_num_threads(nthreads);
    if (impl->prepare && impl->prepare(&a)) {
        cb_free(ws);
        return cb_fail(err, errlen, "%s: prepare failed", impl->name);
    }
    double t0 = cb_now();
    if (impl->layout_in) impl->layout_in(&a);
    impl->run(&a);
    if (impl->layout_out) impl->layout_out(&a);
    if (seconds) *seconds = cb_now() - t0;
    if (impl->release) impl->release(a.state);
    cb_free(ws);
    return 0;
}

/* Describe dst element i as n,k,y,x so a failure can be reproduced. */
static void describe_index(const conv_problem *p, size_t i, char *out, size_t len) {
    const size_t oh = conv_out_h(p), ow = conv_out_w(p);
    size_t x = i % ow, y = i / ow % oh, k = i / (ow * oh) % p->k, n = i / (ow * oh * p->k);
    snprintf(out, len, "dst[n=%zu][k=%zu][y=%zu][x=%zu] (index %zu)", n, k, y, x, i);
}

size_t compare_outputs(const conv_problem *p, const float *want, const float *got, double bound,
                       double *max_abs, double *max_rel, char *detail, size_t detlen) {
    const size_t count = conv_dst_elems(p);
    double peak = 0;
    /* Plain comparisons rather than fmax: GCC 12's AArch64 vectoriser
     * crashes on the fmax reduction (internal compiler error). */
    for (size_t i = 0; i < count; i++)
        if (fabs(want[i]) > peak) peak = fabs(want[i]);
    /* Relative error is taken where |want| is at least 1% of the largest
     * output: near-zero outputs would make any ratio meaningless. */
    const double rel_floor = 1e-2 * peak;
    size_t bad = 0, nonzero = 0;
    double ea = 0, er = 0;
    for (size_t i = 0; i < count; i++) {
        double w = want[i], g = got[i], d = fabs(w - g);
        nonzero += g != 0;
        bool wrong = !isfinite(g) || (bound < 0 ? w != g : d > bound);
        if (isfinite(g)) {
            if (d > ea) ea = d;
            if (fabs(w) >= rel_floor && w != 0 && d / fabs(w) > er) er = d / fabs(w);
        }
        if (wrong && bad++ == 0 && detail) {
            char where[128];
            describe_index(p, i, where, sizeof where);
            snprintf(detail, detlen, "%s: expected %.9g, got %.9g (|diff| %.3g, bound %s%.3g)",
                     where, w, g, d, bound < 0 ? "exact " : "", bound < 0 ? 0.0 : bound);
        }
    }
    if (nonzero == 0 && peak != 0 && bad == 0) {
        bad = count;
        if (detail) snprintf(detail, detlen, "output is all zeros");
    }
    if (max_abs) *max_abs = ea;
    if (max_rel) *max_rel = er;
    return bad;
}

/* Small-integer data (benchdnn's trick): with |src|,|wei| <= m and L terms
 * per output, every partial sum is an integer below L*m*m + m; keeping that
 * under 2^24 makes f32 arithmetic exact in any summation order. */
void fill_exact_data(const conv_problem *p, float *src, float *wei, float *bias, cb_rng *rng) {
    const double limit = 16777216.0;
    const int L = conv_accum_len(p);
    int m = 4;
    while (m > 1 && (double)L * m * m + m >= limit) m--;
    for (size_t i = 0; i < conv_src_elems(p); i++) src[i] = (float)cb_rng_int(rng, -m, m);
    for (size_t i = 0; i < conv_wei_elems(p); i++) wei[i] = (float)cb_rng_int(rng, -m, m);
    for (int i = 0; i < p->k; i++) bias[i] = (float)cb_rng_int(rng, -m, m);
}

void fill_random_data(const conv_problem *p, float *src, float *wei, float *bias, cb_rng *rng) {
    for (size_t i = 0; i < conv_src_elems(p); i++) src[i] = cb_rng_uniform(rng, -1, 1);
    for (size_t i = 0; i < conv_wei_elems(p); i++) wei[i] = cb_rng_uniform(rng, -1, 1);
    for (int i = 0; i < p->k; i++) bias[i] = cb_rng_uniform(rng, -1, 1);
}

