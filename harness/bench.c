#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "charts.h"
#include "report.h"
#include "csv.h"
#include "desc.h"
#include "gbench_shim.h"
#include "machine.h"
#include "peak.h"
#include "progress.h"
#include "targets.h"
#include "util.h"
#include "validate.h"
#include "wisdom.h"
#include "tune.h"
#include "compare.h"

#ifndef CONVBENCH_SOURCE_DIR
#define CONVBENCH_SOURCE_DIR "."
#endif
#ifndef CONVBENCH_GNUPLOT
#define CONVBENCH_GNUPLOT "gnuplot"
#endif

/* Time one row may take when an iteration is slow (naive on big layers):
 * past it the repetitions are cut, never below MIN_REPS. naive is the
 * baseline, not the subject; a few samples of a 0.3 s run suffice. */
enum { ROW_BUDGET_SECONDS = 3, MIN_REPS = 3 };
/* A row whose repetitions spread more than this (stddev / mean) is noisy. */
#define NOISY_CV 0.05
/* Cold cache: enough buffer copies to span this many times the LLC. */
enum { COLD_LLC_MULTIPLE = 2, COLD_MAX_COPIES = 1024 };

const char *bench_source_dir(void) {
    const char *env = getenv("CONVBENCH_SOURCE_DIR");
    return env && *env ? env : CONVBENCH_SOURCE_DIR;
}

/* --- one row's measurement --------------------------------------------- */

typedef struct timing_ctx {
    const conv_impl *impl;
    conv_args *copies;       /* one per buffer copy; cold mode cycles them */
    int ncopies, next;
    /* Phase clocks, only for implementations with layout conversions in the
     * timed loop: three clock reads per iteration, nothing for the rest. */
    double phase_s[3];
    long phase_n;
} timing_ctx;

static void timed_body(void *vctx) {
    timing_ctx *t = vctx;
    const conv_args *a = &t->copies[t->next];
    if (++t->next == t->ncopies) t->next = 0;
    const conv_impl *im = t->impl;
    if (im->kernel_only || (!im->layout_in && !im->layout_out)) {
        im->run(a);
        return;
    }
    double t0 = cb_now();
    if (im->layout_in) im->layout_in(a);
    double t1 = cb_now();
    im->run(a);
    double t2 = cb_now();
    if (im->layout_out) im->layout_out(a);
    double t3 = cb_now();
    t->phase_s[0] += t1 - t0;
    t->phase_s[1] += t2 - t1;
    t->phase_s[2] += t3 - t2;
    t->phase_n++;
}

typedef struct sample_sink {
    double *s;               /* seconds per iteration, one per repetition */
    int n, cap;
    FILE *csv;
    const char *layer, *impl;
    int threads;
} sample_sink;

static void on_sample(void *user, int rep, double sec, int64_t iters) {
    sample_sink *k = user;
    if (k->n < k->cap) k->s[k->n++] = sec;
    if (k->csv) {
        csv_field(k->csv, k->layer);
        fputc(',', k->csv);
        csv_field(k->csv, k->impl);
        fprintf(k->csv, ",%d,%d,%lld,%.6f\n", k->threads, rep, (long long)iters, sec * 1e3);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct row_ctx {
    const bench_config *cfg;
    double min_time;                 /* seconds per repetition (shorter for tuning candidates) */
    const bench_layer *layer;
    const conv_impl *impl;
    const conv_params *prm;
    int threads;
    const float *src, *wei, *bias;   /* canonical random data of the layer */
    FILE *samples;
    char name[256];
} row_ctx;

static void free_copies(const conv_impl *impl, conv_args *c, int n) {
    for (int i = 0; i < n; i++) {
        if (impl->release && c[i].state) impl->release(c[i].state);
        if (i > 0) { /* copy 0 borrows the layer's canonical tensors */
            cb_free((void *)c[i].src);
            cb_free((void *)c[i].wei);
        }
        cb_free(c[i].dst);
        cb_free(c[i].ws);
    }
    free(c);
}

/* How many buffer copies make each repetition start cold. */
static int cold_copies(const conv_problem *p, size_t ws) {
    size_t llc = machine_get()->l3 ? machine_get()->l3 : (32u << 20);
    size_t footprint = (conv_src_elems(p) + conv_wei_elems(p) + conv_dst_elems(p)) * 4 + ws;
    size_t n = (COLD_LLC_MULTIPLE * llc) / (footprint ? footprint : 1) + 1;
    return n > COLD_MAX_COPIES ? COLD_MAX_COPIES : (int)n;
}

/* Prepare the copies, warm them once, run Google Benchmark. 0 or -1. */
static int time_row(row_ctx *rc, int reps, result_row *row, char *err, size_t errlen) {
    const conv_problem *p = &rc->layer->p;
    const conv_impl *im = rc->impl;
    size_t ws = im->workspace_bytes ? im->workspace_bytes(p, rc->prm) : 0;
    int n = rc->cfg->cache == CACHE_COLD ? cold_copies(p, ws) : 1;
    conv_args *c = calloc((size_t)n, sizeof *c);
    if (!c) return cb_fail(err, errlen, "out of memory");
    omp_set_num_threads(rc->threads);
    int rc_status = 0;
    for (int i = 0; i < n; i++) {
        c[i] = (conv_args){.p = p, .params = rc->prm, .nthreads = rc->threads,
                           .bias = p->has_bias ? rc->bias : NULL};
        float *src = (float *)rc->src, *wei = (float *)rc->wei;
        if (i > 0) {
            src = cb_alloc(conv_src_elems(p) * 4);
            wei = cb_alloc(conv_wei_elems(p) * 4);
            if (src) memcpy(src, rc->src, conv_src_elems(p) * 4);
            if (wei) memcpy(wei, rc->wei, conv_wei_elems(p) * 4);
        }
        c[i].src = src;
        c[i].wei = wei;
        c[i].dst = cb_alloc(conv_dst_elems(p) * 4);
        c[i].ws = ws ? cb_alloc(ws) : NULL;
        if (!src || !wei || !c[i].dst || (ws && !c[i].ws)) {
            rc_status = cb_fail(err, errlen, "out of memory for %d buffer copies", n);
            n = i + 1;
            goto out;
        }
        double t0 = cb_now();
        if (im->prepare && im->prepare(&c[i])) {
            rc_status = cb_fail(err, errlen, "prepare failed");
            n = i + 1;
            goto out;
        }
        if (i == 0) row->prepare_ms = im->prepare ? (cb_now() - t0) * 1e3 : -1;
        /* First touch of every page, and the staged input of kernel-only peers. */
        if (im->layout_in) im->layout_in(&c[i]);
        im->run(&c[i]);
    }
    timing_ctx tctx = {.impl = im, .copies = c, .ncopies = n};
    double *samples = calloc((size_t)reps, sizeof(double));
    sample_sink sink = {.s = samples, .cap = reps, .csv = rc->samples,
                        .layer = rc->layer->name, .impl = im->name, .threads = rc->threads};
    gb_spec spec = {.name = rc->name, .body = timed_body, .ctx = &tctx, .repetitions = reps,
                    .min_time = rc->min_time, .flops = conv_flops(p),
                    .min_warmup_time = rc->min_time / 2};
    if (!samples || gb_run(&spec, on_sample, &sink, err, errlen) < 0) {
        if (!samples) cb_fail(err, errlen, "out of memory");
        free(samples);
        rc_status = -1;
        goto out;
    }
    if (rc->samples) fflush(rc->samples);
    qsort(samples, (size_t)sink.n, sizeof *samples, cmp_double);
    double sum = 0, sq = 0;
    for (int i = 0; i < sink.n; i++) sum += samples[i];
    double mean = sum / sink.n;
    for (int i = 0; i < sink.n; i++) sq += (samples[i] - mean) * (samples[i] - mean);
    double median = sink.n % 2 ? samples[sink.n / 2]
                               : 0.5 * (samples[sink.n / 2 - 1] + samples[sink.n / 2]);
    double sd = sink.n > 1 ? sqrt(sq / (sink.n - 1)) : 0;
    row->timed = 1;
    row->median_ms = median * 1e3;
    row->min_ms = samples[0] * 1e3;
    row->mean_ms = mean * 1e3;
    row->stddev_ms = sd * 1e3;
    row->cv = mean > 0 ? sd / mean : 0;
    row->noisy = row->cv > NOISY_CV;
    row->repetitions = sink.n;
    row->gflops = conv_flops(p) / median * 1e-9;
    row->workspace_bytes = (double)ws;
    if (tctx.phase_n) {
        row->layout_in_ms = tctx.phase_s[0] / tctx.phase_n * 1e3;
        row->kernel_ms = tctx.phase_s[1] / tctx.phase_n * 1e3;
        row->layout_out_ms = tctx.phase_s[2] / tctx.phase_n * 1e3;
    }
    free(samples);
out:
    free_copies(im, c, n);
    return rc_status;
}

/* --- the run ------------------------------------------------------------ */

static int make_run_dir(const char *root, const char *stem, char *out, size_t len, char *stamp,
                        size_t stamplen) {
    if (mkdir(root, 0777) && errno != EEXIST) return -1;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
    strftime(stamp, stamplen, "%Y-%m-%dT%H:%M:%S%z", &tm);
    for (int i = 1; i < 100; i++) {
        if (i == 1) snprintf(out, len, "%s/%s-%s", root, stem, ts);
        else snprintf(out, len, "%s/%s-%s-%d", root, stem, ts, i);
        if (!mkdir(out, 0777)) return 0; /* a second run never overwrites the first */
        if (errno != EEXIST) return -1;
    }
    return -1;
}

/* results/latest -> the newest run, replaced atomically. */
static void point_latest(const char *root, const char *dir) {
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    char tmp[4200], link[4200];
    snprintf(tmp, sizeof tmp, "%s/.latest.%d", root, (int)getpid());
    snprintf(link, sizeof link, "%s/latest", root);
    unlink(tmp);
    if (!symlink(base, tmp) && rename(tmp, link)) unlink(tmp);
}

static int copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[8192];
    size_t n;
    int bad = !in || !out;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0) bad = fwrite(buf, 1, n, out) != n;
    if (in) fclose(in);
    if (out && fclose(out)) bad = 1;
    return bad ? -1 : 0;
}

/* Per implementation and thread count: the geometric mean GFLOP/s over the
 * layers it ran, and its geometric-mean ratio to onednn_blocked over the
 * layers both ran (same run, same thread count). gf is [layer][target][thr]. */
static void print_summary(const bench_config *cfg, const conv_impl *const *targets, int ntargets,
                          const int *threads, int nthr, const double *gf) {
    const conv_impl *ref = target_find("onednn_blocked");
    printf("\nsummary (geometric means over layers; ratio to onednn_blocked on the layers both ran)\n");
    printf("%-16s %3s %7s %12s %12s\n", "impl", "thr", "layers", "GFLOP/s", "x blocked");
    for (int ti = 0; ti < ntargets; ti++)
        for (int t = 0; t < nthr; t++) {
            double lg = 0, lr = 0;
            int n = 0, nr = 0;
            for (int l = 0; l < cfg->nlayers; l++) {
                double g = gf[((size_t)l * ntargets + ti) * nthr + t];
                if (!(g > 0)) continue;
                lg += log(g);
                n++;
                for (int tj = 0; tj < ntargets; tj++) {
                    double b = gf[((size_t)l * ntargets + tj) * nthr + t];
                    if (targets[tj] == ref && b > 0) {
                        lr += log(g / b);
                        nr++;
                    }
                }
            }
            if (!n) continue;
            char ratio[16] = "-";
            if (nr) snprintf(ratio, sizeof ratio, "%.3f", exp(lr / nr));
            printf("%-16s %3d %7d %12.2f %12s\n", targets[ti]->name, threads[t], n, exp(lg / n), ratio);
        }
}

/* Everything one run shares between its rows. */
typedef struct run_state {
    const bench_config *cfg;
    const bench_options *opt;
    tune_mode tune;
    tune_budget budget;
    const char *root;
    char dir[4096], stamp[40], wisdom_dir[4200];
    FILE *csv, *samples, *tuning;
    peak_table peaks;
    int have_peak;
    wisdom w;
    progress pr;
} run_state;

/* The measurement of one (impl, layer, threads, params): validation first,
 * then Google Benchmark. Fills the timing and validation columns of row;
 * returns 0 (row.status "ok"), or -1 with row.status and note set. */
typedef struct measure_job {
    run_state *rs;
    const bench_layer *L;
    const char *shape;
    const conv_impl *im;
    int threads;
    const float *src, *wei, *bias;
    int reps;                    /* repetitions for a full measurement */
    int quiet_validation;        /* tuning candidates: no mismatch report on stderr */
} measure_job;

static int measure(measure_job *j, const conv_params *prm, int reps, double min_time,
                   const char *tag, result_row *row, char *note, size_t notelen) {
    const conv_problem *p = &j->L->p;
    validation v;
    validate_impl(j->im, p, prm, j->threads, &v);
    row->validated = v.status != VALID_ERROR;
    row->max_abs_err = v.max_abs_err;
    row->max_rel_err = v.max_rel_err;
    if (v.status != VALID_OK) {
        row->status = v.status == VALID_MISMATCH ? "mismatch" : "error";
        snprintf(note, notelen, "%s", v.detail);
        if (!j->quiet_validation) {
            progress_clear(&j->rs->pr);
            fprintf(stderr,
                    "convbench: %s: %s on %s (threads %d): %s\n"
                    "  reproduce: convbench conv --shape %s --impl %s (with your tensors), or "
                    "a config with this layer and impls: [%s]\n",
                    row->status, j->im->name, j->L->name, j->threads, v.detail, j->shape,
                    j->im->name, j->im->name);
        }
        return -1;
    }
    if (!v.exact_pass && !note[0])
        snprintf(note, notelen, "exact-integer pass not applicable (approximate algorithm)");
    if (j->rs->opt->validate_only) return 0;
    row_ctx rc = {.cfg = j->rs->cfg, .min_time = min_time, .layer = j->L, .impl = j->im, .prm = prm,
                  .threads = j->threads, .src = j->src, .wei = j->wei, .bias = j->bias,
                  .samples = tag ? NULL : j->rs->samples};
    snprintf(rc.name, sizeof rc.name, "%s/%s/threads:%d%s%s", j->L->name, j->im->name,
             j->threads, tag ? "/" : "", tag ? tag : "");
    /* The row budget: slow runs (naive on big layers) get fewer repetitions. */
    if (v.run_seconds * reps > ROW_BUDGET_SECONDS) {
        int cut = (int)(ROW_BUDGET_SECONDS / v.run_seconds);
        int was = reps;
        reps = cut < MIN_REPS ? MIN_REPS : cut;
        if (reps < was && !tag)
            snprintf(note + strlen(note), notelen - strlen(note), "%srepetitions cut to %d (%.2f s a run)",
                     note[0] ? "; " : "", reps, v.run_seconds);
    }
    char err[512];
    if (time_row(&rc, reps, row, err, sizeof err)) {
        row->status = "error";
        snprintf(note, notelen, "timing: %.500s", err);
        return -1;
    }
    double peak = j->rs->have_peak ? peak_for(&j->rs->peaks, j->im->isa, j->threads) : 0;
    if (peak > 0) row->pct_peak = 100 * row->gflops / peak;
    return 0;
}

/* A tuning candidate's cost: its median over a short measurement, or -1
 * when it fails validation. */
typedef struct candidate_ctx {
    measure_job *job;
    const bench_layer *L;
    const conv_impl *im;
} candidate_ctx;

static double candidate_cost(void *vctx, const conv_params *prm) {
    candidate_ctx *c = vctx;
    result_row row = {.status = "ok"};
    char note[600] = "";
    const int quick_reps = 3;
    if (measure(c->job, prm, quick_reps, c->job->rs->cfg->min_time / 5, "candidate", &row, note,
                sizeof note))
        return -1;
    return row.median_ms * 1e-3;
}

static void log_candidate(void *user, const conv_params *prm, double cost) {
    candidate_ctx *c = user;
    FILE *f = c->job->rs->tuning;
    if (!f) return;
    char params[256];
    wisdom_format_params(c->im, prm, params, sizeof params);
    csv_field(f, c->L->name);
    fputc(',', f);
    csv_field(f, c->im->name);
    fprintf(f, ",%d,%s,%s,", c->job->threads, params, cost < 0 ? "rejected" : "ok");
    if (cost >= 0) fprintf(f, "%.6f", cost * 1e3);
    fputc('\n', f);
    fflush(f);
}

static void runners_string(const conv_impl *im, const tune_result *r, char *out, size_t len) {
    out[0] = 0;
    for (int i = 0; i < r->nrunners; i++) {
        char prm[256];
        wisdom_format_params(im, &r->runner[i], prm, sizeof prm);
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s@%.6f", i ? "|" : "", prm, r->runner_cost[i] * 1e3);
    }
}

/* The parameters a row runs with, and how they were chosen (note). Returns
 * 1 when they are tuned (not the defaults). Searching appends to wisdom. */
static int choose_params(measure_job *j, conv_params *prm, int *searched, char *runners,
                         size_t runnerslen, char *note, size_t notelen) {
    run_state *rs = j->rs;
    const conv_impl *im = j->im;
    *searched = 0;
    conv_default_params(im, prm);
    if (rs->tune == TUNE_OFF || im->nparams == 0) return 0;
    const char *fp = wisdom_fingerprint();
    const wisdom_entry *e = wisdom_find(&rs->w, fp, im->name, j->shape, j->threads);
    conv_params stored;
    if (e && !wisdom_parse_params(im, e->params, &stored) &&
        !conv_params_invalid(im, &j->L->p, &stored)) {
        *prm = stored;
        snprintf(note, notelen, "params from wisdom (%s)", e->date);
        return 1;
    }
    const wisdom_entry *foreign = wisdom_find_foreign(&rs->w, fp, im->name, j->shape, j->threads);
    if (rs->tune == TUNE_CACHED) {
        if (foreign)
            snprintf(note, notelen, "wisdom from another machine or build ignored (tune: quick to re-time it)");
        return 0;
    }
    candidate_ctx cc = {.job = j, .L = j->L, .im = im};
    tune_result r;
    j->quiet_validation = 1;
    if (foreign) {
        /* A new fingerprint: re-time what won there (best and runners-up)
         * against the default instead of searching from scratch. */
        memset(&r, 0, sizeof r);
        r.best_cost = -1;
        char list[800];
        snprintf(list, sizeof list, "%s|%s", foreign->params, foreign->runners_up);
        conv_default_params(im, &r.best);
        r.best_cost = candidate_cost(&cc, &r.best);
        for (char *tok = strtok(list, "|"); tok; tok = strtok(NULL, "|")) {
            char *at = strchr(tok, '@');
            if (at) *at = 0;
            conv_params cand;
            if (wisdom_parse_params(im, tok, &cand) || conv_params_invalid(im, &j->L->p, &cand)) continue;
            double c = candidate_cost(&cc, &cand);
            log_candidate(&cc, &cand, c);
            r.evaluated++;
            if (c >= 0 && (r.best_cost < 0 || c < r.best_cost)) r.best = cand, r.best_cost = c;
        }
        snprintf(note, notelen, "re-timed %d candidates from another machine's wisdom", r.evaluated);
    } else {
        tune_search(im, &j->L->p, j->threads, candidate_cost, &cc, &rs->budget,
                    0x70u + (uint64_t)j->threads, &r, log_candidate, &cc);
        snprintf(note, notelen, "tuned: %d candidates%s%s", r.evaluated,
                 r.exhaustive ? " (whole space)" : "", r.rejected ? ", some rejected by validation" : "");
    }
    j->quiet_validation = 0;
    *searched = 1;
    runners_string(im, &r, runners, runnerslen);
    if (r.best_cost < 0) return 0;
    *prm = r.best;
    return 1;
}

static void write_wisdom(run_state *rs, const measure_job *j, const conv_params *prm,
                         double best_ms, double default_ms, const char *runners) {
    /* The registry's implementations only: the peers are what we measure against. */
    if (rs->tune < TUNE_QUICK || !conv_find_impl(j->im->name)) return;
    wisdom_entry e = {.threads = j->threads, .best_ms = best_ms, .default_ms = default_ms};
    snprintf(e.fingerprint, sizeof e.fingerprint, "%s", wisdom_fingerprint());
    snprintf(e.impl, sizeof e.impl, "%s", j->im->name);
    snprintf(e.shape, sizeof e.shape, "%s", j->shape);
    wisdom_format_params(j->im, prm, e.params, sizeof e.params);
    snprintf(e.date, sizeof e.date, "%.10s", rs->stamp);
    snprintf(e.runners_up, sizeof e.runners_up, "%s", runners ? runners : "");
    char err[512];
    if (wisdom_append(rs->wisdom_dir, &rs->w, &e, err, sizeof err))
        fprintf(stderr, "convbench: wisdom: %s\n", err);
}

/* One row: support, parameters (tuned or not), validation, timing. */
static void bench_row(run_state *rs, measure_job *j, result_row *row, char *params,
                      size_t paramslen, char *note, size_t notelen) {
    const conv_impl *im = j->im;
    const char *why = conv_impl_unavailable(im);
    if (!why && im->unsupported) why = im->unsupported(&j->L->p);
    if (!why && j->threads > 1 && !im->parallel) why = "serial implementation: runs with 1 thread only";
    conv_params def, prm;
    conv_default_params(im, &def);
    wisdom_format_params(im, &def, params, paramslen);
    if (!j->src || !j->wei || !j->bias) {
        row->status = "error";
        snprintf(note, notelen, "out of memory for the layer's tensors");
        return;
    }
    if (why) {
        row->status = "unsupported";
        snprintf(note, notelen, "%s", why);
        return;
    }
    const double min_time = rs->cfg->min_time;
    if (rs->opt->validate_only) {
        measure(j, &def, 1, min_time, NULL, row, note, notelen);
        return;
    }
    char how[256] = "", runners[512] = "";
    int searched;
    int tuned = choose_params(j, &prm, &searched, runners, sizeof runners, how, sizeof how);
    /* Wisdom gets what a search found, and every implementation's time on a
     * key it does not know yet (so --impl auto can choose between all). */
    const int record = searched || !wisdom_find(&rs->w, wisdom_fingerprint(), im->name, j->shape,
                                                j->threads);
    if (tuned && memcmp(&prm, &def, sizeof prm)) {
        /* Tuned parameters against the defaults, both with full repetitions,
         * in the same run: the tuned ones are kept only if faster. */
        result_row drow = *row;
        char dnote[600] = "";
        if (measure(j, &def, j->reps, min_time, "default", &drow, dnote, sizeof dnote)) {
            *row = drow;
            snprintf(note, notelen, "%s", dnote);
            return;
        }
        if (measure(j, &prm, j->reps, min_time, NULL, row, note, notelen) == 0 &&
            row->median_ms <= drow.median_ms) {
            row->tuned_vs_default = drow.median_ms / row->median_ms;
            wisdom_format_params(im, &prm, params, paramslen);
            if (record) write_wisdom(rs, j, &prm, row->median_ms, drow.median_ms, runners);
        } else {
            /* Not faster when measured properly (or wrong): the defaults stand. */
            snprintf(how + strlen(how), sizeof how - strlen(how), "; tuned params not faster, defaults kept");
            *row = drow;
            row->tuned_vs_default = 1.0;
            if (record) write_wisdom(rs, j, &def, drow.median_ms, drow.median_ms, runners);
        }
    } else {
        if (measure(j, &def, j->reps, min_time, NULL, row, note, notelen)) return;
        if (tuned) row->tuned_vs_default = 1.0;
        /* Untunable implementations are recorded too, so --impl auto can
         * choose between every validated implementation. */
        if (record) write_wisdom(rs, j, &def, row->median_ms, row->median_ms, NULL);
    }
    if (how[0])
        snprintf(note + strlen(note), notelen - strlen(note), "%s%s", note[0] ? "; " : "", how);
    if (row->noisy)
        snprintf(note + strlen(note), notelen - strlen(note), "%snoisy: cv %.1f%% > %.0f%%",
                 note[0] ? "; " : "", row->cv * 100, NOISY_CV * 100);
}

static void print_row(const result_row *row) {
    char med[16] = "", rate[16] = "", rel[16] = "", pct[16] = "";
    if (row->timed && row->pct_peak >= 0) snprintf(pct, sizeof pct, "%.1f", row->pct_peak);
    if (row->timed) {
        snprintf(med, sizeof med, "%.4f", row->median_ms);
        snprintf(rate, sizeof rate, "%.2f", row->gflops);
    }
    if (row->validated) snprintf(rel, sizeof rel, "%.2g", row->max_rel_err);
    printf("%-24s %-16s %3d  %-11s %10s %10s %6s %9s  %s\n", row->layer, row->impl, row->threads,
           row->status, med, rate, pct, rel, row->note);
    fflush(stdout);
}

static int open_outputs(run_state *rs, const bench_config *cfg) {
    char path[4300], err[512];
    if (make_run_dir(rs->root, cfg->stem, rs->dir, sizeof rs->dir, rs->stamp, sizeof rs->stamp)) {
        fprintf(stderr, "convbench: %s: cannot create a run directory (%s); check that it is writable\n",
                rs->root, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/results.csv", rs->dir);
    rs->csv = csv_create(path);
    snprintf(path, sizeof path, "%s/samples.csv", rs->dir);
    rs->samples = fopen(path, "w");
    if (rs->samples) fprintf(rs->samples, "layer,impl,threads,repetition,iterations,ms\n");
    snprintf(path, sizeof path, "%s/gbench.json", rs->dir);
    if (!rs->csv || !rs->samples || gb_json_open(path, err, sizeof err)) {
        fprintf(stderr, "convbench: %s: cannot write results there\n", rs->dir);
        return -1;
    }
    if (rs->tune >= TUNE_QUICK) {
        snprintf(path, sizeof path, "%s/tuning.csv", rs->dir);
        rs->tuning = fopen(path, "w");
        if (rs->tuning) fprintf(rs->tuning, "layer,impl,threads,params,status,ms\n");
    }
    snprintf(path, sizeof path, "%s/config.yaml", rs->dir);
    copy_file(cfg->path, path);
    /* The machine's ceilings, for pct_peak: measured once, then reused. */
    rs->have_peak = !peak_get(rs->root, 0, 1, &rs->peaks, err, sizeof err);
    if (!rs->have_peak) fprintf(stderr, "convbench: %s; pct_peak stays empty\n", err);
    /* The ceilings beside the results they judge (the roofline reads them). */
    snprintf(path, sizeof path, "%s/peak.txt", rs->dir);
    if (rs->have_peak) peak_store_file(path, &rs->peaks);
    return 0;
}

/* The `best` row of a layer and thread count: the fastest of the
 * registry's implementations in this run (peers excluded), its figures
 * and name. */
static void best_row(run_state *rs, const result_row *rows, int nrows, const char *shape,
                     const bench_layer *L, int threads, double intensity) {
    const result_row *best = NULL;
    for (int i = 0; i < nrows; i++)
        if (rows[i].timed && !strcmp(rows[i].status, "ok") && conv_find_impl(rows[i].impl) &&
            (!best || rows[i].median_ms < best->median_ms))
            best = &rows[i];
    if (!best) return;
    char note[128];
    result_row r = *best;
    snprintf(note, sizeof note, "= %s (the fastest implementation here)", best->impl);
    r.impl = "best";
    r.note = note;
    r.layer = L->name;
    r.shape = shape;
    r.threads = threads;
    r.intensity = intensity;
    if (rs->csv) csv_append(rs->csv, &r);
    print_row(&r);
}

int bench_run(const bench_config *cfg, const bench_options *opt) {
    const machine_info *m = machine_get();
    const conv_impl *targets[256];
    int ntargets = 0;
    if (cfg->nimpls)
        for (int i = 0; i < cfg->nimpls && ntargets < 256; i++)
            targets[ntargets++] = target_find(cfg->impls[i]);
    else
        for (int i = 0; i < target_count() && ntargets < 256; i++) targets[ntargets++] = target_at(i);
    int threads[64], nthr = 0;
    for (int i = 0; i < cfg->nthreads && nthr < 64; i++)
        threads[nthr++] = cfg->threads[i] > 0 ? cfg->threads[i] : m->max_threads;

    static run_state rs; /* large; one run at a time */
    memset(&rs, 0, sizeof rs);
    rs.cfg = cfg;
    rs.opt = opt;
    rs.tune = opt->tune_override >= 0 ? (tune_mode)opt->tune_override : cfg->tune;
    if (opt->validate_only) rs.tune = TUNE_OFF;
    rs.budget = tune_budget_for(rs.tune, opt->tune_budget > 0 ? opt->tune_budget : cfg->tune_budget);
    rs.root = opt->results_root ? opt->results_root : "results";
    snprintf(rs.wisdom_dir, sizeof rs.wisdom_dir, "%s/wisdom", rs.root);
    char err[512];
    if (rs.tune != TUNE_OFF) {
        if (wisdom_load(rs.wisdom_dir, &rs.w, err, sizeof err))
            fprintf(stderr, "convbench: wisdom: %s; going on without it\n", err);
        else if (rs.w.foreign)
            fprintf(stderr, "convbench: wisdom: %d entr%s from another machine or build not applied\n",
                    rs.w.foreign, rs.w.foreign == 1 ? "y" : "ies");
    }
    if (!opt->validate_only) {
        if (open_outputs(&rs, cfg)) return 2;
        printf("convbench: %s, %d layers x %d implementations, tune %s; results in %s\n", cfg->path,
               cfg->nlayers, ntargets, tune_mode_name(rs.tune), rs.dir);
    }
    printf("machine: %s, %d cores, isa %s, oneDNN %s, %s, git %s%s%s\n", m->cpu, m->cores, m->isa,
           m->onednn, m->compiler, m->git, m->omp_env[0] ? ", " : "", m->omp_env);
    printf("%-24s %-16s %3s  %-11s %10s %10s %6s %9s  %s\n", "layer", "impl", "thr", "status",
           "median_ms", "GFLOP/s", "%peak", "max_rel", "note");

    double total = 0;
    for (int l = 0; l < cfg->nlayers; l++) total += conv_flops(&cfg->layers[l].p) * ntargets * nthr;
    progress_init(&rs.pr, total);
    int failures = 0, peak_warned = 0;
    double *gf = malloc(sizeof(double) * cfg->nlayers * ntargets * nthr);
    for (size_t i = 0; gf && i < (size_t)cfg->nlayers * ntargets * nthr; i++) gf[i] = NAN;
    result_row *rows = calloc((size_t)ntargets, sizeof *rows);
    char (*notes)[600] = calloc((size_t)ntargets, sizeof *notes);
    char (*params)[256] = calloc((size_t)ntargets, sizeof *params);

    for (int l = 0; l < cfg->nlayers && rows && notes && params; l++) {
        const bench_layer *L = &cfg->layers[l];
        const conv_problem *p = &L->p;
        char shape[256];
        desc_format(p, NULL, shape, sizeof shape);
        /* The roofline's x: flops per byte that must cross from memory at least once. */
        const double intensity =
            conv_flops(p) / (4.0 * (conv_src_elems(p) + conv_wei_elems(p) + conv_dst_elems(p)));
        float *src = cb_alloc(conv_src_elems(p) * 4), *wei = cb_alloc(conv_wei_elems(p) * 4);
        float *bias = cb_alloc((size_t)p->k * 4);
        cb_rng rng = {0xC0FFEEu + (uint64_t)l};
        if (src && wei && bias) fill_random_data(p, src, wei, bias, &rng);
        for (int t = 0; t < nthr; t++) {
            for (int ti = 0; ti < ntargets; ti++) {
                const conv_impl *im = targets[ti];
                result_row *row = &rows[ti];
                notes[ti][0] = 0;
                *row = (result_row){.layer = L->name, .shape = shape, .impl = im->name,
                                    .threads = threads[t], .status = "ok", .params = params[ti],
                                    .note = notes[ti], .timestamp = rs.stamp, .workspace_bytes = -1,
                                    .prepare_ms = -1, .pct_peak = -1, .layout_in_ms = -1,
                                    .kernel_ms = -1, .layout_out_ms = -1, .intensity = intensity,
                                    .tuned_vs_default = -1};
                progress_show(&rs.pr, l + 1, cfg->nlayers, L->name, im->name, threads[t]);
                measure_job job = {.rs = &rs, .L = L, .shape = shape, .im = im,
                                   .threads = threads[t], .src = src, .wei = wei, .bias = bias,
                                   .reps = cfg->repetitions};
                bench_row(&rs, &job, row, params[ti], sizeof params[ti], notes[ti], sizeof notes[ti]);
                if (!strcmp(row->status, "mismatch") || !strcmp(row->status, "error")) failures++;
                if (rs.csv && csv_append(rs.csv, row)) {
                    progress_clear(&rs.pr);
                    fprintf(stderr, "convbench: %s/results.csv: write failed (%s)\n", rs.dir, strerror(errno));
                    failures++;
                }
                progress_clear(&rs.pr);
                if (row->timed && gf) gf[((size_t)l * ntargets + ti) * nthr + t] = row->gflops;
                /* Beating the FMA peak without padding to skip means the peak is wrong. */
                const int padded = p->pad_t || p->pad_l || p->pad_b || p->pad_r;
                if (row->timed && !padded && row->pct_peak > 105 && !peak_warned++) {
                    progress_clear(&rs.pr);
                    fprintf(stderr,
                            "convbench: %s reaches %.0f%% of the stored peak on %s, which has no "
                            "padding: the peak was measured low (a busy machine?); re-measure it "
                            "with `convbench peak --force` on a quiet machine\n",
                            im->name, row->pct_peak, L->name);
                }
                print_row(row);
                progress_advance(&rs.pr, conv_flops(p));
            }
            if (!opt->validate_only) best_row(&rs, rows, ntargets, shape, L, threads[t], intensity);
        }
        cb_free(src);
        cb_free(wei);
        cb_free(bias);
    }
    progress_clear(&rs.pr);
    if (gf && !opt->validate_only) print_summary(cfg, targets, ntargets, threads, nthr, gf);
    free(gf);
    free(rows);
    free(notes);
    free(params);
    wisdom_free(&rs.w);

    if (!opt->validate_only) {
        fclose(rs.csv);
        fclose(rs.samples);
        if (rs.tuning) fclose(rs.tuning);
        gb_json_close();
        char plots[4200];
        snprintf(plots, sizeof plots, "%s/plots", bench_source_dir());
        if (charts_render(rs.dir, plots, CONVBENCH_GNUPLOT, err, sizeof err))
            fprintf(stderr, "convbench: charts: %s\n", err);
        if (report_render(rs.dir, plots, CONVBENCH_GNUPLOT, err, sizeof err))
            fprintf(stderr, "convbench: report: %s\n", err);
        point_latest(rs.root, rs.dir);
        printf("convbench: wrote %s/results.csv, samples.csv, gbench.json and charts; %s/latest points there\n",
               rs.dir, rs.root);
    }
    if (failures)
        fprintf(stderr, "convbench: %d row(s) failed validation or errored (see above)\n", failures);
    return failures ? 1 : 0;
}
