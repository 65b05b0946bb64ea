/* The textbook kernels, as data (harness/named_kernels.c): one table row per
 * kernel, the integer taps and the divisor they are scaled by.
 *
 * Kernels are applied as the convolution layers of the registry apply them:
 * cross-correlation (no flip), so sobel_x below responds positively where
 * the image gets brighter to the right. */
#ifndef CONVBENCH_NAMED_KERNELS_H
#define CONVBENCH_NAMED_KERNELS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a result outside 0..255 is shown: the textbooks' two choices. */
typedef enum {
    DISPLAY_CLIP,     /* negatives to 0, above 255 to 255 */
    DISPLAY_RESCALE,  /* the result's min..max stretched to 0..255 */
} nk_display;

#define NK_MAX_TAPS 25

typedef struct named_kernel {
    const char *name;        /* what --kernel takes: lower case, '_' between words */
    const char *title;       /* "Gaussian blur 5x5" */
    const char *what;        /* one line: what it does */
    int r, s;                /* height, width */
    int stride;              /* its natural stride (2 for pooling) */
    /* Per-channel kernels: weight = taps[i] / divisor, row-major r x s,
     * applied to each channel alone (depthwise: groups = channels). The
     * convolution runs on the integer taps and the result is divided
     * afterwards, so every partial sum is an exact f32 integer. */
    int divisor;
    int taps[NK_MAX_TAPS];
    /* A channel-mixing kernel drawn from a seeded Kaiming-normal
     * distribution instead (taps unused): channels -> channels, each output
     * channel a weighted sum over every input channel's r x s window. */
    bool kaiming;
    nk_display gallery_display; /* how `convbench gallery` shows it */
} named_kernel;

extern const named_kernel named_kernels[];
extern const int named_kernel_count;

/* NULL if unknown. */
const named_kernel *named_kernel_find(const char *name);
/* "identity, box3, ..." for messages. */
const char *named_kernel_names(void);

/* The seed `--seed` defaults to, for the Kaiming kernel. */
#define NK_DEFAULT_SEED 42u

/* Kaiming-normal (He) weights for a k x c x r x s kernel: N(0, 2 / fan_in),
 * fan_in = c*r*s (PyTorch's kaiming_normal_ with its defaults: mode fan_in,
 * ReLU gain), from splitmix64 by Box-Muller. Deterministic in seed. */
void nk_kaiming_normal(float *w, int k, int c, int r, int s, uint64_t seed);

/* The kernel as text, rows on lines ("1/16 x\n 1  2  1\n..."), for
 * --list and the gallery. For the Kaiming kernel, CHANNELS picks the shape
 * and SEED the draw; it shows the first output channel's first slice. */
void nk_format_matrix(const named_kernel *nk, int channels, uint64_t seed, char *out, size_t len);
#endif
