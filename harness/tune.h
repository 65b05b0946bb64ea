/* The autotuner's search: over an implementation's declared parameters,
 * for one problem, against a cost the caller measures (the harness
 * validates and times each candidate through Google Benchmark; the tests
 * give a synthetic cost with a known minimum). */
#ifndef CONVBENCH_TUNE_H
#define CONVBENCH_TUNE_H
#include <stdint.h>
#include "conv.h"

typedef enum { TUNE_OFF = 0, TUNE_CACHED, TUNE_QUICK, TUNE_FULL } tune_mode;
int tune_mode_parse(const char *s, tune_mode *m); /* 0 or -1 */
const char *tune_mode_name(tune_mode m);

/* Seconds for one candidate (lower is better), or < 0 when it is rejected
 * (it failed validation): a faster wrong answer never wins. */
typedef double (*tune_cost_fn)(void *ctx, const conv_params *prm);

typedef struct tune_budget {
    double seconds;          /* wall time for the whole search of one key */
    int exhaustive_limit;    /* spaces with at most this many points are searched whole */
    int samples;             /* random points before the local search */
    int patience;            /* stop after this many evaluations without improvement */
} tune_budget;

/* quick: a few seconds a key; full: a minute. seconds > 0 overrides the time. */
tune_budget tune_budget_for(tune_mode m, double seconds);

enum { TUNE_RUNNERS_UP = 3 };
typedef struct tune_result {
    conv_params best;
    double best_cost;                       /* < 0: nothing valid was found */
    conv_params runner[TUNE_RUNNERS_UP];    /* next best, for re-timing elsewhere */
    double runner_cost[TUNE_RUNNERS_UP];
    int nrunners;
    int space_size;                         /* points in the declared space */
    int evaluated, rejected, invalid;       /* measured, failed validation, skipped as invalid */
    int exhaustive;                         /* the whole space was searched */
    int stopped_early;                      /* patience ran out before the budget */
} tune_result;

/* Exhaustive when the space is small; else the default, random samples,
 * then coordinate descent (hill climbing one parameter at a time) from the
 * best point, within the budget. Combinations conv_params_invalid rejects
 * are never evaluated; threads_only parameters stay at their defaults when
 * nthreads is 1. on_eval (may be NULL) sees every evaluation. */
void tune_search(const conv_impl *im, const conv_problem *p, int nthreads, tune_cost_fn cost,
                 void *ctx, const tune_budget *b, uint64_t seed, tune_result *r,
                 void (*on_eval)(void *user, const conv_params *prm, double cost), void *user);
#endif
