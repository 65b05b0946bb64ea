/* The named kernels: the table the textbook notebooks slide over a photograph.
 * A new kernel is one row here; `convbench filter --list`, the error
 * messages, the tests and the gallery all iterate this table. */
#include "named_kernels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

const named_kernel named_kernels[] = {
    {"identity", "identity", "returns the image unchanged (a check of the plumbing)",
     3, 3, 1, 1, {0, 0, 0,  0, 1, 0,  0, 0, 0}, false, DISPLAY_CLIP},
    {"box3", "box blur 3×3", "mean of the 3×3 neighbourhood",
     3, 3, 1, 9, {1, 1, 1,  1, 1, 1,  1, 1, 1}, false, DISPLAY_CLIP},
    {"box5", "box blur 5×5", "mean of the 5×5 neighbourhood",
     5, 5, 1, 25, {1, 1, 1, 1, 1,  1, 1, 1, 1, 1,  1, 1, 1, 1, 1,  1, 1, 1, 1, 1,  1, 1, 1, 1, 1},
     false, DISPLAY_CLIP},
    {"gaussian3", "Gaussian blur 3×3", "binomial weights [1 2 1]ᵀ[1 2 1] / 16",
     3, 3, 1, 16, {1, 2, 1,  2, 4, 2,  1, 2, 1}, false, DISPLAY_CLIP},
    {"gaussian5", "Gaussian blur 5×5", "binomial weights [1 4 6 4 1]ᵀ[1 4 6 4 1] / 256",
     5, 5, 1, 256,
     {1, 4, 6, 4, 1,  4, 16, 24, 16, 4,  6, 24, 36, 24, 6,  4, 16, 24, 16, 4,  1, 4, 6, 4, 1},
     false, DISPLAY_CLIP},
    {"sharpen", "sharpen", "the centre minus its 4 neighbours, added to the image",
     3, 3, 1, 1, {0, -1, 0,  -1, 5, -1,  0, -1, 0}, false, DISPLAY_CLIP},
    {"outline", "outline (8-neighbour Laplacian)", "8 x the centre minus its 8 neighbours: edges light, flat areas black",
     3, 3, 1, 1, {-1, -1, -1,  -1, 8, -1,  -1, -1, -1}, false, DISPLAY_CLIP},
    {"laplacian4", "Laplacian (4-neighbour)", "sum of the 4 neighbours minus 4 x the centre: second derivative",
     3, 3, 1, 1, {0, 1, 0,  1, -4, 1,  0, 1, 0}, false, DISPLAY_RESCALE},
    {"sobel_x", "Sobel x", "horizontal gradient: positive where the image brightens to the right",
     3, 3, 1, 1, {-1, 0, 1,  -2, 0, 2,  -1, 0, 1}, false, DISPLAY_RESCALE},
    {"sobel_y", "Sobel y", "vertical gradient: positive where the image brightens downwards",
     3, 3, 1, 1, {-1, -2, -1,  0, 0, 0,  1, 2, 1}, false, DISPLAY_RESCALE},
    {"emboss", "emboss", "relief lit from the top left",
     3, 3, 1, 1, {-2, -1, 0,  -1, 1, 1,  0, 1, 2}, false, DISPLAY_CLIP},
    {"avgpool2", "2×2 average pooling, stride 2", "mean of each 2×2 block: half the width and height",
     2, 2, 2, 4, {1, 1,  1, 1}, false, DISPLAY_CLIP},
    {"kaiming5", "random Kaiming-normal 5×5", "seeded He-normal 5×5 kernel mixing the channels (3->3 on RGB), as a fresh conv layer has",
     5, 5, 1, 1, {0}, true, DISPLAY_RESCALE},
};
const int named_kernel_count = (int)(sizeof named_kernels / sizeof named_kernels[0]);

const named_kernel *named_kernel_find(const char *name) {
    for (int i = 0; i < named_kernel_count; i++)
        if (!strcmp(named_kernels[i].name, name)) return &named_kernels[i];
    return NULL;
}

const char *named_kernel_names(void) {
    static char buf[512];
    if (!buf[0])
        for (int i = 0; i < named_kernel_count; i++) {
            if (i) strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
            strncat(buf, named_kernels[i].name, sizeof buf - strlen(buf) - 1);
        }
    return buf;
}

void nk_kaiming_normal(float *w, int k, int c, int r, int s, uint64_t seed) {
    const double sigma = sqrt(2.0 / ((double)c * r * s));
    const double two_pi = 6.283185307179586;
    cb_rng rng = {seed};
    const size_t n = (size_t)k * c * r * s;
    for (size_t i = 0; i < n; i += 2) {
        /* Box-Muller on two uniforms in (0, 1]: two independent normals. */
        const double u1 = (double)((cb_rng_next(&rng) >> 11) + 1) / 9007199254740992.0;
        const double u2 = (double)(cb_rng_next(&rng) >> 11) / 9007199254740992.0;
        const double radius = sqrt(-2.0 * log(u1));
        w[i] = (float)(sigma * radius * cos(two_pi * u2));
        if (i + 1 < n) w[i + 1] = (float)(sigma * radius * sin(two_pi * u2));
    }
}

void nk_format_matrix(const named_kernel *nk, int channels, uint64_t seed, char *out, size_t len) {
    size_t used = 0;
#define PUT(...) (used += (size_t)snprintf(out + used, used < len ? len - used : 0, __VA_ARGS__))
    out[0] = '\0';
    if (nk->kaiming) {
        float w[NK_MAX_TAPS * 9];
        nk_kaiming_normal(w, channels, channels, nk->r, nk->s, seed);
        const double sigma = sqrt(2.0 / ((double)channels * nk->r * nk->s));
        PUT("%d->%d mixing, %d×%d, seed %llu\nN(0, σ=%.3f); out 0, in 0:\n", channels, channels, nk->r,
            nk->s, (unsigned long long)seed, sigma);
        for (int y = 0; y < nk->r; y++) {
            for (int x = 0; x < nk->s; x++) PUT("%s%+.2f", x ? " " : "", w[y * nk->s + x]);
            PUT("%s", y + 1 < nk->r ? "\n" : "");
        }
        return;
    }
    int width = 1;
    for (int i = 0; i < nk->r * nk->s; i++) {
        char num[16];
        int l = snprintf(num, sizeof num, "%d", nk->taps[i]);
        if (l > width) width = l;
    }
    if (nk->divisor != 1) PUT("1/%d ×\n", nk->divisor);
    for (int y = 0; y < nk->r; y++) {
        for (int x = 0; x < nk->s; x++) PUT("%s%*d", x ? " " : "", width, nk->taps[y * nk->s + x]);
        PUT("%s", y + 1 < nk->r ? "\n" : "");
    }
    if (nk->stride != 1) PUT("\nstride %d", nk->stride);
#undef PUT
}
