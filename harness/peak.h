/* The machine's measured ceilings: FMA peak GFLOP/s per ISA and thread
 * count, and memory bandwidth (a STREAM triad on arrays far larger than the
 * last-level cache). Measured once per machine and build, stored under
 * <results>/machine/ keyed by a fingerprint, reused by later runs. */
#ifndef CONVBENCH_PEAK_H
#define CONVBENCH_PEAK_H
#include <stddef.h>

enum { PEAK_BASE = 0, PEAK_AVX2 = 1, PEAK_AVX512 = 2, PEAK_NISA = 3, PEAK_MAX_THREADS = 256 };

typedef struct peak_table {
    char fingerprint[512];                      /* human-readable key */
    int max_threads;                            /* measured for 1..max_threads */
    double gflops[PEAK_NISA][PEAK_MAX_THREADS + 1]; /* 0 = not measured / not available */
    int best_nacc[PEAK_NISA];                   /* accumulators that reached the peak (1 thread) */
    double triad_gbs[PEAK_MAX_THREADS + 1];     /* GB/s, STREAM counting (3 x 4 bytes per element) */
} peak_table;

/* Load the table for this machine from root/machine/, or measure it (and
 * store it) when absent or force is set. verbose prints progress to stderr.
 * Returns 0, or -1 with err. */
int peak_get(const char *root, int force, int verbose, peak_table *t, char *err, size_t errlen);

/* The peak that applies to a row: the implementation's ISA (CONV_ISA_* bits;
 * 0 means "whatever the machine's best is", as for portable code that
 * dispatches at run time and for oneDNN) at the row's thread count. 0 if unknown. */
double peak_for(const peak_table *t, unsigned impl_isa, int threads);

/* Write the table to path (atomically). 0 or -1. */
int peak_store_file(const char *path, const peak_table *t);

/* Print the table. */
void peak_print(const peak_table *t);
#endif
