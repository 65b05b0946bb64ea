/* Charts from a results directory: read results.csv, build one wide table per
 * thread count (rows = layers, columns = implementations, both in order of
 * first appearance), write each as a gnuplot data file and run the matching
 * script of plots/ on it. The roofline adds each layer's arithmetic intensity
 * and the roofs of DIR/peak.txt; the scaling chart is one table across
 * thread counts. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* posix_spawnp, pipe, waitpid, realpath */
#endif
#include "charts.h"
#include "gnuplot.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "regress.h"
#include "util.h"

extern char **environ;

/* array with room for `need` elements: the same, a larger copy, or NULL
 * (array untouched) when memory runs out. */
static void *grow(void *array, int *cap, int need, size_t elem) {
    if (need <= *cap) return array;
    int cap2 = *cap ? *cap * 2 : 64;
    while (cap2 < need) cap2 *= 2;
    void *p = realloc(array, (size_t)cap2 * elem);
    if (p) *cap = cap2;
    return p;
}

/* ------------------------------------------------------------ the tables */

/* Distinct strings in order of first appearance. */
typedef struct name_list {
    const char **names;
    int n, cap;
} name_list;

static int intern(name_list *l, const char *name) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->names[i], name)) return i;
    const char **names = grow(l->names, &l->cap, l->n + 1, sizeof *names);
    if (!names) return -1;
    l->names = names;
    l->names[l->n] = name;
    return l->n++;
}

/* One CSV row, reduced to what the charts use. */
typedef struct result {
    int layer, impl, threads;  /* indices in the name lists */
    bool ok;                   /* status=ok: timed and correct */
    double gflops, median_ms;  /* NaN unless ok and a positive number */
    double intensity;          /* flops per byte of compulsory traffic, any status; NaN if absent */
    double tuned;              /* tuned_vs_default of an ok row: default median / tuned median; NaN if none */
    const char *params;        /* the parameters the row ran with ("" if none) */
} result;

typedef struct results {
    name_list layers, impls, threads;
    result *rows;
    int nrows;
    bool has_intensity;        /* the CSV has the column (older ones do not) */
    bool has_tuned;            /* some ok row has a tuned_vs_default value */
    char subtitle[512];
} results;

static void results_free(results *r) {
    free(r->layers.names);
    free(r->impls.names);
    free(r->threads.names);
    free(r->rows);
}

/* A positive finite number, or NaN (empty, unparsable, or unusable on a log axis). */
static double positive_number(const char *s) {
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(v) && v > 0 ? v : NAN;
}

static int load_results(const char *path, const rtab *t, results *r, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    if (t->nrows < 1) return cb_fail(err, errlen, "%s: empty; run a benchmark to fill it", path);
    enum { LAYER, IMPL, THREADS, STATUS, MEDIAN, GFLOPS, NREQUIRED };
    static const char *required[NREQUIRED] = {"layer", "impl", "threads", "status", "median_ms", "gflops"};
    int col[NREQUIRED];
    for (int i = 0; i < NREQUIRED; i++)
        if ((col[i] = rtab_col(t, required[i])) < 0)
            return cb_fail(err, errlen, "%s: no '%s' column in the header; is this a convbench results.csv?",
                           path, required[i]);
    const int intensity_col = rtab_col(t, "intensity");
    r->has_intensity = intensity_col >= 0;
    const int tuned_col = rtab_col(t, "tuned_vs_default"), params_col = rtab_col(t, "params");

    r->rows = malloc(sizeof *r->rows * (size_t)t->nrows);
    if (!r->rows) return cb_fail(err, errlen, "%s: out of memory", path);
    for (int row = 1; row < t->nrows; row++) {
        result *res = &r->rows[r->nrows++];
        res->layer = intern(&r->layers, rtab_get(t, row, col[LAYER]));
        res->impl = intern(&r->impls, rtab_get(t, row, col[IMPL]));
        res->threads = intern(&r->threads, rtab_get(t, row, col[THREADS]));
        if (res->layer < 0 || res->impl < 0 || res->threads < 0)
            return cb_fail(err, errlen, "%s: out of memory", path);
        res->ok = !strcmp(rtab_get(t, row, col[STATUS]), "ok");
        res->gflops = res->ok ? positive_number(rtab_get(t, row, col[GFLOPS])) : NAN;
        res->median_ms = res->ok ? positive_number(rtab_get(t, row, col[MEDIAN])) : NAN;
        res->intensity = intensity_col >= 0 ? positive_number(rtab_get(t, row, intensity_col)) : NAN;
        res->tuned = res->ok && tuned_col >= 0 ? positive_number(rtab_get(t, row, tuned_col)) : NAN;
        res->params = params_col >= 0 ? rtab_get(t, row, params_col) : "";
        r->has_tuned |= !isnan(res->tuned);
    }
    if (r->nrows == 0) return cb_fail(err, errlen, "%s: no results in it; run a benchmark to fill it", path);

    /* "cpu · isa · compiler" of the machine, from the first row that says. */
    static const char *machine[] = {"cpu", "isa", "compiler"};
    for (int row = 1; row < t->nrows && !r->subtitle[0]; row++)
        for (size_t i = 0; i < sizeof machine / sizeof machine[0]; i++) {
            int c = rtab_col(t, machine[i]);
            if (c < 0 || !rtab_get(t, row, c)[0]) continue;
            size_t used = strlen(r->subtitle);
            snprintf(r->subtitle + used, sizeof r->subtitle - used, "%s%s", used ? " · " : "",
                     rtab_get(t, row, c));
        }
    return 0;
}

/* A wide table for one thread count: value[row][col], NaN where missing. */
typedef struct table {
    int nrows, ncols;
    int *layer;        /* row -> index in results.layers */
    int *impl;         /* col -> index in results.impls */
    double *value;
} table;

static void table_free(table *tb) {
    free(tb->layer);
    free(tb->impl);
    free(tb->value);
    memset(tb, 0, sizeof *tb);
}

/* Whether the CSV has a row of any status for (layer, impl, threads): such
 * a layer or implementation gets its place in the table even with no value. */
static bool has_row(const results *r, int layer, int impl, int threads) {
    for (int k = 0; k < r->nrows; k++)
        if (r->rows[k].threads == threads && (layer < 0 || r->rows[k].layer == layer) &&
            (impl < 0 || r->rows[k].impl == impl))
            return true;
    return false;
}

/* The first ok row for (layer, impl, threads), or NULL. */
static const result *find_ok(const results *r, int layer, int impl, int threads) {
    for (int k = 0; k < r->nrows; k++)
        if (r->rows[k].ok && r->rows[k].layer == layer && r->rows[k].impl == impl &&
            r->rows[k].threads == threads)
            return &r->rows[k];
    return NULL;
}

/* Rows and columns: the layers and implementations with any row at this
 * thread count (skipping the implementation `exclude`, or -1), values NaN. */
static bool table_shape(const results *r, int threads, int exclude, table *tb) {
    memset(tb, 0, sizeof *tb);
    tb->layer = malloc(sizeof(int) * (size_t)r->layers.n);
    tb->impl = malloc(sizeof(int) * (size_t)r->impls.n);
    if (!tb->layer || !tb->impl) return false;
    for (int l = 0; l < r->layers.n; l++)
        if (has_row(r, l, -1, threads)) tb->layer[tb->nrows++] = l;
    for (int i = 0; i < r->impls.n; i++)
        if (i != exclude && has_row(r, -1, i, threads)) tb->impl[tb->ncols++] = i;
    tb->value = malloc(sizeof(double) * (size_t)(tb->nrows * tb->ncols + 1));
    if (!tb->value) return false;
    for (int k = 0; k < tb->nrows * tb->ncols; k++) tb->value[k] = NAN;
    return true;
}

/* A cell's value from its ok row (and the layer's ok row of the base
 * implementation, where there is one). */
typedef double cell_value_fn(const result *res, const result *base);
static double gflops_of(const result *res, const result *base) { (void)base; return res->gflops; }
static double tuned_of(const result *res, const result *base) { (void)base; return res->tuned; }
static double speedup_of(const result *res, const result *base) { return base->median_ms / res->median_ms; }

/* tb's cells at this thread count: value of each layer x implementation's
 * ok row; NaN where there is none, or, with a base implementation (>= 0),
 * where the layer has no ok row of it. */
static void fill_cells(table *tb, const results *r, int threads, cell_value_fn *value, int base_impl) {
    for (int row = 0; row < tb->nrows; row++) {
        const result *base = base_impl >= 0 ? find_ok(r, tb->layer[row], base_impl, threads) : NULL;
        if (base_impl >= 0 && !base) continue;
        for (int c = 0; c < tb->ncols; c++) {
            const result *res = find_ok(r, tb->layer[row], tb->impl[c], threads);
            if (res) tb->value[row * tb->ncols + c] = value(res, base);
        }
    }
}

/* A name as one gnuplot data field: double-quoted, with the characters a
 * quoted field cannot hold (quote, backslash, line breaks) replaced. */
static void write_quoted(FILE *f, const char *name) {
    fputc('"', f);
    for (const char *c = name; *c; c++)
        fputc(*c == '"' ? '\'' : *c == '\\' ? '/' : (unsigned char)*c < ' ' ? ' ' : *c, f);
    fputc('"', f);
}

static void write_number(FILE *f, double v) {
    if (isnan(v)) fputs(" NaN", f);
    else fprintf(f, " %.6g", v);
}

/* The table as gnuplot data: a header row ("layer", then XNAME if given,
 * then the implementations), one row per layer (its name, x[row] if XNAME
 * is given, the values). COMMENT, if not NULL, goes first: lines that start
 * with '#', which gnuplot skips. */
static int write_table(const char *path, const results *r, const table *tb, const char *comment,
                       const char *xname, const double *x, char *err, size_t errlen) {
    FILE *f = fopen(path, "w");
    if (!f) return cb_fail(err, errlen, "%s: cannot create: %s", path, strerror(errno));
    if (comment) fputs(comment, f);
    fputs("\"layer\"", f);
    if (xname) {
        fputc(' ', f);
        write_quoted(f, xname);
    }
    for (int c = 0; c < tb->ncols; c++) {
        fputc(' ', f);
        write_quoted(f, r->impls.names[tb->impl[c]]);
    }
    fputc('\n', f);
    for (int row = 0; row < tb->nrows; row++) {
        write_quoted(f, r->layers.names[tb->layer[row]]);
        if (xname) write_number(f, x[row]);
        for (int c = 0; c < tb->ncols; c++) {
            write_number(f, tb->value[row * tb->ncols + c]);
        }
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) return cb_fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* ------------------------------------------------------------- gnuplot */



/* ------------------------------------------------------------- charts */

/* The config's name from "DIR/<config>-<timestamp>": the timestamp is the
 * shortest '-'-led tail of digits and -T_:. holding at least 12 digits
 * (date and time); without one the whole directory name is used. */
void charts_config_name(const char *dir, char *out, size_t outlen) {
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    size_t start = len;
    while (start > 0 && dir[start - 1] != '/') start--;
    size_t cut = len, digits = 0;
    for (size_t k = len; k-- > start;) {
        char c = dir[k];
        if (c >= '0' && c <= '9') digits++;
        else if (!strchr("-T_:.", c)) break;
        if (c == '-' && digits >= 12) {
            cut = k;
            break;
        }
    }
    snprintf(out, outlen, "%.*s", (int)(cut - start), dir + start);
}

typedef struct chart_job {
    const char *dir, *plots_dir, *gnuplot, *config, *subtitle;
} chart_job;

/* The thread count as it appears in file names: letters and digits only. */
static void thread_file_name(const results *r, int threads, char *out, size_t outlen) {
    size_t n = 0;
    for (const char *c = r->threads.names[threads]; *c && n + 1 < outlen; c++)
        out[n++] = isalnum((unsigned char)*c) ? *c : '_';
    out[n] = '\0';
}

/* "<config>: <what>, <N> thread(s)". */
static void thread_title(const chart_job *job, const results *r, int threads, const char *what,
                         char *out, size_t outlen) {
    const char *tcount = r->threads.names[threads];
    snprintf(out, outlen, "%s: %s, %s thread%s", job->config, what, tcount, strcmp(tcount, "1") ? "s" : "");
}

/* The linetype of each column: position in the whole CSV, so an
 * implementation keeps its colour (and marker) across charts even when some
 * chart lacks a column. */
static void linetypes_of(const int *impl, int n, char *out, size_t outlen) {
    out[0] = '\0';
    for (int c = 0; c < n; c++) {
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, c ? " %d" : "%d", impl[c] + 1);
    }
}

/* Appends NAME=VALUE; (a number) to buf. */
static void append_number_var(char *buf, size_t len, const char *name, double value) {
    size_t used = strlen(buf);
    if (used < len) snprintf(buf + used, len - used, "%s=%.10g; ", name, value);
}

/* Write DIR/<stem>_t<threads>.dat from tb and draw DIR/<stem>_t<threads>.png
 * with PLOTS_DIR/<stem>.gp. */
static int draw(const chart_job *job, const results *r, const table *tb, const char *stem,
                const char *what, double reference, int threads, char *err, size_t errlen) {
    char tname[32];
    thread_file_name(r, threads, tname, sizeof tname);
    char datafile[4096], outfile[4096], script[4096];
    snprintf(datafile, sizeof datafile, "%s/%s_t%s.dat", job->dir, stem, tname);
    snprintf(outfile, sizeof outfile, "%s/%s_t%s.png", job->dir, stem, tname);
    snprintf(script, sizeof script, "%s/%s.gp", job->plots_dir, stem);
    if (write_table(datafile, r, tb, NULL, NULL, NULL, err, errlen)) return -1;

    char title[512], linetypes[2048];
    thread_title(job, r, threads, what, title, sizeof title);
    linetypes_of(tb->impl, tb->ncols, linetypes, sizeof linetypes);
    /* Wide enough for every cluster of bars to stay readable, plus the key. */
    int width = 300 + tb->nrows * (tb->ncols * 14 + 24);
    width = width < 1000 ? 1000 : width > 16000 ? 16000 : width;

    /* Whole decades around the values (and the reference line, if any), with
     * room below the lowest: bars rise from the bottom of a log axis, so a
     * value sitting on it would draw no bar at all. */
    double lo = isnan(reference) ? INFINITY : reference, hi = isnan(reference) ? 0 : reference;
    for (int k = 0; k < tb->nrows * tb->ncols; k++)
        if (!isnan(tb->value[k])) {
            lo = fmin(lo, tb->value[k]);
            hi = fmax(hi, tb->value[k]);
        }
    const double ymin = pow(10, floor(log10(lo / 1.5))), ymax = pow(10, ceil(log10(hi * 1.2)));

    char assignments[16384] = "";
    gnuplot_var_string(assignments, sizeof assignments, "datafile", datafile);
    gnuplot_var_string(assignments, sizeof assignments, "outfile", outfile);
    gnuplot_var_string(assignments, sizeof assignments, "title", title);
    gnuplot_var_string(assignments, sizeof assignments, "subtitle", job->subtitle);
    gnuplot_var_string(assignments, sizeof assignments, "linetypes", linetypes);
    size_t used = strlen(assignments);
    snprintf(assignments + used, sizeof assignments - used, "width=%d; height=700; ymin=%g; ymax=%g",
             width, ymin, ymax);
    return gnuplot_run(job->gnuplot, assignments, script, err, errlen);
}

static int index_of(const name_list *l, const char *name) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->names[i], name)) return i;
    return -1;
}

/* Drop implementations with no value at all: gnuplot's open-ended
 * "plot for [i=2:*]" stops at the first column without data. Returns
 * whether anything is left to draw. */
static bool drop_empty_columns(table *tb) {
    int kept = 0;
    for (int c = 0; c < tb->ncols; c++) {
        bool any = false;
        for (int row = 0; row < tb->nrows; row++) any |= !isnan(tb->value[row * tb->ncols + c]);
        if (!any) continue;
        for (int row = 0; row < tb->nrows; row++) /* in place: kept <= c, rows in order */
            tb->value[row * tb->ncols + kept] = tb->value[row * tb->ncols + c];
        tb->impl[kept++] = tb->impl[c];
    }
    /* Repack rows from stride ncols to stride kept. */
    for (int row = 0; row < tb->nrows; row++)
        for (int c = 0; c < kept; c++) tb->value[row * kept + c] = tb->value[row * tb->ncols + c];
    tb->ncols = kept;
    return kept > 0;
}

/* ------------------------------------------------------------ roofline */

/* DIR/peak.txt as harness/peak.c writes it: "fma ISA THREADS GFLOPS NACC"
 * and "triad THREADS GBS" lines; anything else is skipped. */
typedef struct fma_roof {
    char isa[32];
    int threads;
    double gflops;
} fma_roof;

typedef struct triad_roof {
    int threads;
    double gbs;
} triad_roof;

typedef struct peaks {
    bool found;        /* the file could be opened */
    fma_roof *fma;
    triad_roof *triad;
    int nfma, fma_cap, ntriad, triad_cap;
} peaks;

static void peaks_free(peaks *p) {
    free(p->fma);
    free(p->triad);
    memset(p, 0, sizeof *p);
}

/* Reads DIR/peak.txt into p; a file that cannot be opened is no error
 * (p->found false: the roofline is drawn without roofs). */
static int peaks_read(const char *dir, peaks *p, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    char path[4096];
    snprintf(path, sizeof path, "%s/peak.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    p->found = true;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char isa[32];
        int threads, nacc;
        double v;
        if (sscanf(line, "fma %31s %d %lf %d", isa, &threads, &v, &nacc) == 4 && threads > 0 &&
            isfinite(v) && v > 0) {
            fma_roof *fma = grow(p->fma, &p->fma_cap, p->nfma + 1, sizeof *fma);
            if (!fma) goto out_of_memory;
            p->fma = fma;
            p->fma[p->nfma] = (fma_roof){.threads = threads, .gflops = v};
            snprintf(p->fma[p->nfma++].isa, sizeof p->fma[0].isa, "%s", isa);
        } else if (sscanf(line, "triad %d %lf", &threads, &v) == 2 && threads > 0 && isfinite(v) && v > 0) {
            triad_roof *triad = grow(p->triad, &p->triad_cap, p->ntriad + 1, sizeof *triad);
            if (!triad) goto out_of_memory;
            p->triad = triad;
            p->triad[p->ntriad++] = (triad_roof){threads, v};
        }
    }
    fclose(f);
    return 0;
out_of_memory:
    fclose(f);
    peaks_free(p);
    return cb_fail(err, errlen, "%s: out of memory", path);
}

/* A positive thread count from its CSV spelling, or 0. */
static int thread_number(const results *r, int threads) {
    char *end;
    long n = strtol(r->threads.names[threads], &end, 10);
    return end != r->threads.names[threads] && *end == '\0' && n > 0 && n < 1000000 ? (int)n : 0;
}

/* A GFLOP/s or GB/s figure for a label: three significant digits, no exponent. */
static void format_rate(double v, char *out, size_t outlen) {
    snprintf(out, outlen, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
}

static int by_gflops_descending(const void *a, const void *b) {
    const double x = ((const fma_roof *)a)->gflops, y = ((const fma_roof *)b)->gflops;
    return (x < y) - (x > y);
}

/* Peaks within this fraction of the highest share its solid roof (and
 * label) rather than drawing a dashed line on top of it. */
#define ROOF_SAME 0.97
#define MAX_ROOFS 16

/* DIR/roofline_t<threads>.{dat,png}: every ok row's GFLOP/s at its layer's
 * intensity, under the roofs of peak.txt at this thread count (if any). */
static int draw_roofline(const chart_job *job, const results *r, const peaks *pk, int threads,
                         char *err, size_t errlen) {
    if (!r->has_intensity) return 0;
    table tb = {0};
    double *x = malloc(sizeof(double) * (size_t)(r->layers.n + 1));
    if (!x || !table_shape(r, threads, -1, &tb)) {
        free(x);
        table_free(&tb);
        return cb_fail(err, errlen, "out of memory");
    }
    /* Layers without a known intensity have no place on the x axis. */
    int kept = 0;
    for (int row = 0; row < tb.nrows; row++) {
        double in = NAN;
        for (int k = 0; k < r->nrows && isnan(in); k++)
            if (r->rows[k].layer == tb.layer[row]) in = r->rows[k].intensity;
        if (isnan(in)) continue;
        x[kept] = in;
        tb.layer[kept++] = tb.layer[row];
    }
    tb.nrows = kept;
    fill_cells(&tb, r, threads, gflops_of, -1);
    if (!drop_empty_columns(&tb)) {
        free(x);
        table_free(&tb);
        return 0;
    }

    /* The roofs at this thread count: FMA peaks highest first, one per ISA
     * (its best line); triad bandwidth (the last line for the count). */
    const int tnum = thread_number(r, threads);
    fma_roof roofs[MAX_ROOFS];
    int nroofs = 0;
    for (int k = 0; k < pk->nfma; k++) {
        if (pk->fma[k].threads != tnum) continue;
        int j = 0;
        while (j < nroofs && strcmp(roofs[j].isa, pk->fma[k].isa)) j++;
        if (j < nroofs) roofs[j].gflops = fmax(roofs[j].gflops, pk->fma[k].gflops);
        else if (nroofs < MAX_ROOFS) roofs[nroofs++] = pk->fma[k];
    }
    qsort(roofs, (size_t)nroofs, sizeof roofs[0], by_gflops_descending);
    double bw = 0;
    for (int k = 0; k < pk->ntriad; k++)
        if (pk->triad[k].threads == tnum) bw = pk->triad[k].gbs;

    char tname[32], datafile[4096], outfile[4096], script[4096];
    thread_file_name(r, threads, tname, sizeof tname);
    snprintf(datafile, sizeof datafile, "%s/roofline_t%s.dat", job->dir, tname);
    snprintf(outfile, sizeof outfile, "%s/roofline_t%s.png", job->dir, tname);
    snprintf(script, sizeof script, "%s/roofline.gp", job->plots_dir);

    char assignments[16384] = "", comment[4096] = "", rate[32];
    size_t used = (size_t)snprintf(comment, sizeof comment,
                                   "# roofline at %s thread(s): GFLOP/s of the status=ok rows at each layer's\n"
                                   "# arithmetic intensity (flops per byte of compulsory traffic); NaN: no valid result.\n",
                                   r->threads.names[threads]);
    /* The solid roof, labelled with its ISA and any other ISA that reaches
     * about the same peak; the lower peaks dashed, each with its own label. */
    char label[512];
    int drawn = 0;
    for (int k = 0; k < nroofs; k++) {
        if (k > 0 && roofs[k].gflops >= ROOF_SAME * roofs[0].gflops) continue;
        format_rate(roofs[k].gflops, rate, sizeof rate);
        snprintf(label, sizeof label, "%.31s FMA peak %.31s GFLOP/s", roofs[k].isa, rate);
        for (int j = 1; k == 0 && j < nroofs; j++)
            if (roofs[j].gflops >= ROOF_SAME * roofs[0].gflops) {
                size_t len = strlen(label);
                format_rate(roofs[j].gflops, rate, sizeof rate);
                snprintf(label + len, sizeof label - len, "%s%s %s", strstr(label, " (") ? ", " : " (",
                         roofs[j].isa, rate);
            }
        if (k == 0 && strstr(label, " (")) strncat(label, ")", sizeof label - strlen(label) - 1);
        char name[32];
        snprintf(name, sizeof name, "roof%d", ++drawn);
        append_number_var(assignments, sizeof assignments, name, roofs[k].gflops);
        snprintf(name, sizeof name, "roof%d_label", drawn);
        gnuplot_var_string(assignments, sizeof assignments, name, label);
    }
    for (int k = 0; k < nroofs; k++)
        if (used < sizeof comment)
            used += (size_t)snprintf(comment + used, sizeof comment - used, "# roof: fma %s %.6g GFLOP/s\n",
                                     roofs[k].isa, roofs[k].gflops);
    if (bw > 0 && used < sizeof comment)
        used += (size_t)snprintf(comment + used, sizeof comment - used, "# roof: triad %.6g GB/s\n", bw);
    append_number_var(assignments, sizeof assignments, "nroofs", drawn);
    if (bw > 0) {
        format_rate(bw, rate, sizeof rate);
        snprintf(label, sizeof label, "memory %s GB/s", rate);
        append_number_var(assignments, sizeof assignments, "bw", bw);
        gnuplot_var_string(assignments, sizeof assignments, "bw_label", label);
    }

    /* Why a point can sit above its roof, and why a roof may be missing. */
    char footnote[1024] = "";
    if (!pk->found)
        snprintf(footnote, sizeof footnote, "No roofs: the run directory has no peak.txt.");
    else if (!drawn && bw <= 0)
        snprintf(footnote, sizeof footnote, "No roofs: peak.txt has none at %s thread(s).",
                 r->threads.names[threads]);
    else
        snprintf(footnote, sizeof footnote,
                 "Above the roof: oneDNN skips the zero-padding taps that GFLOP/s counts (padded layers); "
                 "with warm caches a layer that fits in cache can beat the memory roof.");

    int rc = write_table(datafile, r, &tb, comment, "intensity", x, err, errlen);
    if (rc == 0) {
        char title[512], linetypes[2048];
        thread_title(job, r, threads, "roofline", title, sizeof title);
        linetypes_of(tb.impl, tb.ncols, linetypes, sizeof linetypes);
        gnuplot_var_string(assignments, sizeof assignments, "datafile", datafile);
        gnuplot_var_string(assignments, sizeof assignments, "outfile", outfile);
        gnuplot_var_string(assignments, sizeof assignments, "title", title);
        gnuplot_var_string(assignments, sizeof assignments, "subtitle", job->subtitle);
        gnuplot_var_string(assignments, sizeof assignments, "footnote", footnote);
        gnuplot_var_string(assignments, sizeof assignments, "linetypes", linetypes);
        rc = gnuplot_run(job->gnuplot, assignments, script, err, errlen);
    }
    free(x);
    table_free(&tb);
    return rc;
}

/* ------------------------------------------------------------- scaling */

/* Speedup of impl at thread count t over the base count: the geometric mean,
 * over the layers with ok rows at both, of base median / t median; NaN when
 * no layer has both. *nlayers gets the count. */
static double scaling_speedup(const results *r, int impl, int base, int t, int *nlayers) {
    double log_sum = 0;
    int n = 0;
    for (int l = 0; l < r->layers.n; l++) {
        const result *a = find_ok(r, l, impl, base), *b = find_ok(r, l, impl, t);
        if (!a || !b || isnan(a->median_ms) || isnan(b->median_ms)) continue;
        log_sum += log(a->median_ms / b->median_ms);
        n++;
    }
    *nlayers = n;
    return n ? exp(log_sum / n) : NAN;
}

/* DIR/scaling.{dat,png}: per implementation with rows at two or more thread
 * counts, its speedup over its own time at the run's lowest thread count
 * (geometric mean over layers), at each thread count; and
 * DIR/scaling_layers.dat, the same per layer. Only for runs with more than
 * one thread count. */
static int draw_scaling(const chart_job *job, const results *r, char *err, size_t errlen) {
    /* The thread counts, numerically ascending; unparsable ones left out. */
    int *order = malloc(sizeof(int) * (size_t)(r->threads.n + 1)), nt = 0;
    if (!order) return cb_fail(err, errlen, "out of memory");
    for (int t = 0; t < r->threads.n; t++) {
        if (!thread_number(r, t)) continue;
        int k = nt++;
        for (; k > 0 && thread_number(r, order[k - 1]) > thread_number(r, t); k--) order[k] = order[k - 1];
        order[k] = t;
    }
    if (nt < 2) {
        free(order);
        return 0;
    }
    const int base = order[0], base_n = thread_number(r, base);

    /* value[t * nimpl + c]: speedup at order[t] of impl[c]. */
    int *impl = malloc(sizeof(int) * (size_t)(r->impls.n + 1));
    double *value = malloc(sizeof(double) * (size_t)(nt * r->impls.n + 1));
    int *layers_used = malloc(sizeof(int) * (size_t)(nt * r->impls.n + 1));
    if (!impl || !value || !layers_used) {
        free(order), free(impl), free(value), free(layers_used);
        return cb_fail(err, errlen, "out of memory");
    }
    int nimpl = 0;
    for (int i = 0; i < r->impls.n; i++) {
        bool any = false;
        for (int t = 1; t < nt; t++) {
            value[t * r->impls.n + nimpl] = scaling_speedup(r, i, base, order[t], &layers_used[t * r->impls.n + nimpl]);
            any |= !isnan(value[t * r->impls.n + nimpl]);
        }
        if (!any) continue;
        value[nimpl] = 1.0;
        layers_used[nimpl] = 0;
        impl[nimpl++] = i;
    }
    int rc = 0;
    if (nimpl == 0) goto done;

    char datafile[4096], layerfile[4096], outfile[4096], script[4096];
    snprintf(datafile, sizeof datafile, "%s/scaling.dat", job->dir);
    snprintf(layerfile, sizeof layerfile, "%s/scaling_layers.dat", job->dir);
    snprintf(outfile, sizeof outfile, "%s/scaling.png", job->dir);
    snprintf(script, sizeof script, "%s/scaling.gp", job->plots_dir);

    /* The geometric means, with the number of layers behind each. */
    FILE *f = fopen(datafile, "w");
    if (!f) {
        rc = cb_fail(err, errlen, "%s: cannot create: %s", datafile, strerror(errno));
        goto done;
    }
    fprintf(f, "# speedup over the same implementation's median time at %d thread%s: geometric mean over\n"
               "# the layers with status=ok rows at both thread counts; NaN: no such layer.\n"
               "# layers behind each value:",
            base_n, base_n == 1 ? "" : "s");
    for (int c = 0; c < nimpl; c++) {
        fprintf(f, "%s %s", c ? "," : "", r->impls.names[impl[c]]);
        for (int t = 1; t < nt; t++)
            fprintf(f, " %d", layers_used[t * r->impls.n + c]);
    }
    fputs(" (at each thread count after the first)\n\"threads\"", f);
    for (int c = 0; c < nimpl; c++) {
        fputc(' ', f);
        write_quoted(f, r->impls.names[impl[c]]);
    }
    fputc('\n', f);
    for (int t = 0; t < nt; t++) {
        fprintf(f, "%d", thread_number(r, order[t]));
        for (int c = 0; c < nimpl; c++) write_number(f, value[t * r->impls.n + c]);
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) {
        rc = cb_fail(err, errlen, "%s: cannot write: %s", datafile, strerror(errno));
        goto done;
    }

    /* Per layer: base median / median at each higher thread count. */
    f = fopen(layerfile, "w");
    if (!f) {
        rc = cb_fail(err, errlen, "%s: cannot create: %s", layerfile, strerror(errno));
        goto done;
    }
    fprintf(f, "# per layer: median time at %d thread%s / median time at \"threads\", same implementation;\n"
               "# NaN: no status=ok row at one of the two. scaling.dat holds the geometric means.\n\"layer\" \"threads\"",
            base_n, base_n == 1 ? "" : "s");
    for (int c = 0; c < nimpl; c++) {
        fputc(' ', f);
        write_quoted(f, r->impls.names[impl[c]]);
    }
    fputc('\n', f);
    for (int l = 0; l < r->layers.n; l++)
        for (int t = 1; t < nt; t++) {
            write_quoted(f, r->layers.names[l]);
            fprintf(f, " %d", thread_number(r, order[t]));
            for (int c = 0; c < nimpl; c++) {
                const result *a = find_ok(r, l, impl[c], base), *b = find_ok(r, l, impl[c], order[t]);
                write_number(f, a && b ? a->median_ms / b->median_ms : NAN);
            }
            fputc('\n', f);
        }
    if (ferror(f) | fclose(f)) {
        rc = cb_fail(err, errlen, "%s: cannot write: %s", layerfile, strerror(errno));
        goto done;
    }

    char title[512], linetypes[2048], assignments[16384] = "";
    snprintf(title, sizeof title, "%s: thread scaling, speedup over %d thread%s (geometric mean over layers)",
             job->config, base_n, base_n == 1 ? "" : "s");
    linetypes_of(impl, nimpl, linetypes, sizeof linetypes);
    gnuplot_var_string(assignments, sizeof assignments, "datafile", datafile);
    gnuplot_var_string(assignments, sizeof assignments, "outfile", outfile);
    gnuplot_var_string(assignments, sizeof assignments, "title", title);
    gnuplot_var_string(assignments, sizeof assignments, "subtitle", job->subtitle);
    gnuplot_var_string(assignments, sizeof assignments, "linetypes", linetypes);
    append_number_var(assignments, sizeof assignments, "base", base_n);
    rc = gnuplot_run(job->gnuplot, assignments, script, err, errlen);
done:
    free(order);
    free(impl);
    free(value);
    free(layers_used);
    return rc;
}

/* ------------------------------------------------------------- tuning */

/* The harness's per-layer pseudo-implementation: a copy of the fastest
 * implementation's row (tuned_vs_default included), so a bar of its own
 * would only repeat another. */
#define BEST_ROW "best"

/* DIR/tuning_t<threads>.{dat,png}: per layer and implementation with an ok
 * row at this thread count that has a tuned_vs_default value (the default
 * parameters' median / the tuned ones', timed in the same run), that value.
 * Layers and implementations without one are left out; nothing at all: no
 * chart. */
static int draw_tuning(const chart_job *job, const results *r, int threads, char *err, size_t errlen) {
    if (!r->has_tuned) return 0;
    table tb;
    if (!table_shape(r, threads, index_of(&r->impls, BEST_ROW), &tb)) {
        table_free(&tb);
        return cb_fail(err, errlen, "out of memory");
    }
    fill_cells(&tb, r, threads, tuned_of, -1);
    /* No cluster for a layer without a tuned row. */
    int kept = 0;
    for (int row = 0; row < tb.nrows; row++) {
        bool any = false;
        for (int c = 0; c < tb.ncols; c++) any |= !isnan(tb.value[row * tb.ncols + c]);
        if (!any) continue;
        memmove(&tb.value[kept * tb.ncols], &tb.value[row * tb.ncols], sizeof(double) * (size_t)tb.ncols);
        tb.layer[kept++] = tb.layer[row];
    }
    tb.nrows = kept;
    if (!drop_empty_columns(&tb)) {
        table_free(&tb);
        return 0;
    }

    /* The leading comments: what the numbers are, and the parameters each
     * tuned row ran with. */
    char *comment = NULL;
    size_t comment_len = 0;
    FILE *c = open_memstream(&comment, &comment_len);
    if (!c) {
        table_free(&tb);
        return cb_fail(err, errlen, "out of memory");
    }
    fprintf(c, "# tuned / default speed at %s thread(s): results.csv's tuned_vs_default, the default parameters'\n"
               "# median time / the tuned parameters', both timed in this run; 1: the search found nothing\n"
               "# faster and the defaults were kept. NaN: the row was not tuned (or is not ok).\n",
            r->threads.names[threads]);
    for (int row = 0; row < tb.nrows; row++)
        for (int col = 0; col < tb.ncols; col++) {
            const result *res = find_ok(r, tb.layer[row], tb.impl[col], threads);
            if (res && !isnan(res->tuned) && res->params[0])
                fprintf(c, "# params: %s / %s: %s\n", r->layers.names[tb.layer[row]],
                        r->impls.names[tb.impl[col]], res->params);
        }
    const bool comment_failed = ferror(c) != 0;
    if (fclose(c) || comment_failed) {
        free(comment);
        table_free(&tb);
        return cb_fail(err, errlen, "out of memory");
    }
    for (char *p = comment; *p; p++) /* a name's line break would end the comment */
        if (*p == '\r' || (*p == '\n' && p[1] && p[1] != '#')) *p = ' ';

    char tname[32], datafile[4096], outfile[4096], script[4096];
    thread_file_name(r, threads, tname, sizeof tname);
    snprintf(datafile, sizeof datafile, "%s/tuning_t%s.dat", job->dir, tname);
    snprintf(outfile, sizeof outfile, "%s/tuning_t%s.png", job->dir, tname);
    snprintf(script, sizeof script, "%s/tuning.gp", job->plots_dir);
    int rc = write_table(datafile, r, &tb, comment, NULL, NULL, err, errlen);
    free(comment);
    if (rc == 0) {
        char title[512], linetypes[2048], assignments[16384] = "";
        thread_title(job, r, threads, "tuned vs default parameters", title, sizeof title);
        linetypes_of(tb.impl, tb.ncols, linetypes, sizeof linetypes);
        /* Wide enough for a labelled bar per implementation, plus the key. */
        int width = 350 + tb.nrows * (tb.ncols * 22 + 30);
        width = width < 1000 ? 1000 : width > 16000 ? 16000 : width;
        gnuplot_var_string(assignments, sizeof assignments, "datafile", datafile);
        gnuplot_var_string(assignments, sizeof assignments, "outfile", outfile);
        gnuplot_var_string(assignments, sizeof assignments, "title", title);
        gnuplot_var_string(assignments, sizeof assignments, "subtitle", job->subtitle);
        gnuplot_var_string(assignments, sizeof assignments, "linetypes", linetypes);
        append_number_var(assignments, sizeof assignments, "width", width);
        append_number_var(assignments, sizeof assignments, "height", 700);
        rc = gnuplot_run(job->gnuplot, assignments, script, err, errlen);
    }
    table_free(&tb);
    return rc;
}

/* ------------------------------------------------------------- heatmap */

/* DIR/tuning.csv as harness/bench.c writes it: "layer,impl,threads,params,
 * status,ms", one line per candidate the autotuner timed; params
 * "name=value;name=value..."; status ok or rejected (failed validation, ms
 * empty). */
#define MAX_TUNED_PARAMS 16
#define MIN_HEATMAP_CELLS 4

typedef struct candidate {
    int group;
    bool ok;                       /* validated and timed */
    double ms;                     /* ok: the candidate's median time */
    double v[MAX_TUNED_PARAMS];    /* the group's parameters, in its order */
} candidate;

/* The candidates of one (layer, impl, threads). */
typedef struct tuning_group {
    const char *layer, *impl, *threads;
    const char *names[MAX_TUNED_PARAMS];
    int nparams, nok, nrejected;
} tuning_group;

/* One cell of the heat map: the fastest ok candidate with its two values. */
typedef struct heat_cell {
    double x, y, xpos, ypos;
    double ms;                     /* the fastest ok candidate's; NaN: none ok */
    int best;                      /* index of that candidate (or of the first rejected one) */
    int nok, nrejected;
} heat_cell;

/* "a=1;b=2" split in place into names and values; the count, or -1 when
 * it is not that form (or has more than max parameters). */
static int parse_params(char *s, const char **names, double *v, int max) {
    int n = 0;
    while (*s) {
        char *end = strchr(s, ';'), *eq = strchr(s, '=');
        if (end) *end = '\0';
        if (!eq || eq == s || n == max) return -1;
        *eq = '\0';
        char *num_end;
        v[n] = strtod(eq + 1, &num_end);
        if (num_end == eq + 1 || *num_end || !isfinite(v[n])) return -1;
        names[n++] = s;
        if (!end) break;
        s = end + 1;
    }
    return n;
}

static int compare_doubles(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* values sorted in place; the number of distinct ones. */
static int distinct(double *values, int n) {
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    int d = 0;
    for (int k = 0; k < n; k++) d += k == 0 || values[k] != values[k - 1];
    return d;
}

static bool power_of_two(double v) { return v >= 1 && v == ldexp(1.0, (int)lround(log2(v))); }

/* Positions along one axis for the cells' values: log2 when every value is
 * a power of two (a cell per power), the value itself when they are
 * integers spanning at most 48 (a cell per integer), else the rank among
 * the distinct values. Returns the kind, for the .dat's comments. */
static const char *axis_positions(heat_cell *cells, int ncells, bool y, double *scratch) {
    bool pow2 = true, small_ints = true;
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < ncells; k++) {
        const double v = y ? cells[k].y : cells[k].x;
        pow2 &= power_of_two(v);
        small_ints &= v == floor(v);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        scratch[k] = v;
    }
    small_ints &= hi - lo <= 48;
    distinct(scratch, ncells); /* sorted, for the ranks */
    for (int k = 0; k < ncells; k++) {
        const double v = y ? cells[k].y : cells[k].x;
        double pos;
        if (pow2) pos = log2(v);
        else if (small_ints) pos = v;
        else {
            int rank = 0;
            for (int j = 0; j < ncells && scratch[j] < v; j++) rank += j == 0 || scratch[j] != scratch[j - 1];
            pos = rank;
        }
        if (y) cells[k].ypos = pos;
        else cells[k].xpos = pos;
    }
    return pow2 ? "log2 (position = log2 of the value)" : small_ints ? "linear (position = the value)"
                                                                   : "by rank (position = rank of the value)";
}

static int by_row_then_column(const void *a, const void *b) {
    const heat_cell *p = a, *q = b;
    return p->ypos != q->ypos ? (p->ypos > q->ypos) - (p->ypos < q->ypos) : (p->xpos > q->xpos) - (p->xpos < q->xpos);
}

/* "name=value;..." of candidate k of group g. */
static void format_candidate(const tuning_group *g, const candidate *cand, char *out, size_t outlen) {
    out[0] = '\0';
    for (int i = 0; i < g->nparams; i++) {
        size_t used = strlen(out);
        if (used < outlen) snprintf(out + used, outlen - used, "%s%s=%.10g", i ? ";" : "", g->names[i], cand->v[i]);
    }
}

/* The layer's flop count from any ok row of results.csv (every
 * implementation does the same flops): GFLOP/s x ms x 1e6; NaN if none. */
static double layer_flops(const results *r, const char *layer) {
    const int l = index_of(&r->layers, layer);
    for (int k = 0; l >= 0 && k < r->nrows; k++)
        if (r->rows[k].layer == l && !isnan(r->rows[k].gflops) && !isnan(r->rows[k].median_ms))
            return r->rows[k].gflops * r->rows[k].median_ms * 1e6;
    return NAN;
}

/* Cells of group g over parameters px (x) and py (y): its candidates
 * binned by those two values, each cell its fastest ok one. Returns the
 * number of cells (cells has room for every candidate); *nok_cells those
 * with an ok candidate. */
static int bin_cells(const candidate *cands, int ncands, int g, int px, int py, heat_cell *cells,
                     int *nok_cells) {
    int n = 0;
    *nok_cells = 0;
    for (int k = 0; k < ncands; k++) {
        const candidate *cd = &cands[k];
        if (cd->group != g) continue;
        int j = 0;
        while (j < n && (cells[j].x != cd->v[px] || cells[j].y != cd->v[py])) j++;
        if (j == n) cells[n++] = (heat_cell){.x = cd->v[px], .y = cd->v[py], .ms = NAN, .best = k};
        heat_cell *hc = &cells[j];
        if (!cd->ok) {
            hc->nrejected++;
            continue;
        }
        if (hc->nok++ == 0) ++*nok_cells;
        if (isnan(hc->ms) || cd->ms < hc->ms) hc->ms = cd->ms, hc->best = k;
    }
    return n;
}

/* DIR/heatmap.{dat,png} from DIR/tuning.csv: the (layer, impl, threads)
 * with the most ok candidates among implementations with two parameters or
 * more, over the two parameters whose values vary most among its ok
 * candidates (others free: a cell is its fastest candidate); in per cent of
 * the fastest candidate. Without tuning.csv, or with fewer than
 * MIN_HEATMAP_CELLS cells to show for every group: no chart. */
static int draw_heatmap(const chart_job *job, const results *r, char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tuning.csv", job->dir);
    if (access(path, F_OK) != 0) return 0;
    rtab t;
    /* Lines cut short by an interrupted run are left out. */
    if (rtab_read_skipping(path, &t, NULL, err, errlen)) return -1;
    int rc = 0;
    candidate *cands = NULL;
    tuning_group *groups = NULL;
    heat_cell *cells = NULL;
    double *scratch = NULL;
    int *order = NULL;
    if (t.nrows < 2) goto done; /* a header alone */
    enum { LAYER, IMPL, THREADS, PARAMS, STATUS, MS, NCOLS };
    static const char *names[NCOLS] = {"layer", "impl", "threads", "params", "status", "ms"};
    int col[NCOLS];
    for (int i = 0; i < NCOLS; i++)
        if ((col[i] = rtab_col(&t, names[i])) < 0) {
            rc = cb_fail(err, errlen, "%s: no '%s' column in the header; is this a convbench tuning.csv?", path,
                         names[i]);
            goto done;
        }
    cands = malloc(sizeof *cands * (size_t)t.nrows);
    groups = malloc(sizeof *groups * (size_t)t.nrows);
    cells = malloc(sizeof *cells * (size_t)t.nrows);
    scratch = malloc(sizeof *scratch * (size_t)t.nrows);
    order = malloc(sizeof *order * (size_t)t.nrows);
    if (!cands || !groups || !cells || !scratch || !order) {
        rc = cb_fail(err, errlen, "%s: out of memory", path);
        goto done;
    }

    /* The candidates, grouped; a line cut short by an interrupted run, or
     * whose parameters differ from its group's first, is skipped. */
    int ncands = 0, ngroups = 0;
    for (int row = 1; row < t.nrows; row++) {
        const char *layer = rtab_get(&t, row, col[LAYER]), *impl = rtab_get(&t, row, col[IMPL]),
                   *threads = rtab_get(&t, row, col[THREADS]);
        const char *pnames[MAX_TUNED_PARAMS];
        candidate cd = {.ok = !strcmp(rtab_get(&t, row, col[STATUS]), "ok")};
        const int np = parse_params(t.field[row * t.ncols + col[PARAMS]], pnames, cd.v, MAX_TUNED_PARAMS);
        if (np < 1) continue;
        cd.ms = cd.ok ? positive_number(rtab_get(&t, row, col[MS])) : NAN;
        if (cd.ok && isnan(cd.ms)) continue;
        int g = 0;
        while (g < ngroups && (strcmp(groups[g].layer, layer) || strcmp(groups[g].impl, impl) ||
                               strcmp(groups[g].threads, threads)))
            g++;
        if (g == ngroups) {
            groups[ngroups++] = (tuning_group){.layer = layer, .impl = impl, .threads = threads, .nparams = np};
            memcpy(groups[g].names, pnames, sizeof pnames[0] * (size_t)np);
        }
        bool same = np == groups[g].nparams;
        for (int i = 0; same && i < np; i++) same = !strcmp(pnames[i], groups[g].names[i]);
        if (!same) continue;
        cd.group = g;
        cands[ncands++] = cd;
        if (cd.ok) groups[g].nok++;
        else groups[g].nrejected++;
    }

    /* Groups by ok candidates, most first (ties: first in the file); the
     * first that yields enough cells is drawn. */
    for (int g = 0; g < ngroups; g++) {
        int k = g;
        for (; k > 0 && groups[order[k - 1]].nok < groups[g].nok; k--) order[k] = order[k - 1];
        order[k] = g;
    }
    int chosen = -1, px = -1, py = -1, ncells = 0, ndistinct[MAX_TUNED_PARAMS];
    for (int o = 0; o < ngroups && chosen < 0; o++) {
        const int g = order[o];
        if (groups[g].nparams < 2 || groups[g].nok < MIN_HEATMAP_CELLS) continue;
        /* The two parameters with the most distinct values (ties: the
         * first declared); each must take two values at least. */
        int best1 = -1, best2 = -1;
        for (int i = 0; i < groups[g].nparams; i++) {
            int n = 0;
            for (int k = 0; k < ncands; k++)
                if (cands[k].group == g && cands[k].ok) scratch[n++] = cands[k].v[i];
            ndistinct[i] = distinct(scratch, n);
            if (best1 < 0 || ndistinct[i] > ndistinct[best1]) best2 = best1, best1 = i;
            else if (best2 < 0 || ndistinct[i] > ndistinct[best2]) best2 = i;
        }
        if (best2 < 0 || ndistinct[best2] < 2) continue;
        int nok_cells;
        ncells = bin_cells(cands, ncands, g, best1, best2, cells, &nok_cells);
        if (nok_cells < MIN_HEATMAP_CELLS) continue;
        chosen = g, px = best1, py = best2;
    }
    if (chosen < 0) goto done;
    const tuning_group *g = &groups[chosen];

    const char *xaxis = axis_positions(cells, ncells, false, scratch);
    const char *yaxis = axis_positions(cells, ncells, true, scratch);
    qsort(cells, (size_t)ncells, sizeof *cells, by_row_then_column);
    double best_ms = INFINITY, xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    int best_cand = -1;
    for (int k = 0; k < ncells; k++) {
        if (cells[k].ms < best_ms) best_ms = cells[k].ms, best_cand = cells[k].best;
        xlo = fmin(xlo, cells[k].xpos), xhi = fmax(xhi, cells[k].xpos);
        ylo = fmin(ylo, cells[k].ypos), yhi = fmax(yhi, cells[k].ypos);
    }
    const double flops = layer_flops(r, g->layer);

    /* The other parameters: free (several values, the best taken) or
     * fixed (one value among the ok candidates). */
    char free_list[512] = "", fixed_list[512] = "", best_params[512];
    for (int i = 0; i < g->nparams; i++) {
        if (i == px || i == py) continue;
        if (ndistinct[i] > 1) {
            size_t used = strlen(free_list);
            snprintf(free_list + used, sizeof free_list - used, "%s%s", used ? ", " : "", g->names[i]);
        } else {
            double v = NAN;
            for (int k = 0; k < ncands && isnan(v); k++)
                if (cands[k].group == chosen && cands[k].ok) v = cands[k].v[i];
            size_t used = strlen(fixed_list);
            snprintf(fixed_list + used, sizeof fixed_list - used, "%s%s=%.10g", used ? ", " : "", g->names[i], v);
        }
    }
    format_candidate(g, &cands[best_cand], best_params, sizeof best_params);

    char datafile[4096], outfile[4096], script[4096];
    snprintf(datafile, sizeof datafile, "%s/heatmap.dat", job->dir);
    snprintf(outfile, sizeof outfile, "%s/heatmap.png", job->dir);
    snprintf(script, sizeof script, "%s/heatmap.gp", job->plots_dir);
    FILE *f = fopen(datafile, "w");
    if (!f) {
        rc = cb_fail(err, errlen, "%s: cannot create: %s", datafile, strerror(errno));
        goto done;
    }
    fputs("# tuning landscape from tuning.csv: layer ", f);
    write_quoted(f, g->layer);
    fprintf(f, ", implementation %s, %s thread(s): %d ok candidates, %d rejected by validation.\n",
            g->impl, g->threads, g->nok, g->nrejected);
    fprintf(f, "# x: %s, %s; y: %s, %s.\n", g->names[px], xaxis, g->names[py], yaxis);
    fprintf(f, "# a cell: the fastest ok candidate with that %s and %s; free (the best over them): %s;"
               " fixed: %s.\n",
            g->names[px], g->names[py], free_list[0] ? free_list : "none", fixed_list[0] ? fixed_list : "none");
    fprintf(f, "# pct_of_best: the fastest candidate's ms / the cell's x 100; gflops: the layer's flops\n"
               "# (results.csv) / ms, NaN without them; ok, rejected: candidates in the cell; NaN\n"
               "# pct_of_best: all rejected. The fastest: %s at %.6g ms.\n",
            best_params, best_ms);
    write_quoted(f, g->names[px]);
    fputc(' ', f);
    write_quoted(f, g->names[py]);
    fputs(" \"xpos\" \"ypos\" \"pct_of_best\" \"gflops\" \"ms\" \"ok\" \"rejected\" \"params\"\n", f);
    for (int k = 0; k < ncells; k++) {
        const heat_cell *hc = &cells[k];
        char params[512];
        format_candidate(g, &cands[hc->best], params, sizeof params);
        fprintf(f, "%.10g %.10g %.10g %.10g", hc->x, hc->y, hc->xpos, hc->ypos);
        write_number(f, best_ms / hc->ms * 100);
        write_number(f, flops / (hc->ms * 1e6));
        write_number(f, hc->ms);
        fprintf(f, " %d %d ", hc->nok, hc->nrejected);
        write_quoted(f, params);
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) {
        rc = cb_fail(err, errlen, "%s: cannot write: %s", datafile, strerror(errno));
        goto done;
    }

    char title[1024], detail[2048], rate[64] = "", assignments[16384] = "";
    const char *tcount = g->threads;
    snprintf(title, sizeof title, "%s: tuning landscape of %s, %s, %s thread%s", job->config, g->layer, g->impl,
             tcount, strcmp(tcount, "1") ? "s" : "");
    if (!isnan(flops)) {
        char gf[32];
        format_rate(flops / (best_ms * 1e6), gf, sizeof gf);
        snprintf(rate, sizeof rate, ", %s GFLOP/s", gf);
    }
    /* "a cell: the fastest candidate over nc (free); fixed: x=1 · 100% = ..." */
    char others[1100];
    if (!free_list[0] && !fixed_list[0]) snprintf(others, sizeof others, "a cell: its candidate (no other parameters)");
    else if (!free_list[0]) snprintf(others, sizeof others, "a cell: its candidate; fixed: %s", fixed_list);
    else
        snprintf(others, sizeof others, "a cell: the fastest candidate over %s (free)%s%s", free_list,
                 fixed_list[0] ? "; fixed: " : "", fixed_list);
    snprintf(detail, sizeof detail, "%s · 100%% = %s, %.3g ms%s", others, best_params, best_ms, rate);
    int width = 330 + (int)(xhi - xlo + 1) * 60, height = 300 + (int)(yhi - ylo + 1) * 50;
    /* and wide enough for the title's second line */
    if (width < 100 + (int)strlen(detail) * 10) width = 100 + (int)strlen(detail) * 10;
    width = width < 1000 ? 1000 : width > 1800 ? 1800 : width;
    height = height < 700 ? 700 : height > 1600 ? 1600 : height;
    gnuplot_var_string(assignments, sizeof assignments, "datafile", datafile);
    gnuplot_var_string(assignments, sizeof assignments, "outfile", outfile);
    gnuplot_var_string(assignments, sizeof assignments, "title", title);
    gnuplot_var_string(assignments, sizeof assignments, "detail", detail);
    gnuplot_var_string(assignments, sizeof assignments, "subtitle", job->subtitle);
    gnuplot_var_string(assignments, sizeof assignments, "xname", g->names[px]);
    gnuplot_var_string(assignments, sizeof assignments, "yname", g->names[py]);
    append_number_var(assignments, sizeof assignments, "width", width);
    append_number_var(assignments, sizeof assignments, "height", height);
    rc = gnuplot_run(job->gnuplot, assignments, script, err, errlen);
done:
    free(cands);
    free(groups);
    free(cells);
    free(scratch);
    free(order);
    rtab_free(&t);
    return rc;
}

/* ------------------------------------------------------------- all */

/* The charts of one thread count; a chart with nothing to show is skipped
 * (gnuplot refuses an empty plot, and an empty chart says nothing). */
static int draw_thread_count(const chart_job *job, const results *r, const peaks *pk, int threads,
                             char *err, size_t errlen) {
    table tb;
    if (!table_shape(r, threads, -1, &tb)) {
        table_free(&tb);
        return cb_fail(err, errlen, "out of memory");
    }
    fill_cells(&tb, r, threads, gflops_of, -1);
    int rc = 0;
    if (drop_empty_columns(&tb))
        rc = draw(job, r, &tb, "gflops", "GFLOP/s per layer", NAN, threads, err, errlen);
    table_free(&tb);
    if (rc == 0) rc = draw_roofline(job, r, pk, threads, err, errlen);

    /* Speedup over naive at the same thread count: naive's median / the implementation's. */
    const int naive = index_of(&r->impls, "naive");
    if (rc == 0) rc = draw_tuning(job, r, threads, err, errlen);
    if (rc || naive < 0) return rc;
    if (!table_shape(r, threads, naive, &tb)) {
        table_free(&tb);
        return cb_fail(err, errlen, "out of memory");
    }
    fill_cells(&tb, r, threads, speedup_of, naive);
    if (drop_empty_columns(&tb))
        rc = draw(job, r, &tb, "speedup", "speedup over naive per layer", 1.0, threads, err, errlen);
    table_free(&tb);
    return rc;
}

int charts_render(const char *dir, const char *plots_dir, const char *gnuplot, char *err,
                  size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    rtab t;
    if (rtab_read(path, &t, err, errlen)) return -1;
    results r;
    int rc = load_results(path, &t, &r, err, errlen);
    peaks pk = {0};
    if (rc == 0) rc = peaks_read(dir, &pk, err, errlen);
    /* The name from the directory itself, not from a link to it (results/latest). */
    char config[256], *real = realpath(dir, NULL);
    charts_config_name(real ? real : dir, config, sizeof config);
    free(real);
    chart_job job = {dir, plots_dir, gnuplot, config, r.subtitle};
    for (int threads = 0; rc == 0 && threads < r.threads.n; threads++)
        rc = draw_thread_count(&job, &r, &pk, threads, err, errlen);
    if (rc == 0) rc = draw_scaling(&job, &r, err, errlen);
    if (rc == 0) rc = draw_heatmap(&job, &r, err, errlen);
    peaks_free(&pk);
    results_free(&r);
    rtab_free(&t);
    return rc;
}
