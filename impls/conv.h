/* convbench — the contract every convolution implementation meets.
 *
 * Tensors are f32 and canonical: src NCHW [n][c][h][w], weights KCRS
 * [k][c/groups][r][s], dst NCHW [n][k][oh][ow], optional bias [k].
 * Group g reads input channels [g*c/groups, (g+1)*c/groups) and writes
 * output channels [g*k/groups, (g+1)*k/groups).
 *
 * Nothing in impls/ knows about YAML, CSV, oneDNN or timing: the harness
 * calls supports -> prepare -> run (many times) -> release. */
#ifndef CONVBENCH_CONV_H
#define CONVBENCH_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct conv_problem {
    int n, c, h, w;          /* batch, input channels, input height/width */
    int k;                   /* output channels */
    int r, s;                /* kernel height, width */
    int stride_h, stride_w;  /* >= 1 */
    int pad_t, pad_l, pad_b, pad_r; /* >= 0 */
    int dil_h, dil_w;        /* 1 = dense kernel (benchdnn's dh0) */
    int groups;              /* divides c and k; groups == c == k is depthwise */
    bool has_bias;
} conv_problem;

/* Extent of the dilated kernel and the output size; 0 when no output fits. */
static inline int conv_kext_h(const conv_problem *p) { return (p->r - 1) * p->dil_h + 1; }
static inline int conv_kext_w(const conv_problem *p) { return (p->s - 1) * p->dil_w + 1; }
static inline int conv_out_h(const conv_problem *p) {
    int span = p->h + p->pad_t + p->pad_b - conv_kext_h(p);
    return span < 0 ? 0 : span / p->stride_h + 1;
}
static inline int conv_out_w(const conv_problem *p) {
    int span = p->w + p->pad_l + p->pad_r - conv_kext_w(p);
    return span < 0 ? 0 : span / p->stride_w + 1;
}
static inline size_t conv_src_elems(const conv_problem *p) {
    return (size_t)p->n * p->c * p->h * p->w;
}
static inline size_t conv_wei_elems(const conv_problem *p) {
    return (size_t)p->k * (p->c / p->groups) * p->r * p->s;
}
static inline size_t conv_dst_elems(const conv_problem *p) {
    return (size_t)p->n * p->k * conv_out_h(p) * conv_out_w(p);
}
/* The one flop count for every algorithm: 2*N*K*OH*OW*(C/groups)*R*S. */
static inline double conv_flops(const conv_problem *p) {
    return 2.0 * p->n * p->k * conv_out_h(p) * conv_out_w(p) *
           (double)(p->c / p->groups) * p->r * p->s;
}
/* Length of one output's dot product: what rounding error scales with. */
static inline int conv_accum_len(const conv_problem *p) {
    return (p->c / p->groups) * p->r * p->s;
}

/* CPU features an implementation needs; checked at run time. */
enum {
    CONV_ISA_NONE   = 0,
    CONV_ISA_AVX2   = 1u << 0, /* with FMA */
    CONV_ISA_AVX512 = 1u << 1, /* avx512f */
    CONV_ISA_NEON   = 1u << 2,
};

/* Tunable parameters are data: each implementation lists its own, with the
 * reasoning for the default written beside it. Values live in conv_params,
 * in the same order as the implementation's list. */
#define CONV_MAX_PARAMS 8
typedef struct conv_param_def {
    const char *name;   /* short, lower case: "mc", "kc", "oc_block" */
    int def;            /* default */
    int min, max;       /* inclusive range */
    int step;           /* > 0: values min, min+step, ...; 0: powers of two (and 0 if min is 0) */
    const char *why;    /* why the default is what it is */
    bool threads_only;  /* matters only with more than one thread (a parallel
                           decomposition): the tuner holds it at its default
                           when tuning for one */
} conv_param_def;

typedef struct conv_params {
    int v[CONV_MAX_PARAMS];
} conv_params;

/* Everything one call needs. The harness owns every buffer. */
typedef struct conv_args {
    const conv_problem *p;
    const conv_params *params;   /* never NULL; defaults if untuned */
    const float *src, *wei, *bias; /* canonical; bias NULL unless has_bias */
    float *dst;
    void *ws;                    /* workspace_bytes() bytes, 64-byte aligned */
    void *state;                 /* what prepare() made, or NULL */
    int nthreads;                /* >= 1; only 'parallel' impls get > 1 */
} conv_args;

typedef struct conv_impl {
    const char *name;        /* "im2col_gemm": one naming grammar, lower case */
    const char *summary;     /* one line for `convbench list` */
    unsigned isa;            /* CONV_ISA_* bits it needs */
    bool parallel;           /* uses nthreads > 1 (OpenMP) */
    bool approximate;        /* not exact on small-integer data (Winograd, FFT) */
    /* Random-data tolerance: max |err| <= tol * FLT_EPSILON * accum_len, the
     * data being in [-1, 1]. Documented per algorithm in the README. */
    double tol;
    /* NULL when the problem is supported, else a short reason ("needs groups == 1"). */
    const char *(*unsupported)(const conv_problem *p);
    /* Scratch the harness allocates for run(); NULL means none. */
    size_t (*workspace_bytes)(const conv_problem *p, const conv_params *prm);
    /* Optional: pack/transform weights into a->state (timed apart). 0 on success. */
    int (*prepare)(conv_args *a);
    /* The convolution: a->dst = conv(a->src, a->wei) + bias. */
    void (*run)(const conv_args *a);
    /* Optional: frees what prepare() made. */
    void (*release)(void *state);
    /* Optional layout phases: layout_in converts canonical a->src into the
     * layout run() reads (held in state), layout_out converts run()'s result
     * back into canonical a->dst. Validation always runs all three. */
    void (*layout_in)(const conv_args *a);
    void (*layout_out)(const conv_args *a);
    bool kernel_only;        /* time run() alone, layouts untimed (a peer's best case) */
    const conv_param_def *params;  /* tunable parameters, may be NULL */
    int nparams;
    /* Optional: overrides defaults with values derived from this machine
     * (conv_cpu_caches()); params[].def stay the fallback and the reasoning. */
    void (*machine_defaults)(conv_params *prm);
    /* Optional: NULL when prm suits p, else why not ("ow_block x k_blocks
     * needs more than 32 registers"). The autotuner never runs a combination
     * this rejects; ranges in params are checked before it is called. */
    const char *(*check_params)(const conv_problem *p, const conv_params *prm);
} conv_impl;

/* The registry: every implementation, one line each (impls/registry.c). */
extern const conv_impl *const conv_impls[];
extern const int conv_nimpls;
const conv_impl *conv_find_impl(const char *name);

/* Fill prm with the implementation's defaults (machine_defaults applied). */
void conv_default_params(const conv_impl *impl, conv_params *prm);
/* NULL when every value is inside its declared range and step and the
 * implementation's check_params accepts the combination, else why not. */
const char *conv_params_invalid(const conv_impl *impl, const conv_problem *p,
                                const conv_params *prm);

/* Data cache sizes of one core in bytes (impls/cpu.c, from Linux's sysfs),
 * 0 where unknown: the cache-fit constraints of check_params use them and
 * skip a level they do not know. */
typedef struct conv_caches {
    size_t l1d, l2, l3;
} conv_caches;
conv_caches conv_cpu_caches(void);

/* Runtime CPU detection (impls/cpu.c), capped by CONVBENCH_MAX_ISA
 * (avx512 | avx2 | none), in the spirit of ONEDNN_MAX_CPU_ISA. */
unsigned conv_cpu_isa(void);
const char *conv_isa_name(unsigned isa_bit);
/* NULL if this CPU runs impl, else why not ("needs avx512f"). */
const char *conv_impl_unavailable(const conv_impl *impl);

#endif
