/* 8-bit images in and out: PNG (libpng) and binary PNM (P5 grey, P6 RGB).
 *
 * Reading converts what it can to 8-bit grey or RGB: grey+alpha and RGBA
 * lose their alpha, 16-bit samples are reduced to 8 bits, palette images
 * are expanded (to grey when every palette entry is grey), 1/2/4-bit grey
 * is widened, interlaced PNGs are de-interlaced, PNM maxval other than 255
 * is rescaled to 0..255. Writing is atomic: a temporary file beside the
 * target, renamed over it only when complete; on failure nothing is left. */
#ifndef CONVBENCH_IMAGE_H
#define CONVBENCH_IMAGE_H
#include <stddef.h>
#include <stdint.h>

typedef struct cb_image {
    int w, h;
    int channels;        /* 1 (grey) or 3 (RGB) */
    uint8_t *pix;        /* h rows of w pixels, channels interleaved; malloc'd */
} cb_image;

/* The largest width or height accepted, and the most pixels. */
#define IMAGE_MAX_SIDE 65536
#define IMAGE_MAX_PIXELS (1L << 28)

/* Reads PATH by its content (PNG signature or P5/P6 magic), whatever its
 * name. 0, or -1 with "PATH: what is wrong; what to do" in err. */
int image_read(const char *path, cb_image *img, char *err, size_t errlen);

/* Writes IMG by PATH's extension: .png (grey or RGB PNG), .pgm (P5; grey
 * only), .ppm (P6; grey is written as RGB), .pnm (P5 or P6 by channels).
 * 0, or -1 with a message (and no file). */
int image_write(const char *path, const cb_image *img, char *err, size_t errlen);

/* Whether image_write can write an image of CHANNELS to PATH (its
 * extension): 0, or -1 with the message it would fail with. */
int image_write_check(const char *path, int channels, char *err, size_t errlen);

/* Whether PATH's extension is one image_write writes. */
int image_writable_name(const char *path);

/* Allocates a zeroed w x h image; 0 or -1 when out of memory. */
int image_alloc(cb_image *img, int w, int h, int channels);
void image_free(cb_image *img);
#endif
