/* Every target of the registry (and the oneDNN peers) against oneDNN over a
 * sweep of problems that touches every corner of the problem space. The
 * validator itself is tested too: deliberately wrong kernels must fail. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sweep.h"
#include "desc.h"
#include "targets.h"
#include "validate.h"

/* Deliberately wrong kernels: the validator must catch each. */
extern const conv_impl conv_impl_naive;
static void off_by_one_run(const conv_args *a) {
    conv_impl_naive.run(a);
    a->dst[conv_dst_elems(a->p) / 2] += 1.0f;
}
static void skips_last_run(const conv_args *a) {
    float keep = NAN;
    conv_impl_naive.run(a);
    a->dst[conv_dst_elems(a->p) - 1] = keep; /* as if never written */
}
static void zeros_run(const conv_args *a) {
    memset(a->dst, 0, conv_dst_elems(a->p) * sizeof(float));
}
static void sloppy_run(const conv_args *a) { /* right on integers, 1e-3 off on reals */
    conv_impl_naive.run(a);
    for (size_t i = 0; i < conv_dst_elems(a->p); i++)
        if (a->dst[i] != floorf(a->dst[i])) a->dst[i] *= 1.001f;
}
static const conv_impl broken[] = {
    {.name = "off_by_one", .tol = 2, .run = off_by_one_run},
    {.name = "skips_last", .tol = 2, .run = skips_last_run},
    {.name = "zeros", .tol = 2, .run = zeros_run},
    {.name = "sloppy", .tol = 2, .run = sloppy_run},
};

int main(void) {
    const int nsweep = sweep_count;
    int validated = 0, unsupported = 0;
    for (int i = 0; i < nsweep; i++)
        for (int bias = 0; bias < 2; bias++) {
            conv_problem p = sweep_problem(sweep[i], bias);
            char err[256], shape[256];
            desc_format(&p, NULL, shape, sizeof shape);
            CHECK(problem_check(&p, err, sizeof err) == 0, "sweep %d invalid: %s", i, err);
            for (int t = 0; t < target_count(); t++) {
                const conv_impl *im = target_at(t);
                const char *why = conv_impl_unavailable(im);
                if (!why && im->unsupported) why = im->unsupported(&p);
                if (why) {
                    CHECK(why[0] != 0, "%s: empty unsupported reason", im->name);
                    unsupported++;
                    continue;
                }
                conv_params prm;
                conv_default_params(im, &prm);
                validation v;
                validate_impl(im, &p, &prm, 1, &v);
                validated++;
                CHECK(v.status == VALID_OK, "%s on %s%s: %s", im->name, shape,
                      bias ? " with bias" : "", v.detail);
                CHECK(im->approximate || v.exact_pass, "%s: exact pass skipped", im->name);
            }
        }
    printf("sweep: %d problems x %d targets: %d validated, %d unsupported\n", nsweep * 2,
           target_count(), validated, unsupported);

    conv_problem p = sweep_problem(sweep[2], 1);
    for (size_t b = 0; b < sizeof broken / sizeof broken[0]; b++) {
        conv_params prm = {{0}};
        validation v;
        validate_impl(&broken[b], &p, &prm, 1, &v);
        CHECK(v.status == VALID_MISMATCH, "broken kernel '%s' passed validation", broken[b].name);
        CHECK(strstr(v.detail, "expected") || strstr(v.detail, "zeros"),
              "'%s': detail lacks expected/got: %s", broken[b].name, v.detail);
    }
    return check_report();
}
