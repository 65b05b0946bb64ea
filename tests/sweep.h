/* The problem sweep every implementation is tested on: each corner of the
 * problem space on purpose (kernel sizes 1..11 and non-square, strides 1-4,
 * asymmetric padding, dilation, groups, depthwise, batch, odd channel
 * counts, kernels as large as the padded input, 1x1-pixel images). */
#ifndef CONVBENCH_SWEEP_H
#define CONVBENCH_SWEEP_H
#include "conv.h"

/* n c h w k r s  sh sw  pt pl pb pr  dh dw  g */
static const int sweep[][16] = {
    {1, 3, 8, 8, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},        /* 1x1 */
    {2, 5, 7, 9, 6, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},        /* 1x1 stride 2, batch 2 */
    {1, 17, 12, 12, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    /* 3x3 same, odd channels */
    {1, 16, 10, 14, 32, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* 3x3 valid, non-square image */
    {3, 7, 11, 9, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},       /* stride 2, batch 3 */
    {1, 6, 13, 13, 7, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1},      /* 5x5 */
    {1, 3, 23, 23, 8, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},      /* 7x7 stride 2 (conv1-like) */
    {1, 3, 31, 29, 4, 11, 11, 4, 4, 2, 2, 2, 2, 1, 1, 1},    /* 11x11 stride 4 (AlexNet-like) */
    {1, 4, 9, 12, 5, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, 1},       /* 1x3 */
    {1, 4, 12, 9, 5, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1},       /* 3x1 */
    {2, 5, 10, 11, 3, 2, 5, 3, 2, 0, 2, 1, 0, 1, 1, 1},      /* 2x5, strides 3x2, asym pads */
    {1, 8, 9, 9, 8, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 1},        /* asymmetric padding */
    {1, 4, 15, 15, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1},      /* dilation 2 */
    {1, 3, 17, 13, 5, 3, 2, 2, 1, 1, 0, 3, 2, 3, 2, 1},      /* dilation 3x2, stride, asym */
    {2, 8, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4},       /* groups 4 */
    {1, 6, 8, 8, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3},        /* groups 3, 2 in -> 3 out */
    {1, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32},   /* depthwise */
    {2, 24, 11, 11, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 24},   /* depthwise stride 2 */
    {1, 8, 7, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},       /* depthwise multiplier 2 */
    {1, 5, 4, 6, 3, 6, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1},        /* kernel as large as padded input */
    {1, 3, 5, 5, 2, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1},        /* kernel = input: 1x1 output */
    {1, 2, 1, 1, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},        /* 1x1 pixel image */
    {1, 3, 2, 2, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},        /* tiny padded */
    {1, 37, 9, 9, 41, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      /* channels not multiple of 8/16 */
    {1, 64, 14, 14, 48, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* wider 1x1 (GEMM blocks) */
    {1, 130, 7, 7, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},     /* accumulation > 1000 */
    {4, 3, 6, 6, 2, 4, 4, 2, 2, 0, 0, 0, 0, 1, 1, 1},        /* textbook 4x4 stride 2 */
    {1, 3, 10, 10, 3, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 3},      /* avg pooling as depthwise 2x2 s2 */
    {1, 16, 20, 3, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      /* very narrow image */
    {1, 8, 5, 30, 8, 1, 7, 1, 3, 0, 3, 0, 3, 1, 1, 1},       /* 1x7 stride (1,3) */
};

static inline conv_problem sweep_problem(const int *v, int bias) {
    conv_problem p = {.n = v[0], .c = v[1], .h = v[2], .w = v[3], .k = v[4], .r = v[5],
                      .s = v[6], .stride_h = v[7], .stride_w = v[8], .pad_t = v[9],
                      .pad_l = v[10], .pad_b = v[11], .pad_r = v[12], .dil_h = v[13],
                      .dil_w = v[14], .groups = v[15], .has_bias = bias};
    return p;
}

static const int sweep_count = (int)(sizeof sweep / sizeof sweep[0]);
#endif
