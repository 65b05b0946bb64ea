/* convbench history: every run of a config over time. See history.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "history.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "gnuplot.h"
#include "regress.h"
#include "report.h"
#include "util.h"

#ifndef CONVBENCH_GNUPLOT
#define CONVBENCH_GNUPLOT "gnuplot"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };
enum { MAX_NAMES = 512, DEFAULT_GROUP = 6, MAX_LABELS = 25 };
/* The harness's per-layer pseudo-implementation (a copy of the fastest
 * implementation's row): left out, its line would lie on another. */
#define BEST_ROW "best"

typedef struct hrun {
    char dir[4200];
    char stamp[32];      /* YYYYmmdd-HHMMSS from the directory name */
    int seq;             /* the -N suffix; 1 without one */
    rtab csv;
    int cl, ci, ct, cs, cm, cg;
    const char *git;
} hrun;

typedef struct names {
    const char *v[MAX_NAMES];
    int n;
} names;

static int intern(names *l, const char *s) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return i;
    if (l->n == MAX_NAMES) return -1;
    l->v[l->n] = s;
    return l->n++;
}

/* NAME is "<stem>-YYYYmmdd-HHMMSS" or "<stem>-YYYYmmdd-HHMMSS-N". */
static bool run_name(const char *name, const char *stem, char *stamp, int *seq) {
    size_t sl = strlen(stem);
    if (strncmp(name, stem, sl) || name[sl] != '-') return false;
    const char *p = name + sl + 1;
    for (int k = 0; k < 15; k++)
        if (k == 8 ? p[k] != '-' : !isdigit((unsigned char)p[k])) return false;
    *seq = 1;
    if (p[15] == '-') {
        if (!p[16]) return false;
        for (const char *q = p + 16; *q; q++)
            if (!isdigit((unsigned char)*q)) return false;
        *seq = atoi(p + 16);
    } else if (p[15]) {
        return false;
    }
    snprintf(stamp, 32, "%.15s", p);
    return true;
}

static int by_time(const void *a, const void *b) {
    const hrun *x = a, *y = b;
    int c = strcmp(x->stamp, y->stamp);
    return c ? c : x->seq - y->seq;
}

static double positive(const char *s) {
    char *end;
    double v = strtod(s, &end);
    return end != s && !*end && isfinite(v) && v > 0 ? v : NAN;
}

/* The metric of (layer, impl, threads) in a run; NaN unless an ok row has it. */
static double value_of(const hrun *r, const char *layer, const char *impl, const char *threads, bool use_time) {
    for (int k = 1; k < r->csv.nrows; k++)
        if (!strcmp(rtab_get(&r->csv, k, r->ct), threads) && !strcmp(rtab_get(&r->csv, k, r->ci), impl) &&
            !strcmp(rtab_get(&r->csv, k, r->cl), layer) && !strcmp(rtab_get(&r->csv, k, r->cs), "ok"))
            return positive(rtab_get(&r->csv, k, use_time ? r->cm : r->cg));
    return NAN;
}

static void quoted(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) fputc(*s == '"' ? '\'' : *s == '\\' ? '/' : (unsigned char)*s < ' ' ? ' ' : *s, f);
    fputc('"', f);
}

static void free_runs(hrun *runs, int n) {
    for (int i = 0; i < n; i++) rtab_free(&runs[i].csv);
    free(runs);
}

/* mkdir -p for the two levels under root. */
static int make_dirs(const char *path) {
    char buf[4200];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

int history_render(const char *stem, const history_options *opt, const char *plots_dir, const char *gnuplot,
                   int *nruns_out, int *ncharts_out, char *err, size_t errlen) {
    const char *root = opt->root ? opt->root : "results";
    const int group = opt->group > 0 ? opt->group : DEFAULT_GROUP;
    *nruns_out = *ncharts_out = 0;
    DIR *d = opendir(root);
    if (!d) return cb_fail(err, errlen, "%s: cannot open: %s; give the results root with --results", root, strerror(errno));
    hrun *runs = NULL;
    int n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char stamp[32];
        int seq;
        if (!run_name(e->d_name, stem, stamp, &seq)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            hrun *p = realloc(runs, sizeof *p * (size_t)cap);
            if (!p) {
                closedir(d);
                free_runs(runs, n);
                return cb_fail(err, errlen, "out of memory");
            }
            runs = p;
        }
        hrun *r = &runs[n];
        memset(r, 0, sizeof *r);
        snprintf(r->dir, sizeof r->dir, "%s/%s", root, e->d_name);
        snprintf(r->stamp, sizeof r->stamp, "%s", stamp);
        r->seq = seq;
        char path[4300], rerr[1024];
        snprintf(path, sizeof path, "%s/results.csv", r->dir);
        if (access(path, R_OK)) continue; /* a run that never wrote its CSV */
        if (rtab_read(path, &r->csv, rerr, sizeof rerr)) {
            fprintf(stderr, "convbench: history: skipping %s\n", rerr);
            continue;
        }
        r->cl = rtab_col(&r->csv, "layer");
        r->ci = rtab_col(&r->csv, "impl");
        r->ct = rtab_col(&r->csv, "threads");
        r->cs = rtab_col(&r->csv, "status");
        r->cm = rtab_col(&r->csv, "median_ms");
        r->cg = rtab_col(&r->csv, "gflops");
        if (r->cl < 0 || r->ci < 0 || r->ct < 0 || r->cs < 0 || r->cm < 0 || r->cg < 0) {
            fprintf(stderr, "convbench: history: skipping %s: not a convbench results.csv\n", path);
            rtab_free(&r->csv);
            continue;
        }
        int cgit = rtab_col(&r->csv, "git");
        r->git = "?";
        for (int k = 1; k < r->csv.nrows && cgit >= 0; k++)
            if (*rtab_get(&r->csv, k, cgit)) {
                r->git = rtab_get(&r->csv, k, cgit);
                break;
            }
        n++;
    }
    closedir(d);
    if (!n) {
        free(runs);
        return cb_fail(err, errlen, "%s: no runs of %s (directories %s-YYYYmmdd-HHMMSS with a results.csv); "
                                    "run make bench CONFIG=%s first",
                       root, stem, stem, stem);
    }
    qsort(runs, (size_t)n, sizeof *runs, by_time);
    *nruns_out = n;

    names layers = {0}, impls = {0}, threads = {0};
    for (int i = 0; i < n; i++)
        for (int k = 1; k < runs[i].csv.nrows; k++) {
            const rtab *t = &runs[i].csv;
            if (!strcmp(rtab_get(t, k, runs[i].ci), BEST_ROW)) continue;
            if (intern(&layers, rtab_get(t, k, runs[i].cl)) < 0 || intern(&impls, rtab_get(t, k, runs[i].ci)) < 0 ||
                intern(&threads, rtab_get(t, k, runs[i].ct)) < 0) {
                free_runs(runs, n);
                return cb_fail(err, errlen, "more than %d layers, implementations or thread counts", MAX_NAMES);
            }
        }

    char out_dir[4200];
    if (opt->out_dir) snprintf(out_dir, sizeof out_dir, "%s", opt->out_dir);
    else snprintf(out_dir, sizeof out_dir, "%s/history/%s", root, stem);
    if (make_dirs(out_dir)) {
        free_runs(runs, n);
        return cb_fail(err, errlen, "%s: cannot create: %s", out_dir, strerror(errno));
    }
    const bool use_time = opt->use_time;
    const char *metric = use_time ? "time" : "gflops";
    const int every = (n + MAX_LABELS - 1) / MAX_LABELS;
    double *v = malloc(sizeof(double) * (size_t)n * (size_t)impls.n);
    int *cols = malloc(sizeof(int) * (size_t)impls.n);
    if (!v || !cols) {
        free(v);
        free(cols);
        free_runs(runs, n);
        return cb_fail(err, errlen, "out of memory");
    }
    int rc = 0, charts = 0;
    for (int t = 0; t < threads.n && !rc; t++) {
        char tname[64];
        size_t tl = 0;
        for (const char *c = threads.v[t]; *c && tl + 1 < sizeof tname; c++)
            tname[tl++] = isalnum((unsigned char)*c) ? *c : '_';
        tname[tl] = '\0';
        /* Layers with any value at this thread count, in groups. */
        int lay[MAX_NAMES], nl = 0;
        for (int l = 0; l < layers.n; l++) {
            bool any = false;
            for (int i = 0; i < n && !any; i++)
                for (int m = 0; m < impls.n && !any; m++)
                    any = !isnan(value_of(&runs[i], layers.v[l], impls.v[m], threads.v[t], use_time));
            if (any) lay[nl++] = l;
        }
        for (int g0 = 0; g0 < nl && !rc; g0 += group) {
            const int g1 = g0 + group < nl ? g0 + group : nl, k = g0 / group + 1;
            char datafile[4400], outfile[4400], script[4400];
            snprintf(datafile, sizeof datafile, "%s/%s_t%s_%d.dat", out_dir, metric, tname, k);
            snprintf(outfile, sizeof outfile, "%s/%s_t%s_%d.png", out_dir, metric, tname, k);
            snprintf(script, sizeof script, "%s/history.gp", plots_dir);
            FILE *f = fopen(datafile, "w");
            if (!f) {
                rc = cb_fail(err, errlen, "%s: cannot create: %s", datafile, strerror(errno));
                break;
            }
            static char assignments[65536];
            assignments[0] = '\0';
            fprintf(f, "# history of %s: %s per implementation, %s thread(s), run by run (oldest first);\n"
                       "# one block per layer (gnuplot index), NaN: no status=ok row in that run. Runs:\n",
                    stem, use_time ? "median time (ms)" : "GFLOP/s", threads.v[t]);
            for (int i = 0; i < n; i++) fprintf(f, "#   %d %s (git %s)\n", i, runs[i].dir, runs[i].git);
            int panel = 0;
            bool in_key[MAX_NAMES] = {false};
            for (int li = g0; li < g1; li++) {
                const char *layer = layers.v[lay[li]];
                int nc = 0;
                for (int m = 0; m < impls.n; m++) {
                    bool any = false;
                    for (int i = 0; i < n; i++) {
                        v[(size_t)i * impls.n + m] = value_of(&runs[i], layer, impls.v[m], threads.v[t], use_time);
                        any |= !isnan(v[(size_t)i * impls.n + m]);
                    }
                    if (any) cols[nc++] = m, in_key[m] = true;
                }
                if (!nc) continue;
                if (panel) fputs("\n\n", f);
                fprintf(f, "# layer: %s\n\"run\" \"label\"", layer);
                for (int c = 0; c < nc; c++) {
                    fputc(' ', f);
                    quoted(f, impls.v[cols[c]]);
                }
                fputc('\n', f);
                for (int i = 0; i < n; i++) {
                    /* "commit MM-DD HH:MM" on every `every`-th run, so labels stay legible. */
                    char label[128] = "";
                    if (i % every == 0 || i == n - 1)
                        snprintf(label, sizeof label, "%.20s %.2s-%.2s %.2s:%.2s", runs[i].git, runs[i].stamp + 4,
                                 runs[i].stamp + 6, runs[i].stamp + 9, runs[i].stamp + 11);
                    fprintf(f, "%d ", i);
                    quoted(f, label);
                    for (int c = 0; c < nc; c++) {
                        double x = v[(size_t)i * impls.n + cols[c]];
                        if (isnan(x)) fputs(" NaN", f);
                        else fprintf(f, " %.6g", x);
                    }
                    fputc('\n', f);
                }
                panel++;
                char name[32], lts[4096] = "";
                for (int c = 0; c < nc; c++) {
                    size_t used = strlen(lts);
                    snprintf(lts + used, sizeof lts - used, c ? " %d" : "%d", cols[c] + 1);
                }
                snprintf(name, sizeof name, "panel%d", panel);
                gnuplot_var_string(assignments, sizeof assignments, name, layer);
                snprintf(name, sizeof name, "ncols%d", panel);
                gnuplot_var_number(assignments, sizeof assignments, name, nc);
                snprintf(name, sizeof name, "lt%d", panel);
                gnuplot_var_string(assignments, sizeof assignments, name, lts);
            }
            if (ferror(f) | fclose(f)) {
                rc = cb_fail(err, errlen, "%s: cannot write: %s", datafile, strerror(errno));
                break;
            }
            if (!panel) continue;
            int nkeys = 0;
            for (int m = 0; m < impls.n; m++) {
                if (!in_key[m]) continue;
                char name[32];
                snprintf(name, sizeof name, "key%d", ++nkeys);
                gnuplot_var_string(assignments, sizeof assignments, name, impls.v[m]);
                snprintf(name, sizeof name, "keylt%d", nkeys);
                gnuplot_var_number(assignments, sizeof assignments, name, m + 1);
            }
            gnuplot_var_number(assignments, sizeof assignments, "nkeys", nkeys);
            char title[512];
            snprintf(title, sizeof title, "%s history: %s, %s thread%s, layers %d-%d of %d (%d run%s, oldest first)",
                     stem, use_time ? "median time" : "GFLOP/s", threads.v[t], strcmp(threads.v[t], "1") ? "s" : "",
                     g0 + 1, g1, nl, n, n == 1 ? "" : "s");
            gnuplot_var_string(assignments, sizeof assignments, "datafile", datafile);
            gnuplot_var_string(assignments, sizeof assignments, "outfile", outfile);
            gnuplot_var_string(assignments, sizeof assignments, "title", title);
            gnuplot_var_string(assignments, sizeof assignments, "ylabel",
                             use_time ? "median time, ms (log scale)" : "GFLOP/s (log scale)");
            gnuplot_var_number(assignments, sizeof assignments, "npanels", panel);
            gnuplot_var_number(assignments, sizeof assignments, "nruns", n);
            rc = gnuplot_run(gnuplot, assignments, script, err, errlen);
            if (!rc) {
                charts++;
                printf("convbench: history: wrote %s\n", outfile);
            }
        }
    }
    free(v);
    free(cols);
    free_runs(runs, n);
    *nruns_out = n;
    *ncharts_out = charts;
    return rc;
}

const char *const history_usage =
    "usage: convbench history CONFIG [--results DIR] [--out DIR] [--metric gflops|time] [--group N]\n"
    "\n"
    "Gathers every run of CONFIG under DIR (default results): the directories\n"
    "<config>-YYYYmmdd-HHMMSS[-N] with a results.csv, oldest first, and plots per\n"
    "thread count and group of N layers (default 6) one panel per layer: each\n"
    "implementation's GFLOP/s (or median time, --metric time) run by run, the x axis\n"
    "labelled with the commit and date, so a regression shows as a step. Writes\n"
    "DIR/history/<config>/<metric>_t<threads>_<k>.png and the .dat tables beside them\n"
    "(--out puts them elsewhere). CONFIG is a name (resnet, resnet.yaml) or a path;\n"
    "only its file name matters.\n";

int cmd_history(int argc, char **argv) {
    history_options opt = {0};
    const char *config = NULL;
    for (int i = 0; i < argc; i++) {
        const bool has = i + 1 < argc;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(history_usage, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--results") && has) {
            opt.root = argv[++i];
        } else if (!strcmp(argv[i], "--out") && has) {
            opt.out_dir = argv[++i];
        } else if (!strcmp(argv[i], "--metric") && has) {
            const char *m = argv[++i];
            if (!strcmp(m, "time")) opt.use_time = 1;
            else if (strcmp(m, "gflops")) {
                fprintf(stderr, "convbench: history: --metric '%s': give gflops or time\n", m);
                return EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--group") && has) {
            char *end;
            long g = strtol(argv[++i], &end, 10);
            if (*end || g < 1 || g > 64) {
                fprintf(stderr, "convbench: history: --group '%s': give 1 to 64 layers per chart\n", argv[i]);
                return EXIT_USAGE;
            }
            opt.group = (int)g;
        } else if (argv[i][0] == '-' || config) {
            fprintf(stderr, "convbench: history: unexpected argument '%s'; see convbench history --help\n", argv[i]);
            return EXIT_USAGE;
        } else {
            config = argv[i];
        }
    }
    if (!config || !*config) {
        fprintf(stderr, "convbench: history: give CONFIG (e.g. resnet); see convbench history --help\n");
        return EXIT_USAGE;
    }
    /* The stem: the file name without directory and .yaml/.yml. */
    const char *base = strrchr(config, '/') ? strrchr(config, '/') + 1 : config;
    char stem[256];
    snprintf(stem, sizeof stem, "%s", base);
    size_t sl = strlen(stem);
    if (sl > 5 && !strcmp(stem + sl - 5, ".yaml")) stem[sl - 5] = '\0';
    else if (sl > 4 && !strcmp(stem + sl - 4, ".yml")) stem[sl - 4] = '\0';
    if (!stem[0]) {
        fprintf(stderr, "convbench: history: '%s' names no config\n", config);
        return EXIT_USAGE;
    }
    char plots[4200], err[1200];
    snprintf(plots, sizeof plots, "%s/plots", bench_source_dir());
    int nruns, ncharts;
    if (history_render(stem, &opt, plots, CONVBENCH_GNUPLOT, &nruns, &ncharts, err, sizeof err)) {
        fprintf(stderr, "convbench: history: %s\n", err);
        return nruns ? EXIT_FAILED : EXIT_USAGE;
    }
    printf("convbench: history of %s: %d run%s, %d chart%s\n", stem, nruns, nruns == 1 ? "" : "s", ncharts,
           ncharts == 1 ? "" : "s");
    return EXIT_OK;
}
