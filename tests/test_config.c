/* YAML configs (harness/config.c): good files, every kind of bad one (one
 * line naming file, line and field), name resolution, and the shipped configs. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "conv.h"
#include "targets.h"

static char DIR_[256];
static char ERR[2048];

static const char *write_file(const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", DIR_, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

static bool load(const char *name, const char *text, bench_config *cfg) {
    const char *path = write_file(name, text);
    ERR[0] = '\0';
    return config_load(path, cfg, ERR, sizeof ERR) == 0;
}

/* A bad config: -1, one line containing "NAME:LINE: FIELD" and want. */
static void bad(const char *name, const char *text, int line, const char *field, const char *want) {
    bench_config cfg;
    memset(&cfg, 0x5a, sizeof cfg);
    bool ok = load(name, text, &cfg);
    if (getenv("SHOW_ERRORS")) printf("%s\n", ERR); /* to read them all */
    CHECK(!ok, "%s loaded but should not", name);
    char loc[600];
    snprintf(loc, sizeof loc, "%s/%s:%d: %s", DIR_, name, line, field);
    CHECK(strncmp(ERR, loc, strlen(loc)) == 0, "%s: message '%s' does not start '%s'", name, ERR, loc);
    CHECK(!want || strstr(ERR, want), "%s: message '%s' lacks '%s'", name, ERR, want);
    CHECK(!strchr(ERR, '\n'), "%s: message is not one line: '%s'", name, ERR);
    CHECK(strstr(ERR, "; ") != NULL, "%s: message says nothing to do: '%s'", name, ERR);
    CHECK(cfg.layers == NULL && cfg.nlayers == 0 && cfg.impls == NULL && cfg.threads == NULL,
          "%s: a failed load left allocations", name);
    config_free(&cfg);
}

#define EQ(expr, want) CHECK((expr) == (want), "%s: " #expr " = %d, want %d", where, (int)(expr), (int)(want))

static void good_configs(void) {
    bench_config cfg;
    const char *where = "full.yaml";
    bool ok = load("full.yaml",
                   "# every key\n"
                   "impls: [naive, im2col_gemm, onednn_blocked]   # a comment\n"
                   "threads: [1, 2, max]\n"
                   "repetitions: 5\n"
                   "min_time: 0.02\n"
                   "cache: cold\n"
                   "layers:\n"
                   "  - mb1ic64ih56oc64oh56kh3ph1n\"res2a_branch2b\"\n"                  /* 8 */
                   "  - {name: conv1, n: 1, c: 3, h: 224, w: 224, k: 64, r: 7, s: 7, stride: 2, pad: 3}\n"
                   "  - name: odd\n"                                                       /* 10 */
                   "    n: 2\n"
                   "    c: 4\n"
                   "    h: 13\n"
                   "    w: 17\n"
                   "    k: 6\n"
                   "    r: 3\n"
                   "    s: 2\n"
                   "    stride: [2, 1]\n"
                   "    pad: [0, 1, 1, 2]\n"
                   "    dilation: [2, 1]\n"
                   "    groups: 2\n"
                   "    bias: true\n"
                   "  - {c: 8, h: 6, k: 8, r: 3, pad: [1, 0], groups: 8}\n"               /* 23 */
                   "  - ic2ih5oc2kh3\n",
                   &cfg);
    CHECK(ok, "full.yaml: %s", ERR);
    if (ok) {
        CHECK(!strcmp(cfg.stem, "full"), "stem '%s'", cfg.stem);
        CHECK(strstr(cfg.path, "full.yaml") != NULL, "path '%s'", cfg.path);
        EQ(cfg.nimpls, 3);
        CHECK(cfg.nimpls == 3 && !strcmp(cfg.impls[0], "naive") && !strcmp(cfg.impls[2], "onednn_blocked"),
              "impls");
        EQ(cfg.nthreads, 3);
        CHECK(cfg.nthreads == 3 && cfg.threads[0] == 1 && cfg.threads[1] == 2 && cfg.threads[2] == 0,
              "threads");
        EQ(cfg.repetitions, 5);
        CHECK(cfg.min_time == 0.02, "min_time %g", cfg.min_time);
        EQ(cfg.cache, CACHE_COLD);
        EQ(cfg.nlayers, 5);
    }
    if (ok && cfg.nlayers == 5) {
        const bench_layer *L = cfg.layers;
        CHECK(!strcmp(L[0].name, "res2a_branch2b"), "name '%s'", L[0].name);
        EQ(L[0].line, 8);
        EQ(L[0].p.n, 1); EQ(L[0].p.c, 64); EQ(L[0].p.k, 64); EQ(L[0].p.pad_b, 1);
        EQ(conv_out_h(&L[0].p), 56);

        CHECK(!strcmp(L[1].name, "conv1"), "name '%s'", L[1].name);
        EQ(L[1].line, 9);
        EQ(L[1].p.stride_h, 2); EQ(L[1].p.stride_w, 2); EQ(L[1].p.pad_t, 3); EQ(L[1].p.pad_r, 3);
        EQ(L[1].p.r, 7); EQ(L[1].p.s, 7); EQ(L[1].p.groups, 1); EQ(L[1].p.dil_h, 1);
        EQ(L[1].p.has_bias, false);
        EQ(conv_out_h(&L[1].p), 112); EQ(conv_out_w(&L[1].p), 112);

        const conv_problem *p = &L[2].p;
        CHECK(!strcmp(L[2].name, "odd"), "name '%s'", L[2].name);
        EQ(L[2].line, 10);
        EQ(p->n, 2); EQ(p->c, 4); EQ(p->h, 13); EQ(p->w, 17); EQ(p->k, 6); EQ(p->r, 3); EQ(p->s, 2);
        EQ(p->stride_h, 2); EQ(p->stride_w, 1);
        EQ(p->pad_t, 0); EQ(p->pad_l, 1); EQ(p->pad_b, 1); EQ(p->pad_r, 2);
        EQ(p->dil_h, 2); EQ(p->dil_w, 1); EQ(p->groups, 2); EQ(p->has_bias, true);
        EQ(conv_out_h(p), 5);  /* (13 + 1 - 5) / 2 + 1 */
        EQ(conv_out_w(p), 19); /* 17 + 3 - 2 + 1 */

        p = &L[3].p;
        CHECK(!strcmp(L[3].name, "layer4"), "default name '%s'", L[3].name);
        EQ(p->n, 1); EQ(p->w, 6); EQ(p->s, 3); EQ(p->groups, 8);
        EQ(p->pad_t, 1); EQ(p->pad_b, 1); EQ(p->pad_l, 0); EQ(p->pad_r, 0);
        CHECK(!strcmp(L[4].name, "layer5"), "default name '%s'", L[4].name);
        EQ(L[4].p.n, 2); /* benchdnn's default minibatch */
    }
    config_free(&cfg);
    CHECK(cfg.layers == NULL && cfg.impls == NULL && cfg.threads == NULL, "config_free");

    where = "minimal.yaml";
    ok = load("minimal.yaml", "layers:\n- {c: 3, h: 8, k: 4, r: 3}\n", &cfg);
    CHECK(ok, "minimal.yaml: %s", ERR);
    if (ok) {
        EQ(cfg.nimpls, 0);
        CHECK(cfg.impls == NULL, "impls default");
        EQ(cfg.nthreads, 1);
        EQ(cfg.threads[0], 1);
        EQ(cfg.repetitions, 10);
        CHECK(cfg.min_time == 0.05, "min_time default %g", cfg.min_time);
        EQ(cfg.cache, CACHE_WARM);
        EQ(cfg.nlayers, 1);
        EQ(cfg.layers[0].line, 2);
        CHECK(!strcmp(cfg.layers[0].name, "layer1"), "name '%s'", cfg.layers[0].name);
        EQ(conv_out_h(&cfg.layers[0].p), 6);
    }
    config_free(&cfg);

    where = "scalars.yaml";
    ok = load("scalars.yml", "threads: max\nimpls: naive\ncache: warm\nmin_time: 1\n"
                             "layers:\n  - {name: \"quoted:name*2\", c: \"3\", h: 8, k: 4, r: 3, bias: false}\n",
              &cfg);
    CHECK(ok, "scalars.yml: %s", ERR);
    if (ok) {
        CHECK(!strcmp(cfg.stem, "scalars"), "stem '%s'", cfg.stem);
        EQ(cfg.nthreads, 1);
        EQ(cfg.threads[0], 0);
        EQ(cfg.nimpls, 1);
        CHECK(cfg.min_time == 1.0, "min_time %g", cfg.min_time);
        CHECK(!strcmp(cfg.layers[0].name, "quoted:name*2"), "name '%s'", cfg.layers[0].name);
    }
    config_free(&cfg);
}

static void bad_configs(void) {
    const char *L1 = "layers:\n  - {c: 3, h: 8, k: 4, r: 3}\n";
    char buf[1024];

    bad("unknown_key.yaml", "layers:\n  - mb1ic3ih8oc4oh8kh3ph1\nrepetitons: 3\n", 3, "repetitons",
        "unknown key; expected one of impls, threads, repetitions, min_time, cache, layers");
    bad("unknown_layer_key.yaml", "layers:\n  - name: a\n    c: 3\n    h: 8\n    kernel: 3\n", 5,
        "layers[0].kernel", "unknown key; expected one of name, n, c, h, w, k, r, s");
    bad("bad_yaml.yaml", "layers:\n  - {c: 3, h: 8\n", 3, "yaml", "fix the YAML syntax");
    bad("bad_yaml2.yaml", "layers:\n  - a\n - b\n", 3, "yaml", "did not find expected key");
    bad("bad_utf8.yaml", "layers:\n  - \xff\xfe\n", 2, "yaml", "UTF-8");
    bad("tab.yaml", "layers:\n\t- a\n", 2, "yaml", NULL);
    bad("missing_c.yaml", "layers:\n  - {h: 8, k: 4, r: 3}\n", 2, "layers[0].c", "missing");
    bad("missing_r.yaml", "layers:\n  - {c: 3, h: 8, k: 4}\n  - {c: 3, h: 8, k: 4}\n", 2,
        "layers[0].r", "missing");
    bad("non_numeric.yaml", "layers:\n  - {c: three, h: 8, k: 4, r: 3}\n", 2, "layers[0].c",
        "'three' is not an integer");
    bad("fraction.yaml", "layers:\n  - name: x\n    c: 3\n    h: 3.5\n    k: 4\n    r: 3\n", 4,
        "layers[0].h", "'3.5' is not an integer");
    bad("list_value.yaml", "layers:\n  - {c: [3], h: 8, k: 4, r: 3}\n", 2, "layers[0].c", "a list");
    bad("empty_value.yaml", "layers:\n  - name: x\n    c:\n    h: 8\n    k: 4\n    r: 3\n", 3,
        "layers[0].c", "no value");
    bad("zero_size.yaml", "layers:\n  - {c: 0, h: 8, k: 4, r: 3}\n", 2, "layers[0].c", "is 0");
    bad("negative.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3}\n  - name: neg\n    c: 3\n    h: -8\n    k: 4\n    r: 3\n",
        5, "layers[1].h", "-8");
    bad("neg_pad.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3, pad: [0, 0, -1, 0]}\n", 2,
        "layers[0].pad", "bottom padding is -1");
    bad("zero_stride.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3, stride: [1, 0]}\n", 2,
        "layers[0].stride", NULL);
    bad("zero_dil.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3, dilation: 0}\n", 2,
        "layers[0].dilation", NULL);
    bad("pad3.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3, pad: [1, 2, 3]}\n", 2, "layers[0].pad",
        "3 values");
    bad("stride3.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3, stride: [1, 2, 3]}\n", 2,
        "layers[0].stride", "3 values");
    bad("no_output.yaml", "layers:\n  - {c: 3, h: 2, k: 4, r: 5}\n", 2, "layers[0].output", "kernel");
    bad("no_output_w.yaml", "layers:\n  - {c: 3, h: 9, w: 2, k: 4, r: 3, s: 5, dilation: [1, 1]}\n", 2,
        "layers[0].output", NULL);
    bad("bad_groups.yaml", "layers:\n  - {c: 6, h: 8, k: 4, r: 3, groups: 4}\n", 2,
        "layers[0].groups", "4 does not divide c=6; use a divisor of both c and k");
    bad("bad_groups_block.yaml",
        "repetitions: 3\nlayers:\n  - {c: 64, h: 8, k: 64, r: 3}\n  - {c: 64, h: 8, k: 64, r: 1}\n"
        "  - name: g\n    c: 64\n    groups: 3\n    h: 8\n    k: 64\n    r: 3\n",
        7, "layers[2].groups", "3 does not divide c=64; use a divisor of both c and k");
    bad("bad_groups_k.yaml", "layers:\n  - {c: 4, h: 8, k: 6, r: 3, groups: 4}\n", 2,
        "layers[0].groups", "does not divide k=6");
    bad("bad_bias.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3, bias: maybe}\n", 2,
        "layers[0].bias", "'maybe' is not a boolean");
    snprintf(buf, sizeof buf, "impls: [naive, fastest_ever]\n%s", L1);
    char want[1200];
    snprintf(want, sizeof want, "'fastest_ever' is not an implementation; use one of %s", target_names());
    bad("unknown_impl.yaml", buf, 1, "impls[1]", want);
    CHECK(strstr(ERR, "naive") && strstr(ERR, "onednn_blocked"), "known names: '%s'", ERR);
    snprintf(buf, sizeof buf, "impls:\n  - naive\n  - naive\n%s", L1);
    bad("dup_impl.yaml", buf, 3, "impls[1]", "twice");
    snprintf(buf, sizeof buf, "impls: []\n%s", L1);
    bad("empty_impls.yaml", buf, 1, "impls", "empty");
    bad("bad_desc.yaml", "layers:\n  - mb1ic3ih8oc4oh8kh3ph1zz9\n", 2, "layers[0]",
        "unknown entry 'zz'");
    bad("bad_desc_oh.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3}\n  - mb1ic64ih56oc64oh56kh3sh2ph1\n", 3,
        "layers[1]", "oh56 does not match ih56, kh3, sh2, ph1: expected 28");
    bad("desc_3d.yaml", "layers:\n  - mb1ic3id8ih8oc4kh3kd3\n", 2, "layers[0]", "3-D");
    bad("empty_layers.yaml", "repetitions: 3\nlayers: []\n", 2, "layers", "empty");
    bad("null_layers.yaml", "repetitions: 3\nlayers:\n", 2, "layers", NULL);
    bad("no_layers.yaml", "repetitions: 3\ncache: warm\n", 1, "layers", "missing");
    bad("empty_file.yaml", "# nothing but a comment\n", 1, "layers", "empty");
    bad("list_top.yaml", "- a\n- b\n", 1, "config", "mapping");
    bad("layer_list.yaml", "layers:\n  - [1, 2]\n", 2, "layers[0]", "got a list");
    bad("empty_layer.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3}\n  - \"\"\n", 3, "layers[1]", "empty");
    bad("huge.yaml", "layers:\n  - {n: 100000, c: 1024, h: 1024, k: 1024, r: 3}\n", 2, "layers[0]",
        "GiB are available");
    bad("huge_desc.yaml", "layers:\n  - mb100000ic1024ih1024oc1024kh3\n", 2, "layers[0]", "GiB");
    bad("too_big.yaml", "layers:\n  - {c: 3, h: 99999999999999999999, k: 4, r: 3}\n", 2,
        "layers[0].h", "too large");
    snprintf(buf, sizeof buf, "repetitions: 0\n%s", L1);
    bad("zero_reps.yaml", buf, 1, "repetitions", ">= 1");
    snprintf(buf, sizeof buf, "repetitions: ten\n%s", L1);
    bad("word_reps.yaml", buf, 1, "repetitions", "not an integer");
    snprintf(buf, sizeof buf, "%smin_time: -1\n", L1);
    bad("neg_time.yaml", buf, 3, "min_time", "not positive");
    snprintf(buf, sizeof buf, "%smin_time: soon\n", L1);
    bad("word_time.yaml", buf, 3, "min_time", "not a number");
    snprintf(buf, sizeof buf, "cache: hot\n%s", L1);
    bad("bad_cache.yaml", buf, 1, "cache", "warm or cold");
    snprintf(buf, sizeof buf, "threads: [1, 0]\n%s", L1);
    bad("zero_threads.yaml", buf, 1, "threads[1]", NULL);
    snprintf(buf, sizeof buf, "threads: [1, two]\n%s", L1);
    bad("word_threads.yaml", buf, 1, "threads[1]", "'two'");
    snprintf(buf, sizeof buf, "threads: [max, max]\n%s", L1);
    bad("dup_threads.yaml", buf, 1, "threads[1]", "twice");
    snprintf(buf, sizeof buf, "threads: {a: 1}\n%s", L1);
    bad("map_threads.yaml", buf, 1, "threads", "mapping");
    bad("dup_key.yaml", "layers:\n  - {c: 3, h: 8, k: 4, r: 3}\nrepetitions: 3\nrepetitions: 4\n", 4,
        "repetitions", "given twice (first on line 3)");
    bad("dup_layer_key.yaml", "layers:\n  - name: a\n    c: 3\n    h: 8\n    c: 4\n", 5, "layers[0].c",
        "given twice");
    bad("dup_names.yaml", "layers:\n  - {name: a, c: 3, h: 8, k: 4, r: 3}\n  - ic3ih8oc4kh3n\"a\"\n", 3,
        "layers[1]", "already used by layers[0] (line 2)");
    bad("dup_auto_name.yaml", "layers:\n  - {name: layer2, c: 3, h: 8, k: 4, r: 3}\n  - {c: 3, h: 8, k: 4, r: 3}\n",
        3, "layers[1]", "the name layer2 (its default name) is already used");
    bad("comma_name.yaml", "layers:\n  - {name: \"a,b\", c: 3, h: 8, k: 4, r: 3}\n", 2, "layers[0].name",
        "','");
    bad("space_name.yaml", "layers:\n  - ic3ih8oc4kh3n\"a b\"\n", 2, "layers[0]", "space");
    bad("two_docs.yaml", "layers:\n  - ic3ih8oc4kh3\n---\nlayers:\n  - ic3ih8oc4kh3\n", 4, "yaml",
        "second document");

    /* a file that is not there */
    bench_config cfg;
    char path[600];
    snprintf(path, sizeof path, "%s/absent.yaml", DIR_);
    CHECK(config_load(path, &cfg, ERR, sizeof ERR) == -1, "absent file loaded");
    CHECK(strstr(ERR, "absent.yaml") && strstr(ERR, "cannot open"), "absent: '%s'", ERR);
    CHECK(cfg.layers == NULL && cfg.threads == NULL, "absent: allocations left");
}

static void resolve(void) {
    char sub[512], out[4096], src_dir[400];
    snprintf(src_dir, sizeof src_dir, "%s/src", DIR_);
    snprintf(sub, sizeof sub, "%s/configs", src_dir);
    mkdir(src_dir, 0700);
    mkdir(sub, 0700);
    const char *old = getenv("CONVBENCH_SOURCE_DIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("CONVBENCH_SOURCE_DIR", src_dir, 1);
    write_file("src/configs/alpha.yaml", "layers: [ic1ih3oc1kh3]\n");
    write_file("src/configs/beta.yml", "layers: [ic1ih3oc1kh3]\n");
    write_file("src/configs/notes.txt", "not a config\n");

    char want[600];
    snprintf(want, sizeof want, "%s/alpha.yaml", sub);
    CHECK(config_resolve("alpha", out, sizeof out, ERR, sizeof ERR) == 0 && !strcmp(out, want),
          "alpha -> '%s' (%s)", out, ERR);
    CHECK(config_resolve("alpha.yaml", out, sizeof out, ERR, sizeof ERR) == 0 && !strcmp(out, want),
          "alpha.yaml -> '%s' (%s)", out, ERR);
    snprintf(want, sizeof want, "%s/beta.yml", sub);
    CHECK(config_resolve("beta", out, sizeof out, ERR, sizeof ERR) == 0 && !strcmp(out, want),
          "beta -> '%s' (%s)", out, ERR);
    /* an existing path is used as is */
    const char *p = write_file("here.yaml", "layers: [ic1ih3oc1kh3]\n");
    char here[600];
    snprintf(here, sizeof here, "%s", p);
    CHECK(config_resolve(here, out, sizeof out, ERR, sizeof ERR) == 0 && !strcmp(out, here),
          "path -> '%s' (%s)", out, ERR);
    CHECK(config_resolve("gamma", out, sizeof out, ERR, sizeof ERR) == -1, "gamma resolved");
    CHECK(strstr(ERR, "gamma") && strstr(ERR, "alpha, beta") && !strstr(ERR, "notes"),
          "gamma: '%s'", ERR);
    CHECK(!strchr(ERR, '\n'), "gamma: not one line");
    CHECK(config_resolve("nodir/alpha", out, sizeof out, ERR, sizeof ERR) == -1, "nodir/alpha resolved");
    CHECK(config_resolve(DIR_, out, sizeof out, ERR, sizeof ERR) == -1 && strstr(ERR, "directory"),
          "a directory: '%s'", ERR);
    CHECK(config_resolve("", out, sizeof out, ERR, sizeof ERR) == -1 && strstr(ERR, "alpha"),
          "empty: '%s'", ERR);

    if (saved) {
        setenv("CONVBENCH_SOURCE_DIR", saved, 1);
        free(saved);
    } else {
        unsetenv("CONVBENCH_SOURCE_DIR");
    }
}

static const bench_layer *find_layer(const bench_config *cfg, const char *name) {
    for (int i = 0; i < cfg->nlayers; i++)
        if (!strcmp(cfg->layers[i].name, name)) return &cfg->layers[i];
    return NULL;
}

static void shipped(void) {
    const char *src = getenv("CONVBENCH_SOURCE_DIR");
    if (!src || !*src) src = ".";
    char dir[600];
    snprintf(dir, sizeof dir, "%s/configs", src);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open %s (set CONVBENCH_SOURCE_DIR to the source tree)", dir);
    if (!d) return;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml")) continue;
        char path[1200], stem[256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(stem, sizeof stem, "%.*s", (int)(n - 5), e->d_name);
        bench_config cfg;
        char resolved[4096];
        CHECK(config_resolve(stem, resolved, sizeof resolved, ERR, sizeof ERR) == 0,
              "resolve %s: %s", stem, ERR);
        int rc = config_load(path, &cfg, ERR, sizeof ERR);
        CHECK(rc == 0, "shipped config %s: %s", e->d_name, ERR);
        files++;
        if (rc) continue;
        const char *where = e->d_name;
        CHECK(!strcmp(cfg.stem, stem), "stem '%s'", cfg.stem);
        CHECK(cfg.nlayers >= 1, "%s: no layers", where);
        if (!strcmp(stem, "resnet")) {
            EQ(cfg.nlayers, 20);
            const bench_layer *L = find_layer(&cfg, "conv1");
            CHECK(L != NULL, "resnet: no conv1");
            if (L) {
                EQ(L->p.n, 1); EQ(L->p.c, 3); EQ(L->p.h, 224); EQ(L->p.w, 224); EQ(L->p.k, 64);
                EQ(L->p.r, 7); EQ(L->p.stride_h, 2); EQ(L->p.pad_t, 3); EQ(L->p.pad_l, 3);
                EQ(conv_out_h(&L->p), 112); EQ(conv_out_w(&L->p), 112);
            }
            L = find_layer(&cfg, "res2a_branch2b");
            CHECK(L != NULL, "resnet: no res2a_branch2b");
            if (L) {
                EQ(L->p.n, 1); EQ(L->p.c, 64); EQ(L->p.h, 56); EQ(L->p.k, 64); EQ(L->p.r, 3);
                EQ(L->p.s, 3); EQ(L->p.pad_t, 1); EQ(L->p.pad_b, 1); EQ(L->p.stride_h, 1);
                EQ(conv_out_h(&L->p), 56); EQ(conv_out_w(&L->p), 56);
            }
            L = find_layer(&cfg, "res5a_branch1");
            CHECK(L != NULL, "resnet: no res5a_branch1");
            if (L) {
                EQ(L->p.c, 1024); EQ(L->p.k, 2048); EQ(L->p.r, 1); EQ(L->p.stride_h, 2);
                EQ(conv_out_h(&L->p), 7);
            }
            for (int i = 0; i < cfg.nlayers; i++) EQ(cfg.layers[i].p.n, 1);
        }
        if (!strcmp(stem, "vgg")) {
            const bench_layer *L = find_layer(&cfg, "conv1_1");
            CHECK(L != NULL, "vgg: no conv1_1");
            if (L) { EQ(L->p.c, 3); EQ(L->p.k, 64); EQ(L->p.h, 224); EQ(conv_out_h(&L->p), 224); }
            for (int i = 0; i < cfg.nlayers; i++) {
                EQ(cfg.layers[i].p.r, 3);
                EQ(conv_out_h(&cfg.layers[i].p), cfg.layers[i].p.h);
            }
        }
        if (!strcmp(stem, "mobilenet")) {
            int dw = 0, pw = 0;
            for (int i = 0; i < cfg.nlayers; i++) {
                const conv_problem *p = &cfg.layers[i].p;
                dw += p->groups > 1 && p->groups == p->c && p->groups == p->k;
                pw += p->r == 1 && p->s == 1 && p->groups == 1;
                EQ(p->n, 1);
            }
            CHECK(dw >= 9 && pw >= 10, "mobilenet: %d depthwise, %d pointwise", dw, pw);
        }
        if (!strcmp(stem, "smoke")) {
            EQ(cfg.repetitions, 3);
            CHECK(cfg.min_time == 0.01, "smoke min_time %g", cfg.min_time);
            bool s2 = false, asym = false, dil = false, grp = false, dw = false, b2 = false,
                 bias = false, nonsq = false;
            double flops = 0;
            for (int i = 0; i < cfg.nlayers; i++) {
                const conv_problem *p = &cfg.layers[i].p;
                s2 |= p->stride_h == 2 || p->stride_w == 2;
                asym |= p->pad_t != p->pad_b || p->pad_l != p->pad_r;
                dil |= p->dil_h > 1 || p->dil_w > 1;
                grp |= p->groups > 1 && p->groups < p->c;
                dw |= p->groups > 1 && p->groups == p->c && p->c == p->k;
                b2 |= p->n == 2;
                bias |= p->has_bias;
                nonsq |= p->h != p->w || p->r != p->s;
                flops += conv_flops(p);
            }
            CHECK(s2 && asym && dil && grp && dw && b2 && bias && nonsq,
                  "smoke misses a feature: stride2 %d asym %d dil %d groups %d dw %d batch2 %d bias %d nonsquare %d",
                  s2, asym, dil, grp, dw, b2, bias, nonsq);
            CHECK(cfg.nlayers >= 5 && cfg.nlayers <= 7, "smoke: %d layers", cfg.nlayers);
            CHECK(flops < 2e6, "smoke is not tiny: %.0f flops", flops);
        }
        if (!strcmp(stem, "seeds")) {
            EQ(cfg.nlayers, 6);
            const conv_problem *p = &cfg.layers[0].p;
            EQ(p->n, 64); EQ(p->c, 3); EQ(p->h, 50); EQ(p->k, 15); EQ(p->r, 4); EQ(p->stride_h, 2);
            EQ(conv_out_h(p), 24);
            p = &cfg.layers[5].p;
            EQ(p->groups, 3); EQ(p->r, 2); EQ(conv_out_h(p), 256);
        }
        config_free(&cfg);
    }
    closedir(d);
    CHECK(files >= 5, "only %d shipped configs in %s", files, dir);
}

int main(void) {
    snprintf(DIR_, sizeof DIR_, "/tmp/convbench-test-config-XXXXXX");
    if (!mkdtemp(DIR_)) {
        perror("mkdtemp");
        return 2;
    }
    good_configs();
    bad_configs();
    resolve();
    shipped();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", DIR_);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", DIR_);
    return check_report();
}
