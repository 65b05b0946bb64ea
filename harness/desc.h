/* oneDNN benchdnn convolution problem descriptors, e.g.
 *   mb1ic64ih56oc64oh56kh3ph1n"res2a_branch2b"
 * with benchdnn's letters, defaults and derivations. Dilation in a
 * descriptor is 0-based (dh1 = dilation 2); conv_problem's is 1-based. */
#ifndef CONVBENCH_DESC_H
#define CONVBENCH_DESC_H
#include <stddef.h>
#include "conv.h"

/* Parse s into p (and the quoted name, "" if none, into name).
 * Returns 0, or -1 with a one-line reason in err (no file/line prefix). */
int desc_parse(const char *s, conv_problem *p, char *name, size_t namelen,
               char *err, size_t errlen);

/* The canonical descriptor of p: every field that differs from what benchdnn
 * would derive is written, so desc_parse(desc_format(p)) == p. name may be
 * NULL or "" (no n"..." part). */
void desc_format(const conv_problem *p, const char *name, char *out, size_t outlen);

/* Checks sizes: all >= 1 (pads >= 0), groups divide c and k, output >= 1x1.
 * Returns 0, or -1 with "field: what is wrong; what to do" in err. */
int problem_check(const conv_problem *p, char *err, size_t errlen);
#endif
