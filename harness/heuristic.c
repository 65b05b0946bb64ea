#include "heuristic.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "desc.h"

/* Rules, first match wins. A rule names a shape class and the
 * implementation measured best for it on the machines we have seen; the
 * regret report says when that stops being true. 0 / -1 mean "any". */
typedef struct pick_rule {
    const char *when;
    int depthwise;        /* 1: groups == c == k only, 0: not depthwise, -1: any */
    int kernel;           /* r == s == kernel, 0: any */
    int max_cg;           /* c/groups <= max_cg, 0: any */
    int min_pixels;       /* oh*ow >= min_pixels, 0: any */
    const char *impl;
} pick_rule;

static const pick_rule rules[] = {
    {"depthwise: one channel per group, the direct kernels' lanes would idle", 1, 0, 0, 0, "reorder"},
    /* Measured on ResNet-50 (Zen 4): F(4x4) 1.4-2x the direct kernel from
     * 14x14 up; on 7x7 the tiles are too few (F(2x2) is best there, barely). */
    {"3x3 stride-1 layers of 14x14 and more: Winograd F(4x4,3x3)", 0, 3, 0, 196, "winograd_f4x3"},
    /* Measured on ResNet-50 (Zen 4, `convbench tune`): the blocked GEMM
     * beats the direct kernel by 4-19% on the 1x1 layers of 64 and 128
     * input channels (res2a_branch1/2a, res3a_branch2c), loses from 256. */
    {"1x1 layers of at most 128 input channels: the blocked GEMM", 0, 1, 128, 0, "im2col_gemm"},
    {"dense layers: register-tiled direct convolution", 0, 0, 0, 0, "direct_avx512"},
    {"dense layers without AVX-512", 0, 0, 0, 0, "direct_avx2"},
    {"dense layers on AArch64", 0, 0, 0, 0, "direct_neon"},
    {"anything else: the blocked GEMM", -1, 0, 0, 0, "im2col_gemm"},
    {"last resort", -1, 0, 0, 0, "naive"},
};

static int matches(const pick_rule *r, const conv_problem *p) {
    const int dw = p->groups == p->c && p->groups == p->k;
    if (r->depthwise >= 0 && r->depthwise != dw) return 0;
    if (r->kernel && (p->r != r->kernel || p->s != r->kernel)) return 0;
    if (r->max_cg && p->c / p->groups > r->max_cg) return 0;
    if (r->min_pixels && conv_out_h(p) * conv_out_w(p) < r->min_pixels) return 0;
    return 1;
}

const conv_impl *heuristic_pick(const conv_problem *p, int nthreads, const char **why) {
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (!matches(&rules[i], p)) continue;
        const conv_impl *im = conv_find_impl(rules[i].impl);
        if (!im || conv_impl_unavailable(im) || (im->unsupported && im->unsupported(p)) ||
            (nthreads > 1 && !im->parallel))
            continue;
        if (why) *why = rules[i].when;
        return im;
    }
    return NULL;
}

int heuristic_regret_report(const wisdom *w, const char *fp) {
    int keys = 0, unmeasured = 0;
    double log_sum = 0;
    printf("%-44s %3s %-16s %10s %-16s %10s %7s\n", "shape", "thr", "best", "best_ms", "heuristic",
           "pick_ms", "regret");
    for (int i = 0; i < w->n; i++) {
        const wisdom_entry *e = &w->e[i];
        if (strcmp(e->fingerprint, fp)) continue;
        /* Each (shape, threads) once: at its first entry. */
        int first = 1;
        for (int j = 0; j < i && first; j++)
            first = strcmp(w->e[j].fingerprint, fp) || strcmp(w->e[j].shape, e->shape) ||
                    w->e[j].threads != e->threads;
        if (!first) continue;
        conv_problem p;
        char name[96], err[256];
        if (desc_parse(e->shape, &p, name, sizeof name, err, sizeof err)) continue;
        const wisdom_entry *best = wisdom_best_impl(w, fp, e->shape, e->threads);
        const conv_impl *pick = heuristic_pick(&p, e->threads, NULL);
        const wisdom_entry *pe = pick ? wisdom_find(w, fp, pick->name, e->shape, e->threads) : NULL;
        if (!best) continue;
        if (!pe) {
            unmeasured++;
            printf("%-44.44s %3d %-16s %10.4f %-16s %10s %7s\n", e->shape, e->threads, best->impl,
                   best->best_ms, pick ? pick->name : "-", "-", "n/a");
            continue;
        }
        double regret = pe->best_ms / best->best_ms;
        log_sum += log(regret);
        keys++;
        printf("%-44.44s %3d %-16s %10.4f %-16s %10.4f %7.3f\n", e->shape, e->threads, best->impl,
               best->best_ms, pick->name, pe->best_ms, regret);
    }
    if (keys)
        printf("heuristic regret: geometric mean %.3f over %d shapes (1.000 = always the measured best)%s\n",
               exp(log_sum / keys), keys,
               unmeasured ? "; shapes whose pick was never timed are left out" : "");
    else
        printf("heuristic regret: nothing to compare yet; tune a config first (convbench tune CONFIG)\n");
    return keys;
}
