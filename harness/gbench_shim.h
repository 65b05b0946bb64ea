/* Google Benchmark, driven from C. The only C++ in the project is behind
 * this header (harness/gbench_shim.cc). */
#ifndef CONVBENCH_GBENCH_SHIM_H
#define CONVBENCH_GBENCH_SHIM_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_spec {
    const char *name;           /* unique per run: "res2a_branch2b/im2col_gemm/threads:1" */
    void (*body)(void *ctx);    /* one iteration of the measured work */
    void *ctx;
    int repetitions;            /* >= 1 */
    double min_time;            /* seconds per repetition (Google Benchmark's MinTime) */
    double min_warmup_time;     /* seconds of untimed warm-up first; 0 for none */
    double flops;               /* per iteration, reported as the FLOPS counter; 0 for none */
} gb_spec;

/* Called once per repetition with the mean wall time of one iteration. */
typedef void (*gb_sample_fn)(void *user, int repetition, double seconds_per_iter,
                             int64_t iterations);

/* Register, run and unregister one benchmark. Returns the number of
 * repetitions reported, or -1 with a message in err. */
int gb_run(const gb_spec *spec, gb_sample_fn on_sample, void *user, char *err, size_t errlen);

/* From now until gb_json_close, every gb_run is also written to PATH in
 * Google Benchmark's own JSON format (one document; tools/compare.py reads it). */
int gb_json_open(const char *path, char *err, size_t errlen);
int gb_json_close(void);

#ifdef __cplusplus
}
#endif
#endif
