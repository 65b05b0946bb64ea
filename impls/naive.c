/* naive — the seven loops of the textbook, obviously right: for every output
 * pixel, sum input x weight over input channels and kernel taps, skipping
 * taps that land in the padding. The baseline every speedup is quoted
 * against; deliberately untouched by any optimisation.
 *
 * naive_omp — the same loops with a plain `parallel for` over (image, output
 * channel): the first thing a person tries, so the report shows what a real
 * parallel design adds over it. Each output is computed by one thread in the
 * same order, so it equals naive bit for bit. */
#include "conv.h"

/* All output pixels of image n, output channel k. */
static void naive_plane(const conv_args *a, int n, int k) {
    const conv_problem *p = a->p;
    const int oh = conv_out_h(p), ow = conv_out_w(p);
    const int cg = p->c / p->groups, kg = p->k / p->groups;
    const int g = k / kg;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            float sum = a->bias ? a->bias[k] : 0.0f;
            for (int c = 0; c < cg; c++)
                for (int r = 0; r < p->r; r++)
                    for (int s = 0; s < p->s; s++) {
                        int iy = y * p->stride_h - p->pad_t + r * p->dil_h;
                        int ix = x * p->stride_w - p->pad_l + s * p->dil_w;
                        if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w)
                            continue;
                        int ci = g * cg + c;
                        sum += a->src[(((size_t)n * p->c + ci) * p->h + iy) * p->w + ix] *
                               a->wei[(((size_t)k * cg + c) * p->r + r) * p->s + s];
                    }
            a->dst[(((size_t)n * p->k + k) * oh + y) * ow + x] = sum;
        }
}

static void naive_run(const conv_args *a) {
    for (int n = 0; n < a->p->n; n++)
        for (int k = 0; k < a->p->k; k++) naive_plane(a, n, k);
}

static void naive_omp_run(const conv_args *a) {
    const int nk = a->p->n * a->p->k;
    #pragma omp parallel for num_threads(a->nthreads) schedule(static)
    for (int i = 0; i < nk; i++) naive_plane(a, i / a->p->k, i % a->p->k);
}

const conv_impl conv_impl_naive = {
    .name = "naive",
    .summary = "the 7-loop textbook convolution; the baseline",
    .tol = 2.0,
    .run = naive_run,
};

const conv_impl conv_impl_naive_omp = {
    .name = "naive_omp",
    .summary = "naive with a plain OpenMP parallel for over (image, output channel)",
    .parallel = true,
    .tol = 2.0,
    .run = naive_omp_run,
};
