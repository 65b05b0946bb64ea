/* `convbench gemm M N K`: the project's GEMM on its own, beside oneDNN's
 * sgemm, timed through the same Google Benchmark shim. */
#ifndef CONVBENCH_GEMM_BENCH_H
#define CONVBENCH_GEMM_BENCH_H

/* Returns the exit status (0 ok, 1 a wrong result or failure). */
int gemm_bench(int m, int n, int k, int threads, int repetitions, double min_time,
               const char *results_root);
#endif
