/* Runtime CPU detection and the ISA cap. Filled once, read everywhere. */
#include "conv.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static unsigned detect_isa(void) {
    unsigned isa = CONV_ISA_NONE;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        isa |= CONV_ISA_AVX2;
    if (__builtin_cpu_supports("avx512f"))
        isa |= CONV_ISA_AVX512;
#elif defined(__aarch64__)
    isa |= CONV_ISA_NEON; /* Advanced SIMD is mandatory on AArch64. */
#endif
    return isa;
}

/* CONVBENCH_MAX_ISA caps what is used, so AVX2 kernels can be measured on an
 * AVX-512 machine. Unknown values leave the cap off. */
static unsigned isa_cap(void) {
    const char *cap = getenv("CONVBENCH_MAX_ISA");
    if (!cap || !*cap) return ~0u;
    if (!strcmp(cap, "none") || !strcmp(cap, "scalar")) return CONV_ISA_NONE;
    if (!strcmp(cap, "avx2")) return CONV_ISA_AVX2;
    if (!strcmp(cap, "neon")) return CONV_ISA_NEON;
    return ~0u; /* "avx512", "all" */
}

unsigned conv_cpu_isa(void) {
    static int done;
    static unsigned isa;
    if (!done) {
        isa = detect_isa() & isa_cap();
        done = 1;
    }
    return isa;
}

/* One line of a sysfs file of cpu0's cache index idx into buf; 0 if read. */
static int read_cache_attr(int idx, const char *attr, char *buf, size_t len) {
    char path[96];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/%s", idx, attr);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    const int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok) return -1;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

/* "48K", "1024K", "32M", "65536" -> bytes; *end is left after the number. */
static size_t parse_size(const char *s, const char **end) {
    char *e;
    size_t v = strtoull(s, &e, 10);
    if (*e == 'K' || *e == 'k') v <<= 10, e++;
    else if (*e == 'M' || *e == 'm') v <<= 20, e++;
    *end = e;
    return v;
}

/* CONVBENCH_CACHES="L1D,L2,L3" (e.g. "32K,1M,32M") stands in for the
 * machine's sizes: for what-ifs, and for the instruction-count gate, whose
 * counts must not depend on the machine it runs on. */
static int caches_from_env(conv_caches *c) {
    const char *s = getenv("CONVBENCH_CACHES"), *e;
    if (!s || !*s) return 0;
    c->l1d = parse_size(s, &e);
    if (*e == ',') c->l2 = parse_size(e + 1, &e);
    if (*e == ',') c->l3 = parse_size(e + 1, &e);
    return 1;
}

/* Each cache index says its level and type ("Data", "Instruction",
 * "Unified") and its size ("48K", "1024K", "32M"); instruction caches are
 * skipped, so the order of the indices does not matter. */
static conv_caches detect_caches(void) {
    conv_caches c = {0, 0, 0};
    if (caches_from_env(&c)) return c;
    for (int idx = 0; idx < 16; idx++) {
        char level[16], type[32], size[32];
        if (read_cache_attr(idx, "level", level, sizeof level) ||
            read_cache_attr(idx, "type", type, sizeof type) ||
            read_cache_attr(idx, "size", size, sizeof size))
            break;
        if (!strcmp(type, "Instruction")) continue;
        const char *end;
        const size_t bytes = parse_size(size, &end);
        switch (atoi(level)) {
        case 1: c.l1d = bytes; break;
        case 2: c.l2 = bytes; break;
        case 3: c.l3 = bytes; break;
        default: break;
        }
    }
    return c;
}

conv_caches conv_cpu_caches(void) {
    static int done;
    static conv_caches caches;
    if (!done) {
        caches = detect_caches();
        done = 1;
    }
    return caches;
}

const char *conv_isa_name(unsigned isa_bit) {
    switch (isa_bit) {
    case CONV_ISA_AVX2: return "avx2";
    case CONV_ISA_AVX512: return "avx512f";
    case CONV_ISA_NEON: return "neon";
    default: return "scalar";
    }
}

const char *conv_impl_unavailable(const conv_impl *impl) {
    static char why[64];
    unsigned missing = impl->isa & ~conv_cpu_isa();
    if (!missing) return NULL;
    unsigned bit = missing & -missing;
    strcpy(why, "needs ");
    strcat(why, conv_isa_name(bit));
    return why;
}

void conv_default_params(const conv_impl *impl, conv_params *prm) {
    memset(prm, 0, sizeof *prm);
    for (int i = 0; i < impl->nparams && i < CONV_MAX_PARAMS; i++)
        prm->v[i] = impl->params[i].def;
    if (impl->machine_defaults) impl->machine_defaults(prm);
}

const char *conv_params_invalid(const conv_impl *impl, const conv_problem *p,
                                const conv_params *prm) {
    static char why[160];
    for (int i = 0; i < impl->nparams; i++) {
        const conv_param_def *d = &impl->params[i];
        int v = prm->v[i];
        int on_grid = d->step > 0 ? (v - d->min) % d->step == 0 : (v & (v - 1)) == 0;
        if (v < d->min || v > d->max || !on_grid) {
            snprintf(why, sizeof why, "%s=%d is outside %d..%d%s", d->name, v, d->min, d->max,
                     d->step > 0 ? "" : " (powers of two)");
            return why;
        }
    }
    return impl->check_params ? impl->check_params(p, prm) : NULL;
}
