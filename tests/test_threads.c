/* Parallel implementations give the same bits at 1, 2, 3 and 7 threads
 * (thread counts that do not divide the work): every one here splits the
 * outputs between threads, never a sum, so the summation order cannot
 * change. An implementation that splits a reduction would need a tolerance
 * here instead, and a flag in the contract saying so. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "sweep.h"

int main(void) {
    static const int thread_counts[] = {2, 3, 7};
    int compared = 0;
    for (int i = 0; i < sweep_count; i++) {
        conv_problem p = sweep_problem(sweep[i], i % 2);
        const size_t nd = conv_dst_elems(&p);
        float *src = cb_alloc(conv_src_elems(&p) * 4), *wei = cb_alloc(conv_wei_elems(&p) * 4);
        float *bias = cb_alloc(p.k * 4), *one = cb_alloc(nd * 4), *many = cb_alloc(nd * 4);
        cb_rng rng = {0xABCDu + (uint64_t)i};
        fill_random_data(&p, src, wei, bias, &rng);
        for (int t = 0; t < conv_nimpls; t++) {
            const conv_impl *im = conv_impls[t];
            if (!im->parallel || conv_impl_unavailable(im) || (im->unsupported && im->unsupported(&p)))
                continue;
            conv_params prm;
            conv_default_params(im, &prm);
            char err[256];
            CHECK(!conv_execute_once(im, &p, &prm, 1, src, wei, bias, one, NULL, err, sizeof err),
                  "%s: %s", im->name, err);
            for (size_t k = 0; k < sizeof thread_counts / sizeof thread_counts[0]; k++) {
                for (size_t e = 0; e < nd; e++) many[e] = -777.0f;
                CHECK(!conv_execute_once(im, &p, &prm, thread_counts[k], src, wei, bias, many, NULL,
                                         err, sizeof err), "%s: %s", im->name, err);
                CHECK(!memcmp(one, many, nd * 4), "%s on sweep[%d]: %d threads differ from 1",
                      im->name, i, thread_counts[k]);
                compared++;
            }
        }
        cb_free(src);
        cb_free(wei);
        cb_free(bias);
        cb_free(one);
        cb_free(many);
    }
    printf("threads: %d parallel runs compared with 1 thread\n", compared);
    CHECK(compared > 0, "no parallel implementation was compared");
    return check_report();
}
