/* report.md and the ratio-to-oneDNN chart of a run. See report.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* realpath */
#endif
#include "report.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "charts.h"
#include "config.h"
#include "conv.h"
#include "gnuplot.h"
#include "regress.h"
#include "util.h"

#ifndef CONVBENCH_GNUPLOT
#define CONVBENCH_GNUPLOT "gnuplot"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define REFERENCE "onednn_blocked"
/* The harness's per-layer pseudo-implementation (a copy of the fastest
 * implementation's row): left out, it would only repeat another. */
#define BEST_ROW "best"
#define BASELINE "naive"

/* ============================================================ gnuplot */



/* ========================================================= the run */

typedef struct row {
    const char *layer, *shape, *impl, *status, *note;
    int l, i, t;            /* indices into the name lists */
    double median, gflops, pct_peak, cv;
    bool ok, noisy;
} row;

typedef struct names {
    const char *v[1024];
    int n;
} names;

typedef struct run {
    rtab csv;
    row *rows;
    int nrows;
    names layers, impls, threads;
    const char *cpu, *isa, *compiler, *git, *omp_env, *timestamp;
} run;

static int intern(names *l, const char *s) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return i;
    if (l->n == (int)(sizeof l->v / sizeof l->v[0])) return -1;
    l->v[l->n] = s;
    return l->n++;
}

static int index_of(const names *l, const char *s) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return i;
    return -1;
}

static double number(const char *s) {
    char *end;
    double v = strtod(s, &end);
    return end != s && !*end && isfinite(v) ? v : NAN;
}

static void run_free(run *r) {
    free(r->rows);
    rtab_free(&r->csv);
}

static int run_read(const char *dir, run *r, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    char path[4200];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (rtab_read(path, &r->csv, err, errlen)) return -1;
    static const char *req[] = {"layer", "impl", "threads", "status", "median_ms", "gflops"};
    for (size_t k = 0; k < sizeof req / sizeof req[0]; k++)
        if (rtab_col(&r->csv, req[k]) < 0) {
            rtab_free(&r->csv);
            return cb_fail(err, errlen, "%s: no '%s' column in the header; is this a convbench results.csv?", path, req[k]);
        }
    const rtab *t = &r->csv;
    const int cl = rtab_col(t, "layer"), cs = rtab_col(t, "shape"), ci = rtab_col(t, "impl"),
              ct = rtab_col(t, "threads"), cst = rtab_col(t, "status"), cm = rtab_col(t, "median_ms"),
              cg = rtab_col(t, "gflops"), cp = rtab_col(t, "pct_peak"), cn = rtab_col(t, "note"),
              ccv = rtab_col(t, "cv"), cno = rtab_col(t, "noisy");
    r->rows = calloc((size_t)t->nrows, sizeof *r->rows);
    if (!r->rows) {
        rtab_free(&r->csv);
        return cb_fail(err, errlen, "%s: out of memory", path);
    }
    for (int k = 1; k < t->nrows; k++) {
        if (!strcmp(rtab_get(t, k, ci), BEST_ROW)) continue;
        row *x = &r->rows[r->nrows];
        x->layer = rtab_get(t, k, cl);
        x->shape = rtab_get(t, k, cs);
        x->impl = rtab_get(t, k, ci);
        x->status = rtab_get(t, k, cst);
        x->note = rtab_get(t, k, cn);
        x->l = intern(&r->layers, x->layer);
        x->i = intern(&r->impls, x->impl);
        x->t = intern(&r->threads, rtab_get(t, k, ct));
        if (x->l < 0 || x->i < 0 || x->t < 0) {
            run_free(r);
            return cb_fail(err, errlen, "%s: more than 1024 layers, implementations or thread counts", path);
        }
        x->median = number(rtab_get(t, k, cm));
        x->gflops = number(rtab_get(t, k, cg));
        x->pct_peak = number(rtab_get(t, k, cp));
        x->cv = number(rtab_get(t, k, ccv));
        x->noisy = !strcmp(rtab_get(t, k, cno), "1");
        x->ok = !strcmp(x->status, "ok") && x->median > 0 && x->gflops > 0;
        r->nrows++;
    }
    if (!r->nrows) {
        run_free(r);
        return cb_fail(err, errlen, "%s: no results in it; run a benchmark to fill it", path);
    }
    const char **meta[] = {&r->cpu, &r->isa, &r->compiler, &r->git, &r->omp_env, &r->timestamp};
    const char *cols[] = {"cpu", "isa", "compiler", "git", "omp_env", "timestamp"};
    for (size_t m = 0; m < 6; m++) {
        int c = rtab_col(t, cols[m]);
        *meta[m] = "";
        for (int k = 1; k < t->nrows && c >= 0; k++)
            if (*rtab_get(t, k, c)) {
                *meta[m] = rtab_get(t, k, c);
                break;
            }
    }
    return 0;
}

static const row *find_ok(const run *r, int l, int i, int t) {
    for (int k = 0; k < r->nrows; k++)
        if (r->rows[k].ok && r->rows[k].l == l && r->rows[k].i == i && r->rows[k].t == t) return &r->rows[k];
    return NULL;
}

static bool has_rows(const run *r, int l, int t) {
    for (int k = 0; k < r->nrows; k++)
        if (r->rows[k].t == t && (l < 0 || r->rows[k].l == l)) return true;
    return false;
}

/* The thread count as it appears in file names. */
static void thread_file_name(const char *t, char *out, size_t len) {
    size_t n = 0;
    for (; *t && n + 1 < len; t++) out[n++] = isalnum((unsigned char)*t) ? *t : '_';
    out[n] = '\0';
}

static void gnuplot_quoted(FILE *f, const char *name) {
    fputc('"', f);
    for (const char *c = name; *c; c++) fputc(*c == '"' ? '\'' : *c == '\\' ? '/' : (unsigned char)*c < ' ' ? ' ' : *c, f);
    fputc('"', f);
}

/* ========================================================= ratio chart */

static int draw_ratio(const char *dir, const char *plots_dir, const char *gnuplot, const run *r, int t,
                      const char *config, const char *subtitle, char *err, size_t errlen) {
    const int ref = index_of(&r->impls, REFERENCE);
    if (ref < 0) return 0;
    /* Columns: implementations with at least one ratio; rows: layers at this count. */
    int cols[1024], ncols = 0, lrows[1024], nrows = 0;
    for (int l = 0; l < r->layers.n; l++)
        if (has_rows(r, l, t)) lrows[nrows++] = l;
    for (int i = 0; i < r->impls.n; i++) {
        if (i == ref) continue;
        bool any = false;
        for (int k = 0; k < nrows && !any; k++) any = find_ok(r, lrows[k], i, t) && find_ok(r, lrows[k], ref, t);
        if (any) cols[ncols++] = i;
    }
    if (!ncols || !nrows) return 0;
    char tname[64], datafile[4300], outfile[4300], script[4300];
    thread_file_name(r->threads.v[t], tname, sizeof tname);
    snprintf(datafile, sizeof datafile, "%s/ratio_t%s.dat", dir, tname);
    snprintf(outfile, sizeof outfile, "%s/ratio_t%s.png", dir, tname);
    snprintf(script, sizeof script, "%s/ratio.gp", plots_dir);
    FILE *f = fopen(datafile, "w");
    if (!f) return cb_fail(err, errlen, "%s: cannot create: %s", datafile, strerror(errno));
    fprintf(f, "# GFLOP/s of each implementation / onednn_blocked's on the same layer, %s thread(s), same run;\n"
               "# NaN: either has no status=ok row there.\n\"layer\"",
            r->threads.v[t]);
    for (int c = 0; c < ncols; c++) {
        fputc(' ', f);
        gnuplot_quoted(f, r->impls.v[cols[c]]);
    }
    fputc('\n', f);
    double lo = 1, hi = 1;
    for (int k = 0; k < nrows; k++) {
        gnuplot_quoted(f, r->layers.v[lrows[k]]);
        const row *b = find_ok(r, lrows[k], ref, t);
        for (int c = 0; c < ncols; c++) {
            const row *x = find_ok(r, lrows[k], cols[c], t);
            if (!x || !b) {
                fputs(" NaN", f);
                continue;
            }
            double v = x->gflops / b->gflops;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
            fprintf(f, " %.6g", v);
        }
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) return cb_fail(err, errlen, "%s: cannot write: %s", datafile, strerror(errno));

    char title[512], linetypes[4096] = "", assignments[16384] = "";
    const char *tc = r->threads.v[t];
    snprintf(title, sizeof title, "%s: GFLOP/s / onednn_blocked's per layer, %s thread%s", config, tc,
             strcmp(tc, "1") ? "s" : "");
    for (int c = 0; c < ncols; c++) {
        size_t used = strlen(linetypes);
        snprintf(linetypes + used, sizeof linetypes - used, c ? " %d" : "%d", cols[c] + 1);
    }
    int width = 300 + nrows * (ncols * 14 + 24);
    width = width < 1000 ? 1000 : width > 16000 ? 16000 : width;
    const double ymin = pow(10, floor(log10(lo / 1.5))), ymax = pow(10, ceil(log10(hi * 1.2)));
    gnuplot_var_string(assignments, sizeof assignments, "datafile", datafile);
    gnuplot_var_string(assignments, sizeof assignments, "outfile", outfile);
    gnuplot_var_string(assignments, sizeof assignments, "title", title);
    gnuplot_var_string(assignments, sizeof assignments, "subtitle", subtitle);
    gnuplot_var_string(assignments, sizeof assignments, "linetypes", linetypes);
    gnuplot_var_number(assignments, sizeof assignments, "width", width);
    gnuplot_var_number(assignments, sizeof assignments, "height", 700);
    gnuplot_var_number(assignments, sizeof assignments, "ymin", ymin);
    gnuplot_var_number(assignments, sizeof assignments, "ymax", ymax);
    return gnuplot_run(gnuplot, assignments, script, err, errlen);
}

/* ============================================================ report */

/* peak.txt: the fingerprint's cores, and per ISA the FMA peak at 1 thread
 * and at the most threads measured; triad likewise. */
typedef struct peak_summary {
    bool found;
    char cores[16];
    struct {
        char isa[32];
        double g1, gmax;
        int tmax;
    } fma[8];
    int nfma;
    double triad1, triadmax;
    int triad_tmax;
} peak_summary;

static void read_peaks(const char *dir, peak_summary *p) {
    memset(p, 0, sizeof *p);
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/peak.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return;
    p->found = true;
    while (fgets(line, sizeof line, f)) {
        char isa[32];
        int threads, nacc;
        double v;
        const char *c = strstr(line, "cores=");
        if (!strncmp(line, "fingerprint", 11) && c) {
            snprintf(p->cores, sizeof p->cores, "%.*s", (int)strspn(c + 6, "0123456789"), c + 6);
        } else if (sscanf(line, "fma %31s %d %lf %d", isa, &threads, &v, &nacc) == 4 && threads > 0 && v > 0) {
            int k = 0;
            while (k < p->nfma && strcmp(p->fma[k].isa, isa)) k++;
            if (k == p->nfma) {
                if (p->nfma == 8) continue;
                snprintf(p->fma[p->nfma++].isa, sizeof p->fma[0].isa, "%s", isa);
            }
            if (threads == 1) p->fma[k].g1 = fmax(p->fma[k].g1, v);
            if (threads >= p->fma[k].tmax) {
                p->fma[k].gmax = threads == p->fma[k].tmax ? fmax(p->fma[k].gmax, v) : v;
                p->fma[k].tmax = threads;
            }
        } else if (sscanf(line, "triad %d %lf", &threads, &v) == 2 && threads > 0 && v > 0) {
            if (threads == 1) p->triad1 = v;
            if (threads >= p->triad_tmax) {
                p->triadmax = v;
                p->triad_tmax = threads;
            }
        }
    }
    fclose(f);
}

static void md_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '|' || *s == '*' || *s == '`' || *s == '<') fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
}

static void rate(double v, char *out, size_t len) {
    if (!isfinite(v)) snprintf(out, len, "-");
    else snprintf(out, len, v >= 99.95 ? "%.0f" : v >= 9.995 ? "%.1f" : v >= 0.9995 ? "%.2f" : "%.3g", v);
}

static void times(double v, char *out, size_t len) {
    if (!isfinite(v)) snprintf(out, len, "-");
    else snprintf(out, len, v >= 99.5 ? "%.0f×" : v >= 9.995 ? "%.1f×" : "%.2f×", v);
}

static bool is_own(const char *impl) { return conv_find_impl(impl) != NULL; }

/* A chart file's caption, from its name; NULL for files the report does not know. */
static int chart_rank(const char *name, char *caption, size_t len) {
    static const struct {
        const char *prefix, *what;
    } kinds[] = {{"gflops_t", "GFLOP/s per layer"},
                 {"speedup_t", "Speedup over naive per layer"},
                 {"ratio_t", "GFLOP/s relative to onednn_blocked per layer"},
                 {"roofline_t", "Roofline"},
                 {"scaling", "Thread scaling"},
                 {"tuning_t", "Tuned vs default parameters per layer"},
                 {"heatmap", "Tuning landscape"}};
    size_t n = strlen(name);
    if (n < 5 || strcmp(name + n - 4, ".png")) return -1;
    for (int k = 0; k < (int)(sizeof kinds / sizeof kinds[0]); k++) {
        size_t pl = strlen(kinds[k].prefix);
        if (strncmp(name, kinds[k].prefix, pl)) continue;
        if (kinds[k].prefix[pl - 1] == 't' && kinds[k].prefix[pl - 2] == '_') {
            int tn = (int)(n - 4 - pl);
            snprintf(caption, len, "%s, %.*s thread%s", kinds[k].what, tn, name + pl,
                     tn == 1 && name[pl] == '1' ? "" : "s");
        } else {
            snprintf(caption, len, "%s", kinds[k].what);
        }
        return k;
    }
    snprintf(caption, len, "%.*s", (int)(n - 4), name);
    return 100;
}

typedef struct chart_file {
    char name[256], caption[256];
    int rank;
} chart_file;

static int by_rank(const void *a, const void *b) {
    const chart_file *x = a, *y = b;
    if (x->rank != y->rank) return x->rank - y->rank;
    return strcmp(x->name, y->name);
}

static void write_charts(FILE *f, const char *dir) {
    DIR *d = opendir(dir);
    chart_file files[128];
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) && n < 128;) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof files[0].name) continue;
        int rank = chart_rank(e->d_name, files[n].caption, sizeof files[n].caption);
        if (rank < 0) continue;
        snprintf(files[n].name, sizeof files[n].name, "%s", e->d_name);
        files[n++].rank = rank;
    }
    if (d) closedir(d);
    qsort(files, (size_t)n, sizeof files[0], by_rank);
    fprintf(f, "## Charts\n\n");
    if (!n) fprintf(f, "No charts in this directory (`convbench report DIR` renders them).\n\n");
    for (int k = 0; k < n; k++) {
        fprintf(f, "### %s\n\n![%s](", files[k].caption, files[k].caption);
        /* A relative link; characters Markdown would misread are percent-encoded. */
        for (const char *c = files[k].name; *c; c++)
            if (isalnum((unsigned char)*c) || strchr("-_.~", *c)) fputc(*c, f);
            else fprintf(f, "%%%02X", (unsigned char)*c);
        fprintf(f, ")\n\n");
    }
}

static void write_best_table(FILE *f, const run *r, int t, const peak_summary *pk) {
    const int naive = index_of(&r->impls, BASELINE), ref = index_of(&r->impls, REFERENCE);
    const char *tc = r->threads.v[t];
    /* Parallel efficiency where the run has one thread to compare with: the
     * own best's speedup over its own one-thread time, over the threads. */
    const int one = index_of(&r->threads, "1"), nthr = atoi(tc);
    const bool scaling = one >= 0 && one != t && nthr > 1;
    fprintf(f, "### %s thread%s\n\n", tc, strcmp(tc, "1") ? "s" : "");
    fprintf(f, "| layer | best | GFLOP/s | %% of peak | × naive | × onednn_blocked | best of convbench's own | its × "
               "onednn_blocked |%s validation |\n|---|---|---:|---:|---:|---:|---|---:|%s---|\n",
            scaling ? " its efficiency |" : "", scaling ? "---:|" : "");
    (void)pk;
    double log_own = 0, log_eff = 0;
    int n_own = 0, n_eff = 0;
    for (int l = 0; l < r->layers.n; l++) {
        if (!has_rows(r, l, t)) continue;
        const row *best = NULL, *own = NULL;
        int ok = 0, unsupported = 0, bad = 0;
        char badlist[512] = "";
        for (int k = 0; k < r->nrows; k++) {
            const row *x = &r->rows[k];
            if (x->l != l || x->t != t) continue;
            if (!strcmp(x->status, "ok")) ok++;
            else if (!strcmp(x->status, "unsupported")) unsupported++;
            else {
                bad++;
                size_t used = strlen(badlist);
                snprintf(badlist + used, sizeof badlist - used, "%s%s %s", used ? ", " : "", x->status, x->impl);
            }
            if (!x->ok) continue;
            if (!best || x->gflops > best->gflops) best = x;
            if (is_own(x->impl) && (!own || x->gflops > own->gflops)) own = x;
        }
        const row *nv = naive >= 0 ? find_ok(r, l, naive, t) : NULL, *bl = ref >= 0 ? find_ok(r, l, ref, t) : NULL;
        char g[32], pct[32], xn[32], xb[32], xo[32];
        rate(best ? best->gflops : NAN, g, sizeof g);
        if (best && isfinite(best->pct_peak)) snprintf(pct, sizeof pct, "%.1f%%", best->pct_peak);
        else snprintf(pct, sizeof pct, "-");
        times(best && nv ? nv->median / best->median : NAN, xn, sizeof xn);
        times(best && bl ? best->gflops / bl->gflops : NAN, xb, sizeof xb);
        times(own && bl ? own->gflops / bl->gflops : NAN, xo, sizeof xo);
        fputs("| ", f);
        md_text(f, r->layers.v[l]);
        fputs(" | ", f);
        if (best) md_text(f, best->impl);
        else fputs("-", f);
        fprintf(f, " | %s | %s | %s | %s | ", g, pct, xn, xb);
        if (own) {
            char og[32];
            rate(own->gflops, og, sizeof og);
            md_text(f, own->impl);
            fprintf(f, " (%s GFLOP/s)", og);
        } else {
            fputs("-", f);
        }
        fprintf(f, " | %s | ", xo);
        if (own && bl) log_own += log(own->gflops / bl->gflops), n_own++;
        if (scaling) {
            const int own_impl = own ? index_of(&r->impls, own->impl) : -1;
            const row *serial = own_impl >= 0 ? find_ok(r, l, own_impl, one) : NULL;
            const double eff = serial ? own->gflops / (serial->gflops * nthr) : NAN;
            if (isfinite(eff)) {
                fprintf(f, "%.0f%% | ", 100 * eff);
                log_eff += log(eff), n_eff++;
            } else {
                fputs("- | ", f);
            }
        }
        if (bad) {
            fputs("**", f);
            md_text(f, badlist);
            fputs("**; ", f);
        }
        fprintf(f, "%d ok", ok);
        if (unsupported) fprintf(f, ", %d unsupported", unsupported);
        fputs(" |\n", f);
    }
    fputc('\n', f);
    if (n_own)
        fprintf(f, "Best of convbench's own per layer, geometric mean over %d layers: %.3f× onednn_blocked", n_own,
                exp(log_own / n_own));
    if (n_eff)
        fprintf(f, "; parallel efficiency %.1f%% (its speedup over its own one-thread time ÷ %d, over %d layers)",
                100 * exp(log_eff / n_eff), nthr, n_eff);
    if (n_own) fputs(".\n\n", f);
}

/* Per implementation: geometric-mean GFLOP/s over the layers it ran, and
 * its geometric-mean ratio to onednn_blocked over the layers both ran. */
static void write_summary(FILE *f, const run *r) {
    const int ref = index_of(&r->impls, REFERENCE);
    fprintf(f, "| implementation | threads | layers | GFLOP/s (geomean) | × onednn_blocked (geomean) |\n"
               "|---|---:|---:|---:|---:|\n");
    for (int i = 0; i < r->impls.n; i++)
        for (int t = 0; t < r->threads.n; t++) {
            double lg = 0, lr = 0;
            int n = 0, nr = 0;
            for (int l = 0; l < r->layers.n; l++) {
                const row *x = find_ok(r, l, i, t), *b = ref >= 0 ? find_ok(r, l, ref, t) : NULL;
                if (!x) continue;
                lg += log(x->gflops);
                n++;
                if (b) {
                    lr += log(x->gflops / b->gflops);
                    nr++;
                }
            }
            if (!n) continue;
            char g[32], x[32];
            rate(exp(lg / n), g, sizeof g);
            times(nr ? exp(lr / nr) : NAN, x, sizeof x);
            fputs("| ", f);
            md_text(f, r->impls.v[i]);
            fprintf(f, " | %s | %d | %s | %s |\n", r->threads.v[t], n, g, x);
        }
    fputc('\n', f);
}

static void write_rows_with(FILE *f, const run *r, bool (*pick)(const row *), const char *why_header) {
    fprintf(f, "| layer | implementation | threads | status | %s |\n|---|---|---:|---|---|\n", why_header);
    for (int k = 0; k < r->nrows; k++) {
        const row *x = &r->rows[k];
        if (!pick(x)) continue;
        fputs("| ", f);
        md_text(f, x->layer);
        fputs(" | ", f);
        md_text(f, x->impl);
        fprintf(f, " | %s | %s | ", r->threads.v[x->t], x->status);
        md_text(f, x->note);
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

static bool pick_failed(const row *x) { return strcmp(x->status, "ok") && strcmp(x->status, "unsupported"); }
static bool pick_unsupported(const row *x) { return !strcmp(x->status, "unsupported"); }
static bool pick_noisy(const row *x) { return x->ok && x->noisy; }

static int count_rows(const run *r, bool (*pick)(const row *)) {
    int n = 0;
    for (int k = 0; k < r->nrows; k++) n += pick(&r->rows[k]);
    return n;
}

static int write_report(const char *dir, const run *r, const char *config, char *err, size_t errlen) {
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/report.md", dir);
    snprintf(tmp, sizeof tmp, "%s/.report.md.%d", dir, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return cb_fail(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
    peak_summary pk;
    read_peaks(dir, &pk);

    fprintf(f, "# convbench: %s", config);
    if (*r->timestamp) fprintf(f, ", %s", r->timestamp);
    fprintf(f, "\n\n| | |\n|---|---|\n| Machine | ");
    md_text(f, *r->cpu ? r->cpu : "unknown CPU");
    if (pk.cores[0]) fprintf(f, ", %s cores", pk.cores);
    fprintf(f, "; ISA used: ");
    md_text(f, *r->isa ? r->isa : "?");
    fprintf(f, " |\n| Measured peak | ");
    if (!pk.found) {
        fprintf(f, "no peak.txt in this directory (`convbench peak` measures it)");
    } else {
        for (int k = 0; k < pk.nfma; k++) {
            char a[32], b[32];
            rate(pk.fma[k].g1, a, sizeof a);
            rate(pk.fma[k].gmax, b, sizeof b);
            fprintf(f, "%s%s FMA %s GFLOP/s at 1 thread", k ? "; " : "", pk.fma[k].isa, a);
            if (pk.fma[k].tmax > 1) fprintf(f, ", %s at %d", b, pk.fma[k].tmax);
        }
        if (pk.triad1 > 0) {
            char a[32], b[32];
            rate(pk.triad1, a, sizeof a);
            rate(pk.triadmax, b, sizeof b);
            fprintf(f, "%sSTREAM triad %s GB/s at 1 thread", pk.nfma ? "; " : "", a);
            if (pk.triad_tmax > 1) fprintf(f, ", %s at %d", b, pk.triad_tmax);
        }
    }
    fprintf(f, " |\n| Config | ");
    md_text(f, config);
    char cfgpath[4200];
    snprintf(cfgpath, sizeof cfgpath, "%s/config.yaml", dir);
    bench_config cfg;
    char cerr[1024];
    if (!access(cfgpath, R_OK) && !config_load(cfgpath, &cfg, cerr, sizeof cerr)) {
        fprintf(f, " ([config.yaml](config.yaml)): %d layers; repetitions %d, min_time %g s, %s cache", cfg.nlayers,
                cfg.repetitions, cfg.min_time, cfg.cache == CACHE_COLD ? "cold" : "warm");
        config_free(&cfg);
    }
    fprintf(f, "; %d layers × %d implementations × %d thread count%s in results.csv |\n", r->layers.n, r->impls.n,
            r->threads.n, r->threads.n == 1 ? "" : "s");
    fprintf(f, "| Compiler | ");
    md_text(f, *r->compiler ? r->compiler : "?");
    fprintf(f, " |\n| Commit | ");
    md_text(f, *r->git ? r->git : "?");
    fprintf(f, " |\n");
    if (*r->omp_env) {
        fprintf(f, "| OpenMP | ");
        md_text(f, r->omp_env);
        fprintf(f, " |\n");
    }
    const int nfailed = count_rows(r, pick_failed), nunsup = count_rows(r, pick_unsupported),
              nnoisy = count_rows(r, pick_noisy);
    fprintf(f, "| Rows | %d: %d ok, %d unsupported, %d mismatch or error; %d noisy (cv > 5%%) |\n\n", r->nrows,
            r->nrows - nfailed - nunsup, nunsup, nfailed, nnoisy);

    fprintf(f, "## Best implementation per layer\n\n"
               "GFLOP/s from the one flop count 2·N·K·OH·OW·(C/groups)·R·S; %% of peak: share of the measured FMA "
               "peak for the row's ISA and thread count; × naive: naive's median time / the best's; × onednn_blocked: "
               "the best's GFLOP/s / onednn_blocked's (oneDNN on its preferred layouts, kernel only).\n\n");
    for (int t = 0; t < r->threads.n; t++) write_best_table(f, r, t, &pk);

    fprintf(f, "## Per implementation\n\n");
    write_summary(f, r);

    fprintf(f, "## Mismatches and errors\n\n");
    if (nfailed) write_rows_with(f, r, pick_failed, "first difference / error");
    else fprintf(f, "None: every row that ran matched oneDNN.\n\n");

    fprintf(f, "## Unsupported rows\n\n");
    if (!nunsup) fprintf(f, "None.\n\n");
    else {
        if (nunsup > 8) fprintf(f, "<details><summary>%d rows</summary>\n\n", nunsup);
        write_rows_with(f, r, pick_unsupported, "why");
        if (nunsup > 8) fprintf(f, "</details>\n\n");
    }
    if (nnoisy) {
        fprintf(f, "## Noisy rows\n\n<details><summary>%d rows with cv > 5%%: don't read a number off them</summary>\n\n",
                nnoisy);
        write_rows_with(f, r, pick_noisy, "note");
        fprintf(f, "</details>\n\n");
    }
    write_charts(f, dir);
    fprintf(f, "---\nWritten by convbench from results.csv; `convbench report DIR` re-renders it.\n");
    if (ferror(f) | fclose(f)) {
        unlink(tmp);
        return cb_fail(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
    }
    if (rename(tmp, path)) {
        unlink(tmp);
        return cb_fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

int report_render(const char *dir, const char *plots_dir, const char *gnuplot, char *err, size_t errlen) {
    run r;
    if (run_read(dir, &r, err, errlen)) return -1;
    char config[256], subtitle[512] = "", *real = realpath(dir, NULL);
    charts_config_name(real ? real : dir, config, sizeof config);
    free(real);
    const char *parts[] = {r.cpu, r.isa, r.compiler};
    for (int k = 0; k < 3; k++)
        if (*parts[k]) {
            size_t used = strlen(subtitle);
            snprintf(subtitle + used, sizeof subtitle - used, "%s%s", used ? " · " : "", parts[k]);
        }
    int rc = 0;
    char cerr[1024] = "";
    for (int t = 0; t < r.threads.n && !rc; t++)
        rc = draw_ratio(dir, plots_dir, gnuplot, &r, t, config, subtitle, cerr, sizeof cerr);
    /* The report even when a chart failed: it links what exists. */
    if (write_report(dir, &r, config, err, errlen)) {
        run_free(&r);
        return -1;
    }
    run_free(&r);
    if (rc) return cb_fail(err, errlen, "%s", cerr);
    return 0;
}

const char *const report_usage =
    "usage: convbench report DIR\n"
    "\n"
    "Re-renders the charts of a results directory (as convbench plot) and its\n"
    "report.md from DIR/results.csv: machine, measured peak, config, compiler and\n"
    "commit; per layer the best implementation, its GFLOP/s, share of peak and its\n"
    "ratios to naive and onednn_blocked, and the validation status; mismatches and\n"
    "unsupported rows; the charts, including ratio_t<N>.png (each implementation's\n"
    "GFLOP/s / onednn_blocked's). Every run writes report.md itself.\n";

int cmd_report(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(report_usage, stdout);
            return EXIT_OK;
        }
    if (argc != 1 || argv[0][0] == '-') {
        fputs(report_usage, stderr);
        return EXIT_USAGE;
    }
    const char *dir = argv[0];
    char plots[4200], err[1200], path[4200];
    snprintf(plots, sizeof plots, "%s/plots", bench_source_dir());
    snprintf(path, sizeof path, "%s/results.csv", dir);
    rtab probe;
    if (rtab_read(path, &probe, err, sizeof err)) {
        fprintf(stderr, "convbench: report: %s\n", err);
        return EXIT_USAGE;
    }
    rtab_free(&probe);
    int status = EXIT_OK;
    if (charts_render(dir, plots, CONVBENCH_GNUPLOT, err, sizeof err)) {
        fprintf(stderr, "convbench: report: charts: %s\n", err);
        status = EXIT_FAILED;
    }
    if (report_render(dir, plots, CONVBENCH_GNUPLOT, err, sizeof err)) {
        fprintf(stderr, "convbench: report: %s\n", err);
        FILE *f = NULL;
        snprintf(path, sizeof path, "%s/report.md", dir);
        if (!(f = fopen(path, "r"))) return EXIT_USAGE;
        fclose(f);
        status = EXIT_FAILED;
    }
    printf("convbench: wrote %s/report.md and the charts\n", dir);
    return status;
}
