/* Benchmark configs: YAML read with libyaml's document API (see config.h and
 * README.md "Configs"). Everything is checked before anything runs; the first
 * problem found is reported as one line "FILE:LINE: FIELD: what; what to do". */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "desc.h"
#include "targets.h"
#include "util.h"

#ifndef CONVBENCH_SOURCE_DIR
#define CONVBENCH_SOURCE_DIR "."
#endif

#define SIZE_MAX_VALUE 16777216LL /* as desc.c: keeps sums and products in range */

/* ---------------------------------------------------------------- resolve */

static bool has_suffix(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a, b, c": the configs in dir (stems of *.yaml / *.yml), sorted. */
static void list_configs(const char *dir, char *out, size_t outlen) {
    out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(out, outlen, "none (cannot read %s: %s)", dir, strerror(errno));
        return;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        const char *nm = e->d_name;
        if (nm[0] == '.') continue;
        size_t l = strlen(nm);
        if (has_suffix(nm, ".yaml")) l -= 5;
        else if (has_suffix(nm, ".yml")) l -= 4;
        else continue;
        names[n] = strndup(nm, l);
        if (names[n]) n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        if (used < outlen)
            used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : "", names[i]);
        free(names[i]);
    }
    if (n == 0) snprintf(out, outlen, "none");
}

static bool is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int config_resolve(const char *arg, char *out, size_t outlen, char *err, size_t errlen) {
    const char *src = getenv("CONVBENCH_SOURCE_DIR");
    if (!src || !*src) src = CONVBENCH_SOURCE_DIR;
    char dir[4096], avail[2048];
    snprintf(dir, sizeof dir, "%s/configs", src);
    if (!arg || !*arg) {
        list_configs(dir, avail, sizeof avail);
        return cb_fail(err, errlen, "config: no name given; give a YAML file or one of: %s", avail);
    }
    struct stat st;
    if (stat(arg, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return cb_fail(err, errlen, "%s: is a directory; give a YAML config file", arg);
        if (strlen(arg) >= outlen)
            return cb_fail(err, errlen, "%s: path is too long (at most %zu characters)", arg,
                           outlen ? outlen - 1 : 0);
        snprintf(out, outlen, "%s", arg);
        return 0;
    }
    if (!strchr(arg, '/')) {
        static const char *const sfx[] = {"", ".yaml", ".yml"};
        for (int i = 0; i < 3; i++) {
            if (i && (has_suffix(arg, ".yaml") || has_suffix(arg, ".yml"))) break;
            char cand[4096 + 256];
            int w = snprintf(cand, sizeof cand, "%s/%s%s", dir, arg, sfx[i]);
            if (w < 0 || (size_t)w >= sizeof cand || !is_file(cand)) continue;
            if ((size_t)w >= outlen)
                return cb_fail(err, errlen, "%s: path is too long (at most %zu characters)", cand,
                               outlen ? outlen - 1 : 0);
            snprintf(out, outlen, "%s", cand);
            return 0;
        }
    }
    list_configs(dir, avail, sizeof avail);
    return cb_fail(err, errlen,
                   "%s: no such file, and no config of that name in %s; give a path or one of: %s",
                   arg, dir, avail);
}

/* ------------------------------------------------------------------- load */

typedef struct {
    const char *file;
    char *err;
    size_t errlen;
    yaml_document_t *doc;
} ctx;

static int line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 1; }

static int fail(ctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(ctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...) {
    if (!c->err || !c->errlen) return -1;
    int w = snprintf(c->err, c->errlen, "%s:%d: %s: ", c->file, line_of(n), field);
    if (w >= 0 && (size_t)w < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + w, c->errlen - (size_t)w, fmt, ap);
        va_end(ap);
    }
    for (char *p = c->err; *p; p++) /* one line, whatever a value held */
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    return -1;
}

static yaml_node_t *node(ctx *c, int id) { return yaml_document_get_node(c->doc, id); }

static const char *scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A value for messages: quoted, shortened. */
static const char *shown(const yaml_node_t *n, char *buf, size_t len) {
    if (!n) return "nothing";
    if (n->type == YAML_SEQUENCE_NODE) return "a list";
    if (n->type == YAML_MAPPING_NODE) return "a mapping";
    const char *s = scalar(n);
    if (!*s) return "nothing";
    snprintf(buf, len, "'%.40s%s'", s, strlen(s) > 40 ? "..." : "");
    return buf;
}

static const char *kind(const yaml_node_t *n) {
    return !n ? "nothing" : n->type == YAML_SEQUENCE_NODE ? "a list"
                          : n->type == YAML_MAPPING_NODE  ? "a mapping"
                                                          : "a single value";
}

static int get_int(ctx *c, const yaml_node_t *n, const char *field, long long lo, long long hi,
                   const char *what, long long *out) {
    char b[64];
    const char *s = scalar(n);
    if (!s) return fail(c, n, field, "expected %s, got %s; give a whole number", what, kind(n));
    if (!*s) return fail(c, n, field, "no value; give %s as a whole number", what);
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    bool digits = isdigit((unsigned char)*p);
    while (isdigit((unsigned char)*p)) p++;
    if (!digits || *p)
        return fail(c, n, field, "%s is not an integer; give %s as a whole number", shown(n, b, sizeof b),
                    what);
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v > hi) return fail(c, n, field, "%s is too large; %s is at most %lld", shown(n, b, sizeof b), what, hi);
    if (v < lo) return fail(c, n, field, "%lld is too small; %s must be >= %lld", v, what, lo);
    *out = v;
    return 0;
}

/* ------------------------------------------------------------- mappings */

typedef struct {
    const char *const *keys; /* allowed keys, NULL-terminated */
    const char *prefix;      /* "" or "layers[2]." */
    yaml_node_t *key[16], *val[16];
} keyset;

static int key_list(const char *const *keys, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; keys[i]; i++)
        if (used < len) used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", keys[i]);
    return 0;
}

/* Collect a mapping's pairs into ks, rejecting unknown and repeated keys. */
static int read_mapping(ctx *c, yaml_node_t *m, keyset *ks) {
    memset(ks->key, 0, sizeof ks->key);
    memset(ks->val, 0, sizeof ks->val);
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(c, pr->key), *v = node(c, pr->value);
        char field[160], list[256];
        const char *ks_ = scalar(k);
        if (!ks_ || !*ks_) {
            snprintf(field, sizeof field, "%skey", ks->prefix);
            key_list(ks->keys, list, sizeof list);
            return fail(c, k, field, "expected a key name, got %s; use one of %s", kind(k), list);
        }
        snprintf(field, sizeof field, "%s%s", ks->prefix, ks_);
        int idx = -1;
        for (int i = 0; ks->keys[i]; i++)
            if (!strcmp(ks->keys[i], ks_)) idx = i;
        if (idx < 0) {
            key_list(ks->keys, list, sizeof list);
            return fail(c, k, field, "unknown key; expected one of %s", list);
        }
        if (ks->key[idx])
            return fail(c, k, field, "given twice (first on line %d); keep one", line_of(ks->key[idx]));
        ks->key[idx] = k;
        ks->val[idx] = v;
    }
    return 0;
}

/* ----------------------------------------------------------------- layers */

static const char *const layer_keys[] = {"name", "n", "c", "h", "w", "k", "r", "s", "stride",
                                         "pad", "dilation", "groups", "bias", NULL};
enum { L_NAME, L_N, L_C, L_H, L_W, L_K, L_R, L_S, L_STRIDE, L_PAD, L_DIL, L_GROUPS, L_BIAS };

/* A scalar or a list of 1..max integers (allowed lengths in lens). */
static int get_ints(ctx *c, const yaml_node_t *n, const char *field, const char *what,
                    long long lo, const int *lens, int nlens, const char *forms, long long *v,
                    int *count) {
    char f[200];
    if (n->type == YAML_SCALAR_NODE) {
        *count = 1;
        return get_int(c, n, field, lo, SIZE_MAX_VALUE, what, v);
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, field, "expected %s, got a mapping", forms);
    int len = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    bool ok = false;
    for (int i = 0; i < nlens; i++) ok |= len == lens[i];
    if (!ok) return fail(c, n, field, "%d values; give %s", len, forms);
    for (int i = 0; i < len; i++) {
        snprintf(f, sizeof f, "%s[%d]", field, i);
        if (get_int(c, node(c, n->data.sequence.items.start[i]), f, lo, SIZE_MAX_VALUE, what, &v[i]))
            return -1;
    }
    *count = len;
    return 0;
}

static bool name_ok(const char *s, char *bad) {
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= ' ' || ch >= 127 || ch == ',' || ch == '"' || ch == '\\') {
            *bad = (char)ch;
            return false;
        }
    }
    return true;
}

static int check_name(ctx *c, const yaml_node_t *n, const char *field, const char *s) {
    char bad = 0;
    if (!*s) return fail(c, n, field, "empty name; give the layer a name or drop the key");
    if (strlen(s) >= sizeof(((bench_layer *)0)->name))
        return fail(c, n, field, "name is longer than %zu characters; shorten it",
                    sizeof(((bench_layer *)0)->name) - 1);
    if (!name_ok(s, &bad)) {
        if ((unsigned char)bad <= ' ' || (unsigned char)bad >= 127)
            return fail(c, n, field, "'%s' has a space or a non-ASCII or control character;"
                        " use letters, digits and punctuation other than , \" \\", s);
        return fail(c, n, field, "'%s' contains '%c', which breaks the CSV and JSON outputs;"
                    " use letters, digits and other punctuation", s, bad);
    }
    return 0;
}

/* Where a problem_check field ("groups", "pad", ...) was written. */
static const yaml_node_t *field_node(const keyset *ks, const char *field, const yaml_node_t *dflt) {
    for (int i = 0; ks->keys[i]; i++)
        if (!strcmp(ks->keys[i], field) && ks->key[i]) return ks->val[i];
    return dflt;
}

static int parse_layer_mapping(ctx *c, yaml_node_t *m, int idx, bench_layer *L) {
    char prefix[40], field[80];
    snprintf(prefix, sizeof prefix, "layers[%d].", idx);
    keyset ks = {.keys = layer_keys, .prefix = prefix};
    if (read_mapping(c, m, &ks)) return -1;
    static const struct { int key; const char *what; } req[] = {
        {L_C, "the input channel count"}, {L_H, "the input height"},
        {L_K, "the output channel count"}, {L_R, "the kernel height"}};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (!ks.key[req[i].key]) {
            snprintf(field, sizeof field, "%s%s", prefix, layer_keys[req[i].key]);
            return fail(c, m, field, "missing; give %s (a layer needs c, h, k and r)", req[i].what);
        }
    conv_problem *p = &L->p;
    memset(p, 0, sizeof *p);
    long long v[4];
    int cnt;
    static const struct { int key; const char *what; int def; } ints[] = {
        {L_N, "the batch size", 1},   {L_C, "the input channel count", 0},
        {L_H, "the input height", 0}, {L_W, "the input width", -1},
        {L_K, "the output channel count", 0}, {L_R, "the kernel height", 0},
        {L_S, "the kernel width", -1}, {L_GROUPS, "the group count", 1}};
    int *dst[] = {&p->n, &p->c, &p->h, &p->w, &p->k, &p->r, &p->s, &p->groups};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        const yaml_node_t *vn = ks.val[ints[i].key];
        if (!ks.key[ints[i].key]) {
            *dst[i] = ints[i].def;
            continue;
        }
        snprintf(field, sizeof field, "%s%s", prefix, layer_keys[ints[i].key]);
        if (get_int(c, vn, field, -SIZE_MAX_VALUE, SIZE_MAX_VALUE, ints[i].what, v)) return -1;
        *dst[i] = (int)v[0];
    }
    if (p->w < 0 && !ks.key[L_W]) p->w = p->h;
    if (p->s < 0 && !ks.key[L_S]) p->s = p->r;

    p->stride_h = p->stride_w = 1;
    if (ks.key[L_STRIDE]) {
        static const int lens[] = {2};
        snprintf(field, sizeof field, "%sstride", prefix);
        if (get_ints(c, ks.val[L_STRIDE], field, "the stride", -SIZE_MAX_VALUE, lens, 1,
                     "one stride or [h, w]", v, &cnt))
            return -1;
        p->stride_h = (int)v[0];
        p->stride_w = (int)(cnt == 2 ? v[1] : v[0]);
    }
    p->dil_h = p->dil_w = 1;
    if (ks.key[L_DIL]) {
        static const int lens[] = {2};
        snprintf(field, sizeof field, "%sdilation", prefix);
        if (get_ints(c, ks.val[L_DIL], field, "the dilation (1 = dense)", -SIZE_MAX_VALUE, lens, 1,
                     "one dilation or [h, w] (1 = dense)", v, &cnt))
            return -1;
        p->dil_h = (int)v[0];
        p->dil_w = (int)(cnt == 2 ? v[1] : v[0]);
    }
    if (ks.key[L_PAD]) {
        static const int lens[] = {2, 4};
        snprintf(field, sizeof field, "%spad", prefix);
        if (get_ints(c, ks.val[L_PAD], field, "the padding", -SIZE_MAX_VALUE, lens, 2,
                     "one pad, [h, w] or [top, left, bottom, right]", v, &cnt))
            return -1;
        if (cnt == 1) p->pad_t = p->pad_l = p->pad_b = p->pad_r = (int)v[0];
        else if (cnt == 2) p->pad_t = p->pad_b = (int)v[0], p->pad_l = p->pad_r = (int)v[1];
        else p->pad_t = (int)v[0], p->pad_l = (int)v[1], p->pad_b = (int)v[2], p->pad_r = (int)v[3];
    }
    if (ks.key[L_BIAS]) {
        const char *s = scalar(ks.val[L_BIAS]);
        char b[64];
        snprintf(field, sizeof field, "%sbias", prefix);
        if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") ||
                  !strcmp(s, "yes") || !strcmp(s, "Yes") || !strcmp(s, "on")))
            p->has_bias = true;
        else if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE") ||
                       !strcmp(s, "no") || !strcmp(s, "No") || !strcmp(s, "off")))
            p->has_bias = false;
        else
            return fail(c, ks.val[L_BIAS], field, "%s is not a boolean; write true or false",
                        shown(ks.val[L_BIAS], b, sizeof b));
    }
    if (ks.key[L_NAME]) {
        const char *s = scalar(ks.val[L_NAME]);
        snprintf(field, sizeof field, "%sname", prefix);
        if (!s) return fail(c, ks.val[L_NAME], field, "expected a name, got %s", kind(ks.val[L_NAME]));
        if (check_name(c, ks.val[L_NAME], field, s)) return -1;
        snprintf(L->name, sizeof L->name, "%s", s);
    }
    char msg[512];
    if (problem_check(p, msg, sizeof msg)) {
        /* msg is "field: what; what to do": put it where that field was written */
        char *colon = strstr(msg, ": ");
        if (!colon) return fail(c, m, field, "%s", msg);
        *colon = '\0';
        snprintf(field, sizeof field, "%s%.30s", prefix, msg);
        return fail(c, field_node(&ks, msg, m), field, "%s", colon + 2);
    }
    return 0;
}

static int parse_layer(ctx *c, yaml_node_t *n, int idx, bench_layer *L, bool *defaulted) {
    char field[40];
    snprintf(field, sizeof field, "layers[%d]", idx);
    memset(L, 0, sizeof *L);
    L->line = line_of(n);
    if (n->type == YAML_MAPPING_NODE) {
        if (parse_layer_mapping(c, n, idx, L)) return -1;
    } else if (n->type == YAML_SCALAR_NODE) {
        char msg[512];
        const char *s = scalar(n);
        if (!*s)
            return fail(c, n, field, "empty layer; give a benchdnn descriptor or a mapping with c, h, k, r");
        if (desc_parse(s, &L->p, L->name, sizeof L->name, msg, sizeof msg))
            return fail(c, n, field, "%s", msg);
        if (L->name[0] && check_name(c, n, field, L->name)) return -1;
    } else {
        return fail(c, n, field,
                    "expected a benchdnn descriptor string or a mapping with c, h, k, r; got a list");
    }
    if (!L->name[0]) {
        snprintf(L->name, sizeof L->name, "layer%d", idx + 1);
        *defaulted = true;
    }

    /* the buffers a run holds: src, weights, dst (and bias), f32, four copies */
    const conv_problem *p = &L->p;
    double elems = (double)p->n * p->c * p->h * p->w +
                   (double)p->k * (p->c / p->groups) * p->r * p->s +
                   (double)p->n * p->k * conv_out_h(p) * conv_out_w(p) + (p->has_bias ? p->k : 0);
    double need = elems * 4.0 * 4.0;
    size_t avail = cb_avail_memory();
    if (avail && need > (double)avail) {
        const double gib = 1024.0 * 1024.0 * 1024.0;
        return fail(c, n, field,
                    "needs %.1f GiB (src, weights and dst in f32, 4 copies) but %.1f GiB are"
                    " available; make the layer or its batch smaller",
                    need / gib, (double)avail / gib);
    }
    return 0;
}

/* -------------------------------------------------------------- top level */

static const char *const top_keys[] = {"impls", "threads", "repetitions", "min_time", "cache",
                                       "layers", "tune", "tune_budget", NULL};
enum { T_IMPLS, T_THREADS, T_REPS, T_MINTIME, T_CACHE, T_LAYERS, T_TUNE, T_TUNE_BUDGET };

/* Items of a list (or a lone scalar as a list of one). */
static int items(ctx *c, yaml_node_t *n, const char *field, yaml_node_t ***out, int *count) {
    static yaml_node_t *one[1];
    if (n->type == YAML_SCALAR_NODE) {
        if (!*scalar(n)) return fail(c, n, field, "no value; give a list such as [a, b] or drop the key");
        one[0] = n;
        *out = one;
        *count = 1;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, field, "expected a list, got a mapping; write [a, b]");
    int len = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (len == 0) return fail(c, n, field, "empty list; list at least one or drop the key");
    yaml_node_t **v = malloc(sizeof *v * (size_t)len);
    if (!v) return fail(c, n, field, "out of memory");
    for (int i = 0; i < len; i++) v[i] = node(c, n->data.sequence.items.start[i]);
    *out = v;
    *count = len;
    return 0;
}

static void free_items(yaml_node_t *const *v, const yaml_node_t *n) {
    if (n->type == YAML_SEQUENCE_NODE) free((void *)v);
}

static int parse_impls(ctx *c, yaml_node_t *n, bench_config *cfg) {
    yaml_node_t **v;
    int cnt;
    if (items(c, n, "impls", &v, &cnt)) return -1;
    int rc = 0;
    cfg->impls = calloc((size_t)cnt, sizeof *cfg->impls);
    if (!cfg->impls) rc = fail(c, n, "impls", "out of memory");
    for (int i = 0; i < cnt && !rc; i++) {
        char field[32], b[64];
        snprintf(field, sizeof field, "impls[%d]", i);
        const char *s = scalar(v[i]);
        if (!s || !*s) {
            rc = fail(c, v[i], field, "expected an implementation name, got %s; use one of %s",
                      s ? "nothing" : kind(v[i]), target_names());
            break;
        }
        if (!target_find(s)) {
            rc = fail(c, v[i], field, "%s is not an implementation; use one of %s",
                      shown(v[i], b, sizeof b), target_names());
            break;
        }
        for (int j = 0; j < cfg->nimpls; j++)
            if (!strcmp(cfg->impls[j], s)) {
                rc = fail(c, v[i], field, "%s is listed twice; list it once", s);
                break;
            }
        if (rc) break;
        cfg->impls[cfg->nimpls] = strdup(s);
        if (!cfg->impls[cfg->nimpls]) rc = fail(c, v[i], field, "out of memory");
        else cfg->nimpls++;
    }
    free_items(v, n);
    return rc;
}

static int parse_threads(ctx *c, yaml_node_t *n, bench_config *cfg) {
    yaml_node_t **v;
    int cnt;
    if (items(c, n, "threads", &v, &cnt)) return -1;
    int rc = 0;
    free(cfg->threads);
    cfg->nthreads = 0;
    cfg->threads = calloc((size_t)cnt, sizeof *cfg->threads);
    if (!cfg->threads) rc = fail(c, n, "threads", "out of memory");
    for (int i = 0; i < cnt && !rc; i++) {
        char field[32];
        snprintf(field, sizeof field, "threads[%d]", i);
        const char *s = scalar(v[i]);
        long long t = 0;
        if (!(s && !strcmp(s, "max"))) {
            char b[64];
            if (!s || !*s) {
                rc = fail(c, v[i], field, "expected a thread count or max, got %s",
                          s ? "nothing" : kind(v[i]));
                break;
            }
            const char *p = s;
            if (*p == '-' || *p == '+') p++;
            if (!*p || p[strspn(p, "0123456789")]) {
                rc = fail(c, v[i], field, "%s is not a thread count; give a whole number >= 1 or max",
                          shown(v[i], b, sizeof b));
                break;
            }
            if (get_int(c, v[i], field, 1, 65536, "a thread count (or max)", &t)) {
                rc = -1;
                break;
            }
        }
        for (int j = 0; j < cfg->nthreads; j++)
            if (cfg->threads[j] == (int)t) {
                rc = fail(c, v[i], field, "%s is listed twice; list it once", t ? s : "max");
                break;
            }
        if (!rc) cfg->threads[cfg->nthreads++] = (int)t;
    }
    free_items(v, n);
    return rc;
}

static int parse_top(ctx *c, yaml_node_t *root, bench_config *cfg) {
    if (root->type != YAML_MAPPING_NODE) {
        char list[256];
        key_list(top_keys, list, sizeof list);
        return fail(c, root, "config", "the file holds %s; it must be a mapping of %s", kind(root),
                    list);
    }
    keyset ks = {.keys = top_keys, .prefix = ""};
    if (read_mapping(c, root, &ks)) return -1;

    if (ks.key[T_IMPLS] && parse_impls(c, ks.val[T_IMPLS], cfg)) return -1;
    if (ks.key[T_THREADS] && parse_threads(c, ks.val[T_THREADS], cfg)) return -1;
    if (ks.key[T_REPS]) {
        long long r;
        if (get_int(c, ks.val[T_REPS], "repetitions", 1, 1000000, "the repetition count", &r)) return -1;
        cfg->repetitions = (int)r;
    }
    if (ks.key[T_MINTIME]) {
        const yaml_node_t *vn = ks.val[T_MINTIME];
        const char *s = scalar(vn);
        char *end = NULL, b[64];
        double t = s && *s ? strtod(s, &end) : NAN;
        if (!s || !*s || *end || !isfinite(t))
            return fail(c, vn, "min_time", "%s is not a number; give seconds, e.g. 0.05",
                        shown(vn, b, sizeof b));
        if (t <= 0)
            return fail(c, vn, "min_time", "%s is not positive; give seconds > 0, e.g. 0.05", s);
        cfg->min_time = t;
    }
    if (ks.key[T_CACHE]) {
        const char *s = scalar(ks.val[T_CACHE]);
        char b[64];
        if (s && !strcmp(s, "warm")) cfg->cache = CACHE_WARM;
        else if (s && !strcmp(s, "cold")) cfg->cache = CACHE_COLD;
        else
            return fail(c, ks.val[T_CACHE], "cache", "%s is not a cache mode; use warm or cold",
                        shown(ks.val[T_CACHE], b, sizeof b));
    }
    if (ks.key[T_TUNE]) {
        const char *s = scalar(ks.val[T_TUNE]);
        char b[64];
        tune_mode m;
        if (!s || tune_mode_parse(s, &m))
            return fail(c, ks.val[T_TUNE], "tune", "%s is not a tuning mode; use off, cached, quick or full",
                        shown(ks.val[T_TUNE], b, sizeof b));
        cfg->tune = m;
    }
    if (ks.key[T_TUNE_BUDGET]) {
        const yaml_node_t *vn = ks.val[T_TUNE_BUDGET];
        const char *s = scalar(vn);
        char *end = NULL, b[64];
        double t = s && *s ? strtod(s, &end) : NAN;
        if (!s || !*s || *end || !isfinite(t) || t <= 0)
            return fail(c, vn, "tune_budget", "%s is not a positive number of seconds; give e.g. 2",
                        shown(vn, b, sizeof b));
        cfg->tune_budget = t;
    }
    if (!ks.key[T_LAYERS])
        return fail(c, root, "layers", "missing; add a layers: list with at least one layer");
    yaml_node_t *ln = ks.val[T_LAYERS];
    if (ln->type != YAML_SEQUENCE_NODE)
        return fail(c, ln, "layers", "expected a list of layers, got %s; write one '- ' line per layer",
                    scalar(ln) && !*scalar(ln) ? "nothing" : kind(ln));
    int len = (int)(ln->data.sequence.items.top - ln->data.sequence.items.start);
    if (len == 0) return fail(c, ln, "layers", "empty list; give at least one layer");
    cfg->layers = calloc((size_t)len, sizeof *cfg->layers);
    if (!cfg->layers) return fail(c, ln, "layers", "out of memory");
    for (int i = 0; i < len; i++) {
        yaml_node_t *item = node(c, ln->data.sequence.items.start[i]);
        bench_layer *L = &cfg->layers[i];
        bool defaulted = false;
        if (parse_layer(c, item, i, L, &defaulted)) return -1;
        cfg->nlayers++;
        for (int j = 0; j < i; j++)
            if (!strcmp(cfg->layers[j].name, L->name)) {
                char field[40];
                snprintf(field, sizeof field, "layers[%d]", i);
                return fail(c, item, field,
                            "the name %s%s is already used by layers[%d] (line %d); give each"
                            " layer its own name",
                            L->name, defaulted ? " (its default name)" : "", j,
                            cfg->layers[j].line);
            }
    }
    return 0;
}

static int yaml_fail(ctx *c, yaml_parser_t *ps, const char *text, size_t len) {
    int line = (int)ps->problem_mark.line + 1;
    if (ps->error == YAML_READER_ERROR) { /* only an offset is known */
        line = 1;
        for (size_t i = 0; i < ps->problem_offset && i < len; i++) line += text[i] == '\n';
    }
    char ctxs[160] = "";
    if (ps->context)
        snprintf(ctxs, sizeof ctxs, " (%s on line %d)", ps->context, (int)ps->context_mark.line + 1);
    int w = snprintf(c->err, c->errlen, "%s:%d: yaml: %s%s; fix the YAML syntax", c->file, line,
                     ps->problem ? ps->problem : "malformed YAML", ctxs);
    (void)w;
    for (char *p = c->err; p && *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return -1;
}

static void stem_of(const char *path, char *out, size_t len) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (has_suffix(b, ".yaml")) n -= 5;
    else if (has_suffix(b, ".yml")) n -= 4;
    if (n >= len) n = len - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

int config_load(const char *path, bench_config *cfg, char *err, size_t errlen) {
    memset(cfg, 0, sizeof *cfg);
    if (!path) return cb_fail(err, errlen, "config: no path given");
    if (strlen(path) >= sizeof cfg->path)
        return cb_fail(err, errlen, "%s: path is too long; use a shorter one", path);
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    stem_of(path, cfg->stem, sizeof cfg->stem);
    cfg->repetitions = 10;
    cfg->min_time = 0.05;
    cfg->tune = TUNE_CACHED;
    cfg->cache = CACHE_WARM;
    cfg->nthreads = 1;
    cfg->threads = malloc(sizeof *cfg->threads);
    if (!cfg->threads) return cb_fail(err, errlen, "%s: out of memory", path);
    cfg->threads[0] = 1;

    /* the whole file, so that reader errors can be given a line */
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        config_free(cfg);
        return cb_fail(err, errlen, "%s: cannot open: %s; check the path", path, strerror(e));
    }
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    for (size_t got; text && (got = fread(text + len, 1, cap - len, f)) > 0;) {
        len += got;
        if (len == cap) {
            char *t = cap > (64u << 20) ? NULL : realloc(text, cap *= 2);
            if (!t) free(text);
            text = t;
        }
    }
    bool rerr = ferror(f);
    fclose(f);
    if (!text || rerr) {
        free(text);
        config_free(cfg);
        return cb_fail(err, errlen, "%s: cannot read the file (%s); check it is a small text file",
                       path, text ? "read error" : "too large or out of memory");
    }

    ctx c = {.file = path, .err = err, .errlen = errlen};
    yaml_parser_t ps;
    yaml_document_t doc, doc2;
    int rc = 0;
    if (!yaml_parser_initialize(&ps)) {
        free(text);
        config_free(cfg);
        return cb_fail(err, errlen, "%s: cannot start the YAML parser (out of memory)", path);
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    if (!yaml_parser_load(&ps, &doc)) {
        rc = yaml_fail(&c, &ps, text, len);
    } else {
        c.doc = &doc;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            rc = cb_fail(err, errlen, "%s:1: layers: the file is empty; add a layers: list with at"
                         " least one layer", path);
        } else if (!yaml_parser_load(&ps, &doc2)) {
            rc = yaml_fail(&c, &ps, text, len);
        } else {
            yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
            if (r2) {
                rc = fail(&c, r2, "yaml",
                          "a second document starts here (after ---); keep one document per file");
            }
            yaml_document_delete(&doc2);
            if (!rc) rc = parse_top(&c, root, cfg);
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&ps);
    free(text);
    if (rc) config_free(cfg);
    return rc ? -1 : 0;
}

void config_free(bench_config *cfg) {
    if (!cfg) return;
    for (int i = 0; i < cfg->nimpls; i++) free(cfg->impls[i]);
    free(cfg->impls);
    free(cfg->threads);
    free(cfg->layers);
    cfg->impls = NULL;
    cfg->threads = NULL;
    cfg->layers = NULL;
    cfg->nimpls = cfg->nthreads = cfg->nlayers = 0;
}
