#include "tune.h"

#include <string.h>

#include "util.h"

enum { MAX_VALUES = 48, MAX_SEEN = 4096 };

int tune_mode_parse(const char *s, tune_mode *m) {
    static const char *names[] = {"off", "cached", "quick", "full"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *m = (tune_mode)i;
            return 0;
        }
    return -1;
}

const char *tune_mode_name(tune_mode m) {
    static const char *names[] = {"off", "cached", "quick", "full"};
    return names[m];
}

tune_budget tune_budget_for(tune_mode m, double seconds) {
    /* quick fits all tunable implementations of ResNet-50's 20 layers in a
     * few minutes on one core; full is for a machine left alone. */
    tune_budget b = m == TUNE_FULL ? (tune_budget){60.0, 256, 48, 64}
                                   : (tune_budget){2.0, 24, 8, 10};
    if (seconds > 0) b.seconds = seconds;
    return b;
}

/* The values a parameter may take: min..max by step, or 0 (if min is 0)
 * and the powers of two in range; evenly thinned to MAX_VALUES. A
 * threads_only parameter tuned for one thread takes its default alone. */
static int param_values(const conv_param_def *d, int nthreads, int *out) {
    if (d->threads_only && nthreads <= 1) {
        out[0] = d->def;
        return 1;
    }
    int all[4096], n = 0;
    if (d->step > 0) {
        for (long v = d->min; v <= d->max && n < 4096; v += d->step) all[n++] = (int)v;
    } else {
        if (d->min == 0) all[n++] = 0;
        for (long v = 1; v <= d->max && n < 4096; v *= 2)
            if (v >= d->min) all[n++] = (int)v;
    }
    if (n <= MAX_VALUES) {
        memcpy(out, all, sizeof(int) * n);
        return n;
    }
    for (int i = 0; i < MAX_VALUES; i++) out[i] = all[(long)i * (n - 1) / (MAX_VALUES - 1)];
    return MAX_VALUES;
}

typedef struct search {
    const conv_impl *im;
    const conv_problem *p;
    tune_cost_fn cost;
    void *ctx;
    void (*on_eval)(void *, const conv_params *, double);
    void *user;
    int values[CONV_MAX_PARAMS][MAX_VALUES], nvalues[CONV_MAX_PARAMS];
    conv_params seen[MAX_SEEN];
    int nseen;
    double deadline;
    int since_improvement, patience;
    tune_result *r;
} search;

static int out_of_time(const search *s) {
    return cb_now() > s->deadline || s->since_improvement >= s->patience;
}

/* Keep the best and the runners-up, sorted. */
static void record(tune_result *r, const conv_params *prm, double c) {
    if (r->best_cost < 0 || c < r->best_cost) {
        if (r->best_cost >= 0) {
            memmove(&r->runner[1], &r->runner[0], sizeof r->runner[0] * (TUNE_RUNNERS_UP - 1));
            memmove(&r->runner_cost[1], &r->runner_cost[0], sizeof(double) * (TUNE_RUNNERS_UP - 1));
            r->runner[0] = r->best;
            r->runner_cost[0] = r->best_cost;
            if (r->nrunners < TUNE_RUNNERS_UP) r->nrunners++;
        }
        r->best = *prm;
        r->best_cost = c;
        return;
    }
    int i = r->nrunners < TUNE_RUNNERS_UP ? r->nrunners : TUNE_RUNNERS_UP - 1;
    if (r->nrunners == TUNE_RUNNERS_UP && c >= r->runner_cost[i]) return;
    while (i > 0 && r->runner_cost[i - 1] > c) {
        r->runner[i] = r->runner[i - 1];
        r->runner_cost[i] = r->runner_cost[i - 1];
        i--;
    }
    r->runner[i] = *prm;
    r->runner_cost[i] = c;
    if (r->nrunners < TUNE_RUNNERS_UP) r->nrunners++;
}

/* Evaluate prm once (never twice); returns its cost, or < 0. */
static double evaluate(search *s, const conv_params *prm) {
    for (int i = 0; i < s->nseen; i++)
        if (!memcmp(&s->seen[i], prm, sizeof *prm)) return -2;
    if (s->nseen < MAX_SEEN) s->seen[s->nseen++] = *prm;
    if (conv_params_invalid(s->im, s->p, prm)) {
        s->r->invalid++;
        return -1;
    }
    double c = s->cost(s->ctx, prm);
    if (s->on_eval) s->on_eval(s->user, prm, c);
    if (c < 0) {
        s->r->rejected++;
        return -1;
    }
    s->r->evaluated++;
    double before = s->r->best_cost;
    record(s->r, prm, c);
    s->since_improvement = before < 0 || c < before ? 0 : s->since_improvement + 1;
    return c;
}

void tune_search(const conv_impl *im, const conv_problem *p, int nthreads, tune_cost_fn cost,
                 void *ctx, const tune_budget *b, uint64_t seed, tune_result *r,
                 void (*on_eval)(void *user, const conv_params *prm, double cost), void *user) {
    static search s; /* large: kept off the stack */
    memset(&s, 0, sizeof s);
    memset(r, 0, sizeof *r);
    r->best_cost = -1;
    s = (search){.im = im, .p = p, .cost = cost, .ctx = ctx, .on_eval = on_eval, .user = user,
                 .deadline = cb_now() + b->seconds, .patience = b->patience, .r = r};
    long size = 1;
    for (int i = 0; i < im->nparams; i++) {
        s.nvalues[i] = param_values(&im->params[i], nthreads, s.values[i]);
        size *= s.nvalues[i];
        if (size > 1L << 30) size = 1L << 30;
    }
    r->space_size = (int)size;
    conv_params def;
    conv_default_params(im, &def);
    evaluate(&s, &def);

    if (size <= b->exhaustive_limit) {
        /* Every point, in odometer order; patience does not apply here. */
        s.patience = 1 << 30;
        r->exhaustive = 1;
        int idx[CONV_MAX_PARAMS] = {0};
        for (long n = 0; n < size && cb_now() <= s.deadline; n++) {
            conv_params prm = def;
            for (int i = 0; i < im->nparams; i++) prm.v[i] = s.values[i][idx[i]];
            evaluate(&s, &prm);
            for (int i = 0; i < im->nparams && ++idx[i] == s.nvalues[i]; i++) idx[i] = 0;
        }
        r->exhaustive = cb_now() <= s.deadline;
        return;
    }
    /* Random sampling around the space... */
    cb_rng rng = {seed};
    for (int n = 0; n < b->samples * 4 && r->evaluated < b->samples && !out_of_time(&s); n++) {
        conv_params prm = def;
        for (int i = 0; i < im->nparams; i++)
            prm.v[i] = s.values[i][cb_rng_next(&rng) % (uint64_t)s.nvalues[i]];
        evaluate(&s, &prm);
    }
    /* ...then coordinate descent from the best: move one parameter one
     * step at a time while that helps. */
    for (int improved = 1; improved && !out_of_time(&s);) {
        improved = 0;
        for (int i = 0; i < im->nparams && !out_of_time(&s); i++) {
            if (r->best_cost < 0) break;
            int at = 0;
            while (at < s.nvalues[i] && s.values[i][at] != r->best.v[i]) at++;
            for (int dir = -1; dir <= 1; dir += 2) {
                /* Keep walking this way while it improves. */
                for (int j = at + dir; j >= 0 && j < s.nvalues[i] && !out_of_time(&s); j += dir) {
                    conv_params prm = r->best;
                    double before = r->best_cost;
                    prm.v[i] = s.values[i][j];
                    double c = evaluate(&s, &prm);
                    if (c >= 0 && c < before) {
                        improved = 1;
                        at = j;
                    } else if (c != -1) {
                        break; /* worse (or seen): turn round; an invalid point is stepped over */
                    }
                }
            }
        }
    }
    r->stopped_early = cb_now() <= s.deadline;
}
