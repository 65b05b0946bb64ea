/* The instruction-count gate: `convbench count` (under valgrind) and
 * `convbench perf-check` (drives valgrind, compares with the baseline).
 * See count.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* posix_spawnp, mkdtemp */
#endif
#include "count.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <omp.h>

#include "bench.h"
#include "compare.h"
#include "config.h"
#include "conv.h"
#include "machine.h"
#include "targets.h"
#include "util.h"

#ifndef CONVBENCH_COMPILER
#define CONVBENCH_COMPILER "unknown"
#endif

extern char **environ;

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define COUNTED_FUNCTION "convbench_counted_run"
#define DEFAULT_THRESHOLD_PCT 2.0

/* ============================================================ count mode */

/* What one counted call does: the timed body of a benchmark iteration
 * (layout in, run, layout out; run alone for kernel-only peers), `repeat`
 * times. noipa: never inlined, cloned or specialised, so callgrind finds
 * the one symbol it toggles collection on. */
__attribute__((noipa, used)) void convbench_counted_run(const conv_impl *im, const conv_args *a, int repeat) {
    for (int i = 0; i < repeat; i++) {
        if (im->kernel_only || (!im->layout_in && !im->layout_out)) {
            im->run(a);
            continue;
        }
        if (im->layout_in) im->layout_in(a);
        im->run(a);
        if (im->layout_out) im->layout_out(a);
    }
}

/* N from CONVBENCH_COUNT_REPEAT="impl:N,impl2:M" for this implementation; 1 otherwise. */
static int repeat_for(const char *impl) {
    const char *env = getenv("CONVBENCH_COUNT_REPEAT");
    if (!env) return 1;
    size_t len = strlen(impl);
    for (const char *p = env; *p;) {
        const char *end = p + strcspn(p, ",");
        if ((size_t)(end - p) > len && !strncmp(p, impl, len) && (p[len] == ':' || p[len] == '=')) {
            int n = atoi(p + len + 1);
            return n > 0 ? n : 1;
        }
        p = *end ? end + 1 : end;
    }
    return 1;
}

/* "avx512f+avx2", "avx2", "scalar": the ISA bits dispatch may use here. */
static void isa_string(unsigned isa, char *out, size_t len) {
    out[0] = '\0';
    for (unsigned bit = CONV_ISA_NEON; bit; bit >>= 1)
        if (isa & bit) {
            size_t used = strlen(out);
            snprintf(out + used, len - used, "%s%s", used ? "+" : "", conv_isa_name(bit));
        }
    if (!out[0]) snprintf(out, len, "scalar");
}

static const char *const usage_count =
    "usage: convbench count CONFIG [--impl NAME]...\n"
    "\n"
    "Runs each implementation (CONFIG's impls, else every implementation of the\n"
    "registry, without the oneDNN peers) once per layer at one thread, through\n"
    "convbench_counted_run(), for valgrind's callgrind to count; see convbench\n"
    "perf-check. Prints the ISA path and, before each counted call, row LAYER IMPL.\n";

int cmd_count(int argc, char **argv) {
    const char *config = NULL, *only[64];
    int nonly = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_count, stdout);
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--impl") && i + 1 < argc && nonly < 64) {
            only[nonly++] = argv[++i];
        } else if (argv[i][0] == '-' || config) {
            fprintf(stderr, "convbench: count: unexpected argument '%s'; see convbench count --help\n", argv[i]);
            return EXIT_USAGE;
        } else {
            config = argv[i];
        }
    }
    char path[4096], err[1024];
    bench_config cfg;
    if (config_resolve(config, path, sizeof path, err, sizeof err) || config_load(path, &cfg, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        return EXIT_USAGE;
    }
    /* What to count: --impl, else the config's list, else the registry. */
    const conv_impl *impls[256];
    int nimpls = 0;
    if (nonly || cfg.nimpls) {
        for (int i = 0; i < (nonly ? nonly : cfg.nimpls) && nimpls < 256; i++) {
            const char *name = nonly ? only[i] : cfg.impls[i];
            const conv_impl *im = target_find(name);
            if (!im) {
                fprintf(stderr, "convbench: count: unknown implementation '%s'; choose one of: %s\n", name,
                        target_names());
                config_free(&cfg);
                return EXIT_USAGE;
            }
            impls[nimpls++] = im;
        }
    } else {
        for (int i = 0; i < conv_nimpls && nimpls < 256; i++) impls[nimpls++] = conv_impls[i];
    }
    char isa[64];
    isa_string(conv_cpu_isa(), isa, sizeof isa);
    printf("isa\t%s\nconfig\t%s\n", isa, cfg.stem);
    fflush(stdout);
    omp_set_num_threads(1);
    int status = EXIT_OK;
    for (int l = 0; l < cfg.nlayers; l++) {
        const bench_layer *L = &cfg.layers[l];
        const conv_problem *p = &L->p;
        float *src = cb_alloc(conv_src_elems(p) * 4), *wei = cb_alloc(conv_wei_elems(p) * 4);
        float *bias = cb_alloc((size_t)p->k * 4), *dst = cb_alloc(conv_dst_elems(p) * 4);
        if (!src || !wei || !bias || !dst) {
            fprintf(stderr, "convbench: count: out of memory for layer %s\n", L->name);
            status = EXIT_FAILED;
        } else {
            cb_rng rng = {0xC0FFEEu + (uint64_t)l};
            fill_random_data(p, src, wei, bias, &rng);
        }
        for (int i = 0; status == EXIT_OK && i < nimpls; i++) {
            const conv_impl *im = impls[i];
            const char *why = conv_impl_unavailable(im);
            if (!why && im->unsupported) why = im->unsupported(p);
            if (why) {
                printf("skip\t%s\t%s\t%s\n", L->name, im->name, why);
                continue;
            }
            conv_params prm;
            conv_default_params(im, &prm);
            size_t wsb = im->workspace_bytes ? im->workspace_bytes(p, &prm) : 0;
            conv_args a = {.p = p, .params = &prm, .src = src, .wei = wei, .bias = p->has_bias ? bias : NULL,
                           .dst = dst, .ws = wsb ? cb_alloc(wsb) : NULL, .nthreads = 1};
            if (wsb && !a.ws) {
                fprintf(stderr, "convbench: count: out of memory for %s's workspace on %s\n", im->name, L->name);
                status = EXIT_FAILED;
                break;
            }
            if (im->prepare && im->prepare(&a)) {
                fprintf(stderr, "convbench: count: %s: prepare failed on %s\n", im->name, L->name);
                cb_free(a.ws);
                status = EXIT_FAILED;
                break;
            }
            /* Kernel-only peers are timed on staged input: stage it uncounted. */
            if (im->kernel_only && im->layout_in) im->layout_in(&a);
            printf("row\t%s\t%s\n", L->name, im->name);
            fflush(stdout);
            convbench_counted_run(im, &a, repeat_for(im->name));
            if (im->release) im->release(a.state);
            cb_free(a.ws);
        }
        cb_free(src);
        cb_free(wei);
        cb_free(bias);
        cb_free(dst);
    }
    config_free(&cfg);
    return status;
}

/* ============================================================ perf-check */

typedef struct count_row {
    char layer[128], impl[64];
    double ir;             /* instructions; NaN: not counted */
    char why[160];         /* why not counted */
    bool matched;
} count_row;

typedef struct counts {
    char isa[64], config[128], compiler[96], git[64], valgrind[64];
    count_row *rows;
    int n, cap;
} counts;

static count_row *add_row(counts *c) {
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 64;
        count_row *r = realloc(c->rows, sizeof *r * (size_t)cap);
        if (!r) return NULL;
        c->rows = r;
        c->cap = cap;
    }
    count_row *r = &c->rows[c->n++];
    memset(r, 0, sizeof *r);
    r->ir = NAN;
    return r;
}

static count_row *find_count(counts *c, const char *layer, const char *impl) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->rows[i].layer, layer) && !strcmp(c->rows[i].impl, impl)) return &c->rows[i];
    return NULL;
}

/* Splits a tab-separated line in place: up to max fields, returns how many. */
static int split_tabs(char *line, char **f, int max) {
    line[strcspn(line, "\r\n")] = '\0';
    int n = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

/* The Ir total of a callgrind output file ("summary:" or "totals:" line). */
static int read_callgrind_total(const char *path, double *ir) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "summary:", 8) || !strncmp(line, "totals:", 7)) {
            char *p = strchr(line, ':') + 1, *end;
            double v = strtod(p, &end);
            if (end != p) {
                *ir = v;
                found = 0;
                if (!strncmp(line, "summary:", 8)) break;
            }
        }
    }
    fclose(f);
    return found;
}

static void tail_of_file(const char *path, int lines) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    char buf[64][512];
    int n = 0;
    while (fgets(buf[n % 64], sizeof buf[0], f)) n++;
    fclose(f);
    int from = n > lines ? n - lines : 0;
    for (int i = from; i < n; i++) fprintf(stderr, "  %s", buf[i % 64]);
}

/* Runs PROG ARGS with stdout and stderr to files, in ENVP (NULL: this
 * process's environment); exit status, or -1 with errno (spawn failed). */
static int spawn_wait(char *const argv[], char *const envp[], const char *out, const char *errf) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        errno = rc;
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void remove_tree(const char *dir) {
    char cmd[4300];
    /* Only the files this process wrote into its own mkdtemp directory. */
    snprintf(cmd, sizeof cmd, "%s/manifest.txt", dir);
    unlink(cmd);
    snprintf(cmd, sizeof cmd, "%s/valgrind.log", dir);
    unlink(cmd);
    snprintf(cmd, sizeof cmd, "%s/callgrind.out", dir);
    unlink(cmd);
    for (int i = 1;; i++) {
        snprintf(cmd, sizeof cmd, "%s/callgrind.out.%d", dir, i);
        if (unlink(cmd)) break;
    }
    rmdir(dir);
}

/* Count every row of CONFIG under valgrind. 0, 1 (the count failed) or 2 (no valgrind). */
static int measure(const char *valgrind, const char *config_path, counts *c) {
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        fprintf(stderr, "convbench: perf-check: cannot find its own executable (/proc/self/exe)\n");
        return EXIT_USAGE;
    }
    exe[len] = '\0';
    char tmpl[] = "/tmp/convbench-perf-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    if (!dir) {
        fprintf(stderr, "convbench: perf-check: cannot create a temporary directory: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    char outfile[4200], manifest[4200], log[4200], opt_out[4300];
    snprintf(outfile, sizeof outfile, "%s/callgrind.out", dir);
    snprintf(manifest, sizeof manifest, "%s/manifest.txt", dir);
    snprintf(log, sizeof log, "%s/valgrind.log", dir);
    snprintf(opt_out, sizeof opt_out, "--callgrind-out-file=%s", outfile);
    /* The counted program's environment, fixed: one OpenMP thread, nothing
     * spinning, so the counts do not depend on scheduling; and only the
     * variables it needs, so they do not depend on the caller's environment
     * either (a getenv() in a counted path scans all of it; make adds its own). */
    static const char *const pass[] = {"PATH", "LD_LIBRARY_PATH", "VALGRIND_LIB", "CONVBENCH_MAX_ISA",
                                       "CONVBENCH_COUNT_REPEAT"};
    char *envp[16], envbuf[8][4200];
    int ne = 0;
    envp[ne++] = "OMP_NUM_THREADS=1";
    envp[ne++] = "OMP_WAIT_POLICY=passive";
    /* Blockings derived from cache sizes (the GEMM's defaults) are those of
     * the machine the baseline was first made on (AMD Zen 4), everywhere. */
    envp[ne++] = "CONVBENCH_CACHES=32K,1M,32M";
    for (size_t k = 0; k < sizeof pass / sizeof pass[0]; k++) {
        const char *v = getenv(pass[k]);
        if (!v) continue;
        snprintf(envbuf[k], sizeof envbuf[k], "%s=%s", pass[k], v);
        envp[ne++] = envbuf[k];
    }
    envp[ne] = NULL;
    char *argv[] = {(char *)valgrind, "--tool=callgrind", "--collect-atstart=no",
                    "--toggle-collect=" COUNTED_FUNCTION, "--dump-after=" COUNTED_FUNCTION, opt_out,
                    exe, "count", (char *)config_path, NULL};
    /* valgrind's version for the baseline; absent valgrind is caught here. */
    char *vargv[] = {(char *)valgrind, "--version", NULL};
    int rc = spawn_wait(vargv, envp, manifest, log);
    if (rc != 0) {
        fprintf(stderr,
                "convbench: perf-check: cannot run %s (%s): install the Debian package valgrind "
                "(apt-get install -y valgrind)\n",
                valgrind, rc < 0 ? strerror(errno) : "it failed");
        remove_tree(dir);
        return EXIT_USAGE;
    }
    FILE *f = fopen(manifest, "r");
    if (f) {
        if (fgets(c->valgrind, sizeof c->valgrind, f)) c->valgrind[strcspn(c->valgrind, "\r\n")] = '\0';
        fclose(f);
    }
    double t0 = cb_now();
    rc = spawn_wait(argv, envp, manifest, log);
    if (rc != 0) {
        fprintf(stderr, "convbench: perf-check: the counted run failed (exit %d); valgrind said:\n", rc);
        tail_of_file(log, 15);
        remove_tree(dir);
        return rc == EXIT_USAGE ? EXIT_USAGE : EXIT_FAILED;
    }
    f = fopen(manifest, "r");
    char line[1024];
    int counted = 0, status = EXIT_OK;
    while (f && fgets(line, sizeof line, f)) {
        char *fld[4];
        int nf = split_tabs(line, fld, 4);
        if (nf == 2 && !strcmp(fld[0], "isa")) snprintf(c->isa, sizeof c->isa, "%s", fld[1]);
        else if (nf == 2 && !strcmp(fld[0], "config")) snprintf(c->config, sizeof c->config, "%s", fld[1]);
        else if ((nf == 3 && !strcmp(fld[0], "row")) || (nf == 4 && !strcmp(fld[0], "skip"))) {
            count_row *r = add_row(c);
            if (!r) break;
            snprintf(r->layer, sizeof r->layer, "%s", fld[1]);
            snprintf(r->impl, sizeof r->impl, "%s", fld[2]);
            if (nf == 4) {
                snprintf(r->why, sizeof r->why, "%s", fld[3]);
                continue;
            }
            char part[4300];
            snprintf(part, sizeof part, "%s.%d", outfile, ++counted);
            if (read_callgrind_total(part, &r->ir)) {
                fprintf(stderr, "convbench: perf-check: %s: no instruction total for %s / %s; was %s collected?\n",
                        part, r->layer, r->impl, COUNTED_FUNCTION);
                status = EXIT_FAILED;
            }
        }
    }
    if (f) fclose(f);
    /* Anything collected outside the counted calls would land in the final dump. */
    double rest = 0;
    char extra[4300];
    snprintf(extra, sizeof extra, "%s.%d", outfile, counted + 1);
    if (!access(extra, F_OK)) {
        fprintf(stderr, "convbench: perf-check: more callgrind dumps than counted calls; the counts cannot be matched to rows\n");
        status = EXIT_FAILED;
    }
    if (!read_callgrind_total(outfile, &rest) && rest > 0)
        fprintf(stderr, "convbench: perf-check: warning: %.0f instructions collected outside the counted calls\n", rest);
    if (!counted) {
        fprintf(stderr, "convbench: perf-check: nothing was counted; every implementation was skipped\n");
        status = EXIT_FAILED;
    }
    fprintf(stderr, "convbench: perf-check: %d calls counted under valgrind in %.1f s\n", counted, cb_now() - t0);
    remove_tree(dir);
    return status;
}

static int read_baseline(const char *path, counts *c, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) return cb_fail(err, errlen, "%s: cannot open: %s; create it with make perf-baseline", path, strerror(errno));
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        char *fld[4];
        int nf = split_tabs(line, fld, 4);
        if (nf == 2 && !strcmp(fld[0], "isa")) snprintf(c->isa, sizeof c->isa, "%s", fld[1]);
        else if (nf == 2 && !strcmp(fld[0], "config")) snprintf(c->config, sizeof c->config, "%s", fld[1]);
        else if (nf == 2 && !strcmp(fld[0], "compiler")) snprintf(c->compiler, sizeof c->compiler, "%s", fld[1]);
        else if (nf == 2 && !strcmp(fld[0], "git")) snprintf(c->git, sizeof c->git, "%s", fld[1]);
        else if (nf == 2 && !strcmp(fld[0], "valgrind")) snprintf(c->valgrind, sizeof c->valgrind, "%s", fld[1]);
        else if (nf == 4 && !strcmp(fld[0], "row")) {
            char *end;
            double v = strtod(fld[3], &end);
            if (end == fld[3] || *end || !(v > 0)) {
                fclose(f);
                return cb_fail(err, errlen, "%s:%d: '%s' is not an instruction count; refresh with make perf-baseline",
                               path, lineno, fld[3]);
            }
            count_row *r = add_row(c);
            if (!r) break;
            snprintf(r->layer, sizeof r->layer, "%s", fld[1]);
            snprintf(r->impl, sizeof r->impl, "%s", fld[2]);
            r->ir = v;
        } else {
            fclose(f);
            return cb_fail(err, errlen, "%s:%d: not a perf baseline line (isa/config/compiler/git/valgrind/row, "
                                        "tab-separated); refresh with make perf-baseline",
                           path, lineno);
        }
    }
    fclose(f);
    if (!c->isa[0] || !c->n)
        return cb_fail(err, errlen, "%s: no isa line or no rows; refresh with make perf-baseline", path);
    return 0;
}

static int write_baseline(const char *path, const counts *c, const char *config_path) {
    /* The config as the source tree names it, not this checkout's absolute path. */
    const char *src = bench_source_dir();
    size_t sl = strlen(src);
    if (!strncmp(config_path, src, sl) && config_path[sl] == '/') config_path += sl + 1;
    char tmp[4600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f,
            "# convbench perf baseline: instructions (valgrind callgrind, Ir) of one run of each implementation\n"
            "# per layer of %s at one thread, setup not counted (convbench count under\n"
            "# --toggle-collect=" COUNTED_FUNCTION "). make perf-check fails on a row that grew past its\n"
            "# threshold, or when the counted ISA path differs. Refresh: make perf-baseline.\n",
            config_path);
    fprintf(f, "config\t%s\nisa\t%s\ncompiler\t%s\ngit\t%s\nvalgrind\t%s\n", c->config, c->isa, c->compiler, c->git,
            c->valgrind);
    for (int i = 0; i < c->n; i++)
        if (isfinite(c->rows[i].ir))
            fprintf(f, "row\t%s\t%s\t%.0f\n", c->rows[i].layer, c->rows[i].impl, c->rows[i].ir);
    if (fclose(f) || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* 1234567 -> "1,234,567". */
static void grouped(double v, char *out, size_t len) {
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", v);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

const char *const count_usage =
    "usage: convbench perf-check [CONFIG] [--baseline FILE] [--update] [--threshold PCT]\n"
    "                            [--valgrind PROGRAM]\n"
    "\n"
    "The deterministic performance gate: counts the instructions of one run of each\n"
    "implementation on each layer of CONFIG (default configs/perf.yaml) under valgrind's\n"
    "callgrind, which machine load does not change, and compares them with FILE\n"
    "(default results/baselines/<config>.txt in the source tree).\n"
    "  --update          write FILE from this count instead (make perf-baseline)\n"
    "  --threshold PCT   fail a row whose count grew more than PCT percent (default 2)\n"
    "valgrind hides AVX-512, so the counted path is what dispatch picks under it (printed\n"
    "and stored in FILE); a baseline from another ISA path fails: refresh it.\n"
    "Exit status: 0 within the threshold, 1 a row regressed (or the ISA differs, or a\n"
    "baseline row was not counted), 2 bad input or no valgrind.\n";

int cmd_perf_check(int argc, char **argv) {
    const char *config = "perf", *baseline = NULL, *valgrind = "valgrind";
    bool update = false;
    double threshold = DEFAULT_THRESHOLD_PCT;
    for (int i = 0; i < argc; i++) {
        const bool has = i + 1 < argc;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(count_usage, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--baseline") && has) {
            baseline = argv[++i];
        } else if (!strcmp(argv[i], "--valgrind") && has) {
            valgrind = argv[++i];
        } else if (!strcmp(argv[i], "--update")) {
            update = true;
        } else if (!strcmp(argv[i], "--threshold") && has) {
            char *end;
            threshold = strtod(argv[++i], &end);
            if (end == argv[i] || *end || !(threshold >= 0) || threshold > 1000) {
                fprintf(stderr, "convbench: perf-check: --threshold '%s': give a percentage, e.g. 2\n", argv[i]);
                return EXIT_USAGE;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "convbench: perf-check: unexpected argument '%s'; see convbench perf-check --help\n", argv[i]);
            return EXIT_USAGE;
        } else {
            config = argv[i];
        }
    }
    char config_path[4096], err[1200];
    bench_config cfg;
    if (config_resolve(config, config_path, sizeof config_path, err, sizeof err) ||
        config_load(config_path, &cfg, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        return EXIT_USAGE;
    }
    char default_baseline[4400];
    snprintf(default_baseline, sizeof default_baseline, "%s/results/baselines/%s.txt", bench_source_dir(), cfg.stem);
    config_free(&cfg);
    if (!baseline) baseline = default_baseline;

    counts base = {0};
    if (!update && read_baseline(baseline, &base, err, sizeof err)) {
        fprintf(stderr, "convbench: perf-check: %s\n", err);
        return EXIT_USAGE;
    }
    counts now = {0};
    snprintf(now.compiler, sizeof now.compiler, "%s", CONVBENCH_COMPILER);
    snprintf(now.git, sizeof now.git, "%s", machine_get()->git);
    int rc = measure(valgrind, config_path, &now);
    if (rc) {
        free(base.rows);
        free(now.rows);
        return rc;
    }
    printf("perf-check: %s: instructions counted under valgrind on the %s ISA path (conv_cpu_isa() under valgrind, "
           "which hides AVX-512)\n",
           config_path, now.isa);
    if (update) {
        if (write_baseline(baseline, &now, config_path)) {
            fprintf(stderr, "convbench: perf-check: %s: cannot write: %s\n", baseline, strerror(errno));
            free(now.rows);
            return EXIT_USAGE;
        }
        for (int i = 0; i < now.n; i++) {
            char g[40];
            if (isfinite(now.rows[i].ir)) grouped(now.rows[i].ir, g, sizeof g);
            printf("  %-24s %-16s %18s  %s\n", now.rows[i].layer, now.rows[i].impl,
                   isfinite(now.rows[i].ir) ? g : "-", now.rows[i].why);
        }
        printf("perf-check: wrote the baseline %s (isa %s, git %s)\n", baseline, now.isa, now.git);
        free(now.rows);
        return EXIT_OK;
    }

    printf("baseline: %s (isa %s, git %s, %s)\n", baseline, base.isa, base.git[0] ? base.git : "?",
           base.compiler[0] ? base.compiler : "?");
    int failures = 0, improved = 0, fresh = 0, missing = 0, within = 0;
    char worst[2048] = "";
    if (strcmp(base.isa, now.isa)) {
        printf("perf-check: FAIL: the baseline was counted on the %s ISA path, this run on %s: the counts are not "
               "comparable.\nRefresh the baseline on this machine: make perf-baseline (and commit %s)\n",
               base.isa, now.isa, baseline);
        free(base.rows);
        free(now.rows);
        return EXIT_FAILED;
    }
    if (base.compiler[0] && strcmp(base.compiler, now.compiler))
        printf("perf-check: warning: baseline built with %s, this with %s: code generation differs; "
               "refresh the baseline if many rows moved\n",
               base.compiler, now.compiler);
    printf("%-24s %-16s %16s %16s %9s  %s\n", "layer", "impl", "instructions", "baseline", "change", "verdict");
    for (int i = 0; i < now.n; i++) {
        count_row *r = &now.rows[i], *b = find_count(&base, r->layer, r->impl);
        char g[40] = "-", gb[40] = "-", ch[24] = "-";
        if (b) b->matched = true;
        if (isfinite(r->ir)) grouped(r->ir, g, sizeof g);
        if (b) grouped(b->ir, gb, sizeof gb);
        const char *verdict;
        if (!isfinite(r->ir)) {
            if (b) {
                verdict = "FAIL: in the baseline, not counted now";
                failures++;
                missing++;
            } else {
                verdict = "not counted";
            }
            printf("%-24s %-16s %16s %16s %9s  %s (%s)\n", r->layer, r->impl, g, gb, ch, verdict, r->why);
            continue;
        }
        if (!b) {
            verdict = "new: not in the baseline (make perf-baseline to gate it)";
            fresh++;
        } else {
            double change = (r->ir / b->ir - 1) * 100;
            snprintf(ch, sizeof ch, "%+.2f%%", change);
            if (change > threshold) {
                verdict = "FAIL: more instructions";
                failures++;
                size_t used = strlen(worst);
                snprintf(worst + used, sizeof worst - used, "%s%s/%s %+.1f%%", used ? ", " : "", r->layer, r->impl,
                         change);
            } else if (change < -threshold) {
                verdict = "fewer instructions (make perf-baseline to keep the gain)";
                improved++;
            } else {
                verdict = "ok";
                within++;
            }
        }
        printf("%-24s %-16s %16s %16s %9s  %s\n", r->layer, r->impl, g, gb, ch, verdict);
    }
    for (int i = 0; i < base.n; i++)
        if (!base.rows[i].matched) {
            char gb[40];
            grouped(base.rows[i].ir, gb, sizeof gb);
            printf("%-24s %-16s %16s %16s %9s  %s\n", base.rows[i].layer, base.rows[i].impl, "-", gb, "-",
                   "FAIL: in the baseline, not counted now");
            failures++;
            missing++;
        }
    if (failures) {
        printf("perf-check: FAIL: %d row(s) past +%g%% of the baseline or missing", failures, threshold);
        if (worst[0]) printf(": %s", worst);
        printf("\n  if the change is intended, refresh the baseline: make perf-baseline (and commit %s)\n", baseline);
    } else {
        printf("perf-check: PASS: %d row(s) within %g%% of the baseline", within, threshold);
        if (improved) printf("; %d row(s) fell by more (make perf-baseline to lock the gain in)", improved);
        putchar('\n');
    }
    if (fresh) printf("perf-check: %d row(s) not in the baseline are not gated: make perf-baseline\n", fresh);
    (void)missing;
    free(base.rows);
    free(now.rows);
    return failures ? EXIT_FAILED : EXIT_OK;
}
