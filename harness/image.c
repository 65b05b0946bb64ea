/* 8-bit image files: PNG through libpng, binary PNM (P5/P6) by hand. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkstemp, fchmod, fdopen */
#endif
#include "image.h"

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "util.h"

int image_alloc(cb_image *img, int w, int h, int channels) {
    img->w = w;
    img->h = h;
    img->channels = channels;
    img->pix = calloc((size_t)w * h * channels + 1, 1);
    return img->pix ? 0 : -1;
}

void image_free(cb_image *img) {
    free(img->pix);
    img->pix = NULL;
    img->w = img->h = img->channels = 0;
}

static bool size_ok(long w, long h) {
    return w >= 1 && h >= 1 && w <= IMAGE_MAX_SIDE && h <= IMAGE_MAX_SIDE && w * h <= IMAGE_MAX_PIXELS;
}

/* ------------------------------------------------------------------ PNG */

typedef struct png_ctx {
    jmp_buf jump;
    char msg[256];
} png_ctx;

static void png_on_error(png_structp png, png_const_charp msg) {
    png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    longjmp(c->jump, 1);
}

/* Warnings (an odd colour profile, say) do not stop a read. */
static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

/* F is open at the start of the file; the caller closes it. */
static int read_png(const char *path, FILE *f, cb_image *img, char *err, size_t errlen) {
    png_ctx ctx;
    ctx.msg[0] = '\0';
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return cb_fail(err, errlen, "%s: out of memory for the PNG reader", path);
    }
    uint8_t *volatile pix = NULL;
    png_bytep *volatile rows = NULL;
    volatile int channels = 0;
    if (setjmp(ctx.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pix);
        free(rows);
        return cb_fail(err, errlen, "%s: not a readable PNG (libpng: %s; is it cut short or damaged?); "
                       "re-save it as an 8-bit PNG, or as PPM/PGM", path, ctx.msg[0] ? ctx.msg : "error");
    }
    png_init_io(png, f);
    png_set_user_limits(png, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
    png_read_info(png, info);
    const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    const int color_type = png_get_color_type(png, info);
    if (!size_ok((long)w, (long)h)) {
        png_destroy_read_struct(&png, &info, NULL);
        return cb_fail(err, errlen, "%s: %lux%lu pixels is more than convbench takes (%ld); scale it down",
                       path, (unsigned long)w, (unsigned long)h, (long)IMAGE_MAX_PIXELS);
    }
    /* A palette whose every entry is grey becomes a grey image. */
    bool grey_palette = false;
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_colorp palette;
        int npalette;
        if (png_get_PLTE(png, info, &palette, &npalette)) {
            grey_palette = true;
            for (int i = 0; i < npalette; i++)
                grey_palette &= palette[i].red == palette[i].green && palette[i].red == palette[i].blue;
        }
    }
    /* Everything to 8-bit grey or RGB: palette -> RGB, 1/2/4-bit grey -> 8,
     * tRNS -> alpha (then dropped), 16-bit -> 8, alpha dropped. */
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    channels = png_get_channels(png, info);
    if (png_get_bit_depth(png, info) != 8 || (channels != 1 && channels != 3))
        png_error(png, "unexpected layout after conversion to 8-bit grey or RGB");
    const size_t rowbytes = png_get_rowbytes(png, info);
    pix = malloc(rowbytes * h + 1);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pix || !rows) png_error(png, "out of memory for the pixels");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pix + rowbytes * y;
    png_read_image(png, rows);
    /* The pixels are in; what follows IDAT (text chunks, IEND) is not needed. */
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);

    img->w = (int)w;
    img->h = (int)h;
    img->channels = channels;
    img->pix = pix;
    if (grey_palette && channels == 3) {
        const size_t n = (size_t)w * h;
        for (size_t i = 0; i < n; i++) img->pix[i] = img->pix[3 * i];
        img->channels = 1;
    }
    return 0;
}

/* Writes IMG to F as an 8-bit grey or RGB PNG. */
static int write_png(const char *path, FILE *f, const cb_image *img, char *err, size_t errlen) {
    png_ctx ctx;
    ctx.msg[0] = '\0';
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return cb_fail(err, errlen, "%s: out of memory for the PNG writer", path);
    }
    if (setjmp(ctx.jump)) {
        png_destroy_write_struct(&png, &info);
        return cb_fail(err, errlen, "%s: cannot write the PNG: %s", path, ctx.msg);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8,
                 img->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const size_t rowbytes = (size_t)img->w * img->channels;
    for (int y = 0; y < img->h; y++) png_write_row(png, img->pix + rowbytes * y);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

/* ------------------------------------------------------------------ PNM */

/* The next header number: skips whitespace and '#' comments. -1 on junk. */
static long pnm_number(FILE *f) {
    int c = getc(f);
    for (;;) {
        if (c == '#')
            while (c != '\n' && c != EOF) c = getc(f);
        else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
            c = getc(f);
        else
            break;
    }
    if (c < '0' || c > '9') return -1;
    long v = 0;
    while (c >= '0' && c <= '9') {
        v = v * 10 + (c - '0');
        if (v > 1L << 30) return -1;
        c = getc(f);
    }
    /* Exactly one whitespace byte ends a number (the last one before the
     * raster matters: the raster may start with a byte that looks like one). */
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') return -1;
    return v;
}

/* F is just past the two magic bytes P5 or P6. */
static int read_pnm(const char *path, FILE *f, int magic, cb_image *img, char *err, size_t errlen) {
    const long w = pnm_number(f), h = pnm_number(f), maxval = pnm_number(f);
    if (w < 0 || h < 0 || maxval < 0)
        return cb_fail(err, errlen, "%s: bad P%c header (want width, height and maxval); "
                       "re-save it as binary PPM/PGM or PNG", path, magic);
    if (!size_ok(w, h))
        return cb_fail(err, errlen, "%s: %ldx%ld pixels is not an image convbench takes (1..%d per side, "
                       "%ld pixels at most)", path, w, h, IMAGE_MAX_SIDE, (long)IMAGE_MAX_PIXELS);
    if (maxval < 1 || maxval > 65535)
        return cb_fail(err, errlen, "%s: maxval %ld is outside 1..65535; the file is damaged", path, maxval);
    const int channels = magic == '6' ? 3 : 1, bytes = maxval > 255 ? 2 : 1;
    if (image_alloc(img, (int)w, (int)h, channels))
        return cb_fail(err, errlen, "%s: out of memory for %ldx%ld pixels", path, w, h);
    const size_t n = (size_t)w * h * channels;
    if (bytes == 1 && maxval == 255) {
        if (fread(img->pix, 1, n, f) != n) goto truncated;
        return 0;
    }
    /* Other maxvals (and 16-bit samples, big-endian) scaled to 0..255. */
    for (size_t i = 0; i < n; i++) {
        int hi = getc(f), lo = bytes == 2 ? getc(f) : 0;
        if (hi == EOF || lo == EOF) goto truncated;
        long v = bytes == 2 ? hi << 8 | lo : hi;
        if (v > maxval) v = maxval;
        img->pix[i] = (uint8_t)((v * 255 + maxval / 2) / maxval);
    }
    return 0;
truncated:
    image_free(img);
    return cb_fail(err, errlen, "%s: the pixel data ends early (%ldx%ld P%c); the file is cut short",
                   path, w, h, magic);
}

static int write_pnm(const char *path, FILE *f, const cb_image *img, int magic, char *err,
                     size_t errlen) {
    fprintf(f, "P%c\n%d %d\n255\n", magic, img->w, img->h);
    const size_t n = (size_t)img->w * img->h;
    if (magic == '6' && img->channels == 1) {
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) putc(img->pix[i], f);
    } else {
        fwrite(img->pix, 1, n * img->channels, f);
    }
    return ferror(f) ? cb_fail(err, errlen, "%s: cannot write: %s", path, strerror(errno)) : 0;
}

/* ------------------------------------------------------------ entry points */

int image_read(const char *path, cb_image *img, char *err, size_t errlen) {
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cb_fail(err, errlen, "%s: cannot open: %s; give a PNG, PPM or PGM file", path, strerror(errno));
    unsigned char sig[8];
    const size_t got = fread(sig, 1, sizeof sig, f);
    int rc;
    if (got == 8 && png_sig_cmp(sig, 0, 8) == 0) {
        rewind(f);
        rc = read_png(path, f, img, err, errlen);
    } else if (got >= 3 && sig[0] == 'P' && (sig[1] == '5' || sig[1] == '6')) {
        fseek(f, 2, SEEK_SET);
        rc = read_pnm(path, f, sig[1], img, err, errlen);
    } else if (got >= 2 && sig[0] == 'P' && sig[1] >= '1' && sig[1] <= '7') {
        rc = cb_fail(err, errlen, "%s: P%c (%s) is not read; give binary P5 (PGM), P6 (PPM) or PNG",
                     path, sig[1], sig[1] == '7' ? "PAM" : sig[1] <= '3' ? "plain-text PNM" : "bitmap PBM");
    } else if (ferror(f)) {
        rc = cb_fail(err, errlen, "%s: cannot read: %s; give a PNG, PPM or PGM file", path, strerror(errno));
    } else {
        rc = cb_fail(err, errlen, "%s: not a PNG, PPM or PGM image%s; convert it to PNG", path,
                     got == 0 ? " (empty file)" : "");
    }
    fclose(f);
    return rc;
}

static const char *extension(const char *path) {
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static int ext_is(const char *path, const char *ext) {
    const char *e = extension(path);
    size_t i = 0;
    for (; e[i] && ext[i]; i++)
        if ((e[i] | 0x20) != ext[i]) return 0;
    return !e[i] && !ext[i];
}

int image_writable_name(const char *path) {
    return ext_is(path, "png") || ext_is(path, "ppm") || ext_is(path, "pgm") || ext_is(path, "pnm");
}

int image_write_check(const char *path, int channels, char *err, size_t errlen) {
    if (!image_writable_name(path))
        return cb_fail(err, errlen, "%s: unknown image type '.%s'; name the output .png, .ppm or .pgm",
                       path, extension(path));
    if (ext_is(path, "pgm") && channels != 1)
        return cb_fail(err, errlen, "%s: a PGM holds grey only and the result is RGB; name it .ppm or .png", path);
    if (channels != 1 && channels != 3)
        return cb_fail(err, errlen, "%s: %d channels is not an image; give 1 or 3", path, channels);
    return 0;
}

int image_write(const char *path, const cb_image *img, char *err, size_t errlen) {
    if (image_write_check(path, img->channels, err, errlen)) return -1;
    const int png = ext_is(path, "png");
    const int magic = ext_is(path, "pgm") ? '5' : ext_is(path, "ppm") ? '6' : img->channels == 1 ? '5' : '6';

    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp)
        return cb_fail(err, errlen, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cb_fail(err, errlen, "%s: cannot create: %s; check that the directory exists and is writable",
                       path, strerror(errno));
    /* mkstemp makes it 0600; give it the mode a plain fopen would. */
    const mode_t mask = umask(0);
    umask(mask);
    (void)!fchmod(fd, 0666 & ~mask); /* not fatal: the file is still right */
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        return cb_fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    }
    int rc = png ? write_png(path, f, img, err, errlen) : write_pnm(path, f, img, magic, err, errlen);
    if (fflush(f) != 0 && rc == 0) rc = cb_fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    if (fclose(f) != 0 && rc == 0) rc = cb_fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = cb_fail(err, errlen, "%s: cannot rename the finished file into place: %s", path, strerror(errno));
    if (rc) unlink(tmp);
    return rc;
}
