/* Wisdom: what tuning learned, kept per machine under results/wisdom/.
 *
 * One line per finding, appended as it is found (an interrupted tuning run
 * keeps its work), keyed by the machine fingerprint, implementation,
 * problem (benchdnn descriptor) and thread count:
 *   v1 TAB fingerprint TAB impl TAB shape TAB threads TAB params TAB best_ms
 *      TAB default_ms TAB date TAB runners-up ("params@ms|params@ms")
 * Lines are appended with O_APPEND under flock and fsync'd, so two runs
 * tuning at once never interleave; a line cut short by a kill has no
 * newline and is ignored when read. The last line for a key wins, and a
 * merge keeps the fastest. */
#ifndef CONVBENCH_WISDOM_H
#define CONVBENCH_WISDOM_H
#include <stddef.h>
#include "conv.h"

typedef struct wisdom_entry {
    char fingerprint[512];
    char impl[64];
    char shape[256];
    int threads;
    char params[256];        /* "mc=512;kc=256;nc=4096" ("" for no parameters) */
    double best_ms, default_ms;
    char date[32];
    char runners_up[512];    /* the next best candidates, for re-timing on a new fingerprint */
} wisdom_entry;

typedef struct wisdom {
    wisdom_entry *e;
    int n, cap;
    int foreign;             /* entries read whose fingerprint is not this machine's */
} wisdom;

/* This machine and build: CPU model, ISA, cores, cache sizes, compiler and
 * flags, project version. */
const char *wisdom_fingerprint(void);

/* Read every wisdom-*.tsv under dir (missing dir: empty). Entries of any
 * fingerprint are kept; lookups filter. 0, or -1 with err. */
int wisdom_load(const char *dir, wisdom *w, char *err, size_t errlen);
void wisdom_free(wisdom *w);

/* The entry for this key from this machine's fingerprint (fp), or NULL. */
const wisdom_entry *wisdom_find(const wisdom *w, const char *fp, const char *impl,
                                const char *shape, int threads);
/* The newest entry for the key from another fingerprint, or NULL. */
const wisdom_entry *wisdom_find_foreign(const wisdom *w, const char *fp, const char *impl,
                                        const char *shape, int threads);
/* The fastest implementation on record for (shape, threads) here, or NULL. */
const wisdom_entry *wisdom_best_impl(const wisdom *w, const char *fp, const char *shape,
                                     int threads);

/* Append e to dir/wisdom-<hash of its fingerprint>.tsv (and to w). 0 or -1. */
int wisdom_append(const char *dir, wisdom *w, const wisdom_entry *e, char *err, size_t errlen);

/* Merge files into dir/wisdom-<hash>.tsv per fingerprint: the fastest entry
 * per key wins; written atomically (temp + rename). 0 or -1. */
int wisdom_merge(const char *dir, const char *const *files, int nfiles, char *err, size_t errlen);

/* "mc=512;kc=256" <-> values in the implementation's parameter order. */
void wisdom_format_params(const conv_impl *im, const conv_params *prm, char *out, size_t len);
int wisdom_parse_params(const conv_impl *im, const char *s, conv_params *prm);
#endif
