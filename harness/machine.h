/* Facts about this machine and build, recorded with every result. */
#ifndef CONVBENCH_MACHINE_H
#define CONVBENCH_MACHINE_H
#include <stddef.h>

typedef struct machine_info {
    char cpu[128];        /* "AMD EPYC" */
    char isa[64];         /* what convbench uses here, after the cap: "avx512f+avx2" */
    int cores;            /* online logical CPUs */
    size_t l1d, l2, l3;   /* bytes, 0 if unknown */
    char compiler[64];
    char git[32];
    char onednn[16];
    int max_threads;      /* what "threads: max" means: OMP_NUM_THREADS if set, else cores */
    char omp_env[192];    /* OMP_NUM_THREADS, OMP_PROC_BIND, OMP_PLACES as set, recorded with results */
} machine_info;

const machine_info *machine_get(void);
/* What results measured here depend on: CPU model, ISA in use, cores, cache
 * sizes, compiler. Keys the peak table; wisdom adds the build's flags. */
const char *machine_fingerprint(void);
#endif
