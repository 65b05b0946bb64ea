/* The FMA peak loop, compiled once per ISA (CMakeLists.txt gives each copy
 * its flags and PEAK_ISA/PEAK_VW). NACC independent accumulator vectors are
 * each updated by one FMA per step: with NACC >= FMA latency x FMA units
 * the pipes never wait, and as long as NACC plus the two operands fit in
 * the register file nothing spills. The caller sweeps NACC and keeps the
 * best, since the right count differs between cores. */
#include <stdint.h>

#ifndef PEAK_VW
#error "compile with -DPEAK_VW=<floats per vector> -DPEAK_ISA=<name>"
#endif

typedef float vec __attribute__((vector_size(PEAK_VW * 4)));

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

/* steps x NACC FMAs; returns a value that depends on every accumulator so
 * the compiler cannot drop any of them. */
#define DEFINE_PEAK(NACC)                                                     \
    static float CAT(peak_loop_, NACC)(int64_t steps, float seed) {           \
        vec acc[NACC], a, b;                                                  \
        for (int i = 0; i < PEAK_VW; i++) {                                   \
            a[i] = 1.0f + seed * 1e-9f;                                       \
            b[i] = 1e-7f * seed;                                              \
        }                                                                     \
        _Pragma("GCC unroll 32") for (int j = 0; j < NACC; j++) acc[j] = b * (float)j; \
        for (int64_t t = 0; t < steps; t++) {                                 \
            _Pragma("GCC unroll 32") for (int j = 0; j < NACC; j++)           \
                acc[j] = acc[j] * a + b;                                      \
            __asm__ volatile("" : "+x"(a)); /* keep a live and opaque */      \
        }                                                                     \
        vec s = acc[0];                                                       \
        _Pragma("GCC unroll 32") for (int j = 1; j < NACC; j++) s += acc[j];  \
        float r = 0;                                                          \
        for (int i = 0; i < PEAK_VW; i++) r += s[i];                          \
        return r;                                                             \
    }

DEFINE_PEAK(4)
DEFINE_PEAK(8)
DEFINE_PEAK(10)
DEFINE_PEAK(12)
DEFINE_PEAK(14)
DEFINE_PEAK(16)
DEFINE_PEAK(20)
DEFINE_PEAK(24)

/* Accumulator counts the sweep tries (8..24 as DESIGN.md asks, 4 for SSE). */
const int CAT(peak_naccs_, PEAK_ISA)[] = {4, 8, 10, 12, 14, 16, 20, 24, 0};

/* Runs steps x nacc x PEAK_VW FMAs (2 flops each); returns a sink value. */
float CAT(peak_run_, PEAK_ISA)(int nacc, int64_t steps, float seed) {
    switch (nacc) {
    case 4: return peak_loop_4(steps, seed);
    case 8: return peak_loop_8(steps, seed);
    case 10: return peak_loop_10(steps, seed);
    case 12: return peak_loop_12(steps, seed);
    case 14: return peak_loop_14(steps, seed);
    case 16: return peak_loop_16(steps, seed);
    case 20: return peak_loop_20(steps, seed);
    case 24: return peak_loop_24(steps, seed);
    default: return 0;
    }
}
