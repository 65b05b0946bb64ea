/* Benchmark configs: YAML files (read with libyaml) listing layers and how
 * to run them. See README.md "Configs" for the format. */
#ifndef CONVBENCH_CONFIG_H
#define CONVBENCH_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include "conv.h"
#include "tune.h"

typedef struct bench_layer {
    char name[96];       /* from the mapping's name or the descriptor's n"..."; else "layerN" */
    conv_problem p;
    int line;            /* 1-based line in the config, for messages */
} bench_layer;

typedef enum { CACHE_WARM = 0, CACHE_COLD = 1 } cache_mode;

typedef struct bench_config {
    char path[4096];     /* as resolved */
    char stem[128];      /* file name without directory and .yaml: "resnet" */
    bench_layer *layers;
    int nlayers;
    char **impls;        /* names to run; NULL (nimpls 0) = all targets */
    int nimpls;
    int *threads;        /* thread counts; 0 stands for "max": OMP_NUM_THREADS if set, else all cores */
    int nthreads;        /* default: one entry, 1 */
    int repetitions;     /* default 10 */
    double min_time;     /* seconds per repetition; default 0.05 */
    cache_mode cache;    /* default warm */
    tune_mode tune;      /* default cached: use wisdom, never search */
    double tune_budget;  /* seconds per (impl, layer, threads) search; 0: the mode's default */
} bench_config;

/* Resolve a CONFIG argument: an existing path is used as is; otherwise
 * "resnet.yaml" or "resnet" is looked up in configs/ of the source tree.
 * Returns 0, or -1 with a message in err. */
int config_resolve(const char *arg, char *out, size_t outlen, char *err, size_t errlen);

/* Load and check a whole config before anything runs. Returns 0, or -1 with
 * one line in err: "FILE:LINE: FIELD: what is wrong; what to do". */
int config_load(const char *path, bench_config *cfg, char *err, size_t errlen);
void config_free(bench_config *cfg);
#endif
