/* Image filtering (harness/filter.c, image.c, named_kernels.c) on images the
 * test makes itself, so no download is needed:
 *  - every named kernel through every implementation, on grey and RGB, same
 *    and valid padding: bit-identical to naive for the integer kernels,
 *    within tolerance for the Kaiming one;
 *  - known values: identity, constant images, output sizes, pooling, a
 *    Sobel step, clip and rescale, the Kaiming draw;
 *  - user weights: mixing, per channel, mismatches;
 *  - image files: PNG and PPM/PGM round trips, the PNG variants that are
 *    converted (alpha, 16-bit, palette, low bit depth), damaged files, and
 *    atomic writes that leave nothing behind on failure. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "check.h"
#include "filter.h"
#include "image.h"
#include "named_kernels.h"
#include "targets.h"
#include "util.h"

static char tmpdir[256];

/* A test picture: smooth gradients, a bright square, a diagonal line and
 * noise, different in each channel; odd sizes on purpose. */
static void make_picture(cb_image *img, int w, int h, int channels, uint64_t seed) {
    image_alloc(img, w, h, channels);
    cb_rng rng = {seed};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                int v = (x * 255 / (w - 1) * (c + 1) + y * 255 / (h - 1) * (3 - c)) / 4;
                if (x > w / 3 && x < w / 2 && y > h / 4 && y < h / 2) v = 250 - 20 * c;
                if (x == y) v = 0;
                v += cb_rng_int(&rng, -12, 12);
                img->pix[(y * w + x) * channels + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

static void make_constant(cb_image *img, int w, int h, int channels, int value) {
    image_alloc(img, w, h, channels);
    memset(img->pix, value, (size_t)w * h * channels);
}

/* Runs fs through naive only; returns the raw output (cb_free it). */
static float *naive_raw(const filter_spec *fs, const cb_image *img) {
    float *src = filter_image_tensor(img), *dst = cb_alloc(conv_dst_elems(&fs->p) * sizeof(float));
    char err[512];
    if (filter_apply(conv_find_impl("naive"), fs, src, dst, 1, NULL, err, sizeof err)) {
        CHECK(0, "naive failed: %s", err);
    }
    cb_free(src);
    return dst;
}

/* fs on img through naive, as an 8-bit image. */
static void naive_image(const filter_spec *fs, const cb_image *img, nk_display d, cb_image *out) {
    float *raw = naive_raw(fs, img);
    CHECK(filter_to_image(fs, raw, d, out) == 0, "filter_to_image");
    cb_free(raw);
}

/* ------------------------------------------------ every kernel, every impl */

static void test_all_implementations(void) {
    const int sizes[][2] = {{23, 17}, {16, 12}};
    for (int si = 0; si < 2; si++)
        for (int channels = 1; channels <= 3; channels += 2) {
            cb_image img;
            make_picture(&img, sizes[si][0], sizes[si][1], channels, 7 + si);
            float *src = filter_image_tensor(&img);
            filter_outcome *out = calloc((size_t)target_count(), sizeof *out);
            for (int k = 0; k < named_kernel_count; k++)
                for (int pad = PAD_SAME; pad <= PAD_VALID; pad++) {
                    const named_kernel *nk = &named_kernels[k];
                    filter_spec fs;
                    char err[512];
                    int rc = filter_spec_named(nk, channels, img.h, img.w, (filter_padding)pad, 0, 42, &fs, err,
                                               sizeof err);
                    CHECK(rc == 0, "%s: %s", nk->name, err);
                    if (rc) continue;
                    CHECK(fs.exact == !nk->kaiming, "%s: exact should be %d", nk->name, !nk->kaiming);
                    float *ref = cb_alloc(conv_dst_elems(&fs.p) * sizeof(float));
                    int n = 0, failures = filter_run_all(&fs, src, ref, 1, out, &n, err, sizeof err);
                    CHECK(failures == 0, "%s on %dx%dx%d pad %d: %d failure(s) %s", nk->name, img.w, img.h,
                          channels, pad, failures, failures < 0 ? err : "");
                    int ran = 0;
                    for (int i = 0; i < n; i++) {
                        const filter_outcome *o = &out[i];
                        if (o->status == FILTER_REFERENCE || o->status == FILTER_UNSUPPORTED ||
                            o->status == FILTER_UNAVAILABLE)
                            continue;
                        ran++;
                        if (fs.exact && !o->impl->approximate)
                            CHECK(o->status == FILTER_IDENTICAL, "%s via %s (%dx%dx%d, pad %d): %s %s", nk->name,
                                  o->impl->name, img.w, img.h, channels, pad, filter_status_name(o->status),
                                  o->note);
                        else
                            CHECK(o->status == FILTER_IDENTICAL || o->status == FILTER_WITHIN,
                                  "%s via %s: %s (max diff %g, bound %g) %s", nk->name, o->impl->name,
                                  filter_status_name(o->status), o->max_abs, o->bound, o->note);
                    }
                    CHECK(n == target_count(), "%d outcomes for %d targets", n, target_count());
                    CHECK(ran >= 3, "%s: only %d implementation(s) besides naive ran", nk->name, ran);
                    cb_free(ref);
                    filter_spec_free(&fs);
                }
            free(out);
            cb_free(src);
            image_free(&img);
        }
}

/* ------------------------------------------------------------ known values */

static void test_identity_and_sizes(void) {
    cb_image img;
    make_picture(&img, 23, 17, 3, 3);
    const named_kernel *id = named_kernel_find("identity");
    filter_spec fs;
    char err[256];
    CHECK(filter_spec_named(id, 3, 17, 23, PAD_SAME, 0, 42, &fs, err, sizeof err) == 0, "%s", err);
    cb_image out = {0};
    naive_image(&fs, &img, DISPLAY_CLIP, &out);
    CHECK(out.w == 23 && out.h == 17 && out.channels == 3, "identity size %dx%dx%d", out.w, out.h, out.channels);
    CHECK(!memcmp(out.pix, img.pix, (size_t)23 * 17 * 3), "identity changed the image");
    image_free(&out);
    filter_spec_free(&fs);

    /* same keeps the size, valid takes R-1 rows and S-1 columns off. */
    for (int k = 0; k < named_kernel_count; k++) {
        const named_kernel *nk = &named_kernels[k];
        if (nk->stride != 1) continue;
        filter_spec s, v;
        filter_spec_named(nk, 3, 17, 23, PAD_SAME, 0, 42, &s, err, sizeof err);
        filter_spec_named(nk, 3, 17, 23, PAD_VALID, 0, 42, &v, err, sizeof err);
        CHECK(conv_out_h(&s.p) == 17 && conv_out_w(&s.p) == 23, "%s same: %dx%d", nk->name, conv_out_w(&s.p),
              conv_out_h(&s.p));
        CHECK(conv_out_h(&v.p) == 17 - (nk->r - 1) && conv_out_w(&v.p) == 23 - (nk->s - 1), "%s valid: %dx%d",
              nk->name, conv_out_w(&v.p), conv_out_h(&v.p));
        filter_spec_free(&s);
        filter_spec_free(&v);
    }

    /* Average pooling halves (ceil with same, floor with valid). */
    const named_kernel *ap = named_kernel_find("avgpool2");
    const int dims[][4] = {{24, 16, 12, 8}, {23, 17, 12, 9}};
    for (int i = 0; i < 2; i++) {
        filter_spec s, v;
        filter_spec_named(ap, 1, dims[i][1], dims[i][0], PAD_SAME, 0, 42, &s, err, sizeof err);
        filter_spec_named(ap, 1, dims[i][1], dims[i][0], PAD_VALID, 0, 42, &v, err, sizeof err);
        CHECK(conv_out_w(&s.p) == dims[i][2] && conv_out_h(&s.p) == dims[i][3], "avgpool same %dx%d -> %dx%d",
              dims[i][0], dims[i][1], conv_out_w(&s.p), conv_out_h(&s.p));
        CHECK(conv_out_w(&v.p) == dims[i][0] / 2 && conv_out_h(&v.p) == dims[i][1] / 2, "avgpool valid -> %dx%d",
              conv_out_w(&v.p), conv_out_h(&v.p));
        filter_spec_free(&s);
        filter_spec_free(&v);
    }
    /* ... and averages: 2x2 blocks of known values. */
    cb_image blocks;
    image_alloc(&blocks, 4, 2, 1);
    const uint8_t b[] = {10, 20, 100, 101, 30, 40, 102, 103};
    memcpy(blocks.pix, b, sizeof b);
    filter_spec_named(ap, 1, 2, 4, PAD_VALID, 0, 42, &fs, err, sizeof err);
    naive_image(&fs, &blocks, DISPLAY_CLIP, &out);
    CHECK(out.w == 2 && out.h == 1 && out.pix[0] == 25 && out.pix[1] == 102, "avgpool of blocks: %d %d",
          out.pix[0], out.pix[1]); /* 101.5 rounds half up */
    image_free(&out);
    image_free(&blocks);
    filter_spec_free(&fs);

    /* A kernel bigger than the image with valid padding is an error. */
    CHECK(filter_spec_named(named_kernel_find("box5"), 1, 3, 3, PAD_VALID, 0, 42, &fs, err, sizeof err) != 0,
          "5x5 valid on 3x3 accepted");
    CHECK(strstr(err, "--padding same") != NULL, "message: %s", err);
    image_free(&img);
}

static void test_constant_image(void) {
    const char *keep[] = {"box3", "box5", "gaussian3", "gaussian5", "sharpen", "emboss", "identity"};
    const char *zero[] = {"outline", "laplacian4", "sobel_x", "sobel_y"};
    for (int channels = 1; channels <= 3; channels += 2) {
        cb_image img;
        make_constant(&img, 19, 13, channels, 100);
        for (size_t i = 0; i < sizeof keep / sizeof keep[0] + sizeof zero / sizeof zero[0]; i++) {
            const bool keeps = i < sizeof keep / sizeof keep[0];
            const named_kernel *nk = named_kernel_find(keeps ? keep[i] : zero[i - sizeof keep / sizeof keep[0]]);
            filter_spec fs;
            char err[256];
            filter_spec_named(nk, channels, 13, 19, PAD_SAME, 0, 42, &fs, err, sizeof err);
            float *raw = naive_raw(&fs, &img);
            const int oh = conv_out_h(&fs.p), ow = conv_out_w(&fs.p), hr = nk->r / 2, hs = nk->s / 2;
            int bad = 0;
            for (int c = 0; c < channels; c++)
                for (int y = hr; y < oh - hr; y++)
                    for (int x = hs; x < ow - hs; x++) {
                        const float v = raw[(c * oh + y) * ow + x] / fs.divisor;
                        bad += v != (keeps ? 100.0f : 0.0f);
                    }
            CHECK(bad == 0, "%s of a constant image, %d channel(s): %d interior pixels changed", nk->name, channels,
                  bad);
            /* With zero padding the blur darkens the border. */
            if (!strcmp(nk->name, "box3")) CHECK(raw[0] / fs.divisor < 100.0f, "box3 corner %g", raw[0] / fs.divisor);
            cb_free(raw);
            filter_spec_free(&fs);
        }
        /* Pooling a constant is the constant everywhere. */
        filter_spec fs;
        char err[256];
        filter_spec_named(named_kernel_find("avgpool2"), channels, 13, 19, PAD_VALID, 0, 42, &fs, err, sizeof err);
        cb_image out;
        naive_image(&fs, &img, DISPLAY_CLIP, &out);
        int bad = 0;
        for (size_t i = 0; i < (size_t)out.w * out.h * out.channels; i++) bad += out.pix[i] != 100;
        CHECK(bad == 0 && out.w == 9 && out.h == 6, "avgpool of a constant: %d differ, %dx%d", bad, out.w, out.h);
        image_free(&out);
        filter_spec_free(&fs);
        image_free(&img);
    }
}

static void test_sobel_step(void) {
    /* Dark left of column 10, bright from it on. */
    const int w = 21, h = 11, step = 10;
    cb_image img;
    image_alloc(&img, w, h, 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) img.pix[y * w + x] = x >= step ? 200 : 0;
    filter_spec fs;
    char err[256];
    filter_spec_named(named_kernel_find("sobel_x"), 1, h, w, PAD_SAME, 0, 42, &fs, err, sizeof err);
    float *raw = naive_raw(&fs, &img);
    float best = -INFINITY;
    int best_x = -1, bad = 0;
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            const float v = raw[y * w + x];
            if (v > best) best = v, best_x = x;
            if (x != step - 1 && x != step) bad += v != 0;
        }
    CHECK(best_x == step - 1 || best_x == step, "sobel_x maximum at column %d, the step is between %d and %d",
          best_x, step - 1, step);
    CHECK(best == 4 * 200, "sobel_x peak %g, want 800", best);
    CHECK(bad == 0, "sobel_x nonzero off the step at %d interior pixels", bad);
    cb_free(raw);
    filter_spec_free(&fs);
    /* Sobel y sees no vertical change away from the top and bottom rows. */
    filter_spec_named(named_kernel_find("sobel_y"), 1, h, w, PAD_SAME, 0, 42, &fs, err, sizeof err);
    raw = naive_raw(&fs, &img);
    bad = 0;
    for (int y = 1; y < h - 1; y++)
        for (int x = 0; x < w; x++) bad += raw[y * w + x] != 0;
    CHECK(bad == 0, "sobel_y of a vertical step: %d nonzero interior pixels", bad);
    cb_free(raw);
    filter_spec_free(&fs);
    image_free(&img);
}

static void test_display(void) {
    /* A 1-channel 4x1 "result" -60, 0, 100, 300 through identity's spec. */
    filter_spec fs;
    char err[256];
    filter_spec_named(named_kernel_find("identity"), 1, 1, 4, PAD_SAME, 0, 42, &fs, err, sizeof err);
    const float raw[] = {-60, 0, 100, 300};
    cb_image out;
    filter_to_image(&fs, raw, DISPLAY_CLIP, &out);
    CHECK(out.pix[0] == 0 && out.pix[1] == 0 && out.pix[2] == 100 && out.pix[3] == 255, "clip: %d %d %d %d",
          out.pix[0], out.pix[1], out.pix[2], out.pix[3]);
    image_free(&out);
    filter_to_image(&fs, raw, DISPLAY_RESCALE, &out);
    /* (v + 60) * 255 / 360: 0, 42.5 -> 43, 113.3 -> 113, 255 */
    CHECK(out.pix[0] == 0 && out.pix[1] == 43 && out.pix[2] == 113 && out.pix[3] == 255, "rescale: %d %d %d %d",
          out.pix[0], out.pix[1], out.pix[2], out.pix[3]);
    image_free(&out);
    const float flat[] = {7, 7, 7, 7};
    filter_to_image(&fs, flat, DISPLAY_RESCALE, &out);
    CHECK(out.pix[0] == 7 && out.pix[3] == 7, "rescale of a constant: %d", out.pix[0]);
    image_free(&out);
    filter_spec_free(&fs);
}

static void test_kaiming(void) {
    enum { N = 20000 };
    float *w = malloc(N * sizeof *w), *again = malloc(N * sizeof *again);
    nk_kaiming_normal(w, 8, 10, 25, 10, 42); /* fan_in 2500: sigma = sqrt(2/2500) */
    nk_kaiming_normal(again, 8, 10, 25, 10, 42);
    double sum = 0, sq = 0;
    for (int i = 0; i < N; i++) sum += w[i], sq += (double)w[i] * w[i];
    const double mean = sum / N, sd = sqrt(sq / N - mean * mean), want = sqrt(2.0 / 2500);
    CHECK(fabs(mean) < 4 * want / sqrt(N), "kaiming mean %g", mean);
    CHECK(fabs(sd / want - 1) < 0.03, "kaiming sd %g, want %g", sd, want);
    CHECK(!memcmp(w, again, N * sizeof *w), "kaiming draw is not deterministic");
    nk_kaiming_normal(again, 8, 10, 25, 10, 43);
    CHECK(memcmp(w, again, N * sizeof *w), "kaiming ignores the seed");
    free(w);
    free(again);

    filter_spec fs;
    char err[256];
    filter_spec_named(named_kernel_find("kaiming5"), 3, 9, 9, PAD_SAME, 0, 42, &fs, err, sizeof err);
    CHECK(fs.p.groups == 1 && fs.p.c == 3 && fs.p.k == 3 && fs.p.r == 5 && !fs.exact, "kaiming5 on RGB: g%d c%d k%d",
          fs.p.groups, fs.p.c, fs.p.k);
    filter_spec_free(&fs);
    filter_spec_named(named_kernel_find("sharpen"), 3, 9, 9, PAD_SAME, 0, 42, &fs, err, sizeof err);
    CHECK(fs.p.groups == 3 && fs.p.c == 3 && fs.p.k == 3 && fs.exact, "sharpen on RGB is depthwise");
    filter_spec_free(&fs);
}

/* ------------------------------------------------------------ user weights */

static void test_user_weights(void) {
    cb_image img;
    make_picture(&img, 15, 11, 3, 5);
    char err[512];
    filter_spec fs, named;
    /* (1, 1, 3, 3) = sharpen, applied to each channel: the same as --kernel sharpen. */
    float sharpen[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    npy_array a = {.ndim = 4, .shape = {1, 1, 3, 3}, .data = sharpen, .count = 9};
    CHECK(filter_spec_weights("w.npy", &a, 3, 11, 15, PAD_SAME, 1, &fs, err, sizeof err) == 0, "%s", err);
    CHECK(fs.p.groups == 3 && fs.p.k == 3 && fs.exact, "(1,1,3,3) on RGB: groups %d k %d", fs.p.groups, fs.p.k);
    filter_spec_named(named_kernel_find("sharpen"), 3, 11, 15, PAD_SAME, 0, 42, &named, err, sizeof err);
    cb_image x, y;
    naive_image(&fs, &img, DISPLAY_CLIP, &x);
    naive_image(&named, &img, DISPLAY_CLIP, &y);
    CHECK(x.w == y.w && x.h == y.h && !memcmp(x.pix, y.pix, (size_t)x.w * x.h * 3), "user sharpen != named sharpen");
    image_free(&x);
    image_free(&y);
    filter_spec_free(&fs);
    filter_spec_free(&named);

    /* (R, S) is (1, 1, R, S). */
    a.ndim = 2, a.shape[0] = 3, a.shape[1] = 3;
    CHECK(filter_spec_weights("w.npy", &a, 1, 11, 15, PAD_VALID, 1, &fs, err, sizeof err) == 0, "%s", err);
    CHECK(fs.p.groups == 1 && fs.p.k == 1 && conv_out_w(&fs.p) == 13, "(3,3) on grey");
    filter_spec_free(&fs);

    /* (3, 3, 1, 1): a colour matrix (RGB -> BGR), mixing channels. */
    float swap[9] = {0, 0, 1, 0, 1, 0, 1, 0, 0};
    npy_array m = {.ndim = 4, .shape = {3, 3, 1, 1}, .data = swap, .count = 9};
    CHECK(filter_spec_weights("m.npy", &m, 3, 11, 15, PAD_SAME, 1, &fs, err, sizeof err) == 0, "%s", err);
    naive_image(&fs, &img, DISPLAY_CLIP, &x);
    int bad = 0;
    for (int i = 0; i < 15 * 11; i++)
        for (int c = 0; c < 3; c++) bad += x.pix[i * 3 + c] != img.pix[i * 3 + 2 - c];
    CHECK(bad == 0 && fs.p.groups == 1, "channel swap: %d wrong", bad);
    image_free(&x);
    filter_spec_free(&fs);

    /* (1, 3, 1, 1) on RGB: grey out. */
    float mean[3] = {1, 1, 1};
    npy_array g = {.ndim = 4, .shape = {1, 3, 1, 1}, .data = mean, .count = 3};
    CHECK(filter_spec_weights("g.npy", &g, 3, 11, 15, PAD_SAME, 1, &fs, err, sizeof err) == 0 && fs.p.k == 1,
          "RGB -> grey: %s", err);
    filter_spec_free(&fs);

    /* Mismatches. */
    float z[2 * 2 * 9] = {0};
    npy_array bad_c = {.ndim = 4, .shape = {3, 2, 3, 3}, .data = z, .count = 18};
    CHECK(filter_spec_weights("bad.npy", &bad_c, 3, 11, 15, PAD_SAME, 1, &fs, err, sizeof err) != 0 &&
              strstr(err, "bad.npy") && strstr(err, "RGB"),
          "C=2 weights on RGB: %s", err);
    npy_array bad_k = {.ndim = 4, .shape = {2, 1, 3, 3}, .data = z, .count = 18};
    CHECK(filter_spec_weights("bad.npy", &bad_k, 1, 11, 15, PAD_SAME, 1, &fs, err, sizeof err) != 0 &&
              strstr(err, "K = 2"),
          "K=2 on grey: %s", err);
    npy_array three = {.ndim = 3, .shape = {1, 3, 3}, .data = z, .count = 9};
    CHECK(filter_spec_weights("bad.npy", &three, 1, 11, 15, PAD_SAME, 1, &fs, err, sizeof err) != 0, "3-D weights");
    float nan_w[1] = {NAN};
    npy_array nan_a = {.ndim = 2, .shape = {1, 1}, .data = nan_w, .count = 1};
    CHECK(filter_spec_weights("bad.npy", &nan_a, 1, 11, 15, PAD_SAME, 1, &fs, err, sizeof err) != 0, "NaN weight");
    image_free(&img);
}

/* ------------------------------------------------------------ image files */

static void path_in(char *buf, size_t len, const char *name) { snprintf(buf, len, "%s/%s", tmpdir, name); }

static bool same_image(const cb_image *a, const cb_image *b) {
    return a->w == b->w && a->h == b->h && a->channels == b->channels &&
           !memcmp(a->pix, b->pix, (size_t)a->w * a->h * a->channels);
}

/* Writes a PNG straight through libpng, in any of its formats. */
static void raw_png(const char *path, int w, int h, int color_type, int depth, const uint8_t *rows_data,
                    size_t rowbytes, const png_color *palette, int npalette) {
    FILE *f = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        CHECK(0, "libpng failed writing %s", path);
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (palette) png_set_PLTE(png, info, palette, npalette);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) png_write_row(png, (png_const_bytep)(rows_data + y * rowbytes));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static int count_files(void) {
    DIR *d = opendir(tmpdir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static void test_files(void) {
    char p[512], err[512];
    cb_image rgb, grey, back;
    make_picture(&rgb, 13, 7, 3, 11);
    make_picture(&grey, 13, 7, 1, 12);
    const char *names[] = {"a.png", "b.ppm", "c.PNG", "d.pnm"};
    for (int i = 0; i < 4; i++) {
        path_in(p, sizeof p, names[i]);
        CHECK(image_write(p, &rgb, err, sizeof err) == 0, "%s", err);
        CHECK(image_read(p, &back, err, sizeof err) == 0 && same_image(&rgb, &back), "RGB round trip %s: %s",
              names[i], err);
        image_free(&back);
    }
    const char *gnames[] = {"e.png", "f.pgm", "g.pnm"};
    for (int i = 0; i < 3; i++) {
        path_in(p, sizeof p, gnames[i]);
        CHECK(image_write(p, &grey, err, sizeof err) == 0, "%s", err);
        CHECK(image_read(p, &back, err, sizeof err) == 0 && same_image(&grey, &back), "grey round trip %s: %s",
              gnames[i], err);
        image_free(&back);
    }
    /* Grey into a .ppm comes back RGB with equal channels. */
    path_in(p, sizeof p, "h.ppm");
    image_write(p, &grey, err, sizeof err);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && back.channels == 3 && back.pix[3] == grey.pix[1] &&
              back.pix[5] == grey.pix[1],
          "grey as PPM");
    image_free(&back);

    /* PNG variants converted on reading. */
    uint8_t data[13 * 7 * 8];
    for (int i = 0; i < 13 * 7; i++) { /* RGBA: alpha dropped */
        memcpy(data + i * 4, rgb.pix + i * 3, 3);
        data[i * 4 + 3] = (uint8_t)(i * 3);
    }
    path_in(p, sizeof p, "rgba.png");
    raw_png(p, 13, 7, PNG_COLOR_TYPE_RGB_ALPHA, 8, data, 13 * 4, NULL, 0);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && same_image(&rgb, &back), "RGBA: %s", err);
    image_free(&back);
    for (int i = 0; i < 13 * 7; i++) data[i * 2] = grey.pix[i], data[i * 2 + 1] = 9; /* grey + alpha */
    path_in(p, sizeof p, "ga.png");
    raw_png(p, 13, 7, PNG_COLOR_TYPE_GRAY_ALPHA, 8, data, 13 * 2, NULL, 0);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && same_image(&grey, &back), "grey+alpha: %s", err);
    image_free(&back);
    for (int i = 0; i < 13 * 7 * 3; i++) data[i * 2] = rgb.pix[i], data[i * 2 + 1] = 0x5a; /* 16-bit RGB */
    path_in(p, sizeof p, "rgb16.png");
    raw_png(p, 13, 7, PNG_COLOR_TYPE_RGB, 16, data, 13 * 6, NULL, 0);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && same_image(&rgb, &back), "16-bit RGB: %s", err);
    image_free(&back);
    png_color pal[4] = {{0, 0, 0}, {85, 85, 85}, {170, 170, 170}, {255, 255, 255}};
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 13; x++) data[y * 13 + x] = (uint8_t)((x + y) % 4);
    path_in(p, sizeof p, "palgrey.png");
    raw_png(p, 13, 7, PNG_COLOR_TYPE_PALETTE, 8, data, 13, pal, 4);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && back.channels == 1 && back.pix[0] == 0 &&
              back.pix[1] == 85 && back.pix[13 + 2] == 255,
          "grey palette: %s (channels %d)", err, back.channels);
    image_free(&back);
    pal[1] = (png_color){200, 10, 30};
    path_in(p, sizeof p, "palrgb.png");
    raw_png(p, 13, 7, PNG_COLOR_TYPE_PALETTE, 8, data, 13, pal, 4);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && back.channels == 3 && back.pix[3] == 200 &&
              back.pix[4] == 10 && back.pix[5] == 30,
          "colour palette: %s", err);
    image_free(&back);
    uint8_t bits[7 * 2]; /* 1-bit grey, 13 wide: 2 bytes a row */
    for (int y = 0; y < 7; y++) bits[y * 2] = 0xAA, bits[y * 2 + 1] = 0x00;
    path_in(p, sizeof p, "bits.png");
    raw_png(p, 13, 7, PNG_COLOR_TYPE_GRAY, 1, bits, 2, NULL, 0);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && back.channels == 1 && back.pix[0] == 255 &&
              back.pix[1] == 0,
          "1-bit grey: %s", err);
    image_free(&back);

    /* PNM: comments, maxval other than 255, 16-bit samples. */
    path_in(p, sizeof p, "m.pgm");
    FILE *f = fopen(p, "wb");
    fputs("P5\n# a comment\n3 1 # another\n15\n", f);
    fwrite("\x00\x0f\x07", 1, 3, f);
    fclose(f);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && back.pix[0] == 0 && back.pix[1] == 255 &&
              back.pix[2] == 119,
          "maxval 15: %s", err);
    image_free(&back);
    path_in(p, sizeof p, "w.pgm");
    f = fopen(p, "wb");
    fputs("P5 2 1 65535\n", f);
    fwrite("\xff\xff\x80\x00", 1, 4, f);
    fclose(f);
    CHECK(image_read(p, &back, err, sizeof err) == 0 && back.pix[0] == 255 && back.pix[1] == 128, "16-bit PGM: %s",
          err);
    image_free(&back);

    /* Damaged and unsupported files: a one-line message naming the file. */
    struct { const char *name, *bytes, *want; size_t len; } bad[] = {
        {"trunc.ppm", "P6\n4 4\n255\nabc", "cut short", 14},
        {"plain.ppm", "P3\n1 1\n255\n0 0 0\n", "P3", 17},
        {"text.png", "hello, world", "not a PNG", 12},
        {"empty.png", "", "empty", 0},
        {"hdr.pgm", "P5\nx y\n255\n", "header", 11},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path_in(p, sizeof p, bad[i].name);
        f = fopen(p, "wb");
        fwrite(bad[i].bytes, 1, bad[i].len, f);
        fclose(f);
        err[0] = 0;
        CHECK(image_read(p, &back, err, sizeof err) != 0 && strstr(err, bad[i].name) && strstr(err, bad[i].want) &&
                  !strchr(err, '\n'),
              "%s: %s", bad[i].name, err);
    }
    /* A PNG cut off in its pixel data. */
    path_in(p, sizeof p, "a.png");
    f = fopen(p, "rb");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    path_in(p, sizeof p, "cut.png");
    f = fopen(p, "wb");
    fwrite(buf, 1, n / 2, f);
    fclose(f);
    CHECK(image_read(p, &back, err, sizeof err) != 0 && strstr(err, "cut.png"), "truncated PNG: %s", err);
    path_in(p, sizeof p, "missing.png");
    CHECK(image_read(p, &back, err, sizeof err) != 0 && strstr(err, "cannot open"), "missing: %s", err);

    /* Failed writes leave nothing: no directory, wrong type, unknown extension. */
    const int before = count_files();
    path_in(p, sizeof p, "no/such/dir/out.png");
    CHECK(image_write(p, &rgb, err, sizeof err) != 0, "write into a missing directory");
    path_in(p, sizeof p, "rgb.pgm");
    CHECK(image_write(p, &rgb, err, sizeof err) != 0 && strstr(err, ".ppm"), "RGB as PGM: %s", err);
    path_in(p, sizeof p, "x.jpg");
    CHECK(image_write(p, &rgb, err, sizeof err) != 0 && strstr(err, ".png"), "jpg: %s", err);
    CHECK(count_files() == before, "a failed write left %d file(s)", count_files() - before);
    /* Overwriting replaces the whole file. */
    path_in(p, sizeof p, "a.png");
    CHECK(image_write(p, &grey, err, sizeof err) == 0 && image_read(p, &back, err, sizeof err) == 0 &&
              same_image(&grey, &back),
          "overwrite: %s", err);
    image_free(&back);
    CHECK(count_files() == before, "temporary files left behind");
    image_free(&rgb);
    image_free(&grey);
}

static void test_table(void) {
    const char *want[] = {"identity", "box3",    "box5",   "gaussian3", "gaussian5", "sharpen", "outline",
                          "laplacian4", "sobel_x", "sobel_y", "emboss",  "avgpool2", "kaiming5"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(named_kernel_find(want[i]) != NULL, "no kernel %s", want[i]);
    CHECK(named_kernel_find("nope") == NULL, "unknown kernel found");
    for (int k = 0; k < named_kernel_count; k++) {
        const named_kernel *nk = &named_kernels[k];
        int sum = 0;
        for (int i = 0; i < nk->r * nk->s; i++) sum += nk->taps[i];
        /* Blurs and pooling average (taps sum to the divisor); edges sum to 0. */
        if (!nk->kaiming)
            CHECK(sum == nk->divisor || sum == 0, "%s: taps sum to %d, divisor %d", nk->name, sum, nk->divisor);
        CHECK(nk->r * nk->s <= NK_MAX_TAPS && nk->stride >= 1, "%s shape", nk->name);
    }
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/convbench-filter-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_table();
    test_all_implementations();
    test_identity_and_sizes();
    test_constant_image();
    test_sobel_step();
    test_display();
    test_kaiming();
    test_user_weights();
    test_files();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_report();
}
