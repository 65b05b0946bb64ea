/* convbench — the command line. */
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "charts.h"
#include "count.h"
#include "history.h"
#include "regress.h"
#include "report.h"
#include "config.h"
#include "desc.h"
#include "filter.h"
#include "gallery.h"
#include "gemm_bench.h"
#include "heuristic.h"
#include "wisdom.h"
#include "machine.h"
#include "npy.h"
#include "onednn.h"
#include "peak.h"
#include "targets.h"
#include "util.h"
#include "validate.h"

#ifndef CONVBENCH_VERSION
#define CONVBENCH_VERSION "dev"
#endif
#ifndef CONVBENCH_GNUPLOT
#define CONVBENCH_GNUPLOT "gnuplot"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

static const char *usage_main =
    "usage: convbench COMMAND [ARGS]\n"
    "\n"
    "Benchmarks 2-D convolution implementations, validated against oneDNN and timed\n"
    "with Google Benchmark.\n"
    "\n"
    "commands:\n"
    "  run CONFIG         validate and time every layer x implementation x threads of\n"
    "                     CONFIG; writes results/<config>-<timestamp>/ (what `make bench` runs)\n"
    "  validate CONFIG    validation only; exit 1 on any mismatch\n"
    "  list               the implementations and whether this CPU runs them\n"
    "  conv               one problem on your own .npy tensors\n"
    "  plot DIR           re-render the charts of a results directory\n"
    "  peak [--force]     this machine's FMA peak per ISA and memory bandwidth\n"
    "  gemm M N K         the project's GEMM beside oneDNN's sgemm\n"
    "  compare BASE NEW   two runs row by row: median change, Mann-Whitney U, verdict\n"
    "  report DIR         re-render a run's charts and report.md\n"
    "  history CONFIG     every run of CONFIG over time, as charts in results/history/\n"
    "  perf-check         instruction counts under valgrind against the committed baseline\n"
    "  tune CONFIG        tune every implementation on CONFIG's layers, then report\n"
    "                     the shape heuristic's regret\n"
    "  filter IN OUT      slide a named kernel (sharpen, sobel_x, ...) over a PNG/PPM image\n"
    "  gallery [IMAGE...] contact sheets of every named kernel (what `make gallery` runs)\n"
    "  wisdom merge F...  merge wisdom files (from machines of the same kind) into\n"
    "                     results/wisdom/: the fastest entry per key wins\n"
    "  help [COMMAND]     this text, or a command's\n"
    "\n"
    "CONFIG is a path, or a name in configs/ (resnet, resnet.yaml, smoke, ...).\n"
    "Environment: CONVBENCH_MAX_ISA=avx2|none caps the instruction set used;\n"
    "OMP_NUM_THREADS etc. are respected by oneDNN and OpenMP kernels.\n"
    "Exit status: 0 ok, 1 a mismatch or error in some row, 2 bad input.\n";

static const char *usage_run =
    "usage: convbench run CONFIG [--results DIR] [--tune off|cached|quick|full] [--tune-budget S]\n"
    "\n"
    "For each layer of CONFIG, each implementation and each thread count: skip it\n"
    "with status `unsupported` if it cannot run the problem (and say why), validate it\n"
    "against oneDNN (exact on small-integer data, within a documented tolerance on\n"
    "random data), then time it through Google Benchmark.\n"
    "\n"
    "Writes DIR/<config>-<YYYYmmdd-HHMMSS>/ (DIR defaults to results):\n"
    "  results.csv   one row per layer x impl x threads, appended as each finishes\n"
    "  samples.csv   every repetition's time\n"
    "  gbench.json   Google Benchmark's JSON (tools/compare.py reads it)\n"
    "  config.yaml   the config as run\n"
    "  gflops_t<N>.png, speedup_t<N>.png and their .dat tables (gnuplot)\n"
    "and points DIR/latest at it. Exit 1 if any row is a mismatch or an error.\n"
    "\n"
    "Tuning (--tune, or the config's tune: key; default cached):\n"
    "  off     every implementation runs with its default parameters\n"
    "  cached  parameters from DIR/wisdom/ when this machine and build tuned them; no search\n"
    "  quick   search each (implementation, layer, threads) not in wisdom, ~2 s each\n"
    "  full    the same with ~60 s each\n"
    "--tune-budget S sets the seconds per search. Every candidate is validated before it\n"
    "is timed; the winner is re-measured against the defaults and kept only if faster\n"
    "(the CSV's tuned_vs_default). Findings are appended to DIR/wisdom/ as they come.\n"
    "Each layer also gets a `best` row: the fastest implementation of the registry.\n";

static const char *usage_validate =
    "usage: convbench validate CONFIG\n"
    "\n"
    "Validates every implementation on every layer of CONFIG against oneDNN, without\n"
    "timing and without writing files. Exit 1 on any mismatch, 2 on bad input.\n";

static const char *usage_list =
    "usage: convbench list\n"
    "\n"
    "Lists every implementation and peer, the CPU features it needs, whether this CPU\n"
    "runs it (and why not), and its tunable parameters with their defaults.\n";

static const char *usage_conv =
    "usage: convbench conv --shape DESCRIPTOR --impl NAME --src SRC.npy --wei WEI.npy\n"
    "                      [--bias BIAS.npy] --dst DST.npy [--threads N] [--tune MODE]\n"
    "\n"
    "Runs one convolution on your own tensors: float32, C order.\n"
    "  DESCRIPTOR  a oneDNN benchdnn problem, e.g. mb1ic64ih56oc64oh56kh3ph1\n"
    "  NAME        an implementation (convbench list), or auto: the fastest measured for\n"
    "              this shape and thread count on this machine (results/wisdom), with\n"
    "              its tuned parameters; else the shape heuristic's pick\n"
    "  MODE        for auto: cached (default) uses what results/wisdom has; quick or\n"
    "              full tunes every implementation on this shape first when nothing is\n"
    "              measured for it yet (a run directory under results/, wisdom kept)\n"
    "  SRC         shape (N, C, H, W)\n"
    "  WEI         shape (K, C/groups, R, S)\n"
    "  BIAS        shape (K,)\n"
    "  DST         written as (N, K, OH, OW), atomically\n"
    "It also runs oneDNN on the same tensors and prints the largest difference.\n";

static const char *usage_plot =
    "usage: convbench plot DIR\n"
    "\n"
    "Re-renders the gnuplot charts of a results directory from its results.csv\n"
    "(scripts in plots/).\n";

static const char *usage_peak =
    "usage: convbench peak [--force] [--results DIR]\n"
    "\n"
    "Measures, for 1..N threads, the FMA peak GFLOP/s of each ISA this CPU runs\n"
    "(sweeping 4-24 independent accumulators, compiled with the kernels' flags)\n"
    "and the memory bandwidth (STREAM triad on arrays 4x the last-level cache).\n"
    "The table is stored in DIR/machine/peak-<fingerprint>.txt (DIR defaults to\n"
    "results), keyed by CPU model, ISA, cores, cache sizes and compiler, and\n"
    "reused by later runs for the pct_peak column; --force re-measures.\n";

static const char *usage_gemm =
    "usage: convbench gemm M N K [--threads T] [--repetitions R] [--min-time S]\n"
    "\n"
    "Times the project's blocked GEMM (C = A*B, row-major f32, the microkernel this\n"
    "CPU dispatches to) beside oneDNN's dnnl_sgemm through Google Benchmark, after\n"
    "checking both on small-integer data. Prints median time, GFLOP/s and the share\n"
    "of the measured FMA peak (see convbench peak).\n";

static const char *usage_tune =
    "usage: convbench tune CONFIG [--mode quick|full] [--tune-budget S] [--results DIR]\n"
    "\n"
    "Searches each tunable implementation's parameters on every layer x thread count\n"
    "of CONFIG that this machine's wisdom does not know yet (quick: ~2 s a search,\n"
    "full: ~60 s), validating every candidate, re-measuring the winner against the\n"
    "defaults, and appending the findings to DIR/wisdom/ (DIR defaults to results).\n"
    "It is `convbench run CONFIG --tune MODE` (so it leaves a results directory too),\n"
    "followed by the regret of the shape heuristic that `--impl auto` falls back on:\n"
    "how much slower its pick is than the measured best, per shape and as a\n"
    "geometric mean, over every shape tuned on this machine.\n";

static int wants_help(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static int load_config_arg(const char *arg, bench_config *cfg) {
    char path[4096], err[1024];
    if (config_resolve(arg, path, sizeof path, err, sizeof err) ||
        config_load(path, cfg, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        return -1;
    }
    return 0;
}

static int cmd_run(int argc, char **argv, int validate_only) {
    const char *usage = validate_only ? usage_validate : usage_run;
    if (wants_help(argc, argv)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    const char *config = NULL;
    bench_options opt = {.validate_only = validate_only, .tune_override = -1};
    for (int i = 0; i < argc; i++) {
        if (!validate_only && !strcmp(argv[i], "--results") && i + 1 < argc)
            opt.results_root = argv[++i];
        else if (!validate_only && !strcmp(argv[i], "--tune") && i + 1 < argc) {
            tune_mode m;
            if (tune_mode_parse(argv[++i], &m)) {
                fprintf(stderr, "convbench: --tune %s: not a tuning mode; use off, cached, quick or full\n", argv[i]);
                return EXIT_USAGE;
            }
            opt.tune_override = (int)m;
        } else if (!validate_only && !strcmp(argv[i], "--tune-budget") && i + 1 < argc) {
            char *end;
            opt.tune_budget = strtod(argv[++i], &end);
            if (*end || !(opt.tune_budget > 0)) {
                fprintf(stderr, "convbench: --tune-budget %s: give seconds > 0 per search\n", argv[i]);
                return EXIT_USAGE;
            }
        }
        else if (argv[i][0] == '-' || config) {
            fprintf(stderr, "convbench: unexpected argument '%s'; see convbench %s --help\n",
                    argv[i], validate_only ? "validate" : "run");
            return EXIT_USAGE;
        } else
            config = argv[i];
    }
    if (!config) {
        fprintf(stderr, "convbench: missing CONFIG; see convbench %s --help\n",
                validate_only ? "validate" : "run");
        return EXIT_USAGE;
    }
    bench_config cfg;
    if (load_config_arg(config, &cfg)) return EXIT_USAGE;
    int status = bench_run(&cfg, &opt);
    config_free(&cfg);
    return status;
}

static int cmd_tune(int argc, char **argv) {
    if (wants_help(argc, argv)) {
        fputs(usage_tune, stdout);
        return EXIT_OK;
    }
    /* `tune` is `run --tune MODE` plus the regret report. */
    char *args[64];
    int n = 0;
    const char *mode = "quick", *root = "results";
    for (int i = 0; i < argc && n < 60; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            mode = argv[++i];
            continue;
        }
        if (!strcmp(argv[i], "--results") && i + 1 < argc) root = argv[i + 1];
        args[n++] = argv[i];
    }
    tune_mode m;
    if (tune_mode_parse(mode, &m) || m < TUNE_QUICK) {
        fprintf(stderr, "convbench: tune --mode %s: use quick or full\n", mode);
        return EXIT_USAGE;
    }
    args[n++] = "--tune";
    args[n++] = (char *)mode;
    int status = cmd_run(n, args, 0);
    if (status == EXIT_USAGE) return status;
    wisdom w;
    char dir[4200], err[512];
    snprintf(dir, sizeof dir, "%s/wisdom", root);
    if (wisdom_load(dir, &w, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        return EXIT_FAILED;
    }
    printf("\n");
    heuristic_regret_report(&w, wisdom_fingerprint());
    wisdom_free(&w);
    return status;
}

static const char *usage_wisdom =
    "usage: convbench wisdom merge FILE... [--results DIR]\n"
    "\n"
    "Merges wisdom files (e.g. copied from another machine of the same kind) into\n"
    "DIR/wisdom/ (DIR defaults to results): per fingerprint, implementation, shape and\n"
    "thread count the fastest entry wins. Each file is replaced atomically. Entries\n"
    "whose fingerprint differs from this machine's are kept but never applied here;\n"
    "`convbench run --tune quick` re-times their best candidates instead.\n";

static int cmd_wisdom(int argc, char **argv) {
    if (wants_help(argc, argv) || argc < 2 || strcmp(argv[0], "merge")) {
        fputs(usage_wisdom, argc >= 2 || wants_help(argc, argv) ? stdout : stderr);
        return wants_help(argc, argv) ? EXIT_OK : EXIT_USAGE;
    }
    const char *root = "results";
    const char *files[256];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--results") && i + 1 < argc) root = argv[++i];
        else if (n < 256) files[n++] = argv[i];
    }
    char dir[4200], err[512];
    snprintf(dir, sizeof dir, "%s/wisdom", root);
    if (wisdom_merge(dir, files, n, err, sizeof err)) {
        fprintf(stderr, "convbench: wisdom merge: %s\n", err);
        return EXIT_USAGE;
    }
    printf("convbench: merged %d file%s into %s\n", n, n == 1 ? "" : "s", dir);
    return EXIT_OK;
}

static int cmd_list(int argc, char **argv) {
    if (wants_help(argc, argv)) {
        fputs(usage_list, stdout);
        return EXIT_OK;
    }
    const machine_info *m = machine_get();
    const char *cap = getenv("CONVBENCH_MAX_ISA");
    printf("cpu: %s, %d cores; isa in use: %s; cap: %s\n", m->cpu, m->cores, m->isa,
           cap && *cap ? cap : "none (CONVBENCH_MAX_ISA unset)");
    printf("wisdom fingerprint: %s\n", wisdom_fingerprint());
    printf("%-16s %-8s %-9s %-20s %s\n", "name", "needs", "parallel", "here", "summary");
    for (int i = 0; i < target_count(); i++) {
        const conv_impl *im = target_at(i);
        const char *why = conv_impl_unavailable(im);
        char needs[32] = "-";
        if (im->isa) {
            needs[0] = 0;
            for (unsigned bit = 1; bit <= CONV_ISA_NEON; bit <<= 1)
                if (im->isa & bit) {
                    if (needs[0]) strcat(needs, "+");
                    strcat(needs, conv_isa_name(bit));
                }
        }
        printf("%-16s %-8s %-9s %-20s %s\n", im->name, needs, im->parallel ? "yes" : "no",
               why ? why : "runs", im->summary ? im->summary : "");
        conv_params def;
        conv_default_params(im, &def); /* with this machine's model defaults */
        for (int j = 0; j < im->nparams; j++)
            printf("%16s   param %s = %d  [%d..%d]  %s\n", "", im->params[j].name, def.v[j],
                   im->params[j].min, im->params[j].max,
                   im->params[j].why ? im->params[j].why : "");
    }
    return EXIT_OK;
}

/* Checks a .npy's shape against what the problem needs. */
static int expect_shape(const char *path, const npy_array *a, int ndim, const size_t *want,
                        const char *names) {
    int ok = a->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++) ok = a->shape[i] == want[i];
    if (ok) return 0;
    char got[128] = "", exp[128] = "";
    for (int i = 0; i < a->ndim; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu", i ? ", " : "", a->shape[i]);
    for (int i = 0; i < ndim; i++)
        snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%zu", i ? ", " : "", want[i]);
    fprintf(stderr,
            "convbench: %s: shape (%s) does not match the problem: expected (%s), i.e. %s; "
            "fix the array or the --shape\n",
            path, got, exp, names);
    return -1;
}

/* The fastest implementation wisdom has measured for p at this thread count
 * on this machine, or NULL; prm gets its tuned parameters. */
static const conv_impl *wisdom_pick(const char *canon, int threads, conv_params *prm) {
    wisdom w;
    char err[512];
    const conv_impl *im = NULL;
    if (!wisdom_load("results/wisdom", &w, err, sizeof err)) {
        const wisdom_entry *best = wisdom_best_impl(&w, wisdom_fingerprint(), canon, threads);
        if (best && (im = conv_find_impl(best->impl))) {
            if (wisdom_parse_params(im, best->params, prm)) conv_default_params(im, prm);
            printf("auto: %s, the fastest measured for %s at %d thread%s here (%.4f ms, %s)\n",
                   im->name, canon, threads, threads > 1 ? "s" : "", best->best_ms,
                   best->params[0] ? best->params : "no parameters");
        }
    }
    wisdom_free(&w); /* wisdom_load leaves w empty on failure */
    return im;
}

/* Tunes every implementation of the registry on p alone (a one-layer run:
 * validated, timed, wisdom appended), so that wisdom_pick finds a winner. */
static void tune_shape(const conv_problem *p, const char *canon, int threads, tune_mode mode) {
    const char *names[64];
    int n = 0;
    for (int i = 0; i < conv_nimpls && n < 64; i++) names[n++] = conv_impls[i]->name;
    bench_layer layer = {.p = *p};
    snprintf(layer.name, sizeof layer.name, "auto");
    bench_config cfg = {.layers = &layer, .nlayers = 1, .impls = (char **)names, .nimpls = n,
                        .threads = &threads, .nthreads = 1, .repetitions = 5, .min_time = 0.05,
                        .cache = CACHE_WARM, .tune = mode};
    snprintf(cfg.path, sizeof cfg.path, "convbench conv --impl auto");
    snprintf(cfg.stem, sizeof cfg.stem, "auto");
    printf("auto: nothing measured for %s at %d thread%s here yet; tuning every implementation "
           "on it (%s)\n", canon, threads, threads > 1 ? "s" : "", tune_mode_name(mode));
    fflush(stdout);
    const bench_options opt = {.results_root = "results", .tune_override = -1};
    bench_run(&cfg, &opt);
}

/* --impl auto: wisdom's winner; when there is none and tuning is on, tune
 * now and take the winner; else the shape heuristic's pick with its
 * defaults. */
static const conv_impl *pick_auto(const conv_problem *p, int threads, tune_mode mode,
                                  conv_params *prm) {
    char canon[256];
    desc_format(p, NULL, canon, sizeof canon);
    const conv_impl *im = wisdom_pick(canon, threads, prm);
    if (!im && mode >= TUNE_QUICK) {
        tune_shape(p, canon, threads, mode);
        im = wisdom_pick(canon, threads, prm);
    }
    if (!im) {
        const char *why = "";
        im = heuristic_pick(p, threads, &why);
        if (im) {
            conv_default_params(im, prm);
            printf("auto: %s, by the shape heuristic (%s): nothing measured for this shape "
                   "here yet; `--tune quick` (or `convbench tune` a config with it) measures\n",
                   im->name, why);
        }
    }
    return im;
}

static int cmd_conv(int argc, char **argv) {
    if (wants_help(argc, argv)) {
        fputs(usage_conv, stdout);
        return EXIT_OK;
    }
    const char *shape = NULL, *impl_name = NULL, *srcp = NULL, *weip = NULL, *biasp = NULL,
               *dstp = NULL;
    int threads = 1;
    tune_mode tune = TUNE_CACHED;
    for (int i = 0; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--shape")  ? &shape
                            : !strcmp(argv[i], "--impl") ? &impl_name
                            : !strcmp(argv[i], "--src")  ? &srcp
                            : !strcmp(argv[i], "--wei")  ? &weip
                            : !strcmp(argv[i], "--bias") ? &biasp
                            : !strcmp(argv[i], "--dst")  ? &dstp
                                                         : NULL;
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 4096) {
                fprintf(stderr, "convbench: --threads: '%s' is not a thread count; give 1 or more\n", argv[i]);
                return EXIT_USAGE;
            }
            threads = (int)t;
            continue;
        }
        if (!strcmp(argv[i], "--tune") && i + 1 < argc) {
            if (tune_mode_parse(argv[++i], &tune) || tune == TUNE_OFF) {
                fprintf(stderr, "convbench: --tune: '%s' is not a mode; use cached, quick or full\n",
                        argv[i]);
                return EXIT_USAGE;
            }
            continue;
        }
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "convbench: conv: unexpected argument '%s'; see convbench conv --help\n", argv[i]);
            return EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    if (!shape || !impl_name || !srcp || !weip || !dstp) {
        fprintf(stderr, "convbench: conv: --shape, --impl, --src, --wei and --dst are required; "
                        "see convbench conv --help\n");
        return EXIT_USAGE;
    }
    conv_problem p;
    char name[96], err[1024];
    if (desc_parse(shape, &p, name, sizeof name, err, sizeof err) ||
        problem_check(&p, err, sizeof err)) {
        fprintf(stderr, "convbench: --shape %s: %s\n", shape, err);
        return EXIT_USAGE;
    }
    conv_params prm;
    const bool is_auto = !strcmp(impl_name, "auto");
    const conv_impl *im = is_auto ? pick_auto(&p, threads, tune, &prm) : target_find(impl_name);
    if (im) impl_name = im->name;
    if (!im) {
        fprintf(stderr, "convbench: --impl %s: unknown implementation; choose one of: %s\n",
                impl_name, target_names());
        return EXIT_USAGE;
    }
    const char *why = conv_impl_unavailable(im);
    if (!why && im->unsupported) why = im->unsupported(&p);
    if (!why && threads > 1 && !im->parallel) why = "serial implementation: use --threads 1";
    if (why) {
        fprintf(stderr, "convbench: --impl %s cannot run %s: %s; choose another implementation\n",
                impl_name, shape, why);
        return EXIT_USAGE;
    }
    npy_array src = {0}, wei = {0}, bias = {0};
    int status = EXIT_USAGE;
    float *dst = NULL, *ref = NULL;
    const size_t want_src[] = {p.n, p.c, p.h, p.w};
    const size_t want_wei[] = {p.k, p.c / p.groups, p.r, p.s};
    const size_t want_bias[] = {p.k};
    if (npy_read(srcp, &src, err, sizeof err) || npy_read(weip, &wei, err, sizeof err) ||
        (biasp && npy_read(biasp, &bias, err, sizeof err))) {
        fprintf(stderr, "convbench: %s\n", err);
        goto out;
    }
    if (expect_shape(srcp, &src, 4, want_src, "(N, C, H, W)") ||
        expect_shape(weip, &wei, 4, want_wei, "(K, C/groups, R, S)") ||
        (biasp && expect_shape(biasp, &bias, 1, want_bias, "(K,)")))
        goto out;
    p.has_bias = biasp != NULL;
    dst = cb_alloc(conv_dst_elems(&p) * 4);
    ref = cb_alloc(conv_dst_elems(&p) * 4);
    if (!dst || !ref) {
        fprintf(stderr, "convbench: out of memory for the output\n");
        goto out;
    }
    if (!is_auto) conv_default_params(im, &prm);
    double secs;
    if (conv_execute_once(im, &p, &prm, threads, src.data, wei.data, bias.data, dst, &secs, err,
                          sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        status = EXIT_FAILED;
        goto out;
    }
    size_t dshape[] = {p.n, p.k, conv_out_h(&p), conv_out_w(&p)};
    if (npy_write(dstp, dst, 4, dshape, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        goto out;
    }
    printf("%s: %s on %s in %.3f ms; wrote %s (%zu, %zu, %zu, %zu)\n", impl_name, shape,
           srcp, secs * 1e3, dstp, dshape[0], dshape[1], dshape[2], dshape[3]);
    status = EXIT_OK;
    if (!onednn_reference(&p, src.data, wei.data, bias.data, ref, err, sizeof err)) {
        double ea, er;
        char detail[256] = "";
        compare_outputs(&p, ref, dst, -1, &ea, &er, detail, sizeof detail);
        printf("against oneDNN on the same tensors: max abs diff %.3g, max rel diff %.3g%s%s\n", ea,
               er, detail[0] ? "; first difference " : "", detail);
    }
out:
    npy_free(&src);
    npy_free(&wei);
    npy_free(&bias);
    cb_free(dst);
    cb_free(ref);
    return status;
}

static int cmd_peak(int argc, char **argv) {
    if (wants_help(argc, argv)) {
        fputs(usage_peak, stdout);
        return EXIT_OK;
    }
    int force = 0;
    const char *root = "results";
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) force = 1;
        else if (!strcmp(argv[i], "--results") && i + 1 < argc) root = argv[++i];
        else {
            fprintf(stderr, "convbench: peak: unexpected argument '%s'; see convbench peak --help\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    peak_table t;
    char err[1024];
    if (peak_get(root, force, 1, &t, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        return EXIT_FAILED;
    }
    peak_print(&t);
    return EXIT_OK;
}

/* A positive integer argument, or -1 with a message. */
static long positive_arg(const char *what, const char *s) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1 || v > (1L << 24)) {
        fprintf(stderr, "convbench: %s: '%s' is not a positive integer (at most 2^24)\n", what, s);
        return -1;
    }
    return v;
}

static int cmd_gemm(int argc, char **argv) {
    if (wants_help(argc, argv)) {
        fputs(usage_gemm, stdout);
        return EXIT_OK;
    }
    long dims[3], threads = 1, reps = 10;
    double min_time = 0.1;
    int nd = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            if ((threads = positive_arg("--threads", argv[++i])) < 0) return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--repetitions") && i + 1 < argc) {
            if ((reps = positive_arg("--repetitions", argv[++i])) < 0) return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) {
            min_time = atof(argv[++i]);
            if (!(min_time > 0)) {
                fprintf(stderr, "convbench: --min-time: give seconds > 0\n");
                return EXIT_USAGE;
            }
        } else if (nd < 3 && argv[i][0] != '-') {
            if ((dims[nd++] = positive_arg("M N K", argv[i])) < 0) return EXIT_USAGE;
        } else {
            fprintf(stderr, "convbench: gemm: unexpected argument '%s'; see convbench gemm --help\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (nd != 3) {
        fprintf(stderr, "convbench: gemm: give M N K; see convbench gemm --help\n");
        return EXIT_USAGE;
    }
    return gemm_bench((int)dims[0], (int)dims[1], (int)dims[2], (int)threads, (int)reps, min_time,
                      "results");
}

static int cmd_plot(int argc, char **argv) {
    if (wants_help(argc, argv) || argc != 1) {
        fputs(usage_plot, argc == 1 ? stdout : stderr);
        return argc == 1 ? EXIT_OK : EXIT_USAGE;
    }
    char plots[4200], err[1024];
    snprintf(plots, sizeof plots, "%s/plots", bench_source_dir());
    if (charts_render(argv[0], plots, CONVBENCH_GNUPLOT, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        return EXIT_USAGE;
    }
    printf("convbench: charts written in %s\n", argv[0]);
    return EXIT_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        if (argc > 2) {
            char *h[] = {"--help"};
            if (!strcmp(argv[2], "run")) return cmd_run(1, h, 0);
            if (!strcmp(argv[2], "validate")) return cmd_run(1, h, 1);
            if (!strcmp(argv[2], "list")) return cmd_list(1, h);
            if (!strcmp(argv[2], "conv")) return cmd_conv(1, h);
            if (!strcmp(argv[2], "plot")) return cmd_plot(1, h);
            if (!strcmp(argv[2], "peak")) return cmd_peak(1, h);
            if (!strcmp(argv[2], "gemm")) return cmd_gemm(1, h);
            if (!strcmp(argv[2], "compare")) return cmd_compare(1, h);
            if (!strcmp(argv[2], "report")) return cmd_report(1, h);
            if (!strcmp(argv[2], "history")) return cmd_history(1, h);
            if (!strcmp(argv[2], "perf-check")) return cmd_perf_check(1, h);
            if (!strcmp(argv[2], "tune")) return cmd_tune(1, h);
            if (!strcmp(argv[2], "wisdom")) return cmd_wisdom(1, h);
            if (!strcmp(argv[2], "filter")) return cmd_filter(1, h);
            if (!strcmp(argv[2], "gallery")) return cmd_gallery(1, h);
        }
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("convbench %s (oneDNN %s)\n", CONVBENCH_VERSION, onednn_version());
        return EXIT_OK;
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2, 0);
    if (!strcmp(cmd, "validate")) return cmd_run(argc - 2, argv + 2, 1);
    if (!strcmp(cmd, "list")) return cmd_list(argc - 2, argv + 2);
    if (!strcmp(cmd, "conv")) return cmd_conv(argc - 2, argv + 2);
    if (!strcmp(cmd, "plot")) return cmd_plot(argc - 2, argv + 2);
    if (!strcmp(cmd, "peak")) return cmd_peak(argc - 2, argv + 2);
    if (!strcmp(cmd, "gemm")) return cmd_gemm(argc - 2, argv + 2);
    if (!strcmp(cmd, "compare")) return cmd_compare(argc - 2, argv + 2);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 2, argv + 2);
    if (!strcmp(cmd, "history")) return cmd_history(argc - 2, argv + 2);
    if (!strcmp(cmd, "perf-check")) return cmd_perf_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "count")) return cmd_count(argc - 2, argv + 2); /* hidden: what perf-check runs under valgrind */
    if (!strcmp(cmd, "tune")) return cmd_tune(argc - 2, argv + 2);
    if (!strcmp(cmd, "wisdom")) return cmd_wisdom(argc - 2, argv + 2);
    if (!strcmp(cmd, "filter")) return cmd_filter(argc - 2, argv + 2);
    if (!strcmp(cmd, "gallery")) return cmd_gallery(argc - 2, argv + 2);
    fprintf(stderr, "convbench: unknown command '%s'; see convbench --help\n", cmd);
    return EXIT_USAGE;
}
