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
#include "csv.h"
#include "desc.h"
#include "gbench_shim.h"
#include "machine.h"
#include "peak.h"
#include "progress.h"
#include "targets.h"
#include "util.h"
#include "validate.h"

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
                    .min_time = rc->cfg->min_time, .flops = conv_flops(p),
                    .min_warmup_time = rc->cfg->min_time / 2};
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

static void format_params(const conv_impl *im, const conv_params *prm, char *out, size_t len) {
    out[0] = 0;
    for (int i = 0; i < im->nparams; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s=%d", i ? ";" : "", im->params[i].name, prm->v[i]);
    }
}

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

    char dir[4096] = "", stamp[40] = "", path[4300], err[512];
    FILE *csv = NULL, *samples = NULL;
    peak_table peaks;
    int have_peak = 0;
    const char *root = opt->results_root ? opt->results_root : "results";
    if (!opt->validate_only) {
        if (make_run_dir(root, cfg->stem, dir, sizeof dir, stamp, sizeof stamp)) {
            fprintf(stderr, "convbench: %s: cannot create a run directory (%s); check that it is writable\n",
                    root, strerror(errno));
            return 2;
        }
        snprintf(path, sizeof path, "%s/results.csv", dir);
        csv = csv_create(path);
        snprintf(path, sizeof path, "%s/samples.csv", dir);
        samples = fopen(path, "w");
        if (samples) fprintf(samples, "layer,impl,threads,repetition,iterations,ms\n");
        snprintf(path, sizeof path, "%s/gbench.json", dir);
        if (!csv || !samples || gb_json_open(path, err, sizeof err)) {
            fprintf(stderr, "convbench: %s: cannot write results there\n", dir);
            return 2;
        }
        snprintf(path, sizeof path, "%s/config.yaml", dir);
        copy_file(cfg->path, path);
        /* The machine's ceilings, for pct_peak: measured once, then reused. */
        have_peak = !peak_get(root, 0, 1, &peaks, err, sizeof err);
        if (!have_peak) fprintf(stderr, "convbench: %s; pct_peak stays empty\n", err);
        /* The ceilings beside the results they judge (the roofline reads them). */
        snprintf(path, sizeof path, "%s/peak.txt", dir);
        if (have_peak) peak_store_file(path, &peaks);
        printf("convbench: %s, %d layers x %d implementations; results in %s\n", cfg->path,
               cfg->nlayers, ntargets, dir);
    }
    printf("machine: %s, %d cores, isa %s, oneDNN %s, %s, git %s%s%s\n", m->cpu, m->cores, m->isa,
           m->onednn, m->compiler, m->git, m->omp_env[0] ? ", " : "", m->omp_env);
    printf("%-24s %-16s %3s  %-11s %10s %10s %6s %9s  %s\n", "layer", "impl", "thr", "status",
           "median_ms", "GFLOP/s", "%peak", "max_rel", "note");

    double total = 0;
    for (int l = 0; l < cfg->nlayers; l++) total += conv_flops(&cfg->layers[l].p) * ntargets * nthr;
    progress pr;
    progress_init(&pr, total);
    int failures = 0;
    double *gf = malloc(sizeof(double) * cfg->nlayers * ntargets * nthr);
    for (size_t i = 0; gf && i < (size_t)cfg->nlayers * ntargets * nthr; i++) gf[i] = NAN;

    for (int l = 0; l < cfg->nlayers; l++) {
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
        if (src && wei && bias) {
            for (size_t i = 0; i < conv_src_elems(p); i++) src[i] = cb_rng_uniform(&rng, -1, 1);
            for (size_t i = 0; i < conv_wei_elems(p); i++) wei[i] = cb_rng_uniform(&rng, -1, 1);
            for (int i = 0; i < p->k; i++) bias[i] = cb_rng_uniform(&rng, -1, 1);
        }
        for (int ti = 0; ti < ntargets; ti++)
            for (int t = 0; t < nthr; t++) {
                const conv_impl *im = targets[ti];
                conv_params prm;
                conv_default_params(im, &prm);
                char params[256], note[600] = "";
                format_params(im, &prm, params, sizeof params);
                result_row row = {.layer = L->name, .shape = shape, .impl = im->name,
                                  .threads = threads[t], .status = "ok", .params = params,
                                  .note = note, .timestamp = stamp, .workspace_bytes = -1,
                                  .prepare_ms = -1, .pct_peak = -1, .layout_in_ms = -1,
                                  .kernel_ms = -1, .layout_out_ms = -1,
                                  .intensity = intensity};
                progress_show(&pr, l + 1, cfg->nlayers, L->name, im->name, threads[t]);
                const char *why = conv_impl_unavailable(im);
                if (!why && im->unsupported) why = im->unsupported(p);
                if (!why && threads[t] > 1 && !im->parallel)
                    why = "serial implementation: runs with 1 thread only";
                validation v = {0};
                if (!src || !wei || !bias) {
                    row.status = "error";
                    snprintf(note, sizeof note, "out of memory for the layer's tensors");
                } else if (why) {
                    row.status = "unsupported";
                    snprintf(note, sizeof note, "%s", why);
                } else {
                    validate_impl(im, p, &prm, threads[t], &v);
                    row.validated = v.status != VALID_ERROR;
                    row.max_abs_err = v.max_abs_err;
                    row.max_rel_err = v.max_rel_err;
                    if (v.status != VALID_OK) {
                        row.status = v.status == VALID_MISMATCH ? "mismatch" : "error";
                        snprintf(note, sizeof note, "%s", v.detail);
                        progress_clear(&pr);
                        fprintf(stderr,
                                "convbench: %s: %s on %s (threads %d): %s\n"
                                "  reproduce: convbench validate with layer %s, or: convbench "
                                "conv --shape %s --impl %s\n",
                                row.status, im->name, L->name, threads[t], v.detail, shape,
                                shape, im->name);
                    } else if (!v.exact_pass) {
                        snprintf(note, sizeof note, "exact-integer pass not applicable (approximate algorithm)");
                    }
                }
                if (!strcmp(row.status, "ok") && !opt->validate_only) {
                    row_ctx rc = {.cfg = cfg, .layer = L, .impl = im, .prm = &prm,
                                  .threads = threads[t], .src = src, .wei = wei, .bias = bias,
                                  .samples = samples};
                    snprintf(rc.name, sizeof rc.name, "%s/%s/threads:%d", L->name, im->name,
                             threads[t]);
                    int reps = cfg->repetitions;
                    if (v.run_seconds * reps > ROW_BUDGET_SECONDS) {
                        int cut = (int)(ROW_BUDGET_SECONDS / v.run_seconds);
                        reps = cut < MIN_REPS ? MIN_REPS : cut;
                        if (reps < cfg->repetitions)
                            snprintf(note + strlen(note), sizeof note - strlen(note),
                                     "%srepetitions cut to %d (%.2f s a run)", note[0] ? "; " : "",
                                     reps, v.run_seconds);
                    }
                    int timing_failed = time_row(&rc, reps, &row, err, sizeof err);
                    double peak = have_peak ? peak_for(&peaks, im->isa, threads[t]) : 0;
                    if (!timing_failed && peak > 0) row.pct_peak = 100 * row.gflops / peak;
                    if (timing_failed) {
                        row.status = "error";
                        snprintf(note, sizeof note, "timing: %.500s", err);
                    } else if (row.noisy) {
                        snprintf(note + strlen(note), sizeof note - strlen(note),
                                 "%snoisy: cv %.1f%% > %.0f%%", note[0] ? "; " : "", row.cv * 100,
                                 NOISY_CV * 100);
                    }
                }
                if (!strcmp(row.status, "mismatch") || !strcmp(row.status, "error")) failures++;
                if (csv && csv_append(csv, &row)) {
                    progress_clear(&pr);
                    fprintf(stderr, "convbench: %s/results.csv: write failed (%s)\n", dir, strerror(errno));
                    failures++;
                }
                progress_clear(&pr);
                char med[16] = "", rate[16] = "", rel[16] = "", pct[16] = "";
                if (row.timed && row.pct_peak >= 0) snprintf(pct, sizeof pct, "%.1f", row.pct_peak);
                if (row.timed) {
                    snprintf(med, sizeof med, "%.4f", row.median_ms);
                    snprintf(rate, sizeof rate, "%.2f", row.gflops);
                    if (gf) gf[((size_t)l * ntargets + ti) * nthr + t] = row.gflops;
                }
                if (row.validated) snprintf(rel, sizeof rel, "%.2g", row.max_rel_err);
                printf("%-24s %-16s %3d  %-11s %10s %10s %6s %9s  %s\n", L->name, im->name,
                       threads[t], row.status, med, rate, pct, rel, note);
                fflush(stdout);
                progress_advance(&pr, conv_flops(p));
            }
        cb_free(src);
        cb_free(wei);
        cb_free(bias);
    }
    progress_clear(&pr);
    if (gf && !opt->validate_only) print_summary(cfg, targets, ntargets, threads, nthr, gf);
    free(gf);

    if (!opt->validate_only) {
        fclose(csv);
        fclose(samples);
        gb_json_close();
        char plots[4200];
        snprintf(plots, sizeof plots, "%s/plots", bench_source_dir());
        if (charts_render(dir, plots, CONVBENCH_GNUPLOT, err, sizeof err))
            fprintf(stderr, "convbench: charts: %s\n", err);
        point_latest(root, dir);
        printf("convbench: wrote %s/results.csv, samples.csv, gbench.json and charts; %s/latest points there\n",
               dir, root);
    }
    if (failures)
        fprintf(stderr, "convbench: %d row(s) failed validation or errored (see above)\n", failures);
    return failures ? 1 : 0;
}
