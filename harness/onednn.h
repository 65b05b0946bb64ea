/* oneDNN (2.6, C API) as the reference and as timed peers. */
#ifndef CONVBENCH_ONEDNN_H
#define CONVBENCH_ONEDNN_H
#include <stddef.h>
#include "conv.h"

/* The peers: `onednn` on the plain NCHW tensors (what a user calling it on
 * these tensors gets) and `onednn_blocked` on its preferred layouts, timed
 * kernel only (its best case). */
extern const conv_impl onednn_plain_peer;
extern const conv_impl onednn_blocked_peer;

/* dst = conv(src, wei) + bias computed by oneDNN on plain tensors with the
 * given thread count. Returns 0, or -1 with a message in err. */
int onednn_reference(const conv_problem *p, const float *src, const float *wei,
                     const float *bias, float *dst, char *err, size_t errlen);

/* "2.6.3" */
const char *onednn_version(void);
#endif
