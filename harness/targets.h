/* Everything a run can time: the registry's implementations, then the
 * oneDNN peers (which live in the harness, since impls/ knows no oneDNN). */
#ifndef CONVBENCH_TARGETS_H
#define CONVBENCH_TARGETS_H
#include "conv.h"

int target_count(void);
const conv_impl *target_at(int i);
const conv_impl *target_find(const char *name); /* NULL if unknown */
/* "naive, reorder, ..., onednn_blocked" for error messages. */
const char *target_names(void);
#endif
