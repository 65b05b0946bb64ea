/* convbench compare: two runs, row by row. See regress.h. */
#include "regress.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* The harness's per-layer pseudo-implementation: a copy of the fastest
 * implementation's row (bench.c's best_row). */
#define BEST_ROW "best"

/* ================================================================ CSV */

void rtab_free(rtab *t) {
    free(t->text);
    free(t->field);
    free(t->line);
    memset(t, 0, sizeof *t);
}

int rtab_col(const rtab *t, const char *name) {
    for (int c = 0; t->nrows > 0 && c < t->ncols; c++)
        if (!strcmp(t->field[c], name)) return c;
    return -1;
}

const char *rtab_get(const rtab *t, int row, int col) {
    return col < 0 || col >= t->ncols || row < 0 || row >= t->nrows ? "" : t->field[(size_t)row * t->ncols + col];
}

static int read_whole(const char *path, char **out, size_t *outlen, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) return cb_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    size_t len = 0, cap = 65536;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (len + 1 >= cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (!got) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return cb_fail(err, errlen, "%s: cannot read: %s", path, bad ? "read error" : "out of memory");
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return 0;
}

/* rtab_read, or with skip_ragged rtab_read_skipping. */
static int rtab_parse(const char *path, rtab *t, bool skip_ragged, int *skipped, char *err,
                      size_t errlen) {
    memset(t, 0, sizeof *t);
    if (skipped) *skipped = 0;
    size_t len = 0;
    if (read_whole(path, &t->text, &len, err, errlen)) return -1;
    char *p = t->text, *end = t->text + len;
    size_t nf = 0, fcap = 0, rcap = 0;
    int line = 1, rowfields = 0;
    while (p < end) {
        if (*p == '\n' || *p == '\r') { /* blank line */
            line += *p == '\n';
            p++;
            continue;
        }
        if ((size_t)t->nrows + 1 > rcap) {
            rcap = rcap ? rcap * 2 : 256;
            int *l = realloc(t->line, rcap * sizeof *l);
            if (!l) goto oom;
            t->line = l;
        }
        t->line[t->nrows] = line;
        rowfields = 0;
        for (;;) {
            char *field = p, *out = p;
            if (*p == '"') {
                int opened = line;
                for (p++;; p++) {
                    if (p >= end) {
                        rtab_free(t);
                        return cb_fail(err, errlen, "%s:%d: a quoted field never ends; the file is cut short",
                                       path, opened);
                    }
                    if (*p == '"' && (p + 1 >= end || p[1] != '"')) break;
                    if (*p == '"') p++;
                    line += *p == '\n';
                    *out++ = *p;
                }
                p++;
                if (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                    rtab_free(t);
                    return cb_fail(err, errlen, "%s:%d: text after a closing quote; the file is damaged", path, line);
                }
            } else {
                while (p < end && *p != ',' && *p != '\n' && *p != '\r') p++;
                out = p;
            }
            char term = p < end ? *p : '\n';
            *out = '\0';
            if (nf + 1 > fcap) {
                fcap = fcap ? fcap * 2 : 1024;
                char **f = realloc(t->field, fcap * sizeof *f);
                if (!f) goto oom;
                t->field = f;
            }
            t->field[nf++] = field;
            rowfields++;
            if (p < end) p++;
            if (term == ',') continue;
            if (term == '\r' && p < end && *p == '\n') p++;
            line++;
            break;
        }
        if (t->nrows == 0) t->ncols = rowfields;
        else if (rowfields != t->ncols && skip_ragged) {
            nf -= (size_t)rowfields; /* the row is left out */
            if (skipped) ++*skipped;
            continue;
        } else if (rowfields != t->ncols) {
            const int at = t->line[t->nrows], want = t->ncols;
            rtab_free(t);
            return cb_fail(err, errlen, "%s:%d: %d fields where the header has %d; the file is damaged", path, at,
                           rowfields, want);
        }
        t->nrows++;
    }
    if (t->nrows == 0) {
        rtab_free(t);
        return cb_fail(err, errlen, "%s: empty; not a convbench CSV", path);
    }
    return 0;
oom:
    rtab_free(t);
    return cb_fail(err, errlen, "%s: out of memory", path);
}

int rtab_read(const char *path, rtab *t, char *err, size_t errlen) {
    return rtab_parse(path, t, false, NULL, err, errlen);
}

int rtab_read_skipping(const char *path, rtab *t, int *skipped, char *err, size_t errlen) {
    return rtab_parse(path, t, true, skipped, err, errlen);
}

/* ========================================================= statistics */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double regress_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double regress_mwu_min_p(int na, int nb) {
    if (na < 1 || nb < 1) return 1;
    double c = 1; /* C(na+nb, na) */
    for (int i = 1; i <= na; i++) c = c * (nb + i) / i;
    double p = 2 / c;
    return p > 1 ? 1 : p;
}

/* P(U <= u) and P(U >= u) of U (the number of pairs (x in a, y in b) with
 * x > y) under H0, sizes m and n: counts by the largest element, which is
 * from a (m-1, n, adding n) or from b (m, n-1, adding 0). */
static void mwu_exact_tails(int m, int n, double u, double *lower, double *upper) {
    const int top = m * n;
    /* cnt[i][v] for the current j (columns: sizes i = 0..m). */
    double *prev = calloc((size_t)(m + 1) * (top + 1), sizeof(double));
    double *cur = calloc((size_t)(m + 1) * (top + 1), sizeof(double));
    if (!prev || !cur) {
        free(prev);
        free(cur);
        *lower = *upper = 1;
        return;
    }
#define AT(a, i, v) a[(size_t)(i) * (top + 1) + (v)]
    /* j = 0: one arrangement of i a's, U = 0. */
    for (int i = 0; i <= m; i++) AT(prev, i, 0) = 1;
    for (int j = 1; j <= n; j++) {
        memset(cur, 0, sizeof(double) * (size_t)(m + 1) * (top + 1));
        AT(cur, 0, 0) = 1;
        for (int i = 1; i <= m; i++)
            for (int v = 0; v <= i * j; v++)
                AT(cur, i, v) = (v >= j ? AT(cur, i - 1, v - j) : 0) + AT(prev, i, v);
        double *s = prev;
        prev = cur;
        cur = s;
    }
    double total = 0, lo = 0, hi = 0;
    for (int v = 0; v <= top; v++) {
        double c = AT(prev, m, v);
        total += c;
        if (v <= u + 1e-9) lo += c;
        if (v >= u - 1e-9) hi += c;
    }
#undef AT
    free(prev);
    free(cur);
    *lower = lo / total;
    *upper = hi / total;
}

double regress_mwu_p(const double *a, int na, const double *b, int nb, bool *exact) {
    if (exact) *exact = false;
    if (na < 1 || nb < 1) return 1;
    const int n = na + nb;
    struct item {
        double v;
        int from_a;
    } *all = malloc(sizeof *all * (size_t)n);
    if (!all) return 1;
    for (int i = 0; i < na; i++) all[i] = (struct item){a[i], 1};
    for (int i = 0; i < nb; i++) all[na + i] = (struct item){b[i], 0};
    /* Sort by value (insertion sort: n is a few dozen). */
    for (int i = 1; i < n; i++) {
        struct item x = all[i];
        int j = i;
        for (; j > 0 && all[j - 1].v > x.v; j--) all[j] = all[j - 1];
        all[j] = x;
    }
    /* Average ranks over ties; the tie term sum(t^3 - t). */
    double rank_a = 0, ties = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && all[j + 1].v == all[i].v) j++;
        double r = 0.5 * (i + j) + 1; /* ranks are 1-based */
        for (int k = i; k <= j; k++)
            if (all[k].from_a) rank_a += r;
        double t = j - i + 1;
        ties += t * t * t - t;
        i = j + 1;
    }
    free(all);
    const double u = rank_a - 0.5 * na * (na + 1.0); /* pairs with a > b, ties counted half */
    if (ties == 0 && na <= 50 && nb <= 50) {
        double lower, upper;
        mwu_exact_tails(na, nb, u, &lower, &upper);
        if (exact) *exact = true;
        double p = 2 * (lower < upper ? lower : upper);
        return p > 1 ? 1 : p;
    }
    const double mu = 0.5 * na * nb;
    const double var = na * (double)nb / 12.0 * ((n + 1) - ties / ((double)n * (n - 1)));
    if (!(var > 0)) return 1;
    double z = (fabs(u - mu) - 0.5) / sqrt(var);
    if (z < 0) z = 0;
    double p = erfc(z / sqrt(2.0));
    return p > 1 ? 1 : p;
}

/* ============================================================== runs */

/* One results.csv row with its samples (ms per iteration, one per repetition). */
typedef struct rrow {
    const char *layer, *impl, *status, *note, *params;
    int threads;
    double median, gflops, max_rel, max_abs; /* NaN where the CSV has nothing */
    double *smp;
    int nsmp, smp_cap;
    bool matched;
} rrow;

typedef struct rrun {
    char csv_path[4200], samples_path[4200];
    rtab csv, smp;
    rrow *rows;
    int nrows;
    bool have_samples;
    const char *cpu, *git, *timestamp;
} rrun;

static void run_free(rrun *r) {
    for (int i = 0; i < r->nrows; i++) free(r->rows[i].smp);
    free(r->rows);
    rtab_free(&r->csv);
    rtab_free(&r->smp);
    memset(r, 0, sizeof *r);
}

/* A number or NaN for an empty field; -1 for something else. */
static int parse_number(const char *s, double *v) {
    if (!*s) {
        *v = NAN;
        return 0;
    }
    char *end;
    *v = strtod(s, &end);
    return *end || end == s ? -1 : 0;
}

static rrow *find_row(rrun *r, const char *layer, const char *impl, int threads) {
    for (int i = 0; i < r->nrows; i++)
        if (r->rows[i].threads == threads && !strcmp(r->rows[i].layer, layer) && !strcmp(r->rows[i].impl, impl))
            return &r->rows[i];
    return NULL;
}

static int parse_threads(const char *s, int *t) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > 1000000) return -1;
    *t = (int)v;
    return 0;
}

/* ARG: a results directory or a CSV file inside one. */
static int run_load(const char *arg, rrun *r, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    struct stat st;
    if (stat(arg, &st)) return cb_fail(err, errlen, "%s: %s; give a results directory or its results.csv", arg, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        snprintf(r->csv_path, sizeof r->csv_path, "%s/results.csv", arg);
        snprintf(r->samples_path, sizeof r->samples_path, "%s/samples.csv", arg);
    } else {
        snprintf(r->csv_path, sizeof r->csv_path, "%s", arg);
        const char *slash = strrchr(arg, '/');
        if (slash) snprintf(r->samples_path, sizeof r->samples_path, "%.*s/samples.csv", (int)(slash - arg), arg);
        else snprintf(r->samples_path, sizeof r->samples_path, "samples.csv");
    }
    if (rtab_read(r->csv_path, &r->csv, err, errlen)) return -1;
    enum { LAYER, IMPL, THREADS, STATUS, MEDIAN, NREQ };
    static const char *req[NREQ] = {"layer", "impl", "threads", "status", "median_ms"};
    int col[NREQ];
    for (int i = 0; i < NREQ; i++)
        if ((col[i] = rtab_col(&r->csv, req[i])) < 0) {
            cb_fail(err, errlen, "%s: no '%s' column in the header; is this a convbench results.csv?", r->csv_path, req[i]);
            run_free(r);
            return -1;
        }
    const int c_gflops = rtab_col(&r->csv, "gflops"), c_rel = rtab_col(&r->csv, "max_rel_err"),
              c_abs = rtab_col(&r->csv, "max_abs_err"), c_note = rtab_col(&r->csv, "note"),
              c_params = rtab_col(&r->csv, "params"),
              c_cpu = rtab_col(&r->csv, "cpu"), c_git = rtab_col(&r->csv, "git"),
              c_ts = rtab_col(&r->csv, "timestamp");
    r->rows = calloc((size_t)r->csv.nrows, sizeof *r->rows);
    if (!r->rows) {
        run_free(r);
        return cb_fail(err, errlen, "%s: out of memory", r->csv_path);
    }
    for (int i = 1; i < r->csv.nrows; i++) {
        rrow row = {.layer = rtab_get(&r->csv, i, col[LAYER]), .impl = rtab_get(&r->csv, i, col[IMPL]),
                    .status = rtab_get(&r->csv, i, col[STATUS]), .note = rtab_get(&r->csv, i, c_note),
                    .params = rtab_get(&r->csv, i, c_params)};
        const int line = r->csv.line[i];
        const char *bad = NULL, *badval = "";
        if (parse_threads(rtab_get(&r->csv, i, col[THREADS]), &row.threads))
            bad = "threads", badval = rtab_get(&r->csv, i, col[THREADS]);
        else if (parse_number(rtab_get(&r->csv, i, col[MEDIAN]), &row.median))
            bad = "median_ms", badval = rtab_get(&r->csv, i, col[MEDIAN]);
        else if (parse_number(rtab_get(&r->csv, i, c_gflops), &row.gflops))
            bad = "gflops", badval = rtab_get(&r->csv, i, c_gflops);
        else if (parse_number(rtab_get(&r->csv, i, c_rel), &row.max_rel))
            bad = "max_rel_err", badval = rtab_get(&r->csv, i, c_rel);
        else if (parse_number(rtab_get(&r->csv, i, c_abs), &row.max_abs))
            bad = "max_abs_err", badval = rtab_get(&r->csv, i, c_abs);
        else if (!strcmp(row.status, "ok") && !(row.median > 0))
            bad = "median_ms", badval = "(empty or not positive on an ok row)";
        if (bad) {
            cb_fail(err, errlen, "%s:%d: %s '%s' is not a valid value; the file is damaged", r->csv_path, line, bad, badval);
            run_free(r);
            return -1;
        }
        if (!*row.layer || !*row.impl) {
            cb_fail(err, errlen, "%s:%d: empty layer or impl; the file is damaged", r->csv_path, line);
            run_free(r);
            return -1;
        }
        if (find_row(r, row.layer, row.impl, row.threads)) {
            fprintf(stderr, "convbench: warning: %s:%d: a second row for %s / %s / %d threads; the first is used\n",
                    r->csv_path, line, row.layer, row.impl, row.threads);
            continue;
        }
        if (!r->cpu && *rtab_get(&r->csv, i, c_cpu)) r->cpu = rtab_get(&r->csv, i, c_cpu);
        if (!r->git && *rtab_get(&r->csv, i, c_git)) r->git = rtab_get(&r->csv, i, c_git);
        if (!r->timestamp && *rtab_get(&r->csv, i, c_ts)) r->timestamp = rtab_get(&r->csv, i, c_ts);
        r->rows[r->nrows++] = row;
    }
    if (r->nrows == 0) {
        cb_fail(err, errlen, "%s: no rows; run a benchmark to fill it", r->csv_path);
        run_free(r);
        return -1;
    }

    /* The samples, when the run has them. */
    FILE *probe = fopen(r->samples_path, "rb");
    if (!probe) return 0;
    fclose(probe);
    if (rtab_read(r->samples_path, &r->smp, err, errlen)) {
        run_free(r);
        return -1;
    }
    enum { S_LAYER, S_IMPL, S_THREADS, S_MS, S_NREQ };
    static const char *sreq[S_NREQ] = {"layer", "impl", "threads", "ms"};
    int scol[S_NREQ];
    for (int i = 0; i < S_NREQ; i++)
        if ((scol[i] = rtab_col(&r->smp, sreq[i])) < 0) {
            cb_fail(err, errlen, "%s: no '%s' column in the header; is this a convbench samples.csv?", r->samples_path, sreq[i]);
            run_free(r);
            return -1;
        }
    for (int i = 1; i < r->smp.nrows; i++) {
        int threads;
        double ms;
        if (parse_threads(rtab_get(&r->smp, i, scol[S_THREADS]), &threads) ||
            parse_number(rtab_get(&r->smp, i, scol[S_MS]), &ms) || !(ms > 0)) {
            cb_fail(err, errlen, "%s:%d: threads '%s' or ms '%s' is not a valid value; the file is damaged",
                    r->samples_path, r->smp.line[i], rtab_get(&r->smp, i, scol[S_THREADS]),
                    rtab_get(&r->smp, i, scol[S_MS]));
            run_free(r);
            return -1;
        }
        rrow *row = find_row(r, rtab_get(&r->smp, i, scol[S_LAYER]), rtab_get(&r->smp, i, scol[S_IMPL]), threads);
        if (!row) continue; /* a row the run did not finish */
        if (row->nsmp == row->smp_cap) {
            row->smp_cap = row->smp_cap ? row->smp_cap * 2 : 16;
            double *s = realloc(row->smp, sizeof *s * (size_t)row->smp_cap);
            if (!s) {
                run_free(r);
                return cb_fail(err, errlen, "%s: out of memory", r->samples_path);
            }
            row->smp = s;
        }
        row->smp[row->nsmp++] = ms;
    }
    /* The per-layer `best` row copies the fastest implementation's row
     * ("= NAME (the fastest ...)" in its note) and has no samples of its
     * own: it gets that implementation's. */
    for (int i = 0; i < r->nrows; i++) {
        rrow *row = &r->rows[i];
        if (strcmp(row->impl, BEST_ROW) || row->nsmp || strncmp(row->note, "= ", 2)) continue;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(row->note + 2, " ;"), row->note + 2);
        const rrow *src = find_row(r, row->layer, name, row->threads);
        if (!src || !src->nsmp) continue;
        row->smp = malloc(sizeof(double) * (size_t)src->nsmp);
        if (!row->smp) continue;
        memcpy(row->smp, src->smp, sizeof(double) * (size_t)src->nsmp);
        row->nsmp = row->smp_cap = src->nsmp;
    }
    r->have_samples = true;
    return 0;
}

/* ============================================================ compare */

typedef enum {
    K_SAME,        /* no significant change */
    K_REGRESSION,  /* slower, significant and past the minimum effect */
    K_IMPROVEMENT, /* faster, likewise */
    K_FAIL,        /* mismatch or error on the new side, or ok -> not ok */
    K_FIXED,       /* not ok -> ok: nothing to compare the time with */
    K_SKIP,        /* not timed on either side (unsupported both) */
    K_ONLY_BASE,
    K_ONLY_NEW,
} kind;

static const char *kind_name[] = {"no significant change", "regression", "improvement", "FAIL",
                                  "now ok", "not timed", "only in base", "only in new"};

typedef struct cmp {
    const rrow *b, *n;
    const char *layer, *impl;
    int threads;
    kind k;
    double ratio, p;        /* median time new / base; U test p on the raw samples */
    double nratio, np;      /* the same normalised by the reference; NaN when there is none */
    bool decided_norm;      /* the verdict used the normalised numbers */
    int nb, nn;             /* samples a side */
    bool acc;               /* accuracy regression */
    double acc_growth;      /* new max_rel_err / base's */
    char note[400];
} cmp;

static void add_note(cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(cmp *c, const char *fmt, ...) {
    size_t used = strlen(c->note);
    if (used && used + 2 < sizeof c->note) {
        strcat(c->note, "; ");
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->note + used, sizeof c->note - used, fmt, ap);
    va_end(ap);
}

/* The median time of the reference implementation at the row's layer and
 * thread count in the same run; NaN when it has no ok row there. */
static double reference_median(rrun *r, const rrow *row, const char *ref) {
    const rrow *x = find_row(r, row->layer, ref, row->threads);
    return x && !strcmp(x->status, "ok") && x->median > 0 ? x->median : NAN;
}

static bool is_ok(const rrow *r) { return r && !strcmp(r->status, "ok"); }

static void judge(cmp *c, rrun *base, rrun *nw, const regress_options *opt) {
    const rrow *b = c->b, *n = c->n;
    c->ratio = c->p = c->nratio = c->np = c->acc_growth = NAN;
    if (!b) {
        c->k = K_ONLY_NEW;
        if (n && (!strcmp(n->status, "mismatch") || !strcmp(n->status, "error"))) {
            c->k = K_FAIL;
            add_note(c, "only in new, and %s there%s%s", n->status, *n->note ? ": " : "", n->note);
        }
        return;
    }
    if (!n) {
        c->k = K_ONLY_BASE;
        return;
    }
    /* Status first: a failure on the new side fails whatever the times say. */
    if (!strcmp(n->status, "mismatch") || !strcmp(n->status, "error")) {
        c->k = K_FAIL;
        if (strcmp(b->status, n->status)) add_note(c, "status %s -> %s", b->status, n->status);
        else add_note(c, "%s in both runs", n->status);
        if (*n->note) add_note(c, "%.200s", n->note);
    } else if (is_ok(b) && !is_ok(n)) {
        c->k = K_FAIL;
        add_note(c, "status ok -> %s%s%.200s", n->status, *n->note ? ": " : "", n->note);
    } else if (!is_ok(b) && is_ok(n)) {
        c->k = K_FIXED;
        add_note(c, "status %s -> ok", b->status);
    } else if (!is_ok(b)) {
        c->k = K_SKIP;
        if (strcmp(b->status, n->status)) add_note(c, "status %s -> %s", b->status, n->status);
    }

    /* Accuracy, wherever both sides were validated. */
    if (isfinite(b->max_rel) && isfinite(n->max_rel)) {
        c->acc_growth = b->max_rel > 0 ? n->max_rel / b->max_rel : n->max_rel > 0 ? INFINITY : 1;
        if (n->max_rel > opt->acc_factor * b->max_rel && !(b->max_rel < opt->acc_floor && n->max_rel < opt->acc_floor)) {
            c->acc = true;
            add_note(c, "accuracy: max_rel_err %.3g -> %.3g (x%.3g > x%g)", b->max_rel, n->max_rel, c->acc_growth,
                     opt->acc_factor);
        }
    }
    if (!is_ok(b) || !is_ok(n)) return;
    if (!strcmp(b->impl, BEST_ROW) && strcmp(b->note, n->note) && !strncmp(b->note, "= ", 2) && !strncmp(n->note, "= ", 2))
        add_note(c, "best was %.*s, now %.*s", (int)strcspn(b->note + 2, " ;"), b->note + 2,
                 (int)strcspn(n->note + 2, " ;"), n->note + 2);
    else if (strcmp(b->params, n->params))
        add_note(c, "params %s -> %s", *b->params ? b->params : "(none)", *n->params ? n->params : "(none)");

    /* Times. */
    c->ratio = n->median / b->median;
    c->nb = b->nsmp;
    c->nn = n->nsmp;
    const bool tested = c->nb >= 2 && c->nn >= 2;
    if (tested) c->p = regress_mwu_p(n->smp, n->nsmp, b->smp, b->nsmp, NULL);
    const double rb = reference_median(base, b, opt->reference), rn = reference_median(nw, n, opt->reference);
    if (isfinite(rb) && isfinite(rn)) {
        c->nratio = (n->median / rn) / (b->median / rb);
        if (tested) {
            double *sb = malloc(sizeof(double) * (size_t)c->nb), *sn = malloc(sizeof(double) * (size_t)c->nn);
            if (sb && sn) {
                for (int i = 0; i < c->nb; i++) sb[i] = b->smp[i] / rb;
                for (int i = 0; i < c->nn; i++) sn[i] = n->smp[i] / rn;
                c->np = regress_mwu_p(sn, c->nn, sb, c->nb, NULL);
            }
            free(sb);
            free(sn);
        }
    }
    double ratio = c->ratio, p = c->p;
    if (opt->normalize) {
        if (isfinite(c->nratio)) {
            c->decided_norm = true;
            ratio = c->nratio;
            p = c->np;
        } else {
            add_note(c, "no ok %s row to normalise by: decided on raw times", opt->reference);
        }
    }
    if (!tested) add_note(c, "no samples: decided on the median change alone, untested");
    const bool significant = tested ? p < opt->alpha : true;
    if (significant && ratio - 1 > opt->min_effect) c->k = K_REGRESSION;
    else if (significant && ratio - 1 < -opt->min_effect) c->k = K_IMPROVEMENT;
    else c->k = K_SAME;
}

/* ----------------------------------------------------------- output */

static void fmt_pct(double ratio, char *out, size_t len) {
    if (isnan(ratio)) snprintf(out, len, "-");
    else snprintf(out, len, "%+.1f%%", (ratio - 1) * 100);
}

static void fmt_num(double v, const char *fmt, char *out, size_t len) {
    if (isnan(v)) snprintf(out, len, "-");
    else snprintf(out, len, fmt, v);
}

static void fmt_p(double p, char *out, size_t len) {
    if (isnan(p)) snprintf(out, len, "-");
    else if (p < 1e-4) snprintf(out, len, "<1e-4");
    else snprintf(out, len, "%.4f", p);
}

static const char *verdict_text(const cmp *c) {
    static char buf[64];
    snprintf(buf, sizeof buf, "%s%s", kind_name[c->k], c->acc && c->k != K_FAIL ? " +accuracy" : "");
    return buf;
}

static bool needs_attention(const cmp *c) {
    return c->k == K_REGRESSION || c->k == K_FAIL || c->k == K_ONLY_BASE || c->k == K_ONLY_NEW || c->acc ||
           c->k == K_IMPROVEMENT || c->k == K_FIXED;
}

typedef struct summary {
    int rows, compared, regressions, improvements, same, failures, accuracy, only_base, only_new, fixed, skipped;
    int few_reps;          /* rows tested with fewer than 9 samples on a side */
    int untestable;        /* rows whose sample counts cannot reach p < alpha */
    double geo, ngeo;      /* geometric means of the time ratios (raw, normalised) */
    int ngeo_n;
    bool failed;
} summary;

static void summary_line(const summary *s, const regress_options *opt, char *out, size_t len) {
    char g[32], ng[32] = "";
    fmt_num(s->geo, "%.3f", g, sizeof g);
    if (s->ngeo_n) snprintf(ng, sizeof ng, ", normalised %.3f", s->ngeo);
    snprintf(out, len,
             "%s: %d rows compared: %d regression%s, %d improvement%s, %d unchanged; %d failure%s, %d accuracy "
             "regression%s; %d only in base, %d only in new; geometric mean time ratio new/base %s%s "
             "(decided on %s times, alpha %g, min effect %g%%)",
             s->failed ? "FAIL" : "PASS", s->compared, s->regressions, s->regressions == 1 ? "" : "s",
             s->improvements, s->improvements == 1 ? "" : "s", s->same, s->failures, s->failures == 1 ? "" : "s",
             s->accuracy, s->accuracy == 1 ? "" : "s", s->only_base, s->only_new, g, ng,
             opt->normalize ? "normalised" : "raw", opt->alpha, opt->min_effect * 100);
}

static void cells(const cmp *c, const regress_options *opt, char cell[9][420]) {
    snprintf(cell[0], 420, "%s", c->layer);
    snprintf(cell[1], 420, "%s", c->impl);
    snprintf(cell[2], 420, "%d", c->threads);
    fmt_num(c->b && is_ok(c->b) ? c->b->median : NAN, "%.4g", cell[3], 420);
    fmt_num(c->n && is_ok(c->n) ? c->n->median : NAN, "%.4g", cell[4], 420);
    fmt_pct(c->ratio, cell[5], 420);
    fmt_p(c->decided_norm ? c->np : c->p, cell[6], 420);
    fmt_pct(c->nratio, cell[7], 420);
    snprintf(cell[8], 420, "%s", verdict_text(c));
    (void)opt;
}

static const char *headers[9] = {"layer", "impl", "thr", "base_ms", "new_ms", "change", "p", "norm_change", "verdict"};

static void print_table(FILE *f, const cmp *rows, int n, const regress_options *opt) {
    int w[9];
    char cell[9][420];
    for (int k = 0; k < 9; k++) w[k] = (int)strlen(headers[k]);
    for (int i = 0; i < n; i++) {
        cells(&rows[i], opt, cell);
        for (int k = 0; k < 9; k++)
            if ((int)strlen(cell[k]) > w[k]) w[k] = (int)strlen(cell[k]);
    }
    for (int k = 0; k < 9; k++) fprintf(f, k < 3 || k == 8 ? "%-*s  " : "%*s  ", w[k], headers[k]);
    fprintf(f, "note\n");
    for (int i = 0; i < n; i++) {
        cells(&rows[i], opt, cell);
        for (int k = 0; k < 9; k++) fprintf(f, k < 3 || k == 8 ? "%-*s  " : "%*s  ", w[k], cell[k]);
        fprintf(f, "%s\n", rows[i].note);
    }
}

/* A table cell for Markdown: | escaped, line breaks flattened. */
static void md_cell(FILE *f, const char *s) {
    fputs("| ", f);
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc(' ', f);
}

static void md_table(FILE *f, const cmp *rows, int n, const regress_options *opt, bool only_attention) {
    for (int k = 0; k < 9; k++) md_cell(f, headers[k]);
    fputs("| note |\n", f);
    for (int k = 0; k < 10; k++) fputs(k < 3 || k >= 8 ? "|---" : "|---:", f);
    fputs("|\n", f);
    char cell[9][420];
    for (int i = 0; i < n; i++) {
        if (only_attention && !needs_attention(&rows[i])) continue;
        cells(&rows[i], opt, cell);
        for (int k = 0; k < 9; k++) {
            if (k == 8 && (rows[i].k == K_REGRESSION || rows[i].k == K_FAIL || rows[i].acc)) {
                char bold[440];
                snprintf(bold, sizeof bold, "**%s**", cell[k]);
                md_cell(f, bold);
            } else {
                md_cell(f, cell[k]);
            }
        }
        md_cell(f, rows[i].note);
        fputs("|\n", f);
    }
}

static int write_markdown(const char *path, const char *base, const char *nw, const cmp *rows, int n,
                          const summary *s, const regress_options *opt, const char *warnings) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    char line[1024];
    summary_line(s, opt, line, sizeof line);
    fprintf(f, "### convbench compare\n\n`%s` → `%s`\n\n**%s**\n\n", base, nw, line);
    if (*warnings) fprintf(f, "%s\n", warnings);
    int attention = 0;
    for (int i = 0; i < n; i++) attention += needs_attention(&rows[i]);
    if (attention) {
        fprintf(f, "#### Rows that changed\n\n");
        md_table(f, rows, n, opt, true);
        fputc('\n', f);
    }
    fprintf(f, "<details><summary>All %d rows</summary>\n\n", n);
    md_table(f, rows, n, opt, false);
    fprintf(f, "\n</details>\n\n"
               "change: median time new/base − 1 (positive is slower); norm_change: the same with each run's times "
               "divided by its %s median for the layer and thread count; p: two-sided Mann–Whitney U on the "
               "per-repetition samples (%s times).\n",
            opt->reference, opt->normalize ? "normalised" : "raw");
    return fclose(f) ? -1 : 0;
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

static void json_number(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.9g", v);
    else fputs("null", f);
}

static int write_json(const char *path, const char *base, const char *nw, const cmp *rows, int n, const summary *s,
                      const regress_options *opt) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "{\n  \"base\": ");
    json_string(f, base);
    fprintf(f, ",\n  \"new\": ");
    json_string(f, nw);
    fprintf(f, ",\n  \"options\": {\"alpha\": %g, \"min_effect\": %g, \"accuracy_factor\": %g, \"reference\": ",
            opt->alpha, opt->min_effect, opt->acc_factor);
    json_string(f, opt->reference);
    fprintf(f, ", \"normalize\": %s},\n", opt->normalize ? "true" : "false");
    fprintf(f, "  \"summary\": {\"passed\": %s, \"compared\": %d, \"regressions\": %d, \"improvements\": %d, "
               "\"unchanged\": %d, \"failures\": %d, \"accuracy_regressions\": %d, \"only_in_base\": %d, "
               "\"only_in_new\": %d, \"geomean_time_ratio\": ",
            s->failed ? "false" : "true", s->compared, s->regressions, s->improvements, s->same, s->failures,
            s->accuracy, s->only_base, s->only_new);
    json_number(f, s->geo);
    fprintf(f, ", \"geomean_normalised_time_ratio\": ");
    json_number(f, s->ngeo_n ? s->ngeo : NAN);
    fprintf(f, ", \"rows_with_few_repetitions\": %d},\n  \"rows\": [", s->few_reps);
    for (int i = 0; i < n; i++) {
        const cmp *c = &rows[i];
        fprintf(f, "%s\n    {\"layer\": ", i ? "," : "");
        json_string(f, c->layer);
        fprintf(f, ", \"impl\": ");
        json_string(f, c->impl);
        fprintf(f, ", \"threads\": %d, \"verdict\": ", c->threads);
        json_string(f, kind_name[c->k]);
        fprintf(f, ", \"accuracy_regression\": %s, \"base_status\": ", c->acc ? "true" : "false");
        if (c->b) json_string(f, c->b->status);
        else fputs("null", f);
        fprintf(f, ", \"new_status\": ");
        if (c->n) json_string(f, c->n->status);
        else fputs("null", f);
        fprintf(f, ", \"base_median_ms\": ");
        json_number(f, c->b ? c->b->median : NAN);
        fprintf(f, ", \"new_median_ms\": ");
        json_number(f, c->n ? c->n->median : NAN);
        fprintf(f, ", \"time_ratio\": ");
        json_number(f, c->ratio);
        fprintf(f, ", \"p_value\": ");
        json_number(f, c->p);
        fprintf(f, ", \"normalised_time_ratio\": ");
        json_number(f, c->nratio);
        fprintf(f, ", \"normalised_p_value\": ");
        json_number(f, c->np);
        fprintf(f, ", \"decided_on\": \"%s\", \"base_samples\": %d, \"new_samples\": %d, \"base_max_rel_err\": ",
                c->decided_norm ? "normalised" : "raw", c->nb, c->nn);
        json_number(f, c->b ? c->b->max_rel : NAN);
        fprintf(f, ", \"new_max_rel_err\": ");
        json_number(f, c->n ? c->n->max_rel : NAN);
        fprintf(f, ", \"note\": ");
        json_string(f, c->note);
        fputc('}', f);
    }
    fprintf(f, "\n  ]\n}\n");
    return fclose(f) ? -1 : 0;
}

void regress_defaults(regress_options *opt) {
    memset(opt, 0, sizeof *opt);
    opt->alpha = 0.05;
    opt->min_effect = 0.05;
    opt->acc_factor = 2;
    opt->acc_floor = 1e-7;
    opt->reference = "onednn_blocked";
}

int regress_compare(const char *base_arg, const char *new_arg, const regress_options *opt) {
    char err[1200];
    rrun base, nw;
    if (run_load(base_arg, &base, err, sizeof err)) {
        fprintf(stderr, "convbench: compare: %s\n", err);
        return EXIT_USAGE;
    }
    if (run_load(new_arg, &nw, err, sizeof err)) {
        fprintf(stderr, "convbench: compare: %s\n", err);
        run_free(&base);
        return EXIT_USAGE;
    }
    cmp *rows = calloc((size_t)(base.nrows + nw.nrows), sizeof *rows);
    if (!rows) {
        fprintf(stderr, "convbench: compare: out of memory\n");
        run_free(&base);
        run_free(&nw);
        return EXIT_USAGE;
    }
    int n = 0;
    for (int i = 0; i < base.nrows; i++) {
        rrow *b = &base.rows[i], *m = find_row(&nw, b->layer, b->impl, b->threads);
        if (m) m->matched = true;
        rows[n++] = (cmp){.b = b, .n = m, .layer = b->layer, .impl = b->impl, .threads = b->threads};
    }
    for (int i = 0; i < nw.nrows; i++)
        if (!nw.rows[i].matched)
            rows[n++] = (cmp){.n = &nw.rows[i], .layer = nw.rows[i].layer, .impl = nw.rows[i].impl,
                              .threads = nw.rows[i].threads};

    summary s = {0};
    double lg = 0, lng = 0;
    int few_min = 1 << 30;
    for (int i = 0; i < n; i++) {
        cmp *c = &rows[i];
        judge(c, &base, &nw, opt);
        s.rows++;
        switch (c->k) {
        case K_REGRESSION: s.regressions++; break;
        case K_IMPROVEMENT: s.improvements++; break;
        case K_SAME: s.same++; break;
        case K_FAIL: s.failures++; break;
        case K_FIXED: s.fixed++; break;
        case K_SKIP: s.skipped++; break;
        case K_ONLY_BASE: s.only_base++; break;
        case K_ONLY_NEW: s.only_new++; break;
        }
        s.accuracy += c->acc;
        if (isfinite(c->ratio)) {
            s.compared++;
            lg += log(c->ratio);
            if (c->nb >= 2 && c->nn >= 2) {
                int lo = c->nb < c->nn ? c->nb : c->nn;
                if (lo < 9) {
                    s.few_reps++;
                    if (lo < few_min) few_min = lo;
                }
                if (regress_mwu_min_p(c->nb, c->nn) >= opt->alpha) s.untestable++;
            }
        }
        if (isfinite(c->nratio) && strcmp(c->impl, opt->reference)) {
            lng += log(c->nratio);
            s.ngeo_n++;
        }
    }
    s.geo = s.compared ? exp(lg / s.compared) : NAN;
    s.ngeo = s.ngeo_n ? exp(lng / s.ngeo_n) : NAN;
    s.failed = s.regressions || s.failures || s.accuracy || (opt->fail_on_missing && s.only_base);

    /* Warnings: for the terminal (stderr) and the Markdown. */
    char warnings[2048] = "";
    size_t wl = 0;
    if (!base.have_samples || !nw.have_samples)
        wl += (size_t)snprintf(warnings + wl, sizeof warnings - wl,
                               "- warning: %s is missing: verdicts rest on the median change alone, untested\n",
                               !base.have_samples ? base.samples_path : nw.samples_path);
    if (s.few_reps && wl < sizeof warnings)
        wl += (size_t)snprintf(warnings + wl, sizeof warnings - wl,
                               "- warning: %d row(s) have fewer than 9 repetitions a side (as few as %d): the U test has "
                               "little power%s; use repetitions: 10 or more\n",
                               s.few_reps, few_min,
                               s.untestable ? ", and with so few none of them can reach significance" : "");
    if (base.cpu && nw.cpu && strcmp(base.cpu, nw.cpu) && wl < sizeof warnings)
        wl += (size_t)snprintf(warnings + wl, sizeof warnings - wl,
                               "- warning: different CPUs (%s vs %s): raw times are not comparable; "
                               "--normalize %s compensates only for a uniform difference\n",
                               base.cpu, nw.cpu, opt->reference);
    if (opt->normalize && s.compared && !s.ngeo_n && wl < sizeof warnings)
        wl += (size_t)snprintf(warnings + wl, sizeof warnings - wl,
                               "- warning: no ok %s rows in both runs: nothing could be normalised\n", opt->reference);

    if (!opt->quiet) {
        printf("base: %s (git %s, %s)\nnew:  %s (git %s, %s)\n", base.csv_path, base.git ? base.git : "?",
               base.timestamp ? base.timestamp : "?", nw.csv_path, nw.git ? nw.git : "?",
               nw.timestamp ? nw.timestamp : "?");
        print_table(stdout, rows, n, opt);
    }
    fputs(warnings, stderr);
    char line[1024];
    summary_line(&s, opt, line, sizeof line);
    printf("%s\n", line);

    int status = s.failed ? EXIT_FAILED : EXIT_OK;
    if (opt->markdown && write_markdown(opt->markdown, base_arg, new_arg, rows, n, &s, opt, warnings)) {
        fprintf(stderr, "convbench: compare: %s: cannot write: %s\n", opt->markdown, strerror(errno));
        status = EXIT_USAGE;
    }
    if (opt->json && write_json(opt->json, base_arg, new_arg, rows, n, &s, opt)) {
        fprintf(stderr, "convbench: compare: %s: cannot write: %s\n", opt->json, strerror(errno));
        status = EXIT_USAGE;
    }
    free(rows);
    run_free(&base);
    run_free(&nw);
    return status;
}

/* ================================================================ CLI */

const char *const regress_usage =
    "usage: convbench compare BASE NEW [--alpha A] [--min-effect E] [--accuracy-factor F]\n"
    "                         [--normalize IMPL] [--markdown FILE] [--json FILE]\n"
    "                         [--fail-on-missing] [--quiet]\n"
    "\n"
    "Compares two runs, each a results directory or its results.csv (samples.csv is\n"
    "read from beside it). Rows are matched by layer, implementation and threads;\n"
    "for each: the relative change of the median time, the p-value of a two-sided\n"
    "Mann-Whitney U test on the per-repetition samples, and a verdict:\n"
    "  regression / improvement  p < A (default 0.05) and |change| > E (default 0.05)\n"
    "  no significant change     otherwise\n"
    "Every row is also normalised by the IMPL row (default onednn_blocked) of the same\n"
    "layer and thread count in its own run (norm_change), which cancels a machine that\n"
    "is uniformly slower; --normalize IMPL decides on those normalised samples.\n"
    "Rows present on one side only, status changes and validation failures are listed;\n"
    "a mismatch or error on the NEW side, or ok -> unsupported, fails. A max_rel_err\n"
    "that grew past F times (default 2) is an accuracy regression (ignored while both\n"
    "are below 1e-7). Fewer than 9 repetitions a side draws a warning.\n"
    "\n"
    "  --markdown FILE   also write the comparison as Markdown (for a PR comment)\n"
    "  --json FILE       and as JSON\n"
    "  --fail-on-missing a row of BASE missing from NEW fails too\n"
    "  --quiet           only the summary line on stdout\n"
    "\n"
    "Exit status: 0 nothing regressed, 1 a regression (time or accuracy) or a failure\n"
    "in NEW, 2 bad input.\n";

static int number_arg(const char *flag, const char *s, double lo, double hi, bool open_lo, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || (open_lo ? v <= lo : v < lo) || v > hi) {
        fprintf(stderr, "convbench: compare: %s '%s': give a number %s %g and <= %g\n", flag, s, open_lo ? ">" : ">=",
                lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_compare(int argc, char **argv) {
    regress_options opt;
    regress_defaults(&opt);
    const char *paths[2];
    int np = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const bool has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(regress_usage, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--alpha") && has) {
            if (number_arg(a, argv[++i], 0, 0.5, true, &opt.alpha)) return EXIT_USAGE;
        } else if (!strcmp(a, "--min-effect") && has) {
            if (number_arg(a, argv[++i], 0, 100, false, &opt.min_effect)) return EXIT_USAGE;
        } else if (!strcmp(a, "--accuracy-factor") && has) {
            if (number_arg(a, argv[++i], 1, 1e12, false, &opt.acc_factor)) return EXIT_USAGE;
        } else if (!strcmp(a, "--normalize") && has) {
            opt.normalize = true;
            opt.reference = argv[++i];
        } else if (!strcmp(a, "--markdown") && has) {
            opt.markdown = argv[++i];
        } else if (!strcmp(a, "--json") && has) {
            opt.json = argv[++i];
        } else if (!strcmp(a, "--fail-on-missing")) {
            opt.fail_on_missing = true;
        } else if (!strcmp(a, "--quiet")) {
            opt.quiet = true;
        } else if (a[0] == '-' || np == 2) {
            fprintf(stderr, "convbench: compare: unexpected argument '%s'; see convbench compare --help\n", a);
            return EXIT_USAGE;
        } else {
            paths[np++] = a;
        }
    }
    if (np != 2) {
        fprintf(stderr, "convbench: compare: give BASE and NEW (results directories or results.csv files); "
                        "see convbench compare --help\n");
        return EXIT_USAGE;
    }
    return regress_compare(paths[0], paths[1], &opt);
}
