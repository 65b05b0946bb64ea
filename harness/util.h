/* Small shared helpers of the harness: aligned buffers, errors, seeded data. */
#ifndef CONVBENCH_UTIL_H
#define CONVBENCH_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* 64-byte aligned, zeroed; NULL on failure (or size 0 -> a valid 64-byte block). */
void *cb_alloc(size_t bytes);
void cb_free(void *p);

/* printf into err (size errlen), returning -1: `return cb_fail(err, n, "...")`. */
int cb_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Deterministic data: splitmix64 stream. */
typedef struct { uint64_t s; } cb_rng;
uint64_t cb_rng_next(cb_rng *r);
float cb_rng_uniform(cb_rng *r, float lo, float hi); /* [lo, hi) */
int cb_rng_int(cb_rng *r, int lo, int hi);           /* [lo, hi] */

/* FNV-1a of a string: short stable file names for long keys (fingerprints). */
uint64_t cb_hash(const char *s);

/* Seconds on a monotonic clock. */
double cb_now(void);
/* Physical memory available now, bytes (0 if unknown). */
size_t cb_avail_memory(void);
#endif
