/* Validation against oneDNN, before any timing. Two passes:
 *  1. small-integer data (every partial sum an exact f32 integer): exact
 *     algorithms must equal oneDNN bit for bit;
 *  2. random data in [-1, 1]: max |err| <= impl->tol * FLT_EPSILON * L,
 *     L = (C/groups)*R*S, the accumulation length.
 * NaN, Inf, or an output the implementation never wrote never passes. */
#ifndef CONVBENCH_VALIDATE_H
#define CONVBENCH_VALIDATE_H
#include <stdbool.h>
#include <stddef.h>
#include "conv.h"

typedef enum { VALID_OK = 0, VALID_MISMATCH, VALID_ERROR } valid_status;

typedef struct validation {
    valid_status status;
    double max_abs_err, max_rel_err; /* random-data pass, against oneDNN */
    double bound;                    /* the random-data bound that applied */
    bool exact_pass;                 /* the integer pass ran (not for approximate algorithms) */
    double run_seconds;              /* one run's wall time, a hint for timing budgets */
    char detail[320];                /* first difference, or the error */
} validation;

/* Validate impl on p with nthreads. The problem's data are made here. */
void validate_impl(const conv_impl *impl, const conv_problem *p, const conv_params *prm,
                   int nthreads, validation *v);

#include "compare.h"
#endif
