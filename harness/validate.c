#include "validate.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "onednn.h"
#include "util.h"

void validate_impl(const conv_impl *impl, const conv_problem *p, const conv_params *prm,
                   int nthreads, validation *v) {
    memset(v, 0, sizeof *v);
    const size_t nd = conv_dst_elems(p);
    float *src = cb_alloc(conv_src_elems(p) * 4), *wei = cb_alloc(conv_wei_elems(p) * 4);
    float *bias = cb_alloc((size_t)p->k * 4), *want = cb_alloc(nd * 4), *got = cb_alloc(nd * 4);
    cb_rng rng = {0x5eed0001u ^ (uint64_t)conv_accum_len(p)};
    char err[256];
    if (!src || !wei || !bias || !want || !got) {
        v->status = VALID_ERROR;
        snprintf(v->detail, sizeof v->detail, "out of memory for validation buffers");
        goto done;
    }
    for (int pass = 0; pass < 2; pass++) {
        const bool exact = pass == 0;
        if (exact && impl->approximate) continue; /* reported via exact_pass = false */
        (exact ? fill_exact_data : fill_random_data)(p, src, wei, bias, &rng);
        if (onednn_reference(p, src, wei, bias, want, err, sizeof err)) {
            v->status = VALID_ERROR;
            snprintf(v->detail, sizeof v->detail, "reference: %s", err);
            goto done;
        }
        /* NaN where nothing was written: an output the kernel skips fails. */
        for (size_t i = 0; i < nd; i++) got[i] = NAN;
        if (conv_execute_once(impl, p, prm, nthreads, src, wei, bias, got, &v->run_seconds,
                              err, sizeof err)) {
            v->status = VALID_ERROR;
            snprintf(v->detail, sizeof v->detail, "%s", err);
            goto done;
        }
        double bound = exact ? -1.0 : impl->tol * FLT_EPSILON * conv_accum_len(p);
        double ea, er;
        char detail[256] = "";
        size_t bad = compare_outputs(p, want, got, bound, &ea, &er, detail, sizeof detail);
        if (exact) {
            v->exact_pass = true;
        } else {
            v->max_abs_err = ea;
            v->max_rel_err = er;
            v->bound = bound;
        }
        if (bad) {
            v->status = VALID_MISMATCH;
            snprintf(v->detail, sizeof v->detail, "%s data: %zu of %zu outputs differ; first %s",
                     exact ? "small-integer" : "random", bad, nd, detail);
            goto done;
        }
    }
done:
    cb_free(src);
    cb_free(wei);
    cb_free(bias);
    cb_free(want);
    cb_free(got);
}
