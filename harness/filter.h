/* Image filtering through the registry: a kernel (named, or the user's
 * .npy) slid over an 8-bit image by any convolution implementation, the
 * implementations checked against naive, and the result turned back into
 * an 8-bit image (harness/filter.c). `convbench filter` and
 * `convbench gallery` are built on it.
 *
 * The image becomes a batch-1 NCHW f32 tensor holding the 8-bit values
 * 0..255 themselves (not 0..1), so with integer weights every partial sum
 * is an exact f32 integer (|sum| <= 255 * sum|w| < 2^24) and exact
 * implementations must agree with naive bit for bit. Fractional named
 * kernels (box, Gaussian, average pooling) are run with their integer taps
 * and divided afterwards, once, in f32: still exact until that one
 * division, which every implementation shares. Weights that are not
 * integers (Kaiming, or a user's) are compared within the implementation's
 * tolerance: tol * FLT_EPSILON * accum_len * max|src| * max|w|. */
#ifndef CONVBENCH_FILTER_H
#define CONVBENCH_FILTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conv.h"
#include "image.h"
#include "named_kernels.h"
#include "npy.h"

typedef enum { PAD_SAME, PAD_VALID } filter_padding;

typedef struct filter_spec {
    conv_problem p;      /* n = 1, c = the image's channels, k = the result's */
    float *wei;          /* cb_alloc'd, conv_wei_elems(&p): the integer taps for named kernels */
    float divisor;       /* the convolution's result is divided by this (1: not at all) */
    bool exact;          /* integer weights, partial sums below 2^24: exact on 8-bit data */
    double wei_absmax;   /* max |weight|, for the tolerance */
    char what[160];      /* "sharpen, per channel (groups 3)", for messages */
} filter_spec;

/* Padding "same" is TensorFlow's: the output is ceil(size / stride), the
 * padding that takes split with the extra row/column at the bottom/right;
 * with stride 1 the size is kept. "valid" pads nothing: R-1 rows fewer. */
int filter_spec_named(const named_kernel *nk, int channels, int h, int w, filter_padding pad,
                      int stride, uint64_t seed, filter_spec *fs, char *err, size_t errlen);
/* User weights from WPATH: (K, C, R, S) or (R, S). C equal to the image's
 * channels mixes them (groups 1, K outputs); C = 1 filters each channel
 * alone (depthwise), with one kernel for all (K = 1) or one per channel
 * (K = channels). K must be 1 or 3 for the result to be an image. */
int filter_spec_weights(const char *wpath, const npy_array *a, int channels, int h, int w,
                        filter_padding pad, int stride, filter_spec *fs, char *err, size_t errlen);
void filter_spec_free(filter_spec *fs);

/* The image as a (1, C, H, W) f32 tensor of 0..255; cb_free it. NULL: no memory. */
float *filter_image_tensor(const cb_image *img);

/* Runs impl once: dst (conv_dst_elems) gets the convolution, not yet divided. */
int filter_apply(const conv_impl *impl, const filter_spec *fs, const float *src, float *dst,
                 int nthreads, double *seconds, char *err, size_t errlen);

/* The bound impl's output must meet against naive's: < 0 bit-identical. */
double filter_bound(const conv_impl *impl, const filter_spec *fs);

/* dst (undivided) -> an 8-bit image: divide, round to nearest (halves
 * up), then clip to 0..255 or stretch min..max to 0..255 (a constant
 * result is clipped). 0, or -1 when out of memory. */
int filter_to_image(const filter_spec *fs, const float *dst, nk_display display, cb_image *out);

/* One implementation's outcome against naive. */
typedef enum {
    FILTER_REFERENCE,     /* naive itself */
    FILTER_IDENTICAL,     /* bit for bit */
    FILTER_WITHIN,        /* within the tolerance */
    FILTER_MISMATCH,      /* beyond it, or not finite */
    FILTER_UNSUPPORTED,   /* the implementation declines the problem */
    FILTER_UNAVAILABLE,   /* this CPU cannot run it */
    FILTER_ERROR,         /* it failed to run */
} filter_status;

typedef struct filter_outcome {
    const conv_impl *impl;
    filter_status status;
    double max_abs;       /* largest |difference| from naive */
    double bound;         /* what it had to meet (< 0: exact) */
    double seconds;
    char note[320];       /* why unsupported/unavailable, or the first mismatch */
} filter_outcome;

const char *filter_status_name(filter_status s);

/* Runs every implementation (the registry and the oneDNN peers) that this
 * CPU and the problem allow, naive first; ref (conv_dst_elems) gets
 * naive's output. out has room for target_count() entries; *nout is set.
 * Returns the number of mismatches and errors, or -1 with err when naive
 * itself cannot run. */
int filter_run_all(const filter_spec *fs, const float *src, float *ref, int nthreads,
                   filter_outcome *out, int *nout, char *err, size_t errlen);

/* `convbench filter ARGS` (argv without the command name): 0 ok, 1 an
 * implementation disagreed with naive, 2 bad input. --help prints usage. */
int cmd_filter(int argc, char **argv);
#endif
