/* Every registry implementation against `naive` over the sweep, with no
 * oneDNN: the test that runs where oneDNN does not, e.g. the AArch64 build
 * under qemu (make test-aarch64). naive itself is validated against oneDNN
 * by test_sweep on x86. */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "sweep.h"

extern const conv_impl conv_impl_naive;

int main(void) {
    int validated = 0, unavailable = 0;
    for (int i = 0; i < sweep_count; i++)
        for (int bias = 0; bias < 2; bias++) {
            conv_problem p = sweep_problem(sweep[i], bias);
            const size_t ns = conv_src_elems(&p), nw = conv_wei_elems(&p), nd = conv_dst_elems(&p);
            float *src = cb_alloc(ns * 4), *wei = cb_alloc(nw * 4), *b = cb_alloc(p.k * 4);
            float *want = cb_alloc(nd * 4), *got = cb_alloc(nd * 4);
            for (int t = 0; t < conv_nimpls; t++) {
                const conv_impl *im = conv_impls[t];
                const char *why = conv_impl_unavailable(im);
                if (!why && im->unsupported) why = im->unsupported(&p);
                if (why) {
                    unavailable++;
                    continue;
                }
                conv_params prm;
                conv_default_params(im, &prm);
                for (int pass = 0; pass < 2; pass++) {
                    const int exact = pass == 0 && !im->approximate;
                    if (pass == 0 && im->approximate) continue;
                    cb_rng rng = {0x1234u + (uint64_t)i};
                    (exact ? fill_exact_data : fill_random_data)(&p, src, wei, b, &rng);
                    char err[256], detail[256] = "";
                    CHECK(!conv_execute_once(&conv_impl_naive, &p, &prm, 1, src, wei, b, want, NULL,
                                             err, sizeof err), "naive: %s", err);
                    for (size_t e = 0; e < nd; e++) got[e] = -12345.0f;
                    CHECK(!conv_execute_once(im, &p, &prm, 1, src, wei, b, got, NULL, err, sizeof err),
                          "%s: %s", im->name, err);
                    /* naive against itself-with-another-order: twice the
                     * single-implementation bound covers both roundings. */
                    double bound = exact ? -1 : 2 * im->tol * FLT_EPSILON * conv_accum_len(&p);
                    double ea, er;
                    size_t bad = compare_outputs(&p, want, got, bound, &ea, &er, detail, sizeof detail);
                    CHECK(bad == 0, "%s on sweep[%d]%s, %s data: %s", im->name, i,
                          bias ? " with bias" : "", exact ? "integer" : "random", detail);
                    validated++;
                }
            }
            cb_free(src);
            cb_free(wei);
            cb_free(b);
            cb_free(want);
            cb_free(got);
        }
    printf("kernels vs naive: %d runs compared, %d skipped (unsupported or not on this CPU)\n",
           validated, unavailable);
    return check_report();
}
