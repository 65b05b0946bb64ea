/* Image filtering through the registry, and `convbench filter`. */
#include "filter.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "targets.h"
#include "util.h"

/* ------------------------------------------------------------ the problem */

/* Padding before and after along one axis; the output size, 0 if none fits. */
static int axis(int size, int k, int stride, filter_padding pad, int *lo, int *hi) {
    *lo = *hi = 0;
    if (pad == PAD_SAME) {
        const int out = (size + stride - 1) / stride;
        int total = (out - 1) * stride + k - size;
        if (total < 0) total = 0;
        *lo = total / 2;
        *hi = total - *lo;
    }
    const int span = size + *lo + *hi - k;
    return span < 0 ? 0 : span / stride + 1;
}

static int set_geometry(conv_problem *p, int channels, int h, int w, int r, int s, int stride,
                        filter_padding pad, const char *who, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    p->n = 1;
    p->c = channels;
    p->h = h;
    p->w = w;
    p->r = r;
    p->s = s;
    p->stride_h = p->stride_w = stride;
    p->dil_h = p->dil_w = 1;
    p->groups = 1;
    const int oh = axis(h, r, stride, pad, &p->pad_t, &p->pad_b);
    const int ow = axis(w, s, stride, pad, &p->pad_l, &p->pad_r);
    if (oh < 1 || ow < 1)
        return cb_fail(err, errlen, "%s: the %dx%d kernel is larger than the %dx%d image, so 'valid' "
                       "padding leaves nothing; use --padding same or a larger image", who, r, s, w, h);
    return 0;
}

/* max |w| and whether every weight is an integer with the partial sums of
 * any output below 2^24 on 0..255 data (then f32 arithmetic is exact). */
static void classify_weights(filter_spec *fs) {
    const conv_problem *p = &fs->p;
    const size_t per_out = (size_t)(p->c / p->groups) * p->r * p->s;
    fs->wei_absmax = 0;
    fs->exact = true;
    for (int k = 0; k < p->k; k++) {
        double sum = 0;
        for (size_t i = 0; i < per_out; i++) {
            const double v = fs->wei[k * per_out + i];
            if (fabs(v) > fs->wei_absmax) fs->wei_absmax = fabs(v);
            if (v != floor(v)) fs->exact = false;
            sum += fabs(v);
        }
        if (255.0 * sum >= 16777216.0) fs->exact = false;
    }
}

int filter_spec_named(const named_kernel *nk, int channels, int h, int w, filter_padding pad,
                      int stride, uint64_t seed, filter_spec *fs, char *err, size_t errlen) {
    memset(fs, 0, sizeof *fs);
    if (stride < 1) stride = nk->stride;
    if (set_geometry(&fs->p, channels, h, w, nk->r, nk->s, stride, pad, nk->name, err, errlen)) return -1;
    conv_problem *p = &fs->p;
    p->k = channels;
    p->groups = nk->kaiming ? 1 : channels;
    fs->divisor = nk->kaiming ? 1.0f : (float)nk->divisor;
    fs->wei = cb_alloc(conv_wei_elems(p) * sizeof(float));
    if (!fs->wei) return cb_fail(err, errlen, "out of memory for the weights");
    const int taps = nk->r * nk->s;
    if (nk->kaiming) {
        nk_kaiming_normal(fs->wei, p->k, p->c, p->r, p->s, seed);
        snprintf(fs->what, sizeof fs->what, "%s (seed %llu), mixing %d->%d channels", nk->name,
                 (unsigned long long)seed, p->c, p->k);
    } else {
        for (int k = 0; k < p->k; k++)
            for (int i = 0; i < taps; i++) fs->wei[k * taps + i] = (float)nk->taps[i];
        snprintf(fs->what, sizeof fs->what, "%s, per channel (groups %d)", nk->name, p->groups);
    }
    classify_weights(fs);
    return 0;
}

int filter_spec_weights(const char *wpath, const npy_array *a, int channels, int h, int w,
                        filter_padding pad, int stride, filter_spec *fs, char *err, size_t errlen) {
    memset(fs, 0, sizeof *fs);
    size_t K, C, R, S;
    if (a->ndim == 4) {
        K = a->shape[0], C = a->shape[1], R = a->shape[2], S = a->shape[3];
    } else if (a->ndim == 2) {
        K = C = 1, R = a->shape[0], S = a->shape[1];
    } else {
        return cb_fail(err, errlen, "%s: %d dimensions; give weights of shape (K, C, R, S) or (R, S)",
                       wpath, a->ndim);
    }
    if (!K || !C || !R || !S || R > 4096 || S > 4096)
        return cb_fail(err, errlen, "%s: shape (%zu, %zu, %zu, %zu) is not a kernel; give (K, C, R, S) "
                       "with each size at least 1", wpath, K, C, R, S);
    const char *img = channels == 1 ? "grey" : "RGB";
    bool mixing = C == (size_t)channels, depthwise = !mixing && C == 1 && (K == 1 || K == (size_t)channels);
    if (!mixing && !depthwise)
        return cb_fail(err, errlen, "%s: shape (%zu, %zu, %zu, %zu) takes %zu input channels but the image is "
                       "%s (%d); give (K, %d, R, S) to mix its channels, or (1, 1, R, S) or (%d, 1, R, S) "
                       "to filter each channel", wpath, K, C, R, S, C, img, channels, channels, channels);
    if (mixing && K != 1 && K != 3)
        return cb_fail(err, errlen, "%s: K = %zu output channels cannot be written as an image; "
                       "give K = 1 (grey) or 3 (RGB)", wpath, K);
    for (size_t i = 0; i < a->count; i++)
        if (!isfinite(a->data[i]))
            return cb_fail(err, errlen, "%s: weight %zu is %g; give finite weights", wpath, i, a->data[i]);
    if (set_geometry(&fs->p, channels, h, w, (int)R, (int)S, stride < 1 ? 1 : stride, pad, wpath, err, errlen))
        return -1;
    conv_problem *p = &fs->p;
    fs->divisor = 1.0f;
    if (mixing) {
        p->k = (int)K;
        p->groups = 1;
    } else {
        p->k = channels;
        p->groups = channels;
    }
    fs->wei = cb_alloc(conv_wei_elems(p) * sizeof(float));
    if (!fs->wei) return cb_fail(err, errlen, "out of memory for the weights");
    const size_t per_out = R * S * (size_t)(p->c / p->groups);
    for (int k = 0; k < p->k; k++)
        memcpy(fs->wei + k * per_out, a->data + (K == 1 ? 0 : k * per_out), per_out * sizeof(float));
    if (mixing)
        snprintf(fs->what, sizeof fs->what, "%s, mixing %d->%d channels", wpath, p->c, p->k);
    else
        snprintf(fs->what, sizeof fs->what, "%s, per channel (groups %d)", wpath, p->groups);
    classify_weights(fs);
    return 0;
}

void filter_spec_free(filter_spec *fs) {
    cb_free(fs->wei);
    fs->wei = NULL;
}

float *filter_image_tensor(const cb_image *img) {
    const size_t plane = (size_t)img->w * img->h;
    float *t = cb_alloc(plane * img->channels * sizeof(float));
    if (!t) return NULL;
    for (int c = 0; c < img->channels; c++)
        for (size_t i = 0; i < plane; i++) t[c * plane + i] = img->pix[i * img->channels + c];
    return t;
}

/* ------------------------------------------------------------ running */

int filter_apply(const conv_impl *impl, const filter_spec *fs, const float *src, float *dst,
                 int nthreads, double *seconds, char *err, size_t errlen) {
    /* NaN first: an output the kernel never writes cannot pass as right. */
    for (size_t i = 0; i < conv_dst_elems(&fs->p); i++) dst[i] = NAN;
    conv_params prm;
    conv_default_params(impl, &prm);
    return conv_execute_once(impl, &fs->p, &prm, impl->parallel ? nthreads : 1, src, fs->wei, NULL, dst,
                             seconds, err, errlen);
}

double filter_bound(const conv_impl *impl, const filter_spec *fs) {
    if (fs->exact && !impl->approximate) return -1;
    const double tol = impl->tol > 0 ? impl->tol : 1;
    return tol * FLT_EPSILON * conv_accum_len(&fs->p) * 255.0 * fs->wei_absmax;
}

int filter_to_image(const filter_spec *fs, const float *dst, nk_display display, cb_image *out) {
    const conv_problem *p = &fs->p;
    const int oh = conv_out_h(p), ow = conv_out_w(p);
    if (image_alloc(out, ow, oh, p->k)) return -1;
    const size_t plane = (size_t)oh * ow, n = plane * p->k;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const double v = dst[i] / fs->divisor;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    const bool rescale = display == DISPLAY_RESCALE && hi > lo;
    for (int c = 0; c < p->k; c++)
        for (size_t i = 0; i < plane; i++) {
            double v = (float)(dst[c * plane + i] / fs->divisor); /* the one f32 division */
            if (rescale) v = (v - lo) * 255.0 / (hi - lo);
            v = floor(v + 0.5);
            out->pix[i * p->k + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    return 0;
}

const char *filter_status_name(filter_status s) {
    switch (s) {
    case FILTER_REFERENCE: return "reference";
    case FILTER_IDENTICAL: return "identical";
    case FILTER_WITHIN: return "within-tol";
    case FILTER_MISMATCH: return "MISMATCH";
    case FILTER_UNSUPPORTED: return "unsupported";
    case FILTER_UNAVAILABLE: return "unavailable";
    case FILTER_ERROR: return "ERROR";
    }
    return "?";
}

int filter_run_all(const filter_spec *fs, const float *src, float *ref, int nthreads,
                   filter_outcome *out, int *nout, char *err, size_t errlen) {
    const conv_impl *naive = conv_find_impl("naive");
    if (!naive) return cb_fail(err, errlen, "the registry has no 'naive' implementation to check against");
    double naive_s = 0;
    if (filter_apply(naive, fs, src, ref, 1, &naive_s, err, errlen)) return -1;
    float *got = cb_alloc(conv_dst_elems(&fs->p) * sizeof(float));
    if (!got) return cb_fail(err, errlen, "out of memory for the outputs");
    int failures = 0;
    *nout = 0;
    for (int i = 0; i < target_count(); i++) {
        const conv_impl *im = target_at(i);
        filter_outcome *o = &out[(*nout)++];
        memset(o, 0, sizeof *o);
        o->impl = im;
        o->bound = filter_bound(im, fs);
        if (im == naive) {
            o->status = FILTER_REFERENCE;
            o->seconds = naive_s;
            continue;
        }
        const char *why = conv_impl_unavailable(im);
        if (why) {
            o->status = FILTER_UNAVAILABLE;
            snprintf(o->note, sizeof o->note, "%s", why);
            continue;
        }
        why = im->unsupported ? im->unsupported(&fs->p) : NULL;
        if (why) {
            o->status = FILTER_UNSUPPORTED;
            snprintf(o->note, sizeof o->note, "%s", why);
            continue;
        }
        if (filter_apply(im, fs, src, got, nthreads, &o->seconds, o->note, sizeof o->note)) {
            o->status = FILTER_ERROR;
            failures++;
            continue;
        }
        double max_rel;
        size_t bad = compare_outputs(&fs->p, ref, got, o->bound, &o->max_abs, &max_rel, o->note, sizeof o->note);
        if (bad) {
            o->status = FILTER_MISMATCH;
            failures++;
        } else {
            o->status = o->max_abs == 0 ? FILTER_IDENTICAL : FILTER_WITHIN;
            o->note[0] = '\0';
        }
    }
    cb_free(got);
    return failures;
}

/* ------------------------------------------------------------ the command */

static const char *const filter_usage =
    "usage: convbench filter (--kernel NAME | --weights W.npy) [--impl NAME|all]\n"
    "                        [--padding same|valid] [--stride S] [--display clip|rescale]\n"
    "                        [--seed N] [--threads N] IN OUT\n"
    "       convbench filter --list\n"
    "\n"
    "Slides a kernel over the image IN (PNG, or binary PPM/PGM; grey or RGB, 8-bit;\n"
    "alpha is dropped, 16-bit and palette PNGs converted) through a convolution\n"
    "implementation of the registry and writes OUT (.png, .ppm or .pgm, atomically).\n"
    "Kernels are applied as conv layers apply them: cross-correlation, no flip.\n"
    "\n"
    "  --kernel NAME    a named kernel (--list shows them with their matrices):\n"
    "                   %s.\n"
    "                   Fixed kernels filter each channel alone (depthwise: groups =\n"
    "                   channels); kaiming5 mixes the channels (3->3 on RGB).\n"
    "  --weights W.npy  your own float32 kernel: (K, C, R, S) with C = the image's\n"
    "                   channels mixes them into K = 1 (grey) or 3 (RGB) outputs;\n"
    "                   (1, 1, R, S), (C, 1, R, S) or (R, S) filters each channel alone\n"
    "  --impl NAME|all  the implementation (default naive). `all` runs every one this\n"
    "                   CPU and the problem allow, checks each against naive, prints\n"
    "                   the verdicts and writes naive's output to OUT; exit 1 if any\n"
    "                   disagrees (OUT is still written). Implementations: %s\n"
    "  --padding P      same (default): zero padding, the output is ceil(size/stride)\n"
    "                   (the size is kept at stride 1); valid: no padding, R-1 fewer\n"
    "                   rows and S-1 fewer columns\n"
    "  --stride S       default: the kernel's own (2 for avgpool2, else 1)\n"
    "  --display D      how results outside 0..255 are shown: clip (default) sets\n"
    "                   negatives to 0 and above 255 to 255; rescale stretches the\n"
    "                   result's min..max (over all channels) to 0..255\n"
    "  --seed N         the seed of kaiming5's weights (default %u)\n"
    "  --threads N      threads for parallel implementations (default 1)\n"
    "\n"
    "Exactness: the image is used as 0..255 values, fractional kernels (box,\n"
    "Gaussian, average pooling) run on their integer taps and are divided after, so\n"
    "integer kernels give bit-identical results in every exact implementation;\n"
    "non-integer weights (kaiming5, most .npy files) are checked within each\n"
    "implementation's tolerance, tol * FLT_EPSILON * C*R*S * 255 * max|w|.\n"
    "Exit status: 0 ok, 1 an implementation disagreed, 2 bad input (nothing written).\n";

static void print_usage(FILE *f) {
    fprintf(f, filter_usage, named_kernel_names(), target_names(), NK_DEFAULT_SEED);
}

static void print_kernels(void) {
    for (int i = 0; i < named_kernel_count; i++) {
        const named_kernel *nk = &named_kernels[i];
        char m[1024];
        nk_format_matrix(nk, 3, NK_DEFAULT_SEED, m, sizeof m);
        printf("%-11s %s: %s\n", nk->name, nk->title, nk->what);
        for (char *line = strtok(m, "\n"); line; line = strtok(NULL, "\n")) printf("%12s%s\n", "", line);
    }
}

static int parse_int(const char *flag, const char *s, int lo, int hi, int *v) {
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < lo || x > hi) {
        fprintf(stderr, "convbench: %s: '%s' is not a number in %d..%d; see convbench filter --help\n",
                flag, s, lo, hi);
        return -1;
    }
    *v = (int)x;
    return 0;
}

int cmd_filter(int argc, char **argv) {
    enum { OK = 0, FAILED = 1, USAGE = 2 };
    const char *kernel = NULL, *weights = NULL, *impl_name = "naive", *in = NULL, *outp = NULL;
    filter_padding pad = PAD_SAME;
    nk_display display = DISPLAY_CLIP;
    int stride = 0, threads = 1;
    unsigned long long seed = NK_DEFAULT_SEED;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_usage(stdout);
            return OK;
        }
        if (!strcmp(a, "--list")) {
            print_kernels();
            return OK;
        }
        static const char *const takes_value[] = {"--kernel", "--weights", "--impl", "--padding",
                                                  "--display", "--stride", "--threads", "--seed"};
        bool value_flag = false;
        for (size_t f = 0; f < sizeof takes_value / sizeof takes_value[0]; f++) value_flag |= !strcmp(a, takes_value[f]);
        if (value_flag && i + 1 >= argc) {
            fprintf(stderr, "convbench: filter: %s needs a value; see convbench filter --help\n", a);
            return USAGE;
        }
        if (!strcmp(a, "--kernel")) kernel = argv[++i];
        else if (!strcmp(a, "--weights")) weights = argv[++i];
        else if (!strcmp(a, "--impl")) impl_name = argv[++i];
        else if (!strcmp(a, "--padding")) {
            const char *v = argv[++i];
            if (!strcmp(v, "same")) pad = PAD_SAME;
            else if (!strcmp(v, "valid")) pad = PAD_VALID;
            else {
                fprintf(stderr, "convbench: --padding: '%s' is not a padding; give same or valid\n", v);
                return USAGE;
            }
        } else if (!strcmp(a, "--display")) {
            const char *v = argv[++i];
            if (!strcmp(v, "clip")) display = DISPLAY_CLIP;
            else if (!strcmp(v, "rescale")) display = DISPLAY_RESCALE;
            else {
                fprintf(stderr, "convbench: --display: '%s' is not a display; give clip or rescale\n", v);
                return USAGE;
            }
        } else if (!strcmp(a, "--stride")) {
            if (parse_int("--stride", argv[++i], 1, 4096, &stride)) return USAGE;
        } else if (!strcmp(a, "--threads")) {
            if (parse_int("--threads", argv[++i], 1, 4096, &threads)) return USAGE;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            seed = strtoull(argv[++i], &end, 10);
            if (end == argv[i] || *end || errno || argv[i][0] == '-') {
                fprintf(stderr, "convbench: --seed: '%s' is not a non-negative integer\n", argv[i]);
                return USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "convbench: filter: unknown option '%s'; see convbench filter --help\n", a);
            return USAGE;
        } else if (!in) in = a;
        else if (!outp) outp = a;
        else {
            fprintf(stderr, "convbench: filter: unexpected argument '%s'; give one IN and one OUT\n", a);
            return USAGE;
        }
    }
    if (!kernel == !weights) {
        fprintf(stderr, "convbench: filter: give --kernel NAME or --weights W.npy (one of them); "
                        "see convbench filter --help\n");
        return USAGE;
    }
    if (!in || !outp) {
        fprintf(stderr, "convbench: filter: give an input and an output image; see convbench filter --help\n");
        return USAGE;
    }
    const named_kernel *nk = NULL;
    if (kernel && !(nk = named_kernel_find(kernel))) {
        fprintf(stderr, "convbench: --kernel %s: no such kernel; choose one of: %s\n", kernel,
                named_kernel_names());
        return USAGE;
    }
    const bool all = !strcmp(impl_name, "all");
    const conv_impl *im = all ? NULL : target_find(impl_name);
    if (!all && !im) {
        fprintf(stderr, "convbench: --impl %s: unknown implementation; choose all or one of: %s\n",
                impl_name, target_names());
        return USAGE;
    }
    if (!image_writable_name(outp)) {
        fprintf(stderr, "convbench: %s: unknown output type; name it .png, .ppm or .pgm\n", outp);
        return USAGE;
    }

    char err[1024];
    cb_image img = {0}, result = {0};
    npy_array w = {0};
    filter_spec fs = {0};
    float *src = NULL, *dst = NULL;
    filter_outcome *outcomes = NULL;
    int status = USAGE;
    if (image_read(in, &img, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        goto out;
    }
    if (nk) {
        if (filter_spec_named(nk, img.channels, img.h, img.w, pad, stride, seed, &fs, err, sizeof err)) {
            fprintf(stderr, "convbench: --kernel %s\n", err);
            goto out;
        }
    } else if (npy_read(weights, &w, err, sizeof err) ||
               filter_spec_weights(weights, &w, img.channels, img.h, img.w, pad, stride, &fs, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        goto out;
    }
    if (image_write_check(outp, fs.p.k, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        goto out;
    }
    if (!(src = filter_image_tensor(&img)) || !(dst = cb_alloc(conv_dst_elems(&fs.p) * sizeof(float))) ||
        !(outcomes = calloc((size_t)target_count(), sizeof *outcomes))) {
        fprintf(stderr, "convbench: out of memory for a %dx%d image\n", img.w, img.h);
        goto out;
    }
    const char *kinds[] = {"", "grey", "", "RGB"};
    int failures = 0;
    if (all) {
        int n;
        failures = filter_run_all(&fs, src, dst, threads, outcomes, &n, err, sizeof err);
        if (failures < 0) {
            fprintf(stderr, "convbench: %s\n", err);
            status = FAILED;
            goto out;
        }
        printf("%s on %s (%dx%d %s) -> %dx%d %s; %s\n", fs.what, in, img.w, img.h, kinds[img.channels],
               conv_out_w(&fs.p), conv_out_h(&fs.p), kinds[fs.p.k],
               fs.exact ? "integer weights: exact implementations must match naive bit for bit"
                        : "non-integer weights: each implementation within its tolerance of naive");
        for (int i = 0; i < n; i++) {
            const filter_outcome *o = &outcomes[i];
            printf("  %-16s %-11s", o->impl->name, filter_status_name(o->status));
            if (o->status <= FILTER_MISMATCH) printf(" %9.3f ms", o->seconds * 1e3);
            if (o->status == FILTER_WITHIN || o->status == FILTER_MISMATCH)
                printf("  max |diff| %.3g (bound %.3g)", o->max_abs, o->bound);
            if (o->note[0]) printf("  %s", o->note);
            putchar('\n');
        }
    } else {
        const char *why = conv_impl_unavailable(im);
        if (!why && im->unsupported) why = im->unsupported(&fs.p);
        if (why) {
            fprintf(stderr, "convbench: --impl %s cannot run %s: %s; choose another implementation or all\n",
                    im->name, fs.what, why);
            goto out;
        }
        double secs;
        if (filter_apply(im, &fs, src, dst, threads, &secs, err, sizeof err)) {
            fprintf(stderr, "convbench: %s\n", err);
            status = FAILED;
            goto out;
        }
        printf("%s via %s on %s (%dx%d %s) -> %dx%d %s in %.3f ms\n", fs.what, im->name, in, img.w, img.h,
               kinds[img.channels], conv_out_w(&fs.p), conv_out_h(&fs.p), kinds[fs.p.k], secs * 1e3);
    }
    if (filter_to_image(&fs, dst, display, &result)) {
        fprintf(stderr, "convbench: out of memory for the result\n");
        goto out;
    }
    if (image_write(outp, &result, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        goto out;
    }
    printf("wrote %s (%s%s)\n", outp, all ? "naive's output, " : "",
           display == DISPLAY_CLIP ? "clipped to 0..255" : "min..max rescaled to 0..255");
    if (failures)
        fprintf(stderr, "convbench: %d implementation(s) disagreed with naive (see above)\n", failures);
    status = failures ? FAILED : OK;
out:
    image_free(&img);
    image_free(&result);
    npy_free(&w);
    filter_spec_free(&fs);
    cb_free(src);
    cb_free(dst);
    free(outcomes);
    return status;
}
